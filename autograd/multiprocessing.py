"""torch.multiprocessing: Python's multiprocessing (torch's wrapper adds shared-memory tensor
passing for its storage; arrays here pickle as numpy arrays)."""
from multiprocessing import *  # noqa: F401,F403
from multiprocessing import get_all_start_methods, get_context, get_start_method  # noqa: F401
from multiprocessing import set_start_method  # noqa: F401
