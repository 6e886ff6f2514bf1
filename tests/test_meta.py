"""A model file's metadata: every field the engine, the CLI or the window reads is checked."""

import json

import numpy as np
import pytest

from cnn import checkpoint
from cnn.checkpoint import CheckpointError
from cnn.meta import MAX_META_CHARS, MAX_NAME_CHARS
from cnn.model import build_model
from gui.training.history import History


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("meta") / "model.npz"
    model = build_model("small", np.random.default_rng(0))
    meta = {"name": "tiny", "history": [{"epoch": 1, "loss": 0.5, "val_accuracy": None}],
            "curves": {"x": [0.5, 1.0], "loss": [2.0, 1.0], "accuracy": [0.1, 0.4],
                       "layers": ["conv1", "fc2"], "grad_norms": [[1.0, None], [0.5, 0.2]],
                       "update_norms": [[0.1, 0.1], [0.2, 0.1]]},
            "val_accuracy": 0.9, "val_per_class": [0.5] * 25 + [None], "data": {"blobs": 30},
            "train_n": 27, "val_n": 3, "taught_drawings": 2, "training": {"epochs": 1},
            "fine_tuned_on_my_samples": [{"before": 0.5, "after": 0.9}]}
    checkpoint.save(model, path, meta)
    return path


def _with_meta(good, tmp_path, text: str, name="bad.npz"):
    with np.load(good, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["__meta__"] = np.array(text)
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def _edited(good, tmp_path, field, value):
    with np.load(good, allow_pickle=False) as z:
        meta = json.loads(str(z["__meta__"]))
    meta[field] = value
    return _with_meta(good, tmp_path, json.dumps(meta))


BAD_FIELDS = {
    "val_accuracy text": ("val_accuracy", "high", "'val_accuracy' should be a number between "
                                                  "0 and 1, got 'high'"),
    "val_accuracy 2": ("val_accuracy", 2, "'val_accuracy' should be a number between 0 and 1"),
    "val_accuracy bool": ("val_accuracy", True, "'val_accuracy' should be a number"),
    "history 5": ("history", 5, "'history' should be a list of epochs"),
    "history of text": ("history", ["a"], "'history' should be a list of epochs"),
    "history epoch text": ("history", [{"epoch": "one"}], "'history' should be a list"),
    "history epoch 1.5": ("history", [{"epoch": 1.5}], "whole 'epoch' number"),
    "history loss text": ("history", [{"epoch": 1, "loss": "low"}], "'history' should be"),
    "curves list": ("curves", [1, 2], "'curves' should be a mapping"),
    "curves x text": ("curves", {"x": "abc"}, "'curves.x' should be a list of numbers"),
    "curves nested": ("curves", {"loss": [[1]]}, "'curves.loss' should be a list of finite"),
    "curves layers": ("curves", {"layers": [1, 2]}, "'curves.layers' should be a list of layer"),
    "curves norms": ("curves", {"grad_norms": [1, 2]}, "'curves.grad_norms' should be a list"),
    "format_version text": ("format_version", "abc", "'format_version' should be a whole"),
    "format_version float": ("format_version", 1.0, "'format_version' should be a whole"),
    "format_version bool": ("format_version", True, "'format_version' should be a whole"),
    "input_shape empty": ("input_shape", [], r"'input_shape' should be \[1, 28, 28\]"),
    "input_shape big": ("input_shape", [1, 10**6, 10**6], r"'input_shape' should be"),
    "input_shape floats": ("input_shape", [1.0, 28, 28], r"'input_shape' should be"),
    "name number": ("name", 5, "'name' should be text, got 5"),
    "spec text": ("spec", "conv", "'spec' should be a list of layers"),
    "spec empty": ("spec", [], "'spec' should be a non-empty list"),
    "spec layer text": ("spec", ["conv2d"], r"'spec\[1\]' should be a layer"),
    "spec size text": ("spec", [{"type": "linear", "out_features": "26"}],
                       r"'spec\[1\].out_features' should be a whole number, got '26'"),
    "spec name markup": ("spec", [{"type": "flatten", "name": "<b>x</b>"}],
                         r"'spec\[1\].name' should be letters, digits"),
    "classes": ("classes", "ABC", "'classes' should be 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"),
    "preprocess_version text": ("preprocess_version", "1", "'preprocess_version' should be"),
    "val_per_class short": ("val_per_class", [0.5], "'val_per_class' should be 26 numbers"),
    "val_per_class text": ("val_per_class", ["a"] * 26, "'val_per_class' should be 26"),
    "data text values": ("data", {"a": "many"}, "'data' should be a mapping of source names"),
    "data list": ("data", [1], "'data' should be a mapping"),
    "train_n negative": ("train_n", -1, "'train_n' should be a whole number >= 0"),
    "val_n text": ("val_n", "3", "'val_n' should be a whole number"),
    "taught text": ("taught_drawings", "abc", "'taught_drawings' should be a whole number"),
    "fine-tuned int": ("fine_tuned_on_my_samples", 3, "'fine_tuned_on_my_samples' should be"),
    "training list": ("training", [1], "'training' should be a mapping"),
    "init_std infinite": ("training", {"init_std": float("inf")}, "'training.init_std' should"),
    "init_std text": ("training", {"init_std": "0.1"}, "'training.init_std' should be a number"),
    "init_std negative": ("training", {"init_std": -1}, "'training.init_std' should be"),
    "created number": ("created", 5, "'created' should be text"),
}


@pytest.mark.parametrize("kind", BAD_FIELDS)
def test_a_field_of_the_wrong_type_or_range_is_refused_naming_it(good, tmp_path, kind):
    field, value, message = BAD_FIELDS[kind]
    with pytest.raises(CheckpointError, match=message) as e:
        checkpoint.load(_edited(good, tmp_path, field, value))
    assert str(e.value).startswith("bad.npz: ")


@pytest.mark.parametrize("text, message", [
    ('{"format": "letterlens-model", "format_version": Infinity}', "'format_version'"),
    ('{"format": "letterlens-model", "val_accuracy": NaN}', "'val_accuracy'"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format": "letterlens-model", "x": ' + "[" * 40 + "]" * 40 + "}", "nested more than 32"),
    ('{"format": "letterlens-model", "train_n": ' + "9" * 5000 + "}", "damaged"),
    ("{not json", "not valid JSON"),
    ('"just text"', "not a LetterLens model"),
])
def test_broken_json_is_refused_not_raised(good, tmp_path, text, message):
    with pytest.raises(CheckpointError, match=message):
        checkpoint.load(_with_meta(good, tmp_path, text))


def test_metadata_of_many_megabytes_is_refused_before_parsing(good, tmp_path):
    path = _edited(good, tmp_path, "name", "x" * (MAX_META_CHARS + 1))
    with pytest.raises(CheckpointError, match=f"at most {MAX_META_CHARS:,}"):
        checkpoint.load(path)


def test_a_long_name_is_cut_and_other_fields_are_kept(good, tmp_path):
    path = _edited(good, tmp_path, "name", "N" * 100_000)
    _, meta = checkpoint.load(path)
    assert len(meta["name"]) == MAX_NAME_CHARS and meta["name"].endswith("…")
    assert meta["taught_drawings"] == 2 and meta["data"] == {"blobs": 30}


def test_a_good_file_loads_whole_and_the_window_can_read_every_field(good):
    model, meta = checkpoint.load(good)
    h = History.from_meta(meta)
    assert len(h) == 2 and h.layers == ["conv1", "fc2"] and h.last_epoch == 1
    # What the window does with these fields, which must never raise on a loaded file.
    assert f"{float(meta['val_accuracy']):.1%}" == "90.0%"
    assert int(meta.get("taught_drawings", 0)) == 2
    assert ", ".join(f"{k} ({v:,})" for k, v in meta["data"].items()) == "blobs (30)"
    assert len({e.get("epoch") for e in meta["history"]}) == 1


def test_save_refuses_metadata_that_load_would_refuse(tmp_path):
    model = build_model("small", np.random.default_rng(0))
    with pytest.raises(ValueError, match="refusing to save: .*'val_accuracy'"):
        checkpoint.save(model, tmp_path / "m.npz", {"val_accuracy": "high"})
    assert not (tmp_path / "m.npz").exists()


POOL = [None, True, 0, -1, 1, 2, 0.5, 1e308, -0.0, 10**30, "", "abc", "1", [], [1, 2], [None],
        ["a"], [[1.0, None]], [{"epoch": 1}], {}, {"a": 1}, {"x": [1.0]}, {"layers": ["a"]},
        [{"epoch": 2, "loss": "x"}], {"grad_norms": [[1.0]], "layers": ["a"], "x": [0.5]}]


def test_random_field_values_give_a_checkpoint_error_or_metadata_the_window_can_read(good):
    from cnn import meta as meta_module

    with np.load(good, allow_pickle=False) as z:
        base = json.loads(str(z["__meta__"]))
    rng = np.random.default_rng(7)
    fields = sorted(base)
    accepted = 0
    for _ in range(600):
        m = json.loads(json.dumps(base))
        for field in rng.choice(fields, int(rng.integers(1, 4))):
            m[str(field)] = POOL[rng.integers(len(POOL))]
        try:
            meta = meta_module.parse(json.dumps(m), "fuzz.npz")
        except CheckpointError:
            continue
        accepted += 1
        h = History.from_meta(meta)
        h.series("val_accuracy")
        acc = meta.get("val_accuracy")
        assert acc is None or 0 <= float(acc) <= 1
        int(meta.get("taught_drawings", 0))
        list(meta.get("fine_tuned_on_my_samples", []))
        len({e.get("epoch") for e in meta.get("history") or []})
        if isinstance(meta.get("data"), dict):
            ", ".join(f"{k} ({v:,})" for k, v in meta["data"].items())
        assert isinstance(meta.get("name") or "", str)
    assert 0 < accepted < 600


def test_the_windows_saves_leave_odd_fields_out_instead_of_losing_the_model(tmp_path):
    model = build_model("small", np.random.default_rng(0))
    odd = {"name": ["x"], "val_accuracy": "high", "history": 5, "train_n": 27,
           "taught_drawings": 2}
    with pytest.raises(ValueError, match="'name' should be text"):
        checkpoint.save(model, tmp_path / "strict.npz", odd)
    assert not (tmp_path / "strict.npz").exists()
    checkpoint.save(model, tmp_path / "kept.npz", odd, drop_bad_fields=True)
    loaded, meta = checkpoint.load(tmp_path / "kept.npz")
    assert not {"name", "val_accuracy", "history"} & set(meta)
    assert meta["train_n"] == 27 and meta["taught_drawings"] == 2
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key], value)
