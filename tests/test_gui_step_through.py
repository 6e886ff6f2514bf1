"""The Step through tab, driven as a person would (pytest-qt, headless): chapters switch, the
window steps by the stride, clicks jump, Play fills the map, the playground follows the formula,
and only "Keep this step" changes the app's model."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cnn import explain
from gui.replay import send_stroke
from gui.step_through.chapters import KEYS
from gui.step_through.player import SPEEDS, Player
from gui.step_through.shading import number
from tests.step_through_helpers import (
    STRIDED,
    click_cell,
    click_chapter,
    open_tab,
    press,
    window_with,
)
from tests.test_gui_window import draw_sample

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot, tmp_path):
    return window_with(qtbot, tmp_path)


@pytest.fixture
def strided(qtbot, tmp_path):
    return window_with(qtbot, tmp_path, STRIDED, seed=2)


def test_chapters_switch_and_only_the_one_on_screen_recomputes(window, qtbot):
    tab = window.step_through.tab
    assert not tab.isVisible()
    draw_sample(window, qtbot)
    assert all(v.refreshes == 0 for v in tab.views.values())  # hidden: nothing computed
    open_tab(window, qtbot)
    assert not any(d.isVisible() for d in window.docks.values())  # the tab has the room
    for key in KEYS:
        click_chapter(tab, qtbot, key)
        view = tab.views[key]
        assert tab.stack.currentWidget() is view and view.refreshes == 1, key
    press(qtbot, tab, Qt.Key.Key_PageUp)
    assert tab.current_chapter() == KEYS[-2]
    press(qtbot, tab, Qt.Key.Key_PageDown)
    assert tab.current_chapter() == KEYS[-1]
    counts = {k: v.refreshes for k, v in tab.views.items()}
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.draw_tab
    assert window.docks["feature_maps_dock"].isVisible()
    window.canvas.clear()
    draw_sample(window, qtbot)
    assert {k: v.refreshes for k, v in tab.views.items()} == counts
    open_tab(window, qtbot)  # back at the chapter it showed: that one catches up
    after = {k: v.refreshes for k, v in tab.views.items()}
    assert {k for k in KEYS if after[k] != counts[k]} == {KEYS[-1]}
    click_chapter(tab, qtbot, "softmax")
    assert {k for k, v in tab.views.items() if v.refreshes != after[k]} == {"softmax"}


def test_a_blank_canvas_offers_the_sample_letter(window, qtbot):
    tab = open_tab(window, qtbot, "convolution")
    assert tab.stack.currentWidget() is tab.empty
    with qtbot.waitSignal(window.predictor.predicted):
        qtbot.mouseClick(tab.sample_button, Qt.MouseButton.LeftButton)
    assert not window.predictor.last.blank
    assert tab.stack.currentWidget() is tab.views["convolution"]


def test_step_moves_the_window_by_the_stride_and_the_sum_is_the_activation(strided, qtbot):
    window = strided
    prediction = draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    layer = window.model.layer("conv1")
    s, p, k = layer.stride, layer.padding, layer.kernel_size
    out = prediction.activations["conv1"][0]
    press(qtbot, tab, Qt.Key.Key_Home)
    assert view.index == 0 and (view.stop.top, view.stop.left) == (-p, -p)
    assert view.stop.in_padding[0].all()  # the first stop lies partly on the padding
    wo = out.shape[1]
    for i in range(1, wo + 2):
        before = (view.stop.top, view.stop.left)
        press(qtbot, tab, Qt.Key.Key_Right)
        row, col = divmod(i, wo)
        assert view.position() == (row, col)
        if col:  # along a row: the stride to the right
            assert (view.stop.top, view.stop.left) == (before[0], before[1] + s)
        else:  # a new row: the stride down, back to the left edge
            assert (view.stop.top, view.stop.left) == (before[0] + s, -p)
        assert view.stop.total == pytest.approx(float(out[row, col]), rel=1e-4, abs=1e-5)
        assert view.input_grid.marks[0].row == view.stop.top
        assert (view.input_grid.marks[0].rows, view.input_grid.marks[0].cols) == (k, k)
    press(qtbot, tab, Qt.Key.Key_Left)
    assert view.position() == divmod(wo, wo)
    shown = view.output_grid.values.reshape(-1)
    assert np.isnan(shown[view.index + 1:]).all()  # the map has grown to this stop only
    np.testing.assert_allclose(shown[:view.index + 1], out.reshape(-1)[:view.index + 1])
    total = view.arithmetic.total_line.text()
    assert total.endswith(f"= output {number(view.stop.total, 3)}")


def test_clicking_an_output_pixel_jumps_there_and_play_fills_the_map(window, qtbot):
    prediction = draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    view.filter_box.setValue(3)
    out = prediction.activations["conv1"][3]
    click_cell(qtbot, view.output_grid, 12, 17)
    assert view.position() == (12, 17)
    stop = view.stop
    assert (stop.filter, stop.row, stop.col) == (3, 12, 17)
    assert stop.total == pytest.approx(float(out[12, 17]), rel=1e-4, abs=1e-5)
    np.testing.assert_array_equal(view.arithmetic.products.values, stop.products[0])
    # Clicking the input centres the window on that pixel.
    click_cell(qtbot, view.input_grid, 5, 9)
    assert view.position() == (5, 9) and (view.stop.top, view.stop.left) == (4, 8)
    player = view.player
    player.speed.setValue(len(SPEEDS) - 1)
    with qtbot.waitSignal(player.playing_changed, timeout=20_000,
                          check_params_cb=lambda playing: not playing):
        press(qtbot, tab, Qt.Key.Key_Space)
    assert view.index == out.size - 1 and player.frames > 1
    np.testing.assert_allclose(view.output_grid.values, out, rtol=1e-6)
    assert player.play_button.text() == "Play"


def test_play_button_says_what_a_click_will_do_with_an_icon_not_a_glyph(qtbot):
    player = Player()
    qtbot.addWidget(player)
    buttons = (player.restart_button, player.back_button, player.play_button, player.step_button)
    assert all(not b.icon().isNull() for b in buttons)
    assert all(b.text().isascii() for b in buttons)  # no symbol a font may lack
    play_icon = player.play_button.icon().cacheKey()
    player.play()
    assert player.play_button.text() == "Pause"
    assert player.play_button.icon().cacheKey() != play_icon
    player.pause()
    assert player.play_button.text() == "Play" and not player.is_playing()


def test_deeper_layers_show_one_input_map_at_a_time_and_the_running_sum(window, qtbot):
    prediction = draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    view.layer_box.setCurrentText("conv2")
    assert view.channel_box.isVisible()
    view.by_channel.setChecked(True)
    x = prediction.activations["pool1"]
    press(qtbot, tab, Qt.Key.Key_Home)
    for c in range(1, 4):
        press(qtbot, tab, Qt.Key.Key_Right)
        assert view.channel == c and view.index == 0
        np.testing.assert_array_equal(view.input_grid.values, x[c])
        running = view.stop.running_sums[c]
        assert f"maps 0–{c}: {number(running, 3)};" in view.arithmetic.channel_line.text()
    assert view.stop.total == pytest.approx(float(prediction.activations["conv2"][0, 0, 0]),
                                            rel=1e-4, abs=1e-5)
    channels = x.shape[0]
    for _ in range(channels - 3):
        press(qtbot, tab, Qt.Key.Key_Right)
    assert (view.index, view.channel) == (1, 0)  # all maps done: on to the next stop


def test_playground_output_size_follows_the_formula(window, qtbot):
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    view.pages.setCurrentIndex(1)
    ground = view.playground
    k = 3
    for source in (ground.toy_button, ground.letter_button):
        qtbot.mouseClick(source, Qt.MouseButton.LeftButton)
        n = 7 if source is ground.toy_button else 28
        for s in (1, 2, 3):
            ground.stride_box.setCurrentText(str(s))
            for p in (0, 1, 2):
                ground.padding_box.setCurrentText(str(p))
                size = (n + 2 * p - k) // s + 1
                assert ground.output_grid.values.shape == (size, size)
                assert ground.input_grid.grid_shape() == (n + 2 * p, n + 2 * p)
                assert f"= {size}  →  {size}×{size}" in ground.formula.text()
                assert ground.window_top_left() == (-p, -p)
                press(qtbot, tab, Qt.Key.Key_Right)  # the playground's own player
                assert ground.window_top_left() == (-p, -p + s)
    ground.filter_box.setValue(4)
    conv1 = window.model.layer("conv1")
    np.testing.assert_allclose(ground.output, explain.convolve(
        window.predictor.last.pre.image, conv1.params["weight"][4, 0], 3, 2,
        conv1.params["bias"][4]))


def test_keep_this_step_changes_the_model_and_nothing_else_does(window, qtbot):
    prediction = draw_sample(window, qtbot)
    model = window.model
    state = model.state_dict()

    def unchanged(what):
        assert window.model is model, what
        for key, value in window.model.state_dict().items():
            np.testing.assert_array_equal(value, state[key], err_msg=what)

    tab = open_tab(window, qtbot)
    actions = {
        "input": lambda v: v.zoom.set_level(2),
        "convolution": lambda v: (press(qtbot, tab, Qt.Key.Key_Right),
                                  click_cell(qtbot, v.output_grid, 3, 3),
                                  v.layer_box.setCurrentText("conv2"),
                                  v.pages.setCurrentIndex(1),
                                  v.playground.stride_box.setCurrentText("2")),
        "relu": lambda v: press(qtbot, tab, Qt.Key.Key_Right),
        "pooling": lambda v: press(qtbot, tab, Qt.Key.Key_Right),
        "flatten": lambda v: press(qtbot, tab, Qt.Key.Key_Right),
        "fully-connected": lambda v: v.layer_box.setCurrentText("fc1"),
        "softmax": lambda v: v.sort_box.setChecked(True),
        "loss": lambda v: tab.truth.choose(1),
        "backpropagation": lambda v: v.rate_box.setCurrentText("0.1"),
        "initialisation": lambda v: qtbot.mouseClick(v.reinit_button,
                                                     Qt.MouseButton.LeftButton),
    }
    for key, act in actions.items():
        click_chapter(tab, qtbot, key)
        act(tab.views[key])
        unchanged(key)
    assert tab.views["loss"].loss == pytest.approx(-np.log(prediction.probs[1]))

    click_chapter(tab, qtbot, "backpropagation")
    view = tab.views["backpropagation"]
    step = view.step
    assert step.true == 1 and step.lr == 0.1 and step.base is model
    with qtbot.waitSignal(window.predictor.model_changed):
        qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    assert window.model is step.model and window.model is not model
    assert window.predictor.meta["taught_drawings"] == 1
    assert "(unsaved)" in window.predictor.name
    changed = window.model.state_dict()
    assert any(not np.array_equal(changed[k], state[k]) for k in state)
    np.testing.assert_allclose(window.predictor.last.probs, step.probs_after, rtol=1e-5)
    assert "after 1 backprop step;" in window.teach_bar.results.text()
    assert view.step.base is window.model  # worked out again on the new network


def test_keep_this_step_waits_for_a_training_run(window, qtbot, monkeypatch):
    draw_sample(window, qtbot)
    model = window.model
    tab = open_tab(window, qtbot, "backpropagation")
    view = tab.views["backpropagation"]
    monkeypatch.setattr(window.train_tab, "is_running", lambda: True)
    qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    assert window.model is model and "Stop the run first" in view.status.text()


def test_no_animation_plays_out_of_sight(window, qtbot):
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    view.player.play()
    view.pages.setCurrentIndex(1)  # the playground: the filter's page goes out of sight
    assert not view.player.is_playing()
    view.playground.player.play()
    click_chapter(tab, qtbot, "relu")
    assert not view.playground.player.is_playing()
    click_chapter(tab, qtbot, "convolution")
    view.pages.setCurrentIndex(0)
    view.player.play()
    press(qtbot, tab, Qt.Key.Key_Space)  # Space pauses what is in sight
    assert not view.player.is_playing()
    view.player.play()
    window.tabs.setCurrentIndex(0)  # back to Draw
    assert not view.player.is_playing()


def test_steps_kept_on_one_drawing_count_as_steps_not_drawings(window, qtbot):
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "backpropagation")
    view = tab.views["backpropagation"]
    for _ in range(4):
        with qtbot.waitSignal(window.predictor.model_changed):
            qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    meta = window.predictor.meta
    assert meta["taught_drawings"] == 1 and meta["taught_steps"] == 4
    assert "taught 1 drawing (4 steps)" in window.predictor.name
    with qtbot.waitSignal(window.predictor.predicted):  # one more stroke: another drawing
        send_stroke(window.canvas, [(60, 60), (90, 90), (120, 120)])
    with qtbot.waitSignal(window.predictor.model_changed):
        qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    assert "taught 2 drawings (5 steps)" in window.predictor.name


def test_the_tabs_keys_work_as_soon_as_it_is_shown_and_after_a_click_in_a_chapter(window,
                                                                                 qtbot):
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus needs it active
    draw_sample(window, qtbot)

    def key(k) -> None:  # as the keyboard does: to the widget that has the focus
        qtbot.keyClick(QApplication.focusWidget(), k)

    tab = open_tab(window, qtbot)  # Ctrl+3, the focus on the tab bar
    key(Qt.Key.Key_PageDown)
    assert tab.current_chapter() == "convolution"
    view = tab.views["convolution"]
    key(Qt.Key.Key_Right)
    assert view.index == 1
    # Back to Draw, then a click on the tab's title.
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton,
                     pos=bar.tabRect(window.step_through.index).center())
    assert window.tabs.currentWidget() is tab
    key(Qt.Key.Key_Right)
    assert view.index == 2
    # The focus taken away (onto the tab bar), a click on the map gives the keys back.
    bar.setFocus()
    click_cell(qtbot, view.output_grid, 0, 5)
    key(Qt.Key.Key_Left)
    assert view.position() == (0, 4)


def test_play_map_by_map_goes_on_from_the_last_stop_and_starts_over_from_its_first(window,
                                                                                  qtbot):
    """Map by map, the last stop still has its other input maps to show: Play there used to
    jump back to the first stop; and from the very end it started on the second stop, past
    the first one's maps."""
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    view.layer_box.setCurrentText("conv2")
    qtbot.mouseClick(view.by_channel, Qt.MouseButton.LeftButton)
    assert view.by_channel.isChecked()
    ho, wo = view.map_shape
    click_cell(qtbot, view.output_grid, ho - 1, wo - 1)
    assert (view.index, view.channel) == (ho * wo - 1, 0)
    view.player.speed.setValue(0)  # a stop a second: only Play's first stop comes at once
    press(qtbot, tab, Qt.Key.Key_Space)
    assert view.player.is_playing()
    assert (view.index, view.channel) == (ho * wo - 1, 1)  # on through the maps
    press(qtbot, tab, Qt.Key.Key_Space)
    maps = view.layer.in_channels
    for _ in range(maps):
        press(qtbot, tab, Qt.Key.Key_Right)
    assert (view.index, view.channel) == (ho * wo - 1, maps - 1)  # the very end
    press(qtbot, tab, Qt.Key.Key_Space)
    assert (view.index, view.channel) == (0, 1)  # the first stop's maps, from the start
    press(qtbot, tab, Qt.Key.Key_Space)


def test_a_control_reached_with_tab_takes_its_own_keys_not_the_players(window, qtbot):
    """Space on the Step button the person tabbed to played the animation instead, and the
    arrows on the speed slider moved the window: the tab's keys took them from the control."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus needs it active
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "convolution")
    view = tab.views["convolution"]
    player = view.player

    def key_on(widget, k) -> None:  # tabbed to, then a key, as the keyboard sends it
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        assert QApplication.focusWidget() is widget
        qtbot.keyClick(widget, k)

    key_on(player.step_button, Qt.Key.Key_Space)
    key_on(player.step_button, Qt.Key.Key_Space)
    assert view.index == 2 and not player.is_playing()
    key_on(player.back_button, Qt.Key.Key_Space)
    assert view.index == 1 and not player.is_playing()
    key_on(player.restart_button, Qt.Key.Key_Space)
    assert view.index == 0 and not player.is_playing()
    speed = player.speed.value()
    key_on(player.speed, Qt.Key.Key_Left)
    assert player.speed.value() == speed - 1 and view.index == 0
    # Where no control wants it, the key still drives the player.
    key_on(tab.chapters, Qt.Key.Key_Right)
    assert view.index == 1


def test_ctrl_plus_zooms_the_input_grid_in_as_its_tip_says(window, qtbot):
    """The + button's tip says Ctrl++, but only Ctrl+= worked: Ctrl++ and the keypad's plus
    did nothing, while Ctrl+− on either zoomed out."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus needs it active
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot, "input")
    zoom = tab.views["input"].zoom
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(tab.chapters, Qt.Key.Key_Plus, ctrl)
    qtbot.waitUntil(lambda: zoom.level == 1)  # animateClick clicks a moment later
    qtbot.keyClick(tab.chapters, Qt.Key.Key_Plus, ctrl | Qt.KeyboardModifier.KeypadModifier)
    qtbot.waitUntil(lambda: zoom.level == 2)
    qtbot.keyClick(tab.chapters, Qt.Key.Key_Equal, ctrl)
    qtbot.waitUntil(lambda: zoom.level == 3)
    qtbot.keyClick(tab.chapters, Qt.Key.Key_Minus, ctrl)
    qtbot.waitUntil(lambda: zoom.level == 2)


def test_tab_passes_the_charts_by_on_every_chapter(window, qtbot):
    """The softmax, loss, backpropagation and initialisation charts were Tab stops where no key
    did anything and the focus showed nowhere."""
    from PySide6.QtWidgets import QGraphicsView

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus needs it active
    draw_sample(window, qtbot)
    tab = open_tab(window, qtbot)
    for key in ("softmax", "loss", "backpropagation", "initialisation"):
        click_chapter(tab, qtbot, key)
        charts = [w for w in tab.views[key].findChildren(QGraphicsView) if w.isVisible()]
        assert charts, key
        tab.chapters.setFocus()
        seen = []
        for _ in range(25):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            seen.append(QApplication.focusWidget())
        assert not [w for w in seen if w in charts], key
        assert len(set(seen)) > 1, key  # Tab went somewhere
