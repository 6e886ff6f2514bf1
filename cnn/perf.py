"""Process-wide speed settings for training and live inference."""

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_tuned = False


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks of up to 32 MB instead of returning them to the system.

    A training step allocates and frees the same multi-megabyte arrays every batch; by default
    each comes back from the system as fresh pages, and the page faults cost about a fifth of
    the step. Returns whether the setting took (only on glibc).
    """
    global _tuned
    if _tuned or not sys.platform.startswith("linux"):
        return _tuned
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _tuned = bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)
                      and libc.mallopt(_M_TRIM_THRESHOLD, 256 * 1024 * 1024)
                      and libc.mallopt(_M_TOP_PAD, 64 * 1024 * 1024))
    except (OSError, AttributeError):
        _tuned = False
    return _tuned
