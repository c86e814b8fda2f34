r"""The figures of gradient play (:mod:`gan_course.experiments.making_gans_train.game_dynamics`): phase portraits —
the points a rule visits in the $(x, y)$ plane over the direction $-v(z)$ in which both players move, the kind of
picture Mescheder, Nowozin & Geiger (2017) and Mescheder, Geiger & Nowozin (2018) draw of their games — the
eigenvalues of an update's Jacobian against the unit circle, and the distance to the equilibrium against the step."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from torch import Tensor

from gan_course.experiments.making_gans_train.game_dynamics import Game


def plot_phase_portrait(
    game: Game,
    trajectories: Mapping[str, Tensor],
    ax: Axes | None = None,
    limits: tuple[float, float, float, float] = (-2.0, 2.0, -2.0, 2.0),
    arrows: int = 17,
    labels: tuple[str, str] = ("$x$ (minimises)", "$y$ (maximises)"),
    title: str | None = None,
) -> Axes:
    r"""Draw the unit direction $-v(z)$ of the game's field on an ``arrows`` $\times$ ``arrows`` grid over ``limits``
    = (x_min, x_max, y_min, y_max), each trajectory (steps + 1, 2) as a line from a round marker at its start, and
    the equilibrium as a star. The axes keep ``limits``: a trajectory that leaves them is cut off at the frame."""
    if not trajectories:
        raise ValueError("trajectories is empty: pass at least one {label: points (steps + 1, 2)}")
    if arrows < 2:
        raise ValueError(f"arrows (per axis) must be at least 2, got {arrows}")
    x_min, x_max, y_min, y_max = limits
    if not (x_min < x_max and y_min < y_max):
        raise ValueError(f"limits must be (x_min, x_max, y_min, y_max) with min < max, got {limits}")
    for name, points in trajectories.items():
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"trajectory {name!r} must have shape (steps + 1, 2), got {tuple(points.shape)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.2))
    xs, ys = np.linspace(x_min, x_max, arrows), np.linspace(y_min, y_max, arrows)
    grid = torch.tensor([[x, y] for y in ys for x in xs], dtype=torch.float64)
    direction = -torch.stack([game.field(point) for point in grid]).numpy()  # where both players move
    length = np.linalg.norm(direction, axis=1, keepdims=True)
    direction = np.divide(direction, length, out=np.zeros_like(direction), where=length > 0)
    ax.quiver(grid[:, 0].numpy(), grid[:, 1].numpy(), direction[:, 0], direction[:, 1], color="0.6",
              scale=arrows * 1.6, width=0.004)
    for name, points in trajectories.items():
        points = points.detach().double().numpy()
        (line,) = ax.plot(points[:, 0], points[:, 1], linewidth=1.3, label=name)
        ax.plot(points[0, 0], points[0, 1], "o", color=line.get_color(), markersize=5)
    ax.plot(*game.equilibrium, "*", color="black", markersize=11, label="equilibrium")
    ax.set(xlim=(x_min, x_max), ylim=(y_min, y_max), xlabel=labels[0], ylabel=labels[1], aspect="equal")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_eigenvalues(
    eigenvalues: Mapping[str, Tensor],
    ax: Axes | None = None,
    limits: tuple[float, float, float, float] | None = None,
    unit_circle: bool = True,
    title: str | None = None,
) -> Axes:
    r"""Draw each entry's complex ``eigenvalues`` as points in the complex plane, with the unit circle: a rule whose
    Jacobian has an eigenvalue outside it moves away from the equilibrium, one with all inside converges to it
    (Mescheder, Nowozin & Geiger 2017, Section 2). ``limits`` = (re_min, re_max, im_min, im_max) zooms in."""
    if not eigenvalues:
        raise ValueError("eigenvalues is empty: pass at least one {label: complex tensor}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.2))
    if unit_circle:
        angle = np.linspace(0, 2 * np.pi, 721)
        ax.plot(np.cos(angle), np.sin(angle), color="0.4", linewidth=1, linestyle="--", label="unit circle")
    markers = "osD^vP"
    for k, (name, values) in enumerate(eigenvalues.items()):
        values = torch.as_tensor(values).to(torch.complex128).reshape(-1)
        ax.plot(values.real.numpy(), values.imag.numpy(), markers[k % len(markers)], linestyle="none",
                markerfacecolor="none", markersize=7, label=name)
    ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.set(xlabel=r"real part", ylabel=r"imaginary part", aspect="equal")
    if limits is not None:
        ax.set(xlim=limits[:2], ylim=limits[2:])
    if title is not None:
        ax.set_title(title)
    return ax


def plot_distances(
    trajectories: Mapping[str, Tensor],
    ax: Axes | None = None,
    equilibrium: tuple[float, float] = (0.0, 0.0),
    title: str | None = None,
) -> Axes:
    """Draw each trajectory's distance to ``equilibrium`` against the step, on a log scale."""
    if not trajectories:
        raise ValueError("trajectories is empty: pass at least one {label: points (steps + 1, 2)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    centre = torch.tensor(equilibrium, dtype=torch.float64)
    for name, points in trajectories.items():
        distance = (points.detach().double() - centre).norm(dim=1).numpy()
        ax.semilogy(np.arange(len(distance)), distance, linewidth=1, label=name)
    ax.set(xlabel="step", ylabel="distance to the equilibrium")
    if title is not None:
        ax.set_title(title)
    return ax
