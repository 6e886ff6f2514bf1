"""What this machine gives the engine: the BLAS library and kernel NumPy runs on, the matrix
product rate it reaches, and so the fastest a training step could run if it were products only.

`python -m cnn bench` prints these beside its timings, so a figure can be read against what the
machine allows (and a kernel forced by OPENBLAS_CORETYPE is noticed, not mistaken for a slow
engine).
"""

import functools
import json
import os
import subprocess
import sys
import time

import numpy as np

# The BLAS library NumPy loaded, as threadpoolctl sees it, printed by a fresh interpreter.
_PROBE = ("import json, numpy, threadpoolctl; "
          "print(json.dumps([i for i in threadpoolctl.threadpool_info() "
          "if i['user_api'] == 'blas']))")


def blas_info() -> list[dict]:
    """threadpoolctl's description of the BLAS libraries loaded (library, version, kernel
    'architecture', threads)."""
    from threadpoolctl import threadpool_info

    return [i for i in threadpool_info() if i["user_api"] == "blas"]


@functools.cache  # a fresh interpreter once a process, not once a preset
def native_kernel() -> str | None:
    """The OpenBLAS kernel this CPU gets when OPENBLAS_CORETYPE does not choose one (asked of a
    fresh interpreter without it); None when that cannot be told."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    try:
        out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                             text=True, timeout=60, check=True).stdout
        kernels = [i.get("architecture") for i in json.loads(out)]
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return kernels[0] if kernels else None


def kernel_warning() -> str | None:
    """A sentence when OPENBLAS_CORETYPE makes NumPy run another kernel than the CPU's own."""
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if not forced:
        return None
    running = next((i.get("architecture") for i in blas_info()), None)
    native = native_kernel()
    if native is None or running is None or running == native:
        return None
    return (f"OPENBLAS_CORETYPE={forced} runs OpenBLAS's {running} kernels, not the {native} "
            "kernels this CPU gets without it: matrix products are slower than a user's")


def describe_blas() -> str:
    """One line: library, version, kernel and threads of each BLAS NumPy uses."""
    parts = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernels, "
             f"{i.get('num_threads')} threads)" for i in blas_info()]
    return "BLAS: " + ("; ".join(parts) if parts else "none found by threadpoolctl")


def sgemm_rate(n: int = 1536, repeats: int = 5) -> float:
    """FLOP/s of float32 matrix products (n x n by n x n) on every core: the median of
    `repeats` products after a warm-up."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - t)
    return 2.0 * n**3 / float(np.median(times))


def training_flops(model) -> float:
    """FLOPs of one letter's training step in the matrix products: each convolution and
    linear layer's forward product, its weight gradient, and its input gradient (not for the
    first layer, whose input is the image)."""
    shapes = model.output_shapes()
    total, first = 0.0, True
    for name, layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2d", "Linear"):
            continue
        weight = layer.params["weight"]
        per_output = int(np.prod(weight.shape[1:]))  # in x kh x kw, or in_features
        out_shape = shapes[name]
        positions = int(np.prod(out_shape[1:])) if len(out_shape) == 3 else 1
        macs = weight.shape[0] * per_output * positions
        total += 2.0 * macs * (2 if first else 3)
        first = False
    return total
