"""The main window: the Draw and Train tabs in the middle, the panels docked around the Draw
tab, menus, settings."""

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from cnn import checkpoint
from cnn.checkpoint import CheckpointError
from cnn.model import Sequential
from cnn.paths import DEFAULT_MODEL
from gui import about, logs, window_settings
from gui.actions import create_actions
from gui.draw_tab import DrawTab
from gui.layer_guide import topic_for
from gui.layout import LayoutFollower, apply_default_layout, first_run_size
from gui.models import LoadedModel, load_model_file
from gui.panels.feature_maps_panel import FeatureMapsPanel
from gui.panels.guide_panel import GuidePanel
from gui.panels.input_panel import InputPanel
from gui.panels.kernels_panel import KernelsPanel
from gui.panels.prediction_panel import PredictionPanel
from gui.panels.saliency_panel import SaliencyPanel
from gui.predictor import Prediction, Predictor
from gui.receptive_field import receptive_field
from gui.step_through.link import StepThroughLink
from gui.throttle import Throttle
from gui.training.tab import is_shipped_model
from gui.training_link import TrainingLink
from gui.untrusted import cap, elide, fraction, full_name, tooltip

log = logging.getLogger(__name__)

PREDICT_INTERVAL_MS = 33  # at most ~30 predictions a second while a stroke grows


class MainWindow(QMainWindow):
    """Draw a letter and watch every layer read it. `set_model` swaps weights in live."""

    model_changed = Signal()

    def __init__(self, loaded: LoadedModel, settings: QSettings | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("LetterLens")
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
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for key in ("open", "open_shipped", "save", "export", "export_onnx"):
            file_menu.addAction(self.actions_by_name[key])
        file_menu.addSeparator()
        file_menu.addAction(self.actions_by_name["quit"])
        edit = bar.addMenu("&Edit")
        for key in ("undo", "redo", "clear"):
            edit.addAction(self.actions_by_name[key])
        edit.addSeparator()
        for key in ("pen", "eraser", "thinner", "thicker"):
            edit.addAction(self.actions_by_name[key])
        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction(self.actions_by_name["reset_layout"])
        view.addSeparator()
        view.addActions(self.step_through.tab_actions)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.actions_by_name["shortcuts"])
        help_menu.addAction(self.actions_by_name["about"])

    def _create_status_bar(self) -> None:
        self.model_label = QLabel()
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)  # a name from a file is text
        self.accuracy_label = QLabel()
        self.accuracy_label.setTextFormat(Qt.TextFormat.PlainText)
        self.accuracy_label.installEventFilter(self)
        self.timing_label = QLabel("—")
        # A fixed size: its text changes with every stroke, and must not relayout the window.
        self.timing_label.setFixedSize(130, self.timing_label.sizeHint().height())
        self.timing_label.setAutoFillBackground(True)  # opaque: repaints itself only
        for label in (self.model_label, self.accuracy_label, self.timing_label):
            self.statusBar().addPermanentWidget(label)

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

    def open_model(self, path) -> bool:
        """Load a model file; a bad file is refused with a message and the current model kept."""
        if self.train_tab.is_running():
            self.show_message("warning", "Training is running",
                              "Stop the run on the Train tab first: it keeps sending weights.")
            return False
        try:
            loaded = load_model_file(path)
        except CheckpointError as e:
            log.warning("could not open %s: %s", path, e)
            self.show_message("warning", "Could not open the model",
                              f"{e}\n\nThe current model ({self.predictor.name}) is kept.")
            return False
        if not self.training.keep_work("open another model"):
            return False
        self.training.published = None
        self.training.mark_saved()
        self.set_model(loaded.model, loaded.meta, loaded.name, loaded.path)
        self.train_tab.show_history(loaded.meta)  # its learning curves, on the Train tab
        self.statusBar().showMessage(f"Opened {loaded.path}", 5000)
        return True

    def save_model(self, path) -> bool:
        """Write the current model, its metadata and training history atomically; never over
        the shipped model. Weights from the Train tab are saved by the tab (it marks them saved)."""
        if is_shipped_model(path):
            self.show_message("warning", "Not saved", "The shipped model is never overwritten; "
                              "choose another file name.")
            return False
        if self.training.published is not None and self.model is self.training.published:
            if not self.train_tab.save_model_as(path):
                if self.train_tab.last_message:
                    self.show_message(*self.train_tab.last_message)
                return False
            self.statusBar().showMessage(f"Saved {self.model_path}", 5000)
            return True
        meta = {**self.predictor.meta, "name": full_name(self.predictor.meta,
                                                          self.predictor.name)}
        try:
            written = checkpoint.save(self.model, path, meta, drop_bad_fields=True)
        except (OSError, ValueError) as e:
            log.exception("could not save the model to %s", path)
            self.show_message("warning", "Could not save the model", logs.with_hint(str(e)))
            return False
        self.remember_file(Path(written))
        self.training.mark_saved()
        self.rename_model(meta["name"])  # no longer "(unsaved)"
        self.statusBar().showMessage(f"Saved {written}", 5000)
        return True

    def export_drawing(self, path) -> bool:
        if not self.canvas.to_image().save(str(path), "PNG"):
            self.show_message("warning", "Could not export the drawing",
                              f"Could not write {path}.")
            return False
        self.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    def export_onnx(self, path) -> bool:
        """Write the current model as an ONNX graph, atomically; a failure is shown, not raised."""
        from cnn.onnx_export import OnnxUnavailable, export_onnx

        try:
            written = export_onnx(self.model, path, self.predictor.name)
        except OnnxUnavailable as e:
            self.show_message("warning", "ONNX export is not installed", str(e))
            return False
        except (OSError, ValueError) as e:
            log.exception("could not export %s", path)
            self.show_message("warning", "Could not export the model",
                              f"{path}: {e}\n\n{logs.hint()}")
            return False
        self.statusBar().showMessage(f"Exported {written}", 5000)
        return True

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

    def _update_panels(self, prediction: Prediction, only: str | None = None) -> None:
        """Refresh the visible panels (hidden ones catch up when they are shown again)."""
        def wanted(name: str) -> bool:
            return (only is None or only == name) and self.docks[name].isVisible()

        if wanted("prediction_dock"):
            self.prediction_panel.set_prediction(prediction)
        if wanted("input_dock"):
            drawing, scale = self.canvas.thumbnail()
            self.input_panel.set_input(prediction.pre, drawing, scale)
        if wanted("saliency_dock"):
            self.saliency_panel.set_prediction(prediction)
        if wanted("feature_maps_dock"):
            self.feature_maps_panel.set_activations(prediction.activations)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        dock = self.sender()
        if visible and self.predictor.last is not None and isinstance(dock, QDockWidget):
            self._update_panels(self.predictor.last, only=dock.objectName())

    def _on_predictor_model_changed(self) -> None:
        model = self.predictor.model
        self.feature_maps_panel.set_model(model)
        self.kernels_panel.set_model(model)
        self.guide_panel.set_model(model)
        self._update_model_labels()
        self.predict_now()
        self.model_changed.emit()

    def _update_model_labels(self) -> None:
        meta, name = self.predictor.meta, self.predictor.name
        self.model_label.setText(f"Model: {elide(name)}")
        self.model_label.setToolTip(tooltip(full_name(meta, name)))
        acc = fraction(meta, "val_accuracy")
        text = "validation accuracy: " + ("—" if acc is None else f"{acc:.1%}")
        change = meta.get("changed_since_validation")  # set by teaching and fine-tuning
        stale = acc is not None and change in ("teaching", "fine-tuning")
        if stale:
            text += f" (before {change})"
        self.accuracy_label.setText(text)
        self.accuracy_label.setToolTip(
            f"Measured before {change} changed the weights; a run on the Train tab measures "
            "these weights" if stale else "The share of validation letters, never trained "
            "on, that this model reads right")

    def _on_feature_maps_map_hovered(self, point) -> None:
        if point is None:
            self.input_panel.set_receptive_field(None)
            return
        box = receptive_field(self.model.layers, point.layer, point.row, point.col,
                              self.model.input_shape[1:])
        self.input_panel.set_receptive_field(box)

    def _on_feature_maps_layer_hovered(self, name: str) -> None:
        self.guide_panel.show_topic(topic_for(self.model.layer(name).kind), name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Enter:
            if watched is self.canvas:
                self.guide_panel.show_topic("input")
            elif watched is self.accuracy_label:
                self.guide_panel.show_topic("cross_entropy")
            elif isinstance(watched, QDockWidget):
                topic = self._dock_topics.get(watched.objectName())
                if topic:
                    self.guide_panel.show_topic(topic)
        return super().eventFilter(watched, event)

    def _nudge_pen_width(self, step: int) -> None:
        slider = self.draw_tab.width_slider
        slider.setValue(slider.value() + step)

    def _on_open_action_triggered(self) -> None:
        start = str(self.model_path.parent) if self.model_path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open model", start,
                                              "LetterLens models (*.npz);;All files (*)")
        if path:
            self.open_model(path)

    def _on_save_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save model as", "model.npz",
                                              "LetterLens models (*.npz)")
        if path:
            self.save_model(path if path.endswith(".npz") else path + ".npz")

    def _on_export_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export drawing", "letter.png",
                                              "PNG images (*.png)")
        if path:
            self.export_drawing(path if path.lower().endswith(".png") else path + ".png")

    def _on_export_onnx_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export model as ONNX", "letterlens.onnx",
                                              "ONNX models (*.onnx)")
        if path:
            self.export_onnx(path if path.lower().endswith(".onnx") else path + ".onnx")

    def _on_shortcuts_action_triggered(self) -> None:
        self.show_message("info", "Keyboard shortcuts", about.shortcuts_html(), rich=True)

    def _on_about_action_triggered(self) -> None:
        self.show_message("info", "About LetterLens",
                          about.model_card_html(self.model, self.predictor.meta,
                                                self.predictor.name, self.model_path),
                          rich=True)
