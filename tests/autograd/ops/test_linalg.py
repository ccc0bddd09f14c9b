"""matmul: numpy's rules (batching, broadcasting, 1-D operands) checked against torch."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import arrays, check_float32, check_op

torch = pytest.importorskip("torch")

matmul_shapes = hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3,
                                                  min_side=1, max_side=4)


@settings(deadline=None, max_examples=40)
@given(data=st.data(), mshapes=matmul_shapes)
def test_matmul_batched_broadcast_and_1d(data, mshapes):
    a = data.draw(arrays(mshapes.input_shapes[0]))
    b = data.draw(arrays(mshapes.input_shapes[1]))
    check_op(lambda x, y: x @ y, torch.matmul, a, b, numpy_ref=np.matmul, rtol=1e-9)
    check_op(autograd.matmul, torch.matmul, a, b, gradcheck=False, rtol=1e-9)


@pytest.mark.parametrize("sa, sb", [((5,), (5,)), ((5,), (5, 3)), ((2, 5), (5,)),
                                    ((4, 2, 5), (5, 3)), ((2, 5), (4, 5, 3)),
                                    ((4, 1, 2, 5), (3, 5, 2)), ((3, 4, 5), (5,)),
                                    ((5,), (2, 5, 3))])
def test_matmul_shape_cases(sa, sb):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_op(lambda x, y: x @ y, torch.matmul, a, b, numpy_ref=np.matmul, rtol=1e-9)


def test_matmul_with_one_side_constant():
    rng = np.random.default_rng(1)
    w = autograd.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    x = rng.standard_normal((4, 5, 3))
    (x @ w).sum().backward()  # ndarray @ Tensor goes through __rmatmul__
    np.testing.assert_allclose(w.grad.data, np.broadcast_to(x.sum((0, 1))[:, None], (3, 2)))


def test_matmul_float32_and_errors():
    check_float32(lambda a, b: a @ b, np.ones((2, 3, 4)), np.ones((4, 2)))
    check_float32(lambda a, b: a @ b, np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 2\)"):
        autograd.ones(2, 3) @ autograd.ones(4, 2)
    with pytest.raises(ValueError, match="matmul.*at least one dim"):
        autograd.ones(()) @ autograd.ones(2)
    with pytest.raises(RuntimeError, match="matmul.*float32.*float64"):
        autograd.ones(2, 2) @ autograd.ones(2, 2, dtype=autograd.float64)
    with pytest.raises(ValueError, match=r"matmul.*batch.*\(2, 1, 3\).*\(3, 3, 1\)"):
        autograd.ones(2, 1, 3) @ autograd.ones(3, 3, 1)


@pytest.mark.parametrize("sa, sb", [((4, 1), (1, 3)), ((2, 5, 1), (2, 1, 3)), ((2, 5, 1), (1, 3)),
                                    ((3, 1, 4, 1), (2, 1, 5)), ((1, 1), (1, 1))])
def test_matmul_inner_dim_one_is_an_exact_outer_product(sa, sb):
    """k = 1 runs as a broadcast multiply (fast path): the same values, bit for bit."""
    from autograd.ops.linalg import _product
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32)
    assert np.array_equal(_product(a, b), np.matmul(a, b))
    check_op(lambda x, y: x @ y, torch.matmul, a.astype(np.float64), b.astype(np.float64),
             numpy_ref=np.matmul, rtol=1e-9)
    with pytest.raises(ValueError, match="matmul"):
        autograd.ones(2, 1) @ autograd.ones(2, 3)   # k mismatch must not broadcast


def test_transposed_weight_is_cached_while_saved_and_dropped_on_write():
    """A weight used at every step: backward multiplies by one cached contiguous transpose,
    and an API write between forward and backward still makes backward raise."""
    from autograd import saved
    rng = np.random.default_rng(3)
    w = autograd.tensor(rng.standard_normal((4, 6)), requires_grad=True)
    h = autograd.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    out = h
    for _ in range(3):
        out = (out @ w)[:, :4].tanh()
    first = saved.transposed(w._data)
    assert first.flags.c_contiguous and first is saved.transposed(w._data)
    np.testing.assert_array_equal(first, w.data.T)
    out.sum().backward()
    # the same gradient as without the cache (composed by hand)
    w2 = torch.tensor(w.data, requires_grad=True)
    o2 = torch.tensor(h.data)
    for _ in range(3):
        o2 = (o2 @ w2)[:, :4].tanh()
    o2.sum().backward()
    np.testing.assert_allclose(w.grad.data, w2.grad.numpy(), rtol=1e-10)
    assert id(w.data) not in saved._guards          # released with the graph, cache too
    out = (h @ w)[:, :4] @ w
    saved.transposed(w._data)
    with autograd.no_grad():
        w.add_(1.0)
    assert saved.transposed(w._data) is not first
    with pytest.raises(RuntimeError, match="modified in place"):
        out.sum().backward()
