"""einsum, mm, bmm, tril and triu: values and gradients against torch, gradcheck, dtypes and
torch's shape checks."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import arrays, check_float32, check_op

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=15)

EINSUM = [  # equation, operand shapes
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ba,ac", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 4)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->i", [(1,), (3,)]),
    (",i->i", [(), (3,)]),
    ("->", [()]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("ij,ij,ij->", [(2, 3), (2, 3), (2, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij->...", [(2, 3, 4)]),
    ("...ij->ij", [(2, 3, 4)]),  # numpy refuses to sum an ellipsis; torch sums it
    ("b...,b...->...", [(2, 3), (2, 1)]),
    ("i...", [(2, 3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM, ids=[e[0] for e in EINSUM])
@settings(deadline=None, max_examples=5)
@given(data=st.data())
def test_einsum_matches_torch_and_gradcheck(equation, shapes, data):
    xs = [data.draw(arrays(s)) for s in shapes]
    ref = None if equation == "...ij->ij" else (lambda *a: np.einsum(equation, *a))
    check_op(lambda *ts: autograd.einsum(equation, *ts), lambda *ts: torch.einsum(equation, *ts),
             *xs, numpy_ref=ref)
    check_op(lambda *ts: autograd.einsum(equation, list(ts)),
             lambda *ts: torch.einsum(equation, list(ts)), *xs, gradcheck=False)


def test_einsum_float32_integers_and_errors():
    check_float32(lambda a, b: autograd.einsum("ij,jk->ik", a, b), np.ones((2, 3)),
                  np.ones((3, 2)))
    ours = autograd.einsum("ij,j->i", autograd.tensor([[1, 2], [3, 4]]), autograd.tensor([1, 1]))
    assert ours.dtype == np.int64 and ours.tolist() == [3, 7]
    a, b = autograd.ones(2, 3), autograd.ones(4, 2)
    with pytest.raises(ValueError, match=r"einsum: operands of shapes \[\(2, 3\), \(4, 2\)\]"):
        autograd.einsum("ij,jk->ik", a, b)
    with pytest.raises(ValueError, match="2 operand terms but 1 operands"):
        autograd.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match=r"3 labels for an operand of shape \(2, 3\)"):
        autograd.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="appear in an input"):
        autograd.einsum("ij->k", a)
    with pytest.raises(ValueError, match="distinct"):
        autograd.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="letters"):
        autograd.einsum("i1->i", a)
    with pytest.raises(RuntimeError, match="same dtype"):
        autograd.einsum("ij,ij->", a, autograd.ones(2, 3, dtype=autograd.float64))
    with pytest.raises(TypeError, match="equation must be a str"):
        autograd.einsum(1, a)


# ----------------------------------------------------------------- mm / bmm
@SETTINGS
@given(data=st.data(), n=st.integers(0, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       b=st.integers(1, 3))
def test_mm_bmm_match_torch(data, n, k, m, b):
    x, y = data.draw(arrays((n, k))), data.draw(arrays((k, m)))
    check_op(autograd.mm, torch.mm, x, y, numpy_ref=np.matmul)
    check_op(lambda p, q: p.mm(q), lambda p, q: p.mm(q), x, y, gradcheck=False)
    x3, y3 = data.draw(arrays((b, n, k))), data.draw(arrays((b, k, m)))
    check_op(autograd.bmm, torch.bmm, x3, y3, numpy_ref=np.matmul)
    check_op(lambda p, q: p.bmm(q), lambda p, q: p.bmm(q), x3, y3, gradcheck=False)


def test_mm_bmm_shape_checks():
    check_float32(autograd.mm, np.ones((2, 3)), np.ones((3, 2)))
    check_float32(autograd.bmm, np.ones((2, 2, 3)), np.ones((2, 3, 2)))
    with pytest.raises(RuntimeError, match=r"mm: both operands must be matrices .*\(3,\)"):
        autograd.mm(autograd.ones(3), autograd.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"\(2, 3\) and \(2, 2\) cannot be multiplied"):
        autograd.mm(autograd.ones(2, 3), autograd.ones(2, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        autograd.mm(autograd.ones(2, 3), autograd.ones(3, 2, dtype=autograd.float64))
    with pytest.raises(RuntimeError, match="bmm: both operands must be 3-D"):
        autograd.bmm(autograd.ones(2, 3), autograd.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"\(2, 2, 3\) and \(1, 3, 2\)"):  # no broadcasting
        autograd.bmm(autograd.ones(2, 2, 3), autograd.ones(1, 3, 2))
    with pytest.raises(RuntimeError, match=r"\(2, 2, 3\) and \(2, 2, 2\)"):
        autograd.bmm(autograd.ones(2, 2, 3), autograd.ones(2, 2, 2))


# ----------------------------------------------------------------- tril / triu
@pytest.mark.parametrize("name", ["tril", "triu"])
@SETTINGS
@given(data=st.data(), shape=st.lists(st.integers(0, 4), min_size=2, max_size=4).map(tuple),
       diagonal=st.integers(-4, 4))
def test_tril_triu_match_torch(name, data, shape, diagonal):
    x = data.draw(arrays(shape))
    check_op(lambda t: getattr(autograd, name)(t, diagonal),
             lambda t: getattr(torch, name)(t, diagonal), x,
             numpy_ref=lambda a: getattr(np, name)(a, diagonal))
    check_op(lambda t: getattr(t, name)(diagonal=diagonal),
             lambda t: getattr(t, name)(diagonal=diagonal), x, gradcheck=False)


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu_dtypes_and_errors(name):
    check_float32(lambda t: getattr(t, name)(), np.ones((3, 3)))
    ints = getattr(autograd.tensor([[1, 2], [3, 4]]), name)()
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.data, getattr(torch, name)(torch.tensor([[1, 2], [3, 4]])))
    bools = getattr(autograd.ones(2, 2).bool(), name)(1)
    assert bools.dtype == np.bool_
    with pytest.raises(RuntimeError, match=rf"{name}: input tensor must have at least 2 dim"):
        getattr(autograd, name)(autograd.ones(3))
    with pytest.raises(TypeError, match="diagonal must be an int"):
        getattr(autograd.ones(2, 2), name)(0.5)
