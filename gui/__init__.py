"""LetterLens' Qt window: canvas, docked panels and training tab. Imports cnn, never the reverse."""
