"""autograd.random.fork_rng as torch.random.fork_rng: the default generator's stream and
initial seed are restored when the block ends (also by an exception, and after manual_seed
inside it), enabled=False does not fork, and other generators are not forked."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def _draws_around_a_fork(lib, **fork_kwargs):
    """(before, inside, after, initial seed after) with a re-seed and draws in the block."""
    lib.manual_seed(1)
    before = lib.rand(2)
    with lib.random.fork_rng(**fork_kwargs):
        lib.manual_seed(5)
        inside = lib.rand(3)
        lib.randn(4)
    return before, inside, lib.rand(2), lib.initial_seed()


def test_restores_stream_and_seed_as_torch():
    ours, theirs = _draws_around_a_fork(autograd), _draws_around_a_fork(torch)
    assert ours[3] == theirs[3] == 1                    # the seed from before the block
    autograd.manual_seed(1)
    autograd.rand(2)
    expected = autograd.rand(2)                         # as if the block never ran
    np.testing.assert_array_equal(ours[2].data, expected.data)
    autograd.manual_seed(5)
    np.testing.assert_array_equal(ours[1].data, autograd.rand(3).data)


def test_enabled_false_does_not_fork():
    ours, theirs = (_draws_around_a_fork(lib, enabled=False) for lib in (autograd, torch))
    assert ours[3] == theirs[3] == 5
    autograd.manual_seed(5)
    autograd.rand(3)
    autograd.randn(4)
    np.testing.assert_array_equal(ours[2].data, autograd.rand(2).data)


def test_restores_after_an_exception_and_keeps_the_generator_object():
    autograd.manual_seed(3)
    gen = autograd.generator.default_generator()
    with pytest.raises(KeyError):
        with autograd.random.fork_rng(devices=[]):
            autograd.rand(10)
            raise KeyError("inside")
    assert autograd.generator.default_generator() is gen
    after = autograd.rand(2)
    autograd.manual_seed(3)
    np.testing.assert_array_equal(after.data, autograd.rand(2).data)


def test_dropout_and_init_inside_the_block_do_not_shift_the_outer_stream():
    import nn
    autograd.manual_seed(0)
    outer = autograd.rand(3)
    autograd.manual_seed(0)
    with autograd.random.fork_rng():
        nn.Linear(8, 8)
        nn.functional.dropout(autograd.ones(100), 0.5)
    np.testing.assert_array_equal(autograd.rand(3).data, outer.data)


def test_private_generators_are_not_forked_as_torch():
    ours, theirs = autograd.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    with autograd.random.fork_rng(), torch.random.fork_rng():
        ours.manual_seed(4)
        theirs.manual_seed(4)
    assert ours.initial_seed() == theirs.initial_seed() == 4


def test_torch_random_names():
    for name in ("fork_rng", "manual_seed", "seed", "initial_seed", "get_rng_state",
                 "set_rng_state"):
        assert callable(getattr(autograd.random, name)), name
