"""Second, differently written correct answers to chapter 11's (BEGAN) autograded exercises (see
tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # The controller simulated with the course's own update, in float64, until k is clipped at 1, instead of the
    # closed form ceil((1 - k0) / (lambda_k (gamma a - b))).
    "began-ex-saturation": '''
import torch

from gan_course.losses import equilibrium_update


def steps_to_saturate(a, b, gamma, lambda_k=0.001, k0=0.0):
    k, real, fake = (torch.tensor(value, dtype=torch.float64) for value in (k0, a, b))
    steps = 0
    while k.item() < 1:
        k = equilibrium_update(k, real, fake, gamma, lambda_k)
        steps += 1
    return steps
''',
    # The shares from numpy, each term's ratio taken from the measure written out, instead of the package's
    # convergence_measure.
    "began-ex-measure": '''
import numpy as np


def measure_terms(loss_real, loss_fake, gamma):
    real = np.asarray(loss_real, dtype=np.float64)
    gap = np.abs(gamma * real - np.asarray(loss_fake, dtype=np.float64))
    return float(np.mean(real / (real + gap))), float(np.mean(gap / (real + gap)))
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
