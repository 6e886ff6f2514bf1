"""A run set up and ready for `fit`: the letters split for validation, the model, the
optimiser and the augmentation, built the same way for the CLI and the Train tab.

The order of draws from the run's generator (split, then initial weights, then `fit`'s shuffles)
is fixed, so one seed gives one run wherever it is started.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from cnn.data import LetterSet, combine
from cnn.model import Sequential, build_model
from cnn.optim import Optimizer, make_optimizer
from cnn.runs.config import RunConfig
from cnn.runs.sources import Report, Sources, load_sources, never, quiet, validation_letters
from cnn.splits import split
from cnn.train import Progress, fit

# Fewer validation letters than this and their accuracy is noise: on 50 letters a true 80 %
# reads anywhere from 69 % to 91 % (95 % of the time), and one letter moves it 2 points.
MIN_VAL = 50


def small_validation(n: int) -> str:
    """A note for a validation set too small to trust ('' when it is not, or empty)."""
    if 0 < n < MIN_VAL:
        return f"validating on only {n} letter{'s' if n != 1 else ''}: its accuracy says little"
    return ""


@dataclass
class RunData:
    """The letters of a run: what they came from, what trains and what validates."""

    sources: Sources
    train: LetterSet
    val: LetterSet
    validation: str  # how the validation letters were chosen, in words for the checkpoint

    def summary(self) -> dict:
        """The checkpoint's data entries: data, train_n, val_n, validation."""
        return {"data": dict(self.sources.counts()), "train_n": len(self.train),
                "val_n": len(self.val), "validation": self.validation}


def _joined(parts: list[LetterSet]) -> LetterSet:
    return parts[0] if len(parts) == 1 else combine(parts)


def split_letters(config: RunConfig, sources: Sources, rng: np.random.Generator,
                  report: Report = quiet) -> RunData:
    """Validation is the given files, else a share of the handwriting (whole writers where
    writers are known); synthetic letters only train, unless there is no handwriting to spare."""
    real = _joined(sources.real) if sources.real else None
    synthetic = list(sources.synthetic)
    val = validation_letters(config, report)
    how = f"the files {', '.join(config.val_files)}"
    if val is None:
        how = f"{config.val_fraction:.0%} held out, writer-disjoint where writers are known"
        if real is not None:
            real, val = split(real, config.val_fraction, rng)
        if (val is None or len(val) < MIN_VAL) and synthetic:
            # No handwriting, one writer only (my samples), or too little to measure anything
            # (a share of a small file): synthetic letters are held out as well.
            synthetic[0], held = split(synthetic[0], config.val_fraction, rng)
            if val is not None and len(val):
                how = (f"{config.val_fraction:.0%} held out: {len(val):,} handwritten letters "
                       f"(writer-disjoint where writers are known) and {len(held):,} "
                       "synthetic letters")
                val = combine([val, held])
            else:
                val = held
                how = f"{config.val_fraction:.0%} of the synthetic letters held out"
    if note := small_validation(len(val) if val is not None else 0):
        how += f"; {note}"
    parts = ([real] * config.repeat_real if real is not None and len(real) else []) + synthetic
    if config.redraw and real is not None and len(real):
        from cnn.synthetic import redraw

        redrawn = redraw(real, config.redraw, seed=config.seed)
        report(-1.0, f"redrawn from pen strokes: {len(redrawn):,} letters "
                     f"({config.redraw} per training letter with strokes)")
        if len(redrawn):
            parts.append(redrawn)
    if not parts or not sum(len(p) for p in parts):
        raise ValueError("every letter went to validation; lower the validation fraction")
    train = _joined(parts)
    if config.bar_split is not None:  # a bare bar is an I or an l as often as hands make it so
        from cnn.bars import relabel_bars

        train = relabel_bars(train, config.bar_split, np.random.default_rng([config.seed, 16]))
    return RunData(sources, train, val, how)


def make_augment(config: RunConfig) -> Callable | None:
    """The batch augmentation `fit` takes, or None when the run trains on the letters as they
    are."""
    if not (config.augment or config.degrade or config.elastic or config.scanned):
        return None
    from cnn.augment import compose

    return compose(config.augment, config.degrade, config.elastic, config.scanned)


@dataclass
class RunSetup:
    """Everything `fit` needs; `batches()` is the generator the CLI and the worker drive."""

    config: RunConfig
    data: RunData
    model: Sequential
    optimizer: Optimizer
    augment: Callable | None
    rng: np.random.Generator
    epoch_offset: int = 0  # epochs the model had trained before this run

    def batches(self, track_norms: bool = False,
                threads: Callable[[], int | None] | None = None) -> Iterator[Progress]:
        """fit's items for this run; `threads` (asked before every batch) overrides the
        config's cores."""
        c, train, val = self.config, self.data.train, self.data.val
        return fit(self.model, train.x, train.y, val=(val.x, val.y) if len(val) else None,
                   epochs=c.epochs, batch_size=c.batch_size, optimizer=self.optimizer,
                   rng=self.rng, augment=self.augment, track_norms=track_norms,
                   threads=threads or c.blas_threads, label_smoothing=c.label_smoothing)

    def end_epoch(self, item: Progress, seconds: float) -> dict:
        """The history entry of an 'epoch' item; then the learning rate decays for the next."""
        entry = {"epoch": self.epoch_offset + item.epoch, "loss": item.loss,
                 "accuracy": item.accuracy, "val_loss": item.val_loss,
                 "val_accuracy": item.val_accuracy, "lr": self.optimizer.lr,
                 "seconds": round(seconds, 1)}
        self.optimizer.lr *= self.config.lr_decay
        return entry


def prepare(config: RunConfig, model: Sequential | None = None, *, epoch_offset: int = 0,
            report: Report = quiet, cancelled: Callable[[], bool] = never,
            workers: int | None = None) -> RunSetup:
    """Load and split the letters, then build the model (unless one is given to fine-tune),
    the optimiser and the augmentation. Raises DataError, ValueError or Cancelled."""
    rng = np.random.default_rng(config.seed)
    sources = load_sources(config, report, cancelled, workers)
    data = split_letters(config, sources, rng, report)
    if model is None:
        model = build_model(config.arch, rng, init_std=config.init_std)
    opt = make_optimizer(config.optimizer, config.lr, config.momentum, config.weight_decay)
    return RunSetup(config, data, model, opt, make_augment(config), rng, epoch_offset)
