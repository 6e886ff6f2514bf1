import numpy as np

from cnn.preprocess import preprocess_strokes
from gui.class_labels import close_readings
from gui.panels.prediction_panel import PredictionPanel
from gui.predictor import Prediction


def _probs(**letters):
    p = np.zeros(26)
    for letter, v in letters.items():
        p[ord(letter) - ord("A")] = v
    p[25] += 1 - p.sum()
    return p


def test_close_readings_name_both_and_the_bar_as_i_or_l():
    assert close_readings(_probs(I=0.5, L=0.4)) == "I or l"
    assert close_readings(_probs(L=0.55, I=0.4)) == "l or I"
    assert close_readings(_probs(U=0.45, V=0.3)) == "U or V"
    assert close_readings(_probs(I=0.8, L=0.15)) is None  # one clear reading
    assert close_readings(_probs(L=0.5, A=0.4)) == "L or A"  # an L beside an A is upper case


def test_the_prediction_panel_shows_both_readings_when_close(qtbot):
    panel = PredictionPanel()
    qtbot.addWidget(panel)
    pre = preprocess_strokes([np.array([[0.0, 0.0], [0.0, 100.0]])])  # a bare bar
    panel.set_prediction(Prediction(pre, probs=_probs(I=0.48, L=0.42)))
    assert panel.verdict.sure == "I or l" and panel.verdict.letter == "I"
    assert panel.text().startswith("I I or l")
    panel.set_prediction(Prediction(pre, probs=_probs(I=0.9, L=0.05)))
    assert panel.verdict.sure == "90% sure"
