"""The keyboard on the feature-map mosaics: the current map, where each arrow key takes it, and
the outline that shows it (with a frame round the view while the keyboard is on the maps).

A map is one tile of a 2-D layer, or the whole strip of a 1-D layer (the unit a click enlarges).
"""

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QPen

from gui import colormaps as cm
from gui.panels.map_points import MapPoint, unit_rect
from gui.panels.map_row import MapRow
from gui.panels.views import outline

ARROWS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
          Qt.Key.Key_Home, Qt.Key.Key_End}
ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
HINT = "Enter: enlarge · Shift+Enter: step through"
# Focus from Tab or a shortcut shows the current map at once; from a click, at the first key.
SHOWING_REASONS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                   Qt.FocusReason.ShortcutFocusReason, Qt.FocusReason.OtherFocusReason)
# The menu it opened, or another window, takes the focus for a while: the marker stays.
STAYING_REASONS = (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason)


def key_action(event) -> str:
    """What a key does on the maps: 'move', 'enlarge', 'step', 'menu', or '' (not its key)."""
    key = event.key()
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    plain = mods == Qt.KeyboardModifier.NoModifier
    shift = mods == Qt.KeyboardModifier.ShiftModifier
    if plain and key in ARROWS:
        return "move"
    if plain and (key in ENTER or key == Qt.Key.Key_Space):
        return "enlarge"
    if shift and key in ENTER:
        return "step"
    if (plain and key == Qt.Key.Key_Menu) or (shift and key == Qt.Key.Key_F10):
        return "menu"
    return ""


def map_count(row: MapRow) -> int:
    return 1 if row.flat else row.shape[0]


def step(rows: list[MapRow], layer: int, channel: int, key: Qt.Key) -> tuple[int, int]:
    """(layer index, map) after `key` from map `channel` of rows[layer]: Left/Right the map
    before/after, Home/End the layer's first/last, Up/Down the tile above/below, else the
    nearest tile (by its centre) in the layer above/below; it stops at the edges."""
    row = rows[layer]
    last = map_count(row) - 1
    if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
        return layer, min(max(channel + (1 if key == Qt.Key.Key_Right else -1), 0), last)
    if key in (Qt.Key.Key_Home, Qt.Key.Key_End):
        return layer, 0 if key == Qt.Key.Key_Home else last
    down = key == Qt.Key.Key_Down
    if not row.flat:
        below = channel + (row.mosaic.columns if down else -row.mosaic.columns)
        if 0 <= below <= last:
            return layer, below
    target = layer + (1 if down else -1)
    if not 0 <= target < len(rows):
        return layer, channel
    x = map_rect(row, channel).center().x()
    other = rows[target]
    if other.flat:
        return target, 0
    columns, count = other.mosaic.columns, map_count(other)
    first = 0 if down else (count - 1) // columns * columns  # the nearer line of tiles
    line = range(first, min(first + columns, count))
    return target, min(line, key=lambda c: abs(map_rect(other, c).center().x() - x))


def map_rect(row: MapRow, channel: int) -> QRectF:
    """Map `channel`'s tile (a 1-D layer's whole strip), in view pixels."""
    return unit_rect(row, MapPoint(row.name, channel, 0, 0, 0.0), whole_map=True)


def middle(row: MapRow, channel: int) -> MapPoint:
    """The unit in the middle of a map (a 1-D layer: its middle unit), with its value."""
    if row.flat:
        unit = row.shape[0] // 2
        value = float("nan") if row.values is None else float(row.values[unit])
        return MapPoint(row.name, unit, 0, 0, value)
    h, w = row.shape[1:]
    value = float("nan") if row.values is None else float(row.values[channel, h // 2, w // 2])
    return MapPoint(row.name, channel, h // 2, w // 2, value)


class MapCursor:
    """The current map's outline and the focus frame: two items made once and moved, shown
    only while the keyboard works the maps (a click focuses the view without them)."""

    def __init__(self, box) -> None:
        self.marker = outline(color=cm.ACCENT, width=2.5)
        self.marker.setZValue(11)  # over the enlarged map's outline
        self.frame = outline(color=cm.ACCENT, width=1.0)
        pen = QPen(self.frame.pen())
        pen.setStyle(Qt.PenStyle.DashLine)
        self.frame.setPen(pen)
        box.addItem(self.marker)
        box.addItem(self.frame)
        self.layer, self.channel = 0, 0

    def shown(self) -> bool:
        return self.marker.isVisible()

    def show(self, on: bool) -> None:
        self.marker.setVisible(on)
        self.frame.setVisible(on)

    def place(self, rows: list[MapRow], width: float, height: float) -> None:
        """Outline the current map and frame the view (width x height pixels)."""
        if not rows:
            return
        self.layer = min(self.layer, len(rows) - 1)
        self.channel = min(self.channel, map_count(rows[self.layer]) - 1)
        self.marker.setRect(map_rect(rows[self.layer], self.channel).adjusted(-1, -1, 1, 1))
        self.frame.setRect(QRectF(1, 1, max(width - 2, 0), max(height - 2, 0)))


class MapKeys(QObject):
    """The maps view's keys (an event filter on it): arrows move the current map, Enter or
    Space asks to enlarge it, Shift+Enter to step through it, the menu key for the menu; and
    Esc anywhere in the panel asks to close the enlarged map. `rows` gives the panel's rows as
    they are now, `enlarged` whether a map is enlarged."""

    moved = Signal(object, str)  # the current map's MapRow and a line naming it; None, "" off
    enlarge_requested = Signal(object)  # MapPoint: the middle of the current map
    step_requested = Signal(object, object)  # MapPoint, and where a menu goes (None: no menu)
    close_requested = Signal()

    def __init__(self, panel, view, box, rows: Callable[[], list[MapRow]],
                 enlarged: Callable[[], bool]) -> None:
        super().__init__(view)
        self._panel, self._view, self._box = panel, view, box
        self._rows, self._enlarged = rows, enlarged
        self._cursor = MapCursor(box)
        # A Tab stop, unlike the other pictures: it has keys now.
        view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        view.installEventFilter(self)
        # Keys the panel's controls leave unused come up to the panel: its Esc, from the maps,
        # the Colour scale box or the enlarged map's buttons.
        panel.installEventFilter(self)

    def current(self) -> tuple[str, int] | None:
        rows = self._rows()
        return (rows[self._cursor.layer].name, self._cursor.channel) if rows else None

    def marker_shown(self) -> bool:
        return self._cursor.shown()

    def go_to(self, layer: int, channel: int) -> None:
        self._cursor.layer, self._cursor.channel = layer, channel
        self.place()

    def place(self) -> None:
        self._cursor.place(self._rows(), self._box.width(), self._box.height())

    def _announce(self) -> None:
        row = self._rows()[self._cursor.layer]
        where = (f"{map_count(row)} units" if row.flat
                 else f"map {self._cursor.channel} of {map_count(row)}")
        self.moved.emit(row, f"{row.name} · {where} · {HINT}")

    def _act(self, what: str, key: Qt.Key) -> None:
        self._cursor.show(True)
        cursor = self._cursor
        if what == "move":
            self.go_to(*step(self._rows(), cursor.layer, cursor.channel, key))
        self._announce()
        point = middle(self._rows()[cursor.layer], cursor.channel)
        if what == "enlarge":
            self.enlarge_requested.emit(point)
        elif what == "step":
            self.step_requested.emit(point, None)
        elif what == "menu":
            mark = self._box.mapViewToScene(cursor.marker.rect().center())
            self.step_requested.emit(
                point, self._view.viewport().mapToGlobal(self._view.mapFromScene(mark)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if watched is self._panel:
            # Esc closes the enlarged map before the window's Esc (clear the canvas) gets it;
            # with none enlarged, Esc clears as everywhere on the Draw tab.
            if (kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
                    and event.key() == Qt.Key.Key_Escape
                    and event.modifiers() == Qt.KeyboardModifier.NoModifier and self._enlarged()):
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    self.close_requested.emit()
                return True
        elif kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and self._rows():
            what = key_action(event)
            if what:
                event.accept()  # the view's own keys, before any window shortcut
                if kind == QEvent.Type.KeyPress:
                    self._act(what, event.key())
                return True
        elif kind == QEvent.Type.FocusIn and event.reason() in SHOWING_REASONS:
            if self._rows():
                self._cursor.show(True)
                self._announce()
        elif kind == QEvent.Type.FocusOut and event.reason() not in STAYING_REASONS:
            if self._cursor.shown():
                self._cursor.show(False)
                self.moved.emit(None, "")
        return super().eventFilter(watched, event)
