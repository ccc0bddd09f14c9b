"""torch.nn.modules.utils: _single, _pair, _triple and _quadruple repeat an int (or any
non-iterable) n times and turn an iterable into a tuple, unchecked, as torch's;
_reverse_repeat_tuple gives F.pad's order for a per-dim padding; and
consume_prefix_in_state_dict_if_present."""
from __future__ import annotations

import collections.abc
from itertools import repeat

__all__ = ["consume_prefix_in_state_dict_if_present"]


def _ntuple(n: int, name: str = "parse"):
    """A function x -> tuple(x) for an iterable x, else (x,) * n."""
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n: int) -> tuple:
    """t reversed, each element repeated n times: (1, 2) -> (2, 2, 1, 1) for n = 2."""
    return tuple(x for x in reversed(t) for _ in range(n))


def consume_prefix_in_state_dict_if_present(state_dict, prefix: str) -> None:
    """Strip prefix (as 'module.' of a DataParallel's state_dict) from the keys that have it,
    in place; the keys of a _metadata attribute too, as torch's."""
    for key in list(state_dict.keys()):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        for key in list(metadata.keys()):
            # '' is the wrapper's own entry; 'module' (the prefix without its dot) the model's
            if key and (key == prefix.replace(".", "") or key.startswith(prefix)):
                metadata[key[len(prefix):]] = metadata.pop(key)
