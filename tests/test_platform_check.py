"""Before Qt starts: a missing system library for the X11 plugin gets a message saying what to
install, instead of Qt's abort."""

import _ctypes
import sys
from pathlib import Path

import pytest

from gui import app, platform_check


@pytest.fixture
def plugin_lacking_a_library(tmp_path):
    """A copy of Qt's real xcb plugin whose first needed library is one no system has."""
    if sys.platform != "linux":
        pytest.skip("the xcb plugin is Linux's")
    real = platform_check.xcb_plugin()
    if real is None:
        pytest.skip("this Qt has no xcb plugin")
    data = real.read_bytes()
    needed, absent = b"libQt6XcbQpa.so.6", b"libxcb-gone0.so.6"  # same length: a name swapped
    assert data.count(needed) == 1
    fake = tmp_path / "libqxcb.so"
    fake.write_bytes(data.replace(needed, absent))
    return fake


def test_a_plugin_that_cannot_load_gives_the_packages_to_install(plugin_lacking_a_library):
    message = platform_check.missing_libraries(plugin_lacking_a_library)
    assert "libxcb-gone0.so.6" in message  # what the system loader says is missing
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    assert "QT_QPA_PLATFORM=offscreen" in message


def test_a_library_that_loads_passes():
    assert platform_check.missing_libraries(Path(_ctypes.__file__)) is None


def test_the_app_prints_the_hint_and_stops_before_qt_would_abort(
        plugin_lacking_a_library, monkeypatch, capsys):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: plugin_lacking_a_library)
    assert app.main([]) == 2
    err = capsys.readouterr().err
    assert "libxcb-gone0.so.6" in err and platform_check.APT_LINE in err


@pytest.mark.parametrize(("env", "platform", "expected"), [
    ({"DISPLAY": ":0"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb:display=:1"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux", False),  # Qt takes Wayland
    ({"DISPLAY": ":0"}, "darwin", False),
    ({}, "win32", False),
])
def test_only_linux_with_x11_is_checked(env, platform, expected):
    assert platform_check.uses_xcb(env, platform) is expected
