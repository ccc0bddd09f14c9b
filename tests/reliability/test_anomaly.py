"""detect_anomaly() names the first op whose backward makes a NaN gradient, and the line of the
user's code that created it; as torch's, it lets NaN and inf forward outputs and infinite
gradients pass."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd
import nn
from autograd import detect_anomaly, function, tensor


def _line_of(marker: str) -> int:
    """Line number in this file of the statement tagged with `# <marker>`."""
    lines = inspect.getsource(inspect.getmodule(_line_of)).splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.rstrip().endswith(f"# {marker}"))


def test_forward_nan_and_inf_and_infinite_gradients_pass_as_in_torch():
    s = tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    x = tensor([0.0, 1.0, 4.0], requires_grad=True)
    with detect_anomaly():
        mask = tensor([[False, False, True]])
        p = s.masked_fill(mask, float("-inf")).softmax(-1)   # the attention-mask pattern
        (p * tensor([[1.0, 2.0, 3.0]])).sum().backward()
        x.log()                                               # -inf forward
        x.sqrt().sum().backward()                             # an inf gradient at 0
    assert s.grad.data[0, 2] == 0 and np.isinf(x.grad.data[0])


def test_backward_anomaly_names_the_op_and_the_users_line():
    x = tensor([-1.0, 4.0], requires_grad=True)
    y = x * 2  # a finite op before the bad one is not blamed
    with detect_anomaly():
        s = x.sqrt()  # backward-sqrt
        loss = (s * 3.0).sum() + y.sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert "SqrtBackward0 returned NaN" in msg
    assert f"{__file__}\", line {_line_of('backward-sqrt')}" in msg, msg
    assert "Mul" not in msg


def test_anomaly_inside_a_layer_points_at_the_users_call():
    lin = nn.Linear(2, 2)
    with autograd.no_grad():
        lin.weight.fill_(float("nan"))
    x = tensor([[1.0, 2.0]], requires_grad=True)
    with detect_anomaly():
        out = lin(x)  # layer-call
        with pytest.raises(RuntimeError) as info:
            out.sum().backward()
    msg = str(info.value)
    assert "LinearBackward" in msg and f"line {_line_of('layer-call')}" in msg, msg


def test_backward_of_an_op_recorded_outside_anomaly_mode_still_names_it():
    x = tensor([-1.0], requires_grad=True)
    loss = x.sqrt().sum()
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="SqrtBackward.*outside detect_anomaly"):
            loss.backward()


def test_without_anomaly_mode_nan_propagates_silently():
    x = tensor([0.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    assert np.isinf(x.grad.data[0])


def test_mode_is_restored_after_an_error():
    assert function.anomaly_enabled is False
    with pytest.raises(RuntimeError):
        with detect_anomaly():
            tensor([-1.0], requires_grad=True).sqrt().sum().backward()
    assert function.anomaly_enabled is False
    with detect_anomaly(check_nan=False):
        tensor([-1.0], requires_grad=True).sqrt().sum().backward()  # checks off: no error
