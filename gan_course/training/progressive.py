r"""Progressive growing as the training loop sees it (Karras et al. 2018, Section 2 and Appendix A.1): a schedule
by images shown, the real images faded like G's output, and the hook that drives both networks.

* :class:`ProgressiveSchedule` — the code's ``TrainingSchedule`` (``train.py``): per resolution a stabilise phase and
  a transition phase, measured in real images shown to D; the level of detail ``lod``, the resolution, the fade-in
  weight $\alpha$ and the minibatch size at any count of images.
* :func:`fade_reals` — the code's ``process_reals``: real images at the current resolution, blended during a
  transition with their 2×-downsampled-then-upsampled version, returned full size.
* :class:`ProgressiveReals` — a stream of full-size real batches (any course stream with a ``batch_size``, e.g.
  :class:`~gan_course.data.TensorStream`) faded to the current stage; it counts the images it has given, which is
  the schedule's clock, and checkpoints that count with the stream's position.
* :func:`growth_cost` — the arithmetic a schedule saves: G's and D's forward FLOPs per image, averaged over the
  images shown, against the same networks at full resolution throughout.
* :class:`ProgressiveGrowing` — the hook: before every step it reads the count, sets the stage of G, D and the reals
  and the minibatch size, resets Adam's state when the resolution changes, and records ``lod``, ``alpha``,
  ``resolution`` and ``images_shown``.

Differences from the released code: the schedule is evaluated before every iteration (the code re-evaluates it every
``minibatch_repeats = 4`` minibatches); the lower resolutions of the reals are computed from the images by repeated
2×2 averaging (the code's ``dataset_tool.py`` stores them, rounded to 8 bits); the code's per-resolution learning
rates (``G_lrate_dict``, used only at 1024² in its configurations) and mirror augmentation (off by default) are not
reproduced; the images must already be in the networks' range $[-1, 1]$ (the code's ``drange_net``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.flop_counter import FlopCounterMode

from gan_course.models.progan import ProgressiveNetwork, check_stage, is_power_of_two, upscale
from gan_course.training.hooks import Hook

if TYPE_CHECKING:
    from gan_course.training.trainer import GANTrainer


@dataclass(frozen=True)
class Stage:
    """Where a progressive run is: the level of detail, the current resolution, the fade-in weight of its newest
    block and the minibatch size."""

    lod: float
    resolution: int
    alpha: float
    minibatch: int


class ProgressiveSchedule:
    r"""The training schedule of Karras et al. (2018), the code's ``TrainingSchedule`` (``train.py``).

    Training starts at ``initial_resolution``, shown ``training_kimg`` thousand real images; then each phase fades
    the next resolution in over ``transition_kimg`` thousand images and stabilises it for ``training_kimg`` thousand
    (the code's ``lod_initial_resolution``, ``lod_training_kimg``, ``lod_transition_kimg``, defaults 4, 600 and 600;
    Appendix A.1 of the paper gives 800k images for each). With ``initial_resolution`` equal to ``image_size`` the
    networks do not grow: lod is 0 from the first image (the code's ``-nogrowing``). The minibatch size is ``minibatch_dict[resolution]``, or
    ``minibatch_base`` (16). With $k$ the thousands of images shown, $T$ and $F$ the two durations, phase
    $p = \lfloor k / (T + F) \rfloor$ and $k_p = k - p(T + F)$:

    $$\text{lod} = \max\Big(0,\ \log_2 \text{image size} - \log_2 \text{initial} - p
      - \frac{\max(k_p - T, 0)}{F}\Big)$$

    and the resolution is $\text{image size} / 2^{\lfloor \text{lod} \rfloor}$, the fade-in weight
    $\alpha = 1 - (\text{lod} - \lfloor \text{lod} \rfloor)$.
    """

    def __init__(self, image_size: int, initial_resolution: int = 4, training_kimg: float = 600.0,
                 transition_kimg: float = 600.0, minibatch_base: int = 16,
                 minibatch_dict: dict[int, int] | None = None):
        if not is_power_of_two(image_size) or image_size < 4:
            raise ValueError(f"image_size must be a power of two, at least 4, got {image_size!r}")
        if not is_power_of_two(initial_resolution) or not 4 <= initial_resolution <= image_size:
            raise ValueError(f"initial_resolution must be a power of two between 4 and image_size {image_size}, got "
                             f"{initial_resolution!r}")
        for name, kimg in (("training_kimg", training_kimg), ("transition_kimg", transition_kimg)):
            if not isinstance(kimg, (int, float)) or not (math.isfinite(kimg) and kimg >= 0):
                raise ValueError(f"{name} (thousands of real images) must be a finite number >= 0, got {kimg!r}")
        if training_kimg + transition_kimg == 0 and initial_resolution < image_size:
            raise ValueError("training_kimg and transition_kimg are both 0, so the networks would never grow past "
                             f"{initial_resolution}x{initial_resolution}; for a run without growing set "
                             f"initial_resolution={image_size}")
        minibatch_dict = dict(minibatch_dict or {})
        for size, batch in [(None, minibatch_base), *minibatch_dict.items()]:
            if not isinstance(batch, int) or batch < 1:
                raise ValueError(f"minibatch sizes must be positive integers, got {batch!r}"
                                 + ("" if size is None else f" for resolution {size}"))
        bad = [size for size in minibatch_dict if not is_power_of_two(size) or not 4 <= size <= image_size]
        if bad:
            raise ValueError(f"minibatch_dict maps resolutions (powers of two from 4 to {image_size}) to sizes; "
                             f"{bad} are not such resolutions")
        self.image_size = image_size
        self.initial_resolution = initial_resolution
        self.training_kimg = float(training_kimg)
        self.transition_kimg = float(transition_kimg)
        self.minibatch_base = minibatch_base
        self.minibatch_dict = minibatch_dict

    def __call__(self, images_shown: int) -> Stage:
        """The stage after ``images_shown`` real images (the code's ``cur_nimg``)."""
        if not isinstance(images_shown, int) or images_shown < 0:
            raise ValueError(f"images_shown must be a non-negative integer, got {images_shown!r}")
        kimg = images_shown / 1000.0
        phase_kimg = self.training_kimg + self.transition_kimg
        phase = math.floor(kimg / phase_kimg) if phase_kimg > 0 else 0
        kimg_in_phase = kimg - phase * phase_kimg
        # lod = log2(image size) - log2(initial) - p - max(k_p - T, 0) / F
        lod = float(math.log2(self.image_size) - math.log2(self.initial_resolution) - phase)
        if self.transition_kimg > 0:
            lod -= max(kimg_in_phase - self.training_kimg, 0.0) / self.transition_kimg
        lod = max(lod, 0.0)
        resolution = self.image_size >> math.floor(lod)
        # alpha = 1 - (lod - floor(lod))
        alpha = 1.0 - (lod - math.floor(lod))
        return Stage(lod, resolution, alpha, self.minibatch_dict.get(resolution, self.minibatch_base))

    def iterations(self, kimg: float) -> int:
        """How many iterations (one D step of one minibatch each, as in the code) show ``kimg`` thousand images:
        the ``steps`` to give :meth:`~gan_course.training.GANTrainer.fit` for the code's ``total_kimg``."""
        images = steps = 0
        while images < kimg * 1000:
            images += self(images).minibatch
            steps += 1
        return steps

    def __repr__(self) -> str:
        return (f"ProgressiveSchedule(image_size={self.image_size}, initial_resolution={self.initial_resolution}, "
                f"training_kimg={self.training_kimg:g}, transition_kimg={self.transition_kimg:g}, "
                f"minibatch_base={self.minibatch_base}, minibatch_dict={self.minibatch_dict})")


class GrowthCost(NamedTuple):
    """Forward FLOPs of G then D per image: averaged over a progressive run, and at full resolution throughout."""

    progressive: float
    full_resolution: float

    @property
    def saving(self) -> float:
        """How many times less arithmetic per image shown the progressive run needs."""
        return self.full_resolution / self.progressive


def stage_flops(generator: ProgressiveNetwork, discriminator: ProgressiveNetwork, resolution: int,
                alpha: float = 1.0, batch: int = 4) -> float:
    """Forward FLOPs per image of D(G(z)) at one stage, counted by ``torch.utils.flop_counter`` (convolutions and
    matrix products) on a batch of ``batch``; networks on the ``meta`` device are counted without any arithmetic.
    Both networks are returned to their stage."""
    stages = [(network, network.resolution, network.alpha) for network in (generator, discriminator)]
    parameter = next(generator.parameters())
    try:
        for network, _, _ in stages:
            network.set_stage(resolution, alpha)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            discriminator(generator(torch.zeros(batch, generator.latent_dim, device=parameter.device,
                                                dtype=parameter.dtype)))
    finally:
        for network, old_resolution, old_alpha in stages:
            network.set_stage(old_resolution, old_alpha)
    return counter.get_total_flops() / batch


def growth_cost(schedule: ProgressiveSchedule, kimg: float, generator: ProgressiveNetwork,
                discriminator: ProgressiveNetwork, slices: int = 10_000) -> GrowthCost:
    r"""The forward FLOPs per image of a run that shows ``kimg`` thousand images on ``schedule``, averaged over those
    images (midpoint rule on ``slices`` equal slices), and of the same networks at the schedule's full resolution.

    Most of a progressive run's images go through small networks (Karras et al. 2018, Section 2: "most of the
    iterations are done at lower resolutions"). A training step costs a multiple of the forward pass (backward
    passes, the gradient penalty's second one); taking that multiple as the same at every resolution, the ratio
    :attr:`GrowthCost.saving` is the saving in arithmetic for the same number of images, not in time to a quality.
    """
    if not (isinstance(kimg, (int, float)) and math.isfinite(kimg) and kimg > 0):
        raise ValueError(f"kimg (thousands of images shown) must be a positive number, got {kimg!r}")
    if generator.image_size != schedule.image_size or discriminator.image_size != schedule.image_size:
        raise ValueError(f"the networks are for {generator.image_size}x{generator.image_size} and "
                         f"{discriminator.image_size}x{discriminator.image_size} images, the schedule for "
                         f"{schedule.image_size}x{schedule.image_size}")
    cache: dict[tuple[int, bool], float] = {}

    def flops(resolution: int, fading: bool) -> float:  # while fading, both paths are computed whatever alpha is
        if (resolution, fading) not in cache:
            cache[resolution, fading] = stage_flops(generator, discriminator, resolution, 0.5 if fading else 1.0)
        return cache[resolution, fading]

    stages = (schedule(int((i + 0.5) * kimg * 1000 / slices)) for i in range(slices))
    total = sum(flops(stage.resolution, stage.alpha < 1) for stage in stages)
    return GrowthCost(total / slices, flops(schedule.image_size, False))


def fade_reals(images: Tensor, resolution: int, alpha: float = 1.0) -> Tensor:
    r"""Real images as D sees them at a stage (the code's ``process_reals``, its ``FadeLOD`` and ``UpscaleLOD``).

    The full-size ``images`` are averaged down, 2×2 at a time, to ``resolution`` ($x$); while that resolution fades in
    ($\alpha < 1$) they are blended with their 2×-downsampled-then-upsampled version, as G's output is; the result is
    upsampled (nearest neighbour) back to full size. At $\alpha = 0$ they are exactly the reals of
    ``resolution // 2``.

    $$x_\text{real} = (1 - \alpha)\, \text{up}_2(\text{down}_2(x)) + \alpha\, x$$
    """
    if not isinstance(images, Tensor) or images.ndim != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"images must be a tensor of square images (N, C, S, S), got "
                         f"{tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__}")
    size = images.shape[-1]
    if not is_power_of_two(size):
        raise ValueError(f"the image size must be a power of two, got {size}; resize or pad the images")
    check_stage(size, resolution, alpha)
    x = images
    while x.shape[-1] > resolution:
        x = F.avg_pool2d(x, 2)
    if alpha < 1:
        # (1 - alpha) up_2(down_2(x)) + alpha x
        x = torch.lerp(upscale(F.avg_pool2d(x, 2), 2), x, alpha)
    return upscale(x, size // resolution)


class ProgressiveReals:
    """Full-size real batches of ``stream`` faded to the current stage (:func:`fade_reals`), counting the images
    given (:attr:`images_shown`, the schedule's clock, the code's ``cur_nimg``) — by the global batch, the images
    that all processes together show D, when the stream is split over several (``local_batch_size``).

    The :class:`ProgressiveGrowing` hook sets the stage (:meth:`set_stage`) and :attr:`batch_size` (the stream's)
    before every step. The state — the stream's position and the count — is saved in the run's checkpoint.
    """

    def __init__(self, stream: Iterator[Tensor]):
        if not hasattr(stream, "batch_size"):
            raise TypeError(f"stream must have a batch_size the schedule can set, e.g. TensorStream(images, 16), got "
                            f"{type(stream).__name__}")
        self.stream = stream
        self.resolution: int | None = None
        self.alpha = 1.0
        self.images_shown = 0

    @property
    def batch_size(self) -> int:
        return self.stream.batch_size

    @batch_size.setter
    def batch_size(self, batch_size: int) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.stream.batch_size = batch_size

    def set_stage(self, resolution: int, alpha: float = 1.0) -> None:
        """Give the reals of ``resolution`` faded in with weight ``alpha`` from the next batch on."""
        self.resolution, self.alpha = resolution, float(alpha)

    def __iter__(self) -> ProgressiveReals:
        return self

    def __next__(self) -> Tensor:
        if self.resolution is None:
            raise RuntimeError("ProgressiveReals has no stage yet: call set_stage(resolution, alpha) first (the "
                               "ProgressiveGrowing hook does before every step)")
        batch = next(self.stream)
        local = getattr(self.stream, "local_batch_size", self.batch_size)
        if not isinstance(batch, Tensor) or len(batch) != local:
            raise ValueError(f"the stream gave {len(batch) if isinstance(batch, Tensor) else type(batch).__name__} "
                             f"instead of a batch of {local} images; use a stream of image tensors with at "
                             f"least as many images as the largest minibatch of the schedule")
        self.images_shown += self.batch_size  # the global batch: what all processes together show D
        return fade_reals(batch, self.resolution, self.alpha)

    def state_dict(self) -> dict[str, Any]:
        state = self.stream.state_dict() if hasattr(self.stream, "state_dict") else {}
        return {"stream": state, "images_shown": self.images_shown}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if hasattr(self.stream, "load_state_dict"):
            self.stream.load_state_dict(state["stream"])
        self.images_shown = int(state["images_shown"])


class ProgressiveGrowing(Hook):
    r"""Grow G and D by ``schedule`` (a :class:`ProgressiveSchedule`), with the reals faded alike.

    The trainer's ``data`` must be a :class:`ProgressiveReals`, and its networks ProGAN's
    (:class:`~gan_course.models.ProGANGenerator`, :class:`~gan_course.models.ProGANDiscriminator`) for the schedule's
    image size. Before every step the hook reads the number of real images shown so far and sets the stage of G, D
    and the reals, and the minibatch size; it records ``lod``, ``alpha``, ``resolution`` and ``images_shown`` (before
    the step). With ``reset_optimizers`` (the code's ``reset_opt_for_new_lod``) the state of both optimizers (Adam's
    moments and step counts) is cleared whenever $\lfloor \text{lod} \rfloor$ or $\lceil \text{lod} \rceil$
    changes: when a transition starts and when it ends. Its state is the lod of the last step, so that a resumed run
    resets exactly where an uninterrupted one does. It runs after the :class:`~gan_course.training.Checkpoint` has
    resumed and before the other hooks, so snapshots and an averaged G see the current stage.
    """

    order = -5

    def __init__(self, schedule: ProgressiveSchedule, reset_optimizers: bool = True):
        if not isinstance(schedule, ProgressiveSchedule):
            raise TypeError(f"schedule must be a ProgressiveSchedule, got {type(schedule).__name__}")
        self.schedule = schedule
        self.reset_optimizers = reset_optimizers
        self.lod: float | None = None

    def _set_stage(self, trainer: GANTrainer) -> Stage:
        stage = self.schedule(trainer.data.images_shown)
        for staged in (trainer.generator, trainer.discriminator, trainer.data):
            staged.set_stage(stage.resolution, stage.alpha)
        trainer.data.batch_size = stage.minibatch
        return stage

    def on_fit_start(self, trainer: GANTrainer, steps: int) -> None:
        if not isinstance(trainer.data, ProgressiveReals):
            raise TypeError(f"ProgressiveGrowing needs the trainer's data to be ProgressiveReals(stream), e.g. "
                            f"data=ProgressiveReals(TensorStream(images, 16)); got {type(trainer.data).__name__}")
        for name, network in (("generator", trainer.generator), ("discriminator", trainer.discriminator)):
            if not isinstance(network, ProgressiveNetwork) or network.image_size != self.schedule.image_size:
                size = getattr(network, "image_size", None)
                raise ValueError(f"the {name} must be a ProGAN network for {self.schedule.image_size}x"
                                 f"{self.schedule.image_size} images (the schedule's), got {type(network).__name__}"
                                 + ("" if size is None else f" for {size}x{size}"))
        self._set_stage(trainer)

    def before_step(self, trainer: GANTrainer) -> None:
        stage = self._set_stage(trainer)
        changed = self.lod is None or (math.floor(stage.lod), math.ceil(stage.lod)) != (math.floor(self.lod),
                                                                                     math.ceil(self.lod))
        if self.reset_optimizers and changed:
            for optimizer in trainer.optimizers.values():
                optimizer.state.clear()
        self.lod = stage.lod
        trainer.record(lod=stage.lod, alpha=stage.alpha, resolution=stage.resolution,
                       images_shown=trainer.data.images_shown)

    def state_dict(self) -> dict[str, Any]:
        return {"lod": self.lod}

    def load_state_dict(self, state: dict[str, Any], trainer: GANTrainer) -> None:
        self.lod = state["lod"]

    def __repr__(self) -> str:
        return f"ProgressiveGrowing({self.schedule!r}, reset_optimizers={self.reset_optimizers})"
