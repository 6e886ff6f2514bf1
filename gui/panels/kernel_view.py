"""Weights as images, and the enlarged map shown with the kernel that produced it."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from cnn.model import Sequential
from gui import colormaps as cm
from gui.mosaic import Mosaic
from gui.panels.views import click_focus_only, fit_captions, image_box, outline, show_image


def kernel_image(weights: np.ndarray, columns: int | None = None) -> np.ndarray:
    """weights (n, k, k) -> RGBA mosaic, white at zero, red positive, blue negative."""
    mosaic = Mosaic(len(weights), weights.shape[1:], columns or min(len(weights), 8))
    unit = cm.symmetric(weights)
    rgba = cm.apply(cm.DIVERGING, mosaic.fill(unit, background=0.5))
    rgba[mosaic.gap_mask] = (*cm.BACKGROUND, 255)
    return rgba


def producing_conv(model: Sequential, layer_name: str, channels: int):
    """(name, Conv2d) whose output channel c became channel c of `layer_name`, or None.

    Walks back over element-wise and pooling layers, which keep the channels.
    """
    names = [n for n, _ in model.layers]
    for name, layer in reversed(model.layers[:names.index(layer_name) + 1]):
        if layer.kind == "conv2d":
            return (name, layer) if layer.out_channels == channels else None
        if layer.kind not in ("relu", "maxpool2d"):
            return None
    return None


class KernelDetail(QWidget):
    """One map enlarged, and beside it the kernel that produced it (for conv-derived maps).
    `hovered` gives the (row, col) of the enlarged map under the pointer, or None."""

    closed = Signal()
    step_through_clicked = Signal()
    hovered = Signal(object)  # (row, col) of the shown map (1-D layers: row 0), or None

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._view = pg.GraphicsLayoutWidget()
        click_focus_only(self._view)
        self._view.setFixedHeight(150)
        ci = self._view.ci
        ci.setContentsMargins(0, 0, 0, 0)
        self._map_box, self._map, self._map_title = image_box(ci, 0, 0, "map")
        self._kernel_box, self._kernel, self._kernel_title = image_box(ci, 0, 1, "kernel")
        self._hover_mark = outline(width=1.5)
        self._map_box.addItem(self._hover_mark)
        self._view.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._view.viewport().installEventFilter(self)
        self._shape: tuple[int, int] | None = None  # (h, w) of the map shown
        self._hovered: tuple[int, int] | None = None
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(f"color: rgb{cm.MUTED};")
        close = QToolButton()
        close.setText("×")
        close.setToolTip("Close the enlarged map (Esc)")
        close.setAutoRaise(True)
        close.clicked.connect(self.closed)
        self.step_button = QToolButton()
        self.step_button.setText("Step through this ▸")
        self.step_button.setToolTip("Open the Step through tab at this map: how each of its "
                                    "numbers is computed (Shift+Enter on the maps)")
        self.step_button.clicked.connect(self.step_through_clicked)
        side = QVBoxLayout()
        side.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.caption, 1)
        side.addWidget(self.step_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view, 3)
        layout.addLayout(side, 1)
        self._model: Sequential | None = None
        self._layer, self._channel, self._flat = "", 0, False
        self._titles = {"map": ("map", "map"), "kernel": ("kernel", "kernel")}  # long, short

    def set_model(self, model: Sequential) -> None:
        self._model = model
        if self._layer:
            self._show_kernel()

    def forget_map(self) -> None:
        """No map enlarged (a new network: the one shown may not be in it)."""
        self._layer, self._channel, self._flat = "", 0, False

    def show_map(self, layer: str, channel: int, flat: bool) -> None:
        self._layer, self._channel, self._flat = layer, channel, flat
        self._show_kernel()

    def set_values(self, values: np.ndarray | None) -> None:
        """The selected map (h, w) or the selected 1-D layer (F,); None greys it."""
        if values is None:
            show_image(self._map, np.zeros((2, 2), np.float32))
            self._shape = None
            self._set_hovered(None)
            return
        image = values[None] if values.ndim == 1 else values
        self._shape = image.shape
        lo, hi = float(image.min()), float(image.max())
        rgba = cm.apply(cm.VIRIDIS, cm.normalise(image, lo, hi))
        show_image(self._map, rgba)
        self._map_box.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]),
                               padding=0.02)
        self._map_box.setAspectLocked(not self._flat)
        span = f"[{cm.span_text(lo, hi)}]"
        if self._flat:
            self._set_title("map", f"{self._layer}  {span}", span)
        else:
            self._set_title("map", f"{self._layer} · map {self._channel}  {span}",
                            f"map {self._channel}  {span}")

    def _set_title(self, which: str, long: str, short: str) -> None:
        """A title over the map or the kernel, short where both in full are too wide (the
        caption beside them names the layer)."""
        self._titles[which] = (long, short)
        self._fit_titles()

    def _fit_titles(self) -> None:
        fit_captions(self._view, self._view.width(),
                     [(self._map_title, *self._titles["map"]),
                      (self._kernel_title, *self._titles["kernel"])])

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_titles()

    # --- pointer on the enlarged map -----------------------------------------------------------

    def hovered_unit(self) -> tuple[int, int] | None:
        return self._hovered

    def forget_hover(self) -> None:
        self._set_hovered(None)

    def _on_scene_mouse_moved(self, scene_pos) -> None:
        hit = None
        if self._shape is not None and self._map_box.sceneBoundingRect().contains(scene_pos):
            pos = self._map_box.mapSceneToView(scene_pos)
            row, col = int(np.floor(pos.y())), int(np.floor(pos.x()))
            if 0 <= row < self._shape[0] and 0 <= col < self._shape[1]:
                hit = (row, col)
        self._set_hovered(hit)

    def _set_hovered(self, hit: tuple[int, int] | None) -> None:
        if hit == self._hovered:
            return
        self._hovered = hit
        if hit is not None:
            self._hover_mark.setRect(QRectF(hit[1], hit[0], 1, 1))
        self._hover_mark.setVisible(hit is not None)
        self.hovered.emit(hit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Leave:
            self._set_hovered(None)
        return super().eventFilter(watched, event)

    def _show_kernel(self) -> None:
        model = self._model
        found = None
        if model is not None and not self._flat and self._layer in dict(model.layers):
            channels = model.output_shapes()[self._layer][0]
            found = producing_conv(model, self._layer, channels)
        self._kernel_box.setVisible(found is not None)
        if found is None:
            self._set_title("kernel", "", "")
            self.caption.setText("A fully connected layer: every unit sees every input."
                                 if self._flat else "")
            return
        name, conv = found
        w = conv.params["weight"][self._channel]  # (in_channels, k, k)
        bias = float(conv.params["bias"][self._channel])
        image = kernel_image(w)
        show_image(self._kernel, image)
        self._kernel_box.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]),
                                  padding=0.05)
        k = conv.kernel_size
        what = f"kernel {self._channel}: {w.shape[0]}×{k}×{k}"
        self._set_title("kernel", f"{name} {what}", what)
        via = "" if name == self._layer else f" after {self._layer.rstrip('0123456789')}"
        # Two decimals, or two digits of a smaller bias: -0.004 read '−0.00'.
        bias_text = f"{bias:+.2f}" if abs(bias) >= 0.01 or bias == 0 else f"{bias:+.2g}"
        self.caption.setText(
            f"Made by {name}'s kernel {self._channel}{via}: one {k}×{k} filter per input "
            f"map ({w.shape[0]}), summed, plus bias {cm.true_minus(bias_text)}. Red "
            "weights add, blue subtract.")
