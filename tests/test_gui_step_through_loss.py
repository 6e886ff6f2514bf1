"""The Step through tab's loss and backpropagation chapters on the shipped model, which is sure
of a clear letter, so an unlikely true letter costs a large loss (pytest-qt, headless)."""

import re
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from cnn import checkpoint
from cnn.data import LETTERS
from cnn.functional import softmax
from cnn.paths import DEFAULT_MODEL
from cnn.synthetic import generate_set
from cnn.train import logits
from gui.main_window import MainWindow
from gui.models import LoadedModel
from gui.step_through.shading import number, significant, value_of
from tests.step_through_helpers import click_chapter, open_tab
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


def test_every_shown_formula_with_a_probability_checks_out(window, qtbot):
    prediction = draw_sample(window, qtbot)
    true = unlikely_letter(prediction.probs)
    tab = open_tab(window, qtbot, "loss")
    tab.truth.choose(true)
    # Loss: −ln p = loss, redone from the p shown.
    p_text, loss_text = re.search(r"−ln ([^ ]+) = ([^ ]+)$",
                                  tab.views["loss"].equation.text()).groups()
    assert f"{-np.log(value_of(p_text)):.4f}" == loss_text
    assert value_of(p_text) == pytest.approx(prediction.probs[true], rel=1e-3)

    # Softmax: e^score ÷ total = probability, row by row.
    click_chapter(tab, qtbot, "softmax")
    table = tab.views["softmax"].table
    for r in range(table.rowCount()):
        exp, total, prob = (table.item(r, c).text() for c in (2, 3, 4))
        total = total.strip("÷= ")
        p = prob.split()[0]
        quotient = value_of(exp.replace(",", "")) / value_of(total.replace(",", ""))
        assert significant(quotient, 4) == p, (exp, total, p)  # 4 digits: 0.0002161

    # Backpropagation: p − 1 = ∂loss/∂score, and p before and after against the losses.
    click_chapter(tab, qtbot, "backpropagation")
    view = tab.views["backpropagation"]
    p_text, g_text = re.search(r"p − 1 = ([^ ]+) − 1 = ([^ ,]+),",
                               view.score_line.text()).groups()
    assert Decimal(p_text) - 1 == Decimal(g_text.replace("−", "-"))
    assert value_of(p_text) == pytest.approx(prediction.probs[true], rel=1e-3)
    before, after, loss_before, loss_after = re.search(
        r"\) ([^ ]+) → ([^ ;]+);.*: ([^ ]+) → ([^ ]+)$", view.result_line.text()).groups()
    places = len(loss_before.split(".")[1])
    assert f"{-np.log(value_of(before)):.{places}f}" == loss_before
    assert f"{-np.log(value_of(after)):.{places}f}" == loss_after
    assert loss_before != loss_after and before != after  # the step shows as a change


def test_a_sure_letters_step_shows_its_change_in_more_decimals(window, qtbot):
    """A letter read at 99.5 % moves its loss in the fourth decimal: three made the line read
    'p(A) 0.995 → 0.995; loss = −ln p: 0.005 → 0.005', as if the step did nothing."""
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "backpropagation")
    view = tab.views["backpropagation"]

    def same_in_three() -> bool:
        return f"{view.step.loss_before:.3f}" == f"{view.step.loss_after:.3f}"

    for _ in range(40):  # each kept step makes the letter surer, and the next step smaller
        if same_in_three():
            break
        qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    assert same_in_three() and view.step.loss_after < view.step.loss_before
    before, after, loss_before, loss_after = re.search(
        r"\) ([^ ]+) → ([^ ;]+);.*: ([^ ]+) → ([^ ]+)$", view.result_line.text()).groups()
    assert loss_before != loss_after and before != after
    assert len(loss_before.split(".")[1]) > 3


def test_after_one_step_the_kernel_reads_differently_from_before(window, qtbot):
    """At the usual rates a weight moves by about 0.0004: in three decimals the 'after' grid
    read exactly as 'before', as if the step had changed nothing."""
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "backpropagation")
    view = tab.views["backpropagation"]
    for rate in ("0.001", "0.01"):
        view.rate_box.setCurrentText(rate)
        before, grads, deltas, after = view.kernels
        assert np.abs(deltas.values).max() < 0.001  # a change past three decimals
        shown = [[number(v, grid.decimals) for v in grid.values.ravel()]
                 for grid in (before, after)]
        assert shown[0] != shown[1], rate
        assert all(value_of(t) != 0 for t in (number(v, deltas.decimals) for v in
                                           deltas.values.ravel() if v))  # no ΔW reads 0


def test_what_the_loss_chapter_says_of_the_shipped_model_is_measured(window, qtbot):
    draw_sample(window, qtbot)
    text = open_tab(window, qtbot, "loss").views["loss"].intro.text()
    model, meta = window.model, window.predictor.meta
    smoothing, = re.search(r"label smoothing ([0-9.]+)", text).groups()
    assert float(smoothing) == meta["training"]["label_smoothing"]
    target, = re.search(r"about (\d+)% on the right letter", text).groups()
    s = float(smoothing)  # the target: 1 − s on the letter, s shared by all 26
    assert int(target) / 100 == pytest.approx(1 - s + s / model.num_classes, abs=0.005)
    scale, = re.search(r"multiplied by ([0-9.]+)", text).groups()
    assert float(scale) == pytest.approx(1 / meta["temperature"], abs=0.005)
    assert f"{meta['val_n']:,} held-out" in text
    # How sure it is of letters it reads right, before calibration (scores × T) and after.
    letters = generate_set(26 * 8, seed=9001, workers=1)
    z = logits(model, letters["x"]).astype(np.float64)
    right = z.argmax(axis=1) == letters["y"]
    trained = softmax(z * meta["temperature"]).max(axis=1)[right]
    shipped = softmax(z).max(axis=1)[right]
    said = [int(n) / 100 for n in re.findall(r"about (\d+)% sure", text)]
    assert said == pytest.approx([np.median(trained), np.median(shipped)], abs=0.01)
    tenth, = re.search(r"(\d+)% or more for nine in ten", text).groups()
    assert int(tenth) / 100 == pytest.approx(np.percentile(shipped, 10), abs=0.01)


def test_a_chosen_true_letter_holds_for_its_drawing_only(window, qtbot):
    prediction = draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "loss")
    wrong = unlikely_letter(prediction.probs)
    tab.truth.choose(wrong)
    click_chapter(tab, qtbot, "backpropagation")
    view = tab.views["backpropagation"]
    assert view.step.true == wrong and view.keep_button.text().endswith(f"teach {LETTERS[wrong]}")
    with qtbot.waitSignal(window.predictor.predicted):  # a kept step: same drawing, new model
        qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    assert tab.truth.chosen == wrong and view.step.true == wrong

    window.tabs.setCurrentWidget(window.draw_tab)  # Esc clears the drawing there only
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    prediction = draw_sample(window, qtbot)  # a new drawing: the network's new guess again
    guess = prediction.top_index
    assert tab.truth.chosen is None
    open_tab(window, qtbot, "backpropagation")
    assert view.step.true == guess
    assert view.letter_box.currentIndex() == guess
    assert view.keep_button.text().endswith(f"teach {LETTERS[guess]}")
    assert f"{LETTERS[guess]} (the guess)" in view.keep_button.toolTip()


def test_small_gradients_look_small_against_the_gradients_own_scale(window, qtbot):
    prediction = draw_sample(window, qtbot)  # a clear letter: p of the guess near 1
    tab = open_tab(window, qtbot, "backpropagation")
    view = tab.views["backpropagation"]
    bars = view.score_bars
    g = view.step.score_grads
    assert np.abs(g).max() < 0.1  # all but nothing left to learn
    (_, _), (bottom, top) = bars.getViewBox().viewRange()
    assert bottom <= -1 and top >= 1 and top - bottom < 2.5  # p − target's range, not |g|'s
    ticks = dict(bars.getAxis("left")._tickLevels[0])
    assert ticks[-1.0] == "−1" and ticks[0.0] == "0" and ticks[1.0] == "1"
    true = prediction.top_index
    assert bars.value_text.isVisible()
    assert bars.value_text.textItem.toPlainText() == significant(float(g[true]), 3)
