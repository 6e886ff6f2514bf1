"""The drawing canvas: strokes kept as vectors, painted with a round pen, undo/redo per stroke."""

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QMouseEvent, QPainter, QPen, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.backing import BackingImages
from gui.ink import (
    ERASER_RING,
    HINT,
    PAPER,
    GrowingStroke,
    Stroke,
    device_rect,
    distance,
    paint_stroke,
)

MIN_PRESSURE_WIDTH = 0.35  # a feather-light pen still draws at this share of the width


class Canvas(QWidget):
    """Draw with the mouse or a pen; right button, the eraser toggle or a pen's eraser erases.
    Ink stays on the canvas: a stroke dragged off it is cut at the edge and goes on where the
    pointer comes back (the network reads exactly what the person sees). When something is laid
    over its lower edge (`set_covered`), it shows the whole drawing shrunk into the room left
    and maps the pointer back, so no ink the network reads is ever hidden. So it does when the
    canvas shrinks with ink beyond its new edges: the page keeps that ink, shown shrunk to fit.

    `stroke_changed` fires while a stroke grows, `drawing_changed` after every committed change
    (a finished stroke, an erase, undo, redo, clear), `stroke_finished` after a stroke only,
    `resized` after a resize (the thumbnail has the new shape).
    """

    stroke_started = Signal()
    stroke_changed = Signal()
    stroke_finished = Signal()
    drawing_changed = Signal()
    history_changed = Signal()
    resized = Signal()  # the backing images, thumbnail included, are redrawn at the new size

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._strokes: tuple[Stroke, ...] = ()
        self._undo: list[tuple[Stroke, ...]] = []
        self._redo: list[tuple[Stroke, ...]] = []
        self._pen_width = 14.0
        self._eraser = False
        self._mode: str | None = None  # "draw" or "erase" while a button or pen is down
        self._growing: GrowingStroke | None = None  # the stroke being drawn
        self._before_erase: tuple[Stroke, ...] = ()
        self._pointer: QPointF | None = None  # in drawing coordinates
        self._covered = 0  # pixels of the lower edge something is laid over
        # The drawing's page, in drawing pixels: the canvas's size, or larger where ink drawn
        # before the canvas shrank reaches beyond it (`_fit_page`).
        self._page = QSize(1, 1)
        self._backing = BackingImages()  # the drawing, and its thumbnail for the Input panel

    # --- public state --------------------------------------------------------------------------

    def strokes(self) -> list[np.ndarray]:
        """Every stroke's (n, 2) points, the one being drawn included: the network's input."""
        return [points for points, _ in self._all_strokes()]

    def stroke_objects(self) -> tuple[Stroke, ...]:
        return self._strokes

    def is_empty(self) -> bool:
        return not self._strokes and self._growing is None

    def stroke_in_progress(self) -> bool:
        """True while a stroke is being drawn (the pen or button is down, drawing)."""
        return self._growing is not None

    def canvas_size(self) -> tuple[int, int]:
        """The page's (width, height) in drawing pixels: the canvas's, or more (`_fit_page`)."""
        return self._page.width(), self._page.height()

    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        self._pen_width = float(max(1.0, width))
        self.update()

    def set_eraser(self, on: bool) -> None:
        self._eraser = bool(on)
        self.setCursor(Qt.CursorShape.PointingHandCursor if on else Qt.CursorShape.CrossCursor)
        self.update()

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        if self._mode is None and self._undo:
            self._redo.append(self._strokes)
            self._set_strokes(self._undo.pop())

    def redo(self) -> None:
        if self._mode is None and self._redo:
            self._undo.append(self._strokes)
            self._set_strokes(self._redo.pop())

    def clear(self) -> None:
        """Remove every stroke, as one undoable step."""
        self._cancel_gesture()
        if self._strokes:
            self._commit(())

    def set_strokes(self, strokes, width: float | None = None) -> None:
        """Replace the drawing by `strokes` (list of (n, 2) points), as one undoable step."""
        self._cancel_gesture()
        w = self._pen_width if width is None else float(width)
        self._commit(tuple(Stroke(np.asarray(s, np.float32).reshape(-1, 2),
                                  np.full(len(s), w, np.float32)) for s in strokes if len(s)))

    def to_image(self, ink_only: bool = False) -> QImage:
        """The drawing as an image the size of its page (ARGB32, paper or transparent)."""
        image = QImage(self._page, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent if ink_only else PAPER)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in self._strokes:
            paint_stroke(painter, stroke.points, stroke.widths)
        painter.end()
        return image

    def thumbnail(self) -> tuple[np.ndarray, float]:
        """(ink (h, w) float32 in [0, 1], longer side THUMBNAIL_SIDE; its pixels per canvas px)."""
        return self._backing.thumbnail()

    # --- the view: the whole drawing in the room that is not covered ---------------------------

    def set_covered(self, pixels: int) -> None:
        """`pixels` of the lower edge are hidden under another widget (0: none)."""
        pixels = max(0, min(int(pixels), self.height() - 1))
        if pixels != self._covered:
            self._covered = pixels
            self.update()

    def view_scale(self) -> float:
        """Screen pixels per drawing pixel: 1, or less while the lower edge is covered or the
        page is larger than the canvas."""
        page = self._page
        return min(1.0, (self.height() - self._covered) / max(page.height(), 1),
                   self.width() / max(page.width(), 1))

    def view_rect(self) -> QRectF:
        """Where the whole page shows on the widget, centred across its width."""
        s, page = self.view_scale(), self._page
        return QRectF((self.width() - page.width() * s) / 2, 0, page.width() * s,
                      page.height() * s)

    def _shrunk(self) -> bool:
        return bool(self._covered) or self._page != self.size()

    def _fit_page(self) -> None:
        """The page: the canvas's size, grown to hold every stroke that reaches beyond it, as
        after the window was made smaller (to its points, as the canvas's own edges cut a
        stroke: a page grown for the pen's width too would grow again with every stroke drawn
        along its edge)."""
        w, h = self.width(), self.height()
        for stroke in self._strokes:
            reach = stroke.points.max(axis=0)
            w, h = max(w, int(np.ceil(reach[0]))), max(h, int(np.ceil(reach[1])))
        self._page = QSize(w, h)

    def to_view(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) drawing coordinates -> widget coordinates."""
        r = self.view_rect()
        return np.asarray(points, np.float64) * self.view_scale() + (r.left(), r.top())

    def _to_drawing(self, pos: QPointF) -> QPointF:
        r, s = self.view_rect(), self.view_scale()
        return QPointF((pos.x() - r.left()) / s, (pos.y() - r.top()) / s)

    def _on_page(self, pos: QPointF) -> bool:
        """True when drawing position `pos` is on the page, not in the margin beside it."""
        return 0 <= pos.x() <= self._page.width() and 0 <= pos.y() <= self._page.height()

    def _view_update(self, rect: QRectF) -> None:
        r, s = self.view_rect(), self.view_scale()
        self.update(QRectF(r.left() + rect.left() * s, r.top() + rect.top() * s,
                           rect.width() * s, rect.height() * s).toAlignedRect().adjusted(
                               -1, -1, 1, 1))

    def _all_strokes(self):
        """(points, widths) of every stroke, the one being drawn included."""
        out = [(s.points, s.widths) for s in self._strokes]
        if self._growing is not None:
            out += self._growing.arrays()
        return out

    # --- history -------------------------------------------------------------------------------

    def _commit(self, strokes: tuple[Stroke, ...]) -> None:
        self._undo.append(self._strokes)
        self._redo.clear()
        self._set_strokes(strokes)

    def _set_strokes(self, strokes: tuple[Stroke, ...]) -> None:
        self._strokes = strokes
        self._fit_page()  # an undo can bring back ink beyond the edges, a clear drops it
        self._render()
        self.history_changed.emit()
        self.drawing_changed.emit()

    def _cancel_gesture(self) -> None:
        if self._mode == "erase":
            self._strokes = self._before_erase
        self._mode = None
        self._growing = None
        self._render()

    # --- input ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = self._to_drawing(event.position())
        # A press in the margin beside the shrunk page starts nothing, as a press off the
        # canvas does while the page fills it (moves there still cut and resume a stroke).
        if self._mode is not None or not self._on_page(pos):
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin("erase" if self._eraser else "draw", pos, 1.0)
        elif event.button() == Qt.MouseButton.RightButton:
            self._begin("erase", pos, 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = self._to_drawing(event.position())
        self._move_pointer(pos)
        if self._mode is not None:
            self._extend(pos, 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._mode is not None and not event.buttons() & (
                Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            self._end()

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Accepted, so Qt does not also synthesise mouse events for the pen.
        event.accept()
        pos, pressure = self._to_drawing(event.position()), float(event.pressure())
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress and self._mode is None and self._on_page(pos):
            erase = (self._eraser or event.pointerType() == QPointingDevice.PointerType.Eraser
                     or event.button() == Qt.MouseButton.RightButton)
            self._begin("erase" if erase else "draw", pos, pressure)
        elif kind == QTabletEvent.Type.TabletMove:
            self._move_pointer(pos)
            if self._mode is not None:
                self._extend(pos, pressure)
        elif kind == QTabletEvent.Type.TabletRelease and self._mode is not None:
            self._end()

    def hideEvent(self, event) -> None:
        # Out of sight (another tab, a closing window) a stroke ends as the pen lifted:
        # moves made there while the button is still held would draw ink no one sees.
        if self._mode is not None:
            self._end()
        super().hideEvent(event)

    def leaveEvent(self, event) -> None:
        self._pointer = None
        self.update()
        super().leaveEvent(event)

    def _move_pointer(self, pos: QPointF) -> None:
        if self._eraser or self._mode == "erase":
            old = self._pointer
            self._pointer = QPointF(pos)
            r = self._eraser_radius() + 2
            for p in (old, self._pointer):
                if p is not None:
                    self._view_update(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r))

    def _width_for(self, pressure: float) -> float:
        p = min(max(pressure, 0.0), 1.0)
        return self._pen_width * (MIN_PRESSURE_WIDTH + (1 - MIN_PRESSURE_WIDTH) * p)

    def _eraser_radius(self) -> float:
        return max(6.0, self._pen_width * 1.2)

    def _begin(self, mode: str, pos: QPointF, pressure: float) -> None:
        self._mode = mode
        if mode == "draw":
            width = self._width_for(pressure)
            self._growing = GrowingStroke((pos.x(), pos.y()), width, self.canvas_size())
            self.stroke_started.emit()
            start = self._growing.pieces[0][0][0]
            self._draw_segment(start, start, width)
            self.stroke_changed.emit()
        else:
            self._before_erase = self._strokes
            self._pointer = QPointF(pos)
            self._erase_at(pos)

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if self._mode == "erase":
            self._erase_at(pos)
            return
        painted = self._growing.move((pos.x(), pos.y()), self._width_for(pressure))
        if painted:  # None: sub-pixel jitter; []: off the canvas, nothing new to read
            for a, b, width in painted:
                self._draw_segment(a, b, width)
            self.stroke_changed.emit()

    def _end(self) -> None:
        mode, self._mode = self._mode, None
        if mode == "draw":
            pieces = tuple(Stroke(p, w) for p, w in self._growing.arrays())
            self._growing = None
            self._commit(self._strokes + pieces)  # one undo step, however many pieces
            self.stroke_finished.emit()
        elif mode == "erase":
            erased, self._strokes = self._strokes, self._before_erase
            if erased != self._before_erase:
                self._commit(erased)

    def _erase_at(self, pos: QPointF) -> None:
        """Remove every stroke passing within the eraser's radius of `pos` (live, undoable)."""
        r = self._eraser_radius()
        p = np.array([pos.x(), pos.y()], np.float32)
        keep = tuple(s for s in self._strokes if distance(s.points, p) > r + s.widths.max() / 2)
        if len(keep) != len(self._strokes):
            self._strokes = keep
            self._render()
            self.drawing_changed.emit()

    # --- painting ------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        if self._mode is None:  # a stroke being drawn keeps its page until it ends
            self._fit_page()
        self._render()
        super().resizeEvent(event)
        self.resized.emit()

    def _render(self) -> None:
        """Repaint the backing images from the vectors (undo, erase, resize)."""
        self._backing.render(self._page, self.devicePixelRatioF(), self._all_strokes())
        self.update()

    def _draw_segment(self, a, b, w: float) -> None:
        """Add the segment a -> b of the stroke being drawn (width w) to the backing images."""
        self._view_update(self._backing.draw_segment(a, b, w))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        image = self._backing.image
        if self._shrunk():  # the whole drawing, shrunk, on a margin that is plainly not paper
            painter.fillRect(event.rect(), self.palette().color(self.backgroundRole()))
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.view_rect(), image)
        else:
            painter.drawImage(event.rect(), image, device_rect(event.rect(), image))
        if self.is_empty():
            painter.setPen(HINT)
            font = QFont(self.font())
            font.setPointSizeF(max(14.0, min(self.width(), self.height()) / 18))
            painter.setFont(font)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "draw a letter")
        if self._pointer is not None and (self._eraser or self._mode == "erase"):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(ERASER_RING, 1.5))
            r = self._eraser_radius() * self.view_scale()
            centre = self.to_view([[self._pointer.x(), self._pointer.y()]])[0]
            painter.drawEllipse(QPointF(*centre), r, r)
        painter.end()
