"""Second, differently written correct answers to chapter 4's autograded exercises (tests/test_exercise_alternatives.py)."""

ALTERNATIVES: dict[str, str] = {
    # The trace term expanded, sigma1^2 + sigma2^2 - 2 sigma1 sigma2 per dimension, with the norm from np.linalg.
    "meas-ex-isotropic": '''
import numpy as np


def isotropic_frechet(mu1, sigma1, mu2, sigma2):
    difference = np.subtract(mu1, mu2)
    d = np.size(difference)
    return np.linalg.norm(difference) ** 2 + d * (sigma1**2 + sigma2**2 - 2 * sigma1 * sigma2)
''',
    # The regularised lower incomplete gamma function and its inverse (chi^2_D is Gamma(D/2, 2)), instead of
    # scipy.stats.chi2.
    "meas-ex-chi2": '''
import math

from scipy.special import gammainc, gammaincinv


def high_quality_share(D, k=3.0):
    return float(gammainc(D / 2, k**2 / 2))


def high_quality_radius(D, share):
    return math.sqrt(2 * gammaincinv(D / 2, share))
''',
    # exp(H(p(y)) - E H(p(y|x))) with scipy's entropy, in NumPy, instead of the mean KL in torch.
    "meas-ex-classifier-score": '''
import numpy as np
from scipy.stats import entropy


def classifier_score(probabilities):
    p = np.asarray(probabilities, dtype=np.float64)
    return float(np.exp(entropy(p.mean(0)) - entropy(p, axis=1).mean()))
''',
    # Three exact points per mode and the rest spread far away; five modes on the diagonal, jittered within half a
    # standard deviation, instead of the first five modes repeated exactly.
    "meas-ex-fool": '''
import torch

from gan_course.data import grid


def all_modes_few_good():
    modes = grid().modes.float()
    good = modes.repeat(3, 1)  # 75 high-quality points, three per mode
    far = torch.stack([torch.arange(2500 - len(good)) + 50.0, torch.full((2500 - len(good),), -50.0)], dim=1)
    return torch.cat([far, good])


def five_modes_only():
    g = grid()
    diagonal = g.modes[[0, 6, 12, 18, 24]].float()
    jitter = 0.5 * g.std * torch.randn(500, 5, 2, generator=torch.Generator().manual_seed(0)).clamp(-1.0, 1.0)
    return (diagonal[None] + jitter).reshape(2500, 2)
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
