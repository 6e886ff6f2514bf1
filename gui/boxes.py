"""A column of widgets and layouts filling a widget: the layout most panels are made of."""

from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget


def column(parent: QWidget, *items, top: int = 0) -> QVBoxLayout:
    """`parent`'s layout: `items` (widgets or layouts; an (item, stretch) pair stretches) one
    under another, edge to edge but for `top` pixels above."""
    box = QVBoxLayout(parent)
    box.setContentsMargins(0, top, 0, 0)
    for item in items:
        item, stretch = item if isinstance(item, tuple) else (item, 0)
        if isinstance(item, QLayout):
            box.addLayout(item, stretch)
        else:
            box.addWidget(item, stretch)
    return box
