"""What the README promises and shows, run: its PyTorch snippet, its apt-get line."""

import re
from pathlib import Path

import numpy as np
import pytest

from cnn import checkpoint
from cnn.model import build_model
from gui.platform_check import APT_LINE
from tests.tolerance import assert_close_float32, network_fan_in

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def python_block_after(heading: str) -> str:
    """The first ```python block after a README heading."""
    section = README[README.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_pytorch_snippet_loads_a_checkpoint_that_reads_as_ours(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    spec = [{"type": "conv2d", "out_channels": 4, "kernel_size": 5, "stride": 2, "padding": 1},
            {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
            {"type": "flatten"}, {"type": "linear", "out_features": 26}]
    for model in (build_model("small", np.random.default_rng(0)),
                  build_model(spec, np.random.default_rng(1))):
        checkpoint.save(model, tmp_path / "my.npz", {"name": "mine"})
        monkeypatch.chdir(tmp_path)  # the snippet opens my.npz
        scope = {}
        exec(python_block_after("### In PyTorch"), scope)  # the README's own code
        net, x = scope["net"], np.random.default_rng(2).random((5, 1, 28, 28), dtype=np.float32)
        assert [name for name, _ in net.named_children()] == [n for n, _ in model.layers]
        with torch.no_grad():
            ours = net(torch.from_numpy(x)).numpy()
        assert_close_float32(ours, model.forward(x), network_fan_in(model))
        assert scope["probabilities"].shape == (1, 26)


def test_the_readme_gives_the_apt_line_the_app_prints():
    assert APT_LINE in README


def test_the_readme_output_size_formula_rounds_down_as_the_playground_does():
    """Stride 2 over 28 pixels with no padding makes 13 stops, not (28 − 3) / 2 + 1 = 13.5."""
    from cnn.explain import output_size, size_formula

    formula, = re.findall(r"`([^`]*\(n \+ 2p − k\)[^`]*)`", README)
    assert output_size(28, 3, 2, 0) == 13 and size_formula(28, 3, 2, 0).startswith("⌊")
    assert formula == "⌊(n + 2p − k) / s⌋ + 1"


def test_what_the_readme_says_a_straight_bar_reads_is_measured():
    """'a straight bar drawn with the mouse reads 62 % l, 27 % I': the shipped model on one."""
    from cnn.functional import softmax
    from cnn.paths import DEFAULT_MODEL
    from cnn.preprocess import preprocess_strokes

    model, _ = checkpoint.load(DEFAULT_MODEL)
    bar = preprocess_strokes([np.array([[300.0, 100.0], [300.0, 400.0]])], (600, 500))
    z = model.activations(bar.image[None, None].astype(model.dtype))[model.layers[-1][0]]
    p = softmax(z.astype(np.float64))[0]
    said = re.findall(r"bar (?:drawn with the mouse )?reads (?:about )?(\d+) % l, (\d+) % I",
                      " ".join(README.split()))
    assert len(said) == 2
    for l_share, i_share in said:
        assert int(l_share) == round(100 * p[11]) and int(i_share) == round(100 * p[8])
