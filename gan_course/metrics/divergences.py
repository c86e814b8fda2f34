r"""Divergences between probability distributions, in nats: discrete vectors, and densities on the line.

Discrete distributions are given as vectors of probabilities over the same outcomes. Definitions:

* Kullback–Leibler: $\mathrm{KL}(p \| q) = \sum_i p_i \log(p_i / q_i)$, with $0 \log 0 = 0$.
* Jensen–Shannon: $\mathrm{JSD}(p \| q) = \tfrac12\mathrm{KL}(p \| m) + \tfrac12\mathrm{KL}(q \| m)$, $m = (p + q)/2$;
  it lies in $[0, \log 2]$ (Lin 1991).
* Pearson $\chi^2$: $\chi^2_\mathrm{Pearson}(p \| q) = \sum_i (p_i - q_i)^2 / q_i$ (Mao et al. 2017 use it for LSGAN).
* Total variation: $\mathrm{TV}(p, q) = \tfrac12 \sum_i |p_i - q_i|$.

Densities on the line (the ``*_1d`` functions) are callables that map a NumPy array of points to the array of density
values, such as ``gaussian_1d(0, 1).density``; the sums become integrals over a finite range ``[lower, upper]`` that
must hold (numerically) all of both distributions' mass. Wasserstein-1 joins them: on the line it is the area between
the two cumulative distribution functions, $W_1(p, q) = \int |F_p(x) - F_q(x)|\,dx$ (Vallender 1973).

**How the integrals are computed, and how accurate they are.** Every integral is the trapezoidal rule on ``points``
equally spaced points of ``[lower, upper]`` (default $2^{16} + 1$). It is accepted only if it differs by at most
``atol`` (default $10^{-6}$) from the same rule on every other point; otherwise a ``ValueError`` asks for more points
or a narrower range. That difference over-estimates the error: the error of the rule on spacing $h$ is about a third
of it where the integrand has a kink (as $|p - q|$ has where the densities cross), and far smaller for smooth
integrands that vanish at both ends, for which the trapezoidal rule converges faster than any power of $h$ (Trefethen
and Weideman 2014). A fixed fine grid is used rather than adaptive quadrature (``scipy.integrate.quad``) because an
adaptive rule can step over a narrow density far from its first nodes and report zero with confidence; the grid
cannot miss a bump a few grid steps wide, the mass check below catches one that is narrower, and $W_1$ needs the
CDFs on a grid anyway. Each density must integrate to 1 over the range within ``atol``: the error says whether it
integrates to more (not normalised) or to less (the range misses mass, or the density is not normalised).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import cumulative_trapezoid, trapezoid

Density = Callable[[np.ndarray], np.ndarray]
DEFAULT_POINTS = 2**16 + 1
DEFAULT_ATOL = 1e-6


def _distribution(p: ArrayLike, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D vector of probabilities, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities")
    if not np.isclose(p.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"{name} must sum to 1 (it sums to {p.sum():.12g}); normalise it first, e.g. p / p.sum()")
    return p


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p, q = _distribution(p, "p"), _distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must be over the same outcomes; got {p.size} and {q.size} probabilities")
    return p, q


def kl_divergence(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\mathrm{KL}(p \| q) = \sum_i p_i \log(p_i / q_i)$; infinite where $q_i = 0 < p_i$."""
    p, q = _pair(p, q)
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def js_divergence(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\mathrm{JSD}(p \| q) = \tfrac12\mathrm{KL}(p \| m) + \tfrac12\mathrm{KL}(q \| m)$ with $m = (p+q)/2$."""
    p, q = _pair(p, q)
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)


def pearson_chi2(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\chi^2_\mathrm{Pearson}(p \| q) = \sum_i (p_i - q_i)^2 / q_i$; infinite where $q_i = 0 < p_i$."""
    p, q = _pair(p, q)
    support = q > 0
    if np.any(p[~support] > 0):
        return float("inf")
    return float(np.sum((p[support] - q[support]) ** 2 / q[support]))


def total_variation(p: ArrayLike, q: ArrayLike) -> float:
    r"""$\mathrm{TV}(p, q) = \tfrac12 \sum_i |p_i - q_i|$."""
    p, q = _pair(p, q)
    return float(0.5 * np.abs(p - q).sum())


def quadrature_grid(lower: float, upper: float, points: int = DEFAULT_POINTS) -> np.ndarray:
    """The ``points`` equally spaced points of ``[lower, upper]`` that every integral here is computed on."""
    if not (np.isfinite(lower) and np.isfinite(upper) and lower < upper):
        raise ValueError(f"the range must be finite with lower < upper, got [{lower}, {upper}]")
    if not isinstance(points, (int, np.integer)) or points < 5 or points % 2 == 0:
        raise ValueError(
            f"points must be an odd integer >= 5 (the error check uses every other point), got {points!r}; "
            f"e.g. 2**16 + 1"
        )
    return np.linspace(lower, upper, int(points))


def integrate_values(values: np.ndarray, xs: np.ndarray, atol: float = DEFAULT_ATOL, what: str = "f") -> float:
    r"""$\int f\,dx$ from ``values`` of $f$ on the grid ``xs`` (from :func:`quadrature_grid`) by the trapezoidal rule, if it agrees
    within ``atol`` with the rule on every other point (otherwise a ``ValueError`` names ``what`` was integrated)."""
    fine = trapezoid(values, xs)
    coarse = trapezoid(values[::2], xs[::2])
    if not abs(fine - coarse) <= atol:
        raise ValueError(
            f"the grid is too coarse for {what}: its integral is {fine:.10g} on {len(xs)} points and {coarse:.10g} on "
            f"every other point (difference {abs(fine - coarse):.3g} > atol={atol:g}); use more points or a "
            f"narrower range"
        )
    return float(fine)


def evaluate_function(function: Callable[[np.ndarray], np.ndarray], xs: np.ndarray, name: str = "f") -> np.ndarray:
    """``function`` on the grid ``xs`` as a float64 array, checked to have one value per point."""
    values = np.asarray(function(xs), dtype=np.float64)
    if values.shape != xs.shape:
        raise ValueError(
            f"{name} must map an array of points to an array of the same shape; got shape {values.shape} for "
            f"{xs.shape[0]} points"
        )
    return values


def evaluate_density(
    p: Density, xs: np.ndarray, name: str = "p", mass: float = 1.0, atol: float = DEFAULT_ATOL
) -> np.ndarray:
    """``p`` on the grid ``xs`` (from :func:`quadrature_grid`), checked: finite, non-negative, and of total ``mass`` within ``atol``."""
    values = evaluate_function(p, xs, name)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name} must be finite and non-negative, but {name}({xs[i]:.6g}) = {values[i]}")
    total = integrate_values(values, xs, atol, f"the density {name}")
    if total > mass + atol:
        raise ValueError(
            f"{name} integrates to {total:.9g} over [{xs[0]:.6g}, {xs[-1]:.6g}], more than {mass:g}: it is not "
            f"normalised; divide it by its integral"
        )
    if total < mass - atol:
        raise ValueError(
            f"{name} integrates to {total:.9g} over [{xs[0]:.6g}, {xs[-1]:.6g}], not {mass:g}: the range misses part "
            f"of its mass; widen the range (or, if {name} is not normalised, divide it by its integral)"
        )
    return values


def integrate(
    f: Callable[[np.ndarray], np.ndarray],
    lower: float,
    upper: float,
    *,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> float:
    r"""$\int_\text{lower}^\text{upper} f(x)\,dx$ by the checked trapezoidal rule described in the module's docstring."""
    xs = quadrature_grid(lower, upper, points)
    values = evaluate_function(f, xs, "f")
    if not np.all(np.isfinite(values)):
        i = int(np.argmax(~np.isfinite(values)))
        raise ValueError(f"f must be finite on the range, but f({xs[i]:.6g}) = {values[i]}")
    return integrate_values(values, xs, atol, "f")


def expectation(
    f: Callable[[np.ndarray], np.ndarray],
    p: Density,
    lower: float,
    upper: float,
    *,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> float:
    r"""$\mathbb{E}_{x \sim p}[f(x)] = \int p(x) f(x)\,dx$, with $p$ checked to be a density on the range.

    Points where $p(x) = 0$ contribute nothing, whatever $f(x)$ is there (e.g. $0 \cdot \log 0 = 0$).
    """
    xs = quadrature_grid(lower, upper, points)
    p_values = evaluate_density(p, xs, "p", atol=atol)
    f_values = evaluate_function(f, xs, "f")
    weighted = p_values > 0
    if not np.all(np.isfinite(f_values[weighted])):
        i = int(np.argmax(weighted & ~np.isfinite(f_values)))
        raise ValueError(f"f must be finite where p > 0, but f({xs[i]:.6g}) = {f_values[i]} with p = {p_values[i]:.3g}")
    integrand = np.where(weighted, p_values * np.where(weighted, f_values, 0.0), 0.0)
    return integrate_values(integrand, xs, atol, "p(x) f(x)")


def _densities(
    p: Density, q: Density, lower: float, upper: float, points: int, atol: float, mass: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs = quadrature_grid(lower, upper, points)
    return xs, evaluate_density(p, xs, "p", mass, atol), evaluate_density(q, xs, "q", mass, atol)


def _mass_where_q_vanishes(xs: np.ndarray, p: np.ndarray, q: np.ndarray, atol: float) -> bool:
    """Whether ``p`` puts more than ``atol`` of mass where ``q`` is 0 (the divergence is then infinite).

    If it puts less, but some, the zeros of ``q`` may be floating-point underflow (a Gaussian density is 0 beyond about
    38.6 standard deviations from its mean), and the divergence cannot be told apart from infinity: that is an error.
    """
    outside = (q == 0) & (p > 0)
    if not outside.any():
        return False
    mass = float(trapezoid(np.where(outside, p, 0.0), xs))
    if mass > atol:
        return True
    x = xs[int(np.argmax(outside))]
    raise ValueError(
        f"q is 0 at x = {x:.6g} where p is positive, but p puts only {mass:.3g} of its mass where q is 0: the "
        f"divergence is infinite if q truly vanishes there, finite if q merely underflows to 0 in floating point (a "
        f"Gaussian does beyond about 38 standard deviations from its mean); narrow the range to where q is "
        f"representable"
    )


def _p_log_ratio(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    r"""$p \log(p / q)$ where $p > 0$ (and $q > 0$ there), $0$ where $p = 0$; as a difference of logs, which cannot overflow."""
    positive = p > 0
    safe_p = np.where(positive, p, 1.0)
    safe_q = np.where(positive, q, 1.0)
    return np.where(positive, p * (np.log(safe_p) - np.log(safe_q)), 0.0)


def kl_divergence_1d(
    p: Density, q: Density, lower: float, upper: float, *, points: int = DEFAULT_POINTS, atol: float = DEFAULT_ATOL
) -> float:
    r"""$\mathrm{KL}(p \| q) = \int p(x) \log\frac{p(x)}{q(x)}\,dx$ for densities on the line; infinite if $p$ puts mass where $q = 0$.

    Closed form for Gaussians (used in the tests): $\mathrm{KL}(\mathcal{N}(\mu_1, \sigma_1^2) \| \mathcal{N}(\mu_2,
    \sigma_2^2)) = \log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2} - \frac12$.
    Accurate to ``atol`` as described in the module's docstring.
    """
    xs, p_values, q_values = _densities(p, q, lower, upper, points, atol)
    if _mass_where_q_vanishes(xs, p_values, q_values, atol):
        return float("inf")
    # KL(p || q) = \int p log(p / q) dx
    return integrate_values(_p_log_ratio(p_values, q_values), xs, atol, "p log(p/q)")


def js_divergence_1d(
    p: Density, q: Density, lower: float, upper: float, *, points: int = DEFAULT_POINTS, atol: float = DEFAULT_ATOL
) -> float:
    r"""$\mathrm{JSD}(p \| q) = \tfrac12 \mathrm{KL}(p \| m) + \tfrac12 \mathrm{KL}(q \| m)$, $m = \tfrac{p + q}{2}$, in $[0, \log 2]$.

    It is $\log 2$ exactly when the supports are disjoint (Lin 1991). Accurate to ``atol`` (module docstring).
    """
    xs, p_values, q_values = _densities(p, q, lower, upper, points, atol)
    m = (p_values + q_values) / 2
    # JSD = 1/2 \int p log(p/m) dx + 1/2 \int q log(q/m) dx; m > 0 wherever p > 0 or q > 0
    integrand = 0.5 * (_p_log_ratio(p_values, m) + _p_log_ratio(q_values, m))
    return integrate_values(integrand, xs, atol, "the Jensen-Shannon integrand")


def pearson_chi2_1d(
    p: Density,
    q: Density,
    lower: float,
    upper: float,
    *,
    mass: float = 1.0,
    points: int = DEFAULT_POINTS,
    atol: float = DEFAULT_ATOL,
) -> float:
    r"""$\chi^2_\mathrm{Pearson}(p \| q) = \int \frac{(p(x) - q(x))^2}{q(x)}\,dx$; infinite if $p$ puts mass where $q = 0$.

    ``mass`` is the total mass both arguments must have: 1 for probability densities, 2 for Mao et al.'s (2017,
    Section 3.2) comparison of $p_\text{data} + p_g$ with $2 p_g$. Closed form for Gaussians with equal $\sigma$:
    $\chi^2(\mathcal{N}(\mu_1, \sigma^2) \| \mathcal{N}(\mu_2, \sigma^2)) = e^{(\mu_1 - \mu_2)^2 / \sigma^2} - 1$.
    The integrand's tails can be much heavier than $p$'s (for Gaussians with $\sigma_p^2 \ge 2\sigma_q^2$ the integral
    diverges): the range must hold the integrand's mass, not only the densities'. Accurate to ``atol`` (module
    docstring).
    """
    xs, p_values, q_values = _densities(p, q, lower, upper, points, atol, mass)
    if _mass_where_q_vanishes(xs, p_values, q_values, atol):
        return float("inf")
    positive = q_values > 0
    # chi^2(p || q) = \int (p - q)^2 / q dx, over q > 0 (where q = 0, p = 0 too here)
    integrand = np.where(positive, (p_values - q_values) ** 2 / np.where(positive, q_values, 1.0), 0.0)
    return integrate_values(integrand, xs, atol, "the chi-squared integrand")


def total_variation_1d(
    p: Density, q: Density, lower: float, upper: float, *, points: int = DEFAULT_POINTS, atol: float = DEFAULT_ATOL
) -> float:
    r"""$\mathrm{TV}(p, q) = \tfrac12 \int |p(x) - q(x)|\,dx$, in $[0, 1]$.

    Closed form for Gaussians with equal $\sigma$: $2\Phi(|\mu_1 - \mu_2| / 2\sigma) - 1$. Accurate to ``atol``.
    """
    xs, p_values, q_values = _densities(p, q, lower, upper, points, atol)
    # TV = 1/2 \int |p - q| dx
    return integrate_values(0.5 * np.abs(p_values - q_values), xs, atol, "|p - q| / 2")


def wasserstein1_1d(
    p: Density, q: Density, lower: float, upper: float, *, points: int = DEFAULT_POINTS, atol: float = DEFAULT_ATOL
) -> float:
    r"""The Wasserstein-1 (earth mover's) distance on the line, $W_1(p, q) = \int |F_p(x) - F_q(x)|\,dx$ (Vallender 1973).

    The CDFs $F(x) = \int_\text{lower}^x p$ are cumulative trapezoidal sums on the grid. Closed forms (used in the
    tests): $W_1 = |\mu_1 - \mu_2|$ for two Gaussians with equal $\sigma$, or any density and its translate;
    $W_1 = |\sigma_1 - \sigma_2| \sqrt{2/\pi}$ for centred Gaussians. Accurate to ``atol`` (module docstring): the
    result is compared with the same computation on every other point.
    """
    xs, p_values, q_values = _densities(p, q, lower, upper, points, atol)
    results = []
    for step in (1, 2):
        x, f_p, f_q = xs[::step], p_values[::step], q_values[::step]
        # W_1 = \int |F_p - F_q| dx with F_p(x) = \int_lower^x p(t) dt
        gap = np.abs(cumulative_trapezoid(f_p, x, initial=0.0) - cumulative_trapezoid(f_q, x, initial=0.0))
        results.append(float(trapezoid(gap, x)))
    fine, coarse = results
    if not abs(fine - coarse) <= atol:
        raise ValueError(
            f"the grid is too coarse for W1: {fine:.10g} on {len(xs)} points and {coarse:.10g} on every other point "
            f"(difference {abs(fine - coarse):.3g} > atol={atol:g}); use more points or a narrower range"
        )
    return fine
