"""Second, differently written correct answers to chapter 12's autograded exercises (see tests/exercise_alternatives)."""

ALTERNATIVES: dict[str, str] = {
    # The Jacobians by autograd of hand-written update maps (no package), the radius as the modulus of the complex
    # number 1 + i eta, and the doubling step found by iterating the map on a point until its distance has doubled.
    "nonconv-ex-bilinear-jacobians": '''
import torch


def _simultaneous_step(z, eta):
    x, y = z
    return torch.stack([x - eta * y, y + eta * x])  # dV/dx = y, dV/dy = x


def _alternating_step(z, eta):
    x, y = z
    x_new = x - eta * y
    return torch.stack([x_new, y + eta * x_new])


def bilinear_jacobians(eta):
    origin = torch.zeros(2, dtype=torch.float64)
    return tuple(torch.autograd.functional.jacobian(lambda z: step(z, eta), origin)
                 for step in (_simultaneous_step, _alternating_step))


def simultaneous_radius(eta):
    return abs(complex(1.0, eta))


point, doubling_steps = torch.tensor([0.3, -0.7], dtype=torch.float64), 0
start = point.norm()
while point.norm() < 2 * start:
    point = _simultaneous_step(point, 0.1)
    doubling_steps += 1
''',
    # The radius as the largest |eigenvalue| of the matrix (1 - eta^2) I - eta J built with numpy, the largest step by
    # bisection on radius < 1 and the best step by a ternary search on the radius.
    "nonconv-ex-extragradient": '''
import numpy as np


def extragradient_radius(eta):
    rotation = np.array([[0.0, 1.0], [-1.0, 0.0]])
    return float(np.abs(np.linalg.eigvals((1 - eta**2) * np.eye(2) - eta * rotation)).max())


low, high = 0.5, 1.5
for _ in range(100):
    middle = (low + high) / 2
    low, high = (middle, high) if extragradient_radius(middle) < 1 else (low, middle)
extragradient_max_lr = high

low, high = 0.0, 1.0
for _ in range(200):
    a, b = low + (high - low) / 3, high - (high - low) / 3
    low, high = (low, b) if extragradient_radius(a) < extragradient_radius(b) else (a, high)
extragradient_best_lr = (low + high) / 2
''',
    # The eigenvalues as the roots of the characteristic polynomial by numpy, the critical weight by maximising the
    # smallest real part with a golden-section search.
    "nonconv-ex-r1-eigenvalues": '''
import numpy as np
import torch


def r1_eigenvalues(gamma, slope=0.5):
    trace, determinant = gamma, slope**2  # of [[0, slope], [-slope, gamma]]
    return torch.as_tensor(np.roots([1.0, -trace, determinant]).astype(np.complex128))


def critical_gamma(slope=0.5):
    rate = lambda gamma: float(r1_eigenvalues(gamma, slope).real.min())
    low, high = 0.0, 10.0 * abs(slope) + 1.0
    ratio = (5**0.5 - 1) / 2
    for _ in range(200):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        low, high = (a, high) if rate(a) < rate(b) else (low, b)
    return (low + high) / 2
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
