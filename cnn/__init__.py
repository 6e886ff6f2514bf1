"""LetterLens' convolutional network, written from scratch in NumPy. Never imports Qt."""

import os

# OpenBLAS's idle threads spin for about 2^28 cycles after every matrix product by default. On a
# two-core machine the spinning thread takes the core that NumPy's copies and ufuncs between the
# products need, and they run 2-3x slower: a default-preset training step takes 33.5 ms instead
# of 27.2 ms. OpenBLAS reads this once, when NumPy first loads it, so it is set before any import.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

# The names the GUI and outside scripts reach through `import cnn` alone.
from cnn import checkpoint, losses, optim  # noqa: E402
from cnn.model import build_model  # noqa: E402

__all__ = ["build_model", "checkpoint", "losses", "optim"]
