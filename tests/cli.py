"""Running the command line from a test.

`run_cli` calls the same `main` that `python -m cnn` calls, in this process: a new interpreter
costs about 0.4 s to start and import NumPy, and most command-line tests only care what the
command does. `run_module` starts the real process, for the tests about the process itself (its
exit code when something unexpected happens, a traceback that must not reach the terminal).
Both return a `CompletedProcess` with the exit code, stdout and stderr.
"""

import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

from cnn.cli import main


def run_cli(*args) -> subprocess.CompletedProcess:
    argv = [str(a) for a in args]
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse's refusals, as the process would exit
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def run_module(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnn", *map(str, args)], capture_output=True,
                          text=True, timeout=300)
