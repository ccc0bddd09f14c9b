"""torch's import lines with torch renamed: `import autograd.nn as nn` and the like give the
engine's own nn and optim modules (one copy each, not a second under the alias's name)."""
import subprocess
import sys


def test_torch_style_imports_give_the_engine_modules():
    code = """
import autograd as torch
import autograd.nn as nn
import autograd.nn.functional as F
from autograd.nn import functional as F2
from autograd.nn.utils.rnn import pad_sequence
import autograd.optim as optim
from autograd.optim.lr_scheduler import StepLR
import nn as real_nn, optim as real_optim, nn.utils.rnn
assert nn is real_nn and F is real_nn.functional and F2 is F and torch.nn is nn
assert optim is real_optim and StepLR is real_optim.lr_scheduler.StepLR
assert pad_sequence is nn.utils.rnn.pad_sequence
assert type(nn.Linear(2, 3)).__module__ == "nn.linear"
import importlib, importlib.resources
assert F.__spec__.name == "nn.functional" and nn.__spec__.name == "nn"   # their own specs
assert nn.__spec__.submodule_search_locations and importlib.resources.files("nn").is_dir()
assert importlib.reload(F) is F and not hasattr(F, "_alias_kept")
try:
    import autograd.nonexistent
except ModuleNotFoundError:
    pass
else:
    raise AssertionError("a missing submodule imported")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_torch_utils_data_submodules_and_autograd_names():
    from autograd.utils.data import DataLoader, Sampler
    from autograd.utils.data.dataloader import DataLoader as D, default_collate
    from autograd.utils.data.dataset import Dataset, TensorDataset
    from autograd.utils.data.sampler import Sampler as S, SubsetRandomSampler
    assert D is DataLoader and S is Sampler and issubclass(TensorDataset, Dataset)
    assert callable(default_collate) and issubclass(SubsetRandomSampler, Sampler)
    import autograd as torch
    assert torch.autograd.gradgradcheck is torch.gradgradcheck
    assert torch.autograd.is_grad_enabled() is True
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    jac = torch.autograd.functional.jacobian(lambda t: t * t, x)
    assert jac.tolist() == [[2.0, 0.0], [0.0, 4.0]]


def test_torch_autograd_submodules_import_as_in_torch():
    code = """
from autograd.autograd.gradcheck import GradcheckError, gradcheck
from autograd.autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode
from autograd.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly
import autograd as torch
assert torch.autograd.gradcheck is gradcheck and GradcheckError is torch.GradcheckError
assert torch.autograd.grad_mode.no_grad is torch.no_grad is no_grad
assert torch.autograd.anomaly_mode.detect_anomaly is torch.autograd.detect_anomaly
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
