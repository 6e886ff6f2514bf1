"""The one owner of BLAS thread limits.

threadpoolctl's limits are process-wide, but each of its limiters restores what it saw when it
began: two threads that limit and restore on their own can end with the wrong value (the later
one restores the earlier one's limit, for good). Here every holder registers under one lock;
the process runs with the lowest limit any holder asks for, and when the last holder leaves
the threads the process had before the first one came are put back.
"""

import contextlib
import itertools
import threading

_lock = threading.Lock()
_controller = None  # threadpoolctl's: finding the libraries takes milliseconds, once
_original = None  # the limiter that restores the state from before the first holder
_holders: dict[int, int] = {}  # holder id -> the most BLAS threads it allows
_ids = itertools.count()


def _blas():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def _take_over() -> None:
    """threadpoolctl (3.8) lets only the thread that first limited OpenBLAS change it, and
    ignores the others' changes without a word; every change here is made under one lock, from
    whichever thread holds it, so each may take that role over."""
    from threadpoolctl import OpenBLASController

    clear = getattr(OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


def _apply() -> None:
    """Set the process to the lowest limit held, or back to where it was (under the lock)."""
    global _original
    _take_over()
    if not _holders:
        if _original is not None:
            _original.restore_original_limits()
            _original = None
        return
    lowest = min(_holders.values())
    if _original is None:
        _original = _blas().limit(limits=lowest, user_api="blas")
    else:
        _blas().limit(limits=lowest, user_api="blas")  # the first limiter keeps the original


@contextlib.contextmanager
def limit(threads: int):
    """At most `threads` BLAS threads while inside, in the whole process; nested and
    concurrent holders in any thread are fine."""
    threads = max(1, int(threads))
    with _lock:
        key = next(_ids)
        _holders[key] = threads
        _apply()
    try:
        yield
    finally:
        with _lock:
            del _holders[key]
            _apply()


def threads() -> int | None:
    """The BLAS threads the process runs with now (the lowest over its BLAS libraries)."""
    with _lock:
        found = [lib["num_threads"] for lib in _blas().info() if lib["user_api"] == "blas"]
    return min(found) if found else None
