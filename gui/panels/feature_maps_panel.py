"""Feature maps panel: every layer's output in order, one mosaic image per layer.

A layer of 64 maps is one ImageItem (tiles with 1-pixel gaps), so a redraw costs ten image
uploads, not hundreds. Hover and clicks map back from the mosaic to (map, row, col); the keys
move a current map (see map_keys.py) and do what a click or a right-click does.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn.model import Sequential
from gui import colormaps as cm
from gui.panels.kernel_view import KernelDetail
from gui.panels.map_keys import MapKeys
from gui.panels.map_points import MapPoint, layer_at, point_at, unit_rect
from gui.panels.map_row import MapRow
from gui.panels.views import outline

SCALES = {"map": "per map", "layer": "per layer", "network": "whole network"}
MARGIN, LABEL_WIDTH, SPACING = 6, 84, 5
HOVER_HINT = "hover a map for values · click to enlarge"


class FeatureMapsPanel(QWidget):
    """`set_model` builds the rows once per architecture; `set_activations` recolours them."""

    map_hovered = Signal(object)  # MapPoint, or None when the pointer leaves the maps
    map_clicked = Signal(object)  # MapPoint
    layer_hovered = Signal(str)  # layer name, for the layer guide
    scale_changed = Signal(str)
    step_through_requested = Signal(object)  # MapPoint: show how it is computed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("feature_maps_panel")
        self._scale_box = QComboBox()
        for key, text in SCALES.items():
            self._scale_box.addItem(text, key)
        self._scale_box.setCurrentIndex(1)
        self._scale_box.setToolTip("Colour scale: each map, each layer, or the whole network "
                                   "spans the colour map from its lowest to its highest value")
        self._scale_box.currentIndexChanged.connect(self._on_scale_box_changed)
        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setToolTip("Hover a map for its values; click it to enlarge it beside its "
                                    "kernel; right-click a pixel to step through how it was "
                                    "computed. Keys, after Tab to the maps: arrows pick a map, "
                                    "Enter or Space enlarges it, Shift+Enter or the menu key "
                                    "steps through it, Esc closes the enlarged map")
        self.hover_label.setStyleSheet(f"color: rgb{cm.MUTED};")
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head = QHBoxLayout()
        head.addWidget(QLabel("Colour scale"))
        head.addWidget(self._scale_box)
        head.addWidget(self.hover_label, 1)

        self.detail = KernelDetail()
        self.detail.setVisible(False)
        self.detail.closed.connect(self._on_detail_closed)
        self.detail.step_through_clicked.connect(self._on_detail_step_through_clicked)
        self.detail.hovered.connect(self._on_detail_hovered)
        self.step_menu = QMenu(self)
        self._menu_point: MapPoint | None = None
        self.step_menu.addAction("Step through this").triggered.connect(
            lambda: self.step_through_requested.emit(self._menu_point))

        self._view = pg.GraphicsView()
        self._box = pg.ViewBox(invertY=True, enableMouse=False, enableMenu=False,
                               defaultPadding=0)
        self._view.setCentralItem(self._box)
        self._view.setMinimumHeight(160)
        self._box.sigResized.connect(self._relayout)
        self._view.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._view.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self._view.viewport().installEventFilter(self)
        self._hover_mark = outline(width=1.5)
        self._select_mark = outline(color=cm.FOREGROUND, width=1.0)
        self._box.addItem(self._hover_mark)
        self._box.addItem(self._select_mark)
        self._keys = MapKeys(self, self._view, self._box, lambda: self._rows,
                             lambda: self.selected is not None)
        self._keys.moved.connect(self._on_keys_moved)
        self._keys.enlarge_requested.connect(self.select)
        self._keys.step_requested.connect(self._on_keys_step_requested)
        self._keys.close_requested.connect(self._on_detail_closed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.detail)
        layout.addWidget(self._view, 1)

        self._model: Sequential | None = None
        self._spec: list | None = None
        self._rows: list[MapRow] = []
        self._hovered_layer = ""
        self._hovered: MapPoint | None = None  # the unit under the pointer, if any
        self._hovered_at = (0.0, 0.0)
        self._activations: dict[str, np.ndarray] | None = None
        self.selected: MapPoint | None = None

    # --- public --------------------------------------------------------------------------------

    def scale(self) -> str:
        return self._scale_box.currentData()

    def set_scale(self, key: str) -> None:
        i = self._scale_box.findData(key)
        if i >= 0:
            self._scale_box.setCurrentIndex(i)

    def layer_names(self) -> list[str]:
        return [r.name for r in self._rows]

    def row_image(self, name: str) -> np.ndarray | None:
        """The RGBA mosaic currently shown for a layer (for tests and the benchmark)."""
        for r in self._rows:
            if r.name == name:
                return r.image.image
        return None

    def filled(self) -> tuple[float, float]:
        """The share of the view's width and of its height the maps take."""
        w, h = self._box.width(), self._box.height()
        if not self._rows or w <= 0 or h <= 0:
            return 0.0, 0.0
        return ((self._rows[0].rect.width() + LABEL_WIDTH + 2 * MARGIN) / w,
                (self._rows[-1].rect.bottom() + MARGIN) / h)

    def set_model(self, model: Sequential) -> None:
        """Build one row per layer; only rebuilt when the architecture changes."""
        self._model = model
        self._forget_hover()  # a value read from the old model's maps would mislead
        if model.spec != self._spec:
            self._build_rows(model)
        self.detail.set_model(model)  # after the rows: the enlarged map may be gone

    def _build_rows(self, model: Sequential) -> None:
        self._spec = model.spec
        for row in self._rows:
            for item in (row.image, row.title, row.range):
                self._box.removeItem(item)
        shapes = model.output_shapes()
        self._rows = [MapRow(name, layer.kind, shapes[name]) for name, layer in model.layers]
        for row in self._rows:
            for item in (row.image, row.title, row.range):
                self._box.addItem(item)
            row.image.setImage(row.empty, levels=None)
        self.selected = None
        self._keys.go_to(0, 0)
        self.detail.forget_map()
        self.detail.setVisible(False)
        self._select_mark.setVisible(False)
        self._relayout()

    def set_activations(self, activations: dict[str, np.ndarray] | None) -> None:
        """Every layer's output for one sample, keyed by layer name; None or {} greys them."""
        self._activations = activations
        if not activations:
            for row in self._rows:
                row.show_empty()
            self.detail.set_values(None)
            return
        mode = self.scale()
        lo = hi = None  # each row's own, unless the whole network shares one scale
        if mode == "network":
            lo = min(float(activations[r.name].min()) for r in self._rows)
            hi = max(float(activations[r.name].max()) for r in self._rows)
        for row in self._rows:
            row.show_values(activations[row.name], mode, lo, hi)
        if self.selected is not None:
            self.detail.set_values(self._values_of(self.selected))
        if self.detail.hovered_unit() is not None:  # the pointer rests on the enlarged map
            self._show_hover(self._detail_point(self.detail.hovered_unit()))
        elif self._hovered is not None:  # the pointer rests on a unit: show its new value
            self._show_hover(self.point_at(*self._hovered_at))

    # --- layout --------------------------------------------------------------------------------

    def _relayout(self) -> None:
        w, h = self._box.width(), self._box.height()
        if w <= 0 or h <= 0:
            return
        self._box.setRange(xRange=(0, w), yRange=(0, h), padding=0)
        if not self._rows:
            return
        # Every mosaic gets the same width: the panel's, or less if the stack would not fit.
        inner = max(w - 2 * MARGIN - LABEL_WIDTH, 10.0)
        fixed = 2 * MARGIN + len(self._rows) * SPACING
        strips = sum(r.natural_height(inner) for r in self._rows if r.flat)
        maps = sum(r.natural_height(inner) for r in self._rows if not r.flat)
        fit = min(1.0, max(h - fixed - strips, 20.0) / maps) if maps else 1.0
        for _ in range(2):  # rows kept as tall as their labels leave the others less room
            extra = sum(self._label_room(r) - r.natural_height(inner * fit) for r in self._rows
                        if not r.flat and r.natural_height(inner * fit) < self._label_room(r))
            fit = min(1.0, max(h - fixed - strips - extra, 20.0) / maps) if maps else 1.0
        width = inner * fit
        x = max(MARGIN, (w - LABEL_WIDTH - width) / 2) + LABEL_WIDTH  # centre label + mosaic
        y = float(MARGIN)
        for row in self._rows:
            height = row.natural_height(inner) if row.flat else row.natural_height(width)
            row.rect = QRectF(x, y, width, height)
            row.image.setRect(row.rect)
            row.title.setPos(x - LABEL_WIDTH - 2, y + (-4 if row.flat else -3))
            row.range.setPos(x - LABEL_WIDTH + 2, y + (2 if row.flat else 28))
            row.range.setVisible(not row.flat and height >= 40)
            y += (height if row.flat else max(height, self._label_room(row))) + SPACING
        if self.selected is not None:
            self._mark(self._select_mark, self.selected, whole_map=True)
        self._keys.place()

    @staticmethod
    def _label_room(row: MapRow) -> float:
        """The height a map row needs for its two-line name and shape to end above the next
        row's (a deep network's 7×7 and 3×3 maps make rows shorter than that)."""
        return row.title.textItem.boundingRect().height() - 3 - SPACING + 1

    # --- pointer -------------------------------------------------------------------------------

    def point_at(self, x: float, y: float) -> MapPoint | None:
        """The unit under view position (x, y) in pixels, or None."""
        return point_at(self._rows, x, y)

    def layer_at(self, y: float) -> str:
        return layer_at(self._rows, y, SPACING)

    def _row(self, name: str) -> MapRow:
        return next(r for r in self._rows if r.name == name)

    def _mark(self, item, point: MapPoint, whole_map: bool = False) -> None:
        """Outline a unit (or its whole map) on the mosaics, in view pixels."""
        item.setRect(unit_rect(self._row(point.layer), point, whole_map))
        item.setVisible(True)

    def _values_of(self, point: MapPoint):
        row = self._row(point.layer)
        if row.values is None:
            return None
        return row.values if row.flat else row.values[point.channel]

    def _on_scene_mouse_moved(self, scene_pos) -> None:
        pos = self._box.mapSceneToView(scene_pos)
        layer = self.layer_at(pos.y())
        if layer and layer != self._hovered_layer:
            self._hovered_layer = layer
            self.layer_hovered.emit(layer)
        self._hovered_at = (pos.x(), pos.y())
        point = self.point_at(pos.x(), pos.y())
        self._show_hover(point)
        if point is None:
            self._hover_mark.setVisible(False)
            self.map_hovered.emit(None)
            return
        self._mark(self._hover_mark, point)
        self.map_hovered.emit(point)

    def _detail_point(self, hit: tuple[int, int]) -> MapPoint | None:
        """The unit at (row, col) of the enlarged map, as the tiles would give it."""
        if self.selected is None:
            return None
        row, col = hit
        layer = self.selected.layer
        values = self._values_of(self.selected)
        if self._row(layer).flat:
            value = np.nan if values is None else float(values[col])
            return MapPoint(layer, col, 0, 0, value)
        value = np.nan if values is None else float(values[row, col])
        return MapPoint(layer, self.selected.channel, row, col, value)

    def _on_detail_hovered(self, hit: tuple[int, int] | None) -> None:
        # The enlarged map answers the pointer as its tile does: value, outline, receptive field.
        point = None if hit is None else self._detail_point(hit)
        self._show_hover(point)
        if point is None:
            self._hover_mark.setVisible(False)
            self.map_hovered.emit(None)
            return
        if point.layer != self._hovered_layer:
            self._hovered_layer = point.layer
            self.layer_hovered.emit(point.layer)
        self._mark(self._hover_mark, point)
        self.map_hovered.emit(point)

    def _show_hover(self, point: MapPoint | None) -> None:
        """The hovered unit's value in the label; the hint when there is none."""
        self._hovered = point
        if point is None:
            self.hover_label.setText(HOVER_HINT)
            return
        where = (f"unit {point.channel}" if self._row(point.layer).flat
                 else f"map {point.channel} · row {point.row}, col {point.col}")
        value = "—" if np.isnan(point.value) else cm.true_minus(f"{point.value:.3g}")
        self.hover_label.setText(f"{point.layer} · {where} = {value}")

    def _forget_hover(self) -> None:
        self._hover_mark.setVisible(False)
        self._show_hover(None)

    def _on_scene_mouse_clicked(self, event) -> None:
        pos = self._box.mapSceneToView(event.scenePos())
        point = self.point_at(pos.x(), pos.y())
        if point is None:
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self.select(point)
        elif event.button() == Qt.MouseButton.RightButton:
            self.offer_step_through(point, event.screenPos().toPoint())

    def offer_step_through(self, point: MapPoint, at) -> None:
        """A menu at screen position `at` offering to show how `point` is computed."""
        self._menu_point = point
        where = (f"unit {point.channel}" if self._row(point.layer).flat
                 else f"map {point.channel} ({point.row}, {point.col})")
        self.step_menu.actions()[0].setText(f"Step through this: {point.layer} {where}")
        self.step_menu.popup(at)

    def _on_detail_step_through_clicked(self) -> None:
        if self.selected is not None:
            self.step_through_requested.emit(self.selected)

    def select(self, point: MapPoint) -> None:
        """Enlarge the map holding `point`, with the kernel that produced it beside it."""
        self.selected = point
        self._mark(self._select_mark, point, whole_map=True)
        row = self._row(point.layer)
        self.detail.show_map(point.layer, point.channel, row.flat)
        self.detail.set_values(self._values_of(point))
        self.detail.setVisible(True)
        self._keys.go_to(self._rows.index(row), 0 if row.flat else point.channel)
        self.map_clicked.emit(point)

    def _on_detail_closed(self) -> None:
        focus = QApplication.focusWidget()
        self.detail.forget_hover()
        self.selected = None
        self._select_mark.setVisible(False)
        self.detail.setVisible(False)
        if focus is not None and self.detail.isAncestorOf(focus):  # its button had the keys
            self._view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_scale_box_changed(self, _index: int) -> None:
        self.set_activations(self._activations)
        self.scale_changed.emit(self.scale())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._forget_hover()
            self._hovered_layer = ""
            self.map_hovered.emit(None)
        return super().eventFilter(watched, event)

    # --- keys ----------------------------------------------------------------------------------

    def current_map(self) -> tuple[str, int] | None:
        """(layer, map) the keys are on; a 1-D layer is one map, 0."""
        return self._keys.current()

    def _on_keys_moved(self, row: MapRow, text: str) -> None:
        # The current map in the hover line, and in the layer guide as a hovered layer would be.
        if text:
            self.hover_label.setText(text)
        else:  # the keys left: the hovered unit's value again, or the hint
            self._show_hover(self._hovered)
        if row is not None and row.name != self._hovered_layer:
            self._hovered_layer = row.name
            self.layer_hovered.emit(row.name)

    def _on_keys_step_requested(self, point: MapPoint, at) -> None:
        chosen = self.selected  # the enlarged map's clicked pixel, as its button gives it
        if chosen is not None and chosen.layer == point.layer and (
                self._row(point.layer).flat or chosen.channel == point.channel):
            point = chosen
        if at is None:
            self.step_through_requested.emit(point)
        else:
            self.offer_step_through(point, at)

