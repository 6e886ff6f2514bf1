"""The user's own drawn letters: one small .npz per sample in a folder, each written atomically.

A crash mid-write leaves only a hidden temporary file, which loading ignores; earlier samples
are separate files and stay intact. A damaged sample file is skipped with a warning and listed
in `SampleStore.problems`, so that the window can say which files it left out and why. What one
sample file holds, and how it is read and checked, is in cnn.sample_file.
"""

from __future__ import annotations  # SampleStore.list shadows the builtin in annotations

import contextlib
import numbers
import os
import re
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cnn.data import (
    LETTERS,
    N_CLASSES,
    SIZE,
    UNKNOWN,
    DataError,
    LetterSet,
    as_images,
    load_npz,
    read_npz,
    save_npz,
)
from cnn.fileio import atomic_write
from cnn.paths import data_dir
from cnn.sample_file import Sample, is_time, read_sample, write_sample

ME = 0  # every sample in a store comes from one writer: the person drawing
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*")


class Skipped(NamedTuple):
    """A sample file the store could not read: its file name and why (one line of text)."""

    name: str
    reason: str


class SampleInfo(NamedTuple):
    id: str
    label: int
    created: float  # seconds since the epoch


class SampleSummary(NamedTuple):
    """What a list of samples shows of one: image (28, 28) uint8 (a copy), case 0 upper,
    1 lower, -1 unknown, and how many pen strokes it holds."""

    id: str
    label: int
    case: int
    created: float
    image: np.ndarray
    strokes: int


def _as_image(image) -> np.ndarray:
    a = np.asarray(image)
    if a.shape != (SIZE, SIZE):
        raise DataError(f"a sample image must be (28, 28), got {a.shape}")
    if a.dtype.kind == "f":
        if not np.isfinite(a).all():
            raise DataError("the sample image holds NaN or infinity")
        if a.min() < 0 or a.max() > 1 + 1e-3:  # allow rounding just above 1
            raise DataError(f"a float sample image must be in [0, 1], got {a.min():g}..{a.max():g}")
    elif a.dtype != np.uint8:
        raise DataError(f"a sample image must be uint8 or float in [0, 1], got {a.dtype}")
    return as_images(a[None], "sample image")[0].copy()


def _as_label(label, case) -> tuple[int, int]:
    if isinstance(label, str):
        if len(label) != 1 or label.upper() not in LETTERS:
            raise DataError(f"a sample label must be a letter A..Z or a..z, got {label!r}")
        return LETTERS.index(label.upper()), int(label.islower())
    if isinstance(label, bool) or not isinstance(label, numbers.Integral):
        raise DataError(f"a sample label must be 0..25 or a letter, got {label!r}")
    if not 0 <= label < N_CLASSES:
        raise DataError(f"a sample label must be 0..25 (A..Z), got {label}")
    if case not in (UNKNOWN, 0, 1):
        raise DataError(f"case must be 0 (upper), 1 (lower) or -1 (unknown), got {case!r}")
    return int(label), int(case)


def _as_strokes(strokes) -> list[np.ndarray]:
    if strokes is None:
        return []
    if isinstance(strokes, np.ndarray) or not isinstance(strokes, list | tuple):
        raise DataError("strokes must be a list of (n, 2) arrays")
    out = []
    for k, s in enumerate(strokes):
        try:
            s = np.array(s, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise DataError(f"stroke {k} is not an (n, 2) array of numbers ({e})") from e
        if s.ndim != 2 or s.shape[1] != 2:
            raise DataError(f"stroke {k} has shape {s.shape}, expected (n, 2)")
        if not np.isfinite(s).all():
            raise DataError(f"stroke {k} holds NaN or infinity")
        out.append(s)
    return out



def _letterset(samples: list[Sample]) -> LetterSet:
    x = np.stack([s.image for s in samples]) if samples else np.zeros((0, SIZE, SIZE), np.uint8)
    return LetterSet(x, np.array([s.label for s in samples], np.int64),
                     np.full(len(samples), ME, np.int64),
                     np.array([s.case for s in samples], np.int8), "my samples",
                     [s.strokes for s in samples])


def _created(a: dict, n: int, path: Path) -> np.ndarray | None:
    """The samples' creation times (n,) from an export, None if it has none."""
    created = a.get("created")
    if created is not None and (created.shape != (n,) or created.dtype.kind != "f"
                                or not is_time(created).all()):
        raise DataError(f"{path}: 'created' should be {n} times in seconds since the epoch")
    return created


class SampleStore:
    """A folder of the user's samples, by default data_dir() / "samples".

    `problems` lists the files the latest read of the folder skipped (a Skipped per file: its
    name and why), empty when every sample read; any call that lists samples refreshes it.
    """

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder) if folder is not None else data_dir() / "samples"
        self._cache: dict[str, tuple[tuple[int, int], Sample]] = {}
        self.problems: list[Skipped] = []

    def __repr__(self) -> str:
        return f"SampleStore({str(self.folder)!r}, n={len(self)})"

    def __len__(self) -> int:
        return len(self._samples())

    def add(self, image28, label, strokes=None, *, case: int = UNKNOWN,
            created: float | None = None) -> str:
        """Store one sample and return its id. `label` 0..25 or a letter ('a' also sets case)."""
        image = _as_image(image28)
        label, case = _as_label(label, case)
        strokes = _as_strokes(strokes)
        if created is None:
            created = time.time()
        if not isinstance(created, numbers.Real) or not is_time(created):
            raise DataError(f"created must be a time in seconds since the epoch, got {created}")
        sample = Sample(self._new_id(created), image, label, case, float(created), strokes)
        atomic_write(self._path(sample.id), lambda f: write_sample(f, sample))
        return sample.id

    def find(self, image28, label, *, case: int = UNKNOWN) -> str | None:
        """The id of a stored sample with exactly this image, label and case, if there is one:
        adding the same drawing twice (Add pressed again, or after undo and redo) would
        weigh it double in every fine-tune."""
        image = _as_image(image28)
        label, case = _as_label(label, case)
        for sample in self._samples():
            if (sample.label == label and sample.case == case
                    and np.array_equal(sample.image, image)):
                return sample.id
        return None

    def list(self) -> list[SampleInfo]:
        """Every readable sample, oldest first."""
        return [SampleInfo(s.id, s.label, s.created) for s in self._samples()]

    def summaries(self) -> list[SampleSummary]:
        """Every readable sample with its image, oldest first (one read of the folder)."""
        return [SampleSummary(s.id, s.label, s.case, s.created, s.image.copy(), len(s.strokes))
                for s in self._samples()]

    def counts(self) -> np.ndarray:
        """(26,) int64 samples per letter A..Z."""
        return np.bincount([s.label for s in self._samples()], minlength=N_CLASSES)

    def get(self, sample_id: str) -> Sample:
        path = self._existing(sample_id)
        return self._load(path).copy()

    def delete(self, sample_id: str) -> None:
        self._existing(sample_id).unlink()
        self._cache.pop(sample_id, None)

    def relabel(self, sample_id: str, label, *, case: int = UNKNOWN) -> str:
        """Give a sample another letter; returns its new id. The relabelled sample is written
        first and the old file removed after, so a failure leaves the old one as it was."""
        old = self.get(sample_id)
        new_id = self.add(old.image, label, old.strokes, case=case, created=old.created)
        try:
            self.delete(sample_id)
        except BaseException:
            with contextlib.suppress(OSError):  # the old one stays; say why it could not go
                self.delete(new_id)
            raise
        return new_id

    def to_letterset(self) -> LetterSet:
        """All samples as one LetterSet, every one from writer ME."""
        return _letterset(self._samples())

    def export_npz(self, path: str | os.PathLike) -> Path:
        """Every sample, with its strokes and time, as one .npz that load_npz also reads."""
        samples = self._samples()
        created = np.array([s.created for s in samples], np.float64)
        return save_npz(_letterset(samples), path, extra={"created": created})

    def import_npz(self, path: str | os.PathLike) -> int:
        """Add the samples of an export or any LetterSet .npz; returns how many were added.

        Samples already here (same letter, image and time) are skipped, so importing an export
        twice adds nothing. Writer ids are dropped: the store holds one writer.
        """
        path = Path(path)
        letters = load_npz(path)
        created = _created(read_npz(path), len(letters), path)
        strokes = letters.strokes or [[] for _ in range(len(letters))]
        have = {(s.label, s.created, s.image.tobytes()) for s in self._samples()}
        added = 0
        for i in range(len(letters)):
            label, image = int(letters.y[i]), letters.x[i]
            when = None if created is None else float(created[i])
            if when is not None and (label, when, image.tobytes()) in have:
                continue
            self.add(image, label, strokes[i], case=int(letters.case[i]), created=when)
            have.add((label, when, image.tobytes()))
            added += 1
        return added

    def _new_id(self, created: float) -> str:
        stamp = datetime.fromtimestamp(created, UTC).strftime("%Y%m%d-%H%M%S-%f")
        sample_id, n = stamp, 1
        while self._path(sample_id).exists():
            n += 1
            sample_id = f"{stamp}-{n}"
        return sample_id

    def _path(self, sample_id: str) -> Path:
        if not isinstance(sample_id, str) or not _ID.fullmatch(sample_id):
            raise DataError(f"{sample_id!r} is not a sample id")
        return self.folder / f"{sample_id}.npz"

    def _existing(self, sample_id: str) -> Path:
        path = self._path(sample_id)
        if not path.is_file():
            raise DataError(f"no sample {sample_id!r} in {self.folder}")
        return path

    def _load(self, path: Path) -> Sample:
        """The sample in `path`, re-read only when the file changed."""
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size)
        hit = self._cache.get(path.stem)
        if hit is not None and hit[0] == key:
            return hit[1]
        sample = read_sample(path)
        self._cache[path.stem] = (key, sample)
        return sample

    def _samples(self) -> list[Sample]:
        if not self.folder.is_dir():
            self.problems = []
            return []
        samples, problems = [], []
        for path in sorted(self.folder.glob("*.npz")):
            # Hidden names are atomic_write's temporary files, left behind by a crash.
            if path.name.startswith(".") or not _ID.fullmatch(path.stem):
                continue
            try:
                samples.append(self._load(path))
            except Exception as e:  # zipfile and npy headers raise many kinds: one file only
                reason = str(e).removeprefix(f"{path}: ")
                problems.append(Skipped(path.name, reason))
                warnings.warn(f"skipping unreadable sample {path}: {reason}", stacklevel=3)
        self.problems = problems
        alive = {s.id for s in samples}
        self._cache = {k: v for k, v in self._cache.items() if k in alive}
        return sorted(samples, key=lambda s: (s.created, s.id))
