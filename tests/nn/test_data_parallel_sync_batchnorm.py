"""nn.DataParallel and nn.SyncBatchNorm as torch runs them on a CPU-only machine without a
process group: DataParallel calls the wrapped module (state_dict keys "module.*"), and
SyncBatchNorm falls back to batch norm on the local batch; convert_sync_batchnorm swaps it in
for every BatchNorm*d, keeping the same parameter and buffer objects."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


def test_data_parallel_wraps_the_module_as_torch_on_cpu():
    inner = nn.Linear(3, 2)
    dp = nn.DataParallel(inner, device_ids=[0])
    tdp = torch.nn.DataParallel(torch.nn.Linear(3, 2), device_ids=[0])
    assert dp.module is inner and dp.device_ids == tdp.device_ids == []
    assert list(dp.state_dict()) == list(tdp.state_dict()) == ["module.weight", "module.bias"]
    assert repr(dp) == repr(tdp)
    assert nn.parallel.DataParallel is nn.DataParallel
    x = autograd.randn(4, 3, requires_grad=True)
    y = dp(x)
    np.testing.assert_array_equal(y.data, inner(x).data)
    y.sum().backward()
    assert inner.weight.grad is not None and x.grad.shape == (4, 3)
    assert [p is q for p, q in zip(dp.parameters(), inner.parameters())] == [True, True]


def test_data_parallel_checkpoint_keys_load_both_ways():
    dp = nn.DataParallel(nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)))
    tdp = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 2),
                                                    torch.nn.BatchNorm1d(2)))
    assert list(dp.state_dict()) == list(tdp.state_dict())
    state = {k: v.numpy() for k, v in tdp.state_dict().items()}
    dp.load_state_dict(state)
    np.testing.assert_array_equal(dp.module[0].weight.data, state["module.0.weight"])
    stripped = {k[len("module."):]: v for k, v in dp.state_dict().items()}
    fresh = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    fresh.load_state_dict(stripped)
    kwargs_model = nn.DataParallel(nn.Flatten(start_dim=0))
    assert kwargs_model(autograd.zeros(2, 3)).shape == (6,)


def test_distributed_data_parallel_is_not_provided():
    # torch's needs torch.distributed.init_process_group; the engine has no process groups
    assert not hasattr(nn.parallel, "DistributedDataParallel")


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 2, 3), (2, 3, 2, 2, 2),
                                   (2, 3, 2, 1, 2, 2)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_sync_batchnorm_falls_back_to_batch_norm_as_torch(shape, momentum):
    ours = nn.SyncBatchNorm(3, momentum=momentum, dtype=autograd.float64)
    theirs = torch.nn.SyncBatchNorm(3, momentum=momentum, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.uniform(0.5, 2, 3)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(3)))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for step in range(2):
        x = rng.standard_normal(shape)
        xs, txs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(xs), theirs(txs)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(shape)
        y.backward(autograd.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(xs.grad.data, txs.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (k, v), (_, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_allclose(v.data, tv.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-9)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(autograd.tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_sync_batchnorm_input_errors_as_torch():
    m = nn.SyncBatchNorm(3)
    with pytest.raises(ValueError, match="expected at least 2D input \\(got 1D input\\)"):
        m(autograd.zeros(3))
    with pytest.raises(ValueError, match="number of input channels should be non-zero"):
        nn.SyncBatchNorm(0)(autograd.zeros(2, 0))
    with pytest.raises(ValueError, match="3 channels"):
        m(autograd.zeros(2, 4))


def _model(lib):
    n = lib.nn
    return n.Sequential(n.Conv2d(2, 3, 1), n.BatchNorm2d(3),
                        n.Sequential(n.Linear(3, 4), n.BatchNorm1d(4, affine=False)),
                        n.InstanceNorm1d(4, affine=True), n.BatchNorm1d(4, bias=False))


def test_convert_sync_batchnorm_as_torch():
    ours, theirs = _model(autograd), _model(torch)
    ours[1].eval()
    ours[1].qconfig = "kept"
    bn, inner_bn = ours[1], ours[2][1]
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(ours)
    tconverted = torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs)
    assert converted is ours
    assert repr(converted) == repr(tconverted)
    assert list(converted.state_dict()) == list(tconverted.state_dict())
    assert [type(m).__name__ for m in converted.modules()] == \
        [type(m).__name__ for m in tconverted.modules()]
    sync = converted[1]
    assert isinstance(sync, nn.SyncBatchNorm) and sync is not bn
    assert sync.weight is bn.weight and sync.bias is bn.bias             # the same objects
    assert sync.running_mean is bn.running_mean and sync.training is False
    assert sync.qconfig == "kept"
    assert converted[2][1].weight is None and converted[2][1].running_var is inner_bn.running_var
    assert converted[4].bias is None
    alone = nn.BatchNorm1d(4)
    assert type(nn.SyncBatchNorm.convert_sync_batchnorm(alone)) is nn.SyncBatchNorm
