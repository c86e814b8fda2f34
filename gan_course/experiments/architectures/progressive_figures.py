"""Figures of progressive growing (Karras et al. 2018, Figures 1 and 2): the schedule by images shown, a fade-in seen
through G's output and through the real images, and an animation of a run's snapshots as the networks grow."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

from gan_course.data.figures import image_grid, show_images
from gan_course.models.progan import ProgressiveNetwork
from gan_course.training.history import History
from gan_course.training.progressive import ProgressiveSchedule, fade_reals


def plot_schedule(schedule: ProgressiveSchedule, kimg: float, points: int = 2001) -> Figure:
    """The schedule over ``kimg`` thousand images: the level of detail and the resolution (left), the fade-in weight
    $\\alpha$ and the minibatch size (right)."""
    if not kimg > 0:
        raise ValueError(f"kimg (thousands of images to draw the schedule over) must be positive, got {kimg!r}")
    images = np.linspace(0, kimg * 1000, points).round().astype(int)
    stages = [schedule(int(count)) for count in images]
    fig, (ax_lod, ax_alpha) = plt.subplots(1, 2, figsize=(11, 3.2))
    ax_lod.plot(images / 1000, [stage.lod for stage in stages], color="tab:blue")
    ax_lod.set(xlabel="thousands of real images shown", ylabel="lod (level of detail)")
    ax_res = ax_lod.twinx()
    ax_res.step(images / 1000, [stage.resolution for stage in stages], where="post", color="tab:orange")
    ax_res.set_yscale("log", base=2)
    ax_res.set_ylabel("resolution", color="tab:orange")
    ax_alpha.plot(images / 1000, [stage.alpha for stage in stages], color="tab:green")
    ax_alpha.set(xlabel="thousands of real images shown", ylabel=r"fade-in weight $\alpha$", ylim=(-0.05, 1.05))
    ax_batch = ax_alpha.twinx()
    ax_batch.step(images / 1000, [stage.minibatch for stage in stages], where="post", color="tab:red")
    ax_batch.set_ylabel("minibatch", color="tab:red")
    fig.tight_layout()
    return fig


@torch.no_grad()
def plot_generator_fade(generator: ProgressiveNetwork, z: Tensor, resolution: int,
                        alphas: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0)) -> Figure:
    """G's output for the latents ``z`` at ``resolution`` faded in with each weight of ``alphas`` (Figure 2 of the
    paper, seen through the images); G's stage is restored afterwards."""
    saved = generator.resolution, generator.alpha
    fig, axes = plt.subplots(1, len(alphas), figsize=(2.4 * len(alphas), 2.7))
    try:
        for ax, alpha in zip(np.atleast_1d(axes), alphas):
            generator.set_stage(resolution, alpha)
            show_images(generator(z).cpu(), nrow=int(np.ceil(np.sqrt(len(z)))), title=rf"$\alpha$ = {alpha:g}", ax=ax)
    finally:
        generator.set_stage(*saved)
    fig.suptitle(f"G fading in its {resolution}x{resolution} block")
    fig.tight_layout()
    return fig


def plot_real_fade(images: Tensor, resolution: int, alphas: Sequence[float] = (0.0, 0.5, 1.0)) -> Figure:
    """Real images as D sees them while ``resolution`` fades in, for each weight of ``alphas``
    (:func:`~gan_course.training.fade_reals`)."""
    fig, axes = plt.subplots(1, len(alphas), figsize=(2.4 * len(alphas), 2.7))
    for ax, alpha in zip(np.atleast_1d(axes), alphas):
        show_images(fade_reals(images, resolution, alpha), nrow=int(np.ceil(np.sqrt(len(images)))),
                    title=rf"$\alpha$ = {alpha:g}", ax=ax)
    fig.suptitle(f"real images while {resolution}x{resolution} fades in")
    fig.tight_layout()
    return fig


def animate_growth(snapshots: Sequence[tuple[int, Tensor]], history: History, nrow: int = 8,
                   interval: int = 250) -> FuncAnimation:
    """An animation of a progressive run's snapshots (``Snapshots.samples``), each frame titled with its step and the
    stage recorded at that step (``resolution`` and ``alpha`` in the run's ``history``)."""
    if not snapshots:
        raise ValueError("no snapshots to animate: train with a Snapshots hook")
    missing = {"resolution", "alpha"} - set(history.names)
    if missing:
        raise ValueError(f"the history has no {sorted(missing)}: train with the ProgressiveGrowing hook")
    index = {step: i for i, step in enumerate(history.step)}
    fig, ax = plt.subplots(figsize=(3, 3.2))
    ax.set_axis_off()
    picture = ax.imshow(image_grid(snapshots[0][1], nrow), interpolation="nearest")
    title = ax.set_title("")

    def frame(i: int) -> list:
        step, samples = snapshots[i]
        picture.set_data(image_grid(samples, nrow))
        if step in index:
            row = index[step]
            stage = f"{int(history['resolution'][row])}x{int(history['resolution'][row])}, α = {history['alpha'][row]:.2f}"
        else:
            stage = "before training"
        title.set_text(f"step {step}: {stage}")
        return [picture, title]

    frame(0)
    animation = FuncAnimation(fig, frame, frames=len(snapshots), interval=interval, blit=False)
    plt.close(fig)
    return animation


def stage_axis(ax: Axes, history: History) -> None:
    """Shade the transitions (0 < α < 1) of a progressive run on ``ax``, whose x axis is the generator step."""
    steps, alphas = np.asarray(history.step), np.asarray(history["alpha"])
    fading = alphas < 1
    edges = np.flatnonzero(np.diff(np.r_[0, fading.astype(int), 0]))
    for start, end in zip(edges[::2], edges[1::2]):
        ax.axvspan(steps[start], steps[end - 1], color="grey", alpha=0.15, lw=0)
