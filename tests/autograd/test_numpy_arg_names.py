"""numpy's argument names axis= and keepdims=, which torch accepts beside dim= / keepdim= on
its reductions, softmax, squeeze/unsqueeze and cat/stack: the same results as torch's."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)

CALLS = [
    "v.sum(axis=0)", "v.sum(axis=(0, 1), keepdims=True)", "v.mean(axis=1, keepdims=True)",
    "v.std(axis=0)", "v.var(axis=1, keepdims=True)", "v.max(axis=0).values",
    "v.min(axis=1, keepdims=True).indices", "v.amax(axis=0)", "v.amin(axis=1, keepdims=True)",
    "v.logsumexp(axis=1)", "v.argmax(axis=1)", "v.argmin(axis=0, keepdims=True)",
    "v.prod(axis=0)", "v.nansum(axis=1)", "v.cumsum(axis=1)", "v.cumprod(axis=0)",
    "(v > 0).all(axis=0)", "(v > 0).any(axis=1, keepdims=True)", "v.softmax(axis=0)",
    "v.log_softmax(axis=1)", "v[None].squeeze(axis=0)", "v.unsqueeze(axis=1)",
    "L.cat([v, v], axis=1)", "L.stack([v, v], axis=1)", "L.sum(v, axis=0)",
    "L.mean(v, axis=0, keepdims=True)", "L.softmax(v, axis=1)", "L.log_softmax(v, axis=1)",
    "L.argmax(v, axis=0)", "L.argmin(v, axis=0)", "L.max(v, axis=1).values",
    "L.min(v, axis=1).values", "L.cumsum(v, axis=0)", "L.cumprod(v, axis=0)",
    "L.logsumexp(v, axis=0)", "L.prod(v, axis=1)", "L.squeeze(v[None], axis=0)",
    "L.unsqueeze(v, axis=0)", "L.std(v, axis=0)", "L.var(v, axis=0)", "L.amax(v, axis=0)",
    "L.amin(v, axis=0)", "L.all(v > 0, axis=0)", "L.any(v > 0, axis=0)",
]


@pytest.mark.parametrize("call", CALLS)
def test_same_as_torch(call):
    ours = eval(call, {"v": autograd.tensor(X), "L": autograd})
    theirs = eval(call, {"v": torch.tensor(X), "L": torch})
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float),
                               rtol=1e-6, atol=1e-6)


def test_gradient_flows_through_the_alias():
    x = autograd.tensor(X, requires_grad=True)
    x.sum(axis=0, keepdims=True).mean(axis=1).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(X.shape, 0.25))


@pytest.mark.parametrize("call", ["v.logsumexp()", "v.cumsum()", "v.unsqueeze()",
                                  "L.cumsum(v)"])
def test_dim_still_required_where_torch_requires_it(call):
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        eval(call, {"v": torch.tensor(X), "L": torch})
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        eval(call, {"v": autograd.tensor(X), "L": autograd})


def test_dim_and_axis_together_refused():
    with pytest.raises(TypeError, match="sum: got dim=0 and its alias axis=1"):
        autograd.tensor(X).sum(0, axis=1)
