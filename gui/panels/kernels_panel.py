"""Kernels panel: the first layer's filters as images; deeper filters per input map on demand."""

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn.model import Sequential
from gui import colormaps as cm
from gui.mosaic import Mosaic
from gui.panels.kernel_view import kernel_image
from gui.panels.views import click_focus_only, image_box, show_image


def _filters(n: int) -> str:
    """'1 filter', '8 filters': the Train tab builds layers of a single filter."""
    return "1 filter" if n == 1 else f"{n} filters"


class KernelsPanel(QWidget):
    """`set_model` redraws the chosen conv layer's kernels (red positive, blue negative)."""

    step_through_requested = Signal(str, int, int)  # layer, filter, input map

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("kernels_panel")
        self._layer_box = QComboBox()
        self._layer_box.setToolTip("Which convolution layer's filters to show")
        self._channel_box = QSpinBox()
        self._channel_box.setMinimum(-1)
        self._channel_box.setSpecialValueText("all")
        self._channel_box.setPrefix("input map ")
        self._channel_box.setToolTip("A deeper filter has one k×k slice per input map: show one "
                                     "input map's slices, or all of them (one row per filter)")
        self.caption = QLabel("")
        self.caption.setStyleSheet(f"color: rgb{cm.MUTED};")
        self.caption.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(self._layer_box)
        head.addWidget(self._channel_box)
        head.addStretch(1)
        self._view = pg.GraphicsLayoutWidget()
        click_focus_only(self._view)
        self._view.ci.setContentsMargins(2, 2, 2, 2)
        self._box, self._image, _ = image_box(self._view.ci, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(head)
        layout.addWidget(self._view, 1)
        layout.addWidget(self.caption)
        self._model: Sequential | None = None
        self._layer_box.currentIndexChanged.connect(self._on_layer_box_changed)
        self._channel_box.valueChanged.connect(self._on_channel_box_changed)
        self._view.setToolTip("Click a kernel to step through it sliding over its input")
        self._view.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self.step_menu = QMenu(self)
        self._menu_kernel: tuple[str, int, int] | None = None
        self.step_menu.addAction("Step through this").triggered.connect(
            lambda: self.step_through_requested.emit(*self._menu_kernel))
        self._tiles: tuple[Mosaic, int, int] | None = None  # mosaic, input maps, shown map

    def set_model(self, model: Sequential) -> None:
        self._model = model
        convs = [n for n, layer in model.layers if layer.kind == "conv2d"]
        current = self._layer_box.currentText()
        if convs != [self._layer_box.itemText(i) for i in range(self._layer_box.count())]:
            self._layer_box.blockSignals(True)
            self._layer_box.clear()
            self._layer_box.addItems(convs)
            if current in convs:
                self._layer_box.setCurrentText(current)
            self._layer_box.blockSignals(False)
        self._update_channels()
        self._redraw()

    def show_layer(self, name: str, channel: int = 0) -> None:
        """Show `name`'s filters; for a deeper layer, input map `channel` (-1 for all)."""
        self._layer_box.setCurrentText(name)
        self._channel_box.setValue(channel)

    def _update_channels(self) -> None:
        conv = self._conv()
        deep = conv is not None and conv.in_channels > 1
        self._channel_box.setVisible(deep)
        if deep:
            self._channel_box.setMaximum(conv.in_channels - 1)

    def _conv(self):
        name = self._layer_box.currentText()
        if self._model is None or not name:
            return None
        return self._model.layer(name)

    def _redraw(self) -> None:
        conv = self._conv()
        if conv is None:  # a network without convolutions (the Train tab builds them)
            self._image.clear()
            self._tiles = self.image = None
            self.caption.setText("This network has no convolution layer: no kernels to show."
                                 if self._model is not None else "")
            return
        w = conv.params["weight"]  # (out, in, k, k)
        out, inp, k, _ = w.shape
        name = self._layer_box.currentText()
        if inp == 1:
            image = kernel_image(w[:, 0])
            self._tiles = (Mosaic(out, (k, k), min(out, 8)), 1, 0)
            text = f"{name}: {_filters(out)} of {k}×{k}, each looks at the input image."
        elif self._channel_box.value() < 0:
            image = kernel_image(w.reshape(out * inp, k, k), columns=inp)
            self._tiles = (Mosaic(out * inp, (k, k), inp), inp, -1)
            text = (f"{name}: {_filters(out)} (rows) × {inp} input maps (columns), "
                    f"{k}×{k} each.")
        else:
            c = self._channel_box.value()
            image = kernel_image(w[:, c])
            self._tiles = (Mosaic(out, (k, k), min(out, 8)), inp, c)
            text = (f"{name}: the {k}×{k} slice each of its {_filters(out)} applies to "
                    f"input map {c} (of {inp}).")
        show_image(self._image, image)
        self._box.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]),
                           padding=0.02)
        self.caption.setText(text + " Red weights add, blue subtract.")
        self.image = image

    def _on_layer_box_changed(self, _index: int) -> None:
        self._update_channels()
        self._redraw()

    def _on_channel_box_changed(self, _value: int) -> None:
        self._redraw()

    def kernel_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(filter, input map) of the kernel at image pixel (x, y), or None on a gap."""
        if self._tiles is None:
            return None
        mosaic, inputs, shown = self._tiles
        hit = mosaic.locate(x, y)
        if hit is None:
            return None
        tile = hit[0]
        return divmod(tile, inputs) if shown < 0 else (tile, shown)

    def _on_scene_mouse_clicked(self, event) -> None:
        pos = self._image.mapFromScene(event.scenePos())
        hit = self.kernel_at(pos.x(), pos.y())
        if hit is None:
            return
        self._menu_kernel = (self._layer_box.currentText(), *hit)
        f, c = hit
        deep = "" if self._tiles[1] == 1 else f", input map {c}"
        self.step_menu.actions()[0].setText(
            f"Step through this: {self._menu_kernel[0]} filter {f}{deep}")
        self.step_menu.popup(event.screenPos().toPoint())
