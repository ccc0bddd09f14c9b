"""Shape and index mistakes raise an error that is an instance of the class torch raises, so
ported `except RuntimeError:` / `except IndexError:` code catches ours too (ours stay
ValueErrors as well, and name the op, shapes and dtypes)."""
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

CASES = {
    "linear": lambda M, N, NF: N.Linear(3, 2)(M.ones(4, 5)),
    "matmul": lambda M, N, NF: M.ones(2, 3) @ M.ones(4, 5),
    "cat": lambda M, N, NF: M.cat([M.ones(2, 3), M.ones(2, 4)]),
    "stack": lambda M, N, NF: M.stack([M.ones(2, 3), M.ones(2, 4)]),
    "reshape": lambda M, N, NF: M.ones(6).reshape(4, 2),
    "view": lambda M, N, NF: M.ones(6).view(4, 2),
    "add": lambda M, N, NF: M.ones(2, 3) + M.ones(4, 5),
    "add_": lambda M, N, NF: M.ones(2, 3).add_(M.ones(4, 3)),
    "expand": lambda M, N, NF: M.ones(2, 3).expand(4, 4),
    "conv channels": lambda M, N, NF: N.Conv2d(3, 4, 3)(M.ones(1, 2, 8, 8)),
    "lstm input": lambda M, N, NF: N.LSTM(3, 4)(M.ones(5, 2, 7)),
    "batchnorm channels": lambda M, N, NF: N.BatchNorm2d(3)(M.ones(2, 4, 5, 5)),
    "layernorm shape": lambda M, N, NF: N.LayerNorm(5)(M.ones(2, 4)),
    "cross_entropy target": lambda M, N, NF: NF.cross_entropy(M.ones(2, 3), M.tensor([0, 5])),
    "nll_loss target": lambda M, N, NF: NF.nll_loss(M.ones(2, 3), M.tensor([0, 7])),
    "embedding index": lambda M, N, NF: N.Embedding(4, 2)(M.tensor([1, 7])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_error_is_an_instance_of_torchs_class(name):
    with pytest.raises(Exception) as theirs:
        CASES[name](torch, torch.nn, torch.nn.functional)
    with pytest.raises(Exception) as ours:
        CASES[name](autograd, nn, F)
    assert isinstance(ours.value, type(theirs.value)), (type(ours.value), type(theirs.value))
    assert isinstance(ours.value, ValueError)


def _f(L):
    return L.tensor([1.5, 2.0])


def _i(L):
    return L.tensor([3, 4])


def _b(L):
    return L.tensor([True, False])


# ops with no kernel for the dtype: torch raises NotImplementedError ("... not implemented for
# 'Float'"), ours DtypeNotImplementedError, also the TypeError it was before (torch's ~ on a
# float tensor is a TypeError: ours is both)
NOT_IMPLEMENTED_FOR_DTYPE = [
    lambda L: _f(L) & _f(L), lambda L: _f(L) | _i(L), lambda L: _i(L) ^ _f(L),
    lambda L: _f(L) << _i(L), lambda L: _i(L) >> _f(L), lambda L: _f(L).bitwise_not(),
    lambda L: _b(L) // _b(L), lambda L: _b(L) % _b(L), lambda L: _b(L).fmod(_b(L)),
    lambda L: L.hypot(_i(L), _i(L)), lambda L: L.logaddexp(_i(L), _i(L)),
    lambda L: L.logaddexp2(_i(L), _b(L)), lambda L: L.nextafter(_i(L), _i(L)),
    lambda L: _i(L).frac(), lambda L: L.gcd(_f(L), _i(L)), lambda L: L.lcm(_i(L), _f(L)),
    lambda L: _b(L).floor(), lambda L: _b(L).ceil(), lambda L: _b(L).round(),
    lambda L: _b(L).trunc(), lambda L: _b(L).median(), lambda L: _b(L).median(0),
    lambda L: L.ones(2, 2, dtype=L.bool).trace(),
    lambda L: _b(L).div(_b(L), rounding_mode="trunc"),
    lambda L: _b(L).floor_divide_(_b(L)), lambda L: _i(L).hypot_(_i(L)),
    lambda L: _f(L).bitwise_and_(_i(L)), lambda L: _b(L).addcmul(_b(L), _b(L)),
    lambda L: L.lerp(_i(L), _i(L), 0.5),
]


def test_ops_not_implemented_for_a_dtype_raise_torchs_class():
    for k, call in enumerate(NOT_IMPLEMENTED_FOR_DTYPE):
        with pytest.raises(NotImplementedError, match="not implemented for"):
            call(torch)
        with pytest.raises(NotImplementedError) as ours:
            call(autograd)
        assert isinstance(ours.value, TypeError), k   # the engine's class before


# torch's RuntimeError, ours also the TypeError / ValueError it was before: (old class, call)
RUNTIME_ERRORS = [
    (TypeError, lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0], dtype=L.float64), 0.5)),
    (TypeError, lambda L: L.heaviside(_f(L), L.tensor([1.0], dtype=L.float64))),
    (TypeError, lambda L: L.dist(_i(L), _i(L))), (TypeError, lambda L: _i(L).norm()),
    (TypeError, lambda L: _i(L).mean()), (TypeError, lambda L: _i(L).nanmean()),
    (TypeError, lambda L: _i(L).add(_i(L), alpha=0.5)),
    (TypeError, lambda L: L.sub(_i(L), _i(L), alpha=1.5)),
    (TypeError, lambda L: _i(L).add_(_i(L), alpha=0.5)),
    (TypeError, lambda L: L.tensor([1, 2], requires_grad=True)),
    (TypeError, lambda L: _i(L).requires_grad_()),
    (ValueError, lambda L: L.pow(_i(L), -1)), (ValueError, lambda L: _i(L) ** -2),
    (ValueError, lambda L: L.ones(2).item()), (ValueError, lambda L: L.bincount(L.tensor([1, -1]))),
    (ValueError, lambda L: L.mv(L.ones(3), L.ones(3))),
    (ValueError, lambda L: L.mv(L.ones(2, 3), L.ones(2))),
    (ValueError, lambda L: L.ones(3, 3).expand(())),
    (ValueError, lambda L: L.ones(1, 3).copy_(L.ones(3, 3))),
    (ValueError, lambda L: L.ones(1, 3, requires_grad=True).clone().copy_(L.ones(3, 3))),
    (ValueError, lambda L: L.ones(3).__setitem__(slice(None), L.ones(2))),
    (ValueError, lambda L: L.ones(2, 3).__setitem__((slice(None), 0), L.ones(3))),
    (ValueError, lambda L: L.ones(4).__setitem__(L.tensor([0, 1]), L.ones(3))),
]


def test_dtype_and_value_errors_are_also_torchs_runtime_error():
    for k, (old, call) in enumerate(RUNTIME_ERRORS):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError) as ours:
            call(autograd)
        assert isinstance(ours.value, old), k
    d = autograd.dist(autograd.tensor([1.0, 2.0]), autograd.tensor(1, dtype=autograd.uint8))
    assert d.dtype == autograd.float32 and d.item() == 1.0   # promoted, as torch's
