"""Which model the window starts with, and loading one from a file, for the GUI's needs."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnn.checkpoint import CheckpointError, load, save
from cnn.fileio import why_not_written
from cnn.model import Sequential, build_model
from cnn.paths import DEFAULT_MODEL
from gui.untrusted import elide, name_of

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    """A model, its metadata, a display name, its file (None if not from a file), a note."""

    model: Sequential
    meta: dict = field(default_factory=dict)
    name: str = ""
    path: Path | None = None
    note: str = ""  # why this model: shown in the status bar on start


def load_model_file(path) -> LoadedModel:
    """Load a checkpoint; raises CheckpointError naming the problem (anything else `load`
    lets through, from a file it did not foresee, becomes one too, logged with its traceback)."""
    path = Path(path)
    try:
        model, meta = load(path)
    except CheckpointError:
        raise
    except Exception as e:  # a file must never crash the window, whatever it holds
        log.exception("loading %s", path)
        raise CheckpointError(f"{path.name} could not be read "
                              f"({type(e).__name__}: {elide(e, 200)})") from e
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path.name}: its metadata is not a dictionary")
    return LoadedModel(model, meta, name_of(meta, path.stem), path)


def untrained_model(reason: str) -> LoadedModel:
    """A fresh `default` model with random Gaussian weights, so the app still runs."""
    model = build_model("default", np.random.default_rng(0))
    meta = {"name": "untrained", "arch": "default"}
    return LoadedModel(model, meta, "untrained (random weights)", None,
                       f"{reason}: using an untrained model with random weights")


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the system, a NUL in it
        return False


def startup_model(requested: str | None = None, last: str | None = None,
                  default: Path = DEFAULT_MODEL) -> tuple[LoadedModel, list[str]]:
    """The model to open with: `requested`, else the last one used, else the shipped default.

    Returns it with the problems met on the way (a requested file that cannot be loaded is
    reported, then the next choice is tried). Never raises for a bad file.
    """
    problems = []
    candidates = [requested] if requested else []
    if last and not requested:
        candidates.append(last)
    candidates.append(str(default))
    for candidate in candidates:
        path = Path(candidate)
        if candidate == last and not _exists(path):
            continue  # a model the user deleted since: fall back quietly
        try:
            loaded = load_model_file(path)
        except CheckpointError as e:
            problems.append(str(e))
            continue
        if problems:
            which = "the model asked for" if requested else "the last model used"
            opened = "the shipped model" if path == default else elide(path.name)
            loaded.note = f"Could not open {which}: {'; '.join(problems)}. Opened {opened} instead."
        return loaded, problems
    reason = "; ".join(problems) if problems else f"{default.name} is missing"
    return untrained_model(reason), problems


class SaveError(ValueError):
    """A model could not be saved; the message names the chosen path and why, for a person."""


def save_model_file(model: Sequential, path, meta: dict) -> Path:
    """checkpoint.save for both of the window's save commands (it writes atomically, so a
    failure leaves the file at `path` as it was); raises SaveError with a message to show."""
    try:
        return save(model, path, meta, drop_bad_fields=True)
    except OSError as e:  # where the person chose to write: theirs to change, not a bug
        log.warning("could not save the model to %s: %s", path, e)
        raise SaveError(f"Could not save {path}: {why_not_written(path, e)}.") from e
    except ValueError as e:
        log.warning("refused to save the model to %s: %s", path, e)
        raise SaveError(f"Could not save {path}: {e}.") from e
