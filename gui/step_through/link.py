"""Joins the Step through tab to the main window: the Draw tab's predictions in, "Step through
this" from the docks, "Keep this step" out through the teach path, and the tab shortcuts."""

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from cnn.explain import BackpropStep
from gui.predictor import Prediction
from gui.step_through.base import Context
from gui.step_through.tab import StepThroughTab

TITLE = "Step through"

# What a clicked unit of each layer kind opens: the chapter that shows how it was computed.
CHAPTER_OF_KIND = {"conv2d": "convolution", "relu": "relu", "maxpool2d": "pooling",
                   "flatten": "flatten", "linear": "fully-connected"}


class StepThroughLink(QObject):
    """Owns `tab` for `window` (a MainWindow) and the actions that switch tabs."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self._window = window
        self.tab = StepThroughTab()
        self.tab.setMinimumSize(1, 1)  # as the Train tab: never squeeze the Draw tab's docks
        self.index = window.add_tab(self.tab, TITLE)
        window.tabs.setTabToolTip(self.index, "The arithmetic of every layer, step by step, "
                                  "on your drawing (Ctrl+3)")
        self.tab_actions = self._create_actions()
        self._connect_signals()

    def _create_actions(self) -> list[QAction]:
        w = self._window
        actions = []
        for key, text, target in (("Ctrl+1", "&Draw", lambda: w.draw_tab),
                                  ("Ctrl+2", "&Train", lambda: w.train_tab),
                                  ("Ctrl+3", "&Step through", lambda: self.tab)):
            action = QAction(f"Go to {text}", w)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"Show the {text.replace('&', '')} tab ({key})")
            action.triggered.connect(lambda _=False, t=target: w.tabs.setCurrentWidget(t()))
            w.addAction(action)  # a window shortcut, whichever tab is shown
            actions.append(action)
        return actions

    def _connect_signals(self) -> None:
        w = self._window
        w.predictor.predicted.connect(self._on_predictor_predicted)
        w.feature_maps_panel.step_through_requested.connect(self.open_map_point)
        w.kernels_panel.step_through_requested.connect(self.open_kernel)
        self.tab.keep_requested.connect(self.keep_step)
        self.tab.sample_requested.connect(self._on_tab_sample_requested)
        self.tab.draw_requested.connect(lambda: w.tabs.setCurrentWidget(w.draw_tab))
        w.tabs.currentChanged.connect(self._on_tabs_current_changed)

    # --- for the window ------------------------------------------------------------------------

    def show_chapter(self, key: str, **position) -> None:
        """Switch to the tab at chapter `key`, at `position` (layer, channel, row, col, …)."""
        self._window.tabs.setCurrentWidget(self.tab)
        self.tab.open_at(key, **position)

    def open_map_point(self, point) -> None:
        """'Step through this' on a feature-map pixel (a MapPoint)."""
        kind = self._window.model.layer(point.layer).kind
        self.show_chapter(CHAPTER_OF_KIND.get(kind, "input"), layer=point.layer,
                          channel=point.channel, filter=point.channel, row=point.row,
                          col=point.col)

    def open_kernel(self, layer: str, filter: int, channel: int) -> None:
        """'Step through this' on a kernel: that filter sliding over its input."""
        h, w = self._window.model.output_shapes()[layer][1:]
        self.show_chapter("convolution", layer=layer, filter=filter, channel=channel,
                          row=h // 2, col=w // 2)

    def keep_step(self, step: BackpropStep) -> bool:
        """Give the app's model the step worked out on the Backpropagation page, through the
        teach bar's path (same metadata, same before/after report). False if refused."""
        w = self._window
        view = self.tab.views["backpropagation"]
        if step.base is not w.model:
            view.say("The network changed since this step was worked out; here it is again on "
                     "the current network.")
            view.refresh()
            return False
        if w.train_tab.is_running():
            view.say("Training is running on the Train tab: its next weights would replace "
                     "this step. Stop the run first.")
            return False
        if not w.teach.keep_step(step.model, view.ctx.image, step.true, step.probs_before,
                                 step.probs_after):
            view.say("The network is being taught something else; try again in a moment.")
            return False
        view.say("Kept: the app's network took this step (unsaved; File › Save model as… "
                 "keeps it).")
        return True

    # --- slots ---------------------------------------------------------------------------------

    def _on_predictor_predicted(self, prediction: Prediction) -> None:
        p = self._window.predictor
        self.tab.set_context(Context(p.model, p.meta, prediction,
                                     lambda: self._window.canvas.thumbnail()[0]))

    def _on_tabs_current_changed(self, _index: int) -> None:
        # By Ctrl+3 or a click on the tab bar: the tab's keys work at once.
        if self._window.tabs.currentWidget() is self.tab:
            self.tab.take_keyboard()

    def _on_tab_sample_requested(self) -> None:
        from gui.sample_letter import sample_strokes

        canvas = self._window.canvas
        canvas.set_strokes(sample_strokes(canvas.width(), canvas.height()), width=16)

    def show_screenshot(self, chapter: str) -> None:
        """The tab at `chapter` for `--screenshot`: a sliding window stopped half way."""
        self.show_chapter(chapter)
        view = self.tab.current_view()
        if hasattr(view, "stops") and hasattr(view, "go_to"):
            view.go_to(view.stops() * 11 // 20, reveal_all=True)
