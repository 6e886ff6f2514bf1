"""The fast engine (cnn/fast/) against the reference layers (cnn/layers.py): the same logits,
every parameter gradient and the input gradient, on every preset and on random specs."""

import itertools
import threading

import numpy as np
import pytest

from cnn.fast import conv as fast_conv
from cnn.fast.conv import FastConv
from cnn.functional import im2col
from cnn.layers import Conv2d
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import PRESETS, build_model, conv_net_spec
from tests.tolerance import assert_close_float32, network_fan_in


def _pass(model, x, y, layerwise: bool):
    """Logits, dx and a copy of every gradient after one forward (or activations) + backward."""
    logits = model.activations(x)[model.layers[-1][0]] if layerwise else model.forward(x)
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, y)
    dx = model.backward(loss.backward(), need_input_grad=True)
    return logits.copy(), dx.copy(), {k: g.copy() for k, g in model.gradients().items()}


def _assert_same(fast, ref, x, dtype, layerwise=False):
    """Both engines on the same weights: logits, dx and every gradient agree, within float32
    rounding of the sums each value is made of (float64: to 1e-10 of its scale)."""
    y = np.arange(x.shape[0]) % 26
    got, want = _pass(fast, x, y, layerwise), _pass(ref, x, y, layerwise)
    assert set(got[2]) == set(want[2]) == set(fast.parameters())
    # A weight's gradient sums over every output position of the batch: N x H x W terms.
    positions = x.shape[0] * int(np.prod(x.shape[2:]))
    fan = {"logits": network_fan_in(fast), "dx": network_fan_in(fast, backward=True),
           "grads": positions + network_fan_in(fast, backward=True)}
    pairs = [("logits", got[0], want[0], fan["logits"]), ("dx", got[1], want[1], fan["dx"])]
    pairs += [(k, got[2][k], want[2][k], fan["grads"]) for k in want[2]]
    for name, a, b, terms in pairs:
        assert a.shape == b.shape and a.dtype == b.dtype == dtype, name
        if dtype == np.float64:
            scale = max(float(np.abs(b).max()), 1e-300)
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10 * scale, err_msg=name)
        else:
            assert_close_float32(a, b, terms, err_msg=name)


def _near_a_kink(ref, x, margin=2e-6) -> bool:
    """Whether float32 rounding could flip a ReLU (an input within `margin` of the layer's scale
    from zero) or a pooling window's winner (its two largest that close, not equal) for x: there
    the engines may rightly send a gradient different ways. (The engines' float32 layer outputs
    differ by at most 7e-7 of their scale on the presets.)"""
    acts = ref.activations(x)
    seen = x
    for name, layer in ref.layers:
        v = seen.astype(np.float64)
        near = margin * float(np.abs(v).max())
        if layer.kind == "relu" and (np.abs(v) < near).any():
            return True
        if layer.kind == "maxpool2d":
            n, c, h, w = v.shape
            top2 = np.sort(im2col(v.reshape(n * c, 1, h, w), layer.kernel_size, layer.stride,
                                  0), axis=1)[:, -2:]
            gap = top2[:, 1] - top2[:, 0]
            if ((gap > 0) & (gap < near) & (top2[:, 1] > near)).any():
                return True
        seen = acts[name]
    return False


def _letters(ref, n, dtype, rng):
    """n random images; in float32 with no ReLU or pooling window at a kink (a new draw if one
    is), float64 rounding being far below any gap the draws make."""
    for _ in range(20):
        x = rng.random((n, 1, 28, 28)).astype(dtype)
        if dtype == np.float64 or not _near_a_kink(ref, x):
            return x
    raise AssertionError("every draw came near a kink: lower the batch or the margin")


def _engines(spec, dtype, seed=0):
    fast = build_model(spec, np.random.default_rng(seed), dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for p in fast.parameters().values():  # non-zero biases, so their gradients count too
        p += np.asarray(0.05 * rng.standard_normal(p.shape), dtype)
    ref = fast.copy().set_engine("reference")
    assert (fast.engine, ref.engine) == ("fast", "reference")
    return fast, ref


@pytest.mark.parametrize("arch", list(PRESETS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_preset_matches_the_reference(arch, dtype):
    fast, ref = _engines(arch, dtype)
    # float32: a batch of 2, so that a draw with no value at a kink comes quickly
    x = _letters(ref, 7 if dtype == np.float64 else 2, dtype, np.random.default_rng(2))
    _assert_same(fast, ref, x, dtype)
    _assert_same(fast, ref, x[:1], dtype, layerwise=True)  # Winograd for large's conv2


def _spec(k, stride, pad, pool):
    """conv(k, stride, pad) -> ReLU [-> pool] -> conv 3x3 -> ReLU [-> pool] -> flatten -> fc."""
    spec = []
    for conv in ({"kernel_size": k, "stride": stride, "padding": pad},
                 {"kernel_size": 3, "stride": 1, "padding": 1}):
        spec += [{"type": "conv2d", "out_channels": 6, **conv}, {"type": "relu"}]
        if pool:
            spec.append({"type": "maxpool2d", "kernel_size": 2, "stride": 2})
    return spec + [{"type": "flatten"}, {"type": "linear", "out_features": 26}]


CASES = list(itertools.product([1, 3, 5], [1, 2], [0, 1, 2], [True, False]))


@pytest.mark.parametrize("k,stride,pad,pool", CASES)
def test_random_specs_match_the_reference(k, stride, pad, pool):
    """Every kernel/stride/padding mix, pooled and not, in float32 and float64, batches of 1
    and 7, through forward (fused steps) and activations (each layer alone)."""
    seed = CASES.index((k, stride, pad, pool))
    rng = np.random.default_rng(seed)
    for dtype, n in ((np.float32, 7), (np.float64, 1), (np.float32, 1), (np.float64, 7)):
        fast, ref = _engines(_spec(k, stride, pad, pool), dtype, seed)
        x = _letters(ref, n, dtype, rng)
        _assert_same(fast, ref, x, dtype)
        _assert_same(fast, ref, x, dtype, layerwise=True)


def test_odd_maps_and_other_pools_run_alone():
    spec = [{"type": "conv2d", "out_channels": 4, "kernel_size": 4, "stride": 1, "padding": 1},
            {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
            {"type": "conv2d", "out_channels": 5, "kernel_size": 3, "stride": 1, "padding": 0},
            {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
            {"type": "flatten"}, {"type": "linear", "out_features": 26}]
    fast, ref = _engines(spec, np.float64)
    # conv1's 27x27 map is odd: ReLU + pool fuse, conv1 runs alone; the 3x3 pool is plain.
    assert fast.plan.describe() == "conv1, relu1+pool1, conv2, pool2, flatten, fc1"
    x = np.random.default_rng(3).random((3, 1, 28, 28))
    _assert_same(fast, ref, x, np.float64)


def test_flat_images_tie_in_every_window_and_still_match():
    fast, ref = _engines("small", np.float64)
    fast.layer("conv1").params["bias"][:4] = [0.2, -0.1, 0.0, 0.3]  # ties at zero and above
    x = np.zeros((4, 1, 28, 28))
    x[:2, 0, 8:20, 10:14] = np.random.default_rng(3).random((2, 12, 4))
    ref.load_state_dict(fast.state_dict())
    _assert_same(fast, ref, x, np.float64)
    assert np.abs(fast.gradients()["conv1.bias"]).sum() > 0


def test_single_letter_winograd_follows_weight_updates():
    rng = np.random.default_rng(4)
    layer = Conv2d(64, 64, 3, 1, 1, rng=rng, dtype=np.float64)  # 64 x 64 pairs: Winograd
    layer.params["bias"][:] = rng.standard_normal(64)
    fast = FastConv(layer)
    x = rng.standard_normal((1, 64, 6, 8))
    for _ in range(2):
        y = fast.forward(x)
        assert fast._cols is None and fast._xp is not None  # the Winograd path ran
        np.testing.assert_allclose(y, layer.forward(x), atol=1e-12)
        dy = rng.standard_normal(y.shape)
        want = layer.backward(dy), {k: g.copy() for k, g in layer.grads.items()}
        np.testing.assert_allclose(fast.backward(dy), want[0], atol=1e-12)
        for name, g in want[1].items():
            np.testing.assert_allclose(layer.grads[name], g, atol=1e-12)
        layer.params["weight"] -= 0.1 * layer.grads["weight"]  # in place, as optimizers do


def test_narrow_layer_input_gradient_in_image_blocks():
    rng = np.random.default_rng(5)
    layer = Conv2d(3, 4, 3, 1, 1, rng=rng, dtype=np.float64)
    x, dy = rng.standard_normal((5, 3, 6, 6)), rng.standard_normal((5, 4, 6, 6))
    fast = FastConv(layer)
    fast.DX_BLOCK_BYTES = 2 * 36 * 27 * 8  # two images per block: 2 + 2 + 1
    fast.forward(x)
    layer.forward(x)
    np.testing.assert_allclose(fast.backward(dy), layer.backward(dy), atol=1e-12)


@pytest.fixture
def shared():
    """As in a share of a batch split between the cores: wide layers work by blocks."""
    token = fast_conv.SHARED.set(True)
    yield
    fast_conv.SHARED.reset(token)


def test_wide_pooled_layer_runs_by_blocks_of_letters(shared):
    """A wide layer before pooling works a few letters at a time and makes its columns again in
    backward: batches that fill the blocks, and that leave a last, smaller one, in turn."""
    fast, ref = _engines(conv_net_spec([16, 48], [32]), np.float64)  # 16 x 48 pairs: wide
    _, step = fast.plan.steps[1]
    rng = np.random.default_rng(9)
    for n in (9, 3, 8, 9):  # 4 + 4 + 1, 3, 4 + 4
        _assert_same(fast, ref, rng.random((n, 1, 28, 28)), np.float64)
        # 14 x 14 positions x (9 x 16 + 1) columns x 8 bytes: 4 letters to a megabyte
        assert step.conv._blocked and step.conv._block == 4


def test_blocks_only_in_the_shares_of_a_split_batch(monkeypatch):
    from cnn import parallel
    from cnn.train import forward_backward

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    model = build_model(conv_net_spec([16, 48], [32]), np.random.default_rng(0))
    seen = []
    real = FastConv._forward_blocks
    monkeypatch.setattr(FastConv, "_forward_blocks", lambda self, *a: (
        seen.append(threading.get_ident()), real(self, *a))[1])
    x, y = np.random.default_rng(1).random((32, 1, 28, 28)), np.arange(32) % 26
    forward_backward(model, x, y, SoftmaxCrossEntropy(), threads=1)  # one thread: one product
    model.forward(x)
    assert seen == [] and not fast_conv.SHARED.get()
    forward_backward(model, x, y, SoftmaxCrossEntropy())  # two shares of 16
    assert len(set(seen)) == 2 and not fast_conv.SHARED.get()  # each share's thread, then off


@pytest.mark.parametrize("k,stride,pad,direct", [
    (3, 1, 1, True), (5, 1, 2, True), (1, 1, 0, True), (3, 1, 0, True),  # dx as a convolution
    (3, 2, 1, False), (3, 1, 3, False)])  # dx by slice-adds
def test_blocked_layer_alone_sends_only_what_is_asked(shared, monkeypatch, k, stride, pad,
                                                      direct):
    rng = np.random.default_rng(10)
    layer = Conv2d(16, 48, k, stride, pad, rng=rng, dtype=np.float64)
    layer.params["bias"][:] = rng.standard_normal(48)
    fast = FastConv(layer)
    x = rng.standard_normal((6, 16, 12, 16))
    _, ho, wo = layer.output_shape(x.shape[1:])
    corners = fast.forward(x, pooled=True)  # (4, N*Ho/2*Wo/2, O): rows (2, 2, N, Ho/2, Wo/2)
    assert fast._blocked and corners.shape == (4, 6 * ho * wo // 4, 48)

    def as_image(a):
        return a.reshape(2, 2, 6, ho // 2, wo // 2, 48).transpose(2, 5, 3, 0, 4, 1).reshape(
            6, 48, ho, wo)

    np.testing.assert_allclose(as_image(corners), layer.forward(x), atol=1e-12)
    dy = rng.standard_normal(corners.shape)
    want_dx = layer.backward(as_image(dy))
    want = {name: g.copy() for name, g in layer.grads.items()}
    layer.grads = {}
    adds = []
    real_col2im = fast_conv.columns.col2im
    monkeypatch.setattr(fast_conv.columns, "col2im", lambda *a: (adds.append(1),
                                                                 real_col2im(*a)))
    np.testing.assert_allclose(fast.backward(dy, need_grads=False), want_dx, atol=1e-12)
    assert layer.grads == {} and (adds == []) == direct
    fast.forward(x, pooled=True)
    assert fast.backward(dy, need_dx=False) is None
    for name, g in want.items():
        np.testing.assert_allclose(layer.grads[name], g, atol=1e-12)


def test_buffers_kept_between_passes_leave_no_trace_in_the_next():
    """The fast steps reuse scratch buffers from pass to pass: batches of other sizes in turn,
    and the same batch again, still give the reference's numbers."""
    fast, ref = _engines("small", np.float64)
    rng = np.random.default_rng(8)
    a, b = rng.random((3, 1, 28, 28)), rng.random((5, 1, 28, 28))
    for x in (a, b, a, b[:1], a):
        _assert_same(fast, ref, x, np.float64)


def test_backward_follows_the_pass_that_ran_last_and_never_a_half_pass(monkeypatch):
    fast, ref = _engines("small", np.float64)
    x = np.random.default_rng(6).random((2, 1, 28, 28))
    with pytest.raises(RuntimeError, match="forward"):
        fast.backward(np.ones((2, 26)))
    fast.forward(x)
    acts = fast.activations(x[:1])
    assert list(acts) == [n for n, _ in fast.layers]
    dx = fast.backward(np.ones((1, 26)), need_input_grad=True)  # activations' pass: one letter
    ref.activations(x[:1])
    np.testing.assert_allclose(dx, ref.backward(np.ones((1, 26)), need_input_grad=True),
                               atol=1e-12)
    _, step = fast.plan.steps[2]
    monkeypatch.setattr(step, "forward", lambda x: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        fast.forward(x)  # the first two steps ran, the third did not
    with pytest.raises(RuntimeError, match="forward"):
        fast.backward(np.ones((2, 26)))


def test_the_engine_is_chosen_shown_and_switched():
    model = build_model("small", np.random.default_rng(0), engine="reference")
    assert model.engine == "reference" and "engine='reference'" in repr(model)
    assert "conv1+relu1+pool1" in repr(model.set_engine("fast"))
    with pytest.raises(ValueError, match="engine"):
        build_model("small", engine="turbo")


def test_bench_measures_the_engine_it_is_asked_for():
    from cnn import bench
    from cnn.cli import build_parser

    assert build_parser().parse_args(["bench", "--engine", "reference"]).engine == "reference"
    r = bench.run("small", rounds=1, steps=1, latency_calls=2, use_torch=False,
                  engine="reference")
    assert r["engine"] == "reference" and "reference engine" in bench.format_result(r)
    assert all(v > 0 for v in r["numpy_train_samples_per_s"].values())


def test_bench_sets_each_round_against_its_own_product_rate(monkeypatch):
    import statistics

    from cnn import bench, machine

    rates = iter([1e9, 4e9, 2e9])  # a machine whose speed changes from round to round
    monkeypatch.setattr(machine, "sgemm_rate", lambda: next(rates))
    r = bench.run("small", rounds=3, steps=1, latency_calls=2, use_torch=False)
    assert r["sgemm_gflops"] == 2.0 and r["sgemm_gflops_by_round"] == [1.0, 4.0, 2.0]
    assert "(1-4 over the rounds)" in bench.format_result(r)
    assert "each round's ratio" not in bench.format_result(r)  # no PyTorch, no ratios
    # small, a narrow network: on two cores or more its second shares went to the process
    from cnn import parallel

    assert r["process_share"] == (parallel.cores() >= 2)
    assert ("worker process" in bench.format_result(r)) == r["process_share"]
    with_torch = {**r, "torch_train_samples_per_s": dict(r["numpy_train_samples_per_s"]),
                  "train_ratio_numpy_over_torch": dict.fromkeys(bench.BATCHES, 1.0),
                  "torch_activations_us": 593.0, "latency_ratio_torch_over_numpy": 1.23}
    assert "medians of each round's ratio" in bench.format_result(with_torch)
    flops = r["training_flops_per_letter"]
    for b, share in r["numpy_share_of_gemm_limit"].items():
        times = r["numpy_train_seconds_by_round"][b]
        assert len(times) == 3
        assert share == pytest.approx(statistics.median(
            b / t / (g * 1e9 / flops) for t, g in zip(times, [1.0, 4.0, 2.0], strict=True)))
