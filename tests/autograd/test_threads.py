"""autograd.set_num_threads / get_num_threads, as torch's."""
import pytest

import autograd

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads():
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib.get("user_api") == "blas"]


def test_set_then_get_and_blas_follows():
    before = autograd.get_num_threads()
    try:
        autograd.set_num_threads(1)
        assert autograd.get_num_threads() == 1
        assert set(_blas_threads()) == {1}
        autograd.set_num_threads(2)
        assert autograd.get_num_threads() == 2
    finally:
        autograd.set_num_threads(before)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError),
                                        ("2", TypeError), (True, TypeError)])
def test_a_bad_count_is_refused(bad, error):
    with pytest.raises(error, match="set_num_threads"):
        autograd.set_num_threads(bad)


def test_torch_name():
    import autograd as torch_like
    assert torch_like.set_num_threads is autograd.set_num_threads
