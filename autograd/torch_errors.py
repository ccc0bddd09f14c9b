"""Errors of the API-parity additions that PyTorch raises as RuntimeError: each is also the
built-in class the engine uses for that kind of mistake, so `except RuntimeError` (ported
code) and `except ValueError` / `except TypeError` (the engine's habit) both catch it."""
from __future__ import annotations


class ArgumentError(ValueError, RuntimeError):
    """A bad argument value or shape (torch: RuntimeError)."""


class DtypeError(TypeError, RuntimeError):
    """A tensor of a dtype the op does not accept (torch: RuntimeError)."""


class OutOfRangeError(IndexError, ValueError):
    """A class index or embedding index outside its range (torch: IndexError)."""


class DtypeValueError(TypeError, ValueError):
    """A tensor of a dtype the op does not accept (torch: ValueError, as nn.LSTM's input)."""


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type, as a float stride or a tuple eps (torch: TypeError);
    also a ValueError, the class the engine gave some of these before."""


class UnsupportedError(ValueError, NotImplementedError):
    """An option value or input rank the op does not implement, as an unknown padding or
    interpolation mode (torch: NotImplementedError, a RuntimeError)."""


class DtypeNotImplementedError(TypeError, NotImplementedError):
    """An op with no kernel for its operands' dtype, as bitwise ops on floats or floor on
    bool (torch: NotImplementedError, "... not implemented for 'Float'", a RuntimeError);
    also the TypeError the engine raised for these before."""
