"""ONNX export: onnxruntime reads the exported graph as `model.forward` does, in the CLI and the
window; without the onnx package both say how to get it."""

import sys

import numpy as np
import pytest

from cnn import checkpoint
from cnn.data import load_npz
from cnn.model import PRESETS, build_model
from cnn.paths import DEFAULT_MODEL
from tests.cli import run_cli
from tests.test_model import _assert_runs_clean

# Every layer kind and setting the spec allows: strides, padding, an odd pool that floors,
# ReLU after a linear layer, a 1x1 convolution.
EVERY_KIND = [
    {"type": "conv2d", "out_channels": 6, "kernel_size": 5, "stride": 2, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
    {"type": "conv2d", "out_channels": 5, "kernel_size": 1, "stride": 1, "padding": 0},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2},
    {"type": "flatten"},
    {"type": "linear", "out_features": 20},
    {"type": "relu"},
    {"type": "linear", "out_features": 26},
]


def onnx_logits(model, x, tmp_path):
    """(logits, probabilities) from onnxruntime for x (N, 1, 28, 28) float32."""
    ort = pytest.importorskip("onnxruntime")
    from cnn.onnx_export import export_onnx

    path = export_onnx(model, tmp_path / "model.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["logits", "probabilities"]
    return session.run(None, {"input": x})


NAMES = ["shipped", *PRESETS, "every kind"]


def make(name: str):
    """The shipped model, a preset with random weights, or EVERY_KIND."""
    if name == "shipped":
        return checkpoint.load(DEFAULT_MODEL)[0]
    spec = EVERY_KIND if name == "every kind" else name
    return build_model(spec, np.random.default_rng(NAMES.index(name)))


def assert_same_reading(model, x, tmp_path):
    logits, probs = onnx_logits(model, x, tmp_path)
    np.testing.assert_allclose(logits, model.forward(x), rtol=1e-4, atol=1e-4)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_onnxruntime_reads_random_inputs_as_the_model_does(name, tmp_path):
    pytest.importorskip("onnx")
    model = make(name)
    x = np.random.default_rng(1).random((16, 1, 28, 28), dtype=np.float32)
    assert_same_reading(model, x, tmp_path)


def test_onnxruntime_reads_real_letters_as_every_preset_does(shared_data, tmp_path):
    pytest.importorskip("onnx")
    letters = load_npz(shared_data / "chars74k_hnd.npz")
    x = letters.x[:64].astype(np.float32)[:, None] / 255
    for name in NAMES:
        model = make(name)
        assert_same_reading(model, x, tmp_path / name)
        if name == "shipped":
            logits, _ = onnx_logits(model, x, tmp_path / name)
            assert (logits.argmax(1) == letters.y[:64]).mean() > 0.8  # it reads letters


def test_the_graph_uses_standard_operators_with_pytorch_names(tmp_path):
    onnx = pytest.importorskip("onnx")
    from cnn.onnx_export import export_onnx

    model = build_model("small", np.random.default_rng(0))
    graph = onnx.load(str(export_onnx(model, tmp_path / "m.onnx"))).graph
    assert [n.op_type for n in graph.node] == ["Conv", "Relu", "MaxPool", "Conv", "Relu",
                                               "MaxPool", "Flatten", "Gemm", "Relu", "Gemm",
                                               "Softmax"]
    assert [n.name for n in graph.node][:3] == ["conv1", "relu1", "pool1"]
    assert {i.name for i in graph.initializer} == set(model.parameters())
    assert [o.name for o in graph.output] == ["logits", "probabilities"]


def test_layers_named_like_the_graphs_own_tensors_export_and_read_the_same(tmp_path):
    names = ["input", "logits", "probabilities", "softmax"]  # what the graph itself calls things
    spec = [dict(entry, name=names[i]) if i < len(names) else entry
            for i, entry in enumerate(PRESETS["small"])]
    model = build_model(spec, np.random.default_rng(3))
    assert [n for n, _ in model.layers][:4] == names
    x = np.random.default_rng(4).random((3, 1, 28, 28), dtype=np.float32)
    assert_same_reading(model, x, tmp_path)


def test_cli_exports_the_shipped_model_by_default(tmp_path):
    pytest.importorskip("onnx")
    out = tmp_path / "letters.onnx"
    r = run_cli("export", "--onnx", str(out))
    assert r.returncode == 0, r.stderr
    assert "shipped model" in r.stderr and out.stat().st_size > 3_000_000


def test_without_onnx_the_cli_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` fails, as without the extra
    out = tmp_path / "m.onnx"
    r = run_cli("export", "--onnx", out)
    assert r.returncode == 2 and 'pip install "letterlens[onnx]"' in r.stderr, r.stderr
    assert not out.exists()


def test_import_cnn_does_not_load_onnx():
    _assert_runs_clean("import sys, cnn, cnn.cli, cnn.onnx_export; "
                       "assert 'onnx' not in sys.modules, 'onnx loaded by import cnn'")


# --- File › Export model as ONNX… ----------------------------------------------------------------

@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow
    from gui.models import LoadedModel

    model = build_model("small", np.random.default_rng(0))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(LoadedModel(model, {}, "tiny"), settings)
    qtbot.addWidget(window)
    return window


def choose_save_path(monkeypatch, path):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def test_file_menu_exports_the_window_model_as_onnx(window, monkeypatch, tmp_path):
    pytest.importorskip("onnx")
    action = window.actions_by_name["export_onnx"]
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions()
    choose_save_path(monkeypatch, tmp_path / "letters")  # the suffix is added
    action.trigger()
    x = np.random.default_rng(2).random((4, 1, 28, 28), dtype=np.float32)
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(tmp_path / "letters.onnx"),
                                   providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(["logits"], {"input": x})[0], window.model.forward(x),
                               rtol=1e-4, atol=1e-4)
    assert "Exported" in window.statusBar().currentMessage()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # message boxes
def test_export_errors_are_shown_and_nothing_is_written(window, monkeypatch, tmp_path):
    pytest.importorskip("onnx")
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    assert not window.export_onnx(blocker / "m.onnx")
    kind, title, text = window.last_message
    assert kind == "warning" and "Could not export" in title and "a file" in text

    monkeypatch.setitem(sys.modules, "onnx", None)  # as if the extra were not installed
    assert not window.export_onnx(tmp_path / "m.onnx")
    assert 'pip install "letterlens[onnx]"' in window.last_message[2]
    assert not (tmp_path / "m.onnx").exists()
