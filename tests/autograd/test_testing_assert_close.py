"""autograd.testing against torch.testing: assert_close gives torch's verdict and torch's message
(dtypes and shapes printed the engine's way), assert_allclose its looser legacy defaults, and
make_tensor draws in torch's ranges."""
import re
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import assert_allclose, assert_close, make_tensor

torch = pytest.importorskip("torch")
T = torch.tensor
nan, inf = float("nan"), float("inf")


def ours_from(x):
    """The same input for this engine: torch tensors become Tensors (a transposed one stays a
    transposed view, a Parameter a Parameter), containers are converted item by item."""
    if isinstance(x, torch.nn.Parameter):
        return nn.Parameter(ag.tensor(x.detach().numpy()))
    if isinstance(x, torch.Tensor):
        if x.is_contiguous():
            return ag.tensor(x.detach().numpy())
        return ag.tensor(x.t().contiguous().numpy()).t()
    if isinstance(x, (list, tuple)):
        return type(x)(ours_from(v) for v in x)
    if isinstance(x, dict):
        return {k: ours_from(v) for k, v in x.items()}
    return x


def outcome(check, actual, expected, kwargs) -> str:
    try:
        check(actual, expected, **kwargs)
    except Exception as error:  # noqa: BLE001  (the exception type is part of the verdict)
        return f"{type(error).__name__}: {error}"
    return "OK"


def as_engine_prints(text: str) -> str:
    """torch's message with torch.Size([2, 3]) / torch.float32 written as (2, 3) / float32 and
    torch's class names as ours."""
    def size(m):
        inner = m.group(1)
        return f"({inner},)" if inner and "," not in inner else f"({inner})"
    text = re.sub(r"torch\.Size\(\[(.*?)\]\)", size, text)
    return re.sub(r"torch\.(float|int|bool)", r"\1", text)


def our_class_names(text: str) -> str:
    return (text.replace("autograd.tensor.Tensor", "torch.Tensor")
            .replace("nn.parameter.Parameter", "torch.nn.parameter.Parameter"))


CASES = {
    "float32_mismatch": (T([1., 2., 3.]), T([1., 2.1, 3.5]), {}),
    "float32_just_outside": (T([1.0, 2.0]), T([1.0, 2.0 + 3e-5]), {}),
    "float32_just_inside": (T([1.0, 2.0]), T([1.0, 2.0 + 2e-5]), {}),
    "float64_mismatch": (T([1., 2.], dtype=torch.float64), T([1., 2.1], dtype=torch.float64), {}),
    "int_exact": (T([1, 2, 3]), T([1, 5, 3]), {}),
    "bool_exact": (T([True, False]), T([True, True]), {}),
    "zero_dim_is_a_scalar_message": (T(1.), T(1.1), {}),
    "zero_dim_ints": (T(2), T(3), {}),
    "dtype_mismatch": (T(1.), T(1., dtype=torch.float64), {}),
    "float_vs_int_dtype": (T([1., 2.]), T([1, 2]), {}),
    "shape_mismatch": (T([1.]), T([1., 2.]), {}),
    "index_in_2d": (T([[1., 2.], [3., 4.]]), T([[1., 2.], [3.5, 4.4]]), {}),
    "index_in_3d": (T(np.arange(24.).reshape(2, 3, 4)),
                    T(np.arange(24.).reshape(2, 3, 4) + np.eye(4)[None, :3] * 0.5), {}),
    "ties_report_the_first": (T([3., 3.]), T([1., 1.]), {}),
    "relative_inf_at_zero": (T([1.0, 1.0]), T([0., 0.5]), {}),
    "atol_near_zero": (T([0., 1.]), T([1e-3, 0.]), {}),
    "nan_unequal": (T([nan]), T([nan]), {}),
    "nan_equal": (T([nan]), T([nan]), dict(equal_nan=True)),
    "nan_first": (T([nan, 1.]), T([1., 1.]), {}),
    "inf_equal": (T([1., inf]), T([1., inf]), {}),
    "inf_opposite": (T([1., inf]), T([1., -inf]), {}),
    "inf_exact": (T([inf]), T([inf]), dict(rtol=0, atol=0)),
    "empty": (T([], dtype=torch.float32), T([]), {}),
    "promote_int_float": (T([1, 2]), T([1., 2.5]), dict(check_dtype=False)),
    "promote_within_tolerance": (T([1, 2]), T([1., 2.000001]), dict(check_dtype=False)),
    "promote_int8_int64": (T([1, 2], dtype=torch.int8), T([1, 3]), dict(check_dtype=False)),
    "promote_bool_float": (T([True, False]), T([1.0, 0.5]), dict(check_dtype=False)),
    "promote_float64_float32": (T([0.1], dtype=torch.float64), T([0.1]),
                                dict(check_dtype=False)),
    "promote_exact": (T([0.1], dtype=torch.float64), T([0.1]),
                      dict(check_dtype=False, rtol=0, atol=0)),
    "int_tolerance_in_float32": (T([16777219]), T([16777216]), dict(rtol=0., atol=0.5)),
    "int_rounds_to_float32": (T([100000001]), T([100000000]), dict(rtol=1e-9, atol=0.5)),
    "int_with_rtol": (T([1, 2]), T([1, 3]), dict(rtol=0.5, atol=0)),
    "explicit_zero_tolerance": (T([1., 2.]), T([1., 2.5]), dict(rtol=0., atol=0.)),
    "explicit_atol_only": (T([1e-6, 1.]), T([0., 1.]), dict(rtol=0, atol=1e-7)),
    "rtol_without_atol": (T([1.]), T([1.]), dict(rtol=0.5)),
    "atol_without_rtol": (T([1., 2.]), T([1., 2.]), dict(rtol=None, atol=1e-3)),
    "msg_string": (T([1., 2.]), T([1., 3.]), dict(msg="custom")),
    "msg_callable": (T([1., 2.]), T([1., 3.]), dict(msg=lambda m: "Header\n" + m)),
    "msg_callable_nested": ([T([1., 2.])], [T([1., 3.])], dict(msg=lambda m: "H\n" + m)),
    "stride_checked": (torch.ones(2, 3).t(), torch.ones(3, 2), dict(check_stride=True)),
    "stride_ignored": (torch.ones(2, 3).t(), torch.ones(3, 2), {}),
    "stride_of_view": (T([[1., 2.], [3., 4.]]), T([[1., 2.], [3., 4.]]).t(),
                       dict(check_stride=True)),
    "parameter_vs_tensor": (torch.nn.Parameter(torch.ones(2)), torch.ones(2), {}),
    "subclass_refused": (torch.nn.Parameter(torch.ones(2)), torch.ones(2),
                         dict(allow_subclasses=False)),
    "tensor_vs_float": (T(1.), 1.0, {}),
    "tensor_vs_list": (T([1.]), [1.], {}),
    "nested_failure_item": ([T(1.), {"a": T([1., 2.])}], [T(1.), {"a": T([1., 3.])}], {}),
    "nested_sorted_keys": ({"b": T([1.]), "a": [T([2, 3])]}, {"b": T([1.]), "a": [T([2, 4])]},
                           {}),
    "structure_before_values": ([T([1.]), {"x": 1}], [T([2.]), {"y": 1}], {}),
    "mapping_keys": ({"a": 1}, {"b": 1}, {}),
    "sequence_length": ([1, 2], [1], {}),
    "tuple_vs_list": ((1, 2), [1, 2], {}),
    "strings_unhandled": ("a", "a", {}),
    "none_none": (None, None, {}),
    "none_vs_int": (None, 1, {}),
    "int_vs_float_scalar": (1, 1.0, {}),
    "ints_exact": (1, 2, {}),
    "floats_close": (1.0, 1.0 + 1e-8, {}),
    "floats_far": (1.0, 1.1, {}),
    "float_nan_scalar": (nan, nan, {}),
    "float_nan_equal": (nan, nan, dict(equal_nan=True)),
    "float_vs_nan": (1.0, nan, dict(equal_nan=True)),
    "complex_scalars": (complex(1, 1), complex(1, 1.1), {}),
    "booleans": (True, False, {}),
    "scalars_in_list": ([1, 2.0], [1, 2.5], {}),
    "scalars_in_dict": ({"a": [1.0, 2]}, {"a": [1.0, 3]}, {}),
    "numpy_scalars_are_python": (np.float32(1.0), np.float64(1.0), {}),
    "numpy_scalar_vs_float": (np.float32(1.0), 1.0, {}),
    "numpy_int_vs_int": (np.int64(1), 1, {}),
    "numpy_arrays": (np.array([1., 2.]), np.array([1., 2.5]), {}),
    "numpy_zero_dim": (np.array(1.0), np.array(2.0), {}),
    "numpy_vs_tensor": (np.array([1., 2.]), T([1., 2.], dtype=torch.float64), {}),
    "numpy_int_dtypes": (np.array([1, 2], dtype=np.int32), np.array([1, 2]), {}),
    "numpy_float16_close": (np.array([1., 2.], dtype=np.float16),
                            np.array([1., 2.001], dtype=np.float16), {}),
    "numpy_float16_far": (np.array([1., 2.], dtype=np.float16),
                          np.array([1., 2.01], dtype=np.float16), {}),
    "numpy_complex": (np.array([1 + 1j, 2]), np.array([1 + 1j, 2.5]), {}),
    "numpy_strings_unhandled": (np.array(["a"]), np.array(["a"]), {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_assert_close_gives_torchs_verdict_and_message(name):
    actual, expected, kwargs = CASES[name]
    theirs = as_engine_prints(outcome(torch.testing.assert_close, actual, expected, kwargs))
    ours = our_class_names(outcome(assert_close, ours_from(actual), ours_from(expected), kwargs))
    assert ours == theirs


def test_the_message_lists_mismatches_and_greatest_differences():
    with pytest.raises(AssertionError) as info:
        assert_close(ag.tensor([[1., 2.], [3., 4.]]), ag.tensor([[1., 2.5], [3., 4.]]))
    assert str(info.value) == (
        "Tensor-likes are not close!\n\n"
        "Mismatched elements: 1 / 4 (25.0%)\n"
        "Greatest absolute difference: 0.5 at index (0, 1) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.20000000298023224 at index (0, 1) "
        "(up to 1.3e-06 allowed)")   # float32 values print as torch prints them
    with pytest.raises(AssertionError, match="'dtype' do not match: float32 != float64"):
        assert_close(ag.ones(2), ag.ones(2, dtype=ag.float64))


def test_bool_against_int_is_a_type_mismatch():
    """torch trips over (True, 1) with an internal RuntimeError; here bool is its own type."""
    with pytest.raises(AssertionError, match="<class 'bool'> != <class 'int'>"):
        assert_close(True, 1)
    assert_close(True, 1, check_dtype=False)


def test_requires_grad_and_views_compare_by_value():
    x = ag.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    assert_close(x * 1, ag.tensor([[1., 2.], [3., 4.]]))
    assert_close(x.t(), ag.tensor([[1., 3.], [2., 4.]]))


ALLCLOSE = {
    "default_float32_looser": (T([1., 2.]), T([1., 2.0001])),
    "default_float32_outside": (T([1., 2.]), T([1., 2.001])),
    "default_float64": (T([1.], dtype=torch.float64), T([1.00001], dtype=torch.float64)),
    "nan_equal_by_default": (T([nan, 1.]), T([nan, 1.])),
    "dtypes_not_checked": (T([1., 2.]), T([1., 2.], dtype=torch.float64)),
    "lists_become_tensors": ([1., 2.], [1., 2.5]),
}


@pytest.mark.parametrize("name", list(ALLCLOSE))
def test_assert_allclose_is_torchs_deprecated_one(name):
    actual, expected = ALLCLOSE[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = as_engine_prints(outcome(torch.testing.assert_allclose, actual, expected, {}))
        ours = outcome(assert_allclose, ours_from(actual), ours_from(expected), {})
    assert ours == theirs
    assert [w.category for w in caught] == [FutureWarning, FutureWarning]


def test_make_tensor_ranges_dtypes_and_flags():
    ag.manual_seed(0)
    x = make_tensor(200, dtype=ag.float32, device="cpu")
    assert x.dtype == np.float32 and x.shape == (200,) and not x.requires_grad
    assert -9 <= x.data.min() and x.data.max() < 9
    ag.manual_seed(0)
    assert_close(make_tensor((200,), dtype=ag.float32, device="cpu"), x)   # repeatable
    i = make_tensor(2, 100, dtype=ag.int64, device="cpu", low=-3, high=3)
    assert i.dtype == np.int64 and i.shape == (2, 100)
    assert set(np.unique(i.data)) <= set(range(-3, 3))
    u = make_tensor(100, dtype=ag.uint8, device="cpu")
    assert u.data.min() >= 0 and u.data.max() < 10
    b = make_tensor(50, dtype=ag.bool, device="cpu")
    assert b.dtype == np.bool_
    g = make_tensor(3, 4, dtype=ag.float64, device="cpu", requires_grad=True, noncontiguous=True)
    assert g.requires_grad and g.is_leaf and not g.is_contiguous() and g.shape == (3, 4)
    nz = make_tensor(300, dtype=ag.int32, device="cpu", low=-1, high=2, exclude_zero=True)
    assert 0 not in nz.data
    with pytest.raises(ValueError, match="requires_grad"):
        make_tensor(2, dtype=ag.int64, device="cpu", requires_grad=True)
    with pytest.raises(ValueError, match="must be less than"):
        make_tensor(2, dtype=ag.float32, device="cpu", low=2, high=1)
    with pytest.warns(FutureWarning, match="low==high"):
        assert (make_tensor(2, dtype=ag.float32, device="cpu", low=1, high=1).data == 1).all()
    with pytest.raises(RuntimeError, match="CPU only"):
        make_tensor(2, dtype=ag.float32, device="cuda")
