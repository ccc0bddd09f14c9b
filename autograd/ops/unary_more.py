"""Inverse trigonometric and hyperbolic functions, log2/log10/exp2, atan2; the ops with no
gradient in PyTorch (heaviside, bincount's weights: backward raises) or a zero one (divide
with a rounding mode, in-place comparisons); and the ndarray kernels of unique,
unique_consecutive, histc and div's rounding modes. Each VJP is PyTorch's formula
(derivatives.yaml), so the gradients agree with it at the domain edges too (inf at
asin(+-1), nan outside the domain)."""
import math

import numpy as np

from ..function import Function, constant
from ..graph_backward import linked_to_input

_quiet = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
LN2, LN10 = math.log(2.0), math.log(10.0)


def _rsqrt(v):
    with np.errstate(**_quiet):   # inf at 0, nan below, as torch's rsqrt
        return 1 / np.sqrt(v)


class _Elementwise(Function):
    """y = f(x), computed quietly (nan outside the domain, +-inf at the poles, as PyTorch);
    subclasses give `f` and `grad(x, y)`, the derivative's value, and `graph(x, y)`, the same
    with Tensor ops (create_graph=True)."""

    f = None
    graph = None

    @classmethod
    def forward(cls, ctx, x):
        with np.errstate(**_quiet):
            y = cls.f(x)
        ctx.save_for_backward(x, y)
        return y

    @classmethod
    def backward(cls, ctx, g):
        x, y = ctx.saved
        with np.errstate(**_quiet):
            return (g * cls.grad(x, y),)

    @classmethod
    def backward_graph(cls, ctx, g):
        if cls.graph is None:
            raise RuntimeError(f"{cls.__name__}: create_graph=True is not supported by this op "
                               f"(it has no recorded derivative, `graph`)")
        x, y = ctx.saved
        with np.errstate(**_quiet):
            return (g * cls.graph(ctx.input_tensor(0, x), ctx.output_tensor(y)),)


class Asin(_Elementwise):
    """y = asin(x);  dx = g / sqrt(1 - x^2)."""
    f = staticmethod(np.arcsin)
    grad = staticmethod(lambda x, y: _rsqrt(1 - x * x))
    graph = staticmethod(lambda x, y: (1 - x * x).rsqrt())


class Acos(_Elementwise):
    """y = acos(x);  dx = -g / sqrt(1 - x^2)."""
    f = staticmethod(np.arccos)
    grad = staticmethod(lambda x, y: -_rsqrt(1 - x * x))
    graph = staticmethod(lambda x, y: -(1 - x * x).rsqrt())


class Atan(_Elementwise):
    """y = atan(x);  dx = g / (1 + x^2)."""
    f = staticmethod(np.arctan)
    grad = staticmethod(lambda x, y: 1 / (x * x + 1))
    graph = staticmethod(lambda x, y: 1 / (x * x + 1))


class Sinh(_Elementwise):
    """y = sinh(x);  dx = g * cosh(x)."""
    f = staticmethod(np.sinh)
    grad = staticmethod(lambda x, y: np.cosh(x))
    graph = staticmethod(lambda x, y: x.cosh())


class Cosh(_Elementwise):
    """y = cosh(x);  dx = g * sinh(x)."""
    f = staticmethod(np.cosh)
    grad = staticmethod(lambda x, y: np.sinh(x))
    graph = staticmethod(lambda x, y: x.sinh())


class Asinh(_Elementwise):
    """y = asinh(x);  dx = g / sqrt(x^2 + 1)."""
    f = staticmethod(np.arcsinh)
    grad = staticmethod(lambda x, y: _rsqrt(x * x + 1))
    graph = staticmethod(lambda x, y: (x * x + 1).rsqrt())


class Acosh(_Elementwise):
    """y = acosh(x) (nan below 1);  dx = g / sqrt(x^2 - 1) (PyTorch's formula: finite for
    x < -1, where y is nan)."""
    f = staticmethod(np.arccosh)
    grad = staticmethod(lambda x, y: _rsqrt(x * x - 1))
    graph = staticmethod(lambda x, y: (x * x - 1).rsqrt())


class Atanh(_Elementwise):
    """y = atanh(x);  dx = g / (1 - x^2)."""
    f = staticmethod(np.arctanh)
    grad = staticmethod(lambda x, y: 1 / (1 - x * x))
    graph = staticmethod(lambda x, y: 1 / (1 - x * x))


class Log2(_Elementwise):
    """y = log2(x);  dx = g / (x ln 2)."""
    f = staticmethod(np.log2)
    grad = staticmethod(lambda x, y: 1 / (x * x.dtype.type(LN2)))
    graph = staticmethod(lambda x, y: 1 / (x * LN2))


class Log10(_Elementwise):
    """y = log10(x);  dx = g / (x ln 10)."""
    f = staticmethod(np.log10)
    grad = staticmethod(lambda x, y: 1 / (x * x.dtype.type(LN10)))
    graph = staticmethod(lambda x, y: 1 / (x * LN10))


class Exp2(_Elementwise):
    """y = 2^x;  dx = g * y ln 2."""
    f = staticmethod(np.exp2)
    grad = staticmethod(lambda x, y: y * y.dtype.type(LN2))
    graph = staticmethod(lambda x, y: y * LN2)


class Atan2(Function):
    """z = atan2(y, x) (y = input);  dy = g x / r, dx = -g y / r with r = x^2 + y^2, both 0
    where r is 0 (PyTorch's choice at the origin, and where r underflows)."""

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, g):
        y, x = ctx.saved
        with np.errstate(**_quiet):
            r = y * y + x * x
            recip = np.where(r == 0, r.dtype.type(0), 1 / r)
            return g * x * recip, g * -y * recip

    @staticmethod
    def backward_graph(ctx, g):
        y, x = ctx.saved
        yt, xt = ctx.input_tensor(0, y), ctx.input_tensor(1, x)
        with np.errstate(**_quiet):
            origin = constant(y * y + x * x == 0)
            # r is made 1 at the origin before dividing: an inf there would give a nan second
            # derivative through the mask
            recip = (1 / (yt * yt + xt * xt).masked_fill(origin, 1)).masked_fill(origin, 0)
            return g * xt * recip, g * -yt * recip


class NoDerivative(Function):
    """y = the given values (an op PyTorch has no derivative for, e.g. heaviside); backward
    raises, as PyTorch's does."""

    @staticmethod
    def forward(ctx, *inputs, values, op):
        ctx.op = op
        return values

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"{ctx.op}: the derivative is not implemented (as in PyTorch); "
                           f"detach() its inputs")

    backward_graph = backward


class ZeroGrad(Function):
    """y = the given values (a rounded quotient, an in-place comparison's 0/1), cast to x's
    dtype;  every input's gradient is 0, as PyTorch's."""

    @staticmethod
    def forward(ctx, *inputs, values):
        return np.asarray(values).astype(inputs[0].dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.zeros_like(g) for _ in range(len(ctx.needs_input_grad)))

    @staticmethod
    def backward_graph(ctx, g):
        return tuple(constant(np.zeros(g.shape, g.dtype)) for _ in ctx.needs_input_grad)


class LinkInput(Function):
    """y = x (a view);  dx = g, which recorded also depends on x with a zero derivative. At
    the input of a composed op whose VJP is constant in x (3-D pooling), so that its first
    gradient stays linked to x, as torch's fused op's (`self: zeros_like(self)`)."""

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, g):
        return (g,)

    @staticmethod
    def backward_graph(ctx, g):
        return (linked_to_input(ctx, g),)


# ---------------------------------------------------------------- kernels of the no-grad ops
def rounded_quotient(a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray:
    """a / b rounded toward zero ('trunc') or down ('floor'), as PyTorch's div (integer
    divisors must be nonzero)."""
    if a.dtype.kind == "f":
        with np.errstate(**_quiet):
            return np.trunc(a / b) if mode == "trunc" else np.floor_divide(a, b)
    q = np.floor_divide(a, b)
    if mode == "trunc":   # floor took the negative inexact quotients one further down
        q = q + ((q * b != a) & ((a < 0) != (b < 0)))
    return q


def unique_slices(x: np.ndarray, axis=None, consecutive=False):
    """(values, inverse, counts) of x's distinct elements (axis None) or slices along axis,
    sorted (lexicographically), or of its runs of equal neighbours if consecutive. -0.0 and
    0.0 are equal and every NaN distinct, as PyTorch's (numpy's unique merges NaNs)."""
    front = x.reshape(-1) if axis is None else np.moveaxis(x, axis, 0)
    rows = front.reshape(front.shape[0], int(np.prod(front.shape[1:])))
    if consecutive:
        order = np.arange(rows.shape[0])
    else:   # lexsort's last key is the primary one; it is stable, as the runs need
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(rows.shape[0])
    starts, groups, counts = consecutive_groups(rows[order])
    inverse = np.empty(rows.shape[0], np.int64)
    inverse[order] = groups
    values = front[order[starts]]
    if axis is None:
        return values, inverse.reshape(x.shape), counts
    return np.moveaxis(values, 0, axis), inverse, counts


def consecutive_groups(rows: np.ndarray):
    """rows: (n, k) -> (first index of each run of equal rows, inverse (n,), counts)."""
    new = np.ones(rows.shape[0], np.bool_)
    if rows.shape[0] > 1:
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    starts = np.flatnonzero(new)
    return starts, np.cumsum(new) - 1, np.diff(np.append(starts, rows.shape[0]))


def histc_counts(x: np.ndarray, bins: int, lo, hi) -> np.ndarray:
    """Counts of x in `bins` equal bins over [lo, hi] (hi falls in the last bin; NaN and the
    elements outside are left out), the bin computed in x's dtype as PyTorch's
    (x - lo) * bins / (hi - lo)."""
    flat = x.ravel()
    lo, hi = x.dtype.type(lo), x.dtype.type(hi)
    keep = flat[(flat >= lo) & (flat <= hi)]
    with np.errstate(over="ignore"):
        pos = ((keep - lo) * x.dtype.type(bins) / (hi - lo)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return np.bincount(pos, minlength=bins).astype(x.dtype)
