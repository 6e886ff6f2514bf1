"""Start LetterLens: `python main.py [--model PATH] [--screenshot PATH]`."""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
