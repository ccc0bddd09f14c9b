"""nn.utils.rnn.pad_sequence / unpad_sequence against torch, and the nn.utils package layout."""
import numpy as np
import pytest

import autograd
import nn
from tests.helpers import check_float32, check_op

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("shapes", [[(3, 2), (1, 2), (4, 2)], [(2,), (5,)], [(0, 3), (2, 3)],
                                    [(2, 2, 3)]])
def test_pad_sequence_matches_torch_and_gradchecks(batch_first, padding_side, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    kwargs = {"batch_first": batch_first, "padding_value": -1.5, "padding_side": padding_side}
    check_op(lambda *s: nn.utils.rnn.pad_sequence(list(s), **kwargs),
             lambda *s: torch.nn.utils.rnn.pad_sequence(list(s), **kwargs), *arrays)
    check_float32(lambda *s: nn.utils.rnn.pad_sequence(list(s), **kwargs), *arrays)


def test_pad_sequence_of_integers_and_unpad_round_trip():
    seqs = [np.arange(3), np.arange(5), np.arange(1)]
    ours = nn.utils.rnn.pad_sequence([autograd.tensor(s) for s in seqs], batch_first=True)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.dtype == np.int64
    x = autograd.randn(4, 3, 2)
    parts = nn.utils.rnn.unpad_sequence(x, autograd.tensor([4, 1, 2]))
    tparts = torch.nn.utils.rnn.unpad_sequence(torch.tensor(x.data), torch.tensor([4, 1, 2]))
    for p, t in zip(parts, tparts):
        np.testing.assert_array_equal(p.data, t.numpy())


def test_pad_sequence_errors():
    with pytest.raises(ValueError, match="pad_sequence: received an empty list"):
        nn.utils.rnn.pad_sequence([])
    with pytest.raises(ValueError, match=r"pad_sequence: .*\[\(2, 3\), \(2, 4\)\]"):
        nn.utils.rnn.pad_sequence([autograd.zeros(2, 3), autograd.zeros(2, 4)])
    with pytest.raises(ValueError, match="pad_sequence: padding_side"):
        nn.utils.rnn.pad_sequence([autograd.zeros(2)], padding_side="up")
    with pytest.raises(ValueError, match="unpad_sequence: lengths"):
        nn.utils.rnn.unpad_sequence(autograd.zeros(3, 2), [4, 1])


def test_utils_package_keeps_torch_layout():
    from nn.utils.clip_grad import clip_grad_norm_
    from nn.utils.convert_parameters import parameters_to_vector
    from nn.utils.rnn import pad_sequence
    assert nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert nn.utils.parameters_to_vector is parameters_to_vector
    assert nn.utils.rnn.pad_sequence is pad_sequence
    for name in ("clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
                 "vector_to_parameters"):
        assert callable(getattr(nn.utils, name))
