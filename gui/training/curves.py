"""Live learning curves: loss and accuracy per batch (raw and smoothed) and per epoch, and per
layer the size of the gradients and of the weight updates, on a log scale.

Plot items are made once, when the panel is first shown (per-layer curves once per
architecture), and updated with setData.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem, QWidget

from gui.training.history import History, smooth

TRAIN = (86, 156, 214)
VAL = (255, 196, 61)
LAYER_COLOURS = [(86, 156, 214), (106, 190, 120), (230, 120, 90), (190, 130, 220),
                 (240, 200, 80), (90, 200, 200), (200, 200, 200), (240, 140, 180)]


def _pen(colour, width=1.6, alpha=255):
    return pg.mkPen((*colour, alpha), width=width)


def _line(plot: pg.PlotItem, colour, width: float, **kw) -> pg.PlotDataItem:
    """A batch curve: a line, with a dot while it has one point (a lone point draws no line)."""
    return plot.plot(pen=_pen(colour, width), symbol=None, symbolSize=6, symbolPen=None,
                     symbolBrush=colour, **kw)


def _set_line(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    curve.setData(x, y)
    symbol = "o" if len(x) == 1 else None
    if curve.opts["symbol"] != symbol:
        curve.setSymbol(symbol)


class LogAxis(pg.AxisItem):
    """A log axis labelled with plain numbers at decades (every 2nd, 5th … when they would
    crowd), and at 2 and 5 where there is room: a diverging run's norms span 20 decades and
    more, and the automatic minor labels of a log axis collide."""

    LABEL_PX = 18  # the room one label needs along the axis

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        if not self.logMode:
            return super().tickValues(minVal, maxVal, size)
        low, high = sorted((minVal, maxVal))
        room = max(2, int(size / self.LABEL_PX))  # labels that fit
        step = next(s for s in (1, 2, 3, 5, 10, 20, 50, 100) if (high - low) / s <= room
                    or s == 100)
        decades = [float(k) for k in range(int(np.ceil(low / step)) * step,
                                           int(np.floor(high)) + 1, step)]
        levels = [(float(step), decades)]
        if step == 1 and 3 * (high - low) <= room:
            # 2 and 5 in each decade; zoomed in to less than a decade, every multiple.
            ms = (2, 5) if high - low >= 1 else range(2, 10)
            levels.append((None, [v for k in range(int(np.floor(low)), int(np.ceil(high)))
                                  for v in k + np.log10(ms) if low <= v <= high]))
        return levels

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        return [f"{10.0 ** v:g}" for v in values]


class CurvesPanel(pg.GraphicsLayoutWidget):
    """set_history(h) redraws everything; refresh(h) after each chunk of batches."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainCurves")
        self.setBackground((30, 31, 36))
        self.plots_made = False  # made when first shown: a window that never trains never pays
        self._history = History()  # what the plots show, or will show once made
        self._layer_curves: list[tuple] = []
        self._layers: list[str] = []
        self._smoothed = 0
        self._state = {"loss": (0.0, 0.0), "accuracy": (0.0, 0.0)}
        self._smooth = {"loss": np.zeros(0), "accuracy": np.zeros(0)}
        self._zoomed: set[pg.PlotItem] = set()  # plots the person zoomed or panned: left alone

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self.plots_made:
            self._make_plots()
            self.set_history(self._history)
        else:
            self.refresh(self._history)  # what came while hidden

    def _make_plots(self) -> None:
        self.loss = self._plot(0, 0, "Loss (cross-entropy)")
        self.loss_legend_corner = "top right"  # or "bottom left": see `_place_loss_legend`
        self.acc = self._plot(0, 1, "Accuracy", legend_at=(-6, -6))
        self.grad = self._plot(1, 0, "Gradient size per layer ‖∂L/∂W‖", log=True,
                               legend_at=(6, 2))
        self.update_plot = self._plot(1, 1, "Weight update size per layer ‖ΔW‖", log=True,
                                      legend_at=(6, 2))
        self.acc.setYRange(0, 1, padding=0.02)
        # A record without per-layer sizes (a model trained by the command line) says so.
        self.no_norms = {}
        for plot in (self.grad, self.update_plot):
            note = self.no_norms[plot] = pg.TextItem(
                "No per-layer sizes in this model's record:\na run in this window draws them",
                color=(150, 150, 150), anchor=(0.5, 0.5))
            note.setVisible(False)
            plot.addItem(note, ignoreBounds=True)
        for plot in (self.loss, self.acc, self.grad, self.update_plot):
            plot.disableAutoRange()  # `_set_ranges` frames them, until the person zooms
            plot.vb.sigRangeChangedManually.connect(
                lambda _mask, plot=plot: self._zoomed.add(plot))
        self.loss_raw = self.loss.plot(pen=_pen(TRAIN, 1, 70))
        # Antialiasing only where the eye rests: the smoothed and the validation curves.
        self.loss_smooth = _line(self.loss, TRAIN, 2, name="training (batches)",
                                 antialias=True)
        self.loss_val = self.loss.plot(pen=_pen(VAL, 2), symbol="o", symbolSize=6,
                                       symbolBrush=VAL, name="validation (epochs)",
                                       antialias=True)
        self.acc_raw = self.acc.plot(pen=_pen(TRAIN, 1, 70))
        self.acc_smooth = _line(self.acc, TRAIN, 2, name="training", antialias=True)
        self.acc_val = self.acc.plot(pen=_pen(VAL, 2), symbol="o", symbolSize=6,
                                     symbolBrush=VAL, name="validation", antialias=True)
        self.plots_made = True

    def _plot(self, row: int, col: int, title: str, log: bool = False,
              legend_at=(-6, 6)) -> pg.PlotItem:
        p = self.addPlot(row=row, col=col, title=title,
                         axisItems={"left": LogAxis("left")} if log else None)
        p.showGrid(x=True, y=True, alpha=0.15)
        p.setLabel("bottom", "epoch")
        # Early in a run the x range is a thousandth of an epoch: ticks read 0.001 … 0.004
        # epoch, never "epoch (x0.001)" with ticks 1 … 4. Values keep their own units too.
        for side in ("bottom", "left"):
            axis = p.getAxis(side)
            axis.enableAutoSIPrefix(False)
            # The grid makes each axis an item as large as its plot, painted again whenever a
            # curve changes: from a pixmap, made again only when the axis itself changes.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        p.setDownsampling(auto=True, mode="peak")
        p.setClipToView(True)
        p.addLegend(offset=legend_at, labelTextSize="8pt", brush=(30, 31, 36, 200),
                    colCount=4 if log else 1)
        if log:
            p.setLogMode(y=True)
        return p

    def _set_layers(self, layers: list[str]) -> None:
        if layers == self._layers:
            return
        for g, u in self._layer_curves:
            self.grad.removeItem(g)
            self.update_plot.removeItem(u)
        self.grad.legend.clear()
        self.update_plot.legend.clear()
        self._layer_curves = []
        for i, name in enumerate(layers):
            colour = LAYER_COLOURS[i % len(LAYER_COLOURS)]
            self._layer_curves.append((_line(self.grad, colour, 1.4, name=name),
                                       _line(self.update_plot, colour, 1.4, name=name)))
        self._layers = list(layers)

    def set_history(self, h: History) -> None:
        """Redraw from scratch (a new run, or a model opened from a file)."""
        self._history = h
        if not self.plots_made:
            return
        self._smoothed = 0
        self._state = {"loss": (0.0, 0.0), "accuracy": (0.0, 0.0)}
        self._smooth = {"loss": np.zeros(0), "accuracy": np.zeros(0)}
        self._set_layers(h.layers)
        self._zoomed.clear()  # a new run or another model's record: framed afresh
        for plot in (self.loss, self.acc, self.grad, self.update_plot):
            plot.disableAutoRange()
        self.refresh(h)

    def refresh(self, h: History) -> None:
        """Draw what `h` holds; smoothing continues from the points already drawn. Hidden, it
        only keeps `h`: nobody sees it now, and showing draws it."""
        self._history = h
        if not self.plots_made or not self.isVisible():
            return
        if len(h) < self._smoothed:
            return self.set_history(h)
        for key in ("loss", "accuracy"):
            new, self._state[key] = smooth(getattr(h, key)[self._smoothed:], 0.05,
                                           self._state[key])
            self._smooth[key] = np.concatenate([self._smooth[key], new])
        self._smoothed = len(h)
        self.loss_raw.setData(h.x, h.loss)
        _set_line(self.loss_smooth, h.x, self._smooth["loss"])
        self.acc_raw.setData(h.x, h.accuracy)
        _set_line(self.acc_smooth, h.x, self._smooth["accuracy"])
        self.loss_val.setData(*h.series("val_loss"))
        self.acc_val.setData(*h.series("val_accuracy"))
        self._set_layers(h.layers)
        if h.layers and len(h.grad_norms) == len(h.x):
            n = len(h.x)
            for i, (g, u) in enumerate(self._layer_curves):
                gi, ui = h.grad_norms[:n, i], h.update_norms[:n, i]
                ok = (gi > 0) & (ui > 0)  # log axes: zero and NaN cannot be drawn
                _set_line(g, h.x[ok], gi[ok])
                _set_line(u, h.x[ok], ui[ok])
        self._set_ranges(h)

    def _set_ranges(self, h: History) -> None:
        """Frame the curves in steps (see `nice_above`), not to the last batch: a range that
        moved with every refresh made all eight axes lay out and paint their ticks again.
        A plot the person zoomed or panned is left as they set it, until its "A" button."""
        # Where the record reaches: its batches, and its epochs (a model trained by the command
        # line keeps only epochs; epoch e ends where its batches would, its first starts at e-1).
        epochs = np.concatenate([h.series(k)[0] for k in ("val_loss", "val_accuracy")])
        if not len(h) and not epochs.size:
            return

        def framed(plot):
            if any(plot.vb.autoRangeEnabled()):  # its "A" button: framed again from now on
                self._zoomed.discard(plot)
                plot.disableAutoRange()
            return plot not in self._zoomed

        # A run that goes on from earlier epochs starts there.
        start = max(0.0, float(np.floor(min([*h.x[:1], *(epochs - 1)]))))
        end = start + nice_above(max([*h.x[-1:], *epochs]) - start)
        for plot in (self.loss, self.acc, self.grad, self.update_plot):
            if framed(plot):
                plot.setXRange(start, end, padding=0.02)
        losses = np.concatenate([h.loss, h.series("val_loss")[1]])
        losses = losses[np.isfinite(losses)]
        if losses.size and framed(self.loss):
            self.loss.setYRange(0, nice_above(float(losses.max())), padding=0.02)
        for plot, norms in ((self.grad, h.grad_norms), (self.update_plot, h.update_norms)):
            values = norms[np.isfinite(norms) & (norms > 0)]
            note = self.no_norms[plot]
            note.setVisible(not values.size)
            plot.getAxis("left").setStyle(showValues=bool(values.size))  # no numbers on nothing
            note.setPos((start + end) / 2, 0.5)  # the middle of the empty plot's range
            if not framed(plot):
                continue
            if values.size:  # log axes: the range in log10 units
                low = np.log10(nice_below(float(values.min())))
                plot.setYRange(low, np.log10(nice_above(float(values.max()))), padding=0.02)
            else:  # a record without norms (a model from the command line): not the last one's
                plot.setYRange(0, 1, padding=0.02)
        # Apply the ranges now, as the paint would: there, the curves re-clipped to a new range
        # would ask Qt for a second paint of the whole panel.
        for plot in (self.loss, self.acc, self.grad, self.update_plot):
            plot.vb.prepareForPaint()
        self._place_loss_legend(h)

    def _place_loss_legend(self, h: History) -> None:
        """Put the loss legend in the corner its curves leave free. A run's loss falls from the
        top left, so the top right is free; a record of epochs only (a model trained by the
        command line) can run flat along the top, under it: there, the bottom left is free."""
        xs = np.concatenate([h.x, h.series("val_loss")[0]])
        ys = np.concatenate([self._smooth["loss"], h.series("val_loss")[1]])
        (x0, x1), (y0, y1) = self.loss.vb.viewRange()
        box = self.loss.legend.boundingRect()
        w = box.width() / max(self.loss.vb.width(), 1.0) + 0.03  # the offset and a margin
        t = box.height() / max(self.loss.vb.height(), 1.0) + 0.03
        u, v = (xs - x0) / (x1 - x0), (ys - y0) / (y1 - y0)  # 0..1 across the view
        under = {"top right": np.count_nonzero((u > 1 - w) & (v > 1 - t)),
                 "bottom left": np.count_nonzero((u < w) & (v < t))}
        corner = min(under, key=lambda k: (under[k], k != self.loss_legend_corner))
        if corner != self.loss_legend_corner:
            self.loss_legend_corner = corner
            at, offset = ((1, 0), (-6, 6)) if corner == "top right" else ((0, 1), (6, -6))
            self.loss.legend.anchor(itemPos=at, parentPos=at, offset=offset)


STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_above(v: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k that is >= v (v > 0): a
    range that grows with its data by at most a third, and only every so often."""
    if not v > 0 or not np.isfinite(v):
        return 1.0
    decade = 10.0 ** np.floor(np.log10(v))
    return next(step * decade for step in STEPS if step * decade >= v * (1 - 1e-9))


def nice_below(v: float) -> float:
    """The largest of the same steps that is <= v (v > 0)."""
    if not v > 0 or not np.isfinite(v):
        return 1.0
    decade = 10.0 ** np.floor(np.log10(v))
    return next(step * decade for step in reversed(STEPS) if step * decade <= v * (1 + 1e-9))
