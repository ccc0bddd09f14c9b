"""nn.EmbeddingBag / F.embedding_bag against PyTorch: every mode with fixed-length bags (2-D
input) and offsets (empty bags, include_last_offset), padding_idx, per_sample_weights,
max_norm, scale_grad_by_freq; values, dtypes, weight and per_sample_weights gradients, ties
and NaN in max mode, errors; gradcheck and gradgradcheck in float64; the module's repr and
from_pretrained.

scale_grad_by_freq is checked against torch's F.embedding(scale_grad_by_freq=True) summed per
bag: torch's own embedding_bag CPU backward divides by the count of the wrong index (it reads
counts[sorted_indices[i]] for the i-th distinct index), see test_scale_grad_by_freq_*.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = {np.float64: dict(rtol=1e-12, atol=1e-13), np.float32: dict(rtol=2e-6, atol=2e-6)}

INDICES = np.array([1, 2, 4, 5, 4, 3, 2, 6, 0, 0, 2])
LAYOUTS = {   # name: (input, offsets, include_last_offset)
    "2d": (INDICES[:10].reshape(2, 5), None, False),
    "2d_last": (INDICES[:10].reshape(5, 2), None, True),          # torch ignores the flag here
    "offsets": (INDICES, np.array([0, 3, 3, 7]), False),          # an empty bag, uneven bags
    "last_offset": (INDICES, np.array([0, 0, 4, 11]), True),      # CSR style, empty first bag
    "one_bag": (INDICES, np.array([0]), False),
}


def close(a, b, what, dtype=np.float64):
    a = a.data if isinstance(a, Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, f"{what}: {a.dtype}{a.shape} vs " \
                                                      f"{b.dtype}{b.shape}"
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


def weights(dtype=np.float64, seed=0, rows=7, dim=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((rows, dim)) * rng.uniform(0.3, 3, (rows, 1))).astype(dtype)


def run_both(idx, w, offsets=None, psw=None, dtype=np.float64, index_dtype=np.int64, **kw):
    """Forward both on copies of w (and psw), backpropagate one random cotangent, compare the
    outputs, the weights after forward (max_norm writes them) and the gradients."""
    ours_w, theirs_w = Tensor(w.copy(), requires_grad=True), torch.tensor(w.copy(),
                                                                          requires_grad=True)
    ours_p = theirs_p = None
    if psw is not None:
        ours_p = Tensor(psw.copy(), requires_grad=True)
        theirs_p = torch.tensor(psw.copy(), requires_grad=True)
    idx = idx.astype(index_dtype)
    off = None if offsets is None else offsets.astype(index_dtype)
    out = F.embedding_bag(Tensor(idx), ours_w, None if off is None else Tensor(off),
                          per_sample_weights=ours_p, **kw)
    tout = TF.embedding_bag(torch.tensor(idx), theirs_w,
                            None if off is None else torch.tensor(off),
                            per_sample_weights=theirs_p, **kw)
    close(out, tout, "output", dtype)
    close(ours_w, theirs_w, "weight after forward", dtype)
    g = np.random.default_rng(5).standard_normal(out.shape).astype(dtype)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    close(ours_w.grad, theirs_w.grad, "weight gradient", dtype)
    if psw is not None:
        close(ours_p.grad, theirs_p.grad, "per_sample_weights gradient", dtype)
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("padding_idx", [None, 2, -3])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_matches_torch(mode, layout, padding_idx, dtype):
    idx, offsets, last = LAYOUTS[layout]
    run_both(idx, weights(dtype), offsets, dtype=dtype, mode=mode, padding_idx=padding_idx,
             include_last_offset=last)


@pytest.mark.parametrize("padding_idx", [None, 4])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_per_sample_weights_match_torch(layout, padding_idx):
    idx, offsets, last = LAYOUTS[layout]
    psw = np.random.default_rng(3).standard_normal(idx.shape)
    run_both(idx, weights(), offsets, psw=psw, mode="sum", padding_idx=padding_idx,
             include_last_offset=last)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_int32_indices_and_offsets(mode):
    idx, offsets, _ = LAYOUTS["offsets"]
    out = run_both(idx, weights(np.float32), offsets, dtype=np.float32,
                   index_dtype=np.int32, mode=mode)
    assert out.dtype == np.float32


@pytest.mark.parametrize("kw", [dict(max_norm=1.0), dict(max_norm=1.5, norm_type=1.0),
                                dict(max_norm=0.8, padding_idx=4, mode="max"),
                                dict(max_norm=1.0, mode="sum")])
def test_max_norm_renormalises_every_given_row_as_torch(kw):
    # padding rows and rows of every bag: torch renormalises all the indices given
    idx, offsets, _ = LAYOUTS["offsets"]
    run_both(idx, weights(), offsets, **kw)


def test_max_ties_go_to_the_first_row_and_nan_wins_only_first():
    w = np.array([[1., 2.], [1., 3.], [0., 3.], [5., 5.], [np.nan, -1.], [-np.inf, np.nan]])
    idx = np.array([0, 1, 2, 2, 1, 0, 4, 3, 3, 4, 5, 4, 5])
    offsets = np.array([0, 3, 6, 8, 10, 11])
    ours_w, theirs_w = Tensor(w.copy(), requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.embedding_bag(Tensor(idx), ours_w, Tensor(offsets), mode="max")
    tout = TF.embedding_bag(torch.tensor(idx), theirs_w, torch.tensor(offsets), mode="max")
    np.testing.assert_array_equal(out.data, tout.detach().numpy())   # NaN in the same places
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(ours_w.grad.data, theirs_w.grad.numpy())


@settings(deadline=None, max_examples=40)
@given(data=st.data(), mode=st.sampled_from(["sum", "mean", "max"]),
       last=st.booleans(), padded=st.booleans())
def test_random_bags_match_torch(data, mode, last, padded):
    v = data.draw(st.integers(1, 6), label="rows")
    n = data.draw(st.integers(0, 12), label="indices")
    idx = np.array(data.draw(st.lists(st.integers(0, v - 1), min_size=n, max_size=n)),
                   np.int64)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), min_size=0, max_size=5)))
    offsets = np.array([0] + cuts + ([n] if last else []), np.int64)
    padding_idx = data.draw(st.integers(0, v - 1)) if padded else None
    psw = None
    if mode == "sum" and data.draw(st.booleans(), label="per_sample_weights"):
        psw = np.random.default_rng(n).standard_normal(n)
    # a value grid coarse enough for ties in max mode
    w = np.random.default_rng(v).integers(-3, 4, (v, 3)).astype(np.float64)
    run_both(idx, w, offsets, psw=psw, mode=mode, include_last_offset=last,
             padding_idx=padding_idx)


def _oracle(idx, w, offsets, mode, padding_idx=None, scale_grad_by_freq=False):
    """embedding_bag composed from torch's F.embedding and index_add (1-D input)."""
    n, n_bags = len(idx), len(offsets)
    bag = torch.tensor(np.repeat(np.arange(n_bags), np.diff(np.append(offsets, n))))
    rows = TF.embedding(torch.tensor(idx), w, padding_idx=padding_idx,
                        scale_grad_by_freq=scale_grad_by_freq)
    keep = torch.tensor(idx != (-1 if padding_idx is None else padding_idx))
    out = torch.zeros(n_bags, w.shape[1], dtype=w.dtype).index_add(0, bag[keep], rows[keep])
    if mode == "mean":
        out = out / torch.bincount(bag[keep], minlength=n_bags).clamp(min=1)[:, None]
    return out


@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_scale_grad_by_freq_divides_by_each_index_count(mode, padding_idx):
    idx, offsets, _ = LAYOUTS["offsets"]
    w = weights()
    ours_w, theirs_w = Tensor(w.copy(), requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.embedding_bag(Tensor(idx), ours_w, Tensor(offsets), mode=mode,
                          scale_grad_by_freq=True, padding_idx=padding_idx)
    tout = _oracle(idx, theirs_w, offsets, mode, padding_idx, scale_grad_by_freq=True)
    close(out, tout, "output")
    g = np.random.default_rng(1).standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    close(ours_w.grad, theirs_w.grad, "weight gradient")


def test_scale_grad_by_freq_where_torch_embedding_bag_reads_the_wrong_count():
    """Index 1 occurs once, but torch's embedding_bag scales its gradient by 1/2 (the count
    of the second-smallest index *occurrence*, 0); ours gives 1, as F.embedding does."""
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    idx, offsets = np.array([0, 1, 0, 2, 2]), np.array([0, 2])
    F.embedding_bag(Tensor(idx), w, Tensor(offsets), mode="sum",
                    scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.data[:, 0], [1.0, 1.0, 1.0])
    tw = torch.ones(3, 2, dtype=torch.float64, requires_grad=True)
    TF.embedding_bag(torch.tensor(idx), tw, torch.tensor(offsets), mode="sum",
                     scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(tw.grad.numpy()[:, 0], [1.0, 0.5, 2.0])   # torch's slip


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck(mode):
    idx, offsets = Tensor(LAYOUTS["offsets"][0]), Tensor(LAYOUTS["offsets"][1])
    w = weights()
    if mode == "sum":
        psw = np.random.default_rng(2).standard_normal(idx.shape)
        assert autograd.gradcheck(
            lambda w, p: F.embedding_bag(idx, w, offsets, mode=mode, per_sample_weights=p,
                                         padding_idx=2), [w, psw])
        assert autograd.gradgradcheck(
            lambda w, p: F.embedding_bag(idx, w, offsets, mode=mode, per_sample_weights=p),
            [w, psw])
    else:
        fn = lambda w: F.embedding_bag(idx, w, offsets, mode=mode, padding_idx=2)  # noqa: E731
        assert autograd.gradcheck(fn, [w])
        assert autograd.gradgradcheck(fn, [w])


def test_per_sample_weights_double_backward_matches_a_composed_torch_oracle():
    """torch's embedding_bag has no double backward for per_sample_weights; ours is composed
    of ops that all have one: compare with torch's embedding * weights summed per bag."""
    idx, offsets, _ = LAYOUTS["offsets"]
    w, psw = weights(), np.random.default_rng(4).standard_normal(len(idx))
    ours = [Tensor(a.copy(), requires_grad=True) for a in (w, psw)]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in (w, psw)]
    out = F.embedding_bag(Tensor(idx), ours[0], Tensor(offsets), mode="sum",
                          per_sample_weights=ours[1])
    bag = torch.tensor(np.repeat(np.arange(4), np.diff(np.append(offsets, len(idx)))))
    rows = TF.embedding(torch.tensor(idx), theirs[0]) * theirs[1][:, None]
    tout = torch.zeros(4, 3, dtype=torch.float64).index_add(0, bag, rows)
    (gp,) = autograd.grad((out ** 2).sum(), [ours[1]], create_graph=True)
    (tgp,) = torch.autograd.grad((tout ** 2).sum(), [theirs[1]], create_graph=True)
    close(gp, tgp, "first gradient")
    (gp ** 2).sum().backward()
    (tgp ** 2).sum().backward()
    close(ours[0].grad, theirs[0].grad, "second gradient, weight")
    close(ours[1].grad, theirs[1].grad, "second gradient, per_sample_weights")


def test_empty_input_and_zero_bags():
    w = Tensor(weights(), requires_grad=True)
    empty = np.zeros(0, np.int64)
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(Tensor(empty), w, Tensor(np.array([0, 0])), mode=mode)
        tout = TF.embedding_bag(torch.tensor(empty), torch.tensor(w.data),
                                torch.tensor([0, 0]), mode=mode)
        close(out, tout, f"{mode}: two empty bags")
        out.sum().backward()
        np.testing.assert_array_equal(w.grad.data, 0)
        for args in ((empty, np.zeros(0, np.int64), False), (empty, np.array([0]), True),
                     (np.zeros((0, 4), np.int64), None, False)):
            out = F.embedding_bag(Tensor(args[0]), w, None if args[1] is None else
                                  Tensor(args[1]), mode=mode, include_last_offset=args[2])
            assert out.shape == (0, 3)


# ------------------------------------------------------------------------- errors
def _raises_like_torch(kw, ours_type, match, torch_type=None):
    """Both raise; ours with `ours_type` and a message matching `match`."""
    idx = kw.pop("input", np.array([1, 2, 4, 5, 4, 3]))
    w = kw.pop("weight", weights(rows=6))
    offsets = kw.pop("offsets", np.array([0, 2]))

    def as_t(x, lib):
        return None if x is None else (lib(x) if isinstance(x, np.ndarray) else x)
    with pytest.raises(ours_type, match=match):
        F.embedding_bag(as_t(idx, Tensor), as_t(w, Tensor), as_t(offsets, Tensor), **kw)
    pkw = {k: as_t(v, torch.tensor) for k, v in kw.items()}
    with pytest.raises(torch_type or Exception):
        TF.embedding_bag(as_t(idx, torch.tensor), as_t(w, torch.tensor),
                         as_t(offsets, torch.tensor), **pkw)


@pytest.mark.parametrize("kw,ours_type,match,torch_type", [
    (dict(mode="min"), ValueError, "mode has to be one of sum, mean or max", ValueError),
    (dict(mode="max", scale_grad_by_freq=True), ValueError,
     "max mode does not support scaling the gradient by the frequency", ValueError),
    (dict(mode="max", sparse=True), ValueError, "max mode does not support sparse weights",
     ValueError),
    (dict(per_sample_weights=np.ones(6)), NotImplementedError,
     "per_sample_weights is only supported for mode='sum'", NotImplementedError),
    (dict(mode="sum", per_sample_weights=np.ones(5)), ValueError,
     r"If per_sample_weights \(\(5,\)\) is not None, then it must have the same shape as the "
     r"input \(\(6,\)\)", ValueError),
    (dict(mode="sum", per_sample_weights=np.ones(6, np.float32)), TypeError,
     "expected floating-point tensors of one dtype", RuntimeError),
    (dict(input=np.zeros((1, 2, 3), np.int64), offsets=None), ValueError,
     "input has to be 1D or 2D Tensor, but got Tensor of dimension 3", ValueError),
    (dict(input=np.zeros((2, 3), np.int64)), ValueError,
     "if input is 2D, then offsets has to be None", ValueError),
    (dict(offsets=None), ValueError, "offsets has to be a 1D Tensor but got None", ValueError),
    (dict(offsets=np.array([[0, 1]])), ValueError, "offsets has to be a 1D Tensor", ValueError),
    (dict(weight=np.ones(6)), ValueError, "weight has to be a 2D Tensor", ValueError),
    (dict(weight=np.ones((6, 3), np.int64)), TypeError, "floating-point", RuntimeError),
    (dict(input=np.array([1., 2.])), RuntimeError, "input must be integers", RuntimeError),
    (dict(offsets=np.array([0., 2.])), RuntimeError, "offsets must be integers", RuntimeError),
    (dict(input=np.array([1, 6])), RuntimeError,
     "Expected idx >= 0 && idx < num_embeddings but found idx to be 6", RuntimeError),
    (dict(input=np.array([1, -1])), RuntimeError, "found idx to be -1", RuntimeError),
    (dict(offsets=np.array([1, 3])), RuntimeError, "offsets\\[0\\] has to be 0", RuntimeError),
    (dict(offsets=np.array([0, 7])), RuntimeError,
     "offsets\\[-1\\] can not be greater than input's length 6 but got offsets\\[-1\\] of 7",
     RuntimeError),
    (dict(offsets=np.zeros(0, np.int64), include_last_offset=True), RuntimeError,
     "include_last_offset: number of offset should be at least 1", RuntimeError),
    (dict(padding_idx=6), RuntimeError,
     "padding_idx must be within the number of embeddings, -6 through 5, but got 6",
     RuntimeError),
    (dict(padding_idx=-7), RuntimeError, "-6 through 5, but got -7", RuntimeError),
    (dict(padding_idx=(1,)), TypeError, r"padding_idx must be an int or None, got \(1,\)",
     TypeError),
    (dict(padding_idx=1.5), TypeError, "padding_idx must be an int or None, got 1.5", TypeError),
    (dict(input=np.zeros((2, 0), np.int64), offsets=None), RuntimeError,
     "2-D input needs bags of at least one index", RuntimeError),
])
def test_errors_as_torch(kw, ours_type, match, torch_type):
    _raises_like_torch(dict(kw), ours_type, match, torch_type)


def test_errors_where_torch_gives_undefined_results_or_crashes():
    w, idx = Tensor(weights(rows=6)), Tensor(np.array([1, 2, 4, 5, 4, 3]))
    with pytest.raises(ValueError, match=r"offsets must not decrease, got \[0, 4, 2\]"):
        F.embedding_bag(idx, w, Tensor(np.array([0, 4, 2])))
    with pytest.raises(ValueError, match="offsets\\[-1\\] must be the input's length 6, got 4"):
        F.embedding_bag(idx, w, Tensor(np.array([0, 2, 4])), include_last_offset=True)
    with pytest.raises(ValueError, match="offsets is empty, so there are no bags"):
        F.embedding_bag(idx, w, Tensor(np.zeros(0, np.int64)))   # torch segfaults here
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        F.embedding_bag(idx, w, Tensor(np.array([0])), sparse=True)
    with pytest.raises(TypeError, match="max_norm must be a number"):
        F.embedding_bag(idx, w, Tensor(np.array([0])), max_norm="1")


def test_checks_come_before_the_max_norm_write():
    w = Tensor(weights(rows=6) * 10)
    before = w.data.copy()
    with pytest.raises(NotImplementedError):
        F.embedding_bag(Tensor(np.array([0, 1])), w, Tensor(np.array([0])), max_norm=1.0,
                        per_sample_weights=Tensor(np.ones(2)))
    np.testing.assert_array_equal(w.data, before)


def test_legacy_argument_order_warns_and_swaps():
    w, idx, off = weights(rows=6), np.array([1, 2, 4]), np.array([0, 1])
    with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag"):
        out = F.embedding_bag(Tensor(w), Tensor(idx), Tensor(off))
    close(out, TF.embedding_bag(torch.tensor(idx), torch.tensor(w), torch.tensor(off)),
          "swapped")


# ------------------------------------------------------------------------- the module
@pytest.mark.parametrize("kw", [dict(), dict(mode="sum", padding_idx=1),
                                dict(mode="max", include_last_offset=True),
                                dict(max_norm=1.0, norm_type=1.0, padding_idx=-1)])
def test_module_matches_torch_over_two_steps(kw):
    w = weights(np.float32)
    ours = nn.EmbeddingBag(7, 3, _weight=w.copy(), **kw)
    theirs = torch.nn.EmbeddingBag(7, 3, _weight=torch.tensor(w.copy()), **kw)
    assert ours.padding_idx == theirs.padding_idx
    idx, offsets = INDICES, np.array([0, 3, 3, 7, 11] if kw.get("include_last_offset")
                                     else [0, 3, 3, 7])
    rng = np.random.default_rng(0)
    for step in range(2):
        out = ours(Tensor(idx), Tensor(offsets))
        tout = theirs(torch.tensor(idx), torch.tensor(offsets))
        close(out, tout, f"output at step {step}", np.float32)
        close(ours.weight, theirs.weight, f"weight after forward {step}", np.float32)
        g = rng.standard_normal(out.shape).astype(np.float32)
        (out * Tensor(g)).sum().backward()
        (tout * torch.tensor(g)).sum().backward()
        close(ours.weight.grad, theirs.weight.grad, f"gradient at step {step}", np.float32)
        idx = idx[::-1].copy()


def test_module_init_repr_and_errors():
    for kw in (dict(), dict(mode="sum", padding_idx=1),
               dict(max_norm=1.0, norm_type=1, scale_grad_by_freq=True, padding_idx=-1),
               dict(mode="max", include_last_offset=True)):
        assert repr(nn.EmbeddingBag(5, 3, **kw)) == repr(torch.nn.EmbeddingBag(5, 3, **kw))
    bag = nn.EmbeddingBag(5, 3, padding_idx=2, dtype=autograd.float64)
    assert bag.weight.dtype == np.float64 and bag.weight.requires_grad
    np.testing.assert_array_equal(bag.weight.data[2], 0)
    assert [n for n, _ in bag.named_parameters()] == ["weight"]
    assert set(bag.state_dict()) == set(torch.nn.EmbeddingBag(5, 3).state_dict())
    with pytest.raises(ValueError, match="EmbeddingBag: sparse=True is not supported"):
        nn.EmbeddingBag(5, 3, sparse=True)
    with pytest.raises(ValueError, match="padding_idx 5 must be within"):
        nn.EmbeddingBag(5, 3, padding_idx=5)
    with pytest.raises(ValueError, match="_weight has shape"):
        nn.EmbeddingBag(5, 3, _weight=np.zeros((4, 3)))
    bad = nn.EmbeddingBag(5, 3, mode="foo")   # as torch: the mode is checked in forward
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        bad(Tensor(np.array([[0, 1]])))


def test_from_pretrained_shares_memory_and_freezes():
    w = weights(np.float32)
    frozen = nn.EmbeddingBag.from_pretrained(w, mode="sum")
    assert not frozen.weight.requires_grad and np.shares_memory(frozen.weight.data, w)
    out = frozen(Tensor(np.array([[1, 0]])))
    close(out, torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")(
        torch.tensor([[1, 0]])), "frozen", np.float32)
    assert not out.requires_grad
    t = Tensor(w)
    trained = nn.EmbeddingBag.from_pretrained(t, freeze=False, max_norm=1.0, padding_idx=0,
                                              include_last_offset=True)
    assert trained.weight.requires_grad and trained.padding_idx == 0
    trained(Tensor(np.array([2, 3])), Tensor(np.array([0, 2])))
    norms = np.linalg.norm(t.data[[2, 3]], axis=1)   # renormalised in place, in t's memory
    assert norms.max() <= 1.0 + 1e-6 and np.linalg.norm(t.data[4]) > 1.0
    with pytest.raises(ValueError, match="embeddings must be 2-D"):
        nn.EmbeddingBag.from_pretrained(np.zeros(3))
