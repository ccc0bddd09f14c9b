"""The public ops the fuzz drives: name -> (names an error must mention, builder).

A builder takes hypothesis' `draw` and returns a zero-argument callable that runs the op on
drawn arguments, valid or not (random shapes including empty and 0-d, all dtypes, NaN/inf,
out-of-range dims and indices, negative sizes).
"""
from __future__ import annotations

import operator

import hypothesis.strategies as st
import numpy as np

import autograd
import nn
import optim
from tests.reliability.fuzzing import DTYPES, FOREIGN, arrays, dims, sizes, tensors

T = tensors()
SCALARS = st.one_of(st.integers(-3, 3), st.floats(-3, 3), st.sampled_from([np.nan, np.inf, 0.0]))
OPERANDS = st.one_of(T, SCALARS)


def _unary(method, *param_strategies):
    def build(draw):
        x = draw(T)
        params = [draw(s) for s in param_strategies]
        return lambda: getattr(x, method)(*params)
    return build


def _binary(fn):
    def build(draw):
        a, b = draw(T), draw(OPERANDS)
        if draw(st.booleans()):
            a, b = b, a
        return lambda: fn(a, b)
    return build


def _same_shape_pair(fn):
    """Two tensors of one drawn shape (or, half the time, two unrelated shapes)."""
    def build(draw):
        a = draw(T)
        b = draw(tensors(a.shape)) if draw(st.booleans()) else draw(T)
        return lambda: fn(a, b)
    return build


def _tensor_list(fn, *param_strategies):
    def build(draw):
        first = draw(T)
        n = draw(st.integers(0, 3))
        same = draw(st.booleans())
        xs = [first] + [draw(tensors(first.shape) if same else T) for _ in range(n)]
        if draw(st.integers(0, 9)) == 0:
            xs = []
        params = [draw(s) for s in param_strategies]
        return lambda: fn(xs, *params)
    return build


def _index(draw, shape):
    """A basic or advanced index, in range or not."""
    kind = draw(st.sampled_from(["int", "slice", "tuple", "array", "bool", "ellipsis", "none"]))
    n = shape[0] if shape else 0
    if kind == "int":
        return draw(st.integers(-n - 2, n + 2))
    if kind == "slice":
        return slice(draw(st.integers(-5, 5)), draw(st.integers(-5, 5)), draw(st.integers(-2, 3)))
    if kind == "tuple":
        return tuple(draw(st.one_of(st.integers(-4, 4), st.just(slice(None))))
                     for _ in range(draw(st.integers(0, len(shape) + 1))))
    if kind == "array":
        return autograd.tensor(np.array(draw(st.lists(st.integers(-n - 2, n + 2), max_size=4)),
                                        dtype=np.int64))
    if kind == "bool":
        return autograd.tensor(draw(arrays(draw(st.sampled_from([shape, (n,), (n + 1,)])),
                                           np.bool_)))
    return Ellipsis if kind == "ellipsis" else None


def _getitem(draw):
    x = draw(T)
    idx = _index(draw, x.shape)
    return lambda: x[idx]


def _setitem(draw):
    x = draw(tensors(dtype=draw(st.sampled_from([np.float32, np.float64, np.int64]))))
    x.requires_grad = False
    idx = _index(draw, x.shape)
    v = draw(OPERANDS)

    def call():
        x[idx] = v
        return x
    return call


def _creation(fn, with_dtype=True):
    def build(draw):
        size = draw(sizes())
        kw = {"dtype": draw(st.sampled_from([None, np.float32, np.float64, np.int64]))}
        return lambda: fn(*size, **kw) if with_dtype else fn(*size)
    return build


def _full(draw):
    size, value = draw(sizes()), draw(SCALARS)
    return lambda: autograd.full(size, value)


def _arange(draw):
    a, b, s = (draw(st.one_of(st.integers(-5, 5), st.floats(-5, 5))) for _ in range(3))
    return lambda: autograd.arange(a, b, s)


def _tensor_data(draw):
    data = draw(st.one_of(
        st.lists(st.floats(allow_nan=True), max_size=3),
        st.lists(st.lists(st.integers(-3, 3), max_size=3), max_size=3),  # ragged sometimes
        st.sampled_from(["abc", None, {"a": 1}, [1, "x"]]),
        SCALARS))
    grad = draw(st.booleans())
    return lambda: autograd.tensor(data, requires_grad=grad)


def _from_foreign(fn):
    def build(draw):
        arr = draw(arrays(dtype=draw(st.sampled_from(DTYPES + FOREIGN))))
        return lambda: fn(arr) * 2 if arr.dtype.kind in "fiu" else fn(arr)
    return build


def _requires_grad(draw):
    x = draw(T)
    x.requires_grad = False
    return lambda: x.requires_grad_(True)


def _module(make, input_strategy):
    def build(draw):
        m = make(draw)
        x = draw(input_strategy)
        return lambda: m(x)
    return build


def _feature_sizes():
    return st.integers(1, 4)


def _linear(draw):
    return nn.Linear(draw(_feature_sizes()), draw(_feature_sizes()))


def _recurrent(cls):
    def make(draw):
        return cls(draw(_feature_sizes()), draw(_feature_sizes()),
                   batch_first=draw(st.booleans()))
    return make


def _layer_norm(draw):
    return nn.LayerNorm(tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))))


def _batch_norm(draw):
    return nn.BatchNorm1d(draw(_feature_sizes()))


def _embedding(draw):
    return nn.Embedding(draw(_feature_sizes()), draw(_feature_sizes()))


def _index_tensors():
    return tensors(dtype=np.int64) | T


def _softmax_module(draw):
    return (nn.Softmax if draw(st.booleans()) else nn.LogSoftmax)(draw(dims()))


def _mha(draw):
    e, h, batch_first = draw(st.integers(1, 4)), draw(st.integers(0, 3)), draw(st.booleans())
    q, k, v = draw(T), draw(T), draw(T)
    if draw(st.booleans()):
        q = k = v = draw(tensors((draw(st.integers(0, 3)), draw(st.integers(0, 2)), e)))
    mask = draw(st.one_of(st.none(), T))
    return lambda: nn.MultiheadAttention(e, h, batch_first=batch_first)(
        q, k, v, key_padding_mask=mask)


def _encoder_layer(draw):
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8)
    x = draw(st.one_of(T, tensors((draw(st.integers(0, 3)), draw(st.integers(0, 2)), 4))))
    mask = draw(st.one_of(st.none(), T))
    return lambda: layer(x, src_mask=mask)


def _attention(draw):
    dims_ = draw(_feature_sizes()), draw(_feature_sizes())
    method = draw(st.sampled_from(["dot", "general", "additive", "bogus"]))
    q, keys, mask = draw(T), draw(T), draw(st.one_of(st.none(), T))
    return lambda: nn.Attention(*dims_, method=method)(q, keys, mask=mask)


HYPER = st.one_of(st.floats(-1, 2), st.sampled_from([np.nan, np.inf, 0.0]), st.none(),
                  st.just("x"), st.tuples(st.floats(-1, 2), st.floats(-1, 2)))


def _give_grad(p, g):
    """p.grad = g. The assignment refuses a g of another shape or dtype, as torch's; such a
    gradient can still arrive through .data, which the optimizers and clip_grad_* must then
    refuse clearly."""
    if g is None or (g.shape == p.shape and g.dtype == p.dtype):
        p.grad = g
    else:
        p.grad = autograd.tensor(np.zeros(p.shape, p.dtype))
        p.grad.data = g.data


def _optimizer(draw):
    cls = draw(st.sampled_from([optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop,
                                optim.Adagrad]))
    name = draw(st.sampled_from(["lr", "momentum", "weight_decay", "eps", "betas", "alpha"]))
    value = draw(HYPER)
    p = nn.Parameter(draw(arrays(dtype=draw(st.sampled_from([np.float32, np.float64])))))
    g = draw(tensors(p.shape if draw(st.booleans()) else None))

    def call():
        try:
            opt = cls([p], **{name: value})
        except TypeError as e:
            if "unexpected keyword" in str(e):  # a hyper-parameter this optimizer lacks
                return None
            raise
        _give_grad(p, g)
        opt.step()
        return p
    return call


def _clip(draw):
    ps = [nn.Parameter(draw(arrays(dtype=np.float32))) for _ in range(draw(st.integers(0, 2)))]
    for p in ps:
        _give_grad(p, draw(st.one_of(st.none(), tensors(p.shape, np.float32), T)))
    max_norm = draw(st.one_of(st.floats(-1, 2), st.just(np.nan)))
    norm = draw(st.sampled_from([2.0, 1.0, np.inf, -np.inf, 0.0, -1.0, "fro", np.nan]))
    if draw(st.booleans()):
        return lambda: nn.utils.clip_grad_value_(ps, max_norm)
    return lambda: nn.utils.clip_grad_norm_(ps, max_norm, norm,
                                            error_if_nonfinite=draw(st.booleans()))


def _load_state_dict(draw):
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = model.state_dict()
    for key in list(state):
        action = draw(st.sampled_from(["keep", "keep", "drop", "reshape", "retype", "array"]))
        if action == "drop":
            del state[key]
        elif action == "reshape":
            state[key] = draw(arrays(dtype=np.float32))
        elif action == "retype":
            state[key] = state[key].numpy().astype(draw(st.sampled_from(DTYPES + [np.str_])))
        elif action == "array":
            state[key] = state[key].numpy()   # a plain array loads too
    if draw(st.booleans()):
        state["bogus"] = np.zeros(1)
    strict = draw(st.booleans())
    return lambda: model.load_state_dict(state, strict=strict)


_REDUCE_KW = st.tuples(st.one_of(st.none(), dims(), st.lists(dims(), max_size=3).map(tuple)),
                       st.booleans())

OPS = {
    # elementwise
    "exp": (["exp"], _unary("exp")),
    "log": (["log"], _unary("log")),
    "sqrt": (["sqrt"], _unary("sqrt")),
    "abs": (["abs"], _unary("abs")),
    "neg": (["neg"], _unary("__neg__")),
    "relu": (["relu"], _unary("relu")),
    "tanh": (["tanh"], _unary("tanh")),
    "sigmoid": (["sigmoid"], _unary("sigmoid")),
    "leaky_relu": (["leaky_relu"], _unary("leaky_relu", SCALARS)),
    "step": (["step"], _unary("step")),
    "clamp": (["clamp"], _unary("clamp", st.one_of(st.none(), SCALARS),
                                st.one_of(st.none(), SCALARS))),
    "to": (["to", "cast"], _unary("to", st.sampled_from(
        [np.float32, np.float64, np.int32, np.int64, np.bool_, "float16", "U3", object]))),
    "pow_scalar": (["pow"], _unary("__pow__", SCALARS)),
    "rpow_scalar": (["pow"], _unary("__rpow__", SCALARS)),
    "add": (["add"], _binary(operator.add)),
    "sub": (["sub"], _binary(operator.sub)),
    "mul": (["mul"], _binary(operator.mul)),
    "div": (["div"], _binary(operator.truediv)),
    "pow": (["pow"], _binary(operator.pow)),
    "maximum": (["maximum"], _same_shape_pair(lambda a, b: a.maximum(b))),
    "minimum": (["minimum"], _same_shape_pair(lambda a, b: a.minimum(b))),
    "lt": (["lt", "less"], _binary(operator.lt)),
    "eq": (["eq", "equal"], _binary(operator.eq)),
    "matmul": (["matmul"], _same_shape_pair(autograd.matmul)),
    "where": (["where"], lambda d: (lambda c, a, b: lambda: autograd.where(c, a, b))(
        d(T), d(T), d(OPERANDS))),
    "masked_fill": (["masked_fill", "where"], lambda d: (lambda x, m, v: lambda: x.masked_fill(
        m, v))(d(T), d(T), d(SCALARS))),
    # reductions
    "sum": (["sum"], lambda d: (lambda x, k: lambda: x.sum(*k))(d(T), d(_REDUCE_KW))),
    "mean": (["mean"], lambda d: (lambda x, k: lambda: x.mean(*k))(d(T), d(_REDUCE_KW))),
    "var": (["var"], lambda d: (lambda x, k: lambda: x.var(k[0], keepdim=k[1]))(
        d(T), d(_REDUCE_KW))),
    "std": (["std"], lambda d: (lambda x, k: lambda: x.std(k[0], keepdim=k[1]))(
        d(T), d(_REDUCE_KW))),
    "amax": (["amax"], lambda d: (lambda x, k: lambda: x.amax(*k))(d(T), d(_REDUCE_KW))),
    "max": (["max"], _unary("max", st.one_of(st.none(), dims()), st.booleans())),
    "min": (["min"], _unary("min", st.one_of(st.none(), dims()), st.booleans())),
    "argmax": (["argmax"], _unary("argmax", st.one_of(st.none(), dims()), st.booleans())),
    "logsumexp": (["logsumexp"], lambda d: (lambda x, k: lambda: x.logsumexp(*k))(
        d(T), d(_REDUCE_KW))),
    "softmax": (["softmax"], _unary("softmax", dims())),
    "log_softmax": (["log_softmax"], _unary("log_softmax", dims())),
    # shape
    "reshape": (["reshape"], _unary("reshape", sizes())),
    "flatten": (["flatten"], _unary("flatten", dims(), dims())),
    "permute": (["permute"], _unary("permute", sizes())),
    "transpose": (["transpose"], _unary("transpose", dims(), dims())),
    "t": (["transpose", "t"], _unary("t")),
    "squeeze": (["squeeze"], _unary("squeeze", st.one_of(st.none(), dims()))),
    "unsqueeze": (["unsqueeze"], _unary("unsqueeze", dims())),
    "expand": (["expand"], _unary("expand", sizes())),
    "split": (["split"], _unary("split", st.one_of(st.integers(-1, 3),
                                                   st.lists(st.integers(-1, 3), max_size=3)),
                                dims())),
    "chunk": (["chunk"], _unary("chunk", st.integers(-1, 4), dims())),
    "getitem": (["index"], _getitem),
    "setitem": (["setitem", "index"], _setitem),
    "cat": (["cat"], _tensor_list(autograd.cat, dims())),
    "stack": (["stack"], _tensor_list(autograd.stack, dims())),
    "item": (["item"], _unary("item")),
    # in place
    "add_": (["add_"], lambda d: (lambda x, o: lambda: x.add_(o))(d(T), d(OPERANDS))),
    "mul_": (["mul_"], lambda d: (lambda x, o: lambda: x.mul_(o))(d(T), d(OPERANDS))),
    "fill_": (["fill_"], lambda d: (lambda x, v: lambda: x.fill_(v))(d(T), d(SCALARS))),
    "requires_grad_": (["requires_grad"], _requires_grad),
    # creation
    "zeros": (["zeros"], _creation(autograd.zeros)),
    "ones": (["ones"], _creation(autograd.ones)),
    "randn": (["randn"], _creation(autograd.randn)),
    "rand": (["rand"], _creation(autograd.rand)),
    "full": (["full"], _full),
    "arange": (["arange"], _arange),
    "tensor": (["tensor"], _tensor_data),
    "tensor(ndarray)": (["tensor"], _from_foreign(autograd.tensor)),
    "from_numpy": (["from_numpy"], _from_foreign(autograd.from_numpy)),
    # modules
    "Linear": (["Linear"], _module(_linear, T)),
    "LSTM": (["LSTM"], _module(_recurrent(nn.LSTM), T)),
    "GRU": (["GRU"], _module(_recurrent(nn.GRU), T)),
    "RNN": (["RNN"], _module(_recurrent(nn.RNN), T)),
    "LayerNorm": (["LayerNorm", "layer_norm"], _module(_layer_norm, T)),
    "BatchNorm1d": (["BatchNorm1d", "batch_norm"], _module(_batch_norm, T)),
    "Embedding": (["Embedding"], _module(_embedding, _index_tensors())),
    "Softmax": (["softmax"], _module(_softmax_module, T)),
    "MultiheadAttention": (["MultiheadAttention", "attention"], _mha),
    "TransformerEncoderLayer": (["TransformerEncoderLayer", "MultiheadAttention", "attention"],
                                _encoder_layer),
    "Attention": (["Attention"], _attention),
    # optimizers and utilities
    "optimizer": (["SGD", "Adam", "RMSprop", "Adagrad"], _optimizer),
    "clip_grad": (["clip_grad"], _clip),
    "load_state_dict": (["load_state_dict"], _load_state_dict),
}
