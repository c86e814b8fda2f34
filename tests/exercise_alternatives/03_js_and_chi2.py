"""Second, differently written correct answers to chapter 3's autograded exercises (tests/test_exercise_alternatives.py)."""

ALTERNATIVES: dict[str, str] = {
    # int p_g^2 / (p_data + p_g) = E_{p_g}[1 - D*_G], an expectation under p_g with the package's D*_G, instead of a
    # guarded ratio integrated over the range.
    "div-ex-binary-coding": '''
from gan_course.metrics.divergences import expectation
from gan_course.experiments.theory.optimal_discriminator import optimal_discriminator


def binary_coding_objective(p_data, p_g, lower, upper):
    d_star = optimal_discriminator(p_data, p_g)
    return expectation(lambda x: 1.0 - d_star(x), p_g, lower, upper)
''',
    # The symmetric form (p_data - p_g)^2 / (p_data + p_g) integrated directly, instead of the package's Pearson
    # chi^2 of 2 p_g against p_data + p_g.
    "div-ex-lsgan-saturation": '''
import numpy as np

from gan_course.metrics.divergences import integrate


def lsgan_divergence(p_data, p_g, lower, upper):
    def integrand(x):
        p, q = p_data(x), p_g(x)
        total = p + q
        return np.where(total > 0, (p - q) ** 2 / np.where(total > 0, total, 1.0), 0.0)

    return integrate(integrand, lower, upper)
''',
    # (w, beta) from the normal equations of the least-squares problem, with the mixture's moments computed by
    # quadrature, and the gradient from the closed form w (w theta + beta - c), instead of the moments worked out by
    # hand and a numerical derivative.
    "div-ex-linear-lsgan": '''
import numpy as np
from scipy.stats import norm

from gan_course.metrics.divergences import expectation


def linear_lsgan_discriminator(theta, a, b):
    lower, upper = min(0.0, theta) - 12.0, max(0.0, theta) + 12.0
    p_data, p_fake = norm.pdf, (lambda x: norm.pdf(x, theta, 1.0))

    def mixture_mean(f):
        return 0.5 * expectation(f, p_data, lower, upper) + 0.5 * expectation(f, p_fake, lower, upper)

    def label_mean(f):  # E[y f(x)]: label b under the data, a under the fakes
        return 0.5 * b * expectation(f, p_data, lower, upper) + 0.5 * a * expectation(f, p_fake, lower, upper)

    gram = np.array([[mixture_mean(lambda x: x * x), mixture_mean(lambda x: x)],
                     [mixture_mean(lambda x: x), 1.0]])
    right = np.array([label_mean(lambda x: x), label_mean(lambda x: 0.0 * x + 1.0)])
    w, beta = np.linalg.solve(gram, right)
    return float(w), float(beta)


def linear_lsgan_gradient(theta, a, b, c):
    w, beta = linear_lsgan_discriminator(theta, a, b)
    return w * (w * theta + beta - c)  # d/dtheta of E_{x ~ N(theta, 1)} (w x + beta - c)^2 / 2
''',
}

NO_ALTERNATIVE: dict[str, str] = {}
