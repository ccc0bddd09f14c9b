"""A reverse-mode autograd engine on numpy and numba with PyTorch's API."""
from . import allocator  # noqa: F401  (first: tunes malloc before any array is made)
from . import fp_warnings  # noqa: F401  (1 / 0 is inf without a numpy RuntimeWarning)
from . import cuda, data, distributed, functional, linalg, special, utils  # noqa: F401
from . import func  # noqa: F401  (torch.func.functional_call)
from .anomaly import detect_anomaly
from .compat import *  # noqa: F401,F403  (torch.backends, finfo, FloatTensor, ... as names)
from .backprop import backward, grad
from .creation import (arange, empty, eye, from_numpy, full, full_like, get_default_dtype,
                       linspace, logspace, manual_seed, ones, ones_like, rand, rand_like, randint,
                       randint_like, randn, randn_like, randperm, set_default_dtype, tensor, zeros,
                       zeros_like)
from .device import device
from .function import (Context, Function, enable_grad, inference_mode, is_grad_enabled,
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from .functional import *  # noqa: F401,F403  (exp, log, relu, softmax, sum, ... as functions)
from .generator import Generator, get_rng_state, set_rng_state
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .model_check import ModelCheckReport, StateProbe, check_model_gradients
from .serialization import load, save
from .threads import get_num_threads, set_num_threads
from .tensor import Tensor, cat, concat, matmul, stack
from .dtypes import (bfloat16, bool_, cdouble, cfloat, complex64, complex128,  # noqa: F401
                     float16, float32, float64, int32, int64)
from .tensor_factory import multinomial
from .tensor_index import (argsort, flip, gather, index_select, nonzero, roll, scatter,
                           scatter_add, sort, topk, where)
from .torch_names import __getattr__  # noqa: F401  (autograd.nn, .optim, .autograd, lazily)

__version__ = "0.1.0"
version.__version__ = __version__  # noqa: F405  (torch.version.__version__)
from .tensor_index_more import index_put, index_put_, scatter_reduce  # noqa: F401
from .autograd_functional import torch_autograd as autograd  # noqa: E402,F401  (torch.autograd)
from .func import vmap  # noqa: E402,F401  (torch.vmap, as torch.func.vmap)
from . import amp, jit, testing  # noqa: E402,F401  (torch.amp, torch.jit, torch.testing)
from .amp import autocast, cpu  # noqa: E402,F401  (torch.autocast, torch.cpu.amp)
from .jit import compile  # noqa: E402,F401,A001  (torch.compile: returns its argument)
from . import distributions  # noqa: E402,F401  (torch.distributions)
from .anomaly import (is_anomaly_check_nan_enabled, is_anomaly_enabled,  # noqa: E402,F401
                      set_anomaly_enabled, set_detect_anomaly)
from .functional_torch_more import *  # noqa: E402,F401,F403  (broadcast_shapes, asarray, ...)
from .functional_nn_forms import *  # noqa: E402,F401,F403  (torch.conv2d, torch.layer_norm, ...)
from .tensor_scatter_more import *  # noqa: E402,F401,F403  (select_scatter, index_reduce, ...)
from .linalg_legacy import *  # noqa: E402,F401,F403  (torch.svd, torch.qr, torch.cholesky, ...)
from .functional_gradient import gradient  # noqa: E402,F401  (torch.gradient)
from .functional_search import bucketize, histogram, searchsorted  # noqa: E402,F401
# torch's dtype names, each standing for the numpy dtype the engine computes in (see dtypes.dtype)
from .dtypes import dtype, of as _of  # noqa: E402,F401  (torch.dtype: the class of each)
float32 = float = _of(float32)  # noqa: A001
float64 = double = _of(float64)
float16 = half = _of(float16)
int64 = long = _of(int64)
int32 = int = _of(int32)  # noqa: A001
int16 = short = _of(int16)  # noqa: F405
int8, uint8 = _of(int8), _of(uint8)  # noqa: F405
bool_ = bool = _of(bool_)  # noqa: A001
del _of
from . import random  # noqa: E402,F401  (torch.random: fork_rng, manual_seed, ...)
from .foreach import *  # noqa: E402,F401,F403  (torch._foreach_add_, _foreach_lerp_, ...)
from .autograd_functional import register_submodules  # noqa: E402
register_submodules()   # autograd.autograd.gradcheck, .grad_mode, .anomaly_mode
del register_submodules
from .creation import inclusive_range as range  # noqa: E402,A001  (torch.range)
