import json
import zipfile

import numpy as np
import pytest

from cnn import checkpoint
from cnn.checkpoint import CheckpointError
from cnn.model import build_model


@pytest.fixture
def model():
    return build_model("small", np.random.default_rng(0))


def test_round_trip_keeps_weights_spec_and_metadata(model, tmp_path):
    path = tmp_path / "m.npz"
    checkpoint.save(model, path, {"name": "test", "history": [{"epoch": 1, "loss": 0.5}]})
    loaded, meta = checkpoint.load(path)
    assert loaded.spec == model.spec
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[k], v)
    assert meta["name"] == "test"
    assert meta["classes"] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert meta["history"] == [{"epoch": 1, "loss": 0.5}]
    assert {"preprocess_version", "created", "spec"} <= set(meta)
    with np.load(path, allow_pickle=False) as z:  # plain arrays, PyTorch's names
        assert z["conv1.weight"].shape == (8, 1, 3, 3)


def test_custom_architecture_rebuilds_without_code(tmp_path):
    spec = [{"type": "conv2d", "out_channels": 4, "kernel_size": 5, "stride": 2, "padding": 2},
            {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "out_features": 26}]
    m = build_model(spec, np.random.default_rng(0))
    checkpoint.save(m, tmp_path / "c.npz")
    loaded, _ = checkpoint.load(tmp_path / "c.npz")
    assert loaded.layer("conv1").stride == 2
    x = np.random.default_rng(1).random((2, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(loaded.forward(x), m.forward(x))


def test_written_atomically_and_never_over_a_good_file_on_failure(model, tmp_path):
    path = tmp_path / "m.npz"
    checkpoint.save(model, path)
    good = path.read_bytes()
    bad = model.copy()
    bad.parameters()["fc1.weight"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        checkpoint.save(bad, path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left


def _rewrite(src, dst, change):
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(dst, **arrays)


def test_each_bad_file_is_refused_with_a_message(model, tmp_path):
    good = tmp_path / "good.npz"
    checkpoint.save(model, good)
    cases = {}
    (tmp_path / "text.npz").write_text("not a model")
    cases["text.npz"] = "not a readable model file"
    (tmp_path / "cut.npz").write_bytes(good.read_bytes()[:3000])
    cases["cut.npz"] = "not a readable model file"
    np.save(tmp_path / "one.npy", np.zeros(3))
    cases["one.npy"] = "single array"
    np.savez(tmp_path / "foreign.npz", weights=np.zeros(3))
    cases["foreign.npz"] = "no metadata"
    _rewrite(good, tmp_path / "missing.npz", lambda a: a.pop("fc2.bias"))
    cases["missing.npz"] = "missing.*fc2.bias"
    _rewrite(good, tmp_path / "shape.npz", lambda a: a.update({"fc1.weight": np.zeros((3, 3))}))
    # In words a person reading the message has: the network, the file's weights.
    cases["shape.npz"] = (r"fc1.weight: the network needs shape \(128, 784\), the weights "
                          r"given have \(3, 3\)")

    def nan(a):
        a["conv1.weight"] = a["conv1.weight"].copy()
        a["conv1.weight"][0, 0, 0, 0] = np.nan
    _rewrite(good, tmp_path / "nan.npz", nan)
    cases["nan.npz"] = "conv1.weight.*NaN"

    def unknown(a):
        meta = json.loads(str(a["__meta__"]))
        meta["spec"][1]["type"] = "swish"
        a["__meta__"] = np.array(json.dumps(meta))
    _rewrite(good, tmp_path / "unknown.npz", unknown)
    cases["unknown.npz"] = "unknown layer type 'swish'"

    def pickled(a):
        a["conv1.bias"] = np.array([object()], dtype=object)
    _rewrite(good, tmp_path / "pickled.npz", pickled)
    cases["pickled.npz"] = "not a readable model file"
    cases["absent.npz"] = "does not exist"
    for name, message in cases.items():
        with pytest.raises(CheckpointError, match=message):
            checkpoint.load(tmp_path / name)
    assert zipfile.is_zipfile(good)
