"""A run's letters, loaded with progress as a fraction and a cancel between pieces.

Callers pass a `report(fraction, text)` callback (fraction -1: unknown) and a `cancelled()`
predicate: the CLI prints the reports, the Train tab's worker shows them and stops on request.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cnn.data import DataError, LetterSet, load_npz, require_letters
from cnn.runs.config import RunConfig
from cnn.synthetic import Cancelled  # noqa: F401  (re-exported: callers catch it)

Report = Callable[[float, str], None]


def never() -> bool:
    return False


def quiet(fraction: float, text: str) -> None:
    pass


@dataclass
class Sources:
    """The letters a RunConfig names: handwriting (to split for validation) and synthetic
    letters (that only ever train), plus the samples that could not be read."""

    real: list[LetterSet]
    synthetic: list[LetterSet]
    skipped: list = field(default_factory=list)  # (name, reason) of unreadable samples

    @property
    def sets(self) -> list[LetterSet]:
        """Every set, synthetic first: the order the CLI and the Train tab list them in."""
        return self.synthetic + self.real

    def counts(self) -> list[tuple[str, int]]:
        """(name, letters) a set, as the checkpoint's 'data' entry keeps them."""
        return [(s.source or f"set{i}", len(s)) for i, s in enumerate(self.sets)]


def synthetic_set(n: int, seed: int = 0, report: Report = quiet,
                  cancelled: Callable[[], bool] = never, workers: int | None = None) -> LetterSet:
    """n synthetic letters for `seed`: drawn the first time in spawned processes (at most
    `workers`) and cached; progress is reported and a stop is honoured between chunks."""
    from cnn.synthetic import cache_path, load_or_generate

    if not cache_path(n, seed).exists():
        report(0.0, f"drawing {n:,} synthetic letters (first time only)")
    s = load_or_generate(n, seed, workers=workers, cancelled=cancelled,
                         report=lambda done, total: report(
                             done / total, f"drawn {done:,} of {total:,} synthetic letters"))
    return LetterSet(s["x"], s["y"], s["writer"], s["case"], "synthetic")


def load_file(path: str, emnist: bool = False) -> LetterSet:
    """A letter set from an .npz, or from EMNIST's images file (its labels file beside it):
    by the name's ending unless `emnist` says which."""
    name = Path(path).name
    if name.lower().endswith(".npz") and not emnist:  # LETTERS.NPZ from another system too
        return load_npz(path)
    if not emnist and "images-idx3" not in name:
        if "labels-idx1" in name:  # the labels file of a pair: its images file is the one
            raise DataError(f"{path}: this is an EMNIST labels file; add its images file "
                            f"({name.replace('labels-idx1', 'images-idx3')}) instead: the labels "
                            "are read from beside it")
        raise DataError(f"{path}: not a letter set: LetterLens reads .npz letter sets and "
                        "EMNIST images files (…-images-idx3-ubyte, or .gz) with their labels "
                        "file beside them")
    from cnn.emnist import load_emnist

    return load_emnist(path)


def file_size(path: str) -> int:
    """How many letters a file holds (reads the labels only where it can)."""
    return len(load_file(path))


def load_sources(config: RunConfig, report: Report = quiet,
                 cancelled: Callable[[], bool] = never, workers: int | None = None) -> Sources:
    """The letters `config` asks for: files, then my samples, then synthetic letters.
    DataError when a file holds no letters or nothing is left to train on."""
    real, synthetic, skipped = [], [], []
    files = [(p, False) for p in config.files] + [(p, True) for p in config.emnist]
    for path, emnist in files:
        if path in config.val_files:
            continue  # a validation file is never trained on
        if cancelled():
            raise Cancelled
        report(-1.0, f"reading {Path(path).name}")
        real.append(require_letters(load_file(path, emnist), path))
    if config.my_samples:
        from cnn.samples import SampleStore

        report(-1.0, "reading my samples")
        store = SampleStore(config.samples_folder)
        real.append(store.to_letterset())
        skipped = list(store.problems)
    if config.synthetic > 0:
        synthetic.append(synthetic_set(config.synthetic, config.synthetic_seed, report,
                                       cancelled, workers))
    sources = Sources([s for s in real if len(s)], [s for s in synthetic if len(s)], skipped)
    if not sources.sets:
        raise DataError("no training data: choose synthetic letters, my samples or a file")
    return sources


def validation_letters(config: RunConfig, report: Report = quiet) -> LetterSet | None:
    """The letters of config.val_files as one set, or None when a share is held out instead."""
    from cnn.data import combine

    if not config.val_files:
        return None
    report(-1.0, "reading the validation letters")
    return combine([require_letters(load_file(p), p) for p in config.val_files])
