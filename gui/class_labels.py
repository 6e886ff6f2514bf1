"""How the window names the 26 classes. Upper and lower case share one class (the training
letters are labelled that way), so every label shows both: 'Aa', 'Bb', …"""

import math

from PySide6.QtGui import QFont, QFontMetrics

from cnn.data import LETTERS

CLASS_LABELS = [c + c.lower() for c in LETTERS]


def class_label(index: int) -> str:
    """'Aa' for class 0, … 'Zz' for class 25."""
    return CLASS_LABELS[int(index)]


# The runner-up is shown beside the top letter when it has at least this share of its
# probability: a bare bar read 55 % I and 40 % l is "I or l", not a sure I.
CLOSE_RATIO = 0.5
_I, _L = LETTERS.index("I"), LETTERS.index("L")


def _reading(index: int, other: int) -> str:
    """The letter as a person would write it: the l of an I-or-l pair is lower case."""
    return "l" if index == _L and other == _I else LETTERS[index]


def close_readings(probs) -> str | None:
    """'I or l' (best first) when the two most likely classes are close, else None."""
    order = sorted(range(len(probs)), key=lambda i: -float(probs[i]))[:2]
    first, second = order
    if not float(probs[second]) >= CLOSE_RATIO * float(probs[first]) or probs[first] <= 0:
        return None
    return f"{_reading(first, second)} or {_reading(second, first)}"


def axis_ticks(offset: float = 0.0, stacked: bool = False) -> list[list[tuple[float, str]]]:
    """pyqtgraph ticks naming the classes at offset, 1 + offset, …; `stacked` puts the lower
    case under the upper (a narrow horizontal axis has room for one character per class)."""
    sep = "\n" if stacked else ""
    return [[(i + offset, c + sep + c.lower()) for i, c in enumerate(LETTERS)]]


def stack_labels(axis, offset: float = 0.0) -> None:
    """Name the classes along a bottom `axis` of pyqtgraph, lower case under upper; the axis
    is made tall enough for both lines and their descenders, and for its label under them
    (set the label first)."""
    axis.setTicks(axis_ticks(offset, stacked=True))
    font = axis.style.get("tickFont") or QFont()
    set_height(axis, font)


def set_height(axis, font: QFont) -> None:
    """Two lines of `font` and their descenders, and the axis's label when it shows one: a
    fixed height leaves the label out (pyqtgraph sets it at the axis's foot, over the text)."""
    height = 2 * QFontMetrics(font).lineSpacing() + 6
    if axis.label.isVisible():
        height += math.ceil(axis.label.boundingRect().height())
    axis.setHeight(height)


MIN_LABEL_POINTS = 6.0
STRETCHES = (100, 87, 75)  # narrower letters first: a condensed 8 pt reads better than 6 pt


def label_width(font: QFont) -> int:
    """The widest class label's width in pixels (W, M, w or m)."""
    metrics = QFontMetrics(font)
    return max(metrics.horizontalAdvance(c) for c in "WMwm")


def _label_font(pitch: float) -> tuple[QFont, bool]:
    """The largest font (condensed first, then smaller, not below MIN_LABEL_POINTS) whose widest
    class label keeps a pixel from its neighbours at `pitch` pixels a label; and whether it
    does at all."""
    font = QFont()
    size = font.pointSizeF()
    while True:
        for stretch in STRETCHES:
            font.setPointSizeF(size)
            font.setStretch(stretch)
            if label_width(font) + 1 <= pitch:
                return font, True
        if size - 0.5 < MIN_LABEL_POINTS:
            return font, False
        size -= 0.5


def fit_labels(axis, pitch: float, offset: float = 0.0) -> None:
    """Condense, then shrink, the stacked class labels of `axis` until the widest keeps a
    pixel from its neighbours at `pitch` pixels a class (the application font at most); where
    even the smallest does not, name every other class (labels at `offset`, 1 + offset, …) in
    it, as `fit_rows` does, rather than let pyqtgraph drop the ones at the ends (a larger font
    for two classes' room pushed A past the axis's end, and pyqtgraph left it out)."""
    font, fits = _label_font(pitch)
    step = 1 if fits else 2
    old = axis.style.get("tickFont")
    if old is None or (old.pointSizeF(), old.stretch()) != (font.pointSizeF(), font.stretch()):
        axis.setStyle(tickFont=font)
        set_height(axis, font)
    if getattr(axis, "_label_step", 1) != step:
        axis._label_step = step
        axis.setTicks([[t for i, t in enumerate(axis_ticks(offset, stacked=True)[0])
                        if i % step == 0]])


def fit_rows(axis, pitch: float, offset: float = 0.0) -> None:
    """Shrink the one-line class labels of a left `axis` until a line fits `pitch` pixels a
    class; below the smallest size, name every other class (labels a row apart overlap)."""
    font = QFont()
    size = font.pointSizeF()
    while QFontMetrics(font).height() > pitch and size - 0.5 >= MIN_LABEL_POINTS:
        size -= 0.5
        font.setPointSizeF(size)
    step = 1 if QFontMetrics(font).height() <= pitch else 2
    ticks = [t for i, t in enumerate(axis_ticks(offset)[0]) if i % step == 0]
    if (axis.style.get("tickFont"), getattr(axis, "_row_step", None)) != (font, step):
        axis._row_step = step
        axis.setStyle(tickFont=font)
        axis.setTicks([ticks])


def keep_labels_apart(plot) -> None:
    """Fit the stacked class labels of `plot`'s bottom axis (a PlotWidget or PlotItem) to the
    room a class gets, again whenever its view box is resized (`fit_labels`)."""
    box, axis = plot.getViewBox(), plot.getAxis("bottom")

    def refit(_box=None) -> None:
        low, high = box.viewRange()[0]
        if high > low and box.width() > 0:
            fit_labels(axis, box.width() / (high - low))

    box.sigResized.connect(refit)
