"""A run's letters, loaded off the GUI thread: progress as a fraction, cancel between pieces.

Nothing here imports Qt: the worker calls these with a `report(fraction, text)` callback and a
`cancelled()` predicate, and the teach controller reuses the synthetic set as its replay pool.
"""

import concurrent.futures as cf
from collections.abc import Callable
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from cnn.data import LetterSet, combine, load_npz
from cnn.fileio import atomic_write
from cnn.paths import cache_dir

PIECE = 1000  # synthetic letters per independently seeded piece

Report = Callable[[float, str], None]


class Cancelled(Exception):
    """The person stopped the run while its data was loading."""


def _never() -> bool:
    return False


def _quiet(fraction: float, text: str) -> None:
    pass


def synthetic_cache_path(n: int, seed: int) -> Path:
    from cnn.synthetic import GENERATOR_VERSION

    return cache_dir() / f"synthetic-pieces-v{GENERATOR_VERSION}-{n}-{seed}.npz"


def _piece(n: int, seed: int) -> dict[str, np.ndarray]:
    from cnn.synthetic import generate_set

    return generate_set(n, seed, workers=1)


def synthetic_set(n: int, seed: int = 0, report: Report = _quiet,
                  cancelled: Callable[[], bool] = _never, workers: int | None = None) -> LetterSet:
    """n synthetic letters in pieces of PIECE, each seeded from `seed`; cached after the first time.

    Pieces run in spawned processes (the GUI keeps its cores' worth of Python free) and are
    collected as they finish, so progress is reported and a stop is honoured between pieces.
    """
    path = synthetic_cache_path(n, seed)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                s = {k: z[k] for k in ("x", "y", "case", "writer")}
            if len(s["x"]) == n:
                return LetterSet(s["x"], s["y"], s["writer"], s["case"], "synthetic")
        except (OSError, ValueError, KeyError, EOFError):
            pass  # a damaged cache file is made again
    sizes = [min(PIECE, n - i) for i in range(0, n, PIECE)]
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(len(sizes))]
    parts: list[dict | None] = [None] * len(sizes)
    workers = min(workers or 2, len(sizes))
    report(0.0, f"drawing {n:,} synthetic letters (first time only)")
    if workers <= 1:
        for i, (m, s) in enumerate(zip(sizes, seeds, strict=True)):
            if cancelled():
                raise Cancelled
            parts[i] = _piece(m, s)
            report((i + 1) / len(sizes), f"drawn {sum(sizes[:i + 1]):,} of {n:,} synthetic letters")
    else:
        pool = cf.ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        pending: dict = {}
        try:
            pending = {pool.submit(_piece, m, s): i
                       for i, (m, s) in enumerate(zip(sizes, seeds, strict=True))}
            done_n = 0
            while pending:
                if cancelled():
                    raise Cancelled
                done, _ = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                for f in done:
                    i = pending.pop(f)
                    parts[i] = f.result()
                    done_n += sizes[i]
                    report(done_n / n, f"drawn {done_n:,} of {n:,} synthetic letters")
        finally:
            # On a stop, pieces already running finish in their own processes; nobody waits.
            pool.shutdown(wait=not pending, cancel_futures=True)
    s = {k: np.concatenate([p[k] for p in parts]) for k in ("x", "y", "case", "writer")}
    atomic_write(path, lambda f: np.savez_compressed(f, **s))
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
