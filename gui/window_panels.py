"""The main window's panels: refreshed from each prediction (the visible ones only), told the
model when it changes, and the layer guide following the pointer. A mixin of MainWindow, which
gives predictor, canvas, docks, the panels and the status labels."""

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QLabel

from gui.about import validation_accuracy
from gui.layer_guide import topic_for
from gui.predictor import Prediction
from gui.receptive_field import receptive_field
from gui.untrusted import elide, full_name, tooltip


class WindowPanels:
    """Panel updates, the status bar's model labels and hover links for the main window."""

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

    def _on_canvas_resized(self) -> None:
        # The ink box shows the canvas's thumbnail: taken at the last prediction, it keeps the
        # shape the canvas had then (a wide strip mid-way through a resize or a tab switch).
        if self.predictor.last is not None:
            self._update_panels(self.predictor.last, only="input_dock")

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        dock = self.sender()
        if visible and self.predictor.last is not None and isinstance(dock, QDockWidget):
            self._update_panels(self.predictor.last, only=dock.objectName())

    def _on_predictor_model_changed(self) -> None:
        model = self.predictor.model
        self.feature_maps_panel.set_model(model)
        self.kernels_panel.set_model(model)
        self.guide_panel.set_model(model, self.predictor.meta)
        self._update_model_labels()
        self.predict_now()
        self.model_changed.emit()

    def _update_model_labels(self) -> None:
        meta, name = self.predictor.meta, self.predictor.name
        self.model_label.setText(f"Model: {elide(name)}")
        self.model_label.setToolTip(tooltip(full_name(meta, name)))
        acc, stale = validation_accuracy(meta)  # stale: set by teaching and fine-tuning
        self.accuracy_label.setText(f"validation accuracy: {acc}"
                                    + (f" (before {stale})" if stale else ""))
        self.accuracy_label.setToolTip(
            f"Measured before {stale} changed the weights; a run on the Train tab measures "
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
