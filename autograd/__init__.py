"""A reverse-mode autograd engine on numpy and numba with PyTorch's API."""
from . import allocator  # noqa: F401  (first: tunes malloc before any array is made)
from . import functional
from .anomaly import detect_anomaly
from .creation import (arange, empty, eye, from_numpy, full, full_like, linspace, manual_seed,
                       ones, ones_like, rand, randint, randn, randperm, tensor, zeros, zeros_like)
from .function import Context, Function, enable_grad, is_grad_enabled, no_grad
from .functional import *  # noqa: F401,F403  (exp, log, relu, softmax, sum, ... as functions)
from .gradcheck import GradcheckError, gradcheck
from .tensor import (Tensor, bool_, cat, concat, float32, float64, int32, int64, matmul, stack,
                     where)

bool = bool_  # noqa: A001  (autograd.bool, like torch.bool)
float = float32  # noqa: A001
double = float64
long = int64

__version__ = "0.1.0"
from . import data
from .serialization import load, save
from .model_check import ModelCheckReport, StateProbe, check_model_gradients
from .tensor_index import argsort, flip, gather, index_select, nonzero, roll, scatter, scatter_add, sort, topk, where  # noqa: F401,E501
from .creation import rand_like, randint_like, randn_like  # noqa: F401
from .tensor_factory import multinomial  # noqa: F401
from . import cuda  # noqa: F401
from .device import device  # noqa: F401
from .function import inference_mode, is_inference_mode_enabled, set_grad_enabled  # noqa: F401
from .backprop import backward, grad  # noqa: F401
from .torch_names import __getattr__  # noqa: E402,F401  (autograd.nn, .optim, .autograd)
from . import utils  # noqa: E402,F401  (autograd.utils.data, as torch.utils.data)
from .generator import get_rng_state, set_rng_state  # noqa: E402,F401
