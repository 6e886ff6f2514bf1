"""How the window names the 26 classes. Upper and lower case share one class (the training
letters are labelled that way), so every label shows both: 'Aa', 'Bb', …"""

from PySide6.QtGui import QFont, QFontMetrics

from cnn.data import LETTERS

CLASS_LABELS = [c + c.lower() for c in LETTERS]


def class_label(index: int) -> str:
    """'Aa' for class 0, … 'Zz' for class 25."""
    return CLASS_LABELS[int(index)]


def axis_ticks(offset: float = 0.0, stacked: bool = False) -> list[list[tuple[float, str]]]:
    """pyqtgraph ticks naming the classes at offset, 1 + offset, …; `stacked` puts the lower
    case under the upper (a narrow horizontal axis has room for one character per class)."""
    sep = "\n" if stacked else ""
    return [[(i + offset, c + sep + c.lower()) for i, c in enumerate(LETTERS)]]


def stack_labels(axis, offset: float = 0.0) -> None:
    """Name the classes along a bottom `axis` of pyqtgraph, lower case under upper; the axis
    is made tall enough for both lines and their descenders."""
    axis.setTicks(axis_ticks(offset, stacked=True))
    font = axis.style.get("tickFont") or QFont()
    axis.setHeight(2 * QFontMetrics(font).lineSpacing() + 6)
