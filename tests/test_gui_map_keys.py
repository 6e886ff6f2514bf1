"""The feature maps from the keyboard: Tab to the maps, arrows pick a map, Enter enlarges it,
Esc closes it, Shift+Enter and the menu key step through it; the window's keys still work."""

import numpy as np
import pytest
from PySide6.QtCore import QRectF, QSettings, Qt
from PySide6.QtWidgets import QApplication, QComboBox

from cnn.model import build_model
from gui.panels.map_keys import map_rect, step
from gui.panels.map_row import MapRow
from tests.test_gui_window import draw_sample, make_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
NO = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return make_window(qtbot, settings, model=build_model("small", np.random.default_rng(0)))


def tab_to_maps(window, qtbot):
    """Tab from the Colour scale box, as a keyboard user gets there from the canvas."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus needs it active
    panel = window.feature_maps_panel
    panel.findChild(QComboBox).setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel._view
    return panel


def keys(qtbot, panel, *pressed, modifier=NO):
    for key in pressed:
        qtbot.keyClick(panel._view, key, modifier)


def test_up_and_down_go_through_a_layers_lines_of_tiles_then_to_the_nearest_tile(qapp):
    """64 maps sit in four lines of 16: Down goes line by line before the next layer, whose
    nearest tile by its middle is taken; Up from a 1-D strip lands on the last line."""
    rows = [MapRow("pool1", "maxpool2d", (32, 14, 14)), MapRow("conv2", "conv2d", (64, 14, 14)),
            MapRow("fc1", "linear", (128,))]
    y = 0.0
    for row in rows:  # as the panel lays them out: one width, stacked
        height = row.natural_height(400.0)
        row.rect = QRectF(100.0, y, 400.0, height)
        y += height + 5
    down, up = Qt.Key.Key_Down, Qt.Key.Key_Up
    assert step(rows, 0, 3, down) == (0, 19)  # pool1's second line
    assert step(rows, 0, 19, down) == (1, 3)  # conv2's first line, same column
    assert [step(rows, 1, c, down) for c in (3, 19, 35)] == [(1, 19), (1, 35), (1, 51)]
    assert step(rows, 1, 51, down) == (2, 0)  # the strip: one map
    assert step(rows, 2, 0, up) == (1, 55)  # the last line, under the strip's middle (a tie: left)
    assert step(rows, 1, 55, up) == (1, 39)
    assert step(rows, 2, 0, down) == (2, 0) and step(rows, 2, 0, Qt.Key.Key_Right) == (2, 0)
    assert step(rows, 1, 15, Qt.Key.Key_Right) == (1, 16)  # reading order, line to line
    assert step(rows, 1, 20, Qt.Key.Key_End) == (1, 63)


def test_arrows_move_the_current_map_within_a_layer_and_between_layers(window, qtbot):
    draw_sample(window, qtbot)
    panel = tab_to_maps(window, qtbot)
    assert panel._keys.marker_shown() and panel.current_map() == ("conv1", 0)
    keys(qtbot, panel, Qt.Key.Key_Left, Qt.Key.Key_Up)  # the first map: nowhere further
    assert panel.current_map() == ("conv1", 0)
    keys(qtbot, panel, Qt.Key.Key_Right, Qt.Key.Key_Right)
    assert panel.current_map() == ("conv1", 2)
    keys(qtbot, panel, Qt.Key.Key_Down, Qt.Key.Key_Down)  # same place, two layers down
    assert panel.current_map() == ("pool1", 2)
    keys(qtbot, panel, Qt.Key.Key_Down)  # 16 narrower tiles: the one under tile 2's middle
    assert panel.current_map() == ("conv2", 4) or panel.current_map() == ("conv2", 5)
    keys(qtbot, panel, Qt.Key.Key_End)
    assert panel.current_map() == ("conv2", 15)
    row = next(r for r in panel._rows if r.name == "conv2")
    assert panel._keys._cursor.marker.rect().contains(map_rect(row, 15))
    assert window.guide_panel.topic == "conv2d" and window.guide_panel.layer == "conv2"
    assert panel.hover_label.text().startswith("conv2 · map 15 of 16")
    keys(qtbot, panel, *[Qt.Key.Key_Down] * 20)  # down to the last layer, and no further
    assert panel.current_map() == ("fc2", 0)
    keys(qtbot, panel, Qt.Key.Key_Up, Qt.Key.Key_Home)
    assert panel.current_map() == ("relu3", 0)


def test_the_maps_view_keeps_the_window_keys_it_has_no_use_for(window, qtbot):
    """P, E, ] and Shift+letter still reach the window and the teach bar from the maps, and
    from the canvas after it."""
    draw_sample(window, qtbot)
    panel = tab_to_maps(window, qtbot)
    keys(qtbot, panel, Qt.Key.Key_Right)
    acts = window.actions_by_name
    keys(qtbot, panel, Qt.Key.Key_E)
    assert acts["eraser"].isChecked()
    keys(qtbot, panel, Qt.Key.Key_P)
    assert acts["pen"].isChecked()
    width = window.draw_tab.width_slider.value()
    keys(qtbot, panel, Qt.Key.Key_BracketRight)
    assert window.draw_tab.width_slider.value() > width
    keys(qtbot, panel, Qt.Key.Key_B, modifier=SHIFT)
    assert window.teach_bar.label.currentText() == "B"
    assert panel.current_map() == ("conv1", 1)  # none of them moved the maps
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    assert acts["eraser"].isChecked()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Q, SHIFT)
    assert window.teach_bar.label.currentText() == "Q"
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)  # the canvas has no use for arrows
    assert panel.current_map() == ("conv1", 1)
    panel._view.setFocus(Qt.FocusReason.BacktabFocusReason)
    keys(qtbot, panel, Qt.Key.Key_Return)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)  # the panel's Esc is the panel's only
    assert window.canvas.is_empty() and panel.detail.isVisible()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not window.canvas.is_empty()


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Space], ids=["enter", "space"])
def test_enter_enlarges_the_current_map_and_esc_closes_it_not_the_drawing(window, qtbot, key):
    draw_sample(window, qtbot)
    panel = tab_to_maps(window, qtbot)
    keys(qtbot, panel, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_End)
    keys(qtbot, panel, Qt.Key.Key_Left, key)  # conv2 map 14
    assert panel.detail.isVisible()
    assert (panel.selected.layer, panel.selected.channel) == ("conv2", 14)
    assert "kernel 14" in panel.detail.caption.text()
    np.testing.assert_array_equal(panel._values_of(panel.selected),
                                  window.predictor.last.activations["conv2"][14])
    keys(qtbot, panel, Qt.Key.Key_Escape)
    assert not panel.detail.isVisible() and panel.selected is None
    assert not window.canvas.is_empty()  # Esc closed the map; the drawing stays
    assert QApplication.focusWidget() is panel._view
    keys(qtbot, panel, Qt.Key.Key_Escape)  # nothing enlarged: Esc clears, as before
    assert window.canvas.is_empty()


def test_esc_on_the_enlarged_maps_button_closes_it_and_gives_the_keys_back(window, qtbot):
    draw_sample(window, qtbot)
    panel = tab_to_maps(window, qtbot)
    keys(qtbot, panel, Qt.Key.Key_Return)
    panel.detail.step_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(panel.detail.step_button, Qt.Key.Key_Escape)
    assert not panel.detail.isVisible() and not window.canvas.is_empty()
    assert QApplication.focusWidget() is panel._view and panel._keys.marker_shown()


def test_a_click_focuses_the_maps_quietly_and_the_keys_go_on_from_the_clicked_map(window,
                                                                                 qtbot):
    from tests.test_gui_window import map_pixel

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    qtbot.mouseClick(panel._view.viewport(), Qt.MouseButton.LeftButton,
                     pos=map_pixel(panel, "pool1", 5, 3, 3))
    assert panel.selected.layer == "pool1" and QApplication.focusWidget() is panel._view
    assert not panel._keys.marker_shown()  # no keyboard outline for a mouse user
    keys(qtbot, panel, Qt.Key.Key_Right)
    assert panel._keys.marker_shown() and panel.current_map() == ("pool1", 6)


@pytest.mark.parametrize(("layer", "downs", "chapter"), [("conv2", 3, "convolution"),
                                                        ("pool1", 2, "pooling")])
def test_shift_enter_steps_through_the_current_map(window, qtbot, layer, downs, chapter):
    prediction = draw_sample(window, qtbot)
    panel = tab_to_maps(window, qtbot)
    keys(qtbot, panel, *[Qt.Key.Key_Down] * downs, Qt.Key.Key_Home, Qt.Key.Key_Right)
    assert panel.current_map() == (layer, 1)
    keys(qtbot, panel, Qt.Key.Key_Return, modifier=SHIFT)
    tab = window.step_through.tab
    assert window.tabs.currentWidget() is tab and tab.current_chapter() == chapter
    view = tab.views[chapter]
    assert view.layer_box.currentText() == layer
    h, w = prediction.activations[layer].shape[1:]
    if chapter == "convolution":
        assert view.filter_box.value() == 1 and view.position() == (h // 2, w // 2)
        assert view.stop.total == pytest.approx(
            float(prediction.activations[layer][1, h // 2, w // 2]), rel=1e-4, abs=1e-5)
    else:
        assert view.map_box.value() == 1 and divmod(view.index, w) == (h // 2, w // 2)


def test_shift_enter_on_a_clicked_map_steps_through_the_clicked_pixel(window, qtbot):
    """As the enlarged map's button does: the pixel the click landed on, not the middle."""
    from tests.test_gui_step_through_links import click_view
    from tests.test_gui_window import map_pixel

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    click_view(panel._view.viewport(), map_pixel(panel, "conv2", 4, 3, 6),
               Qt.MouseButton.LeftButton)
    keys(qtbot, panel, Qt.Key.Key_Return, modifier=SHIFT)
    view = window.step_through.tab.views["convolution"]
    assert window.step_through.tab.current_chapter() == "convolution"
    assert view.filter_box.value() == 4 and view.position() == (3, 6)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                           "This plugin does not support (raise|grabbing)")
def test_the_menu_key_offers_step_through_at_the_current_map(window, qtbot):
    draw_sample(window, qtbot)
    panel = tab_to_maps(window, qtbot)
    keys(qtbot, panel, Qt.Key.Key_Down, Qt.Key.Key_Right, Qt.Key.Key_Menu)
    menu = panel.step_menu
    qtbot.waitUntil(menu.isVisible)
    assert menu.actions()[0].text() == "Step through this: relu1 map 1 (14, 14)"
    marker = panel._keys._cursor.marker.sceneBoundingRect()
    at = panel._view.viewport().mapToGlobal(panel._view.mapFromScene(marker.center()))
    assert abs(menu.pos().y() - at.y()) <= 2  # at its row (a screen narrower than the window
    # pushes it left)
    menu.actions()[0].trigger()
    menu.close()
    tab = window.step_through.tab
    assert tab.current_chapter() == "relu" and tab.views["relu"].map_box.value() == 1


def test_the_keys_line_gives_way_to_the_hovered_value_when_the_keys_leave(qtbot, tmp_path):
    """With the pointer resting on a map, the line kept 'Enter: enlarge …' after Tab left."""
    from gui.panels.map_points import MapPoint

    window = make_window(qtbot, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    panel._show_hover(MapPoint("conv1", 0, 3, 3, 0.5))  # the pointer rests on a map
    hovered = panel.hover_label.text()
    panel._view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(panel._view, Qt.Key.Key_Right)
    assert "Enter: enlarge" in panel.hover_label.text()
    window.canvas.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: panel.hover_label.text() == hovered)
