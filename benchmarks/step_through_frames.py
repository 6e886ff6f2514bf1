"""Frames of the Step through tab's convolution animation, offscreen, at the first-run size.

    QT_QPA_PLATFORM=offscreen python benchmarks/step_through_frames.py [--model PATH]

For conv1 and conv2 of the model: the cost of one frame (move the window n stops on, then let
the event loop paint what changed), for 1 stop a frame and for the most a frame carries at the
top speed; then Play at the top speed through a whole map with the real timer, and the
frame rate it reached. A frame must stay well under 33 ms for 30 frames a second while the
rest of the window (drawing) keeps its share of the GUI thread.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.gui_latency import _stats  # noqa: E402
from gui.app import _apply_palette  # noqa: E402
from gui.layout import FIRST_RUN_SIZE  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.models import startup_model  # noqa: E402
from gui.sample_letter import sample_strokes  # noqa: E402
from gui.step_through.player import FRAME_MS, SPEEDS  # noqa: E402


def frames(app, window, view, per_frame: int, count: int) -> list[float]:
    """Time `count` frames of `per_frame` stops: the move and the painting it causes."""
    view.go_to(0, reveal_all=True)
    window.repaint()
    out = []
    for _ in range(count):
        if view.index + per_frame >= view.stops():
            view.go_to(0, reveal_all=True)
            window.repaint()
        t0 = time.perf_counter()
        view.advance(per_frame)
        app.processEvents()  # paints what changed, as the event loop does between ticks
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def play_through(app, view) -> tuple[float, int, float]:
    """Play one whole map at the top speed with the real timer: (seconds, frames, fps)."""
    player = view.player
    player.speed.setValue(len(SPEEDS) - 1)
    view.go_to(0, reveal_all=True)
    loop = QEventLoop()
    player.playing_changed.connect(lambda playing: None if playing else loop.quit())
    start_frames = player.frames
    t0 = time.perf_counter()
    player.play()
    loop.exec()
    seconds = time.perf_counter() - t0
    n = player.frames - start_frames
    return seconds, n, n / seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a model file (default: the shipped model)")
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    from gui.colormaps import configure_pyqtgraph

    configure_pyqtgraph()
    app.setStyle("Fusion")
    _apply_palette(app)
    settings_dir = tempfile.TemporaryDirectory()
    settings = QSettings(str(Path(settings_dir.name) / "s.ini"), QSettings.Format.IniFormat)
    loaded, _ = startup_model(args.model, None)
    window = MainWindow(loaded, settings)
    window.resize(*FIRST_RUN_SIZE)
    window.show()
    app.processEvents()
    canvas = window.canvas
    canvas.set_strokes(sample_strokes(canvas.width(), canvas.height()), width=16)
    window.predict_now()
    most = int(np.ceil(SPEEDS[-1] * FRAME_MS / 1e3))
    print(f"model: {loaded.name}; window {FIRST_RUN_SIZE[0]}×{FIRST_RUN_SIZE[1]}; "
          f"timer {FRAME_MS} ms")
    for layer in [n for n, lay in window.model.layers if lay.kind == "conv2d"]:
        window.step_through.show_chapter("convolution", layer=layer, filter=0, row=0, col=0)
        view = window.step_through.tab.current_view()
        app.processEvents()
        for per_frame in (1, most):
            ms = frames(app, window, view, per_frame, args.frames)
            print(f"{layer}, {per_frame:2d} stop(s) a frame: {_stats(ms)}")
        seconds, n, fps = play_through(app, view)
        print(f"{layer}, Play at {SPEEDS[-1]} stops/s through {view.stops()} stops: "
              f"{seconds:.2f} s, {n} frames, {fps:.1f} frames/s")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
