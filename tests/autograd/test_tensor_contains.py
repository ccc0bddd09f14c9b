"""`element in tensor` as torch's Tensor.__contains__: (element == t).any() for numbers and
tensors (broadcast: a row is "in" t if any of its entries matches at its position), a plain
bool, no graph, and a RuntimeError for anything else."""
import math

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

DATA = [[1.0, 2.0, math.nan], [3.0, -4.0, 0.0]]


@pytest.mark.parametrize("element", [2.0, 2, 5, -4, 0, -0.0, True, False, math.nan, math.inf,
                                     np.float64(3.0), np.int64(7)])
def test_numbers_as_torch(element):
    ours, theirs = autograd.tensor(DATA), torch.tensor(DATA)
    result = element in ours
    assert type(result) is bool
    assert result == (element in theirs)


@pytest.mark.parametrize("element", [[1.0, 9.0, 9.0], [9.0, 9.0, 9.0], [[3.0], [7.0]],
                                     [[9.0, 9.0, 9.0], [9.0, -4.0, 9.0]], 3.0])
def test_tensors_as_torch(element):
    ours, theirs = autograd.tensor(DATA), torch.tensor(DATA)
    assert (autograd.tensor(element) in ours) == (torch.tensor(element) in theirs)


def test_int_bool_and_requires_grad_tensors():
    assert 3 in autograd.tensor([1, 2, 3]) and 4 not in autograd.tensor([1, 2, 3])
    assert True in autograd.tensor([False, True]) and 1 in autograd.tensor([False, True])
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    assert 2.0 in x and 3.0 not in x
    assert autograd.tensor(2.0, requires_grad=True) in x
    assert 5.0 not in autograd.zeros(0)


@pytest.mark.parametrize("element", ["a", None, [1.0, 2.0], (1, 2)])
def test_other_elements_raise_as_torch(element):
    with pytest.raises(RuntimeError, match="only supports Tensor or scalar") as ours:
        element in autograd.tensor(DATA)
    with pytest.raises(RuntimeError) as theirs:
        element in torch.tensor(DATA)
    assert str(ours.value) == str(theirs.value)


def test_shapes_that_do_not_broadcast_raise():
    with pytest.raises(Exception):
        autograd.tensor([1.0, 2.0]) in autograd.tensor([[1.0, 2.0, 3.0]])
