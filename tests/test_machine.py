"""What bench reads off the machine: the products' FLOPs of a training step, the BLAS kernel,
and a warning when OPENBLAS_CORETYPE forces another kernel than the CPU's own."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from cnn import machine
from cnn.model import build_model


def test_training_flops_count_every_product_of_a_step():
    model = build_model("default", np.random.default_rng(0))
    # Multiply-adds of the forward products, by hand: conv1 32 maps of 28x28 from 3x3 windows,
    # conv2 64 of 14x14 from 32x3x3, fc1 3136 -> 256, fc2 256 -> 26.
    conv1, conv2 = 32 * 28 * 28 * 9, 64 * 14 * 14 * 32 * 9
    rest = 3136 * 256 + 256 * 26 + conv2
    # Forward, weight gradient and input gradient; conv1 needs no input gradient.
    assert machine.training_flops(model) == 2 * (2 * conv1 + 3 * rest)
    assert machine.training_flops(build_model("small", np.random.default_rng(0))) < \
        machine.training_flops(model)


def test_sgemm_rate_is_a_plausible_flop_rate():
    rate = machine.sgemm_rate(n=256, repeats=3)
    assert 1e8 < rate < 1e14


def test_the_blas_line_names_the_library_and_its_kernel():
    line = machine.describe_blas()
    assert line.startswith("BLAS: ")
    if machine.blas_info():
        assert "kernels" in line and "threads" in line


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                    reason="OPENBLAS_CORETYPE names x86-64 kernels")
def test_a_forced_older_kernel_is_warned_about_and_the_cpus_own_is_not():
    if not any(i.get("internal_api") == "openblas" for i in machine.blas_info()):
        pytest.skip("NumPy does not use OpenBLAS here")
    native = machine.native_kernel()
    code = "from cnn import machine; print(machine.kernel_warning())"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    forced = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**env, "OPENBLAS_CORETYPE": "Prescott"}, check=True).stdout
    if native != "Prescott":
        assert "OPENBLAS_CORETYPE=Prescott" in forced and native in forced
    own = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "OPENBLAS_CORETYPE": native}, check=True).stdout
    assert own.strip() == "None"
