"""float16, bfloat16 and complex can be named, as in torch, and are refused clearly in use."""
import numpy as np
import pytest

import autograd


def test_the_names_exist_and_can_be_passed_along():
    assert autograd.half == autograd.float16 == np.float16
    assert repr(autograd.bfloat16) == "torch.bfloat16" and autograd.cfloat is autograd.complex64
    with autograd.autocast("cpu", dtype=autograd.bfloat16, enabled=False):   # a common line
        y = autograd.ones(2) * 2
    assert y.dtype == autograd.float32


@pytest.mark.parametrize("make", [
    lambda: autograd.ones(2, dtype=autograd.float16),
    lambda: autograd.zeros(2, 3, dtype=autograd.half),
    lambda: autograd.full((2,), 1.0, dtype=autograd.float16),
    lambda: autograd.randn(2, dtype=autograd.float16),
    lambda: autograd.empty(2, dtype=autograd.bfloat16),
    lambda: autograd.ones(2).half(),
    lambda: autograd.ones(2).bfloat16(),
    lambda: autograd.ones(2).to(autograd.bfloat16),
    lambda: autograd.tensor([1.0], dtype=autograd.complex64),
])
def test_using_them_is_a_clear_error(make):
    with pytest.raises(TypeError, match=r"(float16|bfloat16|complex64) is not supported"):
        make()
