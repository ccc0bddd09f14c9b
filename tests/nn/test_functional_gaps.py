"""nn.functional_inplace and nn.init_more against torch: the in-place activations (values,
gradients when recorded on an op's output, refusal on a leaf), the *_with_indices pools, the
deprecated upsample_nearest / upsample_bilinear, and nn.init's dirac_, sparse_ and the
deprecated dirac / eye / sparse."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(31)

IN_PLACE = {"relu_": (), "leaky_relu_": (0.2,), "elu_": (0.5,), "celu_": (0.5,), "selu_": (),
            "hardtanh_": (-0.5, 0.25), "threshold_": (0.1, -3.0), "rrelu_": (0.1, 0.3)}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_activations_match_torch(name):
    v = RNG.standard_normal((3, 4))
    args = IN_PLACE[name]
    x, t = ag.tensor(v), torch.tensor(v)
    assert getattr(F, name)(x, *args) is x
    getattr(TF, name)(t, *args)
    np.testing.assert_allclose(x.data, t.numpy(), rtol=1e-12)
    # recorded on an op's output: the gradient flows through it, as in torch
    a, b = ag.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    ya, yb = a * 1.5, b * 1.5
    getattr(F, name)(ya, *args)
    getattr(TF, name)(yb, *args)
    w = RNG.standard_normal((3, 4))
    (ya * ag.tensor(w)).sum().backward()
    (yb * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(F, name)(ag.tensor(v, requires_grad=True), *args)


POOLS = {"max_pool1d_with_indices": ((2, 3, 9), (3,), {"stride": 2, "padding": 1}),
         "max_pool2d_with_indices": ((2, 3, 6, 7), (2,), {"ceil_mode": True}),
         "max_pool3d_with_indices": ((1, 2, 4, 4, 5), (2,), {}),
         "adaptive_max_pool1d_with_indices": ((2, 3, 9), (4,), {}),
         "adaptive_max_pool2d_with_indices": ((2, 3, 7, 6), ((3, 2),), {})}


@pytest.mark.parametrize("name", POOLS)
def test_with_indices_pools_return_both_as_torch(name):
    shape, args, kwargs = POOLS[name]
    v = RNG.standard_normal(shape)
    x, t = ag.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    (out, idx), (tout, tidx) = getattr(F, name)(x, *args, **kwargs), \
        getattr(TF, name)(t, *args, **kwargs)
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    w = RNG.standard_normal(out.shape)
    (out * ag.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)
    # return_indices=False is ignored by these names, as in torch
    assert len(getattr(F, name)(x, *args, **kwargs, return_indices=False)) == 2


@pytest.mark.parametrize("name,kwargs", [("upsample_nearest", {"scale_factor": 2}),
                                         ("upsample_nearest", {"size": (5, 7)}),
                                         ("upsample_bilinear", {"scale_factor": 2}),
                                         ("upsample_bilinear", {"size": (5, 3)})])
def test_deprecated_upsampling_matches_torch_and_warns(name, kwargs):
    v = RNG.standard_normal((2, 3, 4, 4))
    x, t = ag.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = getattr(F, name)(x, **kwargs)
    assert any("deprecated" in str(w.message) for w in seen)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = getattr(TF, name)(t, **kwargs)
    # atol: interpolation weights summed in another order cancel near 0 (1e-16 apart)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    w = RNG.standard_normal(out.shape)
    (out * ag.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------- init
@pytest.mark.parametrize("shape,groups", [((3, 16, 5), 1), ((4, 2, 3, 3), 1),
                                          ((6, 4, 3, 3), 3), ((2, 3, 3, 2, 2), 2),
                                          ((8, 2, 4, 4), 2)])
def test_dirac_matches_torch(shape, groups):
    w, tw = ag.empty(*shape), torch.empty(*shape)
    assert nn.init.dirac_(w, groups) is w
    torch.nn.init.dirac_(tw, groups)
    np.testing.assert_array_equal(w.data, tw.numpy())


def test_dirac_keeps_a_conv_input_intact_and_refuses_bad_shapes():
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight)
    x = ag.randn(2, 3, 5, 5)
    np.testing.assert_allclose(conv(x).data, x.data, atol=1e-6)
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        nn.init.dirac_(ag.empty(3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.init.dirac_(ag.empty(5, 3, 3), groups=2)


def test_sparse_zeros_the_right_count_per_column():
    ag.manual_seed(0)
    w = ag.empty(10, 50)
    assert nn.init.sparse_(w, 0.25, std=0.5) is w
    zeros = (w.data == 0).sum(0)
    assert (zeros == 3).all()                  # ceil(0.25 * 10) per column, as torch
    nonzero = w.data[w.data != 0]
    assert abs(nonzero.std() - 0.5) < 0.05
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.sparse_(ag.empty(3), 0.1)


def test_a_generator_makes_sparse_reproducible_in_its_values():
    a, b = ag.empty(6, 4), ag.empty(6, 4)
    nn.init.sparse_(a, 0.0, generator=ag.Generator().manual_seed(4))
    nn.init.sparse_(b, 0.0, generator=ag.Generator().manual_seed(4))
    np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("name,args", [("dirac", ((4, 2, 3),)), ("eye", ((3, 4),)),
                                       ("sparse", ((4, 3), 0.5))])
def test_deprecated_init_names_warn_and_work(name, args):
    t = ag.empty(*args[0])
    with pytest.warns(FutureWarning, match=f"nn.init.{name}_"):
        assert getattr(nn.init, name)(t, *args[1:]) is t
    with pytest.warns(FutureWarning, match=f"nn.init.{name}_"):
        getattr(torch.nn.init, name)(torch.empty(*args[0]), *args[1:])
