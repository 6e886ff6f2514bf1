"""Atomic file writes: a crash or a full disk never leaves a half-written file in place."""

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call `write(f)` on a temporary file beside `path`, fsync it, then rename it over `path`.

    A symbolic link is followed: the file it points to is replaced and the link stays. Anything
    there but a regular file (a device such as /dev/full, a pipe, a socket) is refused with an
    OSError, never replaced: renaming over it would swap a device for a file, which a person
    running as root could do to /dev/null. Returns `path` as given.
    """
    given, path = Path(path), Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        kind = "folder" if path.is_dir() else "special file (a device, pipe or socket)"
        raise OSError(errno.EISDIR if path.is_dir() else errno.EINVAL,
                      f"{path} is a {kind}, not a file to replace", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        if hasattr(os, "fchmod"):  # POSIX
            os.fchmod(fd, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return given  # a link stays the name the person chose, for what the app remembers


def check_writable(path: str | os.PathLike) -> Path:
    """`path` if a file can be written there, else a ValueError saying why; creates its folder.

    Meant for before long work: a folder, a pipe or a folder that cannot be written in is
    refused at once rather than after minutes of training.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name such as {path / 'model.npz'}")
    if path.exists() and not path.is_file():
        raise ValueError(f"{path} exists and is not a regular file")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:  # a file where a folder goes, permission, a full disk: said in words
        raise ValueError(f"cannot write {path}: {why_not_written(path, e)}") from None
    return path


def why_not_written(path: str | os.PathLike, error: OSError) -> str:
    """Why `path` could not be written, in words a person can act on; no temporary names.

    OSError's own text names whichever file failed (often the hidden temporary file beside
    `path`) and the errno; this names the folder or the disk instead.
    """
    path = Path(path)
    code = error.errno
    if code in (errno.EEXIST, errno.ENOTDIR):  # mkdir or open met a file where a folder goes
        for parent in reversed(path.parents):
            if parent.exists() and not parent.is_dir():
                return f"{parent} is a file, not a folder"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied — choose a folder you can write to"
    if code == errno.EROFS:
        return "the disk is read-only — choose a folder you can write to"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full — free some space or choose another disk"
    if code == errno.EISDIR:
        return f"{path} is a folder — give a file name such as {path / 'model.npz'}"
    if code == errno.EINVAL and Path(path).exists() and not Path(path).is_file():
        return f"{path} is not a regular file (a device, pipe or socket) — choose a file name"
    if code == errno.ENAMETOOLONG:
        return "the name is too long — choose a shorter one"
    if code == errno.ENOENT:
        return f"the folder {path.parent} cannot be made — choose another folder"
    words = (error.strerror or type(error).__name__).rstrip(".")
    return words[:1].lower() + words[1:]


def check_not_input(out: str | os.PathLike, out_flag: str,
                    inputs: list[tuple[str, str | os.PathLike | None]]) -> None:
    """A ValueError when `out` is the same file as one of the command's inputs (`(flag, path)`
    pairs; None skipped): writing there would replace the letters or the model being read."""
    for flag, path in inputs:
        if path is None:
            continue
        try:
            same = os.path.samefile(out, path)
        except OSError:  # one is not there yet: the same name would still clash
            same = Path(out).resolve() == Path(path).resolve()
        if same:
            name = f"the {flag} file" if flag.startswith("--") else flag
            raise ValueError(f"{out_flag} {out} would replace {name}: give another file name")
