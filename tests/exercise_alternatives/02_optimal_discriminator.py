"""Second, differently written correct answers to chapter 2's autograded exercises (tests/test_exercise_alternatives.py)."""

ALTERNATIVES: dict[str, str] = {
    # beta + (alpha - beta) D*_G from the package's optimal discriminator, instead of the ratio of mixtures.
    "optd-ex-label-smoothing": '''
from gan_course.experiments.theory.optimal_discriminator import optimal_discriminator


def smoothed_optimal_discriminator(p_data, p_g, alpha, beta=0.0):
    d_star = optimal_discriminator(p_data, p_g)
    return lambda x: beta + (alpha - beta) * d_star(x)
''',
    # The coefficients by interpolating the exact log-density ratio at three points (scipy), and the half points by
    # root bracketing on either side of the parabola's vertex, instead of the closed forms and np.roots.
    "optd-ex-gaussian-logit": '''
import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm


def gaussian_logit_coefficients(mu1, sigma1, mu2, sigma2):
    xs = np.array([-1.0, 0.0, 1.0])
    values = norm.logpdf(xs, mu1, sigma1) - norm.logpdf(xs, mu2, sigma2)
    c0 = values[1]
    c1 = (values[2] - values[0]) / 2
    c2 = (values[2] + values[0]) / 2 - c0
    return c2, c1, c0


def _logit(x):
    return norm.logpdf(x, 1.0, 1.0) - norm.logpdf(x, -1.0, 1.5)


_c2, _c1, _ = gaussian_logit_coefficients(1.0, 1.0, -1.0, 1.5)
_vertex = -_c1 / (2 * _c2)
half_points = [brentq(_logit, _vertex - 50.0, _vertex, xtol=1e-13), brentq(_logit, _vertex, _vertex + 50.0, xtol=1e-13)]
''',
    # The form in the discriminator's outputs, (D - D*)^2 / (2 D* (1 - D*)) weighted by p_data + p_g, instead of the
    # form in the logits: the two agree to second order (issue 22: the ratio check must accept it).
    "optd-ex-quadratic-gap": '''
import numpy as np

from gan_course.metrics.divergences import integrate
from gan_course.experiments.theory.optimal_discriminator import optimal_discriminator


def quadratic_gap(logit, p_data, p_g, lower, upper):
    d_star = optimal_discriminator(p_data, p_g)

    def integrand(x):
        d = 1.0 / (1.0 + np.exp(-logit(x)))
        best = d_star(x)
        return (p_data(x) + p_g(x)) * (d - best) ** 2 / (2.0 * best * (1.0 - best))

    return integrate(integrand, lower, upper)
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
