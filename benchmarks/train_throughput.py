"""Training from the window against training without it, and drawing while it trains.

    QT_QPA_PLATFORM=offscreen python benchmarks/train_throughput.py [--n 6400] [--rounds 3]

(a) Throughput: the Train tab (shown, curves on screen) and `cnn.train.fit` called directly run
    the same settings on the same letters, round by round in the same process, so a busy
    machine slows both alike. Rates are fit's own samples/s over one epoch; the ratio is taken
    per round, and medians are reported.
(b) Responsiveness: the main window with its own Train tab, the Draw tab on screen. A sample
    letter is drawn with real mouse events: idle, while training runs on every core, and while
    training keeps to one core as the pen moves (what the app does), interleaved round by
    round; each move is timed from the event to every panel it changed painted (the predictor
    reads every move: no throttle, the worst case; the app reads at most every 33 ms). Median
    and 95th percentile, and the training rate.
"""

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def _settings(n: int, args) -> "RunConfig":  # noqa: F821
    from cnn.runs.config import RunConfig

    return RunConfig(synthetic=n, my_samples=False, arch=args.arch, epochs=1,
                     batch_size=args.batch, augment=not args.no_augment, val_fraction=0.1,
                     blas_threads=args.blas_threads)


def _direct_rate(config) -> float:
    """The same run as `python -m cnn train` does it: no GUI, no per-layer norms."""
    from cnn.runs.setup import prepare

    setup = prepare(config)
    limit = contextlib.nullcontext()
    if config.blas_threads:
        from cnn import blas

        limit = blas.limit(config.blas_threads)
    with limit:
        return _fit_rate(setup.batches())


def _fit_rate(items) -> float:
    """fit's own samples/s at its last batch (the CLI consumes it the same way: no norms)."""
    rate = 0.0
    for item in items:
        if item.kind == "step":
            rate = item.samples_per_s
    return rate


def _gui_rate(app, tab, config) -> float:
    rates = []
    tab.controller.progressed.connect(lambda c: rates.append(c["fit_samples_per_s"]))
    done = []
    tab.run_finished.connect(done.append)
    tab.setup.set_config(config)
    cpu, wall = time.thread_time(), time.perf_counter()
    tab.unsaved = False  # the last round's weights: no Save question to wait on
    tab.start()
    # Qt's own event loop, as in the app: it sleeps until there is something to do (polling
    # processEvents() every 2 ms would wake the window's thread 500 times a second).
    loop = QEventLoop()
    tab.run_finished.connect(loop.quit)
    if not done:
        loop.exec()
    while tab.is_running():  # the worker thread's last steps after its result
        app.processEvents()
        time.sleep(0.002)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    tab.controller.progressed.disconnect()
    tab.run_finished.disconnect()
    print(f"    GUI thread busy {cpu:.2f} s of the run's {wall:.1f} s ({cpu / wall:.1%})")
    return rates[-1]


def throughput(app, args) -> None:
    from gui.training.tab import TrainTab

    tab = TrainTab()
    tab.resize(1366, 768)
    tab.show()
    config = _settings(args.n, args)
    from cnn.runs.sources import synthetic_set

    synthetic_set(args.n, 0)  # drawn once before the clocks start
    _gui_rate(app, tab, config)  # warm-up: first paints, first buffers
    gui, direct = [], []
    for r in range(args.rounds):
        gui.append(_gui_rate(app, tab, config))
        direct.append(_direct_rate(config))
        print(f"  round {r + 1}: window {gui[-1]:7.0f} samples/s   direct fit {direct[-1]:7.0f} "
              f"samples/s   ratio {gui[-1] / direct[-1]:.3f}", flush=True)
    ratios = [g / d for g, d in zip(gui, direct, strict=True)]
    print(f"(a) window {statistics.median(gui):.0f} samples/s, direct "
          f"{statistics.median(direct):.0f} samples/s; median ratio "
          f"{statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}) over {args.rounds} rounds of {args.n:,} letters, "
          f"{args.arch}, batch {args.batch}, augment {'off' if args.no_augment else 'on'}")
    tab.close()


def _draw(app, window, strokes) -> list[float]:
    """Each move's time from the mouse event to every panel it changed painted. Qt paints what
    changed when it handles the update requests the move posted: the events are handled until
    none is left (a forced repaint of all 68 widgets would time paints the app never makes)."""
    from gui.replay import send_mouse

    canvas = window.canvas
    canvas.clear()
    app.processEvents()
    predicted = []
    window.predictor.predicted.connect(predicted.append)
    times = []
    for stroke in strokes:
        send_mouse(canvas, QEvent.Type.MouseButtonPress, stroke[0])
        app.processEvents()
        for p in stroke[1:]:
            before = len(predicted)
            t0 = time.perf_counter()
            send_mouse(canvas, QEvent.Type.MouseMove, p)
            for _ in range(3):  # what the first pass posts (update requests), the next handle
                app.processEvents()
            times.append((time.perf_counter() - t0) * 1e3)
            if len(predicted) != before + 1:
                raise RuntimeError("a move was not read by the predictor within its timing")
        send_mouse(canvas, QEvent.Type.MouseButtonRelease, stroke[-1],
                   buttons=Qt.MouseButton.NoButton)
        app.processEvents()
    window.predictor.predicted.disconnect(predicted.append)
    return times


def responsiveness(app, args) -> None:
    from gui.app import _apply_palette
    from gui.main_window import MainWindow
    from gui.models import startup_model
    from gui.sample_letter import sample_strokes
    from gui.training import worker

    _apply_palette(app)
    folder = tempfile.TemporaryDirectory()
    settings = QSettings(str(Path(folder.name) / "s.ini"), QSettings.Format.IniFormat)
    loaded, _ = startup_model(args.model, None)
    window = MainWindow(loaded, settings)  # its own Train tab, joined as the app joins it
    tab = window.train_tab
    window.resize(1366, 768)
    window.show()
    window._apply_default_layout()
    window.predict_interval_ms = 0
    app.processEvents()
    strokes = sample_strokes(window.canvas.width(), window.canvas.height(), per_segment=12)
    config = _settings(args.n, args)
    config.epochs = 1000
    grace = worker.DRAWING_GRACE
    arms = {"idle": None, "training, both cores": 0.0,
            f"training, one core while drawing ({grace} s)": grace}
    times = {name: [] for name in arms}
    rates = {name: [] for name in arms}
    swaps = []
    tab.weights_published.connect(lambda m, meta: swaps.append(1))
    current = [None]
    tab.controller.progressed.connect(
        lambda c: current[0] is not None and rates[current[0]].append(c["samples_per_s"]))
    _draw(app, window, strokes)  # warm up
    for _ in range(args.draw_rounds):
        for name, arm_grace in arms.items():  # interleaved: a busy machine slows every arm
            if arm_grace is None:
                times[name] += _draw(app, window, strokes)
                continue
            worker.DRAWING_GRACE = arm_grace
            tab.setup.set_config(config)
            tab.unsaved = False  # the last round's weights: no Save question to wait on
            tab.start()
            while tab.controller.state != "running":
                app.processEvents()
                time.sleep(0.002)
            t_end = time.perf_counter() + 1.0
            while time.perf_counter() < t_end:  # let training reach its stride
                app.processEvents()
                time.sleep(0.002)
            current[0] = name
            times[name] += _draw(app, window, strokes)
            current[0] = None
            tab.stop_and_wait()
    worker.DRAWING_GRACE = grace
    print("(b) stroke to every panel painted:")
    for name, t in times.items():
        rate = f"; training at {np.median(rates[name]):.0f} samples/s" if rates[name] else ""
        print(f"    {name:44s} median {np.median(t):5.1f} ms, p95 "
              f"{np.percentile(t, 95):5.1f} ms (n={len(t)}){rate}")
    print(f"    the Draw tab swapped in {len(swaps)} new weight sets meanwhile")
    tab.unsaved = False  # nothing to offer saving: closing must not wait on a question
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6400, help="synthetic letters per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--arch", default="default")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--draw-rounds", type=int, default=3)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit both runs to this many BLAS threads (default: the "
                        "library's, as the CLI)")
    parser.add_argument("--model", help="model for the Draw tab (default: the shipped one)")
    parser.add_argument("--skip", choices=["a", "b"], help="leave one part out")
    args = parser.parse_args()
    if not os.environ.get("LETTERLENS_CACHE_DIR"):
        cache = tempfile.TemporaryDirectory()
        os.environ["LETTERLENS_CACHE_DIR"] = cache.name  # leave the user's cache alone
    app = QApplication.instance() or QApplication([])
    from gui.colormaps import configure_pyqtgraph

    configure_pyqtgraph()
    app.setStyle("Fusion")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.skip != "a":
        throughput(app, args)
    if args.skip != "b":
        responsiveness(app, args)


if __name__ == "__main__":
    main()
