"""Neural-network layers built from the engine's differentiable ops, with PyTorch's names."""
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential
