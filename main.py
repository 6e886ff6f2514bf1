"""Start LetterLens: `python main.py [--model PATH] [--screenshot PATH]`."""

import sys

from gui.app import main  # the gui package sets the BLAS environment before NumPy loads

if __name__ == "__main__":
    sys.exit(main())
