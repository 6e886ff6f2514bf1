"""The Step through tab from the rest of the app: "Step through this" on a feature map or a
kernel of the Draw tab, the tab shortcuts, the help, and `--screenshot --view explain`."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication

from cnn.model import build_model
from gui.app import main as app_main
from gui.app import save_screenshot
from gui.replay import send_mouse
from tests.test_gui_window import draw_sample, make_window, map_pixel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
# A menu popping up offscreen: the plugin has no window stacking and no keyboard to grab.
offscreen_menu = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                           "This plugin does not support (raise|grabbing)")


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return make_window(qtbot, settings, model=build_model("small", np.random.default_rng(0)))


def click_view(widget, pos, button) -> None:
    send_mouse(widget, QEvent.Type.MouseButtonPress, (pos.x(), pos.y()), button)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, (pos.x(), pos.y()), button,
               Qt.MouseButton.NoButton)


@offscreen_menu
def test_right_click_on_a_feature_map_steps_through_that_pixel(window, qtbot):
    prediction = draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    pos = map_pixel(panel, "conv2", 4, 3, 6)
    click_view(panel._view.viewport(), pos, Qt.MouseButton.RightButton)
    menu = panel.step_menu
    qtbot.waitUntil(menu.isVisible)
    assert menu.actions()[0].text() == "Step through this: conv2 map 4 (3, 6)"
    menu.actions()[0].trigger()
    menu.close()
    tab = window.step_through.tab
    assert window.tabs.currentWidget() is tab and tab.current_chapter() == "convolution"
    view = tab.views["convolution"]
    assert view.layer_box.currentText() == "conv2" and view.filter_box.value() == 4
    assert view.position() == (3, 6)
    assert view.stop.total == pytest.approx(float(prediction.activations["conv2"][4, 3, 6]),
                                            rel=1e-4, abs=1e-5)


@pytest.mark.parametrize(("layer", "chapter"), [("relu1", "relu"), ("pool1", "pooling"),
                                                 ("conv1", "convolution")])
def test_the_enlarged_map_offers_step_through_this(window, qtbot, layer, chapter):
    draw_sample(window, qtbot)
    panel = window.feature_maps_panel
    pos = map_pixel(panel, layer, 2, 5, 4)
    click_view(panel._view.viewport(), pos, Qt.MouseButton.LeftButton)
    assert panel.detail.isVisible() and panel.selected.layer == layer
    qtbot.mouseClick(panel.detail.step_button, Qt.MouseButton.LeftButton)
    tab = window.step_through.tab
    assert tab.current_chapter() == chapter
    view = tab.views[chapter]
    assert view.layer_box.currentText() == layer
    if chapter == "pooling":
        assert view.map_box.value() == 2 and divmod(view.index, 14) == (5, 4)
    elif chapter == "relu":
        assert view.map_box.value() == 2
        assert view.top <= 5 < view.top + 8 and view.left <= 4 < view.left + 8
    else:
        assert view.filter_box.value() == 2 and view.position() == (5, 4)


@offscreen_menu
def test_clicking_a_kernel_steps_through_that_filter(window, qtbot):
    draw_sample(window, qtbot)
    panel = window.kernels_panel
    panel.show_layer("conv2", 5)  # one input map's slices: 16 filters, 8 a row
    image = panel._image
    x, y = 2 * 4 + 1.5, 1 * 4 + 1.5  # filter 10: second row, third column
    pos = panel._view.mapFromScene(image.mapToScene(QPointF(x, y)))
    click_view(panel._view.viewport(), pos, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.step_menu.isVisible)
    assert "conv2 filter 10, input map 5" in panel.step_menu.actions()[0].text()
    panel.step_menu.actions()[0].trigger()
    panel.step_menu.close()
    view = window.step_through.tab.views["convolution"]
    assert window.step_through.tab.current_chapter() == "convolution"
    assert (view.layer_box.currentText(), view.filter_box.value(), view.channel) == \
        ("conv2", 10, 5)
    np.testing.assert_array_equal(view.arithmetic.kernel.values,
                                  window.model.layer("conv2").params["weight"][10, 5])


def test_tab_shortcuts_and_help(window, qtbot):
    for key, widget in ((Qt.Key.Key_2, window.train_tab),
                        (Qt.Key.Key_3, window.step_through.tab),
                        (Qt.Key.Key_1, window.draw_tab)):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentWidget() is widget
    window.actions_by_name["shortcuts"].trigger()
    assert "Step through" in window.last_message[2] and "Page Down" in window.last_message[2]


def test_every_control_of_the_tab_has_a_tooltip(window, qtbot):
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QSlider, QSpinBox

    draw_sample(window, qtbot)
    tab = window.step_through.tab
    missing = [f"{w.metaObject().className()} {getattr(w, 'text', lambda: '')()!r}"
               for kind in (QAbstractButton, QComboBox, QSpinBox, QSlider)
               for w in tab.findChildren(kind)
               if not w.toolTip() and w.parent() is not None
               and w.metaObject().className() not in ("QTableCornerButton", "QToolButton")]
    assert missing == []


def test_screenshot_of_a_chapter(window, tmp_path, capsys):
    """`letterlens --screenshot PATH --view explain --chapter softmax`, past its arguments (a test
    in test_gui_window starts the real command)."""
    out = tmp_path / "softmax.png"
    assert save_screenshot(QApplication.instance(), window, str(out), "explain", "softmax") == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    step = window.step_through.tab
    assert window.tabs.currentWidget() is step and step.current_chapter() == "softmax"
    with pytest.raises(SystemExit) as refused:
        app_main(["--screenshot", str(out), "--chapter", "relu"])
    assert refused.value.code == 2
    assert "--chapter goes with --view explain" in capsys.readouterr().err


def test_screenshot_of_a_network_with_a_narrow_conv2(qtbot, tmp_path):
    """The screenshot enlarges one of conv2's maps: a conv2 of 4 filters (the Train tab's
    editor makes them) has no map 5, and the screenshot still saves, showing its last map."""
    spec = [{"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
            {"type": "relu"}, {"type": "conv2d", "out_channels": 4, "kernel_size": 3},
            {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "out_features": 26}]
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = make_window(qtbot, settings, model=build_model(spec, np.random.default_rng(0)))
    out = tmp_path / "narrow.png"
    assert save_screenshot(QApplication.instance(), window, str(out)) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    selected = window.feature_maps_panel.selected
    assert (selected.layer, selected.channel) == ("conv2", 3)
