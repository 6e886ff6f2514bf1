"""Plain keys for the lists that find their items by them.

The window's one-key shortcuts (P, E, [ and ]) took every such key first: typing "p" on the
Colour scale box, to pick "per map", switched to the pen instead. Text fields keep their keys
already (Qt lets them override shortcuts); drop-down boxes and list views did not.
"""

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QWidget


class TypeToFind(QObject):
    """An event filter: a plain printable key on a watched list is that list's, not a
    shortcut's."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() == QEvent.Type.ShortcutOverride
                and event.modifiers() == Qt.KeyboardModifier.NoModifier
                and event.text().isprintable() and event.text().strip()):
            event.accept()  # the key press goes to the list
            return True
        return False


def keep_typing_keys(root: QWidget) -> TypeToFind:
    """Install a TypeToFind (owned by `root`) on every drop-down box and list view in `root`."""
    guard = TypeToFind(root)
    for kind in (QComboBox, QAbstractItemView):
        for widget in root.findChildren(kind):
            widget.installEventFilter(guard)
    return guard
