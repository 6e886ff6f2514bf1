"""How far two float32 computations of the same sums may differ, on any CPU and BLAS kernel.

A BLAS kernel (and each fused path) adds the terms of a sum in its own order, and in float32 each
order rounds differently: for K terms the results differ by at most about K * eps * sum|terms|.
The largest value compared stands in for the size of the terms; the typical difference grows
like sqrt(K), so the bound leaves room for sums whose terms cancel.
"""

import numpy as np

from cnn.layers import Conv2d, Linear

EPS32 = float(np.finfo(np.float32).eps)


def network_fan_in(model, backward: bool = False) -> int:
    """Terms summed per output value, added up over every layer a value passes through (and
    back again, for an input gradient: each layer's backward sums over its fan-out)."""
    total = 0
    for _, layer in model.layers:
        if isinstance(layer, Conv2d):
            k2 = layer.kernel_size ** 2
            total += layer.in_channels * k2 + backward * layer.out_channels * k2
        elif isinstance(layer, Linear):
            total += layer.in_features + backward * layer.out_features
    return total


def assert_close_float32(actual, desired, fan_in: int, err_msg: str = "") -> None:
    """actual == desired up to float32 rounding of sums of `fan_in` terms, in any order."""
    desired = np.asarray(desired, np.float64)
    scale = float(np.abs(desired).max()) if desired.size else 0.0
    atol = fan_in * EPS32 * max(scale, np.finfo(np.float32).tiny)
    np.testing.assert_allclose(np.asarray(actual, np.float64), desired, rtol=0, atol=atol,
                               err_msg=err_msg)
