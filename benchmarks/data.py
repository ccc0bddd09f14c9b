"""Offline, real data for the benchmarks: MNIST-1D, scikit-learn's bundled sets,
Fashion-MNIST from IDX files, and a generated date-translation task.

Every loader returns numpy arrays: features float32, labels int64, fixed-seed splits.
"""
from __future__ import annotations

import calendar
import datetime
import gzip
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_FASHION_DIR = "/usr/share/datasets/fashion-mnist"


class DataUnavailable(RuntimeError):
    """A data set cannot be had on this machine (package or files missing)."""


@dataclass
class Split:
    """A classification split: x (N, ...) float32, y (N,) int64, and the test half."""
    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str = ""

    @property
    def num_classes(self) -> int:
        return int(max(self.y.max(), self.y_test.max())) + 1


def cache_dir(path=None) -> Path:
    """Where generated arrays are cached: `path`, $AUTOGRAD_BENCH_CACHE or ~/.cache/autograd-bench."""
    p = Path(path or os.environ.get("AUTOGRAD_BENCH_CACHE")
             or Path.home() / ".cache" / "autograd-bench")
    p.mkdir(parents=True, exist_ok=True)
    return p


# --------------------------------------------------------------------- MNIST-1D
def load_mnist1d(cache=None) -> Split:
    """MNIST-1D generated locally by the mnist1d package (never its downloader):
    x (4000, 40), x_test (1000, 40), 10 classes. Cached as .npz."""
    path = cache_dir(cache) / "mnist1d.npz"
    if path.exists():
        with np.load(path) as f:
            return Split(f["x"], f["y"], f["x_test"], f["y_test"], "mnist1d")
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as e:
        raise DataUnavailable("mnist1d is not installed (pip install mnist1d)") from e
    state = np.random.get_state()       # make_dataset reseeds numpy's global generator
    try:
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)
    s = Split(d["x"].astype(np.float32), d["y"].astype(np.int64),
              d["x_test"].astype(np.float32), d["y_test"].astype(np.int64), "mnist1d")
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, x=s.x, y=s.y, x_test=s.x_test, y_test=s.y_test)
    os.replace(tmp, path)
    return s


# --------------------------------------------------------------------- scikit-learn
def _sklearn_split(x, y, name, test_size=0.25, seed=0) -> Split:
    from sklearn.model_selection import train_test_split
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, random_state=seed,
                                              stratify=y)
    mean, std = x_tr.mean(0), x_tr.std(0)
    std[std == 0] = 1.0                 # constant pixels of digits stay 0
    norm = lambda a: ((a - mean) / std).astype(np.float32)  # noqa: E731
    return Split(norm(x_tr), y_tr.astype(np.int64), norm(x_te), y_te.astype(np.int64), name)


def _sklearn():
    try:
        import sklearn.datasets as skd
    except ImportError as e:
        raise DataUnavailable("scikit-learn is not installed") from e
    return skd


def load_digits(seed=0) -> Split:
    """scikit-learn's 8x8 digits: x (1347, 64) / (450, 64) standardized, 10 classes."""
    d = _sklearn().load_digits()
    return _sklearn_split(d.data, d.target, "digits", seed=seed)


def load_iris_setosa(seed=0) -> Split:
    """Iris, setosa (1) against the rest (0): x (112, 4) / (38, 4) standardized."""
    d = _sklearn().load_iris()
    return _sklearn_split(d.data, (d.target == 0).astype(np.int64), "iris-setosa", seed=seed)


def load_breast_cancer(seed=0) -> Split:
    """Breast cancer Wisconsin: x (426, 30) / (143, 30) standardized, 2 classes."""
    d = _sklearn().load_breast_cancer()
    return _sklearn_split(d.data, d.target, "breast-cancer", seed=seed)


# --------------------------------------------------------------------- IDX files
_IDX_DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_IDX_CODES = {v.newbyteorder(">") if v.itemsize > 1 else v: k for k, v in _IDX_DTYPES.items()}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into an array of its dims and dtype."""
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (magic bytes {raw[:4]!r})")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} is truncated inside its header")
    dims = tuple(int(n) for n in np.frombuffer(raw, ">u4", ndim, 4))
    count = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"read_idx: {path} holds {len(raw) - header} data bytes but its "
                         f"header {dims} of {dtype} needs {count * dtype.itemsize}")
    arr = np.frombuffer(raw, dtype, count, header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path, array: np.ndarray, compress: bool | None = None):
    """Write an array as an IDX file (gzip when compress, or when path ends in .gz)."""
    array = np.asarray(array)
    dt = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    if dt not in _IDX_CODES:
        raise ValueError(f"write_idx: dtype {array.dtype} has no IDX code")
    head = bytes([0, 0, _IDX_CODES[dt], array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    raw = head + np.ascontiguousarray(array, dt).tobytes()
    if compress or (compress is None and str(path).endswith(".gz")):
        raw = gzip.compress(raw)
    with open(path, "wb") as f:
        f.write(raw)


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (directory / name).exists():
            return directory / name
    return None


def load_fashion_mnist(data_dir=None, limit_train=None, limit_test=None) -> Split:
    """Fashion-MNIST from its four IDX files: x (60000, 1, 28, 28) scaled to [0, 1],
    x_test (10000, 1, 28, 28). Raises DataUnavailable when the files are absent."""
    d = Path(data_dir or DEFAULT_FASHION_DIR)
    stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    paths = [_find(d, s) for s in stems]
    missing = [s for s, p in zip(stems, paths) if p is None]
    if missing:
        raise DataUnavailable(f"Fashion-MNIST IDX files not found in {d} (missing "
                              f"{', '.join(missing)}); install Debian's dataset-fashion-mnist "
                              f"or pass --data-dir")
    xi, yi, xt, yt = (read_idx(p) for p in paths)
    img = lambda a, n: (a[:n].astype(np.float32) / 255.0)[:, None]  # noqa: E731
    return Split(img(xi, limit_train), yi[:limit_train].astype(np.int64),
                 img(xt, limit_test), yt[:limit_test].astype(np.int64), "fashion-mnist")


# --------------------------------------------------------------------- dates
_MONTHS = [m.lower() for m in calendar.month_name[1:]]   # English, independent of locale
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

# Each surface format is built from a date's parts; all are lower case.
_FORMATS = [
    lambda d, M, W: f"{W} {M} {d.day} {d.year}",
    lambda d, M, W: f"{W}, {M} {d.day}, {d.year}",
    lambda d, M, W: f"{W[:3]} {d.day} {M[:3]} {d.year}",
    lambda d, M, W: f"{M} {d.day} {d.year}",
    lambda d, M, W: f"{M} {d.day}, {d.year}",
    lambda d, M, W: f"{d.day} {M} {d.year}",
    lambda d, M, W: f"{d.day:02d} {M[:3]} {d.year}",
    lambda d, M, W: f"{M[:3]} {d.day:02d} {d.year}",
    lambda d, M, W: f"{d.year} {M} {d.day}",
    lambda d, M, W: f"{d.month}/{d.day}/{d.year}",
    lambda d, M, W: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
    lambda d, M, W: f"{d.day}.{d.month}.{d.year}",
    lambda d, M, W: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d, M, W: f"{d.day}-{M[:3]}-{d.year}",
    lambda d, M, W: f"{W} {d.day} {M} {d.year}",
    lambda d, M, W: f"{d.year}/{d.month:02d}/{d.day:02d}",
]
PAD, START, END = "<pad>", "<s>", "</s>"
_FIRST, _LAST = datetime.date(1950, 1, 1).toordinal(), datetime.date(2049, 12, 31).toordinal()


def format_date(date: datetime.date, fmt: int) -> str:
    """The date written in surface format `fmt` (0 <= fmt < len(DATE_FORMATS))."""
    return _FORMATS[fmt](date, _MONTHS[date.month - 1], _DAYS[date.weekday()])


DATE_FORMATS = len(_FORMATS)


def date_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """n distinct (surface form, ISO date) pairs, e.g. ("monday november 30 1970", "1970-11-30").
    Two-digit years (mm/dd/yy) are drawn only from 1950-2049, so they are unambiguous."""
    rng = random.Random(seed)
    seen, out = set(), []
    while len(out) < n:
        date = datetime.date.fromordinal(rng.randint(_FIRST, _LAST))
        src = format_date(date, rng.randrange(DATE_FORMATS))
        if src not in seen:
            seen.add(src)
            out.append((src, date.isoformat()))
    return out


class Vocab:
    """Characters <-> ids, with <pad>=0, <s>=1, </s>=2."""

    def __init__(self, chars):
        self.itos = [PAD, START, END] + sorted(set(chars))
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, text: str, length: int, bos=False, eos=False) -> np.ndarray:
        ids = ([1] if bos else []) + [self.stoi[c] for c in text] + ([2] if eos else [])
        if len(ids) > length:
            raise ValueError(f"Vocab.encode: {text!r} needs {len(ids)} ids, more than {length}")
        return np.array(ids + [0] * (length - len(ids)), np.int64)

    def decode(self, ids) -> str:
        """Characters up to the first </s> (or <pad>), skipping <s>."""
        out = []
        for i in np.asarray(ids).tolist():
            if i in (0, 2):
                break
            if i != 1:
                out.append(self.itos[i])
        return "".join(out)


@dataclass
class DateData:
    """Date translation as id arrays: src (N, Ls) padded characters; tgt (N, 12) is
    <s> yyyy-mm-dd </s>; pairs keeps the strings."""
    src: np.ndarray
    tgt: np.ndarray
    src_test: np.ndarray
    tgt_test: np.ndarray
    src_vocab: Vocab
    tgt_vocab: Vocab
    pairs: list
    pairs_test: list


def load_dates(n_train=8000, n_test=1000, seed=0) -> DateData:
    """Generated date pairs with a fixed seed; train and test share no source string."""
    pairs = date_pairs(n_train + n_test, seed)
    train, test = pairs[:n_train], pairs[n_train:]
    sv = Vocab("".join(s for s, _ in pairs))
    tv = Vocab("0123456789-")
    ls = max(len(s) for s, _ in pairs)
    enc = lambda ps: (np.stack([sv.encode(s, ls) for s, _ in ps]),  # noqa: E731
                      np.stack([tv.encode(t, 12, bos=True, eos=True) for _, t in ps]))
    (s_tr, t_tr), (s_te, t_te) = enc(train), enc(test)
    return DateData(s_tr, t_tr, s_te, t_te, sv, tv, train, test)
