"""Reading untrusted files within limits: regular files only, .npz arrays sized from their headers.

Every .npz member's npy header (shape, dtype) is read before its data and checked against a byte
budget and against the size the zip archive declares, so no file can make LetterLens read past
its budget or inflate a compressed member beyond what its header promised. Pickles are never
read. The errors carry no path: callers put the file's name in front.
"""

import json
import math
import os
import stat
import struct
import tokenize
import zipfile
import zlib
from typing import BinaryIO

import numpy as np

NPY_MAGIC = b"\x93NUMPY"
_KINDS = "biufU"  # booleans, integers, floats and text; never objects or records
_MAX_HEADER = 10_000  # numpy's own cap on an npy header, in characters
_CHUNK = 1 << 20  # bytes read at a time, so that a member never sits in memory twice
_MAX_MEMBERS = 1000  # a model has two arrays per layer; a letter set about ten
_MAX_DIRECTORY = 1 << 20  # bytes of zip directory: 1000 members with names of ~1,000 bytes
MAX_JSON_DEPTH = 32  # a model's metadata nests 4 deep; a spec file 2
# What a damaged zip archive, npy header or JSON text can raise from zipfile, zlib and numpy.
DAMAGE = (OSError, EOFError, ValueError, TypeError, KeyError, IndexError, OverflowError,
          SyntaxError, RuntimeError, NotImplementedError, struct.error, zlib.error,
          zipfile.BadZipFile, tokenize.TokenError)


class NpzError(ValueError):
    """A file that is damaged or not the expected format; the message says why."""


class NotRegularFile(NpzError):
    """A folder, pipe, device or socket where a file was expected."""


class SingleArray(NpzError):
    """A .npy file (one array) where an .npz archive of named arrays was expected."""


class TooLarge(NpzError):
    """A file declaring more data than LetterLens reads for its kind; the message says the limit."""


def size_text(n: int) -> str:
    """A byte count for people: '512 MB', '3 GB', '800 bytes'."""
    for unit, scale in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    for test, what in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """`path` opened for binary reading; NotRegularFile for folders, pipes, devices, sockets.

    Checked before opening and again on the open file (it may have been swapped in between);
    opening without blocking means a pipe never hangs the caller. OSErrors come through.
    """
    what = _kind(os.stat(path).st_mode)
    if what is not None:
        raise NotRegularFile(f"it is {what}, not a file")
    nonblock = getattr(os, "O_NONBLOCK", 0)  # POSIX only; Windows has no FIFOs to open
    fd = os.open(path, os.O_RDONLY | nonblock | getattr(os, "O_BINARY", 0))
    try:
        what = _kind(os.fstat(fd).st_mode)
        if what is not None:
            raise NotRegularFile(f"it is {what}, not a file")
        if nonblock:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_arrays(path: str | os.PathLike, max_bytes: int, what: str) -> dict[str, np.ndarray]:
    """Every array of the .npz at `path`, at most `max_bytes` of array data in all.

    `what` names the kind of file for the limit's message ("a letter set"). Raises NpzError
    (or a subclass) for anything but a sound archive of plain arrays; OSErrors come through.
    """
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if f.read(len(NPY_MAGIC)) == NPY_MAGIC:
            raise SingleArray("a single .npy array, not an .npz archive of named arrays")
        f.seek(0)
        # An archive is never much larger than its arrays: the slack is its headers.
        if size > max_bytes + max_bytes // 16 + (1 << 20):
            raise TooLarge(f"the file is {size_text(size)}; {what} may hold at most "
                           f"{size_text(max_bytes)} of arrays")
        _check_directory(f, size, what)  # before ZipFile parses every entry into Python
        try:
            zf = zipfile.ZipFile(f)
        except zipfile.BadZipFile:
            raise NpzError("not an .npz file (no zip archive found; truncated or another "
                           "format)") from None
        except DAMAGE as e:
            raise NpzError(f"damaged .npz file ({_short(e)})") from None
        with zf:
            infos = zf.infolist()
            if len(infos) > _MAX_MEMBERS:
                raise NpzError(f"the archive holds {len(infos):,} members; {what} has at "
                               f"most {_MAX_MEMBERS}")
            arrays, budget = {}, max_bytes
            for info in infos:
                key = info.filename.removesuffix(".npy")
                try:
                    a = _member(zf, info, key, budget, max_bytes, what)
                except NpzError:
                    raise
                except DAMAGE as e:
                    raise NpzError(f"damaged .npz file: '{_clip(key)}' ({_short(e)})") from None
                budget -= a.nbytes
                arrays[key] = a
    return arrays


def _check_directory(f: BinaryIO, size: int, what: str) -> None:
    """Refuse an archive whose directory lists too many members, from its end record alone.

    The end of a zip file says how many members it has and how large its directory is;
    `zipfile` would otherwise turn every entry into a Python object first (minutes and GBs
    for millions of empty members). A file without an end record is left to `zipfile` to refuse.
    """
    tail_size = min(size, 22 + 0xFFFF)  # the end record, then a comment of up to 64 KB
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        f.seek(0)
        return
    members, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    locator = tail[at - 20 : at] if at >= 20 else b""
    if (members == 0xFFFF or directory == 0xFFFFFFFF) and locator[:4] == b"PK\x06\x07":
        (record_at,) = struct.unpack("<Q", locator[8:16])  # the zip64 end record
        if record_at + 56 <= size:
            f.seek(record_at)
            record = f.read(56)
            if record[:4] == b"PK\x06\x06":
                members, directory = struct.unpack("<QQ", record[32:48])
    f.seek(0)
    if members > _MAX_MEMBERS:
        raise NpzError(f"the archive holds {members:,} members; {what} has at most "
                       f"{_MAX_MEMBERS}")
    if directory > _MAX_DIRECTORY:
        raise NpzError(f"the archive's directory is {size_text(directory)}; {what} needs at "
                       f"most {size_text(_MAX_DIRECTORY)}")


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, budget: int, max_bytes: int,
            what: str) -> np.ndarray:
    """One archive member as an array, its header checked before any of its data is read."""
    name = f"'{_clip(key)}'"
    if info.flag_bits & 0x1:
        raise NpzError(f"damaged .npz file: {name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise NpzError(f"damaged .npz file: {name} uses compression method "
                       f"{info.compress_type}; .npz files use none or deflate")
    limit = f"{what} may hold at most {size_text(max_bytes)} of arrays"
    if info.file_size > budget + _MAX_HEADER + 64:
        raise TooLarge(f"{name} holds {size_text(info.file_size)}; {limit}")
    with zf.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, _MAX_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, _MAX_HEADER)
        else:
            raise NpzError(f"damaged .npz file: {name} has npy format {version}")
        if dtype.hasobject:
            raise NpzError(f"damaged or unsafe .npz file: {name} holds Python objects, "
                           "which LetterLens never loads")
        if (dtype.kind not in _KINDS or dtype.names is not None or dtype.subdtype is not None
                or dtype.itemsize == 0):
            raise NpzError(f"damaged .npz file: {name} has dtype {dtype}, not plain numbers "
                           "or text")
        if len(shape) > 32 or any(d < 0 for d in shape):
            raise NpzError(f"damaged .npz file: {name} has shape {_clip(str(shape))}")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        if nbytes > budget:
            raise TooLarge(f"{name} declares {count:,} values of {dtype} "
                           f"({size_text(nbytes)}); {limit}")
        stored = info.file_size - fp.tell()
        if stored != nbytes:
            raise NpzError(f"damaged .npz file: {name} declares {nbytes:,} bytes of data, "
                           f"the archive holds {stored:,}")
        a = np.empty(count, dtype)
        if nbytes:
            view = memoryview(a.view(np.uint8))
            for start in range(0, nbytes, _CHUNK):
                part = view[start:start + _CHUNK]
                if fp.readinto(part) != len(part):
                    raise NpzError(f"damaged .npz file: {name} is truncated")
        if fp.read(1):  # at the end: zipfile checks the member's CRC here
            raise NpzError(f"damaged .npz file: {name} is longer than its header says")
    return a.reshape(shape[::-1]).transpose() if fortran else a.reshape(shape)


def read_text(path: str | os.PathLike, max_bytes: int) -> str:
    """The UTF-8 text of a regular file of at most `max_bytes`; NpzError otherwise."""
    with open_regular(path) as f:
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise TooLarge(f"the file is larger than {size_text(max_bytes)}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NpzError(f"not UTF-8 text ({_short(e)})") from None


def parse_json(text: str) -> object:
    """The value of a JSON text nested at most MAX_JSON_DEPTH deep; NpzError otherwise."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise NpzError("its JSON is nested too deeply") from None
    except ValueError as e:
        raise NpzError(f"not valid JSON ({_short(e)})") from None
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise NpzError(f"its JSON is nested more than {MAX_JSON_DEPTH} deep")
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
    return value


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _short(e: BaseException) -> str:
    """An exception as one short line of text."""
    return _clip(" ".join(str(e).split()) or type(e).__name__, 200)
