"""The Step through tab's chapters after convolution show the layers' own numbers (ReLU,
pooling, flatten, fully connected, softmax, initialisation), at random positions too, and
follow a model of another shape (pytest-qt, headless)."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

from cnn.model import build_model
from gui.replay import send_stroke
from gui.step_through.chapters import KEYS
from gui.step_through.shading import number
from tests.step_through_helpers import (
    STRIDED,
    click_cell,
    click_chapter,
    hover,
    open_tab,
    press,
    window_with,
)
from tests.test_gui_window import draw_sample

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot, tmp_path):
    return window_with(qtbot, tmp_path)


def test_relu_pooling_and_flatten_show_the_layers_numbers(window, qtbot):
    prediction = draw_sample(window, qtbot)
    acts = prediction.activations
    tab = open_tab(window, qtbot, "relu")
    relu = tab.views["relu"]
    relu.map_box.setValue(2)
    before = acts["conv1"][2]
    assert f"{int((before < 0).sum())} of {before.size}" in relu.counts.text()
    click_cell(qtbot, relu.overview, 14, 14)
    window_after = relu.after.values
    np.testing.assert_array_equal(window_after, np.maximum(relu.before.values, 0))
    np.testing.assert_array_equal(window_after, acts["relu1"][2][relu.top:relu.top + 8,
                                                                 relu.left:relu.left + 8])

    click_chapter(tab, qtbot, "pooling")
    pool = tab.views["pooling"]
    pool.map_box.setValue(5)
    click_cell(qtbot, pool.output_grid, 6, 4)
    for _ in range(5):
        stop = pool.stop
        r, c = divmod(pool.index, acts["pool1"].shape[2])
        assert stop.value == acts["pool1"][5, r, c]  # the winner is the pooled value
        assert pool.output_grid.values[r, c] == stop.value
        press(qtbot, tab, Qt.Key.Key_Right)
        assert pool.stop.left == stop.left + 2 or pool.stop.left == 0

    click_chapter(tab, qtbot, "flatten")
    flat = tab.views["flatten"]
    c, h, w = acts["pool2"].shape
    grid = flat.vector
    hover(grid, 3, 5)
    assert flat.unit == 3 * h * w + 5
    assert f"map 3, row {5 // w}, column {5 % w}" in flat.unit_line.text()


def test_fully_connected_and_softmax_equal_the_prediction_dock(window, qtbot):
    prediction = draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "fully-connected")
    dense = tab.views["fully-connected"]
    assert dense.layer_box.currentText() == "fc2"  # the letters' scores first
    assert dense.unit_box.currentIndex() == prediction.top_index
    for unit in (0, 7, 25):
        dense.unit_box.setCurrentIndex(unit)
        assert dense.unit.total == pytest.approx(float(prediction.activations["fc2"][unit]),
                                                 rel=1e-4, abs=1e-5)
    click_chapter(tab, qtbot, "softmax")
    softmax = tab.views["softmax"]
    shown = window.prediction_panel.probs
    np.testing.assert_allclose(softmax.table_probs(), shown, rtol=1e-12, atol=1e-15)
    qtbot.mouseClick(softmax.sort_box, Qt.MouseButton.LeftButton)
    assert softmax.table.item(0, 0).text() == prediction.top_letter
    np.testing.assert_allclose(softmax.table_probs(), shown, rtol=1e-12, atol=1e-15)
    assert "1.0000" in softmax.total_line.text()
    assert "smiley" in softmax.share_line.text()


def test_initialisation_compares_with_a_fresh_copy(window, qtbot):
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "initialisation")
    view = tab.views["initialisation"]
    view.layer_box.setCurrentText("conv2")
    h = view.histogram
    assert h.fan_in == 8 * 3 * 3 and h.std == pytest.approx(np.sqrt(2 / 72))
    assert "√(2 / 72) = 0.1667" in view.stats.text()
    first = view.fresh
    qtbot.mouseClick(view.reinit_button, Qt.MouseButton.LeftButton)
    assert view.fresh is not first and view.fresh is not window.model
    assert not np.array_equal(view.fresh.layer("conv1").params["weight"],
                              window.model.layer("conv1").params["weight"])
    assert view.maps[1].values.shape == view.maps[0].values.shape


def test_the_unit_box_is_wide_enough_for_its_longest_item(window, qtbot):
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "fully-connected")
    box = tab.views["fully-connected"].unit_box
    for layer in ("fc1", "fc2"):  # first shown with one layer's items, then the other's
        tab.views["fully-connected"].layer_box.setCurrentText(layer)
        qtbot.waitUntil(lambda: box.width() >= box.sizeHint().width())
        option = QStyleOptionComboBox()
        box.initStyleOption(option)
        field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, box)
        metrics = QFontMetrics(box.font())
        longest = max(metrics.horizontalAdvance(box.itemText(i)) for i in range(box.count()))
        assert field.width() >= longest, layer


def test_hover_shows_a_value(window, qtbot):
    prediction = draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "input")
    view = tab.views["input"]
    image = prediction.pre.image
    r, c = np.argwhere((image > 0.2) & (image < 0.9))[0]
    hover(view.grid, r, c)
    assert view.hover.text() == f"row {r}, column {c}: {number(image[r, c], 2)}"
    assert view.grid.hover_text(r, c) == f"row {r}, column {c}: {number(image[r, c], 4)}"
    assert view.small.marks[0].row == r and view.grid.marks[0].col == c
    # A new drawing: the heading gives that square's value in it, not the old drawing's.
    with qtbot.waitSignal(window.predictor.predicted):
        send_stroke(window.canvas, [(60, 60), (90, 90), (120, 120)])
    image = window.predictor.last.pre.image
    assert view.hover.text() == f"row {r}, column {c}: {number(image[r, c], 2)}"


MLP = [{"type": "flatten"}, {"type": "linear", "out_features": 32}, {"type": "relu"},
       {"type": "linear", "out_features": 26}]
NO_POOL = [{"type": "conv2d", "out_channels": 3, "kernel_size": 5, "stride": 3, "padding": 0},
           {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "out_features": 26}]


@pytest.mark.parametrize("spec", [MLP, NO_POOL, STRIDED])
def test_every_chapter_follows_a_model_of_another_shape(window, qtbot, spec):
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot)
    model = build_model(spec, np.random.default_rng(5))
    kinds = {layer.kind for _, layer in model.layers}
    for key in KEYS:
        click_chapter(tab, qtbot, key)
        press(qtbot, tab, Qt.Key.Key_Right)  # a view of the old model, stepped once
        with qtbot.waitSignal(window.predictor.predicted):
            window.set_model(model.copy(), {}, "other shape")
        view = tab.views[key]
        for k in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Home):
            press(qtbot, tab, k)
        missing = view.needs is not None and view.needs not in kinds
        assert view.notice.isVisible() == missing, key
        assert view.content.isVisible() == (not missing), key
        with qtbot.waitSignal(window.predictor.predicted):
            window.set_model(build_model("small", np.random.default_rng(0)), {}, "small")
        assert view.content.isVisible() and not view.notice.isVisible()
    click_chapter(tab, qtbot, "convolution")
    if "conv2d" in kinds:
        window.set_model(model.copy(), {}, "other shape")
        view = tab.views["convolution"]
        out = window.predictor.last.activations["conv1"]
        click_cell(qtbot, view.output_grid, out.shape[1] - 1, out.shape[2] - 1)
        assert view.stop.total == pytest.approx(float(out[0, -1, -1]), rel=1e-4, abs=1e-5)


def test_random_positions_show_the_layers_own_numbers(window, qtbot):
    prediction = draw_sample(window, qtbot)
    acts = prediction.activations
    rng = np.random.default_rng(11)
    tab = open_tab(window, qtbot, "convolution")
    conv = tab.views["convolution"]
    for layer in ("conv1", "conv2"):
        conv.layer_box.setCurrentText(layer)
        for _ in range(6):
            f, r, c = (int(rng.integers(n)) for n in acts[layer].shape)
            conv.filter_box.setValue(f)
            click_cell(qtbot, conv.output_grid, r, c)
            want = float(acts[layer][f, r, c])
            assert conv.stop.total == pytest.approx(want, rel=1e-4, abs=1e-5), (layer, f, r, c)
            assert conv.arithmetic.total_line.text().endswith(
                f"= output {number(conv.stop.total, 3)}")
            assert conv.output_grid.values[r, c] == pytest.approx(want)
    click_chapter(tab, qtbot, "pooling")
    pool = tab.views["pooling"]
    for layer in ("pool1", "pool2"):
        pool.layer_box.setCurrentText(layer)
        for _ in range(6):
            ch, r, c = (int(rng.integers(n)) for n in acts[layer].shape)
            pool.map_box.setValue(ch)
            click_cell(qtbot, pool.output_grid, r, c)
            assert pool.stop.value == acts[layer][ch, r, c], (layer, ch, r, c)
            assert f"largest of 4: {number(pool.stop.value, 3)}" == pool.winner_line.text()
    click_chapter(tab, qtbot, "fully-connected")
    dense = tab.views["fully-connected"]
    for layer in ("fc1", "fc2"):
        dense.layer_box.setCurrentText(layer)
        for unit in rng.integers(acts[layer].size, size=5):
            dense.unit_box.setCurrentIndex(int(unit))
            assert dense.unit.total == pytest.approx(float(acts[layer][unit]), rel=1e-4,
                                                     abs=1e-5), (layer, unit)
            assert dense.equation.text().endswith(f"= {number(dense.unit.total, 3)}")


def test_every_chapter_points_at_code_that_is_there():
    import re
    from pathlib import Path

    from gui.layer_guide import CODE, explain_step
    from gui.step_through.chapters import TOPICS

    root = Path(__file__).resolve().parents[1]
    for topic in TOPICS.values():
        assert "The code" in explain_step(topic)
        for path in re.findall(r"(cnn/[\w/]+\.py)", CODE[topic]):
            text = (root / path).read_text()
            for name in re.findall(rf"<code>(\w+)</code>[^<]* in {path}", CODE[topic]):
                assert re.search(rf"^\s*(def|class) {name}\b", text, re.M), (name, path)


def test_relu_play_tiles_the_whole_map_and_stops_at_its_last_corner(window, qtbot):
    """A 28×28 map's last column of windows starts at 20, not 24: Play used to take it for
    the third column again and stay on the first row for ever."""
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "relu")
    relu = tab.views["relu"]
    h, w = relu._before.shape
    seen = [(relu.top, relu.left)]
    for _ in range(20):
        press(qtbot, tab, Qt.Key.Key_Right)
        seen.append((relu.top, relu.left))
    assert seen[-1] == (h - 8, w - 8)
    assert seen == sorted(seen)  # always on, row after row, never back
    assert len(set(seen)) == 16
    press(qtbot, tab, Qt.Key.Key_Home)
    press(qtbot, tab, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not relu.player.is_playing(), timeout=5000)
    assert (relu.top, relu.left) == (h - 8, w - 8)


def test_play_at_the_end_of_relu_and_flatten_starts_over(window, qtbot):
    """As on the convolution and pooling chapters: Play at the last stop used to pause at once
    and do nothing."""
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "relu")
    relu = tab.views["relu"]
    for _ in range(20):
        press(qtbot, tab, Qt.Key.Key_Right)
    h, w = relu._before.shape
    assert (relu.top, relu.left) == (h - 8, w - 8)
    relu.player.speed.setValue(0)  # a stop a second: only Play's first stop comes at once
    qtbot.mouseClick(relu.player.play_button, Qt.MouseButton.LeftButton)
    assert relu.player.is_playing()
    assert relu.top == 0 and relu.left <= 8
    press(qtbot, tab, Qt.Key.Key_Space)
    assert not relu.player.is_playing()

    click_chapter(tab, qtbot, "flatten")
    flat = tab.views["flatten"]
    rows, cols = flat.vector.values.shape
    click_cell(qtbot, flat.vector, rows - 1, cols - 1)
    assert flat.unit == rows * cols - 1
    flat.player.speed.setValue(0)
    press(qtbot, tab, Qt.Key.Key_Space)
    assert flat.player.is_playing()
    assert flat.unit <= 1
    press(qtbot, tab, Qt.Key.Key_Space)
    assert not flat.player.is_playing()


def test_a_network_of_single_filters_and_1x1_maps_is_counted_in_the_singular(qtbot, tmp_path):
    """The Train tab builds conv blocks of one filter, down to a 1×1 map: one filter, one map,
    one stop, one number, never '1 filters' or '1 stops'."""
    block = {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 1, "padding": 0}
    pool = {"type": "maxpool2d", "kernel_size": 2, "stride": 2}
    spec = [{**block, "kernel_size": 5}, {"type": "relu"}, pool,  # 24, pooled to 12
            block, {"type": "relu"}, pool, block, {"type": "relu"},  # 10, 5; 3
            block, {"type": "relu"}, {"type": "flatten"},  # 1×1
            {"type": "linear", "out_features": 26}]
    window = window_with(qtbot, tmp_path, spec)
    assert window.model.output_shapes()["conv4"] == (1, 1, 1)
    draw_sample(window, qtbot)
    assert window.kernels_panel.caption.text().startswith("conv1: 1 filter of 5×5,")
    window.tabs.setCurrentWidget(window.step_through.tab)
    tab = window.step_through.tab
    click_chapter(tab, qtbot, "convolution")
    view = tab.views["convolution"]
    view.layer_box.setCurrentText("conv4")
    assert view.output_title.text() == "conv4 map 0: 1×1, 1 stop"
    view.pages.setCurrentIndex(1)
    ground = view.playground
    qtbot.mouseClick(ground.toy_button, Qt.MouseButton.LeftButton)
    ground.stride_box.setCurrentText("3")
    ground.padding_box.setCurrentText("0")
    assert ground.formula.text().endswith("→  1×1, 1 stop")  # (7 − 5) / 3 + 1
    click_chapter(tab, qtbot, "flatten")
    flatten = tab.views["flatten"]
    assert flatten.maps_title.text() == "1 map of 1×1, as flatten receives them"
    assert flatten.vector_title.text() == "the list: 1 line (one per map) of 1 number"
