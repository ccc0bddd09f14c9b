"""kernels.products.batched_outer: the same bits as numpy's broadcasting multiply."""
import numpy as np
import pytest

import autograd
from autograd.kernels.products import batched_outer

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 20, 128), (1, 1, 1), (3, 0, 4), (2, 5, 0)])
def test_batched_outer_is_numpys_multiply_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(0)
    b_, m, n = shape
    a = rng.standard_normal((b_, m, 1)).astype(dtype)
    b = rng.standard_normal((b_, 1, n)).astype(dtype)
    a[..., :1][a[..., :1] > 1.5] = np.inf   # specials go through the same product
    got = batched_outer(a, b)
    assert got.dtype == dtype and got.shape == shape
    np.testing.assert_array_equal(got, np.multiply(a, b))


def test_strided_and_unsupported_operands():
    rng = np.random.default_rng(1)
    big = rng.standard_normal((4, 6, 2))
    a, b = big[:, :, 1:], rng.standard_normal((4, 3, 5))[:, 1:2, :]   # non-contiguous views
    np.testing.assert_array_equal(batched_outer(a, b), np.multiply(a, b))
    for a2, b2 in [(rng.standard_normal((3, 1)), rng.standard_normal((1, 4))),         # 2-D
                   (rng.standard_normal((1, 3, 1)), rng.standard_normal((2, 1, 4))),   # broadcast
                   (np.ones((2, 3, 1), np.int64), np.ones((2, 1, 4), np.int64))]:      # ints
        np.testing.assert_array_equal(batched_outer(a2, b2), np.multiply(a2, b2))


def test_attention_style_products_match_torch_with_gradients():
    rng = np.random.default_rng(2)
    enc, h = rng.standard_normal((4, 6, 5)), rng.standard_normal((4, 5))
    ours = [autograd.tensor(a, requires_grad=True) for a in (enc, h)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (enc, h)]
    outs = []
    for lib, (e, q) in ((autograd, ours), (torch, theirs)):
        scores = (e @ q.unsqueeze(-1)).squeeze(-1).softmax(-1)          # (B, S)
        ctx = (scores.unsqueeze(1) @ e).squeeze(1)                       # (B, H)
        loss = (ctx ** 2).sum()
        loss.backward()
        outs.append(loss.item())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10)
