"""Tensor.view(dtype): the same bytes read as another dtype, as torch's."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

NAMES = ["int32", "float32", "int64", "float64", "int16", "uint8", "bool", "int8"]


@pytest.mark.parametrize("src", ["float32", "float64", "int64"])
@pytest.mark.parametrize("dst", NAMES)
def test_matches_torch(src, dst):
    a = (np.arange(24).reshape(3, 8) * 0.37 - 2).astype(src)
    ours = autograd.tensor(a, requires_grad=src.startswith("float")).view(getattr(autograd, dst))
    theirs = torch.tensor(a).view(getattr(torch, dst))
    assert ours.shape == tuple(theirs.shape) and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_shares_memory_and_keyword():
    x = autograd.zeros(2, 2)
    x.view(dtype=autograd.int32)[0, 0] = 0x3F800000      # the bits of 1.0f
    assert x[0, 0].item() == 1.0


@pytest.mark.parametrize("make,dst,msg", [
    (lambda lib: lib.zeros(4, 2).t(), "float64", "stride"),
    (lambda lib: lib.zeros(2, 3), "float64", "divisible by 2"),
])
def test_refused_as_torch(make, dst, msg):
    with pytest.raises(RuntimeError, match=msg):
        make(torch).view(getattr(torch, dst))
    with pytest.raises(RuntimeError, match=rf"view: .*{msg}.*float32 as float64"):
        make(autograd).view(getattr(autograd, dst))


def test_unsupported_dtype_named():
    with pytest.raises(TypeError, match="float16"):
        autograd.zeros(2).view(autograd.float16)
