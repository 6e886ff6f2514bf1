"""`python -m cnn bench`: training samples/s and single-image latency, against PyTorch if present.

NumPy and PyTorch are measured interleaved, round by round, in the same process, so a busy
machine slows both alike; figures are medians over rounds and the ratios are per round.
"""

import json
import statistics
import time

import numpy as np

from cnn.losses import SoftmaxCrossEntropy
from cnn.model import build_model
from cnn.optim import SGD
from cnn.train import forward_backward

BATCHES = (32, 128, 256)


def torch_model(spec: list[dict]):
    """The PyTorch nn.Sequential with the same layers and names as a spec (for oracles, benches)."""
    from collections import OrderedDict

    import torch.nn as nn

    layers = []
    for e in spec:
        t = e["type"]
        if t == "conv2d":
            m = nn.Conv2d(e["in_channels"], e["out_channels"], e["kernel_size"], e["stride"],
                          e["padding"])
        elif t == "relu":
            m = nn.ReLU()
        elif t == "maxpool2d":
            m = nn.MaxPool2d(e["kernel_size"], e["stride"])
        elif t == "flatten":
            m = nn.Flatten()
        elif t == "linear":
            m = nn.Linear(e["in_features"], e["out_features"])
        else:
            raise ValueError(f"no PyTorch equivalent for layer type {t!r}")
        layers.append((e["name"], m))
    return nn.Sequential(OrderedDict(layers))


def _median_rate(times: list[float], samples: int) -> float:
    return samples / statistics.median(times)


def run(arch: str = "default", rounds: int = 7, steps: int = 12, latency_calls: int = 200,
        use_torch: bool = True) -> dict:
    """Measure one preset; returns a dict of figures (samples/s, microseconds, ratios)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    model = build_model(arch, rng)
    opt = SGD(lr=0.01, momentum=0.9)
    loss_fn = SoftmaxCrossEntropy()
    x_all = rng.random((max(BATCHES) * steps, 1, 28, 28), dtype=np.float32)
    y_all = rng.integers(0, 26, len(x_all))
    one = x_all[:1].copy()

    torch = tm = topt = None
    if use_torch:
        try:
            import torch
        except ImportError:
            torch = None
    if torch is not None:
        torch.set_num_threads(2)
        tm = torch_model(model.spec)
        tm.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
        topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
        tx, ty = torch.from_numpy(x_all), torch.from_numpy(y_all)
        tone = torch.from_numpy(one)

    def np_train(b):
        params = model.parameters()
        t = time.perf_counter()
        for s in range(steps):
            _, _, grads = forward_backward(model, x_all[s * b:(s + 1) * b],
                                           y_all[s * b:(s + 1) * b], loss_fn)
            opt.step(params, grads)
        return time.perf_counter() - t

    def torch_train(b):
        t = time.perf_counter()
        for s in range(steps):
            topt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tm(tx[s * b:(s + 1) * b]),
                                                     ty[s * b:(s + 1) * b])
            loss.backward()
            topt.step()
        return time.perf_counter() - t

    def np_latency():
        out = []
        with threadpool_limits(1):
            for _ in range(latency_calls):
                t = time.perf_counter()
                model.activations(one)
                out.append(time.perf_counter() - t)
        return statistics.median(out)

    def torch_latency():
        out = []
        with torch.no_grad():
            for _ in range(latency_calls):
                t = time.perf_counter()
                h, acts = tone, []
                for m in tm:
                    h = m(h)
                    acts.append(h)
                out.append(time.perf_counter() - t)
        return statistics.median(out)

    np_times = {b: [] for b in BATCHES}
    th_times = {b: [] for b in BATCHES}
    ratios = {b: [] for b in BATCHES}
    np_lat, th_lat, lat_ratios = [], [], []
    for b in BATCHES:  # warm-up: buffers, BLAS threads, PyTorch's allocator
        np_train(b)
        if tm is not None:
            torch_train(b)
    for _ in range(rounds):
        for b in BATCHES:
            np_times[b].append(np_train(b))
            if tm is not None:
                th_times[b].append(torch_train(b))
                ratios[b].append(th_times[b][-1] / np_times[b][-1])
        np_lat.append(np_latency())
        if tm is not None:
            th_lat.append(torch_latency())
            lat_ratios.append(th_lat[-1] / np_lat[-1])

    result = {
        "arch": arch,
        "parameters": model.num_parameters(),
        "rounds": rounds,
        "numpy_train_samples_per_s": {b: _median_rate(np_times[b], b * steps) for b in BATCHES},
        "numpy_activations_us": statistics.median(np_lat) * 1e6,
    }
    if tm is not None:
        result.update({
            "torch_version": torch.__version__,
            "torch_train_samples_per_s": {b: _median_rate(th_times[b], b * steps)
                                          for b in BATCHES},
            "train_ratio_numpy_over_torch": {b: statistics.median(ratios[b]) for b in BATCHES},
            "torch_activations_us": statistics.median(th_lat) * 1e6,
            "latency_ratio_torch_over_numpy": statistics.median(lat_ratios),
        })
    return result


def format_result(r: dict) -> str:
    lines = [f"preset {r['arch']} ({r['parameters']:,} parameters), medians of {r['rounds']} "
             "interleaved rounds"]
    has_torch = "torch_train_samples_per_s" in r
    head = "  training samples/s   NumPy" + ("    PyTorch   NumPy/PyTorch" if has_torch else "")
    lines.append(head)
    for b in BATCHES:
        line = f"    batch {b:>3}        {r['numpy_train_samples_per_s'][b]:>8,.0f}"
        if has_torch:
            line += (f"   {r['torch_train_samples_per_s'][b]:>8,.0f}   "
                     f"{r['train_ratio_numpy_over_torch'][b]:>8.2f}x")
        lines.append(line)
    line = f"  single-image activations(): NumPy {r['numpy_activations_us']:.0f} us (1 BLAS thread)"
    if has_torch:
        line += (f", PyTorch {r['torch_activations_us']:.0f} us; PyTorch/NumPy time "
                 f"{r['latency_ratio_torch_over_numpy']:.2f}x")
    lines.append(line)
    if not has_torch:
        lines.append("  (PyTorch is not importable: no comparison)")
    return "\n".join(lines)


def main(archs: list[str], as_json: bool, rounds: int = 7) -> None:
    results = [run(a, rounds=rounds) for a in archs]
    if as_json:
        print(json.dumps(results if len(results) > 1 else results[0], indent=2))
    else:
        print("\n\n".join(format_result(r) for r in results))
