"""Latency from a stroke update to every visible panel redrawn, offscreen, all docks open.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_latency.py [--model PATH] [--repeats N]

Each mouse move of a replayed letter goes through the real event path: the canvas grows the
stroke, the window reads it (no throttle), every panel updates, then the whole window is
repainted synchronously. Prints the median and 95th percentile in milliseconds.
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
from PySide6.QtCore import QEvent, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.app import _apply_palette  # noqa: E402
from gui.layout import FIRST_RUN_SIZE  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.models import startup_model  # noqa: E402
from gui.replay import send_mouse  # noqa: E402
from gui.sample_letter import sample_strokes  # noqa: E402


def _stats(ms: list[float]) -> str:
    a = np.asarray(ms)
    return (f"median {np.median(a):6.2f} ms   p95 {np.percentile(a, 95):6.2f} ms   "
            f"max {a.max():6.2f} ms   (n={len(a)})")


def run(model_path: str | None, repeats: int, enlarge: bool,
        hide: tuple[str, ...] = ()) -> dict[str, list[float]]:
    app = QApplication.instance() or QApplication([])
    from gui.colormaps import configure_pyqtgraph

    configure_pyqtgraph()
    app.setStyle("Fusion")
    _apply_palette(app)
    settings_dir = tempfile.TemporaryDirectory()
    settings = QSettings(str(Path(settings_dir.name) / "s.ini"), QSettings.Format.IniFormat)
    loaded, _ = startup_model(model_path, None)
    window = MainWindow(loaded, settings)
    window.resize(*FIRST_RUN_SIZE)
    window.show()
    window._apply_default_layout()
    for name in hide:
        window.docks[name].close()
    app.processEvents()
    shown = [n for n, d in window.docks.items() if d.isVisible()]
    assert len(shown) == len(window.docks) - len(hide), f"docks open: {shown}"
    window.predict_interval_ms = 0  # read on every move: measure each update, not the throttle
    canvas = window.canvas
    strokes = sample_strokes(canvas.width(), canvas.height(), per_segment=12)
    if enlarge:
        from gui.panels.feature_maps_panel import MapPoint

        window.feature_maps_panel.select(MapPoint("conv1", 0, 0, 0, 0.0))
    times: dict[str, list[float]] = {"update + full repaint": [], "update + event loop": [],
                                     "inference only": []}
    for r in range(repeats + 1):  # the first round warms up caches and is not counted
        canvas.clear()
        app.processEvents()
        for stroke in strokes:
            send_mouse(canvas, QEvent.Type.MouseButtonPress, stroke[0])
            app.processEvents()
            for i, p in enumerate(stroke[1:]):
                full = i % 2 == 0  # alternate the two ways of making the drawing happen
                t0 = time.perf_counter()
                send_mouse(canvas, QEvent.Type.MouseMove, p)
                app.processEvents()
                if full:
                    window.repaint()  # paints every widget now, whether it changed or not
                elapsed = (time.perf_counter() - t0) * 1e3
                if r:
                    key = "update + full repaint" if full else "update + event loop"
                    times[key].append(elapsed)
                    times["inference only"].append(window.predictor.last.elapsed_ms)
            send_mouse(canvas, QEvent.Type.MouseButtonRelease, stroke[-1],
                       buttons=Qt.MouseButton.NoButton)
            app.processEvents()
    window.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file (default: the shipped model, else an "
                        "untrained one of the default architecture)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--enlarge", action="store_true", help="with a map enlarged too")
    parser.add_argument("--hide", nargs="*", default=[], metavar="DOCK",
                        help="close these docks first (e.g. feature_maps_dock), to see their cost")
    args = parser.parse_args()
    times = run(args.model, args.repeats, args.enlarge, tuple(args.hide))
    for key, ms in times.items():
        print(f"{key:>22}: {_stats(ms)}")


if __name__ == "__main__":
    main()
