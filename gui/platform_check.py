"""Before the window opens: can Qt load its X11 ("xcb") platform plugin on this Linux?

When a system library the plugin needs is missing, Qt prints a generic message and aborts the
process, so nothing after QApplication() could explain. Loading the plugin file first names the
missing library, and the app says which packages bring it.
"""

import ctypes
import os
import sys
from pathlib import Path

# Debian and Ubuntu packages of every system library the xcb plugin and Qt's GUI libraries link
# (their own dependencies come along).
APT_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-randr0 libxcb-shape0 "
                "libxcb-sync1 libxcb-xfixes0 libxkbcommon-x11-0 libx11-xcb1 libegl1 libgl1 "
                "libfontconfig1 libglib2.0-0 libdbus-1-3")
APT_LINE = f"sudo apt-get install {APT_PACKAGES}"


def uses_xcb(env=os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will try the xcb plugin: on Linux, asked for by QT_QPA_PLATFORM or, unset,
    outside a Wayland session (where Qt takes Wayland first)."""
    if platform != "linux":
        return False
    asked = env.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the Qt that PySide6 loads, if it has one."""
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    path = plugins / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def missing_libraries(plugin: Path | None = None) -> str | None:
    """A message for the person when the xcb plugin cannot load here, else None.

    Loads the plugin as Qt would; the system loader names the first library it lacks. Loading
    it leaves it in place for Qt, which takes the same file.
    """
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as e:
        return (f"LetterLens cannot open its window: Qt's X11 (xcb) platform plugin needs "
                f"system libraries that are missing here.\n  {e}\n"
                f"On Debian or Ubuntu, install them with:\n  {APT_LINE}\n"
                "(on other systems, the packages that provide xcb-cursor, xcb-icccm, "
                "xcb-keysyms and xkbcommon-x11). To run without a window, set "
                "QT_QPA_PLATFORM=offscreen (for example with --screenshot).")
    return None
