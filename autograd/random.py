"""torch.random: the default generator's seed and state, and fork_rng, which puts them back
when its block ends.

    with autograd.random.fork_rng():
        autograd.manual_seed(0)
        noise = autograd.randn(8)        # reproducible here ...
    x = autograd.randn(8)                # ... and the outer stream goes on as if untouched
"""
from __future__ import annotations

import contextlib

from . import generator as _generator
from .functional_torch_more import initial_seed, seed
from .generator import Generator, get_rng_state, manual_seed, set_rng_state

__all__ = ["fork_rng", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "Generator"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type=None):
    """Run the block with the default generator forked: on exit (also by an exception) its
    stream position and initial seed are what they were on entry, whatever the block drew or
    seeded (manual_seed included). enabled=False runs the block unforked. Generators made
    with autograd.Generator() are not forked, as in torch; devices and device_type name
    accelerators, of which there are none."""
    if not enabled or device_type == "meta":
        yield
        return
    # the object, not just its state: manual_seed inside the block puts a new generator in
    # its place, and whoever held the old one before the block must go on drawing from it
    gen = _generator.default_generator()
    state = gen.bit_generator.state
    seed_ = gen.initial_seed() if isinstance(gen, Generator) else None
    try:
        yield
    finally:
        gen.bit_generator.state = state
        if seed_ is not None:
            gen._initial_seed = seed_
        _generator._rng = gen
