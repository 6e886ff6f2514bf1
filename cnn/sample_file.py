"""One of the user's drawn samples and its .npz file: what it holds, written and read back checked.

A sample file holds one 28x28 image, its label and case, when it was drawn and its pen strokes;
cnn.samples keeps a folder of them.
"""

from __future__ import annotations  # Sample.copy returns a Sample

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from cnn.data import (
    LETTERS,
    N_CLASSES,
    SIZE,
    UNKNOWN,
    DataError,
    pack_strokes,
    read_npz,
    unpack_points,
)

FORMAT = 1
# One sample is a 28 x 28 image and its pen strokes: 16 MB holds a million stroke points,
# minutes of drawing; a larger file is not a sample.
SAMPLE_BYTES = 16 << 20


@dataclass(eq=False, repr=False)
class Sample:
    """image (28, 28) uint8 ink high; label 0..25; case 0 upper, 1 lower, -1 unknown;
    strokes a list of (n, 2) float64 arrays in the canvas' coordinates."""

    id: str
    image: np.ndarray
    label: int
    case: int = UNKNOWN
    created: float = 0.0
    strokes: list[np.ndarray] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Sample({self.id!r}, {LETTERS[self.label]!r}, strokes={len(self.strokes)})"

    def copy(self) -> Sample:
        return Sample(self.id, self.image.copy(), self.label, self.case, self.created,
                      [s.copy() for s in self.strokes])


def is_time(t):
    """Whether `t` (a number or an array) is a plausible seconds-since-the-epoch time."""
    return np.isfinite(t) & (t >= 0) & (t < 1e11)


def write_sample(f: BinaryIO, sample: Sample) -> None:
    """`sample` as an .npz into the open file `f` (cnn.samples writes it with atomic_write)."""
    packed = pack_strokes([sample.strokes])
    points, offsets = packed["stroke_points"], packed["stroke_offsets"]
    np.savez_compressed(f, format=np.int64(FORMAT), image=sample.image,
                        label=np.int64(sample.label), case=np.int64(sample.case),
                        created=np.float64(sample.created), stroke_points=points,
                        stroke_offsets=offsets)


def read_sample(path: Path) -> Sample:
    """The Sample in `path`, or a DataError naming the file and what is wrong with it."""
    a = read_npz(path, required=("image", "label", "created", "stroke_points", "stroke_offsets"),
                 max_bytes=SAMPLE_BYTES)
    image, label, created = a["image"], a["label"], a["created"]
    case = a.get("case", np.int64(UNKNOWN))
    version = a.get("format", np.int64(FORMAT))
    if version.shape != () or version.dtype.kind not in "iu" or version > FORMAT:
        raise DataError(f"{path}: sample format {version} is newer than this LetterLens reads")
    if image.dtype != np.uint8 or image.shape != (SIZE, SIZE):
        raise DataError(f"{path}: image is {image.dtype} {image.shape}, expected uint8 (28, 28)")
    for name, v in (("label", label), ("case", case)):
        if v.shape != () or v.dtype.kind not in "iu":
            raise DataError(f"{path}: '{name}' is {v.dtype} {v.shape}, expected one integer")
    if not 0 <= label < N_CLASSES or case not in (UNKNOWN, 0, 1):
        raise DataError(f"{path}: label {label} or case {case} out of range")
    if created.shape != () or created.dtype.kind != "f" or not is_time(created):
        raise DataError(f"{path}: 'created' is not a time")
    strokes = unpack_points(a["stroke_points"], a["stroke_offsets"], str(path))
    return Sample(path.stem, image, int(label), int(case), float(created), strokes)
