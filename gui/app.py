"""Application entry: parse arguments, check for a display, open the main window."""

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

VIEWS = ("draw", "train", "explain")
# The Step through tab's chapters (gui.step_through.chapters.KEYS; listed here so that --help
# does not load Qt).
CHAPTERS = ("input", "convolution", "relu", "pooling", "flatten", "fully-connected", "softmax",
            "loss", "backpropagation", "initialisation")

log = logging.getLogger(__name__)


def _has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="letterlens", description="Draw a letter and watch a NumPy convolutional "
        "network read it, layer by layer.")
    parser.add_argument("--model", metavar="PATH", help="open with this model file (.npz) "
                        "instead of the last one used or the shipped default")
    parser.add_argument("--screenshot", metavar="PATH", help="draw a sample letter, save a "
                        "screenshot of the whole window to PATH and exit (works headless)")
    parser.add_argument("--view", choices=VIEWS, default="draw",
                        help="the tab a screenshot shows: draw (default), train, or explain "
                        "(Step through)")
    parser.add_argument("--chapter", choices=CHAPTERS, default=None,
                        help="with --view explain: the chapter the screenshot shows")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if (args.view != "draw" or args.chapter) and not args.screenshot:
        parser.error("--view and --chapter go with --screenshot")
    if args.chapter and args.view != "explain":
        parser.error("--chapter goes with --view explain")
    if args.screenshot and not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    if not _has_display():
        print(
            "LetterLens needs a display. To run it headless, set QT_QPA_PLATFORM=offscreen\n"
            "(for example with --screenshot), or start it under xvfb-run.",
            file=sys.stderr,
        )
        return 2
    from gui import platform_check

    problem = platform_check.missing_libraries() if platform_check.uses_xcb() else None
    if problem:  # Qt would abort with a message that does not say what to install
        print(problem, file=sys.stderr)
        return 2
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui import logs, window_settings
    from gui.colormaps import configure_pyqtgraph

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()  # before any plot is made
    collector = collect_garbage_in_gui_thread()  # noqa: F841  (kept while the app runs)
    app.setOrganizationName("LetterLens")
    app.setApplicationName("LetterLens")
    app.setStyle("Fusion")
    _apply_palette(app)
    _set_icon(app)
    logs.setup()
    sys.excepthook = _log_uncaught
    if args.screenshot:
        # A screenshot shows the first-run layout, never the user's own settings.
        settings_dir = tempfile.TemporaryDirectory()
        settings = QSettings(str(Path(settings_dir.name) / "letterlens.ini"),
                             QSettings.Format.IniFormat)
    else:
        settings = window_settings.user_settings()
    window = start_window(settings, args.model, remember=not args.screenshot)
    if args.screenshot:
        return save_screenshot(app, window, args.screenshot, args.view, args.chapter)
    window.show()
    window.show_startup_notes()
    return app.exec()


def collect_garbage_in_gui_thread():
    """Collect cyclic garbage on a timer in this (the GUI) thread, never in a training thread.

    Python collects on whichever thread allocates; a dead Qt object collected by a worker is
    destroyed there, holding a Qt lock while it waits for the GIL that the GUI thread holds while
    it waits for that lock: the app hangs. Keep the returned collector referenced.
    """
    from pyqtgraph.util.garbage_collector import GarbageCollector

    return GarbageCollector(interval=1.0)


def start_window(settings, requested: str | None = None, remember: bool = True):
    """The main window with the model to start with: `requested`, else the remembered one,
    else the shipped one. Nothing on disk stops it: what could not be read is noted."""
    from gui import window_settings
    from gui.main_window import MainWindow
    from gui.models import startup_model

    last = window_settings.last_model_path(settings) if remember else None
    loaded, problems = startup_model(requested, last)
    for problem in problems:
        log.warning("start-up: %s", problem)
    return MainWindow(loaded, settings)


def _log_uncaught(kind, value, tb) -> None:
    """A slot that raised: the traceback goes to the log (Qt would only print it)."""
    log.critical("uncaught exception", exc_info=(kind, value, tb))


def save_screenshot(app, window, path: str, view: str = "draw",
                    chapter: str | None = None) -> int:
    """What --screenshot does: the first-run layout with a sample letter, on `view` (and
    `chapter`), saved to `path`; then the window closes. The exit code."""
    from gui.layout import FIRST_RUN_SIZE
    from gui.sample_letter import sample_strokes

    window.resize(*FIRST_RUN_SIZE)
    window.show()
    window._apply_default_layout()
    app.processEvents()
    canvas = window.canvas
    canvas.set_strokes(sample_strokes(canvas.width(), canvas.height()), width=16)
    panel = window.feature_maps_panel
    if "conv2" in panel.layer_names():
        from gui.panels.map_points import MapPoint

        # Map 5 of the shipped model's conv2; a narrower conv2 (the Train tab builds ones of
        # a single filter) shows its last map.
        maps = window.model.output_shapes()["conv2"][0]
        panel.select(MapPoint("conv2", min(5, maps - 1), 0, 0, 0.0))
    for _ in range(3):
        app.processEvents()
    window.predict_now()
    app.processEvents()
    if view == "train":
        window.tabs.setCurrentWidget(window.train_tab)
    elif view == "explain":
        window.step_through.show_screenshot(chapter or "convolution")
    for _ in range(3):
        app.processEvents()
    if not window.grab().save(path):
        print(f"letterlens: could not write {path}", file=sys.stderr)
        return 1
    print(f"saved {path}")
    window.close()
    return 0


def _apply_palette(app) -> None:
    """A dark theme, so the colour maps and the white canvas stand out."""
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    base, window, text = QColor(30, 31, 36), QColor(42, 44, 51), QColor(222, 224, 229)
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: window,
        QPalette.ColorRole.ToolTipBase: base, QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: window,
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.Highlight: QColor(86, 140, 214),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(120, 170, 240),
        QPalette.ColorRole.PlaceholderText: QColor(130, 134, 145),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(110, 112, 120))
    app.setPalette(p)


def _set_icon(app) -> None:
    from PySide6.QtGui import QIcon

    from cnn.paths import ICON

    if ICON.exists():
        app.setWindowIcon(QIcon(str(ICON)))
