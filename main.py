"""Start LetterLens: `python main.py [--model PATH] [--screenshot PATH]`."""

import sys

import cnn  # noqa: F401  (first: it sets how BLAS threads wait before NumPy loads)
from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
