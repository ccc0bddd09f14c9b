"""Names ported PyTorch scripts use (torch.backends flags, finfo, legacy typed constructors,
autograd.Variable, set_printoptions, use_deterministic_algorithms) and torch.save/load on
file objects."""
import io

import numpy as np
import pytest

import autograd as torch
import nn


def test_backends_flags_are_settable_and_report_no_accelerators():
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = False
    assert not torch.backends.mps.is_available() and not torch.backends.cudnn.is_available()
    torch.use_deterministic_algorithms(True)
    assert torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)


def test_finfo_iinfo_size():
    assert torch.finfo(torch.float32).eps == np.finfo(np.float32).eps
    assert torch.iinfo(torch.int64).max == 2 ** 63 - 1
    assert torch.Size([2, 3]).numel() == 6 and torch.Size([2, 3]) == (2, 3)


def test_legacy_typed_constructors_and_type_conversion():
    x = torch.FloatTensor(2, 3)
    assert x.shape == (2, 3) and x.dtype == np.float32 and not x.data.any()
    assert torch.LongTensor([1, 2]).dtype == np.int64
    assert torch.DoubleTensor([1.5]).dtype == np.float64 and torch.FloatTensor().shape == (0,)
    assert isinstance(x, torch.FloatTensor) and not isinstance(x, torch.LongTensor)
    assert torch.ones(2, dtype=torch.int64).type(torch.FloatTensor).dtype == np.float32
    with pytest.raises(TypeError, match="FloatTensor"):
        torch.FloatTensor(2, [1.0])


def test_variable_is_the_tensor_itself():
    t = torch.ones(2)
    v = torch.autograd.Variable(t, requires_grad=True)
    assert v is t and v.requires_grad


def test_set_printoptions_changes_tensors_only():
    x = torch.tensor([1.23456, 2.0])
    try:
        torch.set_printoptions(precision=2)
        assert "1.23," in repr(x) and "1.23456" in np.array2string(np.array([1.23456]))
    finally:
        torch.set_printoptions(profile="default")
    assert repr(x) == "tensor([1.2346, 2.0000])"


def test_save_and_load_through_file_objects():
    m = nn.Linear(3, 2)
    buf = io.BytesIO()
    torch.save(m.state_dict(), buf)
    buf.seek(0)
    sd = torch.load(buf)
    np.testing.assert_array_equal(sd["weight"], m.weight.data)
    buf = io.BytesIO()
    torch.save({"epoch": 3, "model": m.state_dict()}, buf)
    buf.seek(0)
    back = torch.load(buf)
    assert back["epoch"] == 3 and list(back["model"]) == ["weight", "bias"]
    with pytest.raises(RuntimeError, match="not an .npz archive"):
        torch.load(io.BytesIO(b"garbage"))


def test_size_is_a_torch_size_and_legacy_constructors_take_it_as_a_shape():
    x = torch.ones(2, 3)
    assert isinstance(x.size(), torch.Size) and x.size() == (2, 3) and x.size(1) == 3
    y = torch.FloatTensor(x.size())
    assert y.shape == (2, 3) and not y.data.any()
    assert torch.FloatTensor((2, 3)).tolist() == [2.0, 3.0]   # a plain tuple is data, as torch
