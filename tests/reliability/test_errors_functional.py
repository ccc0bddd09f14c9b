"""nn.functional's conv, pooling, loss, norm, embedding and dropout on bad or degenerate input:
a result or a clear error naming the op, raised by the engine's code, never a raw numpy or numba
error from inside a kernel. A hypothesis fuzz, plus the cases it found, one test each."""
from __future__ import annotations

import os
import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings

import autograd
from nn import functional as F
from tests.reliability import fuzzing
from tests.reliability.fuzz_functional_ops import OPS

# examples per op: 60 keeps the whole suite inside its 10 minutes on 2 cores; FUZZ_EXAMPLES=500
# (or HYPOTHESIS_PROFILE=explore, new examples each run) for a deeper search
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_functional_op_gives_a_result_or_a_clear_error(name, data):
    names, build = OPS[name]
    problem = fuzzing.run(build(data.draw), names)
    assert problem is None, f"{name}: {problem}"


def _z(*shape):
    return autograd.zeros(*shape, requires_grad=True)


def _idx(*shape):
    return autograd.zeros(*shape, dtype=np.int64)


# empty (zero-size) inputs the fuzz found; each must give a result (PyTorch returns an empty or
# zero result for most) or an error naming the op
EMPTY_CASES = {
    "conv2d-batch-0": (["conv2d"], lambda: F.conv2d(_z(0, 1, 4, 4), _z(1, 1, 2, 2))),
    "conv2d-in-channels-0": (["conv2d"], lambda: F.conv2d(_z(1, 0, 4, 4), _z(1, 0, 2, 2))),
    "conv1d-kernel-0": (["conv1d"], lambda: F.conv1d(_z(1, 1, 4), _z(1, 1, 0))),
    "max_pool1d-empty-padded": (["max_pool1d"], lambda: F.max_pool1d(_z(0, 0), 2, None, 1)),
    "avg_pool1d-empty-padded": (["avg_pool1d"], lambda: F.avg_pool1d(_z(0, 0), 2, None, 1)),
    "max_pool2d-empty-padded": (["max_pool2d"], lambda: F.max_pool2d(_z(0, 0, 0), 2, None, 1)),
    "avg_pool2d-empty-padded": (["avg_pool2d"], lambda: F.avg_pool2d(_z(0, 0, 0), 2, None, 1)),
    "cross_entropy-0-classes-spatial": (["cross_entropy"],
                                        lambda: F.cross_entropy(_z(0, 0, 2), _idx(0, 2))),
    "nll_loss-0-classes-spatial": (["nll_loss"], lambda: F.nll_loss(_z(0, 0, 2), _idx(0, 2))),
    "nll_loss-0-classes-all-ignored": (["nll_loss"], lambda: F.nll_loss(
        _z(2, 0), _idx(2), ignore_index=0)),
    "cross_entropy-0-classes-all-ignored": (["cross_entropy"], lambda: F.cross_entropy(
        _z(2, 0), _idx(2), ignore_index=0)),
    "embedding-dim-0": (["embedding"], lambda: F.embedding(_idx(2), _z(3, 0))),
    "layer_norm-normalized-shape-0": (["layer_norm"], lambda: F.layer_norm(_z(2, 0), (0,))),
    "batch_norm-eval-0-channels": (["batch_norm"], lambda: F.batch_norm(
        _z(2, 0), autograd.zeros(0), autograd.ones(0), training=False)),
}


@pytest.mark.parametrize("case", sorted(EMPTY_CASES))
def test_empty_input_gives_a_result_or_a_clear_error(case):
    names, call = EMPTY_CASES[case]
    problem = fuzzing.run(call, names)
    assert problem is None, f"{case}: {problem}"


def test_fuzz_tried_inputs_and_reached_results():
    """The fuzz ran (printed with -s); some inputs got through to a result, others to an error."""
    print(f"\nfunctional fuzz: {fuzzing.COUNTS}")
    assert fuzzing.COUNTS["tried"] > 0
    assert fuzzing.COUNTS["results"] > 0 and fuzzing.COUNTS["errors"] > 0


# ------------------------------------------------------------------ torch-oracle fuzz
# Each builder draws (op name, args, kwargs) with numpy arrays in args, so the same call runs
# on nn.functional and on torch.nn.functional. Acceptable: a clear error (as above), or, when
# torch also returns, a result of torch's shape and dtype, and with finite inputs torch's
# values and input gradients. Finite inputs must also raise no numpy RuntimeWarning.
ANY = fuzzing.arrays(max_dims=4)


USUALLY = st.sampled_from([True, True, True, True, False])


@st.composite
def mostly(draw, valid, other):
    """`valid` four times in five, else `other`: enough well-formed calls reach the kernels."""
    return draw(valid if draw(USUALLY) else other)


FANY = mostly(st.sampled_from([np.float32, np.float64]).flatmap(
    lambda d: fuzzing.arrays(dtype=d, max_dims=4)), ANY)
FLOAT = st.sampled_from([np.float32, np.float64])
SIZE = st.integers(-1, 5)
MOSTLY_0 = st.sampled_from([0, 0, 0, 1, 2, -1])
MOSTLY_1 = st.sampled_from([1, 1, 1, 2, 0])


def _geometry(draw, nd, dilation=True):
    kw = {"kernel_size": draw(st.one_of(SIZE, st.tuples(*[SIZE] * nd))),
          "stride": draw(st.one_of(st.none(), SIZE)), "padding": draw(MOSTLY_0),
          "ceil_mode": draw(st.booleans())}
    if dilation:
        kw["dilation"] = draw(MOSTLY_1)
    return kw


def _spatial(draw, nd):
    """(N, C, *spatial), (C, *spatial) or anything; kernels are often larger than the input."""
    if not draw(USUALLY):
        return draw(ANY)
    shape = tuple(draw(mostly(st.integers(1, 5), st.just(0)))
                  for _ in range(nd + 2))[draw(st.integers(0, 1)):]
    return draw(fuzzing.arrays(shape, draw(st.sampled_from([np.float32, np.float64] * 4
                                                           + [np.int64]))))


def _b_conv(nd):
    def build(draw):
        x = _spatial(draw, nd)
        c = x.shape[-nd - 1] if x.ndim > nd else 1
        w = draw(fuzzing.arrays((draw(mostly(st.integers(1, 3), st.just(0))),
                                 draw(st.sampled_from([c, c, c, 1, 0])))
                                + tuple(draw(mostly(st.integers(1, 6), st.just(0)))
                                        for _ in range(nd)),
                                draw(mostly(st.just(x.dtype.type), FLOAT))))
        b = draw(st.one_of(st.none(), fuzzing.arrays((w.shape[0],), w.dtype)))
        kw = {"stride": draw(st.sampled_from([1, 1, 1, 1, 2, 0])),
              "dilation": draw(st.sampled_from([1, 1, 1, 1, 2, 0])),
              "padding": draw(st.sampled_from([0, 0, 1, 2, -1, "same", "valid"])),
              "groups": draw(st.sampled_from([1, 1, 1, 1, 2, 0]))}
        return f"conv{nd}d", [x, w, b], kw
    return build


def _b_pool(name, nd):
    def build(draw):
        return name, [_spatial(draw, nd)], _geometry(draw, nd, name.startswith("max"))
    return build


def _b_adaptive(nd):
    def build(draw):
        size = draw(st.one_of(SIZE, st.tuples(*[st.one_of(st.none(), SIZE)] * nd)))
        return f"adaptive_avg_pool{nd}d", [_spatial(draw, nd)], {"output_size": size}
    return build


def _b_class(name):
    def build(draw):
        n, c = draw(st.integers(0, 3)), draw(st.integers(0, 4))
        x = draw(fuzzing.arrays(draw(st.sampled_from([(n, c), (c,), (n, c, 2), (n, c, 1, 2)])),
                                draw(mostly(FLOAT, st.just(np.int64)))))
        tshape = draw(mostly(st.just(() if x.ndim == 1 else x.shape[:1] + x.shape[2:]),
                             fuzzing.shapes(0, 2)))
        t = draw(mostly(
            int_arrays(tshape, -1, c + 1),
            fuzzing.arrays(tshape, draw(st.sampled_from([np.int32, np.float32, np.bool_])))))
        kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none"])),
              "ignore_index": draw(st.sampled_from([-100, -1, 0, 1]))}
        if draw(st.booleans()) and x.dtype.kind == "f":
            kw["weight"] = draw(fuzzing.arrays((draw(st.sampled_from([c, c, c + 1])),), x.dtype))
        if name == "cross_entropy" and draw(st.booleans()):
            kw["label_smoothing"] = draw(st.sampled_from([0.1, 1.0, -0.5]))
        return name, [x, t], kw
    return build


def int_arrays(shape, lo, hi):
    return st.integers(0, 2 ** 32 - 1).map(
        lambda s: np.random.default_rng(s).integers(lo, max(hi, lo + 1), shape))


def _b_pair(name):
    def build(draw):
        x = draw(FANY)
        y = draw(fuzzing.arrays(x.shape if draw(USUALLY) else None,
                                x.dtype if draw(USUALLY) else None))
        if name == "binary_cross_entropy" and x.dtype.kind == "f" and draw(st.booleans()):
            with np.errstate(over="ignore"):
                x = np.asarray(1 / (1 + np.exp(-x)), x.dtype)
            y = np.asarray(np.clip(np.abs(y), 0, 1), y.dtype)
        return name, [x, y], {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    return build


def _b_embedding(draw):
    v, d = draw(st.integers(0, 4)), draw(st.integers(0, 3))
    w = draw(fuzzing.arrays((v, d), draw(FLOAT)))
    idx = draw(st.one_of(int_arrays(draw(fuzzing.shapes(0, 3)), -1, v + 1), ANY))
    return "embedding", [idx, w], {"padding_idx": draw(st.one_of(st.none(), st.integers(-5, 5)))}


def _b_batch_norm(draw):
    x = draw(mostly(fuzzing.arrays(dtype=np.float64, min_dims=2), ANY))
    c = x.shape[1] if x.ndim > 1 and draw(USUALLY) else draw(st.integers(0, 3))
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    stats = [draw(fuzzing.arrays((c,), dtype)), np.abs(draw(fuzzing.arrays((c,), dtype)))]
    affine = [draw(st.one_of(st.none(), fuzzing.arrays((c,), dtype))) for _ in range(2)]
    return "batch_norm", [x, *stats, *affine], {"training": draw(st.booleans()),
                                                "momentum": draw(st.sampled_from([0.1, 1.0]))}


def _b_layer_norm(draw):
    x = draw(FANY)
    k = draw(st.integers(min(x.ndim, 1), min(x.ndim, 2)))
    shape = x.shape[x.ndim - k:] if draw(USUALLY) else tuple(
        draw(st.lists(st.integers(-1, 3), max_size=2)))
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    affine = [draw(st.one_of(st.none(), fuzzing.arrays(shape, dtype))) if all(
        s >= 0 for s in shape) else None for _ in range(2)]
    return "layer_norm", [x, shape, *affine], {}


def _b_dropout(draw):
    return "dropout", [draw(FANY)], {"p": draw(st.sampled_from([0.0, 1.0, 0.5, -0.1, 1.5])),
                                    "training": draw(st.booleans())}


def _b_gelu(draw):
    return "gelu", [draw(FANY)], {"approximate": draw(mostly(st.sampled_from(["none", "tanh"]),
                                                              st.just("erf")))}


ORACLE_OPS = {"conv1d": _b_conv(1), "conv2d": _b_conv(2), "gelu": _b_gelu,
              "max_pool1d": _b_pool("max_pool1d", 1), "max_pool2d": _b_pool("max_pool2d", 2),
              "avg_pool1d": _b_pool("avg_pool1d", 1), "avg_pool2d": _b_pool("avg_pool2d", 2),
              "adaptive_avg_pool1d": _b_adaptive(1), "adaptive_avg_pool2d": _b_adaptive(2),
              "cross_entropy": _b_class("cross_entropy"), "nll_loss": _b_class("nll_loss"),
              "mse_loss": _b_pair("mse_loss"), "l1_loss": _b_pair("l1_loss"),
              "binary_cross_entropy": _b_pair("binary_cross_entropy"),
              "binary_cross_entropy_with_logits": _b_pair("binary_cross_entropy_with_logits"),
              "embedding": _b_embedding, "batch_norm": _b_batch_norm,
              "layer_norm": _b_layer_norm, "dropout": _b_dropout}
ORACLE = {"agree": 0, "both_error": 0, "torch_only_errors": 0, "ours_only_errors": 0}
# deterministic ops whose values are compared; dropout with 0 < p < 1 draws its own mask
COMPARE_VALUES = set(ORACLE_OPS) - {"dropout"}


def _finite(args):
    return all(np.all(np.isfinite(a)) for a in args
               if isinstance(a, np.ndarray) and a.dtype.kind == "f")


def _moderate_float32(args):
    # float32 values of 1e4 make torch's own rounding the larger error (a layer_norm over one
    # element of 1e4 gives torch a weight gradient of 0.08 where the exact one is 0)
    return all(np.all(np.abs(a) <= 1e3) for a in args
               if isinstance(a, np.ndarray) and a.dtype == np.float32)


def _torch_outcome(torch, name, args, kwargs):
    tf = torch.nn.functional
    kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    targs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray)
             else a for a in args]
    if name == "batch_norm":    # running statistics are not differentiated
        targs[1:3] = [t.detach() for t in targs[1:3]]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # torch's broadcasting and padding notices
            y = getattr(tf, name)(*targs, **kwargs)
            if y.requires_grad:
                y.backward(torch.ones_like(y))
    except Exception:  # noqa: BLE001 - torch rejecting an input is an outcome, not a finding
        return None, targs
    return y, targs


@pytest.mark.parametrize("name", sorted(ORACLE_OPS))
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_functional_op_agrees_with_torch_or_raises_clearly(name, data):
    torch = pytest.importorskip("torch")
    op, args, kwargs = ORACLE_OPS[name](data.draw)
    note(f"{op}({args!r}, **{kwargs!r})")
    ours = [autograd.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray)
            and not (op == "batch_norm" and 1 <= i <= 2) else a for i, a in enumerate(args)]
    if op == "batch_norm":
        ours[1:3] = [a.copy() for a in args[1:3]]
    outcome = []
    finite = _finite([*args, *kwargs.values()])   # class weights count too
    with warnings.catch_warnings():
        if finite:      # only NaN and inf may make numpy warn
            warnings.simplefilter("error", RuntimeWarning)
        problem = fuzzing.run(lambda: outcome.append(getattr(F, op)(*ours, **kwargs))
                              or outcome[0], [op])
    assert problem is None, f"{op}: {problem}"
    ty, targs = _torch_outcome(torch, op, [a.copy() if isinstance(a, np.ndarray) else a
                                           for a in args], kwargs)
    if not outcome or ty is None:
        key = ("both_error" if ty is None else "ours_only_errors") if not outcome \
            else "torch_only_errors"
        ORACLE[key] += 1
        return
    y = outcome[0]
    assert y.shape == tuple(ty.shape), f"{op}: shape {y.shape}, torch {tuple(ty.shape)}"
    assert y.dtype == np.dtype(str(ty.dtype).replace("torch.", "")), f"{op}: dtype {y.dtype}"
    ORACLE["agree"] += 1
    if not (finite and op in COMPARE_VALUES and _moderate_float32(args)):
        return
    # float32 atol: a norm over one element amplifies torch's rounding in x - mean by
    # 1/sqrt(eps) ~ 316 (the engine's centered value there is exactly 0)
    tol = dict(rtol=1e-4, atol=1e-4) if y.dtype == np.float32 else dict(rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **tol, err_msg=op)
    if op == "binary_cross_entropy" and np.any((args[0] == 0) | (args[0] == 1)):
        # at p = 0 or 1 the engine differentiates the loss it computes (logs clamped at -100):
        # dt = -(clamped log p - clamped log(1-p)); torch's dt there is +-inf
        ours, targs = ours[:1], targs[:1]
    for a, t in zip(ours, targs):
        if isinstance(a, autograd.Tensor) and a.requires_grad and t.grad is not None:
            np.testing.assert_allclose(a.grad.data, t.grad.numpy(), **tol, err_msg=f"{op} grad")


def test_oracle_fuzz_compared_results_with_torch():
    """The torch-oracle fuzz ran (printed with -s)."""
    print(f"\nfunctional torch-oracle fuzz: {ORACLE}")
    assert sum(ORACLE.values()) > 0
