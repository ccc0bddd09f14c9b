"""Elementwise arithmetic. Broadcast inputs get full-shape gradients; the engine unbroadcasts."""
import numpy as np

from ..function import Function, constant
from ..graph_backward import connected_constant
from .layout import c_order


class Add(Function):
    """y = a + b;  da = g, db = g."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g

    @staticmethod
    def backward_graph(ctx, g):
        return g, g


class Sub(Function):
    """y = a - b;  da = g, db = -g."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_graph(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a * b;  da = g * b, db = g * a."""

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        if need is not None:   # each factor is needed for the other's gradient only
            ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return ((g * ctx.input_tensor(1, b) if need_a else None),
                (g * ctx.input_tensor(0, a) if need_b else None))


class Div(Function):
    """y = a / b;  da = g / b, db = -g * (a / b) / b (PyTorch's order: b * b would underflow
    or overflow where the quotients do not, and its second derivative at b = 0 or inf be nan)."""

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        if need is not None:   # a is needed for b's gradient only (x / 2 saves just the 2)
            ctx.save_for_backward(a if need[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * (a / b) / b if need_b else None
        return ga, gb

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        bt = ctx.input_tensor(1, b)
        ga = g / bt if need_a else None
        gb = -g * (ctx.input_tensor(0, a) / bt) / bt if need_b else None
        return ga, gb


class Neg(Function):
    """y = -x;  dx = -g."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return (-g,)

    @staticmethod
    def backward_graph(ctx, g):
        return (-g,)


class PowScalar(Function):
    """y = x ** p for a constant p;  dx = g * p * x^(p-1)."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        # nan/inf, as PyTorch, silently
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return x ** x.dtype.type(p) if x.dtype.kind == "f" else x ** p

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        p = ctx.p
        if p == 0:  # x ** 0 is constant; p * x^-1 would give 0 * inf = nan at x = 0
            return (np.zeros_like(g),)
        if p == 2:
            return (g * (2 * x),)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (g * (p * x ** x.dtype.type(p - 1)),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        p = ctx.p
        if p == 0:
            return (g * 0,)
        return (g * (p * ctx.input_tensor(0, x) ** (p - 1)),)


class RPowScalar(Function):
    """y = c ** x for a constant c > 0;  dx = g * y * log(c)."""

    @staticmethod
    def forward(ctx, x, c):
        y = x.dtype.type(c) ** x
        ctx.save_for_backward(y)
        ctx.logc = np.log(x.dtype.type(c))
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return (g * y * ctx.logc,)

    @staticmethod
    def backward_graph(ctx, g):
        (y,) = ctx.saved
        return (g * ctx.output_tensor(y) * float(ctx.logc),)


def _integer_pow(a, b):
    """a ** b on integers; a negative exponent gives what PyTorch's does (numpy raises):
    1 ** -n = 1, (-1) ** -n = +-1, any other base 0."""
    neg = b < 0
    if not neg.any():
        return a ** b
    y = a ** np.where(neg, 0, b)
    small = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(neg, small, y).astype(y.dtype, copy=False)


class Pow(Function):
    """y = a ** b;  da = g * b * a^(b-1) (0 where b = 0), db = g * y * log(a) (0 where a = 0
    and b >= 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        if b.dtype.kind in "iu" and a.dtype.kind in "iu":
            y = _integer_pow(a, b)
        else:   # 0 ** -1 = inf, (-1) ** 0.5 = nan, overflow to inf: as PyTorch, silently
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if need_a:
                ga = g * np.where(b == 0, 0, b * a ** (b - 1))
            if need_b:
                gb = g * np.where((a == 0) & (b >= 0), 0, y * np.log(a))
        return ga, gb

    @staticmethod
    def backward_graph(ctx, g):
        a, b, y = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        at, bt = ctx.input_tensor(0, a), ctx.input_tensor(1, b)
        ga = gb = None
        if need_a:   # b = 0 takes a's gradient to 0 (a^(b-1) may be inf there)
            zero_b = constant(b == 0)
            ga = g * (bt * at ** (bt - 1)).masked_fill(zero_b, 0)
        if need_b:   # log(a) at a = 0, b >= 0 is replaced before it is taken, not after:
            # a nan there would reach the second-order gradient through the mask
            skip = constant((a == 0) & (b >= 0))   # in the output's (broadcast) shape
            safe_a = at.expand(*y.shape).masked_fill(skip, 1)
            gb = g * (ctx.output_tensor(y) * safe_a.log()).masked_fill(skip, 0)
        return ga, gb


class Exp(Function):
    """y = exp(x);  dx = g * y."""

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return (g * y,)

    @staticmethod
    def backward_graph(ctx, g):
        return (g * ctx.output_tensor(ctx.saved[0]),)


class Log(Function):
    """y = log(x);  dx = g / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(divide="ignore"):
            return (g / x,)

    @staticmethod
    def backward_graph(ctx, g):
        return (g / ctx.input_tensor(0, ctx.saved[0]),)


class Sqrt(Function):
    """y = sqrt(x);  dx = g / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        with np.errstate(divide="ignore"):
            return (g / (2 * y),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g / (2 * ctx.output_tensor(ctx.saved[0])),)


def _sign(x):
    """sign(x), 0 at nan (abs's derivative there, as PyTorch's sgn)."""
    s = np.sign(x)
    return s if x.dtype.kind != "f" else np.where(x != x, x.dtype.type(0), s)


class Abs(Function):
    """y = |x|;  dx = g * sign(x) (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g * _sign(x),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        return (g * connected_constant(ctx, _sign(x), (0, x)),)


class Where(Function):
    """y = a where cond else b;  da = g * cond, db = g * ~cond."""

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved
        zero = g.dtype.type(0)
        need_a, need_b = ctx.needs_input_grad
        return (np.where(cond, g, zero) if need_a else None,
                np.where(cond, zero, g) if need_b else None)

    @staticmethod
    def backward_graph(ctx, g):
        cond = constant(ctx.saved[0])
        need_a, need_b = ctx.needs_input_grad
        return (g.masked_fill(~cond, 0) if need_a else None,
                g.masked_fill(cond, 0) if need_b else None)


class MaskedFill(Where):
    """Where with a C-ordered result: PyTorch's masked_fill is contiguous whatever the layout
    of its input (its where, as np.where, keeps a transposed input's order)."""

    @staticmethod
    def forward(ctx, a, b, cond):
        return c_order(Where.forward(ctx, a, b, cond))


class Remainder(Function):
    """y = a - floor(a / b) * b (the sign of b, as Python's %);  da = g, db = -g * floor(a / b)."""

    @staticmethod
    def _value(a, b):
        return np.remainder(a, b)

    @staticmethod
    def _quotient(a, b):
        return np.floor_divide(a, b)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        # x % 0.0 is nan, as PyTorch
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return cls._value(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:   # a / b may overflow to inf (a huge, b tiny), as in PyTorch
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                gb = -g * cls._quotient(a, b)
        return (g if need_a else None), gb

    @classmethod
    def backward_graph(cls, ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:   # the quotient is piecewise constant: linked to a and b with a zero
            # derivative, as torch's div(rounding_mode=...) in its formula
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                q = connected_constant(ctx, cls._quotient(a, b), (0, a), (1, b))
            gb = -g * q
        return (g if need_a else None), gb


class Fmod(Remainder):
    """y = fmod(a, b) = a - trunc(a / b) * b (the sign of a);  da = g, db = -g * trunc(a / b)."""

    @staticmethod
    def _value(a, b):
        return np.fmod(a, b)

    @staticmethod
    def _quotient(a, b):
        return np.trunc(a / b)


class Lerp(Function):
    """y = start + w (end - start), taken as end - (end - start) (1 - w) for w >= 0.5 (as
    torch's: exact at w = 1, and inf rather than nan for an infinite start at w = 0.5);
    d start = g (1 - w), d end = g w, d w = g (end - start)."""

    @staticmethod
    def forward(ctx, start, end, w):
        ctx.save_for_backward(start, end, w)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = end - start
            return np.where(w < 0.5, start + w * diff, end - diff * (1 - w))

    @staticmethod
    def backward(ctx, g):
        start, end, w = ctx.saved
        need = ctx.needs_input_grad
        with np.errstate(invalid="ignore", over="ignore"):
            return (g * (1 - w) if need[0] else None, g * w if need[1] else None,
                    g * (end - start) if need[2] else None)

    @staticmethod
    def backward_graph(ctx, g):
        start, end, w = ctx.saved
        need = ctx.needs_input_grad
        st, et, wt = (ctx.input_tensor(i, a) for i, a in enumerate((start, end, w)))
        return (g * (1 - wt) if need[0] else None, g * wt if need[1] else None,
                g * (et - st) if need[2] else None)
