"""Tensor(...)'s forms as torch.Tensor's: sizes (the old nn.Parameter(torch.Tensor(out, in))
idiom) against data, and the sequence arguments of cat/stack."""
import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("args", [(5,), (2, 3), (0,), (2, 0, 4), ()])
def test_int_arguments_are_sizes_as_in_torch(args):
    ours, theirs = Tensor(*args), torch.Tensor(*args)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    assert np.all(ours.numpy() == 0)   # torch's are uninitialized; ours are zeros


def test_a_size_object_is_a_size_and_a_tuple_is_data():
    assert Tensor(autograd.Size([2, 3])).shape == (2, 3)
    assert Tensor((2, 3)).shape == (2,)
    assert Tensor([5]).shape == (1,) and Tensor(np.int64(5)).shape == (5,)   # as torch


def test_the_size_forms_follow_the_default_dtype():
    prev = autograd.get_default_dtype()
    autograd.set_default_dtype(np.float64)
    try:
        assert Tensor(3).dtype == np.float64
    finally:
        autograd.set_default_dtype(prev)


def test_the_old_parameter_idiom_works():
    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(Tensor(4, 3))
            self.bias = nn.Parameter(Tensor(4))
            nn.init.xavier_uniform_(self.weight)
            nn.init.zeros_(self.bias)

    m = Layer()
    assert m.weight.shape == (4, 3) and m.bias.shape == (4,)
    assert m.weight.requires_grad and np.any(m.weight.numpy() != 0)


def test_bad_sizes_raise_clearly():
    with pytest.raises(ValueError, match="negative dimension"):
        Tensor(-1)
    with pytest.raises(TypeError, match="sizes as ints"):
        Tensor(2, 3.0)


def test_data_forms_are_unchanged():
    assert autograd.tensor(1).shape == () and autograd.tensor(1).dtype == np.int64
    assert autograd.as_tensor(3).shape == ()
    assert Tensor(2.5).shape == () and Tensor([1.0, 2.0]).dtype == np.float32
    out = autograd.where(autograd.tensor([True, False]), 1, 0)
    np.testing.assert_array_equal(out.numpy(), torch.where(torch.tensor([True, False]), 1, 0))


@pytest.mark.parametrize("op", ["cat", "stack"])
def test_cat_and_stack_refuse_a_bare_tensor(op):
    t = autograd.ones(2, 3)
    with pytest.raises(TypeError, match=f"{op}.*tuple or list of Tensors, not Tensor"):
        getattr(autograd, op)(t)
    with pytest.raises(TypeError):
        getattr(torch, op)(torch.ones(2, 3))
