"""nn.modules: torch.nn.modules' import paths (nn.modules.conv._ConvNd, nn.modules.utils._pair,
...) lead to the engine's own classes, each the object nn/ defines, under torch's names."""
import importlib
import inspect
import pathlib

import numpy as np
import pytest

import autograd
import nn
from nn.modules.utils import _pair, _quadruple, _reverse_repeat_tuple, _single, _triple

torch = pytest.importorskip("torch")

SUBMODULES = sorted(p.stem for p in pathlib.Path(nn.modules.__file__).parent.glob("*.py")
                    if p.stem != "__init__")


@pytest.mark.parametrize("sub", SUBMODULES)
def test_each_submodule_holds_torch_s_names_for_the_engine_s_classes(sub):
    ours = importlib.import_module(f"nn.modules.{sub}")
    theirs = importlib.import_module(f"torch.nn.modules.{sub}")
    names = [n for n, v in vars(ours).items() if not n.startswith("__")
             and (inspect.isclass(v) or inspect.isfunction(v))]
    assert names
    for name in names:
        assert hasattr(theirs, name), f"torch.nn.modules.{sub} has no {name}"
    for name in getattr(ours, "__all__", []):
        assert getattr(ours, name) is getattr(nn, name, getattr(ours, name))
        assert name in getattr(theirs, "__all__", [name])


def test_every_engine_class_torch_nn_modules_exports_is_there():
    for name, value in vars(torch.nn.modules).items():
        if inspect.isclass(value) and hasattr(nn, name):
            assert getattr(nn.modules, name) is getattr(nn, name), name


def test_private_bases_are_the_engine_s_and_isinstance_works():
    from nn.modules.batchnorm import _BatchNorm, _NormBase
    from nn.modules.conv import _ConvNd, _ConvTransposeNd
    from nn.modules.instancenorm import _InstanceNorm
    from nn.modules.module import Module
    assert isinstance(nn.Conv3d(1, 1, 1), _ConvNd) and isinstance(nn.Conv1d(1, 1, 1), Module)
    assert isinstance(nn.ConvTranspose3d(1, 1, 1), _ConvTransposeNd)
    assert isinstance(nn.BatchNorm2d(2), _BatchNorm) and isinstance(nn.InstanceNorm2d(2),
                                                                    (_NormBase, _InstanceNorm))
    assert Module is nn.Module and nn.modules.Conv2d is nn.Conv2d


def test_conv_bases_have_torchs_tree_and_constructor_signature():
    # _ConvTransposeNd is a _ConvNd, and a subclass calling torch's _ConvNd.__init__ with its
    # positional order (..., dilation, transposed, output_padding, groups, ...) runs
    from nn.modules.conv import _ConvNd, _ConvTransposeNd
    import autograd
    assert issubclass(_ConvTransposeNd, _ConvNd)
    assert all(isinstance(m, _ConvNd) for m in (nn.ConvTranspose1d(2, 2, 1),
                                                nn.ConvTranspose2d(2, 2, 1), nn.Conv2d(2, 2, 1)))
    for lib, Base in ((nn, _ConvNd), (torch.nn, torch.nn.modules.conv._ConvNd)):
        class Standardized(Base):
            def __init__(self, cin, cout):
                super().__init__(cin, cout, (3, 3), (1, 1), (1, 1), (1, 1), False, (0, 0), 2,
                                 True, "zeros")

            def forward(self, x, F=lib.functional):
                w = self.weight - self.weight.mean(dim=(1, 2, 3), keepdim=True)
                return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation,
                                self.groups)
        m = Standardized(4, 6)
        assert tuple(m.weight.shape) == (6, 2, 3, 3) and m.output_padding == (0, 0)
        assert not m.transposed and m.groups == 2
        if lib is nn:
            ours = m
        else:
            theirs = m
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 4, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(autograd.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    t = nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1)
    assert repr(t) == repr(torch.nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1))
    assert t.transposed and tuple(t.weight.shape) == (2, 4, 3, 3)


@pytest.mark.parametrize("x", [3, (1, 2), [4, 5, 6], range(2), "ab", None, 1.5])
def test_ntuple_helpers_match_torch(x):
    from torch.nn.modules import utils as tu
    for ours, theirs in ((_single, tu._single), (_pair, tu._pair), (_triple, tu._triple),
                         (_quadruple, tu._quadruple)):
        assert ours(x) == theirs(x)
        assert ours.__name__ == theirs.__name__
    if isinstance(x, (tuple, list, range)):
        assert _reverse_repeat_tuple(x, 2) == tu._reverse_repeat_tuple(x, 2)


def test_the_padding_a_conv_layer_hands_f_pad_is_torch_s():
    m = nn.Conv2d(1, 1, (3, 5), padding=(1, 2))
    assert m._reversed_padding_repeated_twice == _reverse_repeat_tuple(m.padding, 2)
    y = m(autograd.zeros(1, 1, 4, 4))
    assert y.shape == (1, 1, 4, 4)


def test_consume_prefix_strips_a_data_parallel_prefix_as_torch():
    from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present as theirs

    from nn.modules.utils import consume_prefix_in_state_dict_if_present as ours
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    wrapped = nn.DataParallel(model).state_dict()
    assert all(k.startswith("module.") for k in wrapped)
    ours(wrapped, "module.")
    assert list(wrapped) == list(model.state_dict())
    model.load_state_dict(wrapped)
    keys = {"module.a": 1, "b": 2, "module.c.d": 3}
    expected = dict(keys)
    theirs(expected, "module.")
    ours(keys, "module.")
    assert keys == expected
