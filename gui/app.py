"""Application entry: parse arguments, check for a display, open the main window."""

import argparse
import os
import sys


def _has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="letterlens", description=__doc__)
    parser.parse_args(argv)
    if not _has_display():
        print(
            "LetterLens needs a display. To run it headless, set QT_QPA_PLATFORM=offscreen\n"
            "(for example with --screenshot), or start it under xvfb-run.",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    label = QLabel("LetterLens")
    label.setWindowTitle("LetterLens")
    label.show()
    return app.exec()
