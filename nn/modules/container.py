"""torch.nn.modules.container's names for the engine's classes, defined in nn/containers.py,
nn/parameter_containers.py."""
from ..containers import Container, ModuleDict, ModuleList, Sequential
from ..parameter_containers import ParameterDict, ParameterList

__all__ = ["Container", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
