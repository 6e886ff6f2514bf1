"""Work around a PySide6 build that drops references to None, True and False.

PySide6 6.12.0 on Python < 3.12 (where these singletons are ordinary, counted objects) returns
None from void methods and True from `Signal.emit()` without taking a reference: every
`widget.update()` or `emit()` lowers the count by one, and after a few thousand calls the
interpreter aborts ("deallocating None"). Where the leak is seen, the three singletons get a
reference count no session can exhaust. Builds without the leak are left alone; the real fix is
to avoid that release.
"""

import ctypes
import sys

_DONE = False
_HEADROOM = 1 << 40


def _leaks() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(8):
        probe.setObjectName("probe")  # void: returns None
        probe.fired.emit()  # returns True
    after = sys.getrefcount(None), sys.getrefcount(True)
    return after[0] < before[0] or after[1] < before[1]


def protect_singletons() -> None:
    """Apply the workaround once, only where the leak happens."""
    global _DONE
    if _DONE:
        return
    _DONE = True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return  # immortal singletons: nothing to protect
    if _leaks():
        for obj in (None, True, False):
            ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
