"""A model file's metadata, checked field by field before anything is built from it.

Every field LetterLens reads (the engine, the CLI and the window) is checked for its type and
range here, so no later `int()`, `float()` or format can fail on a loaded file; unknown fields
are kept as they are. Texts longer than their cap are cut (names to MAX_NAME_CHARS) rather than
refused: a long name is no reason to lose a model's weights.
"""

import math
import re

from cnn.data import LETTERS, N_CLASSES
from cnn.preprocess import PREPROCESS_VERSION
from cnn.safefile import NpzError, parse_json

FORMAT = "letterlens-model"
FORMAT_VERSION = 1
# Metadata of a model trained in the window with its curves (2,000 points for each of ~10
# layers' norms) is about 0.5 M characters. The cap is far above that, so that a file whose
# texts are merely too long (a 5-million-character name) still loads, its texts cut, while the
# text in memory stays bounded (4 bytes a character: 64 MB at most).
MAX_META_CHARS = 16 << 20
MAX_NAME_CHARS = 200  # the status bar and title show it
MAX_TEXT_CHARS = 2000  # other texts shown in Help › About (validation, created, command)
MAX_ENTRIES = 100_000  # epochs in a history, points in a curve, runs in a list
MAX_LAYERS = 64
_LAYER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_TEXTS = {"name": MAX_NAME_CHARS, "validation": MAX_TEXT_CHARS, "created": MAX_TEXT_CHARS,
          "command": MAX_TEXT_CHARS, "arch": MAX_TEXT_CHARS}
_SERIES = ("x", "loss", "accuracy")


class CheckpointError(ValueError):
    """A model file that cannot be loaded; the message says why."""


class _Bad(Exception):
    """(field, expected, got): one field that fails its check."""


class _Count(int):
    """A list's length, shown in a message in place of the list."""

    def __repr__(self) -> str:
        return f"{int(self):,} of them"


def _show(v) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:60] + "…"


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return _is_int(v) or isinstance(v, float) and math.isfinite(v)


def _fraction(v) -> bool:
    return _is_number(v) and 0 <= v <= 1


def _need(ok: bool, field: str, expected: str, got) -> None:
    if not ok:
        raise _Bad(field, expected, got)


def _list(v, field: str, what: str, max_len: int = MAX_ENTRIES) -> list:
    _need(isinstance(v, list), field, f"a list of {what}", v)
    _need(len(v) <= max_len, field, f"at most {max_len:,} {what}", _Count(len(v)))
    return v


def parse(text: object, name: str) -> dict:
    """The checked metadata from the JSON text of a model file called `name`."""
    if not isinstance(text, str):
        raise CheckpointError(f"{name}: its metadata is not text")
    if len(text) > MAX_META_CHARS:
        raise CheckpointError(f"{name}: its metadata is {len(text):,} characters long; a "
                              f"LetterLens model has at most {MAX_META_CHARS:,}")
    try:
        meta = parse_json(text)
    except NpzError as e:
        raise CheckpointError(f"{name}: its metadata is damaged: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{name} is not a LetterLens model (unknown metadata format)")
    try:
        return _check(meta, name)
    except _Bad as e:
        field, expected, got = e.args
        raise CheckpointError(f"{name}: {field!r} should be {expected}, got {_show(got)}"
                              ) from None


def without_bad_fields(meta: dict) -> tuple[dict, list[str]]:
    """(`meta` less every top-level field its check refuses, the names left out): for saving
    metadata the app gathered itself, so that an odd field never costs a trained model."""
    meta, dropped = dict(meta), []
    while True:
        try:
            _check(meta, "")
            return meta, dropped
        except _Bad as e:
            key = re.split(r"[.\[]", e.args[0])[0]
            if key not in meta:  # a default the check supplies failed: nothing to leave out
                raise CheckpointError(f"{e.args[0]!r} should be {e.args[1]}") from None
            del meta[key]
            dropped.append(key)


def _check(meta: dict, name: str) -> dict:
    """A copy of `meta` with every known field checked (raises _Bad) and long texts cut."""
    meta = dict(meta)
    version = meta.get("format_version", 1)
    _need(_is_int(version) and version >= 1, "format_version", "a whole number >= 1", version)
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{name} was written by a newer LetterLens (format {version}); "
                              "please update")
    pre = meta.get("preprocess_version", PREPROCESS_VERSION)
    _need(_is_int(pre) and pre >= 1, "preprocess_version", "a whole number >= 1", pre)
    if pre > PREPROCESS_VERSION:
        raise CheckpointError(f"{name} expects a newer preprocessing of the drawings "
                              f"(version {pre}); please update LetterLens")
    for field, cap in _TEXTS.items():
        if meta.get(field) is not None:
            _need(isinstance(meta[field], str), field, "text", meta[field])
            if len(meta[field]) > cap:
                meta[field] = meta[field][:cap - 1] + "…"
    _need(meta.get("classes", LETTERS) == LETTERS, "classes", f"{LETTERS!r}",
          meta.get("classes"))
    shape = meta.get("input_shape", [1, 28, 28])
    _need(shape == [1, 28, 28] and all(_is_int(d) for d in shape), "input_shape",
          "[1, 28, 28] (LetterLens reads 28 x 28 grey letters)", shape)
    acc = meta.get("val_accuracy")
    _need(acc is None or _fraction(acc), "val_accuracy", "a number between 0 and 1", acc)
    per = meta.get("val_per_class")
    if per is not None:
        _list(per, "val_per_class", "numbers between 0 and 1", N_CLASSES)
        _need(len(per) == N_CLASSES and all(p is None or _fraction(p) for p in per),
              "val_per_class", f"{N_CLASSES} numbers between 0 and 1 (or null)", per)
    for field in ("train_n", "val_n"):
        v = meta.get(field)
        _need(v is None or _is_int(v) and v >= 0, field, "a whole number >= 0", v)
    for field in ("taught_drawings", "taught_steps"):  # the window reads int(meta.get(...))
        taught = meta.get(field, 0)
        _need(_is_int(taught) and taught >= 0, field, "a whole number >= 0", taught)
    _check_history(meta.get("history"))
    _check_curves(meta.get("curves"))
    data = meta.get("data")
    if data is not None:
        _need(isinstance(data, dict) and all(_is_int(v) and v >= 0 for v in data.values()),
              "data", "a mapping of source names to letter counts", data)
        _need(len(data) <= MAX_ENTRIES and all(len(k) <= MAX_TEXT_CHARS for k in data),
              "data", f"at most {MAX_ENTRIES:,} sources with short names", _Count(len(data)))
    training = meta.get("training")
    _need(training is None or isinstance(training, dict), "training", "a mapping", training)
    std = (training or {}).get("init_std")  # the Initialisation chapter draws its Gaussian
    _need(std is None or _is_number(std) and 0 < std <= 10, "training.init_std",
          "a number above 0 and at most 10 (or null: He scaling)", std)
    if "fine_tuned_on_my_samples" in meta:  # the window appends to it
        runs = _list(meta["fine_tuned_on_my_samples"], "fine_tuned_on_my_samples", "runs")
        _need(all(isinstance(r, dict) for r in runs), "fine_tuned_on_my_samples",
              "a list of runs (mappings)", runs)
    check_spec(meta.get("spec"))
    return meta


def _check_history(history) -> None:
    if history is None:
        return
    _list(history, "history", "epochs (mappings)")
    for e in history:
        _need(isinstance(e, dict) and all(v is None or _is_number(v) for v in e.values()),
              "history", "a list of epochs mapping names to numbers", e)
        _need(_is_int(e.get("epoch")) and e["epoch"] >= 1, "history",
              "epochs each with a whole 'epoch' number >= 1", e)


def _numbers(v, field: str) -> None:
    _list(v, field, "numbers")
    _need(all(x is None or _is_number(x) for x in v), field, "a list of finite numbers", v)


def _check_curves(curves) -> None:
    """What gui/training/history.py History.from_meta reads, so that it can never fail."""
    if curves is None:
        return
    _need(isinstance(curves, dict), "curves", "a mapping of series to lists", curves)
    for k in _SERIES:
        if k in curves:
            _numbers(curves[k], f"curves.{k}")
    layers = curves.get("layers")
    if layers is not None:
        _list(layers, "curves.layers", "layer names", MAX_LAYERS)
        _need(all(isinstance(n, str) and len(n) <= 64 for n in layers), "curves.layers",
              "a list of layer names", layers)
    for k in ("grad_norms", "update_norms"):
        if k in curves:
            for row in _list(curves[k], f"curves.{k}", "rows"):
                _numbers(row, f"curves.{k}")
                _need(len(row) <= MAX_LAYERS, f"curves.{k}", f"rows of at most {MAX_LAYERS}",
                      _Count(len(row)))


def check_spec(spec, field: str = "spec") -> None:
    """An architecture spec's types (the sizes are build_model's to check); raises _Bad."""
    _list(spec, field, "layers", MAX_LAYERS)
    _need(len(spec) > 0, field, "a non-empty list of layers", spec)
    for i, entry in enumerate(spec, 1):
        where = f"{field}[{i}]"
        _need(isinstance(entry, dict) and isinstance(entry.get("type"), str), where,
              "a layer: a mapping with a 'type'", entry)
        layer_name = entry.get("name")
        _need(layer_name is None or isinstance(layer_name, str)
              and _LAYER_NAME.fullmatch(layer_name) is not None, f"{where}.name",
              "letters, digits and _ (at most 32)", layer_name)
        for k, v in entry.items():
            if k not in ("type", "name"):
                _need(_is_int(v), f"{where}.{k}", "a whole number", v)


def spec_error(spec, where: str) -> str | None:
    """Why `spec` (from a file called `where`) is not an architecture, or None if its types fit."""
    try:
        check_spec(spec)
    except _Bad as e:
        field, expected, got = e.args
        return f"{where}: {field!r} should be {expected}, got {_show(got)}"
    return None
