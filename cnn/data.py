"""Letter data sets: 28x28 images, labels, writers and case; pen strokes; .npz files.

Writer-disjoint splits of them are in cnn.splits.
"""

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn.fileio import atomic_write
from cnn.safefile import NpzError, read_arrays

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
N_CLASSES = len(LETTERS)
SIZE = 28
UNKNOWN = -1
# Float images slightly above 1 (rounding in preprocessing) still mean [0, 1], not [0, 255].
_UNIT_TOLERANCE = 1e-3
# The most array data one letter-set file may hold: 500,000 letters of 28 x 28 bytes (the
# app's largest synthetic set; EMNIST Letters has 145,600) with labels and pen strokes.
LETTER_SET_BYTES = 512 << 20
MAX_SOURCE_CHARS = 200  # a set's name is for messages and lists: longer names are cut


class DataError(ValueError):
    """A data file or array LetterLens refuses; the message names the file and the problem."""


@dataclass(eq=False, repr=False)
class LetterSet:
    """x (N, 28, 28) uint8 ink high; y (N,) int64 0..25; writer (N,) int64, -1 unknown;
    case (N,) int8 0 upper, 1 lower, -1 unknown; source a name for messages and logs;
    strokes None, or per sample the pen strokes it was drawn with: a list of (n, 2) float64
    arrays (x, y down), empty where not known."""

    x: np.ndarray
    y: np.ndarray
    writer: np.ndarray | None = None
    case: np.ndarray | None = None
    source: str = ""
    strokes: list | None = None

    def __post_init__(self):
        where = f"letter set {self.source!r}"
        self.x = as_images(self.x, where)
        n = len(self.x)
        self.y = _as_ints(self.y, "y", n, 0, N_CLASSES - 1, where)
        self.writer = (np.full(n, UNKNOWN, np.int64) if self.writer is None
                       else _as_ints(self.writer, "writer", n, UNKNOWN, None, where))
        self.case = (np.full(n, UNKNOWN, np.int8) if self.case is None
                     else _as_ints(self.case, "case", n, UNKNOWN, 1, where).astype(np.int8))
        self.source = str(self.source)
        if self.strokes is not None:
            self.strokes = list(self.strokes)
            if len(self.strokes) != n:
                raise DataError(f"{where}: {n} images but strokes for {len(self.strokes)}")

    def __len__(self) -> int:
        return len(self.y)

    def __repr__(self) -> str:
        known = self.writer >= 0
        writers = len(np.unique(self.writer[known]))
        return (f"LetterSet({self.source!r}, n={len(self)}, writers={writers}, "
                f"unknown_writer={int((~known).sum())})")

    def subset(self, idx) -> "LetterSet":
        """A new LetterSet of the samples at `idx` (indices, a boolean mask or a slice), copied."""
        if not isinstance(idx, slice):
            idx = np.asarray(idx)
            if idx.size == 0 and idx.dtype != bool:
                idx = idx.astype(np.int64)
            if idx.dtype == bool:
                if idx.shape != (len(self),):
                    raise DataError(f"{self.source}: mask has shape {idx.shape}, "
                                    f"expected ({len(self)},)")
            elif idx.dtype.kind not in "iu":
                raise DataError(f"{self.source}: indices have dtype {idx.dtype}, expected integers")
        strokes = None
        if self.strokes is not None:
            picked = (range(len(self))[idx] if isinstance(idx, slice) else
                      np.flatnonzero(idx) if idx.dtype == bool else idx)
            strokes = [self.strokes[int(i)] for i in picked]
        return LetterSet(self.x[idx].copy(), self.y[idx].copy(), self.writer[idx].copy(),
                         self.case[idx].copy(), self.source, strokes)

    def counts(self) -> np.ndarray:
        """(26,) int64 samples per letter A..Z."""
        return np.bincount(self.y, minlength=N_CLASSES)

    def as_float(self) -> np.ndarray:
        """(N, 1, 28, 28) float32 in [0, 1]: the network's input layout."""
        return self.x[:, None].astype(np.float32) / np.float32(255)


def as_images(x, where: str) -> np.ndarray:
    """(N, 28, 28) uint8 from uint8, integers 0..255, or floats in [0, 1] or [0, 255]."""
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3 or x.shape[1:] != (SIZE, SIZE):
        raise DataError(f"{where}: images have shape {x.shape}, expected (N, 28, 28)")
    if x.dtype == np.uint8:
        return x
    if x.dtype.kind not in "iuf":
        raise DataError(f"{where}: images have dtype {x.dtype}, expected uint8 or float")
    if x.size == 0:
        return x.astype(np.uint8)
    if x.dtype.kind == "f":
        bad = ~np.isfinite(x)
        if bad.any():
            i = int(np.argmax(bad.reshape(len(x), -1).any(axis=1)))
            raise DataError(f"{where}: image {i} holds NaN or infinity")
    lo, hi = float(x.min()), float(x.max())
    if x.dtype.kind in "iu" or hi > 1 + _UNIT_TOLERANCE:
        if lo < 0 or hi > 255:
            raise DataError(f"{where}: pixel values run from {lo:g} to {hi:g}; "
                            "expected 0..255 (or floats in [0, 1])")
        return np.rint(x).astype(np.uint8)
    if lo < -_UNIT_TOLERANCE:
        raise DataError(f"{where}: pixel values run from {lo:g} to {hi:g}; expected [0, 1]")
    return np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)


def _as_ints(a, name: str, n: int, lo: int, hi: int | None, where: str) -> np.ndarray:
    """(n,) int64 with every value in lo..hi (hi None: no upper bound), or a DataError."""
    a = np.asarray(a)
    if a.ndim != 1:
        raise DataError(f"{where}: '{name}' has shape {a.shape}, expected ({n},)")
    if len(a) != n:
        raise DataError(f"{where}: {n} images but {len(a)} values in '{name}'")
    if a.dtype.kind not in "biuf":
        raise DataError(f"{where}: '{name}' has dtype {a.dtype}, expected integers")
    if a.dtype.kind == "f":
        bad = ~np.isfinite(a) | (a != np.round(a))
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{where}: '{name}' holds {a[i]} at index {i}, expected whole numbers")
    bad = (a < lo) | (a > hi) if hi is not None else a < lo
    if bad.any():
        i = int(np.argmax(bad))
        span = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        meaning = " (A..Z)" if name == "y" else ""
        raise DataError(f"{where}: '{name}' holds {a[i]} at index {i}; expected {span}{meaning}")
    return a.astype(np.int64)


# Four strokes for each of 500,000 letters; UNIPEN's 19,353 letters have 27,637. Each stroke
# becomes an array object of its own, so this bounds memory where the bytes limit does not.
MAX_STROKES = 2_000_000
STROKE_KEYS = ("stroke_points", "stroke_offsets", "sample_stroke_offsets")


def pack_strokes(per_sample: list) -> dict[str, np.ndarray]:
    """Every sample's strokes as three arrays, the layout of chars74k_hnd.npz: stroke_points
    (P, 2), stroke_offsets (S+1,) cutting points into strokes, sample_stroke_offsets (N+1,)
    cutting strokes into samples."""
    strokes = [np.asarray(s, np.float64) for sample in per_sample for s in sample]
    points = np.concatenate(strokes) if strokes else np.zeros((0, 2))
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in strokes], dtype=np.int64)])
    per = np.concatenate([[0], np.cumsum([len(s) for s in per_sample], dtype=np.int64)])
    return dict(stroke_points=points, stroke_offsets=offsets, sample_stroke_offsets=per)


def unpack_points(points, offsets, where: str) -> list[np.ndarray]:
    """Strokes (n, 2) float64 from points (P, 2) cut at offsets (S+1,), or a DataError."""
    points, offsets = np.asarray(points), np.asarray(offsets)
    if offsets.size > MAX_STROKES + 1:
        raise DataError(f"{where}: {offsets.size - 1:,} strokes; a letter set may hold at most "
                        f"{MAX_STROKES:,}")
    if points.ndim != 2 or points.shape[1] != 2 or points.dtype.kind != "f":
        raise DataError(f"{where}: stroke points have shape {points.shape}, expected (P, 2) float")
    if (offsets.ndim != 1 or len(offsets) == 0 or offsets.dtype.kind not in "iu"
            or offsets[0] != 0 or offsets[-1] != len(points) or (np.diff(offsets) < 0).any()):
        raise DataError(f"{where}: stroke offsets do not cut the {len(points)} points into strokes")
    if not np.isfinite(points).all():
        raise DataError(f"{where}: stroke points hold NaN or infinity")
    return [points[a:b].astype(np.float64) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def unpack_strokes(arrays: Mapping[str, np.ndarray], n: int, where: str) -> list | None:
    """Per sample its strokes from the arrays pack_strokes writes; None if there are none."""
    present = [k for k in STROKE_KEYS if k in arrays]
    if not present:
        return None
    if len(present) != len(STROKE_KEYS):
        raise DataError(f"{where}: strokes need all of {', '.join(STROKE_KEYS)}; it holds only "
                        f"{', '.join(present)}")
    strokes = unpack_points(arrays["stroke_points"], arrays["stroke_offsets"], where)
    per = np.asarray(arrays["sample_stroke_offsets"])
    if (per.shape != (n + 1,) or per.dtype.kind not in "iu" or per[0] != 0
            or per[-1] != len(strokes) or (np.diff(per) < 0).any()):
        raise DataError(f"{where}: sample_stroke_offsets do not cut {len(strokes)} strokes "
                        f"into {n} samples")
    return [strokes[i:j] for i, j in zip(per[:-1], per[1:], strict=True)]


def read_npz(path: str | os.PathLike, required: Iterable[str] = (),
             max_bytes: int = LETTER_SET_BYTES) -> dict[str, np.ndarray]:
    """Every array of an .npz file (no pickles, at most `max_bytes` of arrays, sizes checked from
    the headers before reading), or a DataError naming the file and the problem."""
    path = Path(path)
    try:
        arrays = read_arrays(path, max_bytes, "a letter set")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except NpzError as e:
        raise DataError(f"{path}: {e}") from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror or e})") from None
    missing = [k for k in required if k not in arrays]
    if missing:
        raise DataError(f"{path}: missing {', '.join(map(repr, missing))}; it holds "
                        f"{sorted(arrays) or 'nothing'}")
    return arrays


def load_npz(path: str | os.PathLike) -> LetterSet:
    """A LetterSet from an .npz with `x` (N, 28, 28) and `y` 0..25, optional `writer`, `case`
    and pen strokes (the three arrays of pack_strokes)."""
    path = Path(path)
    a = read_npz(path, required=("x", "y"))
    where = str(path)
    x = as_images(a["x"], where)
    n = len(x)
    y = _as_ints(a["y"], "y", n, 0, N_CLASSES - 1, where)
    writer = _as_ints(a["writer"], "writer", n, UNKNOWN, None, where) if "writer" in a else None
    case = _as_ints(a["case"], "case", n, UNKNOWN, 1, where) if "case" in a else None
    src = a.get("source")
    source = (str(src)[:MAX_SOURCE_CHARS] if src is not None and src.ndim == 0
              and src.dtype.kind == "U" else path.stem)
    return LetterSet(x, y, writer, case, source, unpack_strokes(a, n, where))


def require_letters(letters: LetterSet, name: str | None = None) -> LetterSet:
    """`letters` if it holds at least one letter, else a DataError in the words every part of
    LetterLens uses: "empty.npz holds no letters"."""
    if not len(letters):
        raise DataError(f"{name or letters.source or 'the letter set'} holds no letters; "
                        "choose a file with at least one")
    return letters


def save_npz(letterset: LetterSet, path: str | os.PathLike,
             extra: Mapping[str, np.ndarray] | None = None) -> Path:
    """Write `letterset` (and any `extra` arrays) atomically as an .npz that load_npz reads."""
    s = letterset
    arrays = dict(extra or {})
    arrays.update(x=s.x, y=s.y, writer=s.writer, case=s.case, source=np.array(s.source))
    if s.strokes is not None:
        arrays.update(pack_strokes(s.strokes))
    return atomic_write(path, lambda f: np.savez_compressed(f, **arrays))


def combine(sets: Iterable[LetterSet]) -> LetterSet:
    """One LetterSet from many; known writer ids are shifted so no two sets share a writer."""
    sets = list(sets)
    if not sets:
        raise DataError("combine() needs at least one letter set")
    writers, offset = [], 0
    for s in sets:
        w = s.writer.copy()
        known = w >= 0
        w[known] += offset
        if known.any():
            offset = int(w.max()) + 1
        writers.append(w)
    strokes = None
    if any(s.strokes is not None for s in sets):
        strokes = [k for s in sets for k in (s.strokes or [[] for _ in range(len(s))])]
    return LetterSet(np.concatenate([s.x for s in sets]), np.concatenate([s.y for s in sets]),
                     np.concatenate(writers), np.concatenate([s.case for s in sets]),
                     "+".join(s.source for s in sets), strokes)
