"""Untrusted text stays text: a model's name from a file shows literally (never as markup),
long names are elided (the full one, capped, in a tooltip), and nothing renders for minutes."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from cnn import checkpoint
from cnn.model import build_model
from gui import untrusted
from tests.test_gui_window import make_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
MARKUP = "<h1>big</h1><img src=x><a href='y'>link</a>"


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    w.train_tab._ask_save_on_close = lambda: "discard"
    return w


def model_named(tmp_path, name: str):
    path = tmp_path / "named.npz"
    checkpoint.save(build_model("small", np.random.default_rng(0)), path,
                    {"name": name, "val_accuracy": 0.5})
    return path


def test_a_name_with_markup_shows_literally_everywhere(window, qtbot, tmp_path):
    assert window.open_model(model_named(tmp_path, MARKUP))
    label = window.model_label
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == f"Model: {untrusted.elide(MARKUP)}"
    assert "&lt;h1&gt;big" in label.toolTip()  # shown as the characters, not a heading
    window.actions_by_name["about"].trigger()
    card = window.last_message[2]
    assert "&lt;h1&gt;big&lt;/h1&gt;&lt;img" in card and "<h1>" not in card
    window.tabs.setCurrentWidget(window.train_tab)
    current = window.train_tab.setup.current_label
    assert current.textFormat() == Qt.TextFormat.PlainText and "<h1>big</h1>" in current.text()
    window.train_tab.save_model_as(tmp_path / "<h1>x.npz")  # the tab's status quotes the path
    status = window.train_tab.status.text()
    assert "&lt;h1&gt;x.npz" in status and "<h1>" not in status


def test_refusals_quote_names_as_text(window, tmp_path):
    bad = tmp_path / "<img src=x>.npz"
    bad.write_bytes(b"not a model")
    assert not window.open_model(bad)
    assert "<img src=x>.npz" in window.last_message[2]  # shown in a plain-text message box
    window.train_tab.show_message("warning", "<b>title", "<h1>text")
    banner = window.train_tab.banner.text()
    assert "&lt;b&gt;title" in banner and "&lt;h1&gt;text" in banner


def test_a_five_million_character_name_opens_and_about_renders_short(window, tmp_path):
    name = "W" * 5_000_000
    assert window.open_model(model_named(tmp_path, name))
    text = window.model_label.text()
    assert text.startswith("Model: WWW") and text.endswith(untrusted.ELLIPSIS)
    assert len(text) <= len("Model: ") + untrusted.NAME_CHARS
    assert len(window.model_label.toolTip()) < untrusted.TOOLTIP_CHARS + 20
    window.actions_by_name["about"].trigger()
    card = window.last_message[2]
    assert "WWW" in card and len(card) < 5_000
    window.tabs.setCurrentWidget(window.train_tab)
    assert len(window.train_tab.setup.current_label.text()) < 200
    saved = window.train_tab.default_save_path()  # a file name made from it stays short
    assert len(saved.name) <= 64 and saved.parent == tmp_path  # the folder opened from


def test_a_name_cannot_choose_where_the_model_is_saved(window, tmp_path):
    assert window.open_model(model_named(tmp_path, "../../etc/passwd"))
    path = window.train_tab.default_save_path()
    # The folder it was opened from, whatever its name says.
    assert path.parent == tmp_path and "/" not in path.name and path.name.endswith(".npz")


def test_elide_keeps_names_on_one_line():
    assert untrusted.elide("a\nb\tc\x00d") == "a b c d"
    assert untrusted.elide("x" * 100, 10) == "x" * 9 + untrusted.ELLIPSIS
    assert untrusted.tooltip("<b>") == "<qt>&lt;b&gt;</qt>"
