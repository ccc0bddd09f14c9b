"""The recurrent layers' torch API around forward: the base classes' constructors,
reset_parameters, the public checking helpers, constructor validation, and the exception
classes torch raises for bad arguments (so a ported `except` clause catches ours)."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


def _shapes(m):
    return {k: tuple(v.shape) for k, v in m.state_dict().items()}


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
def test_rnn_base_takes_mode_first(mode):
    ours = nn.RNNBase(mode, 3, 4, 2, bidirectional=True)
    theirs = torch.nn.RNNBase(mode, 3, 4, 2, bidirectional=True)
    assert _shapes(ours) == _shapes(theirs) and repr(ours) == repr(theirs)
    assert isinstance(nn.LSTM(3, 4), nn.RNNBase) and nn.LSTM(3, 4).mode == "LSTM"


@pytest.mark.parametrize("chunks", [1, 3, 4])
def test_cell_base_takes_num_chunks(chunks):
    assert _shapes(nn.RNNCellBase(3, 4, True, chunks)) == _shapes(
        torch.nn.RNNCellBase(3, 4, True, chunks))


@pytest.mark.parametrize("make", [lambda lib: lib.nn.LSTM(3, 8, 2, proj_size=2),
                                  lambda lib: lib.nn.GRU(3, 8), lambda lib: lib.nn.GRUCell(3, 8),
                                  lambda lib: lib.nn.LSTMCell(3, 8),
                                  lambda lib: lib.nn.RNNCell(3, 8, nonlinearity="relu")])
def test_reset_parameters_resamples_within_torch_bound(make):
    lib = type("lib", (), {"nn": nn})
    m = make(lib)
    before = [p.detach().numpy().copy() for p in m.parameters()]
    m.reset_parameters()
    for old, p in zip(before, m.parameters()):
        assert not np.array_equal(old, p.detach().numpy())
        assert np.abs(p.detach().numpy()).max() <= 1 / np.sqrt(8)
    assert repr(m) == repr(make(torch))


def _pair(mode_cls, **kw):
    return getattr(nn, mode_cls)(3, 4, 2, **kw), getattr(torch.nn, mode_cls)(3, 4, 2, **kw)


@pytest.mark.parametrize("batch_first", [False, True])
def test_checking_helpers_as_torch(batch_first):
    ours, theirs = _pair("LSTM", batch_first=batch_first, proj_size=2)
    x = np.zeros((5, 6, 3), np.float32)
    xo, xt = autograd.tensor(x), torch.tensor(x)
    assert ours.get_expected_hidden_size(xo, None) == theirs.get_expected_hidden_size(xt, None)
    assert ours.get_expected_cell_size(xo, None) == theirs.get_expected_cell_size(xt, None)
    good = [tuple(theirs.get_expected_hidden_size(xt, None)),
            tuple(theirs.get_expected_cell_size(xt, None))]
    ours.check_forward_args(xo, tuple(autograd.zeros(*s) for s in good), None)
    bad = (good[0], good[0][:2] + (7,))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size") as e_t:
        theirs.check_forward_args(xt, tuple(torch.zeros(*s) for s in bad), None)
    with pytest.raises(RuntimeError) as e_o:
        ours.check_forward_args(xo, tuple(autograd.zeros(*s) for s in bad), None)
    assert str(e_o.value) == str(e_t.value)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        ours.check_input(autograd.zeros(5, 6, 2), None)
    with pytest.raises(ValueError, match="input must have the type"):
        ours.check_input(autograd.zeros(5, 6, 3, dtype=autograd.float64), None)
    perm = [1, 0] + list(range(2, good[0][1]))
    h = (autograd.randn(*good[0]), autograd.randn(*good[1]))
    got = ours.permute_hidden(h, autograd.tensor(perm))
    np.testing.assert_array_equal(got[0].numpy(), h[0].numpy()[:, perm])


BAD_CALLS = {   # torch raises RuntimeError for each; ours must be catchable the same way
    "hx shape": lambda lib: lib.nn.GRU(3, 4)(lib.zeros(5, 2, 3), lib.zeros(1, 3, 4)),
    "2-D hx, 3-D input": lambda lib: lib.nn.GRU(3, 4)(lib.zeros(5, 2, 3), lib.zeros(2, 4)),
    "empty sequence": lambda lib: lib.nn.GRU(3, 4)(lib.zeros(0, 2, 3)),
    "cell input size": lambda lib: lib.nn.GRUCell(3, 4)(lib.zeros(2, 5)),
    "cell state shape": lambda lib: lib.nn.LSTMCell(3, 4)(lib.zeros(2, 3),
                                                          (lib.zeros(2, 5), lib.zeros(2, 4))),
    "cell dtype": lambda lib: lib.nn.RNNCell(3, 4)(lib.zeros(2, 3, dtype=lib.float64)),
    "packed feature size": lambda lib: lib.nn.LSTM(3, 4)(
        lib.nn.utils.rnn.pack_sequence([lib.zeros(3, 5), lib.zeros(2, 5)])),
    "pad_sequence empty": lambda lib: lib.nn.utils.rnn.pad_sequence([]),
    "pad_sequence trailing": lambda lib: lib.nn.utils.rnn.pad_sequence([lib.zeros(2, 3),
                                                                        lib.zeros(2, 4)]),
    "2-D lengths": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(
        lib.zeros(3, 2, 1), lib.tensor([[3, 2]])),
}


class _Lib:   # autograd with nn attached, the way torch carries torch.nn
    def __getattr__(self, name):
        return nn if name == "nn" else getattr(autograd, name)


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_arguments_raise_torchs_class(case):
    with pytest.raises(RuntimeError):
        BAD_CALLS[case](torch)
    with pytest.raises(RuntimeError):
        BAD_CALLS[case](_Lib())


def test_input_dtype_mismatch_is_a_value_error_as_torch():
    x = np.zeros((5, 2, 3))
    with pytest.raises(ValueError):
        torch.nn.LSTM(3, 4)(torch.tensor(x))
    with pytest.raises(ValueError, match="float64 differs from the parameters' dtype torch.float32"):
        nn.LSTM(3, 4)(autograd.tensor(x))


@pytest.mark.parametrize("kwargs,cls", [({"hidden_size": 4.0}, TypeError),
                                        ({"hidden_size": 0}, ValueError),
                                        ({"num_layers": 0}, ValueError),
                                        ({"dropout": True}, ValueError),
                                        ({"dropout": 1.5}, ValueError)])
def test_constructor_checks_as_torch(kwargs, cls):
    args = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(cls):
        torch.nn.LSTM(**args)
    with pytest.raises(cls, match="LSTM: "):
        nn.LSTM(**args)
