"""Everyday slips: the wheel over the setup panel, the teach bar's results, stale texts."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QSettings, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QScrollArea,
    QScrollBar,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)

from cnn import checkpoint
from cnn.data import LETTERS, LetterSet, save_npz
from cnn.model import build_model
from cnn.paths import DEFAULT_MODEL
from cnn.runs import finetune
from cnn.train import evaluate, fit
from gui.class_labels import label_width
from gui.colormaps import true_minus
from gui.layer_guide import explain
from gui.layout import MINIMUM_SIZE, first_run_size
from gui.main_window import MainWindow
from gui.models import LoadedModel, startup_model
from gui.panels.feature_maps_panel import HOVER_HINT
from gui.panels.guide_panel import GuidePanel
from gui.panels.input_panel import InputPanel
from gui.panels.kernel_view import KernelDetail
from gui.replay import send_mouse, send_stroke
from gui.training.collapse import collapse_warning, collapsed_to
from gui.training.curves import CurvesPanel, nice_above, nice_below
from gui.training.history import History
from gui.training.tab import TrainTab
from gui.training.teach_bar import RUN_WAITS
from gui.training.teach_results import EMPTY_HINT
from tests.test_gui_training import blobs, config, trained_small
from tests.test_gui_window import draw_sample, hovered, map_pixel

# The offscreen platform cannot pass a top-level window's size limits on; harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def wheel(widget, notches: int = -1) -> None:
    """Turn the mouse wheel over the middle of `widget` (negative: towards the person)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def train_tab(qtbot):
    tab = TrainTab()
    qtbot.addWidget(tab)
    tab.resize(900, 420)  # short: the setup panel scrolls
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def test_wheel_over_an_unfocused_field_scrolls_the_setup_panel(qtbot, train_tab):
    scroll = train_tab.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0
    kernel = train_tab.setup.arch._rows[1]["kernel"]  # conv2's kernel
    preset = train_tab.setup.arch.preset
    assert not kernel.hasFocus() and kernel.isVisible()
    value, preset_text, top = kernel.value(), preset.currentText(), bar.value()
    wheel(kernel)
    assert kernel.value() == value
    assert bar.value() > top  # the panel scrolled instead
    wheel(preset)
    assert preset.currentText() == preset_text == "default"
    # Focused (a click), the field takes the wheel.
    qtbot.mouseClick(kernel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(kernel.hasFocus)
    scrolled = bar.value()
    wheel(kernel)
    assert kernel.value() == value - 1
    assert bar.value() == scrolled
    assert preset.currentText() == "custom"


def test_every_field_of_the_setup_panel_is_guarded_also_ones_added_later(qtbot, train_tab):
    setup = train_tab.setup
    fields = setup.findChildren(QSpinBox) + setup.findChildren(QComboBox)
    assert len(fields) > 10
    assert all(f.focusPolicy() == Qt.FocusPolicy.StrongFocus for f in fields)
    late = QSpinBox()
    late.setRange(0, 10)
    late.setValue(5)
    setup.arch.layout().addWidget(late)  # a field the editor makes once it is shown
    assert late.focusPolicy() == Qt.FocusPolicy.StrongFocus
    late.show()
    wheel(late)
    assert late.value() == 5
    born = QComboBox(setup.arch)  # made with its parent: it sets its own policy after that
    born.addItems(["a", "b", "c"])
    born.show()
    assert born.focusPolicy() == Qt.FocusPolicy.StrongFocus
    wheel(born)
    assert born.currentIndex() == 0


def test_new_batches_repaint_the_curves_once(qtbot):
    curves = CurvesPanel()
    qtbot.addWidget(curves)
    curves.resize(900, 600)
    assert not curves.plots_made  # nothing drawn for a panel nobody has seen
    curves.show()
    qtbot.waitExposed(curves)
    paints = []
    curves.viewport().installEventFilter(watcher := PaintCounter(paints))
    history = History()
    for start in range(0, 30, 10):
        history.add_batches({"x": np.arange(start + 1, start + 11) / 10,
                             "loss": np.linspace(3, 2, 10), "accuracy": np.linspace(0, 1, 10)})
        paints.clear()
        curves.refresh(history)
        qtbot.waitUntil(lambda: len(paints) > 0)
        for _ in range(5):  # a second paint would be asked for during the first one
            QApplication.processEvents()
        if start:  # the first data lays the plots out; from then on, one paint a refresh
            assert len(paints) == 1
    assert watcher is not None


class PaintCounter(QWidget):
    """An event filter that notes every paint of the widget it watches."""

    def __init__(self, paints: list):
        super().__init__()
        self.paints = paints

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.paints.append(obj)
        return False


def shown_curves(qtbot) -> CurvesPanel:
    """A curves panel on screen at 900 x 600, its plots made."""
    curves = CurvesPanel()
    qtbot.addWidget(curves)
    curves.resize(900, 600)
    curves.show()
    qtbot.waitExposed(curves)
    return curves


def test_curves_axis_reads_epochs_without_a_scale_factor_early_in_a_run(qtbot):
    curves = shown_curves(qtbot)
    history = History()
    steps = 1000  # batches per epoch: the first few are thousandths of an epoch
    history.add_batches({"x": np.arange(1, 5) / steps, "loss": np.array([3.3, 3.2, 3.1, 3.0]),
                         "accuracy": np.array([0.0, 0.05, 0.04, 0.1])})
    curves.set_history(history)
    qtbot.waitUntil(lambda: curves.loss.getAxis("bottom").range[1] < 0.01)
    for plot in (curves.loss, curves.acc):
        axis = plot.getAxis("bottom")
        assert "(x" not in axis.labelString() and "epoch" in axis.labelString()
        assert axis.autoSIPrefixScale == 1.0
        lo, hi = axis.range
        ticks = [v for _, values in axis.tickValues(lo, hi, axis.width()) for v in values]
        strings = axis.tickStrings(ticks, axis.autoSIPrefixScale, ticks[1] - ticks[0])
        # The tick labels are the epochs themselves: decimals between 0 and 0.01.
        assert all(0 <= float(s) < 0.01 for s in strings) and len(set(strings)) > 2


def test_nice_steps_frame_a_value_with_at_most_a_third_to_spare():
    assert [nice_above(v) for v in (0.9, 1.0, 1.01, 0.034, 7.0, 8.5, 2.6e-3)] == pytest.approx(
        [1.0, 1.0, 1.2, 0.04, 8.0, 10.0, 3e-3])
    assert nice_above(0.0) == nice_above(float("nan")) == 1.0
    assert [nice_below(v) for v in (0.9, 1.0, 1.19, 0.034, 9.9e-3)] == pytest.approx(
        [0.8, 1.0, 1.0, 0.03, 8e-3])
    for v in np.geomspace(1e-4, 1e4, 97):
        assert v <= nice_above(v) <= 4 / 3 * v * (1 + 1e-9)
        assert 3 / 4 * v * (1 - 1e-9) <= nice_below(v) <= v


def test_curves_are_framed_in_steps_until_the_person_zooms(qtbot):
    curves = shown_curves(qtbot)
    history = History()

    def add(start, n=10, loss=2.0):
        history.add_batches({"x": np.arange(start + 1, start + n + 1) / 100,
                             "loss": np.full(n, loss), "accuracy": np.full(n, 0.5)})
        curves.refresh(history)

    def x_range(plot):
        return plot.vb.viewRange()[0]

    add(0, loss=3.3)  # up to 0.1 epoch, losses up to 3.3
    first = x_range(curves.loss)
    assert first[0] < 0 < 0.1 <= first[1] < 0.11  # [0, 0.1] and a little padding
    assert 3.3 < curves.loss.vb.viewRange()[1][1] < 4.2  # [0, 4]
    add(10)  # 0.2 epoch: the next step
    assert 0.2 <= x_range(curves.loss)[1] < 0.21
    add(20, n=2)  # 0.22: within the step to 0.25, so the frame moves once, then stays
    framed = x_range(curves.loss)
    add(22, n=2)
    assert x_range(curves.loss) == framed and x_range(curves.acc) == framed
    # The person zooms the loss plot with the wheel: later batches leave that plot alone.
    view = curves.viewport()
    centre = curves.mapFromScene(curves.loss.vb.sceneBoundingRect().center())
    wheel = QWheelEvent(QPointF(centre), QPointF(view.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, wheel)
    zoomed = x_range(curves.loss)
    assert zoomed != framed
    add(24, n=20)  # 0.44 epoch
    assert x_range(curves.loss) == zoomed
    assert 0.44 <= x_range(curves.acc)[1] < 0.55  # the other plots still follow the run
    curves.loss.autoBtnClicked()  # its "A" button: framed in steps again
    add(44)
    assert x_range(curves.loss) == x_range(curves.acc) and 0.6 <= x_range(curves.acc)[1] < 0.62
    curves.set_history(History())  # a new run frames every plot again
    add(0)
    assert 0.1 <= x_range(curves.loss)[1] < 0.11


def test_a_model_with_only_epochs_is_framed_to_its_whole_history(qtbot):
    curves = shown_curves(qtbot)
    run = History()  # one epoch that went on from a first: batches from 1 to 2
    run.add_batches({"x": np.linspace(1.1, 2.0, 10), "loss": np.full(10, 2.0),
                     "accuracy": np.full(10, 0.5), "layers": ["fc1"],
                     "grad_norms": np.full((10, 1), 1e-3), "update_norms": np.full((10, 1), 1e-4)})
    run.add_epoch({"epoch": 2, "loss": 2.0, "val_loss": 2.1, "val_accuracy": 0.4})
    curves.set_history(run)
    curves.loss.vb.setXRange(1.2, 1.4, padding=0)  # as the person zooms
    curves.loss.vb.sigRangeChangedManually.emit([True, True])
    # The shipped model, trained by the command line: 15 epochs and no batch curves.
    shipped = History.from_meta(checkpoint.load(DEFAULT_MODEL)[1])
    assert not len(shipped) and len(shipped.epochs) == 15
    curves.set_history(shipped)
    where, losses = curves.loss_val.getData()
    assert len(where) == 15
    for plot in (curves.loss, curves.acc, curves.grad, curves.update_plot):
        (x0, x1), _ = plot.vb.viewRange()
        assert x0 <= 0 and 15 <= x1 <= 15 * 4 / 3 + 1, plot  # every epoch, in a nice step
    assert curves.loss.vb.viewRange()[1][1] >= losses.max()
    for plot in (curves.grad, curves.update_plot):  # no norms: not the last model's range
        low, high = plot.vb.viewRange()[1]
        assert -0.1 < low < 0.1 and 0.9 < high < 1.1, plot
        # ...and it says why it is empty, with no numbers on an axis of nothing.
        assert curves.no_norms[plot].isVisible() and "No per-layer sizes" in (
            curves.no_norms[plot].textItem.toPlainText())
        assert not plot.getAxis("left").style["showValues"]
    # Its validation loss runs flat along the top: the legend goes where no point is.
    assert curves.loss_legend_corner == "bottom left"
    assert not legend_covers_a_point(curves, where, losses)
    curves.set_history(run)  # a run with norms again: the notes go, the numbers come back
    assert not curves.no_norms[curves.grad].isVisible()
    assert curves.grad.getAxis("left").style["showValues"]


def legend_covers_a_point(curves, xs, ys) -> bool:
    """Whether the loss legend's box, on screen, holds any of the points (xs, ys)."""
    box = curves.loss.legend.sceneBoundingRect()
    scene = [curves.loss.vb.mapViewToScene(QPointF(x, y)) for x, y in zip(xs, ys, strict=True)]
    return any(box.contains(p) for p in scene)


def test_the_loss_legend_stays_top_right_while_a_runs_loss_falls(qtbot):
    curves = shown_curves(qtbot)
    history = History()
    x = np.linspace(0.01, 3.0, 300)
    history.add_batches({"x": x, "loss": 0.3 + 3.0 * np.exp(-4 * x),
                         "accuracy": 1 - np.exp(-4 * x)})
    curves.set_history(history)
    qtbot.wait(10)
    assert curves.loss_legend_corner == "top right"
    assert not legend_covers_a_point(curves, *curves.loss_smooth.getData())


def test_a_run_of_one_batch_shows_its_lone_points(qtbot):
    curves = shown_curves(qtbot)
    history = History()
    layers = ["conv1", "fc1"]

    def add(x):
        history.add_batches({"x": np.array([x]), "loss": np.array([3.1]),
                             "accuracy": np.array([0.1]), "layers": layers,
                             "grad_norms": np.full((1, 2), 0.5),
                             "update_norms": np.full((1, 2), 1e-3)})
        curves.refresh(history)

    add(1.0)  # 60 letters, one batch: a single point, which no line can draw
    lone = [curves.loss_smooth, curves.acc_smooth, *(c for pair in curves._layer_curves
                                                     for c in pair)]
    assert len(lone) == 6
    for curve in lone:
        assert len(curve.getData()[0]) == 1 and curve.opts["symbol"] == "o"
    add(2.0)  # a line from here on: no dots on every batch
    assert all(curve.opts["symbol"] is None for curve in lone)


def drawn_labels(axis) -> list[tuple[float, str]]:
    """The labels an axis paints: (centre along the axis in pixels, text), top to bottom."""
    image = QImage(axis.size().toSize(), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((rect.center().y(), text) for rect, _, text in texts)


def test_norm_axes_label_a_diverging_run_legibly_at_any_height(qtbot):
    curves = shown_curves(qtbot)
    history = History()  # a run whose gradients explode: norms from 1e-12 to 1e20
    n = 200
    history.add_batches({"x": np.arange(1, n + 1) / n, "loss": np.full(n, 80.0),
                         "accuracy": np.full(n, 0.04), "layers": ["conv1", "fc1"],
                         "grad_norms": np.geomspace(1e20, 1e-12, 2 * n).reshape(n, 2),
                         "update_norms": np.geomspace(1e-12, 1e20, 2 * n).reshape(n, 2)})
    curves.set_history(history)
    for height in (600, 330):  # as framed, and after the person makes the window smaller
        curves.resize(900, height)
        qtbot.waitUntil(lambda h=height: curves.height() == h)
        for plot in (curves.grad, curves.update_plot):
            axis = plot.getAxis("left")
            qtbot.waitUntil(lambda axis=axis: len(drawn_labels(axis)) >= 3)  # laid out
            labels = drawn_labels(axis)
            at = [y for y, _ in labels]
            values = [float(text) for _, text in labels]
            line = QFontMetrics(axis.style["tickFont"] or axis.font()).height()
            assert min(np.diff(at)) >= 0.9 * line, (height, labels)  # none overlaps the next
            # Labelled far above a million (where labels used to end) and below a thousandth.
            assert max(values) >= 1e10 and min(values) <= 1e-8, (height, labels)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_window(qtbot, settings, loaded: LoadedModel | None = None, size=(1366, 768)):
    window = MainWindow(loaded or startup_model()[0], settings)
    qtbot.addWidget(window)
    window.teach._replay = blobs(seed=1)  # teaching replays these, not 2,600 drawn letters
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_file_menu_opens_the_shipped_model_again(qtbot, settings, tmp_path):
    window = make_window(qtbot, settings)
    shipped_name = window.predictor.name
    other = tmp_path / "other.npz"
    checkpoint.save(build_model("small", np.random.default_rng(3)), other, {"name": "other"})
    assert window.open_model(other)
    assert window.predictor.name == "other" and window.model_path == other
    action = window.actions_by_name["open_shipped"]
    assert action in window.menuBar().actions()[0].menu().actions()  # in File
    assert action.toolTip() and action.shortcut().toString() == "Ctrl+Shift+O"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.model_changed):
        qtbot.keyClick(window.canvas, Qt.Key.Key_O,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.model_path == DEFAULT_MODEL and window.predictor.name == shipped_name
    shipped, _ = checkpoint.load(DEFAULT_MODEL)
    for key, value in shipped.parameters().items():
        np.testing.assert_array_equal(window.model.parameters()[key], value)
    assert window.last_file == DEFAULT_MODEL  # and it is the one to open next time


def tick_labels(axis) -> list[str]:
    return [text for level in axis._tickLevels for _, text in level]


def test_classes_are_labelled_with_both_cases_everywhere(qtbot, settings):
    window = make_window(qtbot, settings)
    prediction = draw_sample(window, qtbot)
    panel = window.prediction_panel
    top = [letter + letter.lower() for letter, _ in prediction.top(3)]  # 'R' -> 'Rr'
    assert [line.split()[1] for line in panel.verdict.top_lines()] == top
    assert all(label in panel.text() for label in top)
    assert tick_labels(panel._plot.getAxis("bottom")) == [c + "\n" + c.lower() for c in LETTERS]
    confusion = window.train_tab.confusion
    window.tabs.setCurrentWidget(window.train_tab)
    window.train_tab.views.setCurrentIndex(1)  # Mistakes: the matrix is made when first seen
    assert confusion.plots_made
    rows = tick_labels(confusion.matrix.getAxis("left"))  # every other one when rows are short
    assert rows in ([c + c.lower() for c in LETTERS], [c + c.lower() for c in LETTERS[::2]])
    for axis in (confusion.matrix.getAxis("bottom"), confusion.bars_plot.getAxis("bottom")):
        assert tick_labels(axis) == [c + "\n" + c.lower() for c in LETTERS]
    confusion.set_result(np.eye(26, dtype=np.int64) * 3, [1.0] * 26)
    confusion._on_image_hovered(8, 11)
    assert confusion.image.toolTip() == "true Ii, read as Ll: 0"
    # The layer guide says why: one class for both cases, and I / l look alike.
    softmax = explain("softmax")
    assert "Aa" in softmax and "26 classes, not 52" in softmax
    assert "capital I (class Ii)" in softmax and "small l (class Ll)" in softmax
    assert "Aa" in explain("input")


def test_teach_results_never_move_or_shrink_the_canvas(qtbot, settings):
    window = make_window(qtbot, settings)
    window._apply_default_layout()  # the first-run layout, at 1366×768
    draw_sample(window, qtbot)
    canvas, bar = window.canvas, window.teach_bar
    geometry = canvas.geometry()
    with qtbot.waitSignal(window.teach.taught, timeout=30_000):
        qtbot.mouseClick(bar.teach_button, Qt.MouseButton.LeftButton)
    results = bar.results
    assert results.kind == "taught" and "→" in results.text()
    assert canvas.geometry() == geometry
    assert window.accuracy_label.text().endswith("% (before teaching)")
    window.actions_by_name["about"].trigger()  # the model's card says so too
    assert "% (before teaching)" in window.last_message[2]
    # Collapsed: one line, the whole text in its tooltip; the arrow opens the chart.
    assert results.summary.toolTip() == results.text()
    assert results.height() <= results.summary.fontMetrics().height() * 2
    assert results.toggle.isEnabled() and not results.details.isVisible()
    with qtbot.waitSignal(results.expanded_changed):
        qtbot.mouseClick(results.toggle, Qt.MouseButton.LeftButton)
    assert results.details.isVisible() and results.bars.isVisible()
    assert canvas.geometry() == geometry
    # It lies over the canvas's lower edge, just above the bar, as wide as the bar.
    details = results.details.geometry()
    assert details.bottom() + 1 == bar.geometry().top()
    assert details.width() == bar.width() and canvas.geometry().contains(details.topLeft())
    with qtbot.waitSignal(results.expanded_changed):
        qtbot.mouseClick(results.toggle, Qt.MouseButton.LeftButton)
    assert not results.details.isVisible() and canvas.geometry() == geometry


def axis_label_values(axis, low, high, pixels) -> list[float]:
    """The values a pyqtgraph axis labels: its fixed ticks, or those it picks for the room."""
    if axis._tickLevels is not None:  # set by setTicks (pyqtgraph keeps them private)
        return sorted(v for level in axis._tickLevels for v, _ in level)
    return sorted(v for _, vs in axis.tickValues(low, high, pixels) for v in vs)


def test_open_details_shrink_the_drawing_into_view_and_label_the_chart_legibly(qtbot,
                                                                             settings):
    window = make_window(qtbot, settings)
    window._apply_default_layout()
    canvas, bar = window.canvas, window.teach_bar
    with qtbot.waitSignal(window.predictor.predicted):
        canvas.set_strokes([[(canvas.width() / 2, 20), (canvas.width() / 2, canvas.height() - 12)]])
    with qtbot.waitSignal(window.teach.taught, timeout=30_000):
        qtbot.mouseClick(bar.teach_button, Qt.MouseButton.LeftButton)
    results = bar.results
    with qtbot.waitSignal(results.expanded_changed):
        qtbot.mouseClick(results.toggle, Qt.MouseButton.LeftButton)
    # The details lie over the canvas's lower edge, where the stroke ends...
    top = canvas.mapFrom(window.draw_tab, results.details.geometry().topLeft()).y()
    points = canvas.strokes()[0]
    assert points[:, 1].max() > top
    # ...so the canvas shows the whole drawing above them, the stroke's end included.
    view = canvas.view_rect()
    assert view.bottom() <= top + 0.5 and view.top() >= 0
    assert canvas.to_view(points)[:, 1].max() < top
    # The pointer is mapped back: a stroke along the visible one adds ink where it shows.
    a, b = canvas.to_view(points)
    with qtbot.waitSignal(window.predictor.predicted):
        send_stroke(canvas, [a + (30, 0), b + (30, 0)])
    np.testing.assert_allclose(canvas.strokes()[1][[0, -1]], points + (30 / canvas.view_scale(),
                                                                       0), atol=1.0)
    # The chart's probability axis: labels a line apart at least, not stacked on each other.
    chart = results.bars
    axis, height = chart.getAxis("left"), chart.getViewBox().height()
    values = axis_label_values(axis, 0, 1, height)
    assert min(np.diff(values)) * height >= QFontMetrics(chart.font()).height()
    with qtbot.waitSignal(results.expanded_changed):
        qtbot.mouseClick(results.toggle, Qt.MouseButton.LeftButton)
    assert canvas.view_scale() == 1


def test_teach_results_say_they_are_about_the_model_before_another_is_opened(qtbot,
                                                                            settings):
    window = make_window(qtbot, settings)
    draw_sample(window, qtbot)
    results = window.teach_bar.results
    with qtbot.waitSignal(window.teach.taught, timeout=30_000):
        qtbot.mouseClick(window.teach_bar.teach_button, Qt.MouseButton.LeftButton)
    taught = results.text()
    assert results.kind == "taught" and "it now reads" in taught
    # The taught weights are the model shown: their result is current.
    assert window.predictor.meta.get("taught_drawings") == 1 and results.kind == "taught"
    with qtbot.waitSignal(window.model_changed):
        assert window.open_model(DEFAULT_MODEL)  # File › Open shipped model, Discard
    assert results.kind == "previous"
    assert results.text() == f"About the model before: {taught}"
    assert results.summary.toolTip().startswith("About the model before:")
    assert "About the model before" in results.details_text.text()


def test_run_waits_text_goes_when_the_run_ends(qtbot, settings, tmp_path):
    window = make_window(qtbot, settings)
    bar, tab = window.teach_bar, window.train_tab
    tab.setup.set_config(config(str(save_npz(blobs(), tmp_path / "blobs.npz")), epochs=200))
    window.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.controller.state_changed):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert bar.results.text() == RUN_WAITS and not bar.teach_button.isEnabled()
    with qtbot.waitSignal(tab.run_finished, timeout=30_000):
        qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_running())
    assert bar.teach_button.isEnabled()
    assert bar.results.text() == "" and RUN_WAITS not in bar.results.summary.text()



def test_what_add_said_goes_when_the_drawing_changes(qtbot, settings):
    window = make_window(qtbot, settings)
    window.activateWindow()  # Ctrl+Z is the window's shortcut
    qtbot.waitUntil(window.isActiveWindow)
    draw_sample(window, qtbot)
    bar = window.teach_bar
    qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)
    assert "already in your samples" in bar.results.text()
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bar.results.text() == "" and window.sample_store.counts().sum() == 1

def test_a_new_drawing_clears_the_old_teach_chart(qtbot, settings):
    window = make_window(qtbot, settings)
    draw_sample(window, qtbot)
    results = window.teach_bar.results
    with qtbot.waitSignal(window.teach.taught, timeout=30_000):
        qtbot.mouseClick(window.teach_bar.teach_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(results.toggle, Qt.MouseButton.LeftButton)
    assert results.kind == "taught" and results.details.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)  # clear: a new letter comes
    assert results.kind == "" and results.text() == "" and results.summary.text() == EMPTY_HINT
    assert not results.details.isVisible() and not results.toggle.isEnabled()
    draw_sample(window, qtbot)
    assert results.kind == "" and not results.details.isVisible()


def hover(panel, qtbot, layer="conv2", channel=3, row=5, col=6):
    """Move the pointer onto one unit of the feature maps; returns the MapPoint hovered."""
    return hovered(qtbot, panel, panel._view.viewport(), map_pixel(panel, layer, channel, row, col))


def test_feature_map_hover_label_never_shows_an_old_models_value(qtbot, settings, tmp_path):
    window = make_window(qtbot, settings)
    prediction = draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    point = hover(panel, qtbot)
    value = float(prediction.activations["conv2"][3, 5, 6])
    assert panel.hover_label.text() == f"conv2 · map 3 · row 5, col 6 = {value:.3g}"
    # The drawing changes under a resting pointer: the label follows it.
    with qtbot.waitSignal(window.predictor.predicted):
        send_stroke(window.canvas, [(20, 20), (60, 90), (100, 40)])
    now = float(window.predictor.last.activations["conv2"][3, 5, 6])
    assert now != value and panel.hover_label.text().endswith("= " + true_minus(f"{now:.3g}"))
    # Another model: the old model's value goes.
    other = tmp_path / "other.npz"
    checkpoint.save(build_model("default", np.random.default_rng(5)), other, {"name": "other"})
    assert window.open_model(other)
    assert panel.hover_label.text() == HOVER_HINT
    assert point.layer in panel.layer_names()
    hover(panel, qtbot)
    fresh = float(window.predictor.last.activations["conv2"][3, 5, 6])
    assert panel.hover_label.text().endswith("= " + true_minus(f"{fresh:.3g}"))
    QApplication.sendEvent(panel._view.viewport(), QEvent(QEvent.Type.Leave))
    assert panel.hover_label.text() == HOVER_HINT  # the pointer left the maps


def bar_letters(n: int, label: int) -> LetterSet:
    """n different 'handwritten' letters (a bar at a different height each), all `label`."""
    x = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        x[i, 4 + i % 20:7 + i % 20, 3 + i // 20:25] = 255
    return LetterSet(x, np.full(n, label), source="mine")


def test_fine_tune_tests_on_samples_and_replay_letters_it_did_not_train_on(monkeypatch):
    model = trained_small()
    mine, replay = bar_letters(12, 11), blobs(seed=1)
    seen = []

    def spy(model, x, y, **kw):
        seen.append(np.asarray(x).copy())
        return fit(model, x, y, **kw)

    monkeypatch.setattr(finetune, "fit", spy)
    before_model = model.copy()
    result = finetune.fine_tune(model, mine, replay, epochs=2, rng=np.random.default_rng(0))
    trained = {x.tobytes() for x in seen[0]}
    train, held = finetune.hold_out(mine)
    assert result["n_held_out"] == len(held) == 3 and result["n_trained"] == len(train) == 9
    assert not any(x.tobytes() in trained for x in held.x)  # held out: never trained on
    assert all(x.tobytes() in trained for x in train.x)
    _, check = finetune.replay_check(replay)
    assert result["n_check"] == len(check) > 0
    assert not any(x.tobytes() in trained for x in check.x)  # the replay check: neither
    for key, s in (("held_out", held), ("replay", check), ("trained", train)):
        assert result[key] == pytest.approx((evaluate(before_model, s.x, s.y)["accuracy"],
                                             evaluate(model, s.x, s.y)["accuracy"])), key
    # The same samples are held out as more are added: a held-out one is never trained on.
    _, more_held = finetune.hold_out(bar_letters(20, 11))
    assert {x.tobytes() for x in held.x} <= {x.tobytes() for x in more_held.x}
    few = finetune.fine_tune(trained_small(), bar_letters(5, 11), replay, epochs=1)
    assert few["held_out"] is None and few["n_trained"] == 5


def test_fine_tune_reports_held_out_and_replay_and_marks_the_validation(qtbot, settings,
                                                                         tmp_path):
    window = make_window(qtbot, settings)
    measured = f"validation accuracy: {window.predictor.meta['val_accuracy']:.1%}"
    assert window.accuracy_label.text() == measured
    draw_sample(window, qtbot)
    bar, canvas = window.teach_bar, window.canvas
    window.activateWindow()  # Ctrl+Z is the window's shortcut
    qtbot.waitUntil(window.isActiveWindow)
    for i in range(9):  # nine drawings: the sample letter with a short tick in another place
        with qtbot.waitSignal(window.predictor.predicted):
            send_stroke(canvas, [(20 + 12 * i, 20), (26 + 12 * i, 30)])
        qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(window.predictor.predicted):
            qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.sample_store.counts().sum() == 9
    qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)  # the sample letter alone
    qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)  # and the same again
    assert window.sample_store.counts().sum() == 10 and "already" in bar.results.text()
    with qtbot.waitSignal(window.teach.fine_tuned, timeout=30_000) as blocker:
        qtbot.mouseClick(bar.fine_tune_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result["n_held_out"] == 2 and result["n_trained"] == 8 and result["n_check"] > 0
    line = bar.results.text()
    assert line.startswith("Fine-tuned: 2 held-out samples ") and "replay letters" in line
    assert "held-out samples (not trained on)" in bar.results.details_text.text()
    assert "what it forgot" in bar.results.details_text.text()
    assert window.accuracy_label.text() == measured + " (before fine-tuning)"
    # A run that validates these weights again drops the mark.
    tab = window.train_tab
    tab.setup.set_config(config(str(save_npz(blobs(), tmp_path / "blobs.npz")), epochs=1,
                                from_current=True))
    tab._ask_save_on_close = lambda: "discard"
    with qtbot.waitSignal(tab.run_finished, timeout=60_000):
        assert tab.start()
    qtbot.waitUntil(lambda: not tab.is_running())
    assert "(before" not in window.accuracy_label.text()



def test_the_network_box_describes_the_model_a_run_left_without_switching_tabs(
        qtbot, settings, tmp_path):
    window = make_window(qtbot, settings)
    tab, label = window.train_tab, window.train_tab.setup.current_label
    assert window.tabs.currentIndex() == 0  # the Draw tab: the Train tab is never shown here
    assert "828,570 parameters" in label.text()
    tab.setup.set_config(config(str(save_npz(blobs(), tmp_path / "blobs.npz")), epochs=1))
    tab._ask_save_on_close = lambda: "discard"
    with qtbot.waitSignal(tab.run_finished, timeout=60_000):
        assert tab.start()
    qtbot.waitUntil(lambda: not tab.is_running())
    assert label.text() == "tiny: 105,082 parameters, 1 epoch so far"
    tab.setup.from_current.setChecked(True)  # fine-tuning offers the small network it names
    assert tab.setup.arch.arch() == "small"

def test_the_form_refuses_an_unusable_learning_rate_as_it_is_typed(qtbot, train_tab):
    setup, start = train_tab.setup, train_tab.start_button
    for typed in ["inf", "nan", "-0.01", "0", "1e6", "abc", ""]:  # one after another, in one form
        assert start.isEnabled() and not setup.lr_error.isVisible(), typed
        setup.lr.selectAll()
        qtbot.keyClick(setup.lr, Qt.Key.Key_Delete)
        qtbot.keyClicks(setup.lr, typed)
        assert setup.lr.text() == typed
        assert setup.lr_error.isVisible() and "learning rate" in setup.lr_error.text(), typed
        assert not start.isEnabled() and not train_tab.step_button.isEnabled(), typed
        assert start.toolTip() == "Cannot start: " + setup.problem()
        with pytest.raises(ValueError):
            setup.config()
        assert not train_tab.start() and not train_tab.is_running()
        setup.lr.selectAll()
        qtbot.keyClicks(setup.lr, "3e-3")
        assert not setup.lr_error.isVisible() and start.isEnabled(), typed
        assert setup.config().lr == 0.003



def test_the_form_refuses_a_network_too_big_to_train_as_it_is_typed(qtbot, train_tab):
    setup, start = train_tab.setup, train_tab.start_button
    hidden, summary = setup.arch.hidden, setup.arch.summary
    for typed, says in [("9999999", "more than the 32,000,000 LetterLens trains"),
                        ("0", "at least 1"), ("256, -3", "at least 1"),
                        ("wide", "whole numbers")]:
        hidden.selectAll()
        qtbot.keyClick(hidden, Qt.Key.Key_Delete)
        qtbot.keyClicks(hidden, typed)
        assert says in summary.text(), typed
        assert not start.isEnabled() and start.toolTip().startswith("Cannot start"), typed
        assert says in setup.problem(), typed
        assert not train_tab.start() and not train_tab.is_running()
    hidden.selectAll()
    qtbot.keyClicks(hidden, "256")
    assert "828,570 parameters" in summary.text() and start.isEnabled()
    assert setup.config().arch == "default"

def test_collapse_to_one_letter_is_noticed_only_when_the_letters_vary():
    y = np.arange(260) % 26
    assert collapsed_to(np.full(260, 4), y) == (4, 1.0)
    assert collapsed_to(np.where(y < 25, 4, y), y) is not None  # 96% as E
    assert collapsed_to(y, y) is None  # right
    assert collapsed_to(np.full(260, 4), np.full(260, 4)) is None  # all E: reading E is right
    assert collapsed_to(np.full(10, 4), y[:10]) is None  # too few to tell


def test_collapse_advice_names_the_runs_optimizer_and_rate():
    found = {"training": (4, 0.95)}
    sgd = collapse_warning(found, 2, "sgd", 9.0)
    assert "95% of the training letters as E" in sgd and "epoch 2" in sgd
    assert "(9)" in sgd and "try 0.05 with SGD with momentum" in sgd and "Adam" not in sgd
    # At or below the usual rate, "far too high" would be wrong: it says what else to try.
    low = collapse_warning(found, 1, "adam", 1e-3)
    assert "far too high" not in low and "smaller" in low


def collapsing_tab(qtbot, tmp_path, epochs: int) -> TrainTab:
    """A Train tab on screen, set to train Adam at learning rate 5: allowed, but far too high
    (it collapses in the first epoch)."""
    tab = TrainTab()
    qtbot.addWidget(tab)
    tab.resize(1366, 720)
    tab.show()
    qtbot.waitExposed(tab)
    tab.setup.set_config(config(str(save_npz(blobs(), tmp_path / "blobs.npz")), epochs=epochs))
    tab.setup.lr.selectAll()
    qtbot.keyClicks(tab.setup.lr, "5")
    return tab


def test_a_run_that_collapses_to_one_letter_warns_after_the_epoch_and_at_the_end(
        qtbot, tmp_path):
    tab = collapsing_tab(qtbot, tmp_path, epochs=1)
    epochs = []
    tab.controller.epoch_finished.connect(lambda r: epochs.append(
        (tab.banner.isVisible(), tab.banner.text())))
    with qtbot.waitSignal(tab.run_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_running())
    assert blocker.args[0]["reason"] == "done"
    assert epochs[0][0] and "collapsed" in epochs[0][1]  # said as soon as the epoch ended
    found = tab.controller.last_epoch["collapse"]
    letter, share = found["training"]
    assert share >= 0.9 and found["validation"][0] == letter
    assert "collapsed" in tab.collapse and f"as {LETTERS[letter]}" in tab.collapse
    assert "(5)" in tab.collapse and "try 0.001 with Adam" in tab.collapse  # the run's own
    kind, title, text = tab.last_message
    assert kind == "warning" and "collapsed" in title and text == tab.collapse
    assert tab.banner.isVisible() and "collapsed" in tab.banner.text()
    assert tab.collapse in tab.status.text()  # the run's end message says it too
    # A healthy run clears the warning.
    tab.setup.lr.selectAll()
    qtbot.keyClicks(tab.setup.lr, "3e-3")
    tab.setup.epochs.setValue(3)
    with qtbot.waitSignal(tab.run_finished, timeout=30_000):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_running())
    assert tab.collapse == "" and not tab.banner.isVisible()


def test_a_collapsed_run_the_person_stops_is_not_called_finished(qtbot, tmp_path):
    tab = collapsing_tab(qtbot, tmp_path, epochs=50)
    with qtbot.waitSignal(tab.controller.epoch_finished, timeout=30_000):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab.collapse
    with qtbot.waitSignal(tab.run_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0]["reason"] == "stopped"
    assert "collapsed" in tab.banner.text() and "stopped" in tab.banner.text()
    assert "finished" not in tab.banner.text() + tab.status.text()  # the person stopped it


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080)])
def test_the_first_window_fits_from_1280x720_to_1920x1080(qtbot, settings, size):
    window = MainWindow(startup_model()[0], settings)  # no saved layout: a first run
    qtbot.addWidget(window)
    window.resize(*size)  # as a window manager sizes (or maximises) the first window
    window.show()
    qtbot.waitExposed(window)
    panel = window.feature_maps_panel
    # The maps fill their dock: its whole width, or its whole height.
    qtbot.waitUntil(lambda: min(panel.filled()) >= 0.85 and max(panel.filled()) >= 0.97)
    assert max(panel.filled()) <= 1.0
    # The Prediction dock's top three fit beside the letter, however wide the numbers.
    verdict = window.prediction_panel.verdict
    verdict.set_text("W", "100% sure", [("Ww", 0.9999), ("Mm", 0.0123), ("Nn", 0.0456)])
    assert verdict.needed_width() <= verdict.width()
    # The chart's letters keep apart: the widest is narrower than a class's share of the axis.
    plot = window.prediction_panel._plot
    low, high = plot.getViewBox().viewRange()[0]
    pitch = plot.getViewBox().width() / (high - low)
    axis = plot.getAxis("bottom")
    assert label_width(axis.style.get("tickFont") or QFont()) + 1 <= pitch
    # The Train tab's setup panel fits its column: nothing cut off on the right.
    window.tabs.setCurrentWidget(window.train_tab)
    setup = window.train_tab.setup
    viewport = window.train_tab.findChild(QScrollArea).viewport()
    qtbot.waitUntil(lambda: setup.isVisible() and setup.width() == viewport.width())
    for w in setup.findChildren(QWidget):
        if w.isVisible() and not isinstance(w, QScrollBar):
            right = w.mapTo(setup, w.rect().topRight()).x()
            assert right < viewport.width(), (type(w).__name__, w.objectName())
            if w.minimumWidth() != w.maximumWidth():  # a fixed width is meant
                assert w.width() >= w.minimumSizeHint().width(), type(w).__name__
    for label in setup.findChildren(QLabel) + setup.findChildren(QAbstractButton):
        if label.isVisible() and label.text() and not getattr(label, "wordWrap", bool)():
            text = label.text().replace("&", "")
            assert label.fontMetrics().horizontalAdvance(text) <= label.width(), text


def test_the_window_stops_shrinking_where_the_first_layout_still_reads(qtbot, settings):
    class Screen:  # a 1280×720 screen less a task bar
        def availableGeometry(self):
            return QRect(0, 0, 1262, 680)

    assert all(m <= f for m, f in zip(MINIMUM_SIZE, first_run_size(Screen()), strict=True))
    window = MainWindow(startup_model()[0], settings)  # the shipped model; a first run
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    draw_sample(window, qtbot)
    window.resize(400, 300)  # as a drag of the window's corner would
    assert (window.width(), window.height()) == MINIMUM_SIZE
    rows = window.feature_maps_panel._rows

    def labels_apart() -> bool:  # each row's name and shape end above the next row's
        boxes = [r.title.mapRectToScene(r.title.boundingRect()) for r in rows]
        return all(a.bottom() - b.top() <= 3 for a, b in zip(boxes, boxes[1:], strict=False))

    qtbot.waitUntil(lambda: window.canvas.height() >= 240 and labels_apart())
    assert window.canvas.width() >= 300
    docks = [d for d in window.docks.values() if d.isVisible()] + [window.centralWidget()]
    assert len(docks) == 7
    assert not [(a.objectName(), b.objectName()) for i, a in enumerate(docks)
                for b in docks[i + 1:] if a.geometry().intersects(b.geometry())]
    verdict = window.prediction_panel.verdict
    verdict.set_text("W", "100% sure", [("Ww", 0.9999), ("Mm", 0.0123), ("Nn", 0.0456)])
    assert verdict.needed_width() <= verdict.width()
    # The pen's width slider keeps a handle's room to move (it shrank to a square); the word
    # "Width" gives way, and every tool fits the row.
    draw = window.draw_tab
    assert draw.width_slider.width() >= 48
    assert draw._width_word.isHidden()
    tools = draw.layout().itemAt(0).layout()
    assert tools.minimumSize().width() <= draw.width()
    # The Input dock's three steps and their captions fit its width (the third was cut).
    panel = window.input_panel
    qtbot.waitUntil(lambda: panel._view.ci.boundingRect().width() <= panel._view.width())
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: not draw._width_word.isHidden())
    assert draw._width_word.width() >= draw._width_word.sizeHint().width()


def test_too_small_to_read_fits_the_smallest_windows_prediction_dock(qtbot, settings):
    """At 1024×600 a dot read 'draw it at least 8' and 'not counting the': cut at the dock's
    edge, the size and what is not counted lost."""
    window = MainWindow(startup_model()[0], settings)  # a first run
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(*MINIMUM_SIZE)
    verdict = window.prediction_panel.verdict
    qtbot.waitUntil(lambda: verdict.width() < 200)
    with qtbot.waitSignal(window.predictor.predicted):
        send_stroke(window.canvas, [(150, 120), (151, 120)])  # a click, a dot of ink
    assert "too small to read" in window.prediction_panel.text()
    assert verdict.needed_width() <= verdict.width()


def shown_alone(qtbot, widget, width: int, height: int):
    """`widget` in a window of its own, `width` x `height`, laid out and painted."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(10)  # the layout settles
    return widget


@pytest.mark.parametrize("width", [180, 195, 230, 260, 320])
def test_the_input_docks_captions_are_whole_at_any_width(qtbot, width):
    panel = shown_alone(qtbot, InputPanel(), width, 130)
    assert panel._view.ci.boundingRect().width() <= panel._view.width()
    # In full wherever they fit: '3 · 28×28 input' needs about 240 pixels.
    assert (panel.captions[2].text == "3 · 28×28 input") == (width >= 240)


def test_the_input_dock_fits_after_one_step_from_wide_to_narrow(qtbot):
    """A dock narrowed in one step (a window un-maximised, a separator dragged fast) kept the
    layout of the long captions: the 28×28 input ran off the right edge, its caption gone."""
    panel = shown_alone(qtbot, InputPanel(), 280, 200)
    assert panel.captions[2].text == "3 · 28×28 input"
    panel.resize(190, 200)
    qtbot.wait(10)
    assert panel.captions[2].text == "28×28"
    assert panel._view.ci.boundingRect().width() <= panel._view.width()


def test_the_enlarged_maps_titles_fit_after_one_step_from_wide_to_narrow(qtbot):
    detail = KernelDetail()
    detail.set_model(build_model("default", np.random.default_rng(0)))
    detail.show_map("conv2", 5, False)
    detail.set_values(np.linspace(-4.9, 1.4, 14 * 14).reshape(14, 14))
    shown_alone(qtbot, detail, 640, 160)
    assert detail._map_title.text.startswith("conv2 · ")
    detail.resize(420, 160)
    qtbot.wait(10)
    assert not detail._map_title.text.startswith("conv2 · ")
    assert detail._view.ci.boundingRect().width() <= detail._view.width()


@pytest.mark.parametrize("width", [420, 460, 520, 580, 640])  # the dock: 456 px at 1024 x 600
def test_the_enlarged_maps_titles_are_whole_at_any_width(qtbot, width):
    detail = KernelDetail()
    detail.set_model(build_model("default", np.random.default_rng(0)))
    detail.show_map("conv2", 5, False)
    detail.set_values(np.linspace(-4.9, 1.4, 14 * 14).reshape(14, 14))
    shown_alone(qtbot, detail, width, 160)
    view = detail._view
    assert view.ci.boundingRect().width() <= view.width()
    # Both titles name the layer wherever they fit in full (the caption beside names it too).
    assert (detail._map_title.text.startswith("conv2 · ")
            == detail._kernel_title.text.startswith("conv2"))
    assert detail._map_title.text.startswith("conv2 · ") == (width >= 480)


@pytest.mark.parametrize("width", [160, 200, 420])
def test_the_guides_topic_is_cut_with_an_ellipsis_never_mid_letter(qtbot, width):
    """At the smallest window the Layer guide's list read 'Convolutior', cut mid-letter."""
    panel = shown_alone(qtbot, GuidePanel(), width, 300)
    box = panel._topic_box
    box.setCurrentIndex(max(range(box.count()), key=lambda i: len(box.itemText(i))))
    full, shown = box.currentText(), box.shown_text()
    if width > 400:  # room for it: whole
        assert shown == full
        return
    assert shown.endswith("…") and full.startswith(shown[:-1]) and len(shown) > 2
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    room = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                      QStyle.SubControl.SC_ComboBoxEditField, box)
    assert box.fontMetrics().horizontalAdvance(shown) <= room.width()


def next_turn(qtbot) -> None:
    """Let the event loop run what is already queued (zero-time timers go before this one)."""
    timer = QTimer()
    timer.setSingleShot(True)
    with qtbot.waitSignal(timer.timeout):
        timer.start(0)


@pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")
def test_the_first_layout_stops_following_the_window_once_arranged(qtbot, settings):
    window = make_window(qtbot, settings, size=(1366, 768))
    maps = window.docks["feature_maps_dock"]
    qtbot.waitUntil(lambda: maps.width() >= 0.44 * window.width())
    window.tabs.setCurrentWidget(window.train_tab)  # the Train tab hides the docks...
    window.tabs.setCurrentWidget(window.draw_tab)  # ...and puts them back where they were
    window.resize(1920, 1080)  # maximised: the docks keep their proportions
    qtbot.waitUntil(lambda: maps.width() >= 0.44 * 1920)
    # The person presses a separator between docks: from then on the layout is theirs.
    prediction = window.docks["prediction_dock"].geometry()
    x = (prediction.right() + window.centralWidget().geometry().left()) // 2
    assert window.childAt(x, prediction.center().y()) is None  # a separator
    send_mouse(window, QEvent.Type.MouseButtonPress, (x, prediction.center().y()))
    send_mouse(window, QEvent.Type.MouseButtonRelease, (x, prediction.center().y()),
               buttons=Qt.MouseButton.NoButton)
    width = maps.width()
    window.resize(1920, 1200)  # the default layout would widen the maps to 960
    next_turn(qtbot)
    assert not window._layout_follower.following and maps.width() == width
    # View › Reset layout makes it the default again, following the window; a dock pulled
    # out of the window ends that too.
    window.actions_by_name["reset_layout"].trigger()
    assert window._layout_follower.following
    window.docks["input_dock"].setFloating(True)
    assert not window._layout_follower.following


def mistakes_view(qtbot, settings, size):
    """The Train tab's Mistakes view, shown in a window of `size`."""
    window = MainWindow(startup_model()[0], settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.train_tab)
    views = window.train_tab.views
    views.setCurrentIndex(1)  # Mistakes
    panel = views.confusion
    qtbot.waitUntil(lambda: panel.plots_made and panel.isVisible())
    return panel


def test_the_mistakes_view_fits_a_1280x720_window(qtbot, settings):
    panel = mistakes_view(qtbot, settings, (1280, 720))
    confusion = np.diag(np.full(26, 126))  # 3,963 letters, 3,280 right, as a QA run showed
    confusion[0, 0] += 4
    confusion[1:, 0] += 27
    confusion[2, 1] += 8
    panel.set_result(confusion, [0.75] * 26)
    assert "3,280 of 3,963 validation letters" in panel.title.text
    next_turn(qtbot)
    view = panel.viewport().rect()

    def on_screen(item):
        return panel.mapFromScene(item.sceneBoundingRect()).boundingRect()

    for item in (panel.title, panel.matrix, panel.bars_plot):
        assert view.contains(on_screen(item)), (item, on_screen(item), view)
    # The title's text is within its item (not cut off on the right).
    assert panel.title.item.boundingRect().width() <= panel.title.boundingRect().width() + 1
    # All 26 bars, Z included, lie inside the view.
    for x in (0, 26):
        point = panel.mapFromScene(panel.bars_plot.vb.mapViewToScene(QPointF(x, 0)))
        assert view.contains(point), (x, point, view)
    # "read as" sits under both rows of letters, not over the lower case.
    axis = panel.matrix.getAxis("bottom")
    font = axis.style.get("tickFont") or axis.font()
    text_bottom = (axis.mapToScene(QPointF(0, 0)).y() + axis.style["tickTextOffset"][1]
                   + 2 * QFontMetrics(font).lineSpacing())
    assert axis.label.mapRectToScene(axis.label.boundingRect()).top() >= text_bottom - 1


@pytest.mark.parametrize("size", [(1262, 680), (1280, 720)])
def test_the_mistakes_views_true_letters_do_not_overlap(qtbot, settings, size):
    panel = mistakes_view(qtbot, settings, size)
    next_turn(qtbot)
    axis = panel.matrix.getAxis("left")
    font = axis.style.get("tickFont") or axis.font()
    ticks = axis._tickLevels[0]
    rows = [panel.matrix.vb.mapViewToScene(QPointF(0, y)).y() for y, _ in ticks]
    gap = min(abs(b - a) for a, b in zip(rows, rows[1:], strict=False))
    assert QFontMetrics(font).height() <= gap, (font.pointSizeF(), gap)  # 'Gg' clear of 'Hh'
    assert [text for _, text in ticks][:1] == ["Aa"] and len(ticks) >= 13


@pytest.mark.parametrize("size", [MINIMUM_SIZE, (1366, 768)])
def test_a_deeper_networks_feature_map_labels_keep_apart(qtbot, settings, size):
    """Three conv blocks (the Train tab builds any, say 4, 8 and 16 filters): rows of
    7×7 and 3×3 maps are shorter than their name and shape, which ran into the next rows'."""
    from cnn.model import conv_net_spec

    model = build_model(conv_net_spec([4, 8, 16], [64, 32]), np.random.default_rng(0))
    window = MainWindow(LoadedModel(model, {}, "three blocks"), settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    rows = panel._rows

    def labels_apart() -> bool:  # each row's name and shape end above the next row's
        spans = [(r.title.pos().y(), r.title.pos().y() + r.title.textItem.boundingRect().height())
                 for r in rows]
        return all(a[1] - b[0] <= 3 for a, b in zip(spans, spans[1:], strict=False))

    qtbot.waitUntil(lambda: panel.width() < size[0] / 2 and max(panel.filled()) >= 0.97)
    assert max(panel.filled()) <= 1.0
    assert labels_apart()
