"""weight_norm, spectral_norm and orthogonal (nn.utils.parametrizations) and the hook-based
nn.utils.weight_norm / spectral_norm against torch: values, gradients, u/v updates, state_dict
keys. Random parts (spectral_norm's u, v; orthogonal's completion) are copied from torch."""
import warnings

import numpy as np
import pytest

import autograd
import nn
from nn.utils import parametrizations as PZ
from nn.utils import parametrize as P

torch = pytest.importorskip("torch")
TPZ = torch.nn.utils.parametrizations
TP = torch.nn.utils.parametrize

LAYERS = {   # name -> (make(lib.nn), input shape)
    "linear": (lambda L: L.Linear(5, 3), (2, 5)),
    "linear_wide": (lambda L: L.Linear(3, 6), (2, 3)),
    "conv2d": (lambda L: L.Conv2d(2, 4, 3), (2, 2, 5, 5)),
    "conv_transpose2d": (lambda L: L.ConvTranspose2d(3, 2, 2), (1, 3, 4, 4)),
}


def pair(kind, seed=0):
    """The same float64 layer in both libraries (torch's weights copied into ours)."""
    make, in_shape = LAYERS[kind]
    torch.manual_seed(seed)
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs, in_shape


def sync(ours, theirs):
    """Copy every parameter and buffer of torch's (the random u, v, base) into ours."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def close(ours, theirs, rtol=1e-9, atol=1e-12):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def forward_backward(ours, theirs, in_shape, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(in_shape)
    y = ours(autograd.tensor(x))
    ty = theirs(torch.tensor(x))
    close(y, ty)
    v = rng.standard_normal(ty.shape)
    (y * autograd.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        close(p.grad, tp.grad)


# ------------------------------------------------------------------------- weight_norm
@pytest.mark.parametrize("kind", ["linear", "conv2d", "conv_transpose2d"])
@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_weight_norm_matches_torch(kind, dim):
    ours, theirs, in_shape = pair(kind)
    PZ.weight_norm(ours, dim=dim)
    TPZ.weight_norm(theirs, dim=dim)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    g, tg = ours.parametrizations.weight.original0, theirs.parametrizations.weight.original0
    assert g.shape == tuple(tg.shape)
    close(g, tg)
    close(ours.weight, theirs.weight)
    forward_backward(ours, theirs, in_shape)


def test_weight_norm_remove_keeps_the_weight():
    ours, theirs, in_shape = pair("linear")
    PZ.weight_norm(ours)
    TPZ.weight_norm(theirs)
    with autograd.no_grad():
        ours.parametrizations.weight.original0.data = ours.parametrizations.weight.original0 * 2
    with torch.no_grad():
        theirs.parametrizations.weight.original0.mul_(2)
    P.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.weight, theirs.weight)
    assert type(ours) is nn.Linear and isinstance(ours.weight, nn.Parameter)


# ------------------------------------------------------------------------- spectral_norm
@pytest.mark.parametrize("kind", ["linear", "linear_wide", "conv2d", "conv_transpose2d"])
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_spectral_norm_train_mode_updates_u_v_as_torch(kind, n_power_iterations):
    ours, theirs, in_shape = pair(kind)
    PZ.spectral_norm(ours, n_power_iterations=n_power_iterations)
    TPZ.spectral_norm(theirs, n_power_iterations=n_power_iterations)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    sync(ours, theirs)
    sn, tsn = ours.parametrizations.weight[0], theirs.parametrizations.weight[0]
    u = sn._u
    for _ in range(3):   # every access is a power step
        close(ours.weight, theirs.weight)
        close(sn._u, tsn._u)
        close(sn._v, tsn._v)
    assert sn._u is u    # updated in place, as torch
    forward_backward(ours, theirs, in_shape)
    close(sn._u, tsn._u)


def test_linear_forward_reads_the_weight_once():
    calls = []

    class Counted(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X

    lin = nn.Linear(3, 2)
    P.register_parametrization(lin, "weight", Counted())
    calls.clear()
    lin(autograd.randn(1, 3))
    assert len(calls) == 1


@pytest.mark.parametrize("kind", ["linear", "conv2d"])
def test_spectral_norm_eval_mode_keeps_u_v(kind):
    ours, theirs, in_shape = pair(kind)
    PZ.spectral_norm(ours)
    TPZ.spectral_norm(theirs)
    ours.eval()
    theirs.eval()
    sync(ours, theirs)
    u0 = ours.parametrizations.weight[0]._u.numpy().copy()
    forward_backward(ours, theirs, in_shape)
    close(ours.weight, theirs.weight)
    np.testing.assert_array_equal(ours.parametrizations.weight[0]._u.numpy(), u0)


def test_spectral_norm_estimates_the_top_singular_value():
    autograd.manual_seed(0)
    lin = nn.Linear(8, 6, dtype=np.float64)
    PZ.spectral_norm(lin)   # 15 + 1 power steps: sigma(weight) near 1, from above
    sigma = np.linalg.svd(lin.weight.numpy(), compute_uv=False)[0]
    assert 1 <= sigma < 1.01


def test_spectral_norm_vector_and_errors():
    ours, theirs = nn.Module(), torch.nn.Module()
    ours.v = nn.Parameter(np.array([3.0, 4.0]))
    theirs.v = torch.nn.Parameter(torch.tensor([3.0, 4.0], dtype=torch.float64))
    PZ.spectral_norm(ours, "v")
    TPZ.spectral_norm(theirs, "v")
    close(ours.v, theirs.v)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with pytest.raises(ValueError, match="no parameter or buffer"):
        PZ.spectral_norm(nn.Linear(2, 2), "nothing")
    with pytest.raises(ValueError, match="n_power_iterations"):
        PZ.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        PZ.spectral_norm(nn.Linear(2, 2), dim=2)


# ------------------------------------------------------------------------- orthogonal
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("kind", ["linear", "linear_wide"])
def test_orthogonal_matches_torch(orthogonal_map, kind):
    ours, theirs, in_shape = pair(kind)
    PZ.orthogonal(ours, orthogonal_map=orthogonal_map)
    TPZ.orthogonal(theirs, orthogonal_map=orthogonal_map)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    w = ours.weight.numpy()
    small = w @ w.T if w.shape[0] < w.shape[1] else w.T @ w
    np.testing.assert_allclose(small, np.eye(min(w.shape)), atol=1e-12)
    close(ours.weight, theirs.weight, rtol=1e-8, atol=1e-10)   # QR of the same weight
    sync(ours, theirs)   # base completed with random columns: torch's
    with torch.no_grad():   # move away from original = -Id, so every map is exercised
        theirs.parametrizations.weight.original.add_(
            0.1 * torch.randn(theirs.parametrizations.weight.original.shape,
                              dtype=torch.float64))
    sync(ours, theirs)
    close(ours.weight, theirs.weight, rtol=1e-8, atol=1e-10)
    forward_backward(ours, theirs, in_shape)


def test_orthogonal_square_weight_kept_and_errors():
    q = np.linalg.qr(np.random.default_rng(3).standard_normal((4, 4)))[0]
    lin = nn.Linear(4, 4, dtype=np.float64)
    lin.weight.data = q.copy()
    PZ.orthogonal(lin)
    np.testing.assert_allclose(lin.weight.numpy(), q, atol=1e-12)
    with pytest.raises(ValueError, match="Expected a matrix"):
        PZ.orthogonal(nn.Linear(2, 2), "bias")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        PZ.orthogonal(nn.Linear(2, 2), orthogonal_map="svd")


@pytest.mark.parametrize("kind", ["linear", "linear_wide"])
def test_orthogonal_householder_without_trivialization(kind):
    ours, theirs, in_shape = pair(kind)
    PZ.orthogonal(ours, orthogonal_map="householder", use_trivialization=False)
    TPZ.orthogonal(theirs, orthogonal_map="householder", use_trivialization=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original,
          rtol=1e-8, atol=1e-10)
    close(ours.weight, theirs.weight, rtol=1e-8, atol=1e-10)
    forward_backward(ours, theirs, in_shape)


def test_householder_product_matches_torch():
    rng = np.random.default_rng(5)
    A, tau = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 3))
    a, t = autograd.tensor(A, requires_grad=True), autograd.tensor(tau, requires_grad=True)
    ta = torch.tensor(A, requires_grad=True)
    tt = torch.tensor(tau, requires_grad=True)
    q, tq = PZ.householder_product(a, t), torch.linalg.householder_product(ta, tt)
    close(q, tq)
    v = rng.standard_normal(q.shape)
    (q * autograd.tensor(v)).sum().backward()
    (tq * torch.tensor(v)).sum().backward()
    close(a.grad, ta.grad)
    close(t.grad, tt.grad)


# ------------------------------------------------------------------------- hook-based versions
@pytest.mark.parametrize("kind", ["linear", "conv2d"])
@pytest.mark.parametrize("dim", [0, None])
def test_old_weight_norm_matches_torch(kind, dim):
    ours, theirs, in_shape = pair(kind)
    with pytest.warns(FutureWarning, match="deprecated"):
        nn.utils.weight_norm(ours, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "weight_g" in ours.state_dict() and "weight_v" in ours.state_dict()
    close(ours.weight_g, theirs.weight_g)
    forward_backward(ours, theirs, in_shape)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nn.utils.weight_norm(ours)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.weight, theirs.weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(ours)


@pytest.mark.parametrize("kind", ["linear", "conv2d", "conv_transpose2d"])
def test_old_spectral_norm_matches_torch(kind):
    ours, theirs, in_shape = pair(kind)
    nn.utils.spectral_norm(ours)
    torch.nn.utils.spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) \
        == [k for k in theirs.state_dict()]
    assert {"weight_orig", "weight_u", "weight_v"} <= set(ours.state_dict())
    sync(ours, theirs)
    for _ in range(2):   # training mode: a power step per forward
        forward_backward(ours, theirs, in_shape)
        close(ours.weight_u, theirs.weight_u)
        close(ours.weight_v, theirs.weight_v)
    ours.eval()
    theirs.eval()
    forward_backward(ours, theirs, in_shape, seed=7)
    close(ours.weight_u, theirs.weight_u)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.weight, theirs.weight)


@pytest.mark.parametrize("make", [
    lambda: PZ._WeightNorm(0),
    lambda: PZ._WeightNorm(None),
    lambda: PZ._Orthogonal(autograd.zeros(4, 3), PZ._OrthMaps.householder,
                           use_trivialization=False),
    lambda: PZ._Orthogonal(autograd.zeros(3, 3), PZ._OrthMaps.matrix_exp,
                           use_trivialization=False),
    lambda: PZ._Orthogonal(autograd.zeros(3, 3), PZ._OrthMaps.cayley,
                           use_trivialization=False),
], ids=["weight_norm_dim0", "weight_norm_all", "householder", "matrix_exp", "cayley"])
def test_parametrization_gradients_against_finite_differences(make):
    """The composed maps need no VJP of their own: their gradients are the ops'."""
    fn = make()
    rng = np.random.default_rng(6)
    if isinstance(fn, PZ._WeightNorm):
        v = rng.standard_normal((4, 3))
        g = rng.uniform(0.5, 2, (4, 1)) if fn.dim == 0 else np.array(1.5)
        autograd.gradcheck(lambda g, v: fn(g, v), (autograd.tensor(g, requires_grad=True),
                                                   autograd.tensor(v, requires_grad=True)))
    else:
        x = rng.standard_normal(tuple(fn.shape)) * 0.5
        autograd.gradcheck(fn, (autograd.tensor(x, requires_grad=True),))


def test_spectral_norm_gradient_against_finite_differences():
    sn = PZ._SpectralNorm(autograd.randn(4, 3, dtype=autograd.float64)).eval()
    w = np.random.default_rng(7).standard_normal((4, 3))
    autograd.gradcheck(sn, (autograd.tensor(w, requires_grad=True),))
