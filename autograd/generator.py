"""Random generators: torch.Generator's API (`Generator`) and the engine's default generator,
behind every random draw (randn, dropout, nn.init, uniform_, multinomial, ...);
`manual_seed` replaces the default one with a seeded one.

A Generator IS a numpy.random.Generator (on PCG64), so it goes wherever one is accepted, and
`Generator().manual_seed(s)` draws exactly what `np.random.default_rng(s)` draws.
"""
from __future__ import annotations

import numbers

import numpy as np

# what torch.Generator().initial_seed() is before any manual_seed
_TORCH_DEFAULT_SEED = 67280421310721


def _check_seed(seed) -> int:
    """torch's seed range: [-2**63, 2**64); a negative seed wraps to seed + 2**64 as in torch."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    if not -2**63 <= seed < 2**64:
        raise ValueError(f"manual_seed: seed {seed} is outside [-2**63, 2**64)")
    return seed % 2**64


class Generator(np.random.Generator):
    """torch.Generator: manual_seed(s) -> self, seed(), initial_seed(), get_state() / set_state().

    Usable as `generator=` in every random factory, DataLoader, random_split and the samplers;
    being a numpy Generator it also has numpy's methods (random, permutation, ...).
    """

    def __init__(self, device="cpu"):
        from .device import device as as_device   # device.py stays free of random state
        super().__init__(np.random.PCG64(_TORCH_DEFAULT_SEED))
        self._initial_seed = _TORCH_DEFAULT_SEED
        self.device = as_device(device)

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from `seed`; returns the generator, as torch's does."""
        self._initial_seed = _check_seed(seed)
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self) -> int:
        """Seed from the OS's entropy; returns the new seed."""
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict:
        """The stream's position and seed (a dict autograd.save can write)."""
        return {"bit_generator": "PCG64", "state": self.bit_generator.state,
                "seed": self._initial_seed}

    def set_state(self, state: dict) -> "Generator":
        """Continue from a get_state() (or autograd.get_rng_state()) result; returns self."""
        if not isinstance(state, dict):
            raise TypeError(f"Generator.set_state: expected a dict from get_state, got "
                            f"{type(state).__name__}")
        if state.get("bit_generator") != "PCG64":
            raise ValueError(f"Generator.set_state: expected a PCG64 state from get_state, got "
                             f"bit_generator={state.get('bit_generator')!r}")
        try:
            self.bit_generator.state = state["state"]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"Generator.set_state: not a state from get_state ({e})") from None
        self._initial_seed = state.get("seed", self._initial_seed)
        return self

    def __reduce__(self):   # numpy's own would rebuild a plain numpy Generator
        return _rebuild, (str(self.device), self.get_state())

    def __repr__(self) -> str:
        return f"<autograd.Generator seed={self._initial_seed}>"

    __str__ = __repr__


def _rebuild(device: str, state: dict) -> Generator:
    return Generator(device).set_state(state)


def _seeded(seed: int) -> Generator:
    return Generator().manual_seed(seed)


_rng = Generator().manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))


def manual_seed(seed: int) -> Generator:
    """Seed the generator behind every random draw of the engine; returns it, as torch's does."""
    global _rng
    _rng = _seeded(seed)
    return _rng


def default_generator() -> Generator:
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
    if isinstance(bits, np.random.PCG64):
        _rng = Generator().set_state({"bit_generator": "PCG64", "state": bits.state,
                                      "seed": _rng.initial_seed()})
    else:
        _rng = np.random.Generator(bits)


def pick(generator) -> np.random.Generator:
    """The generator to draw from: the one given (an autograd.Generator or any numpy
    Generator), else the default one."""
    if generator is None:
        return _rng
    if not isinstance(generator, (np.random.Generator, np.random.RandomState)):
        raise TypeError(f"generator must be a numpy.random.Generator or an autograd.Generator, "
                        f"got {type(generator).__name__}")
    return generator


__all__ = ["Generator", "manual_seed", "default_generator", "get_rng_state", "set_rng_state",
           "pick"]
