"""dtypes as PyTorch users see them: autograd.float32 and x.dtype have torch's attributes and
print as torch's, and still work wherever numpy takes a dtype."""
import copy
import pickle

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

NAMES = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128", "int8", "int16",
         "int32", "int64", "uint8", "bool", "half", "double", "float", "long", "int", "short",
         "cfloat", "cdouble"]


@pytest.mark.parametrize("name", NAMES)
def test_attributes_and_repr_are_torch_s(name):
    ours, theirs = getattr(autograd, name), getattr(torch, name)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert isinstance(ours, autograd.dtype)


@pytest.mark.parametrize("name", ["float32", "float64", "complex64", "complex128"])
def test_to_real_and_to_complex(name):
    ours, theirs = getattr(autograd, name), getattr(torch, name)
    assert repr(ours.to_real()) == repr(theirs.to_real())
    assert repr(ours.to_complex()) == repr(theirs.to_complex())


def test_a_tensor_s_dtype_is_the_named_one():
    x = autograd.randn(2, 3)
    assert x.dtype is autograd.float32 and x.double().dtype is autograd.float64
    assert autograd.tensor([1, 2]).dtype is autograd.int64
    assert x.dtype.is_floating_point and not x.long().dtype.is_floating_point
    assert repr(autograd.zeros(1, 1).double()) == "tensor([[0.]], dtype=torch.float64)"
    assert autograd.get_default_dtype() is autograd.float32
    assert autograd.promote_types(autograd.int64, autograd.float32) is autograd.float32
    assert autograd.result_type(x, 2.0) is autograd.float32


def test_it_equals_and_hashes_as_numpy_s_dtype():
    f = autograd.float32
    assert f == np.float32 and np.float32 == f and f == np.dtype("float32") and f == "float32"
    assert np.dtype("float32") == f and f != np.float64 and f != autograd.float64
    assert f in (np.float32, np.float64) and {np.dtype(np.float32): 1}[f] == 1
    assert f != autograd.bfloat16 and autograd.bfloat16 != f and f != None  # noqa: E711
    assert f.kind == "f" and f.type is np.float32 and f.name == "float32"


def test_numpy_takes_it_as_a_dtype():
    f = autograd.float64
    assert np.zeros(2, f).dtype == np.float64 and np.ones(2).astype(f).dtype == np.float64
    assert np.finfo(f).eps == np.finfo(np.float64).eps and np.issubdtype(f, np.floating)
    assert autograd.zeros(2, dtype=f).dtype is f and autograd.ones(2).to(f).dtype is f
    with pytest.raises(TypeError, match="bfloat16 is not supported"):
        np.zeros(2, autograd.bfloat16)


def test_it_pickles_and_copies_as_itself():
    for d in (autograd.float32, autograd.int64, autograd.bfloat16, autograd.bool):
        assert pickle.loads(pickle.dumps(d)) is d
        assert copy.deepcopy(d) is d and copy.copy(d) is d
    buf = __import__("io").BytesIO()
    autograd.save({"dtype": autograd.float64}, buf)
    buf.seek(0)
    assert autograd.load(buf, weights_only=False)["dtype"] is autograd.float64


def test_a_parameter_init_loop_as_torch_code_writes_it():
    model = autograd.nn.Linear(3, 2)
    model.register_buffer("steps", autograd.zeros(1, dtype=autograd.int64))
    floats = [n for n, t in list(model.named_parameters()) + list(model.named_buffers())
              if t.dtype.is_floating_point]
    assert floats == ["weight", "bias"]


def test_grad_fn_prints_as_torch_s():
    x = autograd.ones(2, requires_grad=True)
    t = torch.ones(2, requires_grad=True)
    assert repr((x * 2).grad_fn).startswith("<MulBackward0 object at 0x")
    assert repr(x * 2) == repr(t * 2) and repr(x.sum()) == repr(t.sum())
    assert (x * 2).grad_fn.name() == (t * 2).grad_fn.name() == "MulBackward0"

    def double(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        return Double
    ours, theirs = double(autograd).apply(x), double(torch).apply(t)
    assert ours.grad_fn.name() == theirs.grad_fn.name() == "DoubleBackward"
    assert repr(ours) == repr(theirs)


def test_size_prints_and_slices_as_torch_s():
    ours, theirs = autograd.ones(2, 3, 4).shape, torch.ones(2, 3, 4).shape
    assert repr(ours) == repr(theirs) == "torch.Size([2, 3, 4])" and str(ours) == str(theirs)
    assert repr(ours[1:]) == repr(theirs[1:]) and repr(ours + (5,)) == repr(theirs + (5,))
    assert ours[0] == 2 and ours == (2, 3, 4) and repr(autograd.zeros(()).shape) == "torch.Size([])"
    with pytest.raises(RuntimeError, match=r"shape \(2, 3, 4\)"):   # messages keep tuples
        autograd.ones(2, 3, 4).reshape(5, 5)
