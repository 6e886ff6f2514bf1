import sys

from cnn.cli import main

if __name__ == "__main__":  # synthetic generation spawns worker processes that import this
    sys.exit(main())
