"""Writer-disjoint splits of a LetterSet: a held-out fraction, or k folds for cross-validation.

A writer's letters all go to one side, so validation measures letters from hands never trained
on; letters of unknown writers are split per class.
"""

import numpy as np

from cnn.data import N_CLASSES, DataError, LetterSet


def split(letterset: LetterSet, val_fraction: float, rng) -> tuple[LetterSet, LetterSet]:
    """(train, val): whole writers go to val; unknown-writer samples split per class."""
    train_idx, val_idx = split_indices(letterset, val_fraction, rng)
    return letterset.subset(train_idx), letterset.subset(val_idx)


def split_indices(letterset: LetterSet, val_fraction: float,
                  rng) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train_idx, val_idx) for split(); `rng` a np.random.Generator or a seed."""
    if not isinstance(val_fraction, int | float | np.floating) or not 0 <= val_fraction < 1:
        raise DataError(f"val_fraction must be a number in [0, 1), got {val_fraction!r}")
    rng = np.random.default_rng(rng)
    w = letterset.writer
    known = np.flatnonzero(w >= 0)
    ids, counts = np.unique(w[known], return_counts=True)
    target, taken, chosen = val_fraction * len(known), 0, []
    for j in rng.permutation(len(ids)):
        # Keep at least one writer for training; skip writers that overshoot the target.
        if taken >= target or len(chosen) == len(ids) - 1:
            break
        if abs(taken + counts[j] - target) < abs(taken - target):
            chosen.append(ids[j])
            taken += counts[j]
    val = [known[np.isin(w[known], chosen)]]
    unknown = np.flatnonzero(w < 0)
    wanted = 0.0
    for c in range(N_CLASSES):
        members = unknown[letterset.y[unknown] == c]
        # Carry the rounding from class to class so the total stays close to the fraction.
        before = int(np.floor(wanted + 0.5))
        wanted += val_fraction * len(members)
        take = int(np.floor(wanted + 0.5)) - before
        val.append(rng.permutation(members)[:take])
    is_val = np.zeros(len(letterset), bool)
    is_val[np.concatenate(val).astype(np.int64)] = True
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def writer_folds(letterset: LetterSet, k: int, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train_idx, val_idx) pairs; each writer is in one val fold, folds balanced by samples."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise DataError(f"k must be a whole number >= 2, got {k!r}")
    rng = np.random.default_rng(rng)
    w, n = letterset.writer, len(letterset)
    fold = np.empty(n, np.int64)
    sizes = np.zeros(k, np.int64)
    known = np.flatnonzero(w >= 0)
    ids, inverse, counts = np.unique(w[known], return_inverse=True, return_counts=True)
    writer_fold = np.empty(len(ids), np.int64)
    for j in rng.permutation(len(ids)):
        writer_fold[j] = np.argmin(sizes)
        sizes[writer_fold[j]] += counts[j]
    fold[known] = writer_fold[inverse]
    # Unknown writers: shuffle, group by class, deal round-robin so each fold gets every class.
    unknown = rng.permutation(np.flatnonzero(w < 0))
    unknown = unknown[np.argsort(letterset.y[unknown], kind="stable")]
    fold[unknown] = (np.arange(len(unknown)) + int(np.argmin(sizes))) % k
    folds = [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]
    if any(len(val) == 0 for _, val in folds):
        raise DataError(f"{letterset.source}: {len(ids)} writers and {len(unknown)} "
                        f"unknown-writer samples are too few for {k} writer-disjoint folds")
    return folds
