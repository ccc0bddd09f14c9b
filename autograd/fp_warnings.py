"""Floating-point exceptions stay silent, as in PyTorch: 1 / 0 is inf, 0 / 0 and log(-1) are
NaN, exp(1000) is inf, with no message. numpy reports them as RuntimeWarnings attributed to the
Python frame that called the ufunc; the filter below drops those raised from the engine's own
packages only, so a user's own numpy code keeps numpy's behaviour. It costs nothing on the hot
path: warning filters are consulted only when a warning is raised. (np.errstate around each op
would cost ~2 us per call; np.seterr would change numpy's state for the whole program.)
A filter added inside a `warnings.catch_warnings()` block is dropped at its end: pytest collects
test files inside one, so a test suite imports the engine first (tests/conftest.py does).
"""
import warnings

warnings.filterwarnings(
    "ignore", message=r"(overflow|underflow|divide by zero|invalid value) encountered",
    category=RuntimeWarning, module=r"(autograd|nn|optim)(\.|$)")
