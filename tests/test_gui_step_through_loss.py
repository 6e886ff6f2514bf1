"""The Step through tab's loss and backpropagation chapters on the shipped model, which is sure
of a clear letter, so an unlikely true letter costs a large loss (pytest-qt, headless)."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from cnn import checkpoint
from cnn.paths import DEFAULT_MODEL
from gui.main_window import MainWindow
from gui.models import LoadedModel
from tests.step_through_helpers import open_tab
from tests.test_gui_window import draw_sample

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown main window holding the shipped model."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    model, meta = checkpoint.load(DEFAULT_MODEL)
    window = MainWindow(LoadedModel(model, meta, "shipped", DEFAULT_MODEL), settings)
    qtbot.addWidget(window)
    window.resize(1300, 740)
    window.show()
    qtbot.waitExposed(window)
    return window


def unlikely_letter(probs: np.ndarray) -> int:
    """The letter the network gives the least probability."""
    return int(np.argmin(probs))


def test_a_large_loss_sits_on_the_curve_inside_the_chart(window, qtbot):
    prediction = draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "loss")
    view = tab.views["loss"]
    true = unlikely_letter(prediction.probs)
    tab.truth.choose(true)
    p = float(prediction.probs[true])
    assert view.loss == pytest.approx(-np.log(p)) and view.loss > 8  # beyond the first axis
    xs, ys = view.marker.getData()
    assert ys[0] == pytest.approx(view.loss)  # the dot at its true height
    (_, _), (bottom, top) = view.plot.getViewBox().viewRange()
    assert bottom <= 0 and top >= view.loss
    curve_p, curve_loss = view.curve.getData()
    assert curve_p.min() <= p and curve_loss.max() >= view.loss  # the curve reaches the dot
