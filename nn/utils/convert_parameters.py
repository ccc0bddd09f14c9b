"""Flat parameter vectors (torch.nn.utils.convert_parameters)."""
from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """Concatenate the parameters, flattened: shapes s_i -> (sum of sizes,). Differentiable."""
    parameters = list(parameters)
    if not parameters:
        raise ValueError("parameters_to_vector: got no parameters")
    return autograd.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of vec: (N,) into the parameters (their shapes and dtypes kept).

    Unlike PyTorch the parameters get copies, not views of vec.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    parameters = list(parameters)
    total = sum(p.data.size for p in parameters)
    if vec.data.ndim != 1 or vec.data.size != total:
        raise ValueError(f"vector_to_parameters: vec has shape {tuple(vec.shape)}, the "
                         f"parameters need ({total},)")
    start = 0
    for p in parameters:
        n = p.data.size
        p.data = np.array(vec.data[start:start + n].reshape(p.data.shape), dtype=p.data.dtype)
        start += n
