"""Label noise: the letters a model is most sure are labelled wrong.

Scored by a model that never trained on them, the letters whose own label gets the lowest
probability are the likeliest to be mislabelled or badly cut (a stroke of an H labelled H).
"""

import numpy as np


def suspects(probs: np.ndarray, y: np.ndarray, share: float) -> np.ndarray:
    """Sorted indices of the `share` (0..1) of letters whose label has the lowest probability.

    probs (N, C) from a model that never saw these letters; y (N,) their labels.
    """
    if not 0.0 <= share < 1.0:
        raise ValueError(f"the share of letters to drop must be at least 0 and below 1, "
                         f"got {share}")
    p_label = np.asarray(probs)[np.arange(len(y)), y]
    count = int(round(share * len(y)))
    return np.sort(np.argsort(p_label, kind="stable")[:count])
