"""One sample's gradients flowing back through the layers, shown after each Step.

From the loss at the output back to the input: each map is |dL/d(layer output)| summed over
channels (fully connected layers folded into a square), scaled to its own maximum, with the
gradient's size in the title so vanishing or exploding gradients read at a glance.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnn.data import LETTERS
from gui.training.gradflow import heat

_LUT = pg.colormap.get("inferno").getLookupTable(nPts=256)
_GREY = np.stack([np.arange(256)] * 3, axis=1).astype(np.uint8)
COLUMNS = 6


class BackpropPanel(QWidget):
    """set_flow(gradient_flow(...)) shows the maps; boxes are made once per architecture."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainBackprop")
        self.header = QLabel(
            "Press <b>Step</b> to train one batch (forward, loss, backward, update) and watch "
            "one sample's gradient flow back from the loss to the input.")
        self.header.setWordWrap(True)
        self.maps = pg.GraphicsLayoutWidget()
        self.maps.setBackground((30, 31, 36))
        v = QVBoxLayout(self)
        v.setContentsMargins(4, 4, 4, 4)
        v.addWidget(self.header)
        v.addWidget(self.maps, 1)
        self._names: list[str] = []
        self._boxes: dict[str, tuple] = {}
        self.flow: dict | None = None

    def _build(self, names: list[str]) -> None:
        for _, (box, _, label) in self._boxes.items():
            self.maps.removeItem(box)
            self.maps.removeItem(label)
        self._boxes = {}
        shown = ["sample"] + [n for n in reversed(names) if n != "flatten"] + ["input"]
        for i, name in enumerate(shown):
            row, col = 2 * (i // COLUMNS), i % COLUMNS
            label = self.maps.addLabel(name, row=row, col=col, size="8pt")
            box = self.maps.addViewBox(row=row + 1, col=col, lockAspect=True, invertY=True,
                                  enableMouse=False, enableMenu=False)
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(_GREY if name == "sample" else _LUT)
            box.addItem(image)
            self._boxes[name] = (box, image, label)
        self._names = list(names)

    def set_flow(self, flow: dict) -> None:
        self.flow = flow
        if flow["names"] != self._names:
            self._build(flow["names"])
        probs = flow["probs"]
        top = int(np.argmax(probs))
        self.header.setText(
            # Not the batch's own numbers: one letter, through the weights the step left.
            f"A training letter picked at random, true <b>{LETTERS[flow['label']]}</b>, "
            f"through the weights after this step: the network says "
            f"<b>{LETTERS[top]}</b> ({probs[top]:.0%}), loss {flow['loss']:.2f}. "
            "Brighter = larger |∂L/∂output|, each map scaled to its own maximum; "
            "‖g‖ is the gradient's size. The gradient flows from the loss (left) to the input.")
        self._show("sample", flow["image"], "the letter")
        for name in reversed(flow["names"]):
            if name in self._boxes:
                g = flow["grads"][name]
                self._show(name, heat(g), f"{name} ‖g‖ {np.linalg.norm(g):.2g}")
        g = flow["input_grad"]
        self._show("input", np.abs(g), f"input ‖g‖ {np.linalg.norm(g):.2g}")

    def _show(self, name: str, image: np.ndarray, title: str) -> None:
        box, item, label = self._boxes[name]
        image = np.asarray(image, np.float32)
        top = float(np.nanmax(image)) if np.isfinite(image).any() else 0.0
        scaled = np.nan_to_num(image / top if top > 0 else image, nan=0.0)
        item.setImage(scaled, levels=(0, 1))
        box.autoRange(padding=0.02)
        label.setText(title, size="8pt")
