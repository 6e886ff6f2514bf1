"""The shared-memory block a training share goes through to the worker process and back
(`cnn.procshare`): its labels, its images, the weights and the gradients, one array each."""

import math
import os
from multiprocessing import shared_memory

import numpy as np

from cnn.sequential import Sequential

ALIGN = 64  # bytes: every array starts on a cache line


class Block:
    """One shared-memory block: y (cap,) int64, x (cap, *input), params and grads (dtype)."""

    def __init__(self, model: Sequential, cap: int, create: bool = True, name: str = ""):
        self.key = layout_key(model, cap)
        dtype, shapes = np.dtype(self.key[0]), self.key[2]
        sizes = [cap * 8, cap * math.prod(model.input_shape) * dtype.itemsize]
        sizes += [math.prod(s) * dtype.itemsize for _, s in shapes] * 2
        offsets, at = [], 0
        for size in sizes:
            offsets.append(at)
            at += -(-size // ALIGN) * ALIGN
        self.shm = (shared_memory.SharedMemory(create=True, size=max(at, 1)) if create
                    else shared_memory.SharedMemory(name))
        if create:
            _reserve(self.shm, max(at, 1))
        buf = self.shm.buf
        self.y = np.ndarray((cap,), np.int64, buf, offsets[0])
        self.x = np.ndarray((cap, *model.input_shape), dtype, buf, offsets[1])
        n = len(shapes)
        self.params = {k: np.ndarray(s, dtype, buf, o)
                       for (k, s), o in zip(shapes, offsets[2:2 + n], strict=True)}
        self.grads = {k: np.ndarray(s, dtype, buf, o)
                      for (k, s), o in zip(shapes, offsets[2 + n:], strict=True)}

    def close(self, unlink: bool) -> None:
        # Unmapping does not wait for the arrays that view it (a view left over would read
        # freed memory): the block's own go first, and no one else keeps one.
        self.y = self.x = self.params = self.grads = None
        self.shm.close()
        if unlink:
            self.shm.unlink()


def _reserve(shm: shared_memory.SharedMemory, size: int) -> None:
    """Claim the block's memory now: on Linux a shared-memory file is sparse, and the first
    write past what /dev/shm has free kills the process (SIGBUS) instead of raising. Here a
    full or small /dev/shm raises OSError, and the block is gone again."""
    fd = getattr(shm, "_fd", -1)
    if not hasattr(os, "posix_fallocate") or fd < 0:
        return
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError:
        shm.close()
        shm.unlink()
        raise


def layout_key(model: Sequential, cap: int) -> tuple:
    """What a block's layout depends on: (dtype, letters, parameter names and shapes, input)."""
    params = model.parameters()
    dtype = next(iter(params.values())).dtype.str if params else "<f4"
    return dtype, cap, tuple((k, v.shape) for k, v in params.items()), model.input_shape


def capacity(letters: int) -> int:
    """Letters a new block holds: a power of two at least `letters`."""
    return 1 << max(letters - 1, 0).bit_length()
