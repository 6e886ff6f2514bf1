"""Checkpoints: one `.npz` of parameters keyed by dotted name plus a JSON metadata string.

The metadata carries the architecture spec, so any saved model loads without code changes. Files
are written atomically and read with allow_pickle=False; a bad file is refused with a message that
names the problem, and nothing half-loaded is ever returned.
"""

import datetime as _dt
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from cnn.data import LETTERS
from cnn.fileio import atomic_write
from cnn.model import Sequential, build_model

FORMAT = "letterlens-model"
FORMAT_VERSION = 1
META_KEY = "__meta__"


class CheckpointError(ValueError):
    """A model file that cannot be loaded; the message says why."""


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


def save(model: Sequential, path: str | os.PathLike, meta: dict | None = None) -> Path:
    """Write model weights and metadata (spec, classes, preprocessing, history, date) atomically."""
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
    text = json.dumps(_jsonable(full), allow_nan=False)
    arrays = {k: v for k, v in model.parameters().items()}
    for k, v in arrays.items():
        if not np.isfinite(v).all():
            raise ValueError(f"refusing to save: {k} contains NaN or infinite values")
    arrays[META_KEY] = np.array(text)
    return atomic_write(path, lambda f: np.savez(f, **arrays))


def load(path: str | os.PathLike) -> tuple[Sequential, dict]:
    """(model, meta) from a checkpoint; raises CheckpointError naming what is wrong."""
    path = Path(path)
    name = path.name
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise CheckpointError(f"{name} is a single array, not a LetterLens model file")
        with z:
            keys = list(z.files)
            if META_KEY not in keys:
                raise CheckpointError(f"{name} is not a LetterLens model: it has no metadata "
                                      f"(arrays found: {', '.join(keys[:6]) or 'none'})")
            meta = json.loads(str(z[META_KEY]))
            state = {k: z[k] for k in keys if k != META_KEY}
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path} is a folder, not a model file") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        raise CheckpointError(f"{name} is not a readable model file (not an .npz, or truncated "
                              f"or damaged): {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{name} is not a LetterLens model (unknown metadata format)")
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise CheckpointError(f"{name} was written by a newer LetterLens "
                              f"(format {meta.get('format_version')}); please update")
    spec = meta.get("spec")
    try:
        model = build_model(spec, np.random.default_rng(0),
                            input_shape=tuple(meta.get("input_shape", (1, 28, 28))))
    except (ValueError, TypeError, KeyError) as e:
        raise CheckpointError(f"{name}: its architecture cannot be built: {e}") from None
    try:
        model.load_state_dict({k: v.astype(np.float32) if np.issubdtype(v.dtype, np.floating)
                               else v for k, v in state.items()})
    except ValueError as e:
        raise CheckpointError(f"{name}: {e}") from None
    return model, meta
