"""F.interpolate / F.upsample / pixel (un)shuffle and their modules against torch."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from tests.helpers import assert_close, assert_gradcheck, check_against_torch, check_float32

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
SPECS = ([{"size": s} for s in (1, 2, 3, 5, 7, 8, 13)]
         + [{"scale_factor": s} for s in (0.5, 0.7, 1.0, 1.5, 2, 2.5, 3, 1 / 3)]
         + [{"scale_factor": s, "recompute_scale_factor": True} for s in (0.7, 1.3, 2.5)])
LINEAR = [("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3)]
NEAREST = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1),
           ("nearest-exact", 2), ("nearest-exact", 3), ("area", 1), ("area", 2), ("area", 3)]


def _both(kw):
    return (lambda x: F.interpolate(x, **kw)), (lambda x: TF.interpolate(x, **kw))


def _cases(modes, sizes):
    for mode, nd in modes:
        for n in sizes[nd]:
            for spec in SPECS:
                if "scale_factor" in spec and int(n * spec["scale_factor"]) < 1:
                    continue
                for ac in ([None] if mode in ("nearest", "nearest-exact", "area")
                           else [False, True]):
                    kw = dict(spec, mode=mode)
                    if ac is not None:
                        kw["align_corners"] = ac
                    yield pytest.param((2, 3) + (n,) * nd, kw, id=f"{mode}-{n}-{spec}-{ac}")


@pytest.mark.parametrize("shape,kw", list(_cases(NEAREST + LINEAR,
                                                  {1: (1, 3, 4, 6), 2: (1, 3, 5), 3: (2, 3)})))
def test_values_and_gradients_match_torch(shape, kw):
    check_against_torch(*_both(kw), RNG.standard_normal(shape))


@pytest.mark.parametrize("kw", [
    {"size": (3, 7), "mode": "nearest"}, {"size": (5, 2), "mode": "nearest-exact"},
    {"scale_factor": (1.5, 0.6), "mode": "nearest"},
    {"size": (7, 3), "mode": "bilinear", "align_corners": False},
    {"scale_factor": (2.3, 0.75), "mode": "bilinear", "align_corners": True},
    {"scale_factor": (1.7, 2.0), "mode": "bicubic", "align_corners": False},
    {"size": (6, 9), "mode": "bicubic", "align_corners": True},
    {"size": (2, 6), "mode": "area"},
])
def test_non_square_2d_match_torch(kw):
    check_against_torch(*_both(kw), RNG.standard_normal((2, 2, 4, 5)))


@pytest.mark.parametrize("n_out", [2, 3, 5, 8, 11, 12, 21, 33])
@pytest.mark.parametrize("n_in", [3, 4, 7, 12])
def test_nearest_2d_index_arithmetic_matches_torch(n_in, n_out):
    # arange values make the chosen source index visible exactly
    x = np.arange(n_in * n_in, dtype=np.float64).reshape(1, 1, n_in, n_in)
    for mode in ("nearest", "nearest-exact"):
        ours = F.interpolate(autograd.tensor(x), size=(n_out, n_in + 1), mode=mode).data
        theirs = TF.interpolate(torch.tensor(x), size=(n_out, n_in + 1), mode=mode).numpy()
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kw,shape", [
    ({"scale_factor": 2.5, "mode": "nearest"}, (1, 2, 3)),
    ({"size": 5, "mode": "nearest-exact"}, (1, 2, 3, 4)),
    ({"size": (4, 3, 5), "mode": "nearest"}, (1, 1, 2, 3, 2)),
    ({"size": 7, "mode": "linear", "align_corners": False}, (2, 1, 4)),
    ({"scale_factor": 0.6, "mode": "linear", "align_corners": True}, (2, 1, 6)),
    ({"size": (5, 3), "mode": "bilinear", "align_corners": False}, (1, 2, 3, 4)),
    ({"scale_factor": 1.5, "mode": "bilinear", "align_corners": True}, (1, 1, 3, 3)),
    ({"size": (5, 6), "mode": "bicubic", "align_corners": False}, (1, 1, 3, 4)),
    ({"size": (3, 4, 5), "mode": "trilinear", "align_corners": True}, (1, 1, 2, 3, 2)),
])
def test_gradcheck_float64(kw, shape):
    assert_gradcheck(lambda x: F.interpolate(x, **kw), RNG.standard_normal(shape))


@pytest.mark.parametrize("mode,shape", [("nearest", (1, 2, 3)), ("nearest", (1, 1, 3, 2, 2)),
                                        ("bicubic", (1, 1, 3, 2))])
def test_scale_factor_keeping_the_size_gives_the_true_gradient(mode, shape):
    # scale_factor 1.3 keeps these sizes but sets the step: torch's forward reads
    # x[floor(o / 1.3)] while its backward copies, so its gradient is not the VJP of its
    # forward here; ours is (values still equal torch's)
    kw = {"scale_factor": 1.3, "mode": mode}
    x = RNG.standard_normal(shape)
    ours = F.interpolate(autograd.tensor(x), **kw).data
    assert_close(ours, TF.interpolate(torch.tensor(x), **kw).numpy())
    assert_gradcheck(lambda t: F.interpolate(t, **kw), x)


@pytest.mark.parametrize("kw,shape", [
    ({"scale_factor": 2, "mode": "nearest"}, (2, 3, 4, 5)),
    ({"size": 7, "mode": "nearest-exact"}, (2, 3, 5)),
    ({"size": 7, "mode": "linear"}, (2, 3, 5)),
    ({"scale_factor": 1.5, "mode": "bilinear", "align_corners": True}, (2, 3, 4, 5)),
    ({"size": (6, 3), "mode": "bicubic"}, (2, 3, 4, 5)),
    ({"size": (2, 3), "mode": "area"}, (2, 3, 4, 5)),
    ({"scale_factor": 2, "mode": "trilinear"}, (1, 2, 2, 3, 2)),
])
def test_float32_stays_float32_and_matches_torch(kw, shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    check_float32(lambda t: F.interpolate(t, **kw), x)
    ours = F.interpolate(autograd.tensor(x), **kw)
    assert ours.dtype == np.float32
    assert_close(ours.data, TF.interpolate(torch.tensor(x), **kw).numpy(), rtol=1e-5, atol=1e-6)


def test_empty_batch_and_non_finite_values():
    y = F.interpolate(autograd.zeros(0, 2, 3, 4, requires_grad=True), scale_factor=2,
                      mode="bilinear")
    assert y.shape == (0, 2, 6, 8)
    x = np.array([[[1.0, np.inf, 3.0]]])
    kw = {"size": 7, "mode": "nearest"}
    assert_close(F.interpolate(autograd.tensor(x), **kw).data,
                 TF.interpolate(torch.tensor(x), **kw).numpy())
    # an unchanged size copies (torch computes x * 1 + x * 0 there, turning inf into nan)
    same = F.interpolate(autograd.tensor(x), size=3, mode="linear").data
    np.testing.assert_array_equal(same, x)


def test_upsample_warns_and_matches_interpolate():
    x = autograd.tensor(RNG.standard_normal((1, 2, 3, 3)))
    with pytest.warns(UserWarning, match="deprecated"):
        y = F.upsample(x, scale_factor=2, mode="bilinear", align_corners=True)
    assert_close(y.data, F.interpolate(x, scale_factor=2, mode="bilinear",
                                       align_corners=True).data)


@pytest.mark.parametrize("shape,r", [((1, 8, 2, 3), 2), ((2, 3, 9, 2, 2), 3), ((4, 1, 1), 1),
                                     ((0, 4, 2, 2), 2), ((18, 1, 2), 3)])
def test_pixel_shuffle_and_unshuffle_match_torch(shape, r):
    x = RNG.standard_normal(shape)
    if not x.size:  # torch's own backward rejects an empty batch here: compare shapes
        t = autograd.tensor(x, requires_grad=True)
        y = F.pixel_shuffle(t, r)
        assert y.shape == tuple(TF.pixel_shuffle(torch.tensor(x), r).shape)
        y.sum().backward()
        assert t.grad.shape == x.shape
        return
    check_against_torch(lambda t: F.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), x)
    y = TF.pixel_shuffle(torch.tensor(x), r).numpy()
    check_against_torch(lambda t: F.pixel_unshuffle(t, r), lambda t: TF.pixel_unshuffle(t, r), y)
    back = F.pixel_unshuffle(F.pixel_shuffle(autograd.tensor(x), r), r)
    np.testing.assert_array_equal(back.data, x)
    assert_gradcheck(lambda t: F.pixel_shuffle(t, r), x)
    check_float32(lambda t: F.pixel_unshuffle(t, r), y.astype(np.float32))


@pytest.mark.parametrize("ours,theirs,shape", [
    (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2), (1, 2, 3, 3)),
    (nn.Upsample(size=5, mode="linear", align_corners=True),
     torch.nn.Upsample(size=5, mode="linear", align_corners=True), (2, 1, 3)),
    (nn.Upsample(scale_factor=(1.5, 2), mode="bicubic"),
     torch.nn.Upsample(scale_factor=(1.5, 2), mode="bicubic"), (1, 1, 4, 3)),
    (nn.UpsamplingNearest2d(size=(5, 3)), torch.nn.UpsamplingNearest2d(size=(5, 3)),
     (1, 2, 3, 3)),
    (nn.UpsamplingBilinear2d(scale_factor=2), torch.nn.UpsamplingBilinear2d(scale_factor=2),
     (1, 2, 3, 4)),
    (nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (1, 8, 2, 3)),
    (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), (1, 2, 4, 6)),
])
def test_modules_match_torch_values_gradients_and_repr(ours, theirs, shape):
    assert repr(ours) == repr(theirs)
    check_against_torch(ours, theirs, RNG.standard_normal(shape))


def _x(*shape, dtype=np.float64):
    return autograd.tensor(np.ones(shape, dtype))


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.interpolate(_x(1, 1, 4), size=3, scale_factor=2), ValueError, "only one"),
    (lambda: F.interpolate(_x(1, 1, 4)), ValueError, "either size or scale_factor"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, align_corners=True), ValueError,
     "align_corners"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, mode="cubic"), NotImplementedError, "mode"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, mode=["nearest"]), NotImplementedError,
     r"mode must be one of .*\['nearest'\]"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, mode=None), NotImplementedError, "mode"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, mode="bilinear"), NotImplementedError,
     r"\(1, 1, 4\)"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=3, mode="linear"), NotImplementedError,
     "3-D"),
    (lambda: F.interpolate(_x(1, 4), size=3), NotImplementedError, r"\(1, 4\)"),
    (lambda: F.interpolate(_x(1, 1, 4), size=0), RuntimeError, "positive"),
    (lambda: F.interpolate(_x(1, 1, 4), scale_factor=0.1), RuntimeError, r"\(0,\)"),
    (lambda: F.interpolate(_x(1, 1, 4), scale_factor=-2.0), RuntimeError, "positive"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=(2, 3, 4)), ValueError, "3 entries"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=(2.0, 3)), TypeError, "size"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor"),
    (lambda: F.interpolate(_x(1, 0, 4), size=3), RuntimeError, r"\(1, 0, 4\)"),
    (lambda: F.interpolate(autograd.tensor(np.ones((1, 1, 4), np.int64)), size=3), TypeError,
     "int64"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=3, mode="bilinear", antialias=True),
     NotImplementedError, "antialias"),
    (lambda: F.pixel_shuffle(_x(1, 6, 2, 2), 2), RuntimeError, r"6 channels.*\(1, 6, 2, 2\)"),
    (lambda: F.pixel_shuffle(_x(4, 2), 2), RuntimeError, "at least 3"),
    (lambda: F.pixel_shuffle(_x(1, 4, 2, 2), 0), RuntimeError, "positive"),
    (lambda: F.pixel_shuffle(_x(1, 4, 2, 2), None), TypeError, "upscale_factor"),
    (lambda: F.pixel_unshuffle(_x(1, 1, 3, 4), 2), RuntimeError, r"\(3, 4\)"),
    (lambda: F.pixel_unshuffle(_x(1, 1, 4, 4), 1.5), TypeError, "downscale_factor"),
])
def test_bad_arguments_raise_clear_errors(call, error, match):
    # error is the class torch raises there (test_error_classes_are_torch_s); the engine's
    # RuntimeErrors and TypeErrors here are also ValueErrors, as before
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call", [
    lambda f, x: f.interpolate(x(1, 1, 4), size=3, mode="cubic"),
    lambda f, x: f.interpolate(x(1, 1, 4), size=3, mode=["nearest"]),
    lambda f, x: f.interpolate(x(1, 1, 4), size=0),
    lambda f, x: f.interpolate(x(1, 1, 4), scale_factor=-2.0),
    lambda f, x: f.interpolate(x(1, 0, 4), size=3),
    lambda f, x: f.pixel_shuffle(x(1, 6, 2, 2), 2),
    lambda f, x: f.pixel_shuffle(x(4, 2), 2),
    lambda f, x: f.pixel_shuffle(x(1, 4, 2, 2), 0),
    lambda f, x: f.pixel_shuffle(x(1, 4, 2, 2), 2.0),
    lambda f, x: f.pixel_unshuffle(x(1, 1, 3, 4), 2),
])
def test_error_classes_are_torch_s(call):
    try:
        call(torch.nn.functional, lambda *s: torch.ones(s))
    except Exception as e:   # noqa: BLE001  (the class is what is compared)
        expected = type(e)
    with pytest.raises(expected):
        call(F, _x)
