"""nn.tbptt's arguments: any integral chunk length k (numpy integers too) but not bools or
floats; unroll refuses what it cannot write out step by step."""
import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.tbptt import chunk_bounds, truncated_bptt, unroll


@pytest.mark.parametrize("k", [np.int64(3), np.int32(3), np.uint8(3)])
def test_numpy_integer_k(k):
    assert chunk_bounds(7, k) == [(0, 3), (3, 6), (6, 7)]
    autograd.manual_seed(0)
    lstm = nn.LSTM(2, 3)
    x = Tensor(np.random.default_rng(0).standard_normal((7, 1, 2)).astype(np.float32))
    res = truncated_bptt(lstm, x, Tensor(np.zeros((7, 1, 3), np.float32)),
                         lambda out, y: ((out - y) ** 2).mean(), k=k)
    assert res.chunks == 3 and lstm.weight_hh_l0.grad is not None


@pytest.mark.parametrize("k", [True, 3.0, np.float64(3), np.int64(0), -1])
def test_non_integral_or_nonpositive_k_is_an_error(k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        chunk_bounds(7, k)


def test_unroll_refuses_a_projected_lstm():
    lstm = nn.LSTM(2, 3)
    lstm.proj_size = 2   # as nn.LSTM(2, 3, proj_size=2) records it
    with pytest.raises(NotImplementedError, match="proj_size=2"):
        unroll(lstm, Tensor(np.zeros((2, 1, 2), np.float32)))
