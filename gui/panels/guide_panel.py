"""Layer guide panel: the explanation for whatever the pointer is on, or any chosen topic."""

from PySide6.QtWidgets import QComboBox, QTextBrowser, QVBoxLayout, QWidget

from cnn.model import Sequential
from gui.layer_guide import TOPICS, explain


class GuidePanel(QWidget):
    """`show_topic(topic, layer)` follows the pointer; the combo box picks a topic by hand."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("guide_panel")
        self._topic_box = QComboBox()
        for key, title in TOPICS.items():
            self._topic_box.addItem(title, key)
        self._topic_box.setToolTip("Point at a panel or a layer to follow it, or pick a topic")
        self._text = QTextBrowser()
        self._text.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self._topic_box)
        layout.addWidget(self._text, 1)
        self._model: Sequential | None = None
        self.topic, self.layer = "input", None
        self._topic_box.currentIndexChanged.connect(self._on_topic_box_changed)
        self._render()

    def set_model(self, model: Sequential) -> None:
        self._model = model
        if self.layer and self.layer not in dict(model.layers):
            self.layer = None
        self._render()

    def show_topic(self, topic: str, layer: str | None = None) -> None:
        if (topic, layer) == (self.topic, self.layer):
            return
        self.topic, self.layer = topic, layer
        self._topic_box.blockSignals(True)
        self._topic_box.setCurrentIndex(self._topic_box.findData(topic))
        self._topic_box.blockSignals(False)
        self._render()

    def text(self) -> str:
        return self._text.toPlainText()

    def _render(self) -> None:
        self._text.setHtml(explain(self.topic, self._model, self.layer))

    def _on_topic_box_changed(self, _index: int) -> None:
        self.topic, self.layer = self._topic_box.currentData(), None
        self._render()
