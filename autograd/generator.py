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


def pick(generator) -> np.random.Generator:
    """The generator to draw from: the one given, else the default one."""
    if generator is None:
        return _rng
    if not isinstance(generator, (np.random.Generator, np.random.RandomState)):
        raise TypeError(f"generator must be a numpy.random.Generator, got "
                        f"{type(generator).__name__}")
    return generator
