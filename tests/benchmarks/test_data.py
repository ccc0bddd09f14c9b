"""Benchmark data: shapes, dtypes, determinism, the IDX reader, and the date pairs."""
import datetime
import gzip

import numpy as np
import pytest

from benchmarks import data as D


def test_mnist1d_is_generated_cached_and_deterministic(bench_cache):
    pytest.importorskip("mnist1d")   # (the session's cache: the tiny run reads what is left)
    a = D.load_mnist1d(bench_cache)
    assert (bench_cache / "mnist1d.npz").exists()
    assert a.x.shape == (4000, 40) and a.x_test.shape == (1000, 40)
    assert a.x.dtype == np.float32 and a.y.dtype == np.int64
    assert set(np.unique(a.y)) == set(range(10)) and a.num_classes == 10
    b = D.load_mnist1d(bench_cache)                        # from the cache
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    state = np.random.get_state()[1].copy()
    (bench_cache / "mnist1d.npz").unlink()
    c = D.load_mnist1d(bench_cache)                        # regenerated: same arrays
    np.testing.assert_array_equal(a.x, c.x)
    np.testing.assert_array_equal(state, np.random.get_state()[1])   # global RNG untouched


@pytest.mark.parametrize("loader, n_features, classes, n_total", [
    (D.load_digits, 64, 10, 1797), (D.load_iris_setosa, 4, 2, 150),
    (D.load_breast_cancer, 30, 2, 569)])
def test_sklearn_splits(loader, n_features, classes, n_total):
    s = loader()
    assert s.x.shape[1] == s.x_test.shape[1] == n_features
    assert len(s.x) + len(s.x_test) == n_total and abs(len(s.x_test) / n_total - 0.25) < 0.01
    assert s.x.dtype == np.float32 and s.y.dtype == np.int64 and s.num_classes == classes
    np.testing.assert_allclose(s.x.mean(0), 0, atol=1e-5)
    std = s.x.std(0)
    assert np.all((np.abs(std - 1) < 1e-4) | (std == 0))
    again = loader()
    np.testing.assert_array_equal(s.x_test, again.x_test)
    other = loader(seed=1)
    assert not np.array_equal(s.y, other.y)


def test_iris_setosa_labels():
    s = D.load_iris_setosa()
    assert (s.y == 1).sum() + (s.y_test == 1).sum() == 50


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, dtype, gz):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    D.write_idx(path, a)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == gz
    b = D.read_idx(path)
    assert b.shape == a.shape and b.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(a, b)


def test_idx_reader_matches_the_format_byte_for_byte(tmp_path):
    raw = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255])
    (tmp_path / "m").write_bytes(raw)
    np.testing.assert_array_equal(D.read_idx(tmp_path / "m"), [[1, 2, 3], [4, 5, 255]])
    (tmp_path / "m.gz").write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(D.read_idx(tmp_path / "m.gz"), [[1, 2, 3], [4, 5, 255]])
    raw16 = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x00, 0xFF, 0xFE])   # big-endian shorts
    (tmp_path / "s").write_bytes(raw16)
    np.testing.assert_array_equal(D.read_idx(tmp_path / "s"), [256, -2])


def test_idx_reader_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        D.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ValueError, match=r"needs 5"):
        D.read_idx(tmp_path / "short")
    with pytest.raises(ValueError, match="no IDX code"):
        D.write_idx(tmp_path / "c", np.zeros(2, np.complex64))


def _fake_fashion(d, n_train=6, n_test=4, gz=True):
    rng = np.random.default_rng(1)
    ext = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        D.write_idx(d / f"{prefix}-images-idx3-ubyte{ext}",
                    rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        D.write_idx(d / f"{prefix}-labels-idx1-ubyte{ext}",
                    rng.integers(0, 10, n).astype(np.uint8))


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_from_idx_files(tmp_path, gz):
    _fake_fashion(tmp_path, gz=gz)
    s = D.load_fashion_mnist(tmp_path)
    assert s.x.shape == (6, 1, 28, 28) and s.x_test.shape == (4, 1, 28, 28)
    assert s.x.dtype == np.float32 and 0 <= s.x.min() and s.x.max() <= 1
    assert s.y.dtype == np.int64 and s.y.shape == (6,)
    raw = D.read_idx(tmp_path / f"train-images-idx3-ubyte{'.gz' if gz else ''}")
    np.testing.assert_allclose(s.x[:, 0] * 255, raw, atol=1e-4)
    small = D.load_fashion_mnist(tmp_path, limit_train=2, limit_test=3)
    assert len(small.x) == len(small.y) == 2 and len(small.x_test) == 3


def test_fashion_mnist_absent_is_a_clear_message(tmp_path):
    with pytest.raises(D.DataUnavailable, match="train-images-idx3-ubyte.*--data-dir"):
        D.load_fashion_mnist(tmp_path)


def _parse(src):
    """Find the date a surface form names by trying every date it could be: the year is in
    it, so scan that year (two-digit years map into 1950-2049)."""
    for year in range(1950, 2050):
        if str(year) not in src and f"/{year % 100:02d}" not in src:
            continue
        d = datetime.date(year, 1, 1)
        while d.year == year:
            for f in range(D.DATE_FORMATS):
                if D.format_date(d, f) == src:
                    yield d
            d += datetime.timedelta(days=1)


def test_date_pairs_are_well_formed():
    pairs = D.date_pairs(40, seed=3)
    assert len({s for s, _ in pairs}) == 40
    for src, iso in pairs[:12]:
        assert src == src.lower() and src.strip() == src
        date = datetime.date.fromisoformat(iso)
        assert iso == f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
        assert date in set(_parse(src))     # the source really names the target date
    assert D.date_pairs(40, seed=3) == pairs and D.date_pairs(40, seed=4) != pairs


def test_the_example_format():
    d = datetime.date(1970, 11, 30)
    assert D.format_date(d, 0) == "monday november 30 1970"
    d = datetime.date(2003, 3, 5)          # one-digit day and month: every format differs
    forms = {D.format_date(d, f) for f in range(D.DATE_FORMATS)}
    assert len(forms) == D.DATE_FORMATS >= 10


def test_load_dates_arrays_and_vocabularies():
    dd = D.load_dates(300, 50, seed=0)
    assert dd.src.shape[0] == 300 and dd.src_test.shape[0] == 50
    assert dd.tgt.shape == (300, 12) and dd.src.dtype == dd.tgt.dtype == np.int64
    assert dd.src_vocab.itos[:3] == dd.tgt_vocab.itos[:3] == [D.PAD, D.START, D.END]
    assert np.all(dd.tgt[:, 0] == 1) and np.all(dd.tgt[:, -1] == 2)
    for i in range(10):
        assert dd.src_vocab.decode(dd.src[i]) == dd.pairs[i][0]
        assert dd.tgt_vocab.decode(dd.tgt[i]) == dd.pairs[i][1]
    assert not {s for s, _ in dd.pairs} & {s for s, _ in dd.pairs_test}
    with pytest.raises(ValueError, match="more than 3"):
        dd.tgt_vocab.encode("1970", 3)
