"""The engine's default random generator, behind every random draw (randn, dropout, nn.init,
uniform_, multinomial, ...); `manual_seed` replaces it with a seeded one."""
from __future__ import annotations

import numpy as np

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind every random draw of the engine."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def default_generator() -> np.random.Generator:
    return _rng


def get_rng_state() -> dict:
    """The default generator's state (a dict that autograd.save can write): set_rng_state
    with it replays the same draws, as torch.get_rng_state / set_rng_state do."""
    return {"bit_generator": type(_rng.bit_generator).__name__,
            "state": _rng.bit_generator.state}


def set_rng_state(state: dict) -> None:
    global _rng
    try:
        bits = getattr(np.random, state["bit_generator"])()
        bits.state = state["state"]
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise ValueError(f"set_rng_state: expected a state from get_rng_state, got "
                         f"{type(state).__name__} ({e})") from None
    _rng = np.random.Generator(bits)


def pick(generator) -> np.random.Generator:
    """The generator to draw from: the one given, else the default one."""
    if generator is None:
        return _rng
    if not isinstance(generator, (np.random.Generator, np.random.RandomState)):
        raise TypeError(f"generator must be a numpy.random.Generator, got "
                        f"{type(generator).__name__}")
    return generator
