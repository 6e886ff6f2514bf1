"""EMNIST Letters from its official idx files, turned upright, labels 1..26 mapped to 0..25."""

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from cnn.data import LETTER_SET_BYTES, SIZE, DataError, LetterSet
from cnn.fileio import atomic_write
from cnn.safefile import NpzError, open_regular, size_text

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (N, rows, cols)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (N,)
_UBYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"
_KINDS = {IMAGES_MAGIC: "an idx3 images file", LABELS_MAGIC: "an idx1 labels file"}
MAX_LETTERS = LETTER_SET_BYTES // (SIZE * SIZE)  # per idx file, as for any letter set
_CHUNK = 1 << 20  # bytes inflated at a time


def _read_exact(stream, out: np.ndarray) -> int:
    """Fill the uint8 array `out` from `stream` in chunks; returns how many bytes came."""
    view, done = memoryview(out), 0
    while done < len(out):
        n = stream.readinto(view[done:done + _CHUNK])
        if not n:
            break
        done += n
    return done


def read_idx(path: str | os.PathLike, magic: int, item_shape: tuple | None = None) -> np.ndarray:
    """The uint8 array of an idx file (plain or gzipped) whose magic number must be `magic`.

    The header's dimensions are checked (against `item_shape` too, when given) before any data
    is read; a gzip stream is inflated only as far as the header says, so its size never
    exceeds MAX_LETTERS items.
    """
    path, zipped = Path(path), False
    try:
        with open_regular(path) as f:
            zipped = f.read(2) == _GZIP_MAGIC
            f.seek(0)
            if not zipped:
                return _read_idx(f, path, magic, item_shape, os.fstat(f.fileno()).st_size)
            with gzip.GzipFile(fileobj=f, mode="rb") as stream:
                return _read_idx(stream, path, magic, item_shape, None)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except NpzError as e:
        raise DataError(f"{path}: {e}") from None
    except (OSError, EOFError, zlib.error) as e:
        if zipped:
            raise DataError(f"{path}: damaged or truncated gzip file ({e})") from None
        raise DataError(f"{path}: cannot be read ({e})") from None


def _read_idx(stream, path: Path, magic: int, item_shape, file_size: int | None) -> np.ndarray:
    """read_idx on an open stream; `file_size` the plain file's size (None when gzipped)."""
    head = stream.read(4)
    if len(head) < 4:
        raise DataError(f"{path}: {len(head)} bytes, too short for an idx header")
    found = int.from_bytes(head, "big")
    if found != magic:
        what = f" ({_KINDS[found]})" if found in _KINDS else ""
        raise DataError(f"{path}: magic number 0x{found:08X}{what}, expected 0x{magic:08X} "
                        f"({_KINDS.get(magic, 'idx')}); is it the right file?")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    raw = stream.read(4 * ndim)
    if len(raw) < 4 * ndim:
        raise DataError(f"{path}: truncated inside its header ({4 + len(raw)} of {header} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4"))
    if item_shape is not None and dims[1:] != tuple(item_shape):
        raise DataError(f"{path}: images are {'x'.join(map(str, dims[1:]))}, expected "
                        f"{'x'.join(map(str, item_shape))}")
    size = math.prod(dims)
    if dims[0] > MAX_LETTERS or size > LETTER_SET_BYTES:
        raise DataError(f"{path}: its header declares {dims[0]:,} items ({size_text(size)}); "
                        f"LetterLens reads at most {MAX_LETTERS:,} letters "
                        f"({size_text(LETTER_SET_BYTES)}) from one file")
    if file_size is not None and file_size - header != size:
        body = file_size - header
        problem = "truncated" if body < size else "longer than its header says"
        raise DataError(f"{path}: {problem}: dimensions {dims} need {size} bytes of data, "
                        f"the file has {body}")
    data = np.empty(size, np.uint8)
    got = _read_exact(stream, data)
    if got < size:
        raise DataError(f"{path}: truncated: dimensions {dims} need {size} bytes of data, "
                        f"the file has {got}")
    if stream.read(1):  # one byte past the end: never inflate the rest of a gzip bomb
        raise DataError(f"{path}: longer than its header says: dimensions {dims} need {size} "
                        "bytes of data, the file has more")
    return data.reshape(dims)


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
    images = read_idx(images_path, IMAGES_MAGIC, (SIZE, SIZE))
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
