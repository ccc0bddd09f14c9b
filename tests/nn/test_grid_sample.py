"""F.affine_grid and F.grid_sample against torch: values, input and grid gradients, edges,
finite differences and a spatial-transformer model."""
import itertools
import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
import nn
import nn.functional as F
from autograd import Tensor
from tests.helpers import assert_gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]
OPTIONS = [(m, p, a) for m in MODES for p in PADDINGS for a in (False, True)]
# grid values on the edges: the image's border (+-1), its centre, the outer pixel centres
# without align_corners (+-(1 - 1/W)), points just outside and far outside
SPECIAL = np.array([-1.0, 1.0, 0.0, -0.75, 0.75, -1.25, 1.25, -3.5, 3.0, 0.5, -0.5])


def _grads(x, g, w, mode, padding, align, dtype=np.float64):
    a = autograd.tensor(x.astype(dtype), requires_grad=True)
    b = autograd.tensor(g.astype(dtype), requires_grad=True)
    y = F.grid_sample(a, b, mode=mode, padding_mode=padding, align_corners=align)
    (y * Tensor(w.astype(dtype))).sum().backward()
    return y.data, a.grad.data, b.grad.data


def _grads_torch(x, g, w, mode, padding, align, dtype=torch.float64):
    a = torch.tensor(x, dtype=dtype, requires_grad=True)
    b = torch.tensor(g, dtype=dtype, requires_grad=True)
    y = TF.grid_sample(a, b, mode=mode, padding_mode=padding, align_corners=align)
    (y * torch.tensor(w, dtype=dtype)).sum().backward()
    return y.detach().numpy(), a.grad.numpy(), b.grad.numpy()


def _check(x, g, mode, padding, align, dtype=np.float64, rtol=1e-10, atol=1e-12):
    w = np.random.default_rng(0).standard_normal(x.shape[:2] + g.shape[1:3])
    ours = _grads(x, g, w, mode, padding, align, dtype)
    theirs = _grads_torch(x, g, w, mode, padding, align,
                          torch.float32 if dtype == np.float32 else torch.float64)
    for what, a, b in zip(("output", "input gradient", "grid gradient"), ours, theirs):
        assert a.dtype == dtype, what
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("mode,padding,align", OPTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_edges_and_outside_points_match_torch(mode, padding, align, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    sx, sy = np.meshgrid(SPECIAL, SPECIAL)
    pixel_x = 2 * (np.arange(5) + 0.5) / 5 - 1                # pixel centres, both alignments
    pixel_y = np.linspace(-1, 1, 4)
    px, py = np.meshgrid(pixel_x, pixel_y)
    g = np.stack([np.stack([sx, sy], -1)[:4], np.stack([sy, sx], -1)[:4]])
    g = np.concatenate([g, np.broadcast_to(np.stack([px, py], -1)[:, :4],
                                           (2, 4, 4, 2))], axis=2)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else {}
    _check(x, g, mode, padding, align, dtype, **tol)


@settings(deadline=None, max_examples=40)
@given(data=st.data(), option=st.sampled_from(OPTIONS))
def test_random_shapes_match_torch(data, option):
    n, c = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    h, w = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    ho, wo = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    g = rng.uniform(-1.6, 1.6, (n, ho, wo, 2))
    g[rng.random(g.shape) < 0.2] = rng.choice(SPECIAL)      # some exactly on edges
    _check(rng.standard_normal((n, c, h, w)), g, *option)


def _smooth_grid(rng, shape, size_x, size_y, align):
    """Grid values whose pixel coordinates keep 0.1 from the kinks of every mode and padding
    (integers, half-integers), inside and outside the image."""
    def axis(size, count):
        whole = rng.integers(-2, size + 1, count)
        frac = rng.choice([-1, 1], count) * rng.uniform(0.1, 0.4, count) + 0.5
        pix = whole + frac
        return 2 * pix / (size - 1) - 1 if align else (2 * pix + 1) / size - 1
    count = int(np.prod(shape))
    return np.stack([axis(size_x, count), axis(size_y, count)], -1).reshape(shape + (2,))


@pytest.mark.parametrize("mode,padding,align", OPTIONS)
def test_gradcheck_away_from_kinks(mode, padding, align):
    rng = np.random.default_rng(2)
    h, w = 4, 5
    x = rng.standard_normal((2, 2, h, w))
    g = _smooth_grid(rng, (2, 3, 3), w, h, align)
    assert_gradcheck(lambda a, b: F.grid_sample(a, b, mode=mode, padding_mode=padding,
                                                align_corners=align), x, g)


def _bilinear_zeros_reference(x, grid, align):
    """Bilinear sampling with zero padding, straight from the definition, in numpy."""
    n_, c_, h_, w_ = x.shape
    size = np.array([w_, h_])
    pix = (grid + 1) / 2 * (size - 1) if align else ((grid + 1) * size - 1) / 2
    out = np.zeros((n_, c_) + grid.shape[1:3])
    for n, i, j in np.ndindex(n_, *grid.shape[1:3]):
        px, py = pix[n, i, j]
        x0, y0 = int(np.floor(px)), int(np.floor(py))
        for dx, dy in itertools.product((0, 1), (0, 1)):
            xx, yy = x0 + dx, y0 + dy
            if 0 <= xx < w_ and 0 <= yy < h_:
                weight = (1 - abs(px - xx)) * (1 - abs(py - yy))
                out[n, :, i, j] += weight * x[n, :, yy, xx]
    return out


@pytest.mark.parametrize("align", [False, True])
def test_bilinear_matches_a_numpy_reference(align):
    rng = np.random.default_rng(7)
    x, g = rng.standard_normal((2, 3, 4, 6)), rng.uniform(-1.3, 1.3, (2, 5, 3, 2))
    ours = F.grid_sample(Tensor(x), Tensor(g), align_corners=align).data
    np.testing.assert_allclose(ours, _bilinear_zeros_reference(x, g, align), rtol=1e-12,
                               atol=1e-14)


def test_double_backward_is_refused_clearly():
    x = autograd.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    g = autograd.tensor(np.zeros((1, 1, 1, 2)), requires_grad=True)
    y = F.grid_sample(x, g, align_corners=False)
    with pytest.raises(RuntimeError, match="GridSample: create_graph=True is not supported"):
        autograd.grad(y.sum(), [x, g], create_graph=True)


def test_nearest_grid_gradient_is_zero_and_input_only_gradients():
    rng = np.random.default_rng(3)
    x = autograd.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    g = autograd.tensor(rng.uniform(-1, 1, (1, 2, 2, 2)), requires_grad=True)
    F.grid_sample(x, g, mode="nearest", align_corners=False).sum().backward()
    assert np.all(g.grad.data == 0) and x.grad.data.sum() == 2 * 4
    x2 = autograd.tensor(x.data.copy(), requires_grad=True)
    F.grid_sample(x2, Tensor(g.data.copy()), align_corners=True).sum().backward()
    assert x2.grad is not None
    g2 = autograd.tensor(g.data.copy(), requires_grad=True)
    F.grid_sample(Tensor(x.data.copy()), g2, align_corners=True).sum().backward()
    assert g2.grad.shape == (1, 2, 2, 2)


def test_nonfinite_grid_points_read_as_torch_does():
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    g = np.array([[[[np.nan, 0.0], [0.0, np.inf], [-np.inf, 0.5], [1e30, -1e30]]]])
    for padding in PADDINGS:
        for mode in ("bilinear", "nearest"):
            ours = F.grid_sample(Tensor(x), Tensor(g), mode, padding, False).data
            theirs = TF.grid_sample(torch.tensor(x), torch.tensor(g), mode, padding,
                                    False).numpy()
            np.testing.assert_array_equal(np.nan_to_num(ours[..., 1:]),
                                          np.nan_to_num(theirs[..., 1:]))


@pytest.mark.parametrize("size", [(2, 3, 5, 7), (3, 1, 1, 4), (2, 1, 6, 1), (2, 2, 3, 4, 5)])
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_grid_matches_torch(size, align, dtype):
    k = len(size) - 2
    theta = np.random.default_rng(4).standard_normal((size[0], k, k + 1))
    a = autograd.tensor(theta.astype(dtype), requires_grad=True)
    b = torch.tensor(theta, dtype=torch.float32 if dtype == np.float32 else torch.float64,
                     requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # the unit-size warning, as torch's
        ours, theirs = F.affine_grid(a, size, align), TF.affine_grid(b, size, align)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == dtype
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **tol)
    w = np.random.default_rng(5).standard_normal(ours.shape)
    (ours * Tensor(w.astype(dtype))).sum().backward()
    (theirs * torch.tensor(w, dtype=b.dtype)).sum().backward()
    np.testing.assert_allclose(a.grad.data, b.grad.numpy(), **tol)
    if dtype == np.float64:
        assert_gradcheck(lambda t: F.affine_grid(t, size, align), theta)


class _STN(nn.Module):
    """A spatial transformer: a localization net predicts theta, the input is resampled,
    a linear head classifies the result."""

    def __init__(self, mode, padding):
        super().__init__()
        self.mode, self.padding = mode, padding
        self.loc1, self.loc2 = nn.Linear(2 * 6 * 6, 8), nn.Linear(8, 6)
        self.head = nn.Linear(2 * 5 * 5, 3)

    def forward(self, x):
        theta = self.loc2(self.loc1(x.reshape(x.shape[0], -1)).tanh()).reshape(-1, 2, 3)
        grid = F.affine_grid(theta, (x.shape[0], 2, 5, 5), align_corners=False)
        y = F.grid_sample(x, grid, mode=self.mode, padding_mode=self.padding,
                          align_corners=False)
        return self.head(y.reshape(x.shape[0], -1))


@pytest.mark.parametrize("mode,padding", [("bilinear", "zeros"), ("bilinear", "border"),
                                          ("bicubic", "reflection"), ("nearest", "zeros")])
def test_spatial_transformer_parameter_gradients_match_torch(mode, padding):
    rng = np.random.default_rng(6)
    torch.manual_seed(0)
    theirs = torch.nn.ModuleDict({k: torch.nn.Linear(*s).double() for k, s in
                                  (("loc1", (72, 8)), ("loc2", (8, 6)), ("head", (50, 3)))})
    with torch.no_grad():   # start near the identity, as STNs are initialised
        theirs["loc2"].weight.mul_(0.1)
        theirs["loc2"].bias.copy_(torch.tensor([0.9, 0.1, 0.05, -0.1, 1.1, -0.05]))
    ours = _STN(mode, padding).double()
    for name in ("loc1", "loc2", "head"):
        layer = getattr(ours, name)
        layer.load_state_dict({k: v.detach().numpy() for k, v in
                               theirs[name].state_dict().items()})
    x = rng.standard_normal((4, 2, 6, 6))
    labels = np.array([0, 2, 1, 2])
    loss = F.cross_entropy(ours(Tensor(x)), labels)
    loss.backward()

    def torch_forward(t):
        theta = theirs["loc2"](theirs["loc1"](t.reshape(4, -1)).tanh()).reshape(-1, 2, 3)
        grid = TF.affine_grid(theta, (4, 2, 5, 5), align_corners=False)
        y = TF.grid_sample(t, grid, mode=mode, padding_mode=padding, align_corners=False)
        return theirs["head"](y.reshape(4, -1))
    loss_t = TF.cross_entropy(torch_forward(torch.tensor(x)), torch.tensor(labels))
    loss_t.backward()
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-12)
    for name in ("loc1", "loc2", "head"):
        for pname, p in getattr(ours, name).named_parameters():
            q = getattr(theirs[name], pname)
            np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-8, atol=1e-12,
                                       err_msg=f"{name}.{pname}")
    if mode != "nearest":   # the localization net learns through the grid
        assert np.abs(ours.loc1.weight.grad.data).max() > 0


def test_align_corners_default_warns_as_torch():
    x, g = Tensor(np.zeros((1, 1, 2, 2))), Tensor(np.zeros((1, 1, 1, 2)))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, g)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(Tensor(np.zeros((1, 2, 3))), (1, 1, 2, 2))


X, G = np.zeros((2, 3, 4, 5)), np.zeros((2, 2, 2, 2))
BAD = [
    (dict(mode="area"), ValueError, "expected mode to be 'bilinear', 'nearest' or 'bicubic'"),
    (dict(padding_mode="circular"), ValueError, "padding_mode to be 'zeros', 'border'"),
    (dict(grid=G.astype(np.float32)), TypeError, "one dtype, float32 or float64, got input "
                                                 "torch.float64 and grid torch.float32"),
    (dict(input=X.astype(np.int64), grid=G.astype(np.int64)), TypeError, "got input torch.int64"),
    (dict(grid=np.zeros((2, 2, 2, 3))), ValueError, r"grid \(N, Ho, Wo, 2\), got input "
                                                    r"\(2, 3, 4, 5\) and grid \(2, 2, 2, 3\)"),
    (dict(input=np.zeros((3, 4, 5))), ValueError, r"expected input \(N, C, H, W\)"),
    (dict(grid=np.zeros((3, 2, 2, 2))), ValueError, "must have the same batch size"),
    (dict(input=np.zeros((2, 3, 0, 5))), ValueError, "non-empty spatial dims"),
    (dict(input=np.zeros((2, 3, 4, 5, 6))), NotImplementedError, "volumetric"),
]


@pytest.mark.parametrize("change,error,message", BAD)
def test_grid_sample_bad_input_errors(change, error, message):
    args = dict(input=X, grid=G, align_corners=False)
    args.update(change)
    args["input"], args["grid"] = Tensor(args["input"]), Tensor(args["grid"])
    with pytest.raises(error, match=message) as info:
        F.grid_sample(**args)
    assert "grid_sample" in str(info.value)


@pytest.mark.parametrize("theta,size,error,message", [
    (np.zeros((2, 2, 3)), (3, 1, 4, 4), ValueError, r"shape \(N, 2, 3\) with N = 3"),
    (np.zeros((2, 3, 4)), (2, 1, 4, 4), ValueError, r"got theta of shape \(2, 3, 4\)"),
    (np.zeros((2, 2, 3)), (2, 1, 0, 4), ValueError, "non-zero, positive output size"),
    (np.zeros((2, 2, 3), np.int64), (2, 1, 4, 4), TypeError, "floating point dtype"),
    (np.zeros((2, 2, 3)), (2, 4, 4), NotImplementedError, "4-D"),
])
def test_affine_grid_bad_input_errors(theta, size, error, message):
    with pytest.raises(error, match=message) as info:
        F.affine_grid(Tensor(theta), size, align_corners=False)
    assert "affine_grid" in str(info.value)
