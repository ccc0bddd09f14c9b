"""t.data as PyTorch code uses it: an ndarray view of the tensor's memory (numpy code keeps
working) that answers torch's methods: in-place fills and updates, cpu().numpy(), topk,
view_as, max(dim)[1] (numpy's max(1) would return the values), `p.data -= lr * p.grad.data`."""
import numpy as np
import pytest

import autograd as torch
import nn

TORCH = pytest.importorskip("torch")


def test_initialisation_idioms_write_into_the_parameters():
    m = nn.Linear(30, 20)
    torch.manual_seed(0)
    m.weight.data.normal_(0.0, 0.02)
    m.bias.data.fill_(0.5)
    assert abs(float(m.weight.data.std()) - 0.02) < 0.005
    assert (m.bias.data == 0.5).all()
    m.weight.data.uniform_(-0.1, 0.1)
    m.bias.data.zero_()
    assert float(abs(m.weight.data).max()) <= 0.1 and not m.bias.data.any()
    for p in m.parameters():
        p.data.clamp_(-0.01, 0.01)
    assert float(m.weight.data.max()) <= 0.01
    m.weight.data.copy_(np.ones((20, 30)))
    assert (m.weight.data == 1).all() and m.weight.dtype == np.float32


def test_manual_sgd_and_grad_zeroing_through_data():
    m = nn.Linear(3, 2)
    x = torch.randn(4, 3)
    before = m.weight.data.copy()
    m(x).sum().backward()
    g = m.weight.grad.data.copy()
    for p in m.parameters():
        p.data -= 0.1 * p.grad.data
        p.grad.data.zero_()
    np.testing.assert_allclose(m.weight.data, before - 0.1 * g, rtol=1e-6)
    assert not m.weight.grad.data.any() and m.weight.requires_grad
    m(x).sum().backward()   # the parameter is still the same leaf of a new graph
    assert m.weight.grad.data.any()


def test_old_mnist_accuracy_idiom_gives_indices_as_torch():
    rng = np.random.default_rng(0)
    logits, target = rng.standard_normal((6, 4)), np.array([0, 1, 2, 3, 0, 1])
    ours, theirs = torch.tensor(logits), TORCH.tensor(logits)
    pred = ours.data.max(1, keepdim=True)[1]
    tpred = theirs.data.max(1, keepdim=True)[1]
    np.testing.assert_array_equal(pred.data, tpred.numpy())
    np.testing.assert_array_equal(ours.data.max(1)[1].data, theirs.data.max(1)[1].numpy())
    correct = pred.eq(torch.tensor(target).data.view_as(pred)).sum().item()
    assert correct == tpred.eq(TORCH.tensor(target).data.view_as(tpred)).sum().item()
    assert ours.data.max() == logits.max() and ours.data.max(axis=0).shape == (4,)   # numpy's
    _, topi = ours.data.topk(1)
    np.testing.assert_array_equal(topi.data, theirs.data.topk(1)[1].numpy())


def test_data_is_an_ndarray_sharing_memory_and_arithmetic_on_it_keeps_torch_methods():
    a = np.ones(3, np.float32)
    t = torch.from_numpy(a)
    d = t.data
    assert isinstance(d, np.ndarray) and np.shares_memory(d, a)
    assert type(d * 2) is type(d) and type(np.exp(d)) is type(d)
    assert isinstance(d * 2, np.ndarray) and np.asarray(d * 2).__class__ is np.ndarray
    # torch's t.data - 1 is a tensor: max over a dim gives (values, indices), not numpy's max
    # over the axis indexed by [0]
    w = torch.tensor([[3.0, 1.0], [2.0, 5.0]])
    values, indices = (w.data - 1).max(1)
    assert values.tolist() == [2.0, 4.0] and indices.tolist() == [0, 1]
    assert (w.data * 2).max(0)[0].tolist() == [6.0, 10.0]
    assert float(np.max(w.data - 1)) == 4.0 and (w.data - 1).max() == 4.0
    assert type(d.cpu().numpy()) is np.ndarray and d.size == 3 and d.shape == (3,)
    d[0] = 7
    assert a[0] == 7 and t.data[0] == 7


def test_a_write_through_data_into_an_array_a_graph_saved_makes_its_backward_raise():
    # torch's .data writes are untracked (its backward would use the new values silently);
    # here the write counts as an in-place change, so the backward that needs the old values
    # raises, naming the op
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()   # saves x
    x.data.zero_()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


W = [[3.0, 1.0], [2.0, 5.0], [9.0, 0.0]]
CALLS = ["std()", "var()", "std(1)", "var(0, keepdim=True)", "sort(1)[0]",
         "sort(1)[1]", "argsort(1, descending=True)", "size(1)", "size()",
         "view(-1)", "view(2, 3)", "sum(dim=1)", "sum(1, keepdim=True)", "mean(dim=0)",
         "squeeze(0)", "flatten(0)", "transpose(0, 1)", "max(1)[1]", "prod(dim=1)"]


@pytest.mark.parametrize("call", CALLS)
def test_names_numpy_and_torch_share_mean_torch_s_on_data(call):
    # numpy's repeat/std/var/sort ran on p.data: other numbers, and sort(1) sorted the
    # parameter itself in place
    ours = nn.Parameter(np.array(W, np.float32))
    theirs = TORCH.nn.Parameter(TORCH.tensor(W))
    got, want = eval(f"p.data.{call}", {"p": ours}), eval(f"p.data.{call}", {"p": theirs})
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=1e-6)
    assert ours.data.tolist() == W


def test_numpy_calls_on_data_keep_numpy_s_meaning():
    d = nn.Parameter(np.array(W, np.float32)).data
    assert d.size == 6 and d.size + 1 == 7 and isinstance(d.size, int)
    np.testing.assert_allclose(d.std(axis=0), np.std(np.array(W), axis=0), rtol=1e-6)
    assert d.std(ddof=0) == pytest.approx(np.std(W))
    assert d.repeat(2, axis=0).shape == (6, 2)
    assert d.view(np.int32).dtype == np.int32
    assert d.flatten("F").tolist() == [3.0, 2.0, 9.0, 1.0, 5.0, 0.0]
    assert d.transpose().shape == (2, 3) and d.sum(0).tolist() == [14.0, 6.0]
    e = d.copy()
    e.sort(axis=1)                               # numpy's in-place sort, asked for by keyword
    assert e.tolist() == [[1.0, 3.0], [2.0, 5.0], [0.0, 9.0]]
