"""Memory layout of op results against PyTorch's. A Tensor wraps a numpy array, and view()
gives a view of it only when numpy can reshape without a copy: where torch's result is
contiguous ours must be too, or y = out.view(-1) copies here and an in-place write through y
misses out (in torch it changes out). Inputs come in several layouts: contiguous, transposed,
permuted, expanded."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

SHAPES = {2: (4, 6), 3: (2, 4, 6), 4: (2, 4, 6, 6)}
# the order of x's dims in memory, outermost first
ORDERS = {"contig": None, "T": "swap", "perm201": (1, 2, 0), "perm1023": (1, 0, 2, 3)}


def _input(lib, ndim, layout):
    """The same float64 values in both libraries, laid out in memory as `layout` says."""
    a = np.random.default_rng(0).standard_normal(SHAPES[ndim])
    if layout == "expand":   # every row the first one, with stride 0 along dim 0
        return lib.tensor(a[:1]).expand(*a.shape)
    order = ORDERS[layout]
    if order is None:
        return lib.tensor(a)
    if order == "swap":
        order = tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)
    base = lib.tensor(np.ascontiguousarray(a.transpose(order)))
    return base.permute(*np.argsort(order).tolist())


def _tensors(out):
    return [o for o in (out if isinstance(out, (tuple, list)) else [out])
            if isinstance(o, (autograd.Tensor, torch.Tensor))]


def _run(case):
    """-> (our results, torch's results), each a list of tensors."""
    _, ndim, layout, fn = case
    got = []
    for lib, functional in ((autograd, F), (torch, TF)):
        with lib.no_grad():
            got.append(_tensors(fn(lib, functional, _input(lib, ndim, layout))))
    return got


def _idx(lib):
    return lib.tensor([1, 0, 1])


def _affine(lib, n):
    """A norm's weight and bias (without them the result is a C-ordered copy anyway)."""
    return lib.linspace(0.5, 2.0, n, dtype=lib.float64), lib.linspace(-1.0, 1.0, n,
                                                                        dtype=lib.float64)


# (name, ndim, layout of the input, op): ops whose result was not contiguous where torch's is
FIXED = [
    ("sum(0)", 3, "T", lambda L, F, x: x.sum(0)),
    ("sum(-1, keepdim)", 3, "perm201", lambda L, F, x: x.sum(-1, keepdim=True)),
    ("mean(0)", 3, "T", lambda L, F, x: x.mean(0)),
    ("var(-1)", 3, "perm201", lambda L, F, x: x.var(-1)),
    ("std(0, keepdim)", 3, "T", lambda L, F, x: x.std(0, keepdim=True)),
    ("amax(0)", 3, "T", lambda L, F, x: x.amax(0)),
    ("logsumexp(-1)", 3, "perm201", lambda L, F, x: x.logsumexp(-1)),
    ("prod(0)", 3, "T", lambda L, F, x: x.prod(0)),
    ("norm(dim=0)", 3, "T", lambda L, F, x: x.norm(dim=0)),
    ("all(0)", 3, "T", lambda L, F, x: (x > 0).all(0)),
    ("median(0)", 3, "T", lambda L, F, x: tuple(x.median(0))),
    ("nanmedian(-1, keepdim)", 3, "perm201", lambda L, F, x: tuple(x.nanmedian(-1, True))),
    ("cumsum(0)", 2, "T", lambda L, F, x: x.cumsum(0)),
    ("cumprod(1)", 2, "T", lambda L, F, x: x.cumprod(1)),
    ("logcumsumexp(0)", 2, "contig", lambda L, F, x: x.logcumsumexp(0)),
    ("cummax(0)", 2, "T", lambda L, F, x: tuple(x.cummax(0))),
    ("cat(0)", 2, "T", lambda L, F, x: L.cat([x, x * 2], 0)),
    ("stack(-1)", 2, "T", lambda L, F, x: L.stack([x, x * 2], -1)),
    ("einsum ij,kj->ik", 2, "contig", lambda L, F, x: L.einsum("ij,kj->ik", x, x)),
    ("einsum bhqd,bhkd->bhqk", 4, "contig",
     lambda L, F, x: L.einsum("bhqd,bhkd->bhqk", x, x)),
    ("matmul, permuted batch", 4, "perm1023", lambda L, F, x: x @ x.mT),
    ("softmax(0)", 2, "contig", lambda L, F, x: F.softmax(x, dim=0)),
    ("log_softmax(1)", 3, "contig", lambda L, F, x: x.log_softmax(1)),
    ("roll(1, 0)", 2, "expand", lambda L, F, x: x.roll(1, 0)),
    ("rot90", 2, "T", lambda L, F, x: x.rot90(1, (0, 1))),
    ("index_select(-1)", 2, "contig", lambda L, F, x: x.index_select(-1, _idx(L))),
    ("x[:, idx]", 2, "contig", lambda L, F, x: x[:, _idx(L)]),
    ("repeat_interleave(-1)", 2, "contig", lambda L, F, x: x.repeat_interleave(2, -1)),
    ("tril", 3, "perm201", lambda L, F, x: x.tril()),
    ("diag_embed", 2, "T", lambda L, F, x: L.diag_embed(x)),
    ("diag_embed(dim1=0, dim2=1)", 2, "contig",
     lambda L, F, x: L.diag_embed(x, dim1=0, dim2=1)),
    ("pad reflect", 3, "contig", lambda L, F, x: F.pad(x, (1, 1), mode="reflect")),
    ("pad replicate", 3, "contig", lambda L, F, x: F.pad(x, (1, 1), mode="replicate")),
    ("pad circular", 3, "contig", lambda L, F, x: F.pad(x, (1, 1), mode="circular")),
    ("layer_norm", 2, "T", lambda L, F, x: F.layer_norm(x, (6,), *_affine(L, 6))),
    ("batch_norm", 2, "T",
     lambda L, F, x: F.batch_norm(x, None, None, *_affine(L, 6), training=True)),
    ("rms_norm", 2, "T", lambda L, F, x: F.rms_norm(x, (6,))),
    ("renorm", 2, "T", lambda L, F, x: L.renorm(x, 2, 0, 1.0)),
    ("logsigmoid", 2, "T", lambda L, F, x: F.logsigmoid(x)),
    ("masked_fill", 2, "T", lambda L, F, x: x.masked_fill(x > 0, 1.0)),
    ("one_hot", 2, "T", lambda L, F, x: F.one_hot((x.abs() * 2).long(), 8)),
    ("cdist", 3, "perm201", lambda L, F, x: L.cdist(x, x * 2)),
    ("cross", 3, "perm201", lambda L, F, x: L.cross(x[..., :3], x[..., 3:], dim=-1)),
    ("cosine_similarity", 3, "perm201",
     lambda L, F, x: F.cosine_similarity(x, x * 2 + 1, dim=-1)),
    ("trapezoid(0)", 3, "T", lambda L, F, x: L.trapezoid(x, dim=0)),
    ("cumulative_trapezoid(0)", 2, "T", lambda L, F, x: L.cumulative_trapezoid(x, dim=0)),
]

# ops that matched torch's layout already (contiguous or not), kept so that they stay so
MATCHING = [
    ("exp of a transpose", 2, "T", lambda L, F, x: x.exp()),
    ("x + 1, permuted", 3, "perm201", lambda L, F, x: x + 1),
    ("where", 2, "T", lambda L, F, x: L.where(x > 0, x, x * 2)),
    ("sum(-1)", 3, "contig", lambda L, F, x: x.sum(-1)),
    ("max(0)", 3, "contig", lambda L, F, x: tuple(x.max(0))),
    ("gather(0)", 2, "contig", lambda L, F, x: x.gather(0, L.tensor([[1, 0, 3, 2, 0, 1]]))),
    ("sort(-1)", 2, "contig", lambda L, F, x: tuple(x.sort(-1))),
    ("cumsum(-1)", 2, "contig", lambda L, F, x: x.cumsum(-1)),
    ("cat(1)", 2, "contig", lambda L, F, x: L.cat([x, x], 1)),
    ("softmax(-1) of a transpose", 2, "T", lambda L, F, x: x.softmax(-1)),
    ("t(), a view", 2, "contig", lambda L, F, x: x.t()),
    ("x[:, ::2], a view", 2, "contig", lambda L, F, x: x[:, ::2]),
    ("expand, a view", 2, "contig", lambda L, F, x: x[:1].expand(3, 6)),
    ("x[idx]", 2, "contig", lambda L, F, x: x[_idx(L)]),
    ("flip(0)", 2, "contig", lambda L, F, x: x.flip(0)),
    ("x @ x.t() of a transpose", 2, "T", lambda L, F, x: x @ x.t()),
    ("linear", 3, "contig", lambda L, F, x: F.linear(x, L.ones(3, 6, dtype=x.dtype))),
    ("conv2d", 4, "contig", lambda L, F, x: F.conv2d(x, L.ones(5, 4, 3, 3, dtype=x.dtype))),
    ("max_pool2d", 4, "contig", lambda L, F, x: F.max_pool2d(x, 2)),
    ("layer_norm", 3, "contig", lambda L, F, x: F.layer_norm(x, (6,))),
]


def _ids(cases):
    return [f"{name}-{ndim}d-{layout}" for name, ndim, layout, _ in cases]


@pytest.mark.parametrize("case", FIXED + MATCHING, ids=_ids(FIXED + MATCHING))
def test_result_is_contiguous_where_torchs_is(case):
    ours, theirs = _run(case)
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a.is_contiguous() == b.is_contiguous(), (
            f"result {k}: ours has strides {a.stride()}, torch's {b.stride()}")


@pytest.mark.parametrize("case", FIXED, ids=_ids(FIXED))
def test_a_write_through_view_reaches_the_result_as_in_torch(case):
    ours, theirs = _run(case)
    for a, b in zip(ours, theirs):
        for out in (a, b):
            y = out.view(-1)
            first = y[0].item()
            y[0] = (not first) if isinstance(first, bool) else 123   # a new value
            assert out.reshape(-1)[0].item() == y[0].item() != first
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_output_layout_as_torch(batch_first):
    """torch's output is a (L, N, E) contiguous tensor without batch_first (and a transposed
    view with it); ours was a transposed view of the batch-first result either way."""
    shape = (3, 5, 6) if batch_first else (5, 3, 6)
    results = []
    for lib, module in ((autograd, nn), (torch, torch.nn)):
        mha = module.MultiheadAttention(6, 2, batch_first=batch_first).double()
        x = lib.tensor(np.random.default_rng(1).standard_normal(shape))
        with lib.no_grad():
            out = mha(x, x, x)[0]
        results.append(out)
    ours, theirs = results
    if theirs.is_contiguous():
        assert ours.is_contiguous()
        y = ours.view(-1)
        y[0] = 123
        assert ours.reshape(-1)[0].item() == 123


GRADS = [
    # the VJP of x * w.t() is g * w.T: numpy keeps w.T's order, and the engine used to adopt
    # that array as .grad
    ("x * w.t()", lambda L, F, x, w: (x * w.t()).sum()),
    ("softmin(0)", lambda L, F, x, w: (F.softmin(x, 0) * w.t()).sum()),
    ("x.t() * 2", lambda L, F, x, w: (x.t() * 2 * w).sum()),
    ("sum(0) of a transpose", lambda L, F, x, w: (x.t().sum(0) * 3).sum()),
]


@pytest.mark.parametrize("name, program", GRADS, ids=[g[0] for g in GRADS])
def test_leaf_grad_is_contiguous_as_torchs(name, program):
    rng = np.random.default_rng(2)
    a, w = rng.standard_normal((4, 6)), rng.standard_normal((6, 4))
    grads = []
    for lib, functional in ((autograd, F), (torch, TF)):
        x = lib.tensor(a, requires_grad=True)
        program(lib, functional, x, lib.tensor(w)).backward()
        grads.append(x.grad)
    ours, theirs = grads
    assert ours.is_contiguous() == theirs.is_contiguous() is True
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)


@pytest.mark.parametrize("cast", ["float", "double", "to_int"])
def test_a_cast_of_an_expanded_tensor_is_dense_as_torchs(cast):
    results = []
    for lib in (autograd, torch):
        src = lib.float64 if cast == "float" else lib.float32   # a cast that copies
        x = lib.arange(3.0, dtype=src).expand(4, 3)   # numpy's astype gave strides (1, 4)
        y = {"float": lambda: x.float(), "double": lambda: x.double(),
             "to_int": lambda: x.to(lib.int64)}[cast]()
        results.append(y)
    assert results[0].is_contiguous() and results[1].is_contiguous()
    results[0].view(-1)[1] = 7
    assert results[0][0, 1].item() == 7 and x[0, 1].item() == 1
