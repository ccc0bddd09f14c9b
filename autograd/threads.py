"""set_num_threads / get_num_threads, as torch's: the threads of the matrix products (numpy's
BLAS, through threadpoolctl when it is installed) and of the parallel numba kernels."""
from __future__ import annotations

import numba

_limits = None   # threadpoolctl's limiter: kept, since dropping it does not undo the limit


def set_num_threads(n: int) -> None:
    """Use n threads for matrix products and the parallel kernels (conv, pooling)."""
    global _limits
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: expected an int, got {n!r}")
    if n < 1:
        raise ValueError(f"set_num_threads: the number of threads must be positive, got {n}")
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        import threadpoolctl
    except ImportError:   # numpy's BLAS keeps its own count (OPENBLAS_NUM_THREADS)
        return
    _limits = threadpoolctl.threadpool_limits(n, user_api="blas")


def get_num_threads() -> int:
    """The thread count of the matrix products (numba's when threadpoolctl is missing)."""
    try:
        import threadpoolctl
    except ImportError:
        return numba.get_num_threads()
    counts = [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
              if lib.get("user_api") == "blas"]
    return counts[0] if counts else numba.get_num_threads()
