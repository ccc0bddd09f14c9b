"""torch.distributions.constraints: the sets a parameter or a sample must lie in.

`check(value)` returns a bool Tensor shaped like value minus the constraint's `event_dim`
rightmost dims. Checks read the arrays (they are never differentiated); bounds may be numbers
or Tensors (Uniform's support is interval(low, high)).
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def _np(v) -> np.ndarray:
    return np.asarray(v.data) if isinstance(v, Tensor) else np.asarray(v)


def _result(mask) -> Tensor:
    return Tensor(np.asarray(mask, dtype=np.bool_))


class Constraint:
    """A region a variable is valid in. is_discrete: the region is discrete; event_dim: the
    number of rightmost dims that together make one event (check reduces over them)."""

    is_discrete = False
    event_dim = 0

    def check(self, value) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.__class__.__name__[1:] + "()"


class _Dependent(Constraint):
    """A placeholder for a parameter whose valid values depend on other parameters (it is
    not checked); `dependent(is_discrete=..., event_dim=...)` fixes the static attributes."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self) -> bool:
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self) -> int:
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        return _Dependent(
            is_discrete=self._is_discrete if is_discrete is NotImplemented else is_discrete,
            event_dim=self._event_dim if event_dim is NotImplemented else event_dim)

    def check(self, x):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint) -> bool:
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """@dependent_property: a property on an instance (Uniform.support is interval(low,
    high)), a dependent constraint on the class."""

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        property.__init__(self, fn)
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class _IndependentConstraint(Constraint):
    """base_constraint over reinterpreted_batch_ndims more rightmost dims: an event is valid
    when all its entries are."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"independent: base_constraint must be a Constraint, got "
                            f"{type(base_constraint).__name__}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(f"independent: reinterpreted_batch_ndims must be an int >= 0, "
                             f"got {reinterpreted_batch_ndims!r}")
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        result = _np(self.base_constraint.check(value))
        n = self.reinterpreted_batch_ndims
        if result.ndim < n:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got "
                             f"{_np(value).ndim}")
        return _result(result.reshape(result.shape[:result.ndim - n] + (-1,)).all(-1))

    def __repr__(self):
        return (f"{self.__class__.__name__[1:]}({self.base_constraint!r}, "
                f"{self.reinterpreted_batch_ndims})")


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        v = _np(value)
        return _result((v == 0) | (v == 1))


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        v = _np(value)
        return _result(((v == 0) | (v == 1)).all(-1) & (v.sum(-1) == 1))


class _Bounded(Constraint):
    """A constraint with number or Tensor bounds; its repr names them as torch's does."""

    _bounds: tuple = ()

    def __repr__(self):
        args = ", ".join(f"{name}={getattr(self, name)}" for name in self._bounds)
        return f"{self.__class__.__name__[1:]}({args})"


class _IntegerInterval(_Bounded):
    is_discrete = True
    _bounds = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        v = _np(value)
        return _result((v % 1 == 0) & (_np(self.lower_bound) <= v) & (v <= _np(self.upper_bound)))


class _IntegerGreaterThan(_Bounded):
    is_discrete = True
    _bounds = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        v = _np(value)
        return _result((v % 1 == 0) & (v >= _np(self.lower_bound)))


class _Real(Constraint):
    def check(self, value):
        v = _np(value)
        return _result(v == v)   # False for NaN only: +-inf are on the extended real line


class _GreaterThan(_Bounded):
    _bounds = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return _result(_np(self.lower_bound) < _np(value))


class _GreaterThanEq(_GreaterThan):
    def check(self, value):
        return _result(_np(self.lower_bound) <= _np(value))


class _LessThan(_Bounded):
    _bounds = ("upper_bound",)

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return _result(_np(value) < _np(self.upper_bound))


class _Interval(_Bounded):
    _bounds = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        v = _np(value)
        return _result((_np(self.lower_bound) <= v) & (v <= _np(self.upper_bound)))


class _HalfOpenInterval(_Interval):
    def check(self, value):
        v = _np(value)
        return _result((_np(self.lower_bound) <= v) & (v < _np(self.upper_bound)))


class _Multinomial(Constraint):
    """Nonnegative integer counts (event_dim 1) summing to at most upper_bound."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        v = _np(value)
        return _result((v >= 0).all(-1) & (v.sum(-1) <= self.upper_bound))


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        v = _np(value)
        with np.errstate(invalid="ignore"):
            return _result((v >= 0).all(-1) & (np.abs(v.sum(-1) - 1) < 1e-6))


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        v = _np(value)
        return _result((np.tril(v) == v).all((-2, -1)))


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        v = _np(value)
        diag_positive = (np.diagonal(v, axis1=-2, axis2=-1) > 0).all(-1)
        return _result((np.tril(v) == v).all((-2, -1)) & diag_positive)


class _Square(Constraint):
    event_dim = 2

    def check(self, value):
        v = _np(value)
        return _result(np.full(v.shape[:-2], v.shape[-2] == v.shape[-1]))


class _Symmetric(_Square):
    def check(self, value):
        square = _np(super().check(value))
        if not square.all():
            return _result(square)
        v = _np(value)
        return _result(np.isclose(v, np.swapaxes(v, -1, -2), atol=1e-6).all((-2, -1)))


class _PositiveDefinite(_Symmetric):
    def check(self, value):
        sym = _np(super().check(value))
        if not sym.all():
            return _result(sym)
        v = _np(value).astype(np.float64)
        flat = v.reshape((-1,) + v.shape[-2:])
        ok = np.empty(len(flat), np.bool_)
        for i, m in enumerate(flat):   # cholesky_ex's info == 0, one matrix at a time
            try:
                np.linalg.cholesky(m)
                ok[i] = True
            except np.linalg.LinAlgError:
                ok[i] = False
        return _result(ok.reshape(v.shape[:-2]))


class _PositiveSemidefinite(_Symmetric):
    def check(self, value):
        sym = _np(super().check(value))
        if not sym.all():
            return _result(sym)
        return _result((np.linalg.eigvalsh(_np(value).astype(np.float64)) >= 0).all(-1))


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
multinomial = _Multinomial
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()

__all__ = ["Constraint", "boolean", "dependent", "dependent_property", "greater_than",
           "greater_than_eq", "independent", "integer_interval", "interval",
           "half_open_interval", "is_dependent", "less_than", "lower_cholesky",
           "lower_triangular", "multinomial", "nonnegative", "nonnegative_integer",
           "one_hot", "positive",
           "positive_semidefinite", "positive_definite", "positive_integer", "real",
           "real_vector", "simplex", "square", "symmetric", "unit_interval"]
