"""nn.utils.prune against torch.nn.utils.prune: masks of the deterministic methods on the same
weights (all values distinct, so no ties), counts of the random ones, composed pruning,
state_dict keys, gradients, remove, is_pruned and torch's error messages."""
import math

import numpy as np
import pytest

import autograd
import nn
from nn.utils import prune

torch = pytest.importorskip("torch")
tprune = pytest.importorskip("torch.nn.utils.prune")

LAYERS = {   # name -> (make(lib.nn), input shape)
    "linear": (lambda L: L.Linear(6, 4), (3, 6)),
    "conv2d": (lambda L: L.Conv2d(3, 5, 2), (2, 3, 4, 4)),
}


def pair(kind, seed=0):
    """The same layer in both libraries, with distinct weights of distinct channel norms."""
    make, in_shape = LAYERS[kind]
    ours, theirs = make(nn), make(torch.nn)
    rng = np.random.default_rng(seed)
    params = list(theirs.named_parameters())
    total = sum(p.numel() for _, p in params)
    flat = (rng.permutation(total) + 1.0) * rng.choice([-1.0, 1.0], total) / 7   # k / 7
    start = 0
    for name, p in params:
        values = flat[start:start + p.numel()].reshape(p.shape).astype(np.float32)
        start += p.numel()
        p.data = torch.tensor(values)
        getattr(ours, name).data = values.copy()
    x = rng.standard_normal(in_shape).astype(np.float32)
    return ours, theirs, x


def same_masks(ours, theirs, name="weight"):
    np.testing.assert_array_equal(getattr(ours, name + "_mask").numpy(),
                                  getattr(theirs, name + "_mask").numpy())


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("amount", [0, 0.0, 0.25, 0.5, 7, 1.0])
def test_l1_unstructured_mask_is_torchs(kind, amount):
    ours, theirs, _ = pair(kind)
    prune.l1_unstructured(ours, "weight", amount)
    tprune.l1_unstructured(theirs, "weight", amount)
    same_masks(ours, theirs)
    assert ours.weight_mask.dtype == autograd.float32


@pytest.mark.parametrize("amounts", [(0.5, 0.5), (0.3, 4), (5, 0.2), (6, 6)])
def test_successive_l1_pruning_counts_only_the_unpruned(amounts):
    ours, theirs, _ = pair("linear")
    left = 24
    for amount in amounts:
        prune.l1_unstructured(ours, "weight", amount)
        tprune.l1_unstructured(theirs, "weight", amount)
        left -= amount if isinstance(amount, int) else round(amount * left)
        same_masks(ours, theirs)
        assert ours.weight_mask.numpy().sum() == left
    hooks = [h for h, _ in ours._forward_pre_hooks.values()]
    assert len(hooks) == 1 and isinstance(hooks[0], prune.PruningContainer)
    assert [type(m) for m in hooks[0]] == [prune.L1Unstructured] * 2


@pytest.mark.parametrize("n", [1, 2, math.inf, -math.inf, "fro"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_ln_structured_mask_is_torchs(n, dim):
    ours, theirs, _ = pair("linear" if n == "fro" else "conv2d")   # 'fro': at most 2 dims
    prune.ln_structured(ours, "weight", 0.4, n=n, dim=dim)
    tprune.ln_structured(theirs, "weight", 0.4, n=n, dim=dim)
    same_masks(ours, theirs)


def test_structured_then_unstructured_then_structured_compose_as_torch():
    ours, theirs, _ = pair("conv2d", seed=3)
    steps = [(prune.ln_structured, tprune.ln_structured, dict(amount=2, n=1, dim=0)),
             (prune.l1_unstructured, tprune.l1_unstructured, dict(amount=0.3)),
             (prune.ln_structured, tprune.ln_structured, dict(amount=0.5, n=2, dim=1))]
    for mine, torchs, kw in steps:
        mine(ours, "weight", **kw)
        torchs(theirs, "weight", **kw)
        same_masks(ours, theirs)


def test_importance_scores_rank_instead_of_the_weights():
    ours, theirs, _ = pair("linear")
    scores = np.random.default_rng(5).permutation(24).reshape(4, 6).astype(np.float32)
    prune.l1_unstructured(ours, "weight", 10, importance_scores=autograd.tensor(scores))
    tprune.l1_unstructured(theirs, "weight", 10, importance_scores=torch.tensor(scores))
    same_masks(ours, theirs)
    assert (ours.weight_mask.numpy() == 0).sum() == 10
    ours, theirs, _ = pair("conv2d")
    scores = np.random.default_rng(6).standard_normal((5, 3, 2, 2)).astype(np.float32)
    prune.ln_structured(ours, "weight", 2, n=1, dim=0, importance_scores=autograd.tensor(scores))
    tprune.ln_structured(theirs, "weight", 2, n=1, dim=0, importance_scores=torch.tensor(scores))
    same_masks(ours, theirs)


@pytest.mark.parametrize("amount", [0.3, 11])
def test_global_unstructured_is_torchs(amount):
    (a, ta, _), (b, tb, _) = pair("linear", 1), pair("conv2d", 2)
    prune.l1_unstructured(a, "bias", 1)             # an already pruned tensor joins in
    tprune.l1_unstructured(ta, "bias", 1)
    scores = (np.random.default_rng(7).permutation(60) + 0.5) / 3   # never k / 7: no ties
    scores = scores.reshape(5, 3, 2, 2).astype(np.float32)
    prune.global_unstructured([(a, "weight"), (a, "bias"), (b, "weight")],
                              pruning_method=prune.L1Unstructured, amount=amount,
                              importance_scores={(b, "weight"): autograd.tensor(scores)})
    tprune.global_unstructured([(ta, "weight"), (ta, "bias"), (tb, "weight")],
                               pruning_method=tprune.L1Unstructured, amount=amount,
                               importance_scores={(tb, "weight"): torch.tensor(scores)})
    for mine, theirs, name in [(a, ta, "weight"), (a, ta, "bias"), (b, tb, "weight")]:
        same_masks(mine, theirs, name)


def test_global_random_unstructured_prunes_the_right_count():
    autograd.manual_seed(0)
    (a, _, _), (b, _, _) = pair("linear"), pair("conv2d")
    prune.global_unstructured(((m, "weight") for m in (a, b)),   # a generator is enough
                              pruning_method=prune.RandomUnstructured, amount=0.25)
    pruned = sum((m.weight_mask.numpy() == 0).sum() for m in (a, b))
    assert pruned == round(0.25 * (24 + 60))


def test_global_unstructured_rejects_what_torch_rejects():
    lin, _, _ = pair("linear")
    with pytest.raises(TypeError, match="parameters is not an Iterable"):
        prune.global_unstructured(3, prune.L1Unstructured, amount=1)
    with pytest.raises(TypeError, match="importance_scores must be of type dict"):
        prune.global_unstructured([(lin, "weight")], prune.L1Unstructured,
                                  importance_scores=[1], amount=1)
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE'):
        prune.global_unstructured([(lin, "weight")], prune.RandomStructured, amount=1)


@pytest.mark.parametrize("amount", [0.35, 5])
def test_random_unstructured_prunes_the_right_count_reproducibly(amount):
    masks = []
    for _ in range(2):
        autograd.manual_seed(11)
        lin, theirs, _ = pair("linear")
        prune.random_unstructured(lin, "weight", amount)
        tprune.random_unstructured(theirs, "weight", amount)
        mask = lin.weight_mask.numpy()
        assert set(np.unique(mask)) <= {0.0, 1.0}
        assert (mask == 0).sum() == (theirs.weight_mask.numpy() == 0).sum()
        masks.append(mask)
    np.testing.assert_array_equal(*masks)
    prune.random_unstructured(lin, "weight", 0.5)      # half of what is left
    left = 24 - (masks[0] == 0).sum()
    assert lin.weight_mask.numpy().sum() == left - round(0.5 * left)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_random_structured_masks_whole_channels(dim):
    autograd.manual_seed(3)
    conv, theirs, _ = pair("conv2d")
    prune.random_structured(conv, "weight", 0.5, dim=dim)
    tprune.random_structured(theirs, "weight", 0.5, dim=dim)
    def dead(mask):
        axes = tuple(d for d in range(4) if d != dim % 4)
        per_channel = mask.sum(axis=axes)
        assert set(np.unique(mask.max(axis=axes) == mask.min(axis=axes))) == {True}
        return int((per_channel == 0).sum())
    assert dead(conv.weight_mask.numpy()) == dead(theirs.weight_mask.numpy())
    prune.random_structured(conv, "weight", 1, dim=dim)   # one more of the live channels
    assert dead(conv.weight_mask.numpy()) == dead(theirs.weight_mask.numpy()) + 1


def test_custom_from_mask_and_identity():
    lin, theirs, _ = pair("linear")
    prune.identity(lin, "weight")
    tprune.identity(theirs, "weight")
    same_masks(lin, theirs)
    mask = (np.arange(24).reshape(4, 6) % 3 != 0).astype(np.float32)
    prune.custom_from_mask(lin, "weight", autograd.tensor(mask))
    tprune.custom_from_mask(theirs, "weight", torch.tensor(mask))
    same_masks(lin, theirs)
    prune.custom_from_mask(lin, "weight", autograd.tensor(mask[::-1].copy()))   # composes
    np.testing.assert_array_equal(lin.weight_mask.numpy(), mask * mask[::-1])


@pytest.mark.parametrize("kind", LAYERS)
def test_forward_state_dict_and_gradients_are_torchs(kind):
    ours, theirs, x = pair(kind)
    prune.l1_unstructured(ours, "weight", 0.4)
    tprune.l1_unstructured(theirs, "weight", 0.4)
    prune.l1_unstructured(ours, "bias", 1)
    tprune.l1_unstructured(theirs, "bias", 1)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert not isinstance(ours.weight, nn.Parameter)

    ours.weight_orig.data = ours.weight_orig.numpy() * 2   # the hook recomputes weight
    theirs.weight_orig.data = theirs.weight_orig.data * 2
    out, tout = ours(autograd.tensor(x)), theirs(torch.tensor(x))
    close = lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5,   # float32 sums
                                                    atol=1e-5 * np.abs(b).max())
    close(out.numpy(), tout.detach().numpy())
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for name in ("weight_orig", "bias_orig"):
        grad = getattr(ours, name).grad.numpy()
        close(grad, getattr(theirs, name).grad.numpy())
        mask = getattr(ours, name.replace("orig", "mask")).numpy()
        assert (grad[mask == 0] == 0).all() and (grad[mask == 1] != 0).any()


def test_state_dict_loads_into_a_pruned_module():
    src, _, _ = pair("linear", 1)
    prune.l1_unstructured(src, "weight", 0.5)
    dst = nn.Linear(6, 4)
    prune.identity(dst, "weight")
    dst.load_state_dict(src.state_dict())
    np.testing.assert_array_equal(dst.weight_mask.numpy(), src.weight_mask.numpy())
    x = autograd.randn(2, 6)
    np.testing.assert_allclose(dst(x).numpy(), src(x).numpy())


def test_remove_makes_the_pruning_permanent():
    ours, theirs, _ = pair("linear")
    for mod, lib in ((ours, prune), (theirs, tprune)):
        lib.l1_unstructured(mod, "weight", 0.5)
        lib.l1_unstructured(mod, "weight", 3)
        lib.remove(mod, "weight")
    assert isinstance(ours.weight, nn.Parameter) and ours.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
    assert (ours.weight.numpy() == 0).sum() == 15
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    assert not prune.is_pruned(ours) and not ours._forward_pre_hooks
    with pytest.raises(ValueError, match="Parameter 'weight' of module .* has to be pruned "
                                         "before pruning can be removed"):
        prune.remove(ours, "weight")


def test_is_pruned_looks_into_submodules():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 2)))
    assert not prune.is_pruned(model)
    model[0].register_forward_pre_hook(lambda m, args: None)
    assert not prune.is_pruned(model)
    prune.random_unstructured(model[1][1], "bias", 1)
    assert prune.is_pruned(model) and prune.is_pruned(model[1]) and not prune.is_pruned(model[0])


@pytest.mark.parametrize("amount, error, message", [
    (-1, ValueError, r"amount=-1 should either be a float in the range \[0, 1\] or a "
                     r"non-negative integer"),
    (1.5, ValueError, r"amount=1.5 should either be a float in the range \[0, 1\]"),
    ("half", TypeError, "Invalid type for amount: half. Must be int or float."),
    (25, ValueError, "amount=25 should be smaller than the number of parameters to prune=24"),
])
def test_bad_amounts_raise_torchs_errors(amount, error, message):
    ours, theirs, _ = pair("linear")
    for mod, lib in ((ours, prune), (theirs, tprune)):
        with pytest.raises(error, match=message):
            lib.l1_unstructured(mod, "weight", amount)
        assert not lib.is_pruned(mod)
    # nothing is left half done: weight is a Parameter again, in torch's place
    assert isinstance(ours.weight, nn.Parameter) and "weight_orig" not in ours._parameters
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_other_misuse_raises_torchs_errors():
    lin, theirs, _ = pair("linear")
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        prune.l1_unstructured(lin, "wieght", 1)
    with pytest.raises(AssertionError, match="importance_scores should have the same shape"):
        prune.l1_unstructured(lin, "weight", 1, importance_scores=autograd.ones(3))
    with pytest.raises(ValueError, match="Structured pruning can only be applied to "
                                         "multidimensional tensors"):
        prune.ln_structured(lin, "bias", 1, n=2, dim=0)
    with pytest.raises(IndexError, match="Invalid index 2 for tensor of size"):
        prune.random_structured(lin, "weight", 1, dim=2)
    with pytest.raises(AssertionError, match="must match"):
        prune.custom_from_mask(lin, "weight", autograd.ones(6, 4))
    assert not prune.is_pruned(lin) and isinstance(lin.weight, nn.Parameter)
    with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
        prune.PruningContainer(prune.Identity()).add_pruning_method("l1")
    first, second = prune.L1Unstructured(1), prune.L1Unstructured(1)
    first._tensor_name, second._tensor_name = "weight", "bias"
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the "
                                         "parameter named 'weight'"):
        prune.PruningContainer(first, second)


def test_a_failed_second_pruning_keeps_the_first():
    lin, _, _ = pair("linear")
    prune.l1_unstructured(lin, "weight", 4)
    with pytest.raises(ValueError, match="number of parameters to prune=20"):
        prune.l1_unstructured(lin, "weight", 21)
    assert prune.is_pruned(lin) and lin.weight_mask.numpy().sum() == 20
    prune.remove(lin, "weight")
    assert (lin.weight.numpy() == 0).sum() == 4


def test_a_pruning_method_written_for_torch_works():
    class EveryOther(prune.BasePruningMethod):   # torch's tutorial example
        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    lin, _, _ = pair("linear")
    prune.l1_unstructured(lin, "bias", 1)
    EveryOther.apply(lin, "bias")          # on the 3 biases still unpruned
    assert lin.bias_mask.numpy().sum() == 1
    t = autograd.tensor([3.0, -1.0, 2.0, 0.5])
    np.testing.assert_array_equal(prune.L1Unstructured(amount=2).prune(t).numpy(),
                                  [3.0, 0.0, 2.0, 0.0])
    np.testing.assert_array_equal(EveryOther().prune(t).numpy(), [0.0, -1.0, 0.0, 0.5])


def test_import_paths():
    import autograd.nn.utils.prune as aliased
    assert aliased is prune is nn.utils.prune
    assert nn.utils.prune.l1_unstructured is prune.l1_unstructured
