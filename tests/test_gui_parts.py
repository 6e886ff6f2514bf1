"""The GUI's pure parts: mosaics, receptive fields, the predictor, the guide, the kernels panel."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from cnn.model import build_model
from gui.canvas import Canvas
from gui.layer_guide import TOPICS, explain
from gui.mosaic import Mosaic
from gui.panels.map_row import MapRow
from gui.predictor import Predictor
from gui.receptive_field import receptive_field
from gui.sample_letter import sample_strokes
from tests.tolerance import assert_close_float32, network_fan_in


@pytest.mark.parametrize("width", [400, 410, 430])  # conv1's 463-pixel mosaic, shrunk
def test_every_tile_stays_apart_when_a_mosaic_is_drawn_smaller(qapp, width):
    row = MapRow("conv1", "conv2d", (32, 28, 28))
    row.image.setImage(row.empty, levels=None)  # the grey cells shown before any drawing
    h, w = row.mosaic.shape
    image = QImage(width, 60, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.scale(width / w, 60 / h)
    row.image.paint(painter, None, None)
    painter.end()
    # Along the middle of the first row of tiles: the gap between each two cells shows.
    y = round(60 / h * 14)
    cell = image.pixelColor(3, y).red()
    darker = [image.pixelColor(x, y).red() < cell - 3 for x in range(width)]
    gaps = sum(1 for x in range(1, width) if darker[x] and not darker[x - 1])
    assert gaps == row.mosaic.columns - 1


def test_mosaic_places_tiles_and_finds_them_again():
    rng = np.random.default_rng(0)
    tiles = rng.random((10, 3, 5)).astype(np.float32)
    m = Mosaic(10, (3, 5), columns=4)
    assert m.shape == (3 * 4 - 1, 4 * 6 - 1)
    image = m.fill(tiles, background=-1.0)
    for t in range(10):
        x, y = m.origin(t)
        np.testing.assert_array_equal(image[y:y + 3, x:x + 5], tiles[t])
        assert m.locate(x + 4.5, y + 2.9) == (t, 2, 4)
    assert m.locate(5, 0) is None  # a gap
    assert m.locate(2 * 6 + 1, 2 * 4 + 1) is None  # an unused cell of the last row
    assert m.gap_mask.sum() == image.size - 10 * 15
    assert (image[m.gap_mask] == -1).all()


@pytest.mark.parametrize("shape", [(3, 5, 4), (20, 6, 6), (600,), (26,)])  # gaps, a tail
def test_a_map_row_shows_each_value_in_its_tile(qapp, shape):
    """The row colours and lays out an output in one lookup: the same picture as tiling the
    values into the mosaic and colouring that, gaps in the background colour."""
    from gui import colormaps as cm
    from gui.panels.map_row import MapRow

    row = MapRow("layer", "relu", shape)
    values = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    for mode in ("map", "layer"):
        row.show_values(values, mode)
        if mode == "map" and len(shape) == 3:
            low = values.min(axis=(1, 2), keepdims=True)
            unit = (values - low) / (values.max(axis=(1, 2), keepdims=True) - low)
        else:
            unit = cm.normalise(values, float(values.min()), float(values.max()))
        rows, width = row.mosaic.tile_shape
        tiles = np.zeros(row.mosaic.count * rows * width, np.float32)
        tiles[:unit.size] = unit.reshape(-1)
        want = cm.apply(cm.VIRIDIS, row.mosaic.fill(tiles.reshape(-1, rows, width)))
        want[row.hidden] = (*cm.BACKGROUND, 255)
        np.testing.assert_array_equal(row.image.image, want, err_msg=mode)


def test_receptive_fields_follow_the_layers():
    layers = build_model("default", np.random.default_rng(0)).layers
    assert receptive_field(layers, "conv1", 0, 0) == (0, 0, 1, 1)  # padding clips the corner
    assert receptive_field(layers, "conv1", 10, 12) == (9, 11, 11, 13)
    assert receptive_field(layers, "pool1", 5, 5) == (9, 9, 12, 12)
    assert receptive_field(layers, "conv2", 5, 6) == (7, 9, 14, 16)
    assert receptive_field(layers, "pool2", 3, 3) == (9, 9, 18, 18)
    assert receptive_field(layers, "fc1", 0, 0) == (0, 0, 27, 27)
    strided = build_model([{"type": "conv2d", "out_channels": 2, "kernel_size": 5,
                            "stride": 2, "padding": 0}, {"type": "flatten"},
                           {"type": "linear", "out_features": 26}]).layers
    assert receptive_field(strided, "conv1", 3, 1) == (6, 2, 10, 6)


def test_predictor_reads_strokes_and_refuses_to_guess_on_blank(qapp):
    model = build_model("small", np.random.default_rng(0))
    predictor = Predictor(model, {}, "small")
    blank = predictor.predict([], (400, 400))
    assert blank.blank and blank.top() == [] and blank.activations == {}
    dot = predictor.predict([np.array([[100.0, 100.0], [101.0, 100.5]])], (400, 400))
    assert dot.blank
    p = predictor.predict(sample_strokes(400, 400), (400, 400))
    assert not p.blank and p.probs.sum() == pytest.approx(1.0)
    assert list(p.activations) == [n for n, _ in model.layers]
    assert p.activations["conv1"].shape == (8, 28, 28) and p.saliency.shape == (28, 28)
    x = p.pre.image[None, None]
    # The predictor goes back through its layer-by-layer pass, input_gradient through forward's
    # fused steps: the same sums in another order.
    assert_close_float32(p.saliency, model.input_gradient(x, p.top_index)[0, 0],
                         network_fan_in(model, backward=True))
    letters = [c for c, _ in p.top(3)]
    assert letters[0] == p.top_letter and len(set(letters)) == 3


def test_guide_explains_every_topic_with_this_models_numbers():
    model = build_model("default", np.random.default_rng(0))
    for topic in TOPICS:
        text = explain(topic, model)
        assert TOPICS[topic] in text and len(text) > 200
    assert "32 filters of 3×3×1, stride 1, padding 1" in explain("conv2d", model, "conv1")
    assert "32×28×28 → 32×14×14" in explain("maxpool2d", model, "pool1")
    assert "3,136 inputs → 256 units" in explain("linear", model, "fc1")
    assert "σ = 0.471" in explain("init", model)  # conv1: 9 inputs per unit


def test_pen_pressure_varies_the_width(qtbot):
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    canvas.show()
    pen = QPointingDevice("test pen", 99, QPointingDevice.DeviceType.Stylus,
                          QPointingDevice.PointerType.Pen,
                          QPointingDevice.Capability.Position
                          | QPointingDevice.Capability.Pressure, 1, 2)

    def send(kind, x, pressure, buttons):
        from PySide6.QtCore import Qt

        event = QTabletEvent(kind, pen, QPointF(x, 100), QPointF(x, 100), pressure, 0, 0, 0,
                             0, 0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton,
                             buttons)
        QApplication.sendEvent(canvas, event)

    from PySide6.QtCore import QEvent, Qt

    left = Qt.MouseButton.LeftButton
    send(QEvent.Type.TabletPress, 50, 0.1, left)
    send(QEvent.Type.TabletMove, 100, 0.5, left)
    send(QEvent.Type.TabletMove, 150, 1.0, left)
    send(QEvent.Type.TabletRelease, 150, 0.0, Qt.MouseButton.NoButton)
    (stroke,) = canvas.stroke_objects()
    assert len(stroke.points) == 3
    assert stroke.widths[0] < stroke.widths[1] < stroke.widths[2] == canvas.pen_width()


def test_kernels_panel_shows_deeper_filters_per_input_map(qtbot):
    from gui.panels.kernels_panel import KernelsPanel

    panel = KernelsPanel()
    qtbot.addWidget(panel)
    panel.set_model(build_model("small", np.random.default_rng(0)))
    assert panel.image.shape[:2] == (3, 8 * 4 - 1)  # conv1: 8 filters of 3×3 in one row
    panel.show_layer("conv2", 5)
    assert "input map 5" in panel.caption.text()
    assert panel.image.shape[:2] == (2 * 4 - 1, 8 * 4 - 1)  # 16 filters, 8 per row
    panel.show_layer("conv2", -1)
    assert panel.image.shape[:2] == (16 * 4 - 1, 8 * 4 - 1)  # 16 filters × 8 input maps


def test_kernels_panel_empties_for_a_network_without_convolutions(qtbot):
    """The Train tab's editor can remove every conv block; a model opened after one with
    convolutions must not keep showing (and offering to step through) the old kernels."""
    from gui.panels.kernels_panel import KernelsPanel
    from gui.training.arch_editor import spec_of

    panel = KernelsPanel()
    qtbot.addWidget(panel)
    panel.set_model(build_model("small", np.random.default_rng(0)))
    assert panel.image is not None and "conv1" in panel.caption.text()
    panel.set_model(build_model(spec_of([], [64]), np.random.default_rng(0)))
    assert panel.image is None and panel._image.image is None
    assert panel.kernel_at(1.0, 1.0) is None
    assert "no convolution layer" in panel.caption.text()


def test_saliency_heat_lies_over_the_glyph_as_blown_up_pixels(qtbot):
    from cnn.preprocess import Preprocessed
    from gui import colormaps as cm
    from gui.panels.saliency_panel import UPSAMPLE, SaliencyPanel
    from gui.predictor import Prediction

    rng = np.random.default_rng(4)
    saliency = rng.standard_normal((28, 28)).astype(np.float32)
    centred = rng.random((28 * UPSAMPLE, 28 * UPSAMPLE)).astype(np.float32)
    pre = Preprocessed(np.ones((28, 28), np.float32), False, centred=centred)
    panel = SaliencyPanel()
    qtbot.addWidget(panel)
    panel.set_prediction(Prediction(pre, {}, np.full(26, 1 / 26), saliency))
    # The same picture, the plain way: colour and opacity per pixel, each repeated 4 x 4.
    heat = np.abs(saliency)
    heat = np.clip(heat / np.percentile(heat, 99.5), 0, 1)
    colour = cm.HEAT[(heat * 216 + 38).astype(np.uint8), :3].astype(np.float32)
    alpha = np.minimum(heat * 1.6, 1.0)[..., None]
    big = np.repeat(np.repeat(np.concatenate([colour * alpha, alpha], axis=2), UPSAMPLE, 0),
                    UPSAMPLE, 1)
    base = np.asarray(cm.BACKGROUND, np.float32) + centred[..., None] * 70.0
    want = base * (1 - big[..., 3:]) + big[..., :3]
    # The panel keeps opacity as a byte: a colour may differ by a unit or two.
    np.testing.assert_allclose(panel.image[..., :3], want, atol=2)
    assert (panel.image[..., 3] == 255).all()
    panel.set_prediction(None)  # blank: the background alone, no heat
    assert (panel.image[..., :3] == cm.BACKGROUND).all()


def test_grey_images_reach_pyqtgraph_as_bytes_with_their_levels_applied(qtbot):
    import pyqtgraph as pg

    from gui.panels.views import show_image

    item = pg.ImageItem(axisOrder="row-major")
    show_image(item, np.array([[-0.5, 0.0, 0.5], [1.0, 2.0, 0.25]], np.float32))
    assert item.image.dtype == np.uint8 and item.levels is None  # pyqtgraph's direct path
    np.testing.assert_array_equal(item.image, [[0, 0, 127], [255, 255, 63]])
    show_image(item, np.array([[2.0, 4.0]]), levels=(2.0, 4.0))
    np.testing.assert_array_equal(item.image, [[0, 255]])
    rgba = np.arange(16, dtype=np.uint8).reshape(2, 2, 4)
    show_image(item, rgba)
    np.testing.assert_array_equal(item.image, rgba)


def test_plot_axes_write_a_true_minus(qtbot):
    import pyqtgraph as pg

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    axis = plot.getAxis("left")
    assert axis.tickStrings([-0.5, 0.0, 0.5], 1.0, 0.5) == ["−0.5", "0", "0.5"]
    assert axis.tickStrings([-1e-05], 1.0, 1e-05)[0] in ("−1e-05", "−1.0e-05")


def test_the_help_list_names_every_key_of_the_window(qtbot):
    """Every shortcut set on the window's actions and buttons is in the F1 list."""
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QAbstractButton

    from gui.about import SHORTCUTS
    from gui.main_window import MainWindow
    from gui.models import startup_model

    window = MainWindow(startup_model()[0], QSettings())
    qtbot.addWidget(window)
    names = {"Page Down": "PgDown", "Page Up": "PgUp", "Delete": "Del"}
    listed = {names.get(key.strip(), key.strip())
              for keys, _ in SHORTCUTS for key in keys.replace(" and ", ",").split(",")}
    found = set()
    for action in window.actions_by_name.values():
        found |= {k.toString() for k in action.shortcuts()}
    for button in window.findChildren(QAbstractButton):
        found.add(button.shortcut().toString(QKeySequence.SequenceFormat.PortableText))
    found.discard("")
    assert found <= listed, found - listed


def test_numbers_in_the_panels_write_a_true_minus():
    from gui.colormaps import span_text, true_minus

    assert span_text(-6.94, 2.0) == "−6.9 … 2" and span_text(-14.2, -0.5) == "−14 … −0.5"
    assert true_minus("-0.05") == "−0.05" and true_minus("+0.17") == "+0.17"


def test_class_labels_too_narrow_even_small_name_every_other_letter(qtbot):
    import pyqtgraph as pg

    from gui.class_labels import fit_labels, stack_labels

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    axis = plot.getAxis("bottom")
    stack_labels(axis)
    fit_labels(axis, 3.0)  # 3 pixels a class: no font fits
    assert [label for _, label in axis._tickLevels[0]][:3] == ["A\na", "C\nc", "E\ne"]
    fit_labels(axis, 30.0)  # room again: every letter
    assert len(axis._tickLevels[0]) == 26
