"""Checkpoints: one `.npz` of parameters keyed by dotted name plus a JSON metadata string.

The metadata carries the architecture spec, so any saved model loads without code changes. Files
are written atomically and read with allow_pickle=False; a bad file is refused with a message that
names the problem, and nothing half-loaded is ever returned.
"""

import datetime as _dt
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from cnn.data import LETTERS
from cnn.fileio import atomic_write
from cnn.meta import (
    FORMAT,
    FORMAT_VERSION,
    MAX_META_CHARS,
    CheckpointError,
    parse,
    without_bad_fields,
)
from cnn.model import INPUT_SHAPE, MAX_PARAMETERS, Sequential, build_model
from cnn.paths import data_dir
from cnn.safefile import NotRegularFile, NpzError, SingleArray, TooLarge, read_arrays

__all__ = ["FORMAT", "FORMAT_VERSION", "META_KEY", "CheckpointError", "load", "save",
           "save_rescuing"]
META_KEY = "__meta__"
# Parameters stored as float64 at most, plus the metadata text (4 bytes a character).
MODEL_BYTES = 8 * MAX_PARAMETERS + 4 * MAX_META_CHARS


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if np.isfinite(obj) else None  # JSON has no NaN
    return obj


def save(model: Sequential, path: str | os.PathLike, meta: dict | None = None, *,
         drop_bad_fields: bool = False) -> Path:
    """Write model weights and metadata (spec, classes, preprocessing, history, date) atomically.

    Metadata that load() would refuse is refused here too (ValueError), or with
    `drop_bad_fields` the fields it would refuse are left out (the window's saves)."""
    from cnn.preprocess import PREPROCESS_VERSION

    full = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "classes": LETTERS,
        "preprocess_version": PREPROCESS_VERSION,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "history": [],
        **(meta or {}),
        "spec": model.spec,
        "input_shape": list(model.input_shape),
    }
    full = _jsonable(full)
    if drop_bad_fields:
        full, _ = without_bad_fields(full)
    text = json.dumps(full, allow_nan=False)
    try:  # never write a file that load() would refuse
        parse(text, Path(path).name)
    except CheckpointError as e:
        raise ValueError(f"refusing to save: {e}") from None
    arrays = {k: v for k, v in model.parameters().items()}
    for k, v in arrays.items():
        if not np.isfinite(v).all():
            raise ValueError(f"refusing to save: {k} contains NaN or infinite values")
    arrays[META_KEY] = np.array(text)
    return atomic_write(path, lambda f: np.savez(f, **arrays))


def save_rescuing(model: Sequential, path: str | os.PathLike, meta: dict | None = None,
                  fallback_dir: str | os.PathLike | None = None) -> tuple[Path, OSError | None]:
    """save(), and where writing `path` fails (a full disk, a lost folder), save a copy beside it,
    then in `fallback_dir` (default: the user data folder's "rescued"), then in the temp folder.

    Returns (where the model is, the error that stopped `path` or None); raises the first
    OSError only when nowhere could take it.
    """
    path = Path(path)
    try:
        return save(model, path, meta), None
    except OSError as e:
        first = e
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(fallback_dir) if fallback_dir is not None else data_dir() / "rescued"
    for place in (path.with_name(f"{path.stem}-rescued-{stamp}.npz"),
                  folder / f"{path.stem}-{stamp}.npz",
                  Path(tempfile.gettempdir()) / f"letterlens-{path.stem}-{stamp}.npz"):
        try:
            return save(model, place, meta), first
        except OSError:
            continue
    raise first


def load(path: str | os.PathLike) -> tuple[Sequential, dict]:
    """(model, meta) from a checkpoint; raises CheckpointError naming what is wrong.

    Array sizes are checked from their headers before reading (at most MODEL_BYTES), every
    metadata field before the model is built (cnn.meta), and nothing is returned half-loaded.
    """
    path = Path(path)
    name = path.name
    try:
        arrays = read_arrays(path, MODEL_BYTES, "a model file")
    except FileNotFoundError:
        raise CheckpointError(f"{path} does not exist") from None
    except SingleArray:
        raise CheckpointError(f"{name} is a single array, not a LetterLens model file") from None
    except (NotRegularFile, TooLarge) as e:
        raise CheckpointError(f"{name}: {e}") from None
    except (NpzError, OSError) as e:
        raise CheckpointError(f"{name} is not a readable model file (not an .npz, or truncated "
                              f"or damaged): {e}") from None
    if META_KEY not in arrays:
        raise CheckpointError(f"{name} is not a LetterLens model: it has no metadata "
                              f"(arrays found: {', '.join(list(arrays)[:6]) or 'none'})")
    text = arrays.pop(META_KEY)
    meta = parse(str(text) if text.ndim == 0 and text.dtype.kind == "U" else None, name)
    state = arrays  # what is left: the parameters
    try:
        model = build_model(meta["spec"], np.random.default_rng(0),
                            input_shape=tuple(meta.get("input_shape", INPUT_SHAPE)))
    except (ValueError, TypeError, KeyError) as e:
        raise CheckpointError(f"{name}: its architecture cannot be built: {e}") from None
    try:
        model.load_state_dict({k: v.astype(np.float32) if np.issubdtype(v.dtype, np.floating)
                               else v for k, v in state.items()})
    except ValueError as e:
        raise CheckpointError(f"{name}: {e}") from None
    return model, meta
