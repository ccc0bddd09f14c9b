"""autograd._foreach_* against torch._foreach_*: values (in place and not), every form of the
second argument (number, list of numbers, list of tensors, one tensor, a 1-D tensor of
values), return types, gradients of the out-of-place forms, and torch's errors; plus an EMA
update and an Adam-like step written with them."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

SHAPES = [(2, 3), (4,), ()]


def lists(seed=0, positive=False):
    """The same float64 tensors for both libraries: (ours, theirs)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in SHAPES]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    return [autograd.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def assert_lists(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == tuple(b.shape) and a.dtype == b.numpy().dtype
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-12, atol=1e-14)


def other_forms(seed):
    """The second-argument forms torch accepts, as (ours, theirs) pairs."""
    o, t = lists(seed, positive=True)
    return {"scalar": (1.5, 1.5), "scalars": ([0.5, -2.0, 3.0], [0.5, -2.0, 3.0]),
            "tensors": (o, t), "one tensor": (autograd.tensor(2.5), torch.tensor(2.5))}


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("form", ["scalar", "scalars", "tensors", "one tensor"])
def test_binary_ops_in_place_and_not(op, form):
    other, t_other = other_forms(1)[form]
    ours, theirs = lists()
    out = getattr(autograd, f"_foreach_{op}")(ours, other)
    t_out = getattr(torch, f"_foreach_{op}")(theirs, t_other)
    assert isinstance(out, tuple) and isinstance(t_out, tuple)
    assert_lists(out, t_out)
    assert_lists(ours, theirs)                 # the inputs untouched
    returned = getattr(autograd, f"_foreach_{op}_")(ours, other)
    getattr(torch, f"_foreach_{op}_")(theirs, t_other)
    assert returned is ours
    assert_lists(ours, theirs)


@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha_with_tensor_lists(op):
    (ours, theirs), (o, t) = lists(), lists(2)
    assert_lists(getattr(autograd, f"_foreach_{op}")(ours, o, alpha=-0.5),
                 getattr(torch, f"_foreach_{op}")(theirs, t, alpha=-0.5))
    getattr(autograd, f"_foreach_{op}_")(ours, o, alpha=3)
    getattr(torch, f"_foreach_{op}_")(theirs, t, alpha=3)
    assert_lists(ours, theirs)


@pytest.mark.parametrize("weight", ["scalar", "scalars", "tensors"])
def test_lerp(weight):
    (ours, theirs), (end, t_end) = lists(), lists(3)
    w, tw = {"scalar": (0.25, 0.25), "scalars": ([0.1, 0.5, 0.9], [0.1, 0.5, 0.9]),
             "tensors": lists(4)}[weight]
    assert_lists(autograd._foreach_lerp(ours, end, w), torch._foreach_lerp(theirs, t_end, tw))
    assert autograd._foreach_lerp_(ours, end, w) is ours
    torch._foreach_lerp_(theirs, t_end, tw)
    assert_lists(ours, theirs)


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", ["default", "scalar", "scalars", "tensor"])
def test_addcmul_addcdiv(op, value):
    (ours, theirs), (a, ta), (b, tb) = lists(), lists(5), lists(6, positive=True)
    # torch's keyword is value= for a number and scalars= for a list or a tensor
    kw, tkw = {"default": ({}, {}), "scalar": ({"value": -0.5}, {"value": -0.5}),
               "scalars": ({"scalars": [1.0, 2.0, -3.0]}, {"scalars": [1.0, 2.0, -3.0]}),
               "tensor": ({"scalars": autograd.tensor([1.0, 2.0, -3.0])},
                          {"scalars": torch.tensor([1.0, 2.0, -3.0])})}[value]
    assert_lists(getattr(autograd, f"_foreach_{op}")(ours, a, b, **kw),
                 getattr(torch, f"_foreach_{op}")(theirs, ta, tb, **tkw))
    # and positionally, as optimizer code passes them
    getattr(autograd, f"_foreach_{op}_")(ours, a, b, *kw.values())
    getattr(torch, f"_foreach_{op}_")(theirs, ta, tb, *tkw.values())
    assert_lists(ours, theirs)


def test_zero_copy_and_unary():
    (ours, theirs), (src, t_src) = lists(positive=True), lists(7, positive=True)
    for op in ("sqrt", "neg", "abs", "exp", "reciprocal"):
        assert_lists(getattr(autograd, f"_foreach_{op}")(ours),
                     getattr(torch, f"_foreach_{op}")(theirs))
    autograd._foreach_sqrt_(ours)
    torch._foreach_sqrt_(theirs)
    assert_lists(ours, theirs)
    assert autograd._foreach_copy_(ours, src) is ours
    torch._foreach_copy_(theirs, t_src)
    assert_lists(ours, theirs)
    assert ours[0].data is not src[0].data           # copied, not aliased
    autograd._foreach_zero_(ours)
    torch._foreach_zero_(theirs)
    assert_lists(ours, theirs)


@pytest.mark.parametrize("ord", [2, 1, 3, 0, float("inf"), -float("inf")])
def test_norm(ord):
    ours, theirs = lists(8)
    assert_lists(autograd._foreach_norm(ours, ord), torch._foreach_norm(theirs, ord))


def test_norm_dtype_and_gradients_of_out_of_place_forms():
    rng = np.random.default_rng(9)
    arrays = [rng.standard_normal(s) for s in SHAPES[:2]]
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    for lib, xs in ((autograd, ours), (torch, theirs)):
        norms = lib._foreach_norm(lib._foreach_mul(xs, [2.0, -3.0]))
        lerped = lib._foreach_lerp(xs, lib._foreach_sqrt(lib._foreach_abs(xs)), 0.3)
        total = sum(n for n in norms) + sum((t * t).sum() for t in lerped)
        total.backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)
    f32 = [autograd.ones(3)]
    assert autograd._foreach_norm(f32, dtype=autograd.float64)[0].dtype == np.float64


def test_ema_and_adam_like_updates_match_torch():
    (ema, t_ema), (params, t_params) = lists(10), lists(11)
    (m, tm), (v, tv) = lists(12), lists(13, positive=True)
    with autograd.no_grad():
        for _ in range(3):
            autograd._foreach_lerp_(ema, params, 1 - 0.9)
            autograd._foreach_mul_(m, 0.9)
            autograd._foreach_add_(m, params, alpha=0.1)
            autograd._foreach_mul_(v, 0.999)
            autograd._foreach_addcmul_(v, params, params, 0.001)
            denom = autograd._foreach_add(autograd._foreach_sqrt(v), 1e-8)
            autograd._foreach_addcdiv_(params, m, denom, -0.01)
    for _ in range(3):
        torch._foreach_lerp_(t_ema, t_params, 1 - 0.9)
        torch._foreach_mul_(tm, 0.9)
        torch._foreach_add_(tm, t_params, alpha=0.1)
        torch._foreach_mul_(tv, 0.999)
        torch._foreach_addcmul_(tv, t_params, t_params, 0.001)
        t_denom = torch._foreach_add(torch._foreach_sqrt(tv), 1e-8)
        torch._foreach_addcdiv_(t_params, tm, t_denom, -0.01)
    for ours, theirs in ((ema, t_ema), (params, t_params), (m, tm), (v, tv)):
        assert_lists(ours, theirs)


def test_errors_as_torch():
    ours = [autograd.ones(2), autograd.ones(3)]
    with pytest.raises(RuntimeError, match="at least one tensor"):
        autograd._foreach_add([], 1.0)
    with pytest.raises(RuntimeError, match="same number of tensors, got 2 and 1"):
        autograd._foreach_add(ours, [autograd.ones(2)])
    with pytest.raises(RuntimeError, match="same number of elements as scalar list"):
        autograd._foreach_mul(ours, [1.0])
    with pytest.raises(TypeError):
        autograd._foreach_add(ours, 2.0, alpha=2)
    leaf = [autograd.ones(2, requires_grad=True)]
    with pytest.raises(RuntimeError, match="in place"):
        autograd._foreach_add_(leaf, 1.0)
    with pytest.raises(Exception, match="cast"):
        autograd._foreach_div_([autograd.tensor([1, 2])], 2)
