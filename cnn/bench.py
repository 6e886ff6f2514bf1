"""`python -m cnn bench`: training samples/s and single-image latency, against PyTorch if present.

NumPy and PyTorch are measured interleaved, round by round, in the same process, so a busy
machine slows both alike; figures are medians over rounds and the ratios are per round.
"""

import json
import statistics
import time

import numpy as np

from cnn import blas, machine, parallel, procshare
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import build_model
from cnn.optim import SGD
from cnn.plan import DEFAULT_ENGINE
from cnn.train import forward_backward

BATCHES = (32, 64, 128, 256)  # 64: what the CLI and the Train tab train with


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


class _Workload:
    """The batches and the letter both sides are timed on, and a NumPy model for a preset."""

    def __init__(self, arch: str, engine: str, steps: int, latency_calls: int):
        rng = np.random.default_rng(0)
        self.model = build_model(arch, rng, engine=engine)
        self.steps, self.latency_calls = steps, latency_calls
        self.x = rng.random((max(BATCHES) * steps, 1, 28, 28), dtype=np.float32)
        self.y = rng.integers(0, 26, len(self.x))
        self.one = self.x[:1].copy()

    def batches(self, b: int):
        for s in range(self.steps):
            yield slice(s * b, (s + 1) * b)


def _numpy_side(w: _Workload):
    """(train(b) -> seconds for w.steps steps, latency() -> median seconds of one letter)."""
    model, opt, loss_fn = w.model, SGD(lr=0.01, momentum=0.9), SoftmaxCrossEntropy()

    def train(b):
        params = model.parameters()
        t = time.perf_counter()
        for at in w.batches(b):
            _, _, grads = forward_backward(model, w.x[at], w.y[at], loss_fn)
            opt.step(params, grads)
        return time.perf_counter() - t

    def latency():
        out = []
        with blas.limit(1):
            for _ in range(w.latency_calls):
                t = time.perf_counter()
                model.activations(w.one)
                out.append(time.perf_counter() - t)
        return statistics.median(out)

    return train, latency


def _torch_side(w: _Workload):
    """The same pair for PyTorch on the same weights, or None when it is not importable."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    tm = torch_model(w.model.spec)
    tm.load_state_dict({k: torch.from_numpy(v) for k, v in w.model.state_dict().items()})
    opt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
    tx, ty, tone = torch.from_numpy(w.x), torch.from_numpy(w.y), torch.from_numpy(w.one)

    def train(b):
        t = time.perf_counter()
        for at in w.batches(b):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(tm(tx[at]), ty[at]).backward()
            opt.step()
        return time.perf_counter() - t

    def latency():
        out = []
        with torch.no_grad():
            for _ in range(w.latency_calls):
                t = time.perf_counter()
                h, acts = tone, []
                for m in tm:
                    h = m(h)
                    acts.append(h)
                out.append(time.perf_counter() - t)
        return statistics.median(out)

    return train, latency, torch.__version__


def _rounds(np_side, th_side, rounds: int) -> tuple[dict, dict, list, list, list]:
    """Interleaved timings after one warm-up: ({b: [np s]}, {b: [torch s]}, [np latency],
    [torch latency], [float32 product FLOP/s]); the product rate is measured in every round
    too, so that a training rate is set against the rate of its own round (a single
    measurement on a shared machine can be far off the rest of the run)."""
    sides = [np_side] + ([th_side[:2]] if th_side else [])
    train = {b: ([], []) for b in BATCHES}
    latency, gemm = ([], []), []
    for b in BATCHES:  # warm-up: buffers, BLAS threads, PyTorch's allocator
        for side in sides:
            side[0](b)
    for _ in range(rounds):
        for b in BATCHES:
            for i, side in enumerate(sides):
                train[b][i].append(side[0](b))
        for i, side in enumerate(sides):
            latency[i].append(side[1]())
        gemm.append(machine.sgemm_rate())
    return ({b: t[0] for b, t in train.items()}, {b: t[1] for b, t in train.items()},
            latency[0], latency[1], gemm)


def run(arch: str = "default", rounds: int = 7, steps: int = 12, latency_calls: int = 200,
        use_torch: bool = True, engine: str = DEFAULT_ENGINE) -> dict:
    """Measure one preset on `engine`; returns a dict of figures (samples/s, microseconds,
    ratios)."""
    w = _Workload(arch, engine, steps, latency_calls)
    # Where batches go to the worker process, it is timed ready (on one core none is split).
    worker = parallel.cores() >= 2 and procshare.start(w.model)
    th_side = _torch_side(w) if use_torch else None
    np_times, th_times, np_lat, th_lat, gemm_rates = _rounds(_numpy_side(w), th_side, rounds)
    flops, gemm = machine.training_flops(w.model), statistics.median(gemm_rates)
    result = {
        "arch": arch, "engine": engine, "parameters": w.model.num_parameters(), "rounds": rounds,
        "blas": machine.describe_blas(), "kernel_warning": machine.kernel_warning(),
        "training_flops_per_letter": flops, "sgemm_gflops": gemm / 1e9,
        "sgemm_gflops_by_round": [g / 1e9 for g in gemm_rates],
        "numpy_train_seconds_by_round": np_times,
        "gemm_only_samples_per_s": gemm / flops,
        "numpy_train_samples_per_s": {b: _median_rate(np_times[b], b * steps) for b in BATCHES},
        # Each round's training rate over the products-only limit of that same round.
        "numpy_share_of_gemm_limit": {
            b: statistics.median(b * steps / t / (g / flops)
                                 for t, g in zip(np_times[b], gemm_rates, strict=True))
            for b in BATCHES},
        "numpy_activations_us": statistics.median(np_lat) * 1e6,
        # Whether two-share batches went to the worker process (all through the run), or to
        # threads (not a narrow network, or the worker could not start or failed on the way).
        "process_share": worker and not procshare.failed(),
    }
    if th_side is not None:
        result.update({
            "torch_version": th_side[2],
            "torch_train_samples_per_s": {b: _median_rate(th_times[b], b * steps)
                                          for b in BATCHES},
            "train_ratio_numpy_over_torch": {
                b: statistics.median(t / n for t, n in zip(th_times[b], np_times[b], strict=True))
                for b in BATCHES},
            "torch_activations_us": statistics.median(th_lat) * 1e6,
            "latency_ratio_torch_over_numpy": statistics.median(
                t / n for t, n in zip(th_lat, np_lat, strict=True)),
        })
    return result


def format_result(r: dict) -> str:
    lines = [f"preset {r['arch']} ({r['parameters']:,} parameters), {r['engine']} engine, "
             f"medians of {r['rounds']} interleaved rounds", f"  {r['blas']}"]
    if r["kernel_warning"]:
        lines.append(f"  warning: {r['kernel_warning']}")
    limit = r["gemm_only_samples_per_s"]
    low, high = min(r["sgemm_gflops_by_round"]), max(r["sgemm_gflops_by_round"])
    lines.append(f"  matrix products: {r['training_flops_per_letter'] / 1e6:.1f} MFLOP per letter "
                 f"per training step; float32 products run at {r['sgemm_gflops']:.0f} GFLOP/s "
                 f"here ({low:.0f}-{high:.0f} over the rounds), so products alone would allow "
                 f"{limit:,.0f} letters/s")
    has_torch = "torch_train_samples_per_s" in r
    head = ("  training samples/s   NumPy  of limit" +
            ("    PyTorch   NumPy/PyTorch" if has_torch else ""))
    lines.append(head)
    if r.get("process_share"):
        lines.append("    (the second share of a batch in a worker process, cnn/procshare.py)")
    for b in BATCHES:
        rate = r["numpy_train_samples_per_s"][b]
        line = f"    batch {b:>3}        {rate:>8,.0f}  {r['numpy_share_of_gemm_limit'][b]:>7.0%}"
        if has_torch:
            line += (f"   {r['torch_train_samples_per_s'][b]:>8,.0f}   "
                     f"{r['train_ratio_numpy_over_torch'][b]:>8.2f}x")
        lines.append(line)
    line = f"  single-image activations(): NumPy {r['numpy_activations_us']:.0f} us (1 BLAS thread)"
    if has_torch:
        line += (f", PyTorch {r['torch_activations_us']:.0f} us; PyTorch/NumPy time "
                 f"{r['latency_ratio_torch_over_numpy']:.2f}x")
    lines.append(line)
    if has_torch:  # a noisy machine: the medians of two sides can disagree with the pairs
        lines.append("  (the ratios are medians of each round's ratio, both sides timed "
                     "back to back)")
    if not has_torch:
        lines.append("  (PyTorch is not importable: no comparison)")
    return "\n".join(lines)


def main(archs: list[str], as_json: bool, rounds: int = 7, engine: str = DEFAULT_ENGINE) -> None:
    results = [run(a, rounds=rounds, engine=engine) for a in archs]
    if as_json:
        print(json.dumps(results if len(results) > 1 else results[0], indent=2))
    else:
        print("\n\n".join(format_result(r) for r in results))
