"""The main window: the Draw and Train tabs in the middle, the panels docked around the Draw
tab, menus, settings."""

import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from cnn.model import Sequential
from cnn.paths import DEFAULT_MODEL
from gui import about, logs, window_settings
from gui.actions import create_actions, create_menus
from gui.draw_tab import DrawTab
from gui.layout import MINIMUM_SIZE, LayoutFollower, apply_default_layout, first_run_size
from gui.models import LoadedModel
from gui.panels.feature_maps_panel import FeatureMapsPanel
from gui.panels.guide_panel import GuidePanel
from gui.panels.input_panel import InputPanel
from gui.panels.kernels_panel import KernelsPanel
from gui.panels.prediction_panel import PredictionPanel
from gui.panels.saliency_panel import SaliencyPanel
from gui.predictor import Prediction, Predictor
from gui.step_through.link import StepThroughLink
from gui.throttle import Throttle
from gui.training_link import TrainingLink
from gui.type_to_find import keep_typing_keys
from gui.untrusted import cap, elide
from gui.window_files import WindowFiles
from gui.window_panels import WindowPanels

log = logging.getLogger(__name__)

PREDICT_INTERVAL_MS = 33  # at most ~30 predictions a second while a stroke grows


class MainWindow(WindowFiles, WindowPanels, QMainWindow):
    """Draw a letter and watch every layer read it. `set_model` swaps weights in live."""

    model_changed = Signal()

    def __init__(self, loaded: LoadedModel, settings: QSettings | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("LetterLens")
        # The docks' own minimums would let the window shrink until they draw over each other.
        self.setMinimumSize(*MINIMUM_SIZE)
        self._settings = settings if settings is not None else window_settings.user_settings()
        self.predictor = Predictor(loaded.model, loaded.meta, loaded.name, self)
        self.model_path: Path | None = loaded.path  # the file of the weights shown, if any
        self.last_file: Path | None = loaded.path  # the file to open next time
        self._throttle = Throttle(self._predict, PREDICT_INTERVAL_MS, self)
        self.last_message: tuple[str, str, str] | None = None
        self.startup_notes: list[str] = [loaded.note] if loaded.note else []
        self._create_actions()
        self._create_central_widget()
        self._create_docks()
        self._create_training()
        self._create_step_through()
        self._create_menus()
        self._create_status_bar()
        self._connect_signals()
        keep_typing_keys(self)  # P or E on a drop-down box picks an item, not the pen
        apply_default_layout(self, self.docks)  # the base a saved layout is restored onto
        self._restore_settings()
        self._on_predictor_model_changed()
        self.startup_notes += self.training.notes()
        if self.startup_notes:
            # Until the next message: a note about the person's files should not slip away.
            self.statusBar().showMessage(elide(" · ".join(self.startup_notes), 300))

    # --- construction --------------------------------------------------------------------------

    def _create_actions(self) -> None:
        self.actions_by_name = create_actions(self)

    def _create_central_widget(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.draw_tab = DrawTab(self.actions_by_name)
        self.canvas = self.draw_tab.canvas
        self.tabs.addTab(self.draw_tab, "Draw")
        self.setCentralWidget(self.tabs)

    def _dock(self, object_name: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        dock.installEventFilter(self)
        # Qt's two title-bar buttons are bare icons: say what each does, and how to undo it.
        tips = {"qt_dockwidget_floatbutton": f"Float {title} in a window of its own, or dock it "
                                             "again (double-clicking the title does it too)",
                "qt_dockwidget_closebutton": f"Close {title} (View › {title} brings it back)"}
        for name, tip in tips.items():  # by name: the panel's own buttons keep their tips
            button = dock.findChild(QAbstractButton, name)
            if button is not None:
                button.setToolTip(tip)
        self.docks[object_name] = dock
        return dock

    def _create_docks(self) -> None:
        self.docks: dict[str, QDockWidget] = {}
        self.prediction_panel = PredictionPanel()
        self.input_panel = InputPanel()
        self.saliency_panel = SaliencyPanel()
        self.feature_maps_panel = FeatureMapsPanel()
        self.kernels_panel = KernelsPanel()
        self.guide_panel = GuidePanel()
        self._dock("prediction_dock", "Prediction", self.prediction_panel)
        self._dock("input_dock", "Input", self.input_panel)
        self._dock("saliency_dock", "Saliency", self.saliency_panel)
        self._dock("feature_maps_dock", "Feature maps", self.feature_maps_panel)
        self._dock("kernels_dock", "Kernels", self.kernels_panel)
        self._dock("guide_dock", "Layer guide", self.guide_panel)
        self.canvas.installEventFilter(self)
        self._layout_follower = LayoutFollower(self, self.docks)
        # What the guide explains when the pointer enters each dock (the maps say it per layer).
        self._dock_topics = {"prediction_dock": "softmax", "input_dock": "input",
                             "saliency_dock": "backprop", "kernels_dock": "init"}

    def _create_training(self) -> None:
        self.training = TrainingLink(self)
        self.sample_store = self.training.sample_store
        self.train_tab, self.teach = self.training.train_tab, self.training.teach
        self.teach_bar = self.training.teach_bar

    def _create_step_through(self) -> None:
        self.step_through = StepThroughLink(self)

    def _create_menus(self) -> None:
        create_menus(self.menuBar(), self.actions_by_name, self.docks.values(),
                     self.step_through.tab_actions)

    def _connect_signals(self) -> None:
        acts = self.actions_by_name
        acts["open"].triggered.connect(self._on_open_action_triggered)
        acts["open_shipped"].triggered.connect(lambda: self.open_model(DEFAULT_MODEL))
        acts["save"].triggered.connect(self._on_save_action_triggered)
        acts["export"].triggered.connect(self._on_export_action_triggered)
        acts["export_onnx"].triggered.connect(self._on_export_onnx_action_triggered)
        acts["quit"].triggered.connect(self.close)
        acts["undo"].triggered.connect(self.canvas.undo)
        acts["redo"].triggered.connect(self.canvas.redo)
        acts["clear"].triggered.connect(self.canvas.clear)
        acts["eraser"].toggled.connect(self.canvas.set_eraser)
        acts["thinner"].triggered.connect(lambda: self._nudge_pen_width(-2))
        acts["thicker"].triggered.connect(lambda: self._nudge_pen_width(2))
        acts["reset_layout"].triggered.connect(self._apply_default_layout)
        acts["shortcuts"].triggered.connect(self._on_shortcuts_action_triggered)
        acts["about"].triggered.connect(self._on_about_action_triggered)

        self.canvas.stroke_changed.connect(self._on_canvas_stroke_changed)
        self.canvas.drawing_changed.connect(self._on_canvas_drawing_changed)
        self.canvas.history_changed.connect(self._on_canvas_history_changed)
        self.canvas.resized.connect(self._on_canvas_resized)

        self.predictor.predicted.connect(self._on_predictor_predicted)
        self.predictor.model_changed.connect(self._on_predictor_model_changed)
        self.feature_maps_panel.map_hovered.connect(self._on_feature_maps_map_hovered)
        self.feature_maps_panel.layer_hovered.connect(self._on_feature_maps_layer_hovered)
        for dock in self.docks.values():
            dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self._on_canvas_history_changed()

    def _apply_default_layout(self) -> None:
        """The first-run arrangement, also View › Reset layout; it keeps its proportions as
        the window is resized, until the person arranges the docks."""
        apply_default_layout(self, self.docks)
        self._layout_follower.start()

    # --- public API ----------------------------------------------------------------------------

    @property
    def model(self) -> Sequential:
        """The live model (read it, do not train it: hand a copy to `set_model` instead)."""
        return self.predictor.model

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab beside "Draw" (the training tab); returns its index."""
        return self.tabs.addTab(widget, title)

    def set_model(self, model: Sequential, meta: dict | None = None, name: str = "",
                  path: Path | None = None) -> None:
        """Swap in a model; the drawing is read again at once. The window keeps `model`.
        Weights without a file (training's) leave the file to open next time as it was."""
        self.model_path = path
        if path is not None:
            self.last_file = path
        self.predictor.set_model(model, meta, name)

    def rename_model(self, name: str) -> None:
        """Change the name the status bar shows for the current weights."""
        self.predictor.rename(name)
        self._update_model_labels()

    def remember_file(self, path: Path) -> None:
        """The current weights are now in `path` (saved), the file to open next time."""
        self.model_path = self.last_file = path

    def show_message(self, kind: str, title: str, text: str, rich: bool = False,
                     modal: bool = True) -> None:
        """Tell the person something, non-blocking (tests read last_message). Plain text unless
        `rich` (the app's own HTML, its values escaped): messages quote names and errors."""
        text = text if rich else cap(text)  # the app's own HTML is short; quoted text may not be
        self.last_message = (kind, title, text)
        icon = {"warning": QMessageBox.Icon.Warning, "error": QMessageBox.Icon.Critical}.get(
            kind, QMessageBox.Icon.Information)
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        if modal:
            box.open()  # window-modal
        else:
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.show()

    def show_startup_notes(self) -> None:
        """What could not be read at start-up (a remembered model, damaged samples), in a
        message beside the window; the status bar says it too."""
        if self.startup_notes:
            self.show_message("warning", "Some files could not be read",
                              logs.with_hint("\n\n".join(self.startup_notes)), modal=False)

    def notify(self, text: str) -> None:
        """A note in the status bar until the next one (damaged samples skipped, ...)."""
        self.statusBar().showMessage(elide(text, 300))

    def predict_now(self) -> Prediction:
        """Read the current drawing now; while a stroke grows the throttle calls this."""
        return self._throttle.run_now()

    def _predict(self) -> Prediction:
        return self.predictor.predict(self.canvas.strokes(), self.canvas.canvas_size())

    @property
    def predict_interval_ms(self) -> int:
        return self._throttle.interval_ms

    @predict_interval_ms.setter
    def predict_interval_ms(self, ms: int) -> None:
        self._throttle.interval_ms = ms

    def save_settings(self) -> None:
        window_settings.save(self, self._settings)

    def _restore_settings(self) -> None:
        if not window_settings.restore(self, self._settings):
            self.resize(*first_run_size(self.screen() or QApplication.primaryScreen()))
            self._apply_default_layout()

    def dock_state(self):
        """The dock layout to remember (the Draw tab's, also while the Train tab hides it)."""
        return self.training.dock_state()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Workers stop (and a run's weights are offered for saving) before the layout is saved.
        if not self.training.prepare_to_close():
            event.ignore()
            return
        self.save_settings()
        super().closeEvent(event)

    # --- slots ---------------------------------------------------------------------------------

    def _on_canvas_stroke_changed(self) -> None:
        self._throttle.request()

    def _on_canvas_drawing_changed(self) -> None:
        self.predict_now()

    def _on_canvas_history_changed(self) -> None:
        self.actions_by_name["undo"].setEnabled(self.canvas.can_undo())
        self.actions_by_name["redo"].setEnabled(self.canvas.can_redo())

    def _on_predictor_predicted(self, prediction: Prediction) -> None:
        self._update_panels(prediction)
        self.timing_label.setText(f"inference {prediction.elapsed_ms:.1f} ms")

    def _nudge_pen_width(self, step: int) -> None:
        slider = self.draw_tab.width_slider
        slider.setValue(slider.value() + step)

    def _on_shortcuts_action_triggered(self) -> None:
        self.show_message("info", "Keyboard shortcuts", about.shortcuts_html(), rich=True)

    def _on_about_action_triggered(self) -> None:
        self.show_message("info", "About LetterLens",
                          about.model_card_html(self.model, self.predictor.meta,
                                                self.predictor.name, self.model_path),
                          rich=True)
