"""EMNIST Letters from its official idx files, turned upright, labels 1..26 mapped to 0..25."""

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from cnn.data import SIZE, DataError, LetterSet
from cnn.fileio import atomic_write

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (N, rows, cols)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (N,)
_UBYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"
_KINDS = {IMAGES_MAGIC: "an idx3 images file", LABELS_MAGIC: "an idx1 labels file"}


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: damaged or truncated gzip file ({e})") from e


def read_idx(path: str | os.PathLike, magic: int) -> np.ndarray:
    """The uint8 array of an idx file (plain or gzipped) whose magic number must be `magic`."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataError(f"{path}: {len(raw)} bytes, too short for an idx header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        what = f" ({_KINDS[found]})" if found in _KINDS else ""
        raise DataError(f"{path}: magic number 0x{found:08X}{what}, expected 0x{magic:08X} "
                        f"({_KINDS.get(magic, 'idx')}); is it the right file?")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated inside its header ({len(raw)} of {header} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    size = int(np.prod(dims, dtype=np.int64))
    body = len(raw) - header
    if body != size:
        problem = "truncated" if body < size else "longer than its header says"
        raise DataError(f"{path}: {problem}: dimensions {dims} need {size} bytes of data, "
                        f"the file has {body}")
    return np.frombuffer(raw, np.uint8, size, header).reshape(dims)


def write_idx(path: str | os.PathLike, array) -> Path:
    """Write a uint8 array as an idx file, gzipped when `path` ends in .gz; atomic."""
    a = np.asarray(array)
    if a.dtype != np.uint8 or not 1 <= a.ndim <= 255:
        raise DataError(f"{path}: write_idx takes a uint8 array, got {a.dtype} {a.shape}")
    data = ((_UBYTE << 8 | a.ndim).to_bytes(4, "big") + np.asarray(a.shape, ">u4").tobytes()
            + np.ascontiguousarray(a).tobytes())
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    return atomic_write(path, lambda f: f.write(data))


def labels_path_for(images_path: str | os.PathLike) -> Path:
    """The labels file beside an images file: `images-idx3` becomes `labels-idx1` in its name."""
    images_path = Path(images_path)
    if "images-idx3" not in images_path.name:
        raise DataError(f"{images_path}: cannot tell the labels file from this name (no "
                        "'images-idx3' in it); pass labels_path")
    path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))
    if not path.exists():
        # The images may be gzipped and the labels not, or the other way round.
        other = path.with_name(path.name[:-3] if path.name.endswith(".gz") else path.name + ".gz")
        if other.exists():
            return other
    return path


def load_emnist(images_path: str | os.PathLike,
                labels_path: str | os.PathLike | None = None) -> LetterSet:
    """EMNIST Letters images (stored transposed) and labels 1..26 as an upright LetterSet."""
    images_path = Path(images_path)
    labels_path = labels_path_for(images_path) if labels_path is None else Path(labels_path)
    images = read_idx(images_path, IMAGES_MAGIC)
    if images.shape[1:] != (SIZE, SIZE):
        raise DataError(f"{images_path}: images are {images.shape[1]}x{images.shape[2]}, "
                        "expected 28x28")
    labels = read_idx(labels_path, LABELS_MAGIC)
    if len(labels) != len(images):
        raise DataError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                        f"{len(labels)} labels; are they from the same split?")
    bad = (labels < 1) | (labels > 26)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{labels_path}: label {labels[i]} at index {i} is outside 1..26 "
                        "(A..Z); is this the EMNIST Letters split?")
    # EMNIST stores every image transposed; transposing back makes the letters upright.
    x = np.ascontiguousarray(images.transpose(0, 2, 1))
    source = images_path.name.split("-images-idx3")[0]
    return LetterSet(x, labels.astype(np.int64) - 1, source=source)
