"""Second, differently written correct answers to the autograded exercises of book/09_wgan.ipynb.

Each entry of ``ALTERNATIVES`` is run, followed by every public and hidden check of its exercise, in one fresh
namespace (tests/test_exercise_alternatives.py): a check that fails a correct answer written another way has a
tolerance the mathematics does not justify. The chapter's answers use closed forms; these reach the same numbers by
numerical minimisation or by measuring the quantity the exercise defines.
"""

OVERESTIMATE = r'''
def linear_gp_estimate(delta, lam):
    """Minimise the loss -delta s + lam (s - 1)^2 of w = -s e_1 by golden-section search; the estimate is delta s."""

    def loss(s):
        return -delta * s + lam * (s - 1.0) ** 2

    low, high = 0.0, 2.0 + delta / lam  # the minimiser 1 + delta / 2 lam lies inside
    ratio = (5**0.5 - 1) / 2
    for _ in range(300):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return delta * (low + high) / 2
'''

LINE = r'''
import numpy as np


def _line_loss(s, delta, lam):
    return delta * s + lam * (np.abs(s) - 1) ** 2


def _golden_minimum(f, low, high, iterations=300):
    ratio = (5**0.5 - 1) / 2
    for _ in range(iterations):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if f(a) < f(b):
            high = b
        else:
            low = a
    return (low + high) / 2


def line_minima(delta, lam):
    """On each side of 0 the loss is a convex parabola: minimise it there numerically and keep interior minima."""
    reach = 3.0 + delta / lam
    minima = []
    for low, high in ((-reach, 0.0), (0.0, reach)):
        s = _golden_minimum(lambda v: _line_loss(v, delta, lam), low, high)
        if min(abs(s - low), abs(s - high)) > 1e-7:  # a minimum at the end of a side is not a local minimum
            minima.append(float(s))
    return sorted(minima)


def line_barrier(delta, lam):
    """The highest loss on a fine grid between the two minima, minus the loss at the higher (wrong) minimum."""
    minima = line_minima(delta, lam)
    wrong = max(minima, key=lambda s: _line_loss(s, delta, lam))
    path = np.linspace(min(minima), max(minima), 1_000_001)
    return float(_line_loss(path, delta, lam).max() - _line_loss(wrong, delta, lam))
'''

CLIPPING_CONSTANT = r'''
import torch


def clipped_lipschitz_bound(widths, c):
    """The product over layers of the Frobenius norm of an n_out x n_in matrix with every entry c."""
    bound = torch.tensor(1.0, dtype=torch.float64)
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        bound = bound * torch.linalg.matrix_norm(torch.full((n_out, n_in), float(c), dtype=torch.float64))
    return bound.item()
'''

LAMBDA_SCALE = r'''
import torch
from torch import nn

from gan_course.losses import gradient_penalty


class _TestCritic(nn.Module):
    """f(x) = 3 sum tanh(x A), or s f(x / s) with ``scale`` s: a critic whose gradient norm is not 1."""

    def __init__(self, scale=1.0):
        super().__init__()
        self.a = nn.Parameter(torch.randn(2, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
        self.scale = scale

    def forward(self, x):
        return self.scale * 3.0 * torch.tanh((x / self.scale) @ self.a).sum(1)


def equivalent_lambda(lam, scale):
    """Measure it: the penalty of f_s on scaled samples against that of f on the originals, for a test critic f.

    s L(f; lam') must equal L(f_s on the scaled samples; lam); the Wasserstein terms already agree (s times), so
    lam' = lam P_big / (s P_small), with P the unweighted penalties at the same interpolation weights."""
    real = torch.randn(32, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    fake = torch.randn(32, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64) + 1.0
    small = gradient_penalty(_TestCritic(), real, fake, weight=1.0, generator=torch.Generator().manual_seed(1))
    big = gradient_penalty(_TestCritic(scale), scale * real, scale * fake, weight=1.0,
                           generator=torch.Generator().manual_seed(1))
    return lam * (big / (scale * small)).item()
'''

ALTERNATIVES: dict[str, str] = {
    "wgan-ex-overestimate": OVERESTIMATE,
    "wgan-ex-line": LINE,
    "wgan-ex-clipping-constant": CLIPPING_CONSTANT,
    "wgan-ex-lambda-scale": LAMBDA_SCALE,
}

NO_ALTERNATIVE: dict[str, str] = {}
