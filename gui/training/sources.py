"""A run's letters, loaded off the GUI thread: progress as a fraction, cancel between pieces.

Nothing here imports Qt: the worker calls these with a `report(fraction, text)` callback and a
`cancelled()` predicate, and the teach controller reuses the synthetic set as its replay pool.
"""

from collections.abc import Callable
from pathlib import Path

from cnn.data import LetterSet, combine, load_npz
from cnn.synthetic import Cancelled  # noqa: F401  (re-exported: the worker catches it)

Report = Callable[[float, str], None]


def _never() -> bool:
    return False


def _quiet(fraction: float, text: str) -> None:
    pass


def synthetic_set(n: int, seed: int = 0, report: Report = _quiet,
                  cancelled: Callable[[], bool] = _never, workers: int | None = 2) -> LetterSet:
    """n synthetic letters for `seed`, the same set `python -m cnn train --synthetic` uses.

    Drawn the first time in spawned processes (the GUI keeps its cores' worth of Python free)
    and cached; progress is reported and a stop is honoured between chunks.
    """
    from cnn.synthetic import cache_path, load_or_generate

    if not cache_path(n, seed).exists():
        report(0.0, f"drawing {n:,} synthetic letters (first time only)")
    s = load_or_generate(n, seed, workers=workers, cancelled=cancelled,
                         report=lambda done, total: report(
                             done / total, f"drawn {done:,} of {total:,} synthetic letters"))
    return LetterSet(s["x"], s["y"], s["writer"], s["case"], "synthetic")


def load_file(path: str) -> LetterSet:
    """A letter set from an .npz, or from EMNIST's images file (its labels file beside it)."""
    if str(path).endswith(".npz"):
        return load_npz(path)
    from cnn.emnist import load_emnist

    return load_emnist(path)


def file_size(path: str) -> int:
    """How many letters a file holds (reads the labels only where it can)."""
    return len(load_file(path))


def load_sources(config, report: Report = _quiet,
                 cancelled: Callable[[], bool] = _never) -> list[LetterSet]:
    """The non-empty letter sets a RunConfig asks for, in the order synthetic, mine, files."""
    from cnn.data import DataError

    sets = []
    if config.synthetic > 0:
        sets.append(synthetic_set(config.synthetic, config.synthetic_seed, report, cancelled))
    if config.my_samples:
        from cnn.samples import SampleStore

        report(-1.0, "reading my samples")
        sets.append(SampleStore(config.samples_folder).to_letterset())
    for path in config.files:
        if path in config.val_files:
            continue  # a validation file is never trained on
        if cancelled():
            raise Cancelled
        report(-1.0, f"reading {Path(path).name}")
        sets.append(load_file(path))
    sets = [s for s in sets if len(s)]
    if not sets:
        raise DataError("no training data: tick synthetic letters, my samples or a file")
    return sets


def combined(sets: list[LetterSet]) -> LetterSet:
    return sets[0] if len(sets) == 1 else combine(sets)
