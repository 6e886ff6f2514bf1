"""LetterLens' Qt window: canvas, docked panels and training tab. Imports cnn, never the reverse."""

# First, before NumPy loads: `cnn` sets how OpenBLAS's idle threads wait, and the `letterlens`
# entry point (gui.app:main) reaches NumPy through this package, not through main.py.
import cnn  # noqa: F401
