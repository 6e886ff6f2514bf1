"""The Step through tab: the chapter list on the left, the chosen chapter on the right.

It is given the Draw tab's prediction (`set_context`); only the chapter on screen recomputes,
the others when they are next shown. Space, Left, Right and Home drive the chapter's player
(unless the focused control uses the key: Space on a button presses it); Page Up and Page Down
change chapter.
"""

from collections.abc import Iterator, Mapping

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QApplication,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.step_through.backprop_view import BackpropView
from gui.step_through.base import ChapterView, Context, caption
from gui.step_through.chapters import KEYS, ChapterList
from gui.step_through.convolution_view import ConvolutionView
from gui.step_through.dense_view import DenseView
from gui.step_through.flatten_view import FlattenView
from gui.step_through.init_view import InitView
from gui.step_through.input_view import InputView
from gui.step_through.loss_view import LossView
from gui.step_through.player import Player
from gui.step_through.pooling_view import PoolingView
from gui.step_through.relu_view import ReluView
from gui.step_through.softmax_view import SoftmaxView
from gui.step_through.truth import Truth
from gui.type_to_find import keep_typing_keys

# Each chapter's view, in the article's order; made the first time it is shown.
_VIEWS = {"input": InputView, "convolution": ConvolutionView, "relu": ReluView,
          "pooling": PoolingView, "flatten": FlattenView, "fully-connected": DenseView,
          "softmax": SoftmaxView, "loss": LossView, "backpropagation": BackpropView,
          "initialisation": InitView}
assert list(_VIEWS) == KEYS
# The tab's player keys that a focused control uses itself: Space presses a button the person
# tabbed to, the arrows move a slider, switch a page tab, walk a table or scroll a zoomed grid.
_OWN_KEYS = ((QAbstractButton, {Qt.Key.Key_Space}),
             (QAbstractSlider, {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home}),
             (QTabBar, {Qt.Key.Key_Left, Qt.Key.Key_Right}),
             (QTableView, {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home}),
             (QScrollArea, {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home}))
NOTHING_YET = ("Nothing to step through yet: draw a letter on the Draw tab, and every chapter "
               "here will show the arithmetic on it.")


class ChapterViews(Mapping):
    """The chapters' views by key, each built the first time it is asked for: ten pages of
    plots cost the window's start-up a fifth of a second, and a session shows few of them."""

    def __init__(self, make):
        self._make = make
        self._made: dict[str, ChapterView] = {}

    def __getitem__(self, key: str) -> ChapterView:
        if key not in _VIEWS:
            raise KeyError(key)
        if key not in self._made:
            self._made[key] = self._make(key)
        return self._made[key]

    def __iter__(self) -> Iterator[str]:
        return iter(_VIEWS)

    def __len__(self) -> int:
        return len(_VIEWS)

    def made(self) -> list[ChapterView]:
        """The views built so far (the others start from the current context when built)."""
        return list(self._made.values())


class StepThroughTab(QWidget):
    """`set_context(ctx)`, `show_chapter(key)`, `open_at(key, **position)`."""

    keep_requested = Signal(object)  # a BackpropStep the person wants the app's model to take
    sample_requested = Signal()  # draw the sample letter on the canvas
    draw_requested = Signal()  # go to the Draw tab
    chapter_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("stepThroughTab")
        # Its keys are limited to the tab, so a click anywhere in a chapter (on grids and
        # pictures that take no focus themselves) gives the tab the keyboard.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.truth = Truth(self)
        self.chapters = ChapterList()
        self.views = ChapterViews(self._make_view)
        self.stack = QStackedWidget()
        self.empty = self._empty_page()
        self.stack.addWidget(self.empty)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.chapters)
        row.addWidget(self.stack, 1)
        self.ctx: Context | None = None
        self._key = KEYS[0]
        self.chapters.chapter_chosen.connect(self.show_chapter)
        self._create_shortcuts()
        self.chapters.select(KEYS[0])

    def _make_view(self, key: str) -> ChapterView:
        kind = _VIEWS[key]
        view = kind(self.truth) if kind in (LossView, BackpropView) else kind()
        if isinstance(view, BackpropView):
            view.keep_requested.connect(self.keep_requested)
        keep_typing_keys(view)  # its drop-downs pick items with letters, as the window's do
        self.stack.addWidget(view)
        if self.ctx is not None:
            view.set_context(self.ctx)
        return view

    def _empty_page(self) -> QWidget:
        page = QWidget()
        sample = self.sample_button = QPushButton("Draw the sample letter")
        sample.setToolTip("Put the sample R on the Draw tab's canvas and step through it")
        sample.clicked.connect(self.sample_requested)
        draw = QPushButton("Go to the Draw tab")
        draw.setToolTip("Draw your own letter (Ctrl+1)")
        draw.clicked.connect(self.draw_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(sample)
        buttons.addWidget(draw)
        buttons.addStretch(1)
        v = QVBoxLayout(page)
        v.addStretch(1)
        text = self.empty_text = caption(NOTHING_YET, size=self.font().pointSizeF() + 3)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        v.addWidget(text)
        v.addLayout(buttons)
        v.addStretch(2)
        return page

    def _create_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        keys = {
            Qt.Key.Key_Space: lambda p: p.toggle(),
            Qt.Key.Key_Right: lambda p: p.step(1),
            Qt.Key.Key_Left: lambda p: p.step(-1),
            Qt.Key.Key_Home: lambda p: p.restart(),
        }
        self.shortcuts = []
        for key, act in keys.items():
            shortcut = QShortcut(QKeySequence(key), self, context=context)
            shortcut.activated.connect(lambda act=act: self._drive_player(act))
            self.shortcuts.append(shortcut)
        for key, step in ((Qt.Key.Key_PageDown, 1), (Qt.Key.Key_PageUp, -1)):
            shortcut = QShortcut(QKeySequence(key), self, context=context)
            shortcut.activated.connect(lambda step=step: self.move_chapter(step))
            self.shortcuts.append(shortcut)

    # --- public --------------------------------------------------------------------------------

    def set_context(self, ctx: Context) -> None:
        """A new drawing or model: every chapter is out of date, the one on screen recomputes."""
        self.ctx = ctx
        for view in self.views.made():
            view.set_context(ctx)
        # After the views have the new context: a choice it forgets refreshes them on it.
        self.truth.follow(ctx.image if ctx.ready else None)
        self._show_current()

    def take_keyboard(self) -> None:
        """Give the tab the keyboard unless a widget inside it has it already (on switching to
        the tab, focus would otherwise stay on the tab bar, where none of its keys work)."""
        focus = QApplication.focusWidget()
        if focus is None or not (focus is self or self.isAncestorOf(focus)):
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_chapter(self) -> str:
        return self._key

    def current_view(self) -> ChapterView:
        return self.views[self._key]

    def show_chapter(self, key: str) -> None:
        if key not in self.views:
            raise ValueError(f"no chapter {key!r}; chapters are {KEYS}")
        if key != self._key:
            self.pause_players()
        self._key = key
        if self.chapters.key() != key:
            self.chapters.select(key)
        self._show_current()
        self.chapter_changed.emit(key)

    def open_at(self, key: str, **position) -> None:
        """Show chapter `key` at a given place (layer, channel, row, col, filter)."""
        self.show_chapter(key)
        if self.ctx is not None and self.ctx.ready:
            self.views[key].open_at(**position)

    def move_chapter(self, step: int) -> None:
        i = min(max(KEYS.index(self._key) + step, 0), len(KEYS) - 1)
        self.show_chapter(KEYS[i])

    def active_player(self) -> Player | None:
        view = self.views[self._key]
        if isinstance(view, ConvolutionView) and view.pages.currentIndex() == 1:
            return view.playground.player
        return view.player

    def pause_players(self) -> None:
        """Stop every animation, on pages out of sight too: none runs where no one watches."""
        for view in self.views.made():
            view.pause()

    # --- internals -----------------------------------------------------------------------------

    def _show_current(self) -> None:
        ready = self.ctx is not None and self.ctx.ready
        prediction = None if self.ctx is None else self.ctx.prediction
        if prediction is not None and prediction.too_small:  # ink, but nothing read
            self.empty_text.setText(f"{prediction.too_small_text()} Then every chapter here "
                                    "will show the arithmetic on it.")
        else:
            self.empty_text.setText(NOTHING_YET)
        view = self.views[self._key]
        shown = view if ready else self.empty
        # Only the page in sight sets the tab's least size: a chapter paged past before its
        # layout settled kept a stale least width, and in a narrow window it squeezed the
        # chapter list on every other chapter (a scroll bar, 'Cross-entropy los').
        for i in range(self.stack.count()):
            page = self.stack.widget(i)
            policy = (QSizePolicy.Policy.Preferred if page is shown
                      else QSizePolicy.Policy.Ignored)
            page.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(shown)
        if ready and self.isVisible():
            view.refresh_if_stale()

    def _drive_player(self, act) -> None:
        player = self.active_player()
        if player is not None and self.stack.currentWidget() is not self.empty:
            act(player)

    def event(self, event: QEvent) -> bool:
        # A key the focused control did not claim comes up here before the shortcuts see it.
        if event.type() == QEvent.Type.ShortcutOverride:
            focus = QApplication.focusWidget()
            if any(isinstance(focus, kind) and event.key() in keys for kind, keys in _OWN_KEYS):
                event.accept()  # the control gets the key: the player's shortcut does not fire
                return True
        return super().event(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._show_current()

    def hideEvent(self, event) -> None:
        self.pause_players()  # no animation runs behind another tab
        super().hideEvent(event)
