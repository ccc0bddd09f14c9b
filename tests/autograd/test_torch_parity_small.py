"""Small differences from torch that ported code meets, each run in both engines: comparison
promotion, inferred float64, pow with numpy scalars, abs(), == None, 0-d tensors as sizes,
torch's keyword names, softmax's dtype, scatter's reduce, square of bools, and the inputs
torch refuses."""
import warnings

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")
LIBS = [autograd, torch]


def _both(fn):
    """fn(lib) for both engines, values made comparable (lists, dtype names, shapes)."""
    def plain(v):
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        if isinstance(v, (autograd.Tensor, torch.Tensor)):
            return (str(v.dtype).replace("torch.", ""), v.tolist())
        if hasattr(v, "__iter__") and not isinstance(v, str):   # shapes
            return tuple(v)
        return str(v).replace("torch.", "") if not isinstance(v, (bool, int, float)) else v
    return [plain(fn(lib)) for lib in LIBS]


def _same(fn):
    ours, theirs = _both(fn)
    assert ours == theirs


def test_comparisons_promote_as_arithmetic_does():
    _same(lambda L: [L.tensor([0.1]) == L.tensor(0.1, dtype=L.float64),
                     L.tensor([0.1]) == np.float64(0.1),
                     L.tensor([16777217]) == L.tensor([16777216.0]),
                     L.tensor([16777216.0]) < L.tensor(16777217),
                     L.tensor([1, 2], dtype=L.uint8) > -1,
                     L.tensor([1, 2]) <= 1.5, L.tensor([True, False]) == 1,
                     L.tensor([1.0, 2.0]).eq(L.tensor(2.0, dtype=L.float64))])


def test_equality_with_no_operand_is_identity_and_abs_works():
    _same(lambda L: [L.tensor([1, 2]) == None, L.tensor([1, 2]) != None,  # noqa: E711
                     L.tensor([1.0]) == "a", abs(L.tensor([-1.5, 2.0]))])
    with pytest.raises(TypeError, match="less: cannot compare a tensor of shape"):
        autograd.tensor([1.0]) < None


def test_float64_elements_give_a_float64_tensor():
    _same(lambda L: [L.tensor([L.tensor(0.1, dtype=L.float64), L.tensor(0.2, dtype=L.float64)]),
                     L.tensor([np.float64(0.1), np.float64(0.2)]),
                     L.tensor([[0.1], [np.float64(2)]]), L.as_tensor([np.float64(0.1)]),
                     L.tensor([0.1, 0.2]), L.tensor([np.float32(1.0), 2.0]), L.tensor([1, 2.5])])


def test_pow_with_numpy_scalars_keeps_the_tensors_dtype():
    _same(lambda L: [L.tensor([2, 3], dtype=L.int32) ** np.int64(2),
                     L.pow(L.tensor([2, 3], dtype=L.int32), np.int64(2)),
                     L.tensor([2, 3]) ** np.float32(0.5), L.tensor([True, False]) ** np.float32(0.5),
                     L.tensor([2.0, 3.0]) ** np.float64(2), np.float32(2) ** L.tensor([1.0, 2.0])])


def test_zero_dim_integer_tensors_are_sizes():
    def sizes(L):
        n = L.tensor([2, 5, 3]).max()
        return [L.zeros(3, n).shape, L.ones(n).shape, L.empty(n, 2).shape, L.full((n,), 1.0).shape,
                L.randn(n).shape, L.ones(1, 2).expand(n, 2).shape, L.ones(2).repeat(n).shape,
                L.ones(3, 4).repeat_interleave(L.tensor([2]), dim=1).shape]
    _same(sizes)


def test_torchs_keyword_names_and_softmax_dtype():
    def calls(L):
        x = L.arange(6.0).reshape(2, 3)
        return [x.permute(dims=(1, 0)), x.flip(dims=[0]), x.tile(dims=(2,)),
                x.reshape(shape=(3, 2)), x.view(size=(3, 2)), L.ones(1, 3).expand(size=(2, 3)),
                x.split(split_size=1), x.softmax(0, dtype=L.float64).dtype,
                L.softmax(x, 1, dtype=L.float64).dtype, x.log_softmax(-1, dtype=L.float64).dtype]
    _same(calls)
    with pytest.raises(TypeError, match="permute: takes its sizes positionally or as dims="):
        autograd.ones(2, 3).permute(1, 0, dims=(1, 0))


@pytest.mark.parametrize("call", [lambda L: L.arange(5.0).split([-1, 6]),
                                  lambda L: L.ones(4).view(-2, 2),
                                  lambda L: L.ones(4).reshape(-3, 2),
                                  lambda L: L.ones(2, 3, 4).t()])
def test_inputs_torch_refuses_are_refused(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(ValueError, match="split|view|reshape|t:"):
        call(autograd)


def test_scatter_reduce_forms_and_bool_square_and_negation():
    def calls(L):
        x = L.tensor([1.0, 2.0, 3.0], dtype=L.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch deprecates reduce= with a src tensor
            return [x.scatter(0, L.tensor([0, 0, 2]), L.tensor([2.0, 3.0, 4.0], dtype=L.float64),
                              reduce="multiply"),
                    L.ones(3).scatter(0, L.tensor([0, 0]), 2.0, reduce="add"),
                    L.ones(2, 2).scatter(1, L.tensor([[0], [1]]), 3.0, reduce="multiply"),
                    L.square(L.tensor([True, False]))]
    _same(calls)
    with pytest.raises(TypeError, match="neg: the `-` operator on a bool tensor"):
        -autograd.tensor([True])


def test_grad_fn_next_functions_walk_the_graph_down_to_the_leaves():
    def walk(L):
        x, w, c = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True), L.ones(2)
        fn = ((x * w + c).sum()).grad_fn
        shape, leaves, stack = [], [], [fn]
        while stack:
            f = stack.pop()
            shape.append(len(f.next_functions))
            for g, k in f.next_functions:
                assert k == 0
                if g is not None and hasattr(g, "variable"):
                    leaves.append(g.variable is x or g.variable is w)
                elif g is not None:
                    stack.append(g)
        return shape, leaves
    _same(walk)


def test_reversed_flips_dim_0():
    _same(lambda L: [reversed(L.arange(6).reshape(2, 3)), reversed(L.tensor(3.0))])
