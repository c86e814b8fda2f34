"""The figures of gradient play draw what they are given: the trajectories' points, the field's directions, the
eigenvalues and the unit circle, the distances; and they refuse empty or misshapen input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from gan_course.experiments.making_gans_train.game_dynamics import RULES, bilinear, trajectory
from gan_course.experiments.making_gans_train.game_dynamics_figures import (
    plot_distances,
    plot_eigenvalues,
    plot_phase_portrait,
)


def test_phase_portrait_draws_each_trajectory_and_the_rotating_field():
    game = bilinear()
    paths = {name: trajectory(game, RULES[name], (1.0, 0.0), 0.1, 30) for name in ("simultaneous", "extragradient")}
    ax = plot_phase_portrait(game, paths, limits=(-2, 2, -1.5, 1.5), arrows=5, title="xy")
    lines = {line.get_label(): line for line in ax.get_lines()}
    for name, points in paths.items():
        assert np.array_equal(lines[name].get_xdata(), points[:, 0].numpy())
        assert np.array_equal(lines[name].get_ydata(), points[:, 1].numpy())
    assert list(lines["equilibrium"].get_xdata()) == [0.0] and list(lines["equilibrium"].get_ydata()) == [0.0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "xy"
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1.5, 1.5)
    (quiver,) = [c for c in ax.collections if isinstance(c, plt.matplotlib.quiver.Quiver)]
    assert quiver.N == 5 * 5
    # -v(x, y) = (-y, x) on the bilinear game, drawn with unit length: at (2, 0) the arrow points straight up
    at = np.flatnonzero((quiver.X == 2.0) & (quiver.Y == 0.0))[0]
    assert (quiver.U[at], quiver.V[at]) == pytest.approx((0.0, 1.0))
    plt.close("all")


def test_phase_portrait_refuses_empty_or_misshapen_input():
    with pytest.raises(ValueError, match="trajectories is empty"):
        plot_phase_portrait(bilinear(), {})
    with pytest.raises(ValueError, match=r"shape \(steps \+ 1, 2\)"):
        plot_phase_portrait(bilinear(), {"flat": torch.zeros(5)})
    with pytest.raises(ValueError, match="min < max"):
        plot_phase_portrait(bilinear(), {"a": torch.zeros(3, 2)}, limits=(1, -1, -1, 1))
    plt.close("all")


def test_eigenvalues_are_plotted_at_their_place_with_the_unit_circle():
    jacobian = RULES["simultaneous"].jacobian(bilinear(), 0.5)  # [[1, -0.5], [0.5, 1]]: 1 +- 0.5i
    values = torch.linalg.eigvals(jacobian)
    ax = plot_eigenvalues({"simultaneous": values}, limits=(0, 2, -1, 1))
    lines = {line.get_label(): line for line in ax.get_lines()}
    plotted = sorted(zip(lines["simultaneous"].get_xdata(), lines["simultaneous"].get_ydata()), key=lambda p: p[1])
    assert np.allclose(plotted, [(1.0, -0.5), (1.0, 0.5)])
    circle = lines["unit circle"]
    assert np.hypot(circle.get_xdata(), circle.get_ydata()) == pytest.approx(1.0)
    assert ax.get_xlabel() == "real part" and ax.get_ylabel() == "imaginary part" and ax.get_xlim() == (0, 2)
    with pytest.raises(ValueError, match="eigenvalues is empty"):
        plot_eigenvalues({})
    plt.close("all")


def test_distances_are_the_norms_of_the_points_on_a_log_scale():
    points = trajectory(bilinear(), RULES["extragradient"], (1.0, 1.0), 0.1, 20)
    ax = plot_distances({"extragradient": points}, title="d")
    (line,) = ax.get_lines()
    assert np.array_equal(line.get_xdata(), np.arange(21))
    assert np.allclose(line.get_ydata(), points.norm(dim=1).numpy())
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "step" and ax.get_ylabel()
    with pytest.raises(ValueError, match="trajectories is empty"):
        plot_distances({})
    plt.close("all")
