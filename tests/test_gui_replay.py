"""Real pen strokes from Chars74K replayed through the canvas as mouse events, read by the model.

Needs ../shared/data and a trained model: assets/default_model.npz, or the file named by
LETTERLENS_TEST_MODEL; skipped without them.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from cnn.checkpoint import LETTERS
from cnn.paths import DEFAULT_MODEL
from gui.main_window import MainWindow
from gui.models import load_model_file
from gui.replay import fit_strokes, send_stroke

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

SOURCE = (1200, 900)  # the tablet canvas the strokes were recorded on
PER_LETTER = 2  # samples replayed per letter, from different writers


def trained_model_path() -> Path:
    path = Path(os.environ.get("LETTERLENS_TEST_MODEL") or DEFAULT_MODEL)
    if not path.exists():
        pytest.skip(f"no trained model at {path}")
    return path


def samples(data: dict, rng: np.random.Generator):
    """(strokes, label) for PER_LETTER samples of each letter, upper and lower case mixed."""
    points, offsets = data["stroke_points"], data["stroke_offsets"]
    per_sample = data["sample_stroke_offsets"]
    for letter in range(26):
        for i in rng.choice(np.flatnonzero(data["y"] == letter), PER_LETTER, replace=False):
            strokes = [points[offsets[k]:offsets[k + 1]]
                       for k in range(per_sample[i], per_sample[i + 1])]
            yield strokes, letter


def test_real_pen_strokes_are_mostly_read_correctly(qtbot, shared_data, tmp_path):
    loaded = load_model_file(trained_model_path())
    with np.load(shared_data / "chars74k_hnd.npz", allow_pickle=False) as z:
        data = {k: z[k] for k in ("y", "stroke_points", "stroke_offsets",
                                  "sample_stroke_offsets")}
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(loaded, settings)
    qtbot.addWidget(window)
    window.resize(1300, 740)
    window.show()
    qtbot.waitExposed(window)
    canvas = window.canvas
    size = (canvas.width(), canvas.height())
    right, misread = 0, []
    for strokes, label in samples(data, np.random.default_rng(0)):
        canvas.clear()
        for stroke in fit_strokes(strokes, size, SOURCE):
            send_stroke(canvas, stroke)
        assert len(canvas.strokes()) == len(strokes)
        prediction = window.predictor.last
        assert not prediction.blank
        if prediction.top_index == label:
            right += 1
        else:
            misread.append(f"{LETTERS[label]}->{prediction.top_letter}")
    total = 26 * PER_LETTER
    accuracy = right / total
    print(f"read {right}/{total} ({accuracy:.0%}); misread: {' '.join(misread)}")
    assert accuracy >= 0.7, f"only {accuracy:.0%} read correctly: {misread}"
