"""Porting gaps found by running tutorial-style torch scripts with `import autograd as torch`:
the import lines at the top of training scripts, a parameter's .grad type, and
DistributedSampler's sharding."""
import importlib

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("line", [
    "import autograd.backends.cudnn as cudnn",
    "import autograd.distributed as dist",
    "import autograd.multiprocessing as mp",
    "from autograd.utils.data.distributed import DistributedSampler",
    "from autograd.utils.data import DistributedSampler",
])
def test_script_import_lines(line):
    namespace = {}
    exec(line, namespace)   # an ImportError fails the test
    name = line.split()[-1]
    assert name in namespace and namespace[name].__name__.split(".")[-1] == {
        "cudnn": "cudnn", "dist": "distributed", "mp": "multiprocessing",
        "DistributedSampler": "DistributedSampler"}[name]


def test_backends_module_is_the_attribute():
    cudnn = importlib.import_module("autograd.backends.cudnn")
    assert cudnn is autograd.backends.cudnn
    cudnn.benchmark = True
    assert autograd.backends.cudnn.benchmark is True
    cudnn.benchmark = False


def test_gpu_and_version_questions():
    assert autograd.version.cuda is None and torch.version.cuda is None
    assert autograd.version.__version__ == autograd.__version__
    autograd.cuda.empty_cache()
    autograd.cuda.synchronize()
    assert not autograd.distributed.is_available() and not autograd.distributed.is_initialized()
    with pytest.raises(RuntimeError, match="has not been initialized"):
        autograd.distributed.get_rank()
    with pytest.raises(RuntimeError, match="no distributed backend"):
        autograd.distributed.init_process_group("gloo")


def test_grad_of_a_parameter_is_a_plain_tensor():
    m = nn.Linear(2, 2)
    m(autograd.ones(1, 2)).sum().backward()
    assert type(m.weight.grad) is autograd.Tensor and type(m.bias.grad) is autograd.Tensor
    assert not repr(m.weight.grad).startswith("Parameter")
    m.saved = m.weight.grad          # a plain tensor attribute, not a registered parameter
    assert "saved" not in dict(m.named_parameters())
    m.zero_grad()
    m(autograd.ones(1, 2)).sum().backward(inputs=[m.weight])
    assert type(m.weight.grad) is autograd.Tensor


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False),
                                                  (2, 4, False), (11, 4, True)])
def test_distributed_sampler_shards_as_torch(n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    from autograd.utils.data.distributed import DistributedSampler
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    shards = [list(DistributedSampler(data, replicas, r, seed=3, drop_last=drop_last))
              for r in range(replicas)]
    flat = sorted(i for s in shards for i in s)
    assert len({len(s) for s in shards}) == 1
    if not drop_last:   # every index is read, some twice to pad
        assert set(flat) == set(data)
    else:               # no index twice
        assert len(set(flat)) == len(flat)


def test_distributed_sampler_epochs_and_errors():
    from autograd.utils.data.distributed import DistributedSampler
    s = DistributedSampler(list(range(20)), 2, 0)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first and len(list(s)) == len(first) == 10
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler([1, 2], 2, 2)
    with pytest.raises(RuntimeError, match="num_replicas and rank"):
        DistributedSampler([1, 2])


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.Linear(3, 2)(lib.ones(2, 3, dtype=lib.float64)),
    lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([1.0])),
    lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0.0, 1.0])),
])
def test_dtype_mismatches_are_runtime_errors_as_torch(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):   # also the TypeError the engine raised before
        call(autograd)
    with pytest.raises(TypeError):
        call(autograd)


def test_shape_is_a_size():
    x = autograd.ones(2, 3)
    assert isinstance(x.shape, autograd.Size) and isinstance(torch.ones(2, 3).shape, torch.Size)
    assert x.shape == (2, 3) and x.shape == x.size() and x.shape.numel() == 6
    assert autograd.zeros(x.shape).shape == (2, 3)


@pytest.mark.parametrize("args,kwargs", [((1, 4), {}), ((0, 1, 0.25), {}), ((5, 1, -2), {}),
                                         ((0, 0.9, 0.3), {}), ((1, 4), {"dtype": "int64"})])
def test_range_includes_its_end_and_warns_as_torch(args, kwargs):
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        ours = autograd.range(*args, **{k: getattr(autograd, v) for k, v in kwargs.items()})
    with pytest.warns(UserWarning):
        theirs = torch.range(*args, **{k: getattr(torch, v) for k, v in kwargs.items()})
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(ours.dtype) == str(theirs.dtype)
