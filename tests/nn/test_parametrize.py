"""nn.utils.parametrize against torch.nn.utils.parametrize: values, gradients, state_dict
keys, repr, right_inverse, chaining, removal and the cache."""
import copy
import pickle

import numpy as np
import pytest

import autograd
import nn
from nn.utils import parametrize as P

torch = pytest.importorskip("torch")
TP = torch.nn.utils.parametrize


def linear_pair(n_in=3, n_out=3, seed=0):
    """The same float64 Linear in both libraries."""
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    ours = nn.Linear(n_in, n_out, dtype=np.float64)
    ours.weight.data = w.copy()
    ours.bias.data = b.copy()
    theirs = torch.nn.Linear(n_in, n_out).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
        theirs.bias.copy_(torch.tensor(b))
    return ours, theirs


def both(factory):
    """factory(lib) -> a parametrization Module of lib (autograd's nn or torch.nn)."""
    return factory(nn), factory(torch.nn)


def symmetric(lib):
    class Symmetric(lib.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT
    return Symmetric()


def scaled(lib, c=2.0):
    """X -> c X, with its right_inverse."""
    class Scale(lib.Module):
        def forward(self, X):
            return X * c

        def right_inverse(self, X):
            return X / c
    return Scale()


def rank_one(lib):
    """(x, y) -> x y^T: a right_inverse returning two tensors (original0, original1)."""
    class RankOne(lib.Module):
        def forward(self, x, y):
            return x.unsqueeze(-1) @ y.unsqueeze(-2)

        def right_inverse(self, Z):
            return Z[:, 0] * 1.0, Z[0, :] / Z[0, 0]
    return RankOne()


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours),
                               theirs, rtol=rtol, atol=atol)


def run(ours, theirs, seed=1):
    """Forward both on the same input and backward the same cotangent."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, ours.in_features))
    v = rng.standard_normal((4, ours.out_features))
    y, ty = ours(autograd.tensor(x)), theirs(torch.tensor(x))
    assert_close(y, ty)
    (y * autograd.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()


@pytest.mark.parametrize("factory", [symmetric, scaled])
def test_forward_gradient_state_dict_and_repr_match_torch(factory):
    ours, theirs = linear_pair()
    p, tp = both(factory)
    P.register_parametrization(ours, "weight", p)
    TP.register_parametrization(theirs, "weight", tp)
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert list(ours.state_dict()) == list(theirs.state_dict()) \
        == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs).replace(type(tp).__name__, type(p).__name__)
    assert_close(ours.weight, theirs.weight)
    assert_close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    run(ours, theirs)
    assert_close(ours.parametrizations.weight.original.grad,
                 theirs.parametrizations.weight.original.grad)
    assert_close(ours.bias.grad, theirs.bias.grad)


def test_original_keeps_the_parameter_object():
    """The optimizer's reference stays valid: original is the module's old Parameter."""
    ours, _ = linear_pair()
    w = ours.weight
    P.register_parametrization(ours, "weight", scaled(nn))
    assert ours.parametrizations.weight.original is w
    assert isinstance(w, nn.Parameter) and "weight" not in ours._parameters


def test_chained_parametrizations_and_assignment_through_right_inverse():
    ours, theirs = linear_pair()
    for c in (2.0, -0.5):
        P.register_parametrization(ours, "weight", scaled(nn, c))
        TP.register_parametrization(theirs, "weight", scaled(torch.nn, c))
    assert len(ours.parametrizations.weight) == 2
    assert_close(ours.weight, theirs.weight)
    assert_close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    target = np.arange(9.0).reshape(3, 3)
    ours.weight = autograd.tensor(target)
    with torch.no_grad():
        theirs.weight = torch.tensor(target)
    assert_close(ours.weight, target)
    assert_close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    run(ours, theirs)
    assert_close(ours.parametrizations.weight.original.grad,
                 theirs.parametrizations.weight.original.grad)


def test_assignment_without_right_inverse_raises():
    ours, _ = linear_pair()
    P.register_parametrization(ours, "weight", symmetric(nn))
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        ours.weight = autograd.zeros(3, 3, dtype=autograd.float64)


def test_right_inverse_with_several_tensors():
    ours, theirs = linear_pair(4, 3)
    P.register_parametrization(ours, "weight", rank_one(nn))
    TP.register_parametrization(theirs, "weight", rank_one(torch.nn))
    keys = ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == keys
    for i in range(2):
        assert_close(getattr(ours.parametrizations.weight, f"original{i}"),
                     getattr(theirs.parametrizations.weight, f"original{i}"))
    run(ours, theirs)
    for i in range(2):
        assert_close(getattr(ours.parametrizations.weight, f"original{i}").grad,
                     getattr(theirs.parametrizations.weight, f"original{i}").grad)
    with pytest.raises(ValueError, match="sequence of tensors"):
        P.remove_parametrizations(ours, "weight", leave_parametrized=False)
    P.remove_parametrizations(ours, "weight")
    TP.remove_parametrizations(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    assert_close(ours.weight, theirs.weight)
    assert isinstance(ours.weight, nn.Parameter)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_matches_torch(leave):
    ours, theirs = linear_pair()
    w = ours.weight
    P.register_parametrization(ours, "weight", scaled(nn, 3.0))
    TP.register_parametrization(theirs, "weight", scaled(torch.nn, 3.0))
    P.register_parametrization(ours, "bias", scaled(nn, 2.0))
    TP.register_parametrization(theirs, "bias", scaled(torch.nn, 2.0))
    P.remove_parametrizations(ours, "weight", leave_parametrized=leave)
    TP.remove_parametrizations(theirs, "weight", leave_parametrized=leave)
    assert ours.weight is w                   # the same Parameter, as torch
    assert_close(ours.weight, theirs.weight)
    assert type(ours).__name__ == "ParametrizedLinear"   # bias is still parametrized
    assert P.is_parametrized(ours) and not P.is_parametrized(ours, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    P.remove_parametrizations(ours, "bias")
    TP.remove_parametrizations(theirs, "bias")
    assert type(ours) is nn.Linear and "parametrizations" not in ours._modules
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert_close(ours.bias, theirs.bias)
    with pytest.raises(ValueError, match="does not have a parametrization"):
        P.remove_parametrizations(ours, "weight")


def test_is_parametrized_and_type_before():
    ours, _ = linear_pair()
    assert not P.is_parametrized(ours) and P.type_before_parametrizations(ours) is nn.Linear
    P.register_parametrization(ours, "weight", symmetric(nn))
    assert P.is_parametrized(ours) and P.is_parametrized(ours, "weight")
    assert not P.is_parametrized(ours, "bias")
    assert P.type_before_parametrizations(ours) is nn.Linear
    assert isinstance(ours, nn.Linear)


def test_other_instances_and_the_class_are_untouched():
    """The property lives on a per-instance subclass: nn.Linear itself gains nothing."""
    ours, _ = linear_pair()
    plain = nn.Linear(3, 3)
    P.register_parametrization(ours, "weight", symmetric(nn))
    assert "weight" not in nn.Linear.__dict__ and type(plain) is nn.Linear
    assert isinstance(plain.weight, nn.Parameter)


def test_buffer_parametrization():
    ours = nn.Module()
    ours.register_buffer("table", autograd.tensor(np.arange(4.0).reshape(2, 2)))
    P.register_parametrization(ours, "table", scaled(nn, 10.0))
    theirs = torch.nn.Module()
    theirs.register_buffer("table", torch.arange(4.0, dtype=torch.float64).reshape(2, 2))
    TP.register_parametrization(theirs, "table", scaled(torch.nn, 10.0))
    assert list(ours.state_dict()) == list(theirs.state_dict()) \
        == ["parametrizations.table.original"]
    assert "original" in ours.parametrizations.table._buffers
    assert_close(ours.table, theirs.table)


def test_cached_computes_once_per_block():
    calls = []

    class Counted(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 2

    ours, _ = linear_pair()
    P.register_parametrization(ours, "weight", Counted())
    calls.clear()
    ours.weight, ours.weight
    assert len(calls) == 2
    calls.clear()
    with P.cached():
        a = ours.weight
        with P.cached():
            b = ours.weight
        c = ours.weight          # the inner block's exit keeps the outer cache
    assert a is b is c and len(calls) == 1
    calls.clear()
    ours.weight
    assert len(calls) == 1


def test_unsafe_checks():
    class Grow(nn.Module):
        def forward(self, X):
            return autograd.cat([X, X], 0)

    ours, _ = linear_pair()
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(ours, "weight", Grow())
    assert type(ours) is nn.Linear and "weight" in ours._parameters   # nothing changed
    P.register_parametrization(ours, "weight", scaled(nn))
    with pytest.raises(ValueError, match="may not change the shape"):   # on a chain too
        P.register_parametrization(ours, "weight", Grow())
    assert len(ours.parametrizations.weight) == 1
    P.register_parametrization(ours, "weight", Grow(), unsafe=True)
    assert ours.weight.shape == (6, 3) and ours.parametrizations.weight.unsafe
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        P.register_parametrization(ours, "nothing", Grow())


def test_load_state_dict_and_optimizer_step_match_torch():
    import optim
    ours, theirs = linear_pair()
    P.register_parametrization(ours, "weight", symmetric(nn))
    TP.register_parametrization(theirs, "weight", symmetric(torch.nn))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    opt = optim.SGD(ours.parameters(), lr=0.1)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for step in range(3):
        opt.zero_grad()
        topt.zero_grad()
        run(ours, theirs, seed=step)
        opt.step()
        topt.step()
    assert_close(ours.weight, theirs.weight)
    np.testing.assert_allclose(ours.weight.numpy(), ours.weight.numpy().T)


def test_deepcopy_works_and_pickle_refuses():
    ours, _ = linear_pair()
    P.register_parametrization(ours, "weight", scaled(nn))
    twin = copy.deepcopy(ours)
    assert type(twin).__name__ == "ParametrizedLinear"
    assert_close(twin.weight, ours.weight.numpy())
    assert twin.parametrizations.weight.original is not ours.parametrizations.weight.original
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(ours)


def test_transfer_parametrizations_and_params():
    ours, _ = linear_pair()
    P.register_parametrization(ours, "weight", scaled(nn, 4.0))
    other = nn.Linear(3, 3, dtype=np.float64)
    P.transfer_parametrizations_and_params(ours, other)
    assert other.parametrizations.weight.original is ours.parametrizations.weight.original
    assert_close(other.weight, ours.weight.numpy())
