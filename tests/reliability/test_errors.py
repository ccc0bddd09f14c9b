"""Bad input gives a ValueError / TypeError / RuntimeError / IndexError that names the op, the
shapes (as Python tuples) and the dtypes involved."""
from __future__ import annotations

import re

import numpy as np
import pytest

import autograd
import nn
from nn import functional as F


def f32(*shape):
    return autograd.randn(*shape)


def f64(*shape):
    return autograd.randn(*shape, dtype=np.float64)


def i64(*values):
    return autograd.tensor(list(values), dtype=np.int64)


def _raises(call, kind, *fragments):
    with pytest.raises(kind) as info:
        call()
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    return msg


SHAPE_ERRORS = {
    "matmul": (lambda: autograd.matmul(f32(2, 3), f32(4, 5)),
               ["matmul: shapes (2, 3) and (4, 5) are not aligned"]),
    "matmul-batch": (lambda: f32(2, 2, 3) @ f32(3, 3, 4), ["matmul", "(2, 2, 3)", "(3, 3, 4)"]),
    "broadcast": (lambda: f32(2, 3) + f32(4), ["add", "(2, 3)", "(4,)"]),
    "broadcast-mul": (lambda: f32(2, 3) * f32(2, 2), ["mul", "(2, 3)", "(2, 2)"]),
    "cat": (lambda: autograd.cat([f32(2, 3), f32(2, 4)]), ["cat", "(2, 3)", "(2, 4)"]),
    "stack": (lambda: autograd.stack([f32(2, 3), f32(3, 2)]), ["stack", "(2, 3)", "(3, 2)"]),
    "conv2d-geometry": (lambda: F.conv2d(f32(1, 1, 3, 3), f32(1, 1, 5, 5)),
                        ["conv2d", "(1, 1, 3, 3)", "(1, 1, 5, 5)"]),
    "conv2d-channels": (lambda: F.conv2d(f32(1, 2, 5, 5), f32(1, 3, 3, 3)),
                        ["conv2d", "(1, 2, 5, 5)", "(1, 3, 3, 3)"]),
    "max_pool2d-geometry": (lambda: F.max_pool2d(f32(1, 1, 2, 2), 3),
                            ["max_pool2d", "(1, 1, 2, 2)", "(3, 3)"]),
    "cross_entropy-target": (lambda: F.cross_entropy(f32(2, 5), i64(1, 2, 3)),
                             ["cross_entropy", "(3,)", "(2, 5)"]),
    "mse_loss-target": (lambda: F.mse_loss(f32(2, 3), f32(3, 2)), ["mse_loss", "(3, 2)", "(2, 3)"]),
    "bce-logits-target": (lambda: F.binary_cross_entropy_with_logits(f32(3), f32(4)),
                          ["binary_cross_entropy_with_logits", "(4,)", "(3,)"]),
    "LSTM-features": (lambda: nn.LSTM(4, 8)(f32(5, 2, 3)), ["LSTM", "4", "(5, 2, 3)"]),
    "LSTM-h0": (lambda: nn.LSTM(4, 8)(f32(5, 2, 4), (f32(1, 3, 8), f32(1, 3, 8))),
                ["LSTM", "(1, 2, 8)", "(1, 3, 8)"]),
    "GRU-features": (lambda: nn.GRU(4, 8)(f32(5, 2, 3)), ["GRU", "(5, 2, 3)"]),
    "Linear-features": (lambda: nn.Linear(4, 2)(f32(3, 5)), ["Linear", "4", "(3, 5)"]),
    "Conv2d-channels": (lambda: nn.Conv2d(3, 2, 3)(f32(1, 4, 5, 5)), ["Conv2d", "(1, 4, 5, 5)"]),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3)(f32(4, 5)), ["BatchNorm1d", "(4, 5)"]),
    "LayerNorm": (lambda: nn.LayerNorm(3)(f32(4, 5)), ["LayerNorm", "(4, 5)"]),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2)(f32(3, 2, 8), f32(3, 2, 6),
                                                              f32(3, 2, 6)),
                           ["MultiheadAttention", "(3, 2, 6)"]),
    "reshape": (lambda: f32(2, 3).reshape(4, 2), ["reshape", "(2, 3)", "(4, 2)"]),
    "expand": (lambda: f32(4, 4, 4).expand(4, 4, 1), ["expand", "(4, 4, 4)", "(4, 4, 1)"]),
    "flatten-order": (lambda: f32(2, 3).flatten(1, 0), ["flatten", "(2, 3)"]),
    "index": (lambda: f32(2, 3)[5], ["index", "(2, 3)"]),
    "index-step-0": (lambda: f32(2, 3)[::0], ["index", "(2, 3)"]),
    "setitem": (lambda: f32(2, 3).__setitem__(0, np.ones(4)), ["setitem", "(4,)", "(2, 3)"]),
    "add_-broadcast": (lambda: f32(2, 1).add_(f32(2, 3)), ["add_", "(2, 3)", "(2, 1)"]),
    "compare-broadcast": (lambda: f32(2, 3) < f32(4), ["less", "(2, 3)", "(4,)"]),
    "cat-0d": (lambda: autograd.cat([f32(), f32()]), ["cat", "0-d"]),
    "split-0d": (lambda: f32().split(1), ["split", "0-d"]),
    "amax-empty": (lambda: f32(0, 3).amax(0), ["amax", "(0, 3)"]),
    "arange-step-0": (lambda: autograd.arange(0, 5, 0), ["arange", "step"]),
    "tensor-ragged": (lambda: autograd.tensor([[1, 2], [3]]), ["tensor", "ragged"]),
}


@pytest.mark.parametrize("case", sorted(SHAPE_ERRORS))
def test_shape_errors_name_the_op_and_the_shapes(case):
    call, fragments = SHAPE_ERRORS[case]
    msg = _raises(call, (ValueError, RuntimeError, IndexError), *fragments)
    # shapes are printed as Python tuples, never numpy's "(2,3)" spelling
    assert not re.search(r"\(\d+,\d", msg), msg


DTYPE_ERRORS = {
    "int-requires-grad": (lambda: autograd.tensor([1, 2], requires_grad=True), ["int64"]),
    "int-requires-grad_": (lambda: autograd.ones(2, dtype=np.int64).requires_grad_(), ["int64"]),
    "bool-parameter": (lambda: nn.Parameter(np.ones(2, bool)), ["Parameter", "bool"]),
    "matmul-mixed": (lambda: f32(2, 3) @ f64(3, 4), ["matmul", "float32", "float64"]),
    "Linear-float64-input": (lambda: nn.Linear(4, 2)(f64(3, 4)), ["Linear", "float64", "float32"]),
    "Linear-int-input": (lambda: nn.Linear(4, 2)(autograd.ones(3, 4, dtype=np.int64)),
                         ["Linear", "int64", "float32"]),
    "LSTM-float64-input": (lambda: nn.LSTM(4, 8)(f64(5, 2, 4)), ["LSTM", "float64", "float32"]),
    "conv2d-mixed": (lambda: nn.Conv2d(3, 2, 3)(f64(1, 3, 5, 5)), ["conv2d", "float64",
                                                                   "float32"]),
    "cross_entropy-float-target": (lambda: F.cross_entropy(f32(2, 5), autograd.tensor([1., 2.])),
                                   ["cross_entropy", "float32"]),
    "embedding-float-indices": (lambda: nn.Embedding(5, 2)(f32(3)), ["embedding", "float32"]),
    "where-condition": (lambda: autograd.where(f32(2), f32(2), f32(2)), ["where", "float32"]),
    "fill_-nan-into-int": (lambda: autograd.zeros(2, dtype=np.int64).fill_(float("nan")),
                           ["fill_", "int64"]),
}


@pytest.mark.parametrize("case", sorted(DTYPE_ERRORS))
def test_dtype_errors_name_the_op_and_the_dtypes(case):
    call, fragments = DTYPE_ERRORS[case]
    _raises(call, (TypeError, RuntimeError, ValueError), *fragments)


def test_out_of_range_targets_and_indices_are_caught_before_any_kernel():
    _raises(lambda: F.cross_entropy(f32(2, 5), i64(1, 7)), ValueError, "cross_entropy", "7",
            "(2, 5)")
    _raises(lambda: F.nll_loss(f32(2, 5), i64(-3, 0)), ValueError, "nll_loss", "-3")
    _raises(lambda: nn.Embedding(5, 2)(i64(1, 5)), ValueError, "embedding", "5", "(5, 2)")
    _raises(lambda: f32(3).sum(dim=3), IndexError, "sum", "3")
    _raises(lambda: f32(3).softmax(dim=2), IndexError, "softmax")


def test_degenerate_but_valid_inputs_give_results():
    """Empty tensors go through like in PyTorch rather than failing inside a kernel."""
    x = autograd.zeros(0, 3, requires_grad=True)
    for y in (x.softmax(1), x.log_softmax(-1), x.logsumexp(1), x.flatten(), x.sum(0)):
        y.sum().backward()
    assert autograd.zeros(2, 0).logsumexp(1).data.tolist() == [-np.inf, -np.inf]
    assert autograd.zeros(3, 2, 0).flatten(0, 1).shape == (6, 0)
    assert autograd.tensor([1, -2]).leaky_relu(0.5).data.tolist() == [1.0, -1.0]



@pytest.mark.parametrize("kw", [{"weight_decay": 0.1}, {"maximize": True}])
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_optimizers_step_a_0d_parameter(name, kw):
    import optim
    p = nn.Parameter(np.array(2.0, np.float32))
    p.grad = autograd.tensor(1.0)
    getattr(optim, name)([p], lr=0.1, **kw).step()
    assert p.shape == () and p.dtype == np.float32 and p.item() != 2.0


def test_integer_gradients_are_refused_by_name():
    import optim
    p = nn.Parameter(np.ones(3, np.float32))
    _raises(lambda: setattr(p, "grad", autograd.ones(3, dtype=np.int64)), RuntimeError,
            "assign a gradient with dtype int64")        # refused here, as in torch
    p.grad = autograd.ones(3)
    p.grad.data = np.ones(3, np.int64)                   # what .data can still do
    _raises(lambda: nn.utils.clip_grad_norm_([p], 1.0), TypeError, "clip_grad_norm_", "int64")
    _raises(lambda: nn.utils.clip_grad_value_([p], 1.0), TypeError, "clip_grad_value_", "int64")
    _raises(lambda: optim.SGD([p], lr=0.1).step(), TypeError, "SGD", "int64", "float32")


@pytest.mark.parametrize("dtype", [np.float16, np.complex64, np.longdouble])
def test_unsupported_dtypes_are_refused_at_the_door(dtype):
    arr = np.ones(3, dtype)
    _raises(lambda: autograd.tensor(arr), TypeError, "tensor", np.dtype(dtype).name)
    _raises(lambda: autograd.from_numpy(arr), TypeError, "from_numpy", np.dtype(dtype).name)
    _raises(lambda: autograd.ones(3).to(dtype), TypeError, "to", np.dtype(dtype).name)
