r"""A GAN Lab in the notebook: a 2-D GAN trained step by step, and what its state looks like.

After GAN Lab (Kahng, Thorat, Chau, Viégas & Wattenberg 2019, "GAN Lab: Understanding complex deep generative models
using interactive visual experimentation", IEEE TVCG 25(1)), which shows a 2-D GAN as layered views of one plane.
:class:`GANLab` holds the run — the course's :class:`~gan_course.training.GANTrainer` on a toy distribution, with a
uniform 2-D latent $z \sim U([-1, 1]^2)$ so that the latent space is a square one can draw — and :meth:`GANLab.views`
computes, from its current state, everything the views draw:

* the **manifold**: a grid over the latent square carried through G. Each latent cell holds the same probability,
  so the density of the samples in its image is that probability over the image's area: with the cell's mass
  $m = (2/n)^2 / 4$ and $A$ the area of the mapped quadrilateral, $p_g \approx m / A$ (the change of variables
  $p_g(G(z)) = p_z(z) / |\det J_G(z)|$ on a cell);
* D's **decision surface**: $D(x) = \sigma(\ell(x))$ on a grid of the plane, or the raw score for an objective
  whose D gives one (LSGAN, WGAN);
* the **generator's gradient** on each fake sample: $-\nabla_x L_G$ at $x = G(z)$, the direction in which G's next
  update moves that sample (:func:`~gan_course.experiments.losses.gradient_field.sample_gradients`'s quantity, here for
  any objective through its own ``generator_loss``);
* the **curves**: D's and G's losses and the mean $D(x)$, $D(G(z))$ of every step.

The drawing lives in :mod:`~gan_course.experiments.visualization.gan_lab_figures`, the controls in
:mod:`~gan_course.experiments.visualization.gan_lab_widget`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import Tensor

from gan_course.data import GaussianMixture2D, SamplerStream, grid, ring
from gan_course.eval_mode import eval_mode
from gan_course.latent import Latent, Uniform
from gan_course.losses import LSGAN, WGANGP, Minimax, NonSaturating, Objective
from gan_course.losses.objective import StepContext
from gan_course.models import MLPDiscriminator, MLPGenerator
from gan_course.progress import progress_bar
from gan_course.seed import seed_everything
from gan_course.training import AlternatingStep, GANTrainer, History

OBJECTIVES: dict[str, Callable[[], Objective]] = {
    "non-saturating": NonSaturating,
    "minimax": Minimax,
    "least squares": LSGAN,
    "WGAN-GP": WGANGP,
}


def mixture(centres: str | list[tuple[float, float]], std: float = 0.05) -> GaussianMixture2D:
    """A mixture of your own: equal-weight Gaussians at ``centres``, given as pairs or as text such as
    ``"0,0; 1,1; -1,0.5"`` (what the lab's text box takes)."""
    if isinstance(centres, str):
        try:
            pairs = [tuple(float(v) for v in part.split(",")) for part in centres.split(";") if part.strip()]
        except ValueError:
            raise ValueError(f"centres must read 'x,y; x,y; ...' with numbers, got {centres!r}") from None
    else:
        pairs = [tuple(float(v) for v in pair) for pair in centres]
    if not pairs or any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"centres must be one or more x,y pairs such as '0,0; 1,1', got {centres!r}")
    return GaussianMixture2D(pairs, std)


DATASETS: dict[str, Callable[[], GaussianMixture2D]] = {
    "ring": lambda: ring(8, radius=1.0, std=0.05),
    "grid": lambda: grid(3, spacing=1.0, std=0.05),
}


@dataclass(frozen=True, eq=False)
class LabViews:
    """One moment of a run, as arrays: the ``manifold`` (the latent grid's image, ``(n+1, n+1, 2)``) with each
    cell's ``density``; D's ``surface`` on the plane grid ``xs`` × ``ys`` (``surface[i, j]`` at ``(xs[j], ys[i])``)
    and whether it is a ``probability``; the ``real`` and ``fake`` samples with G's ``gradient`` on each fake; the
    ``history`` so far (``{name: (steps, values)}``, over every loss the run has used) and the ``step``."""

    step: int
    manifold: np.ndarray
    density: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    surface: np.ndarray
    probability: bool
    real: np.ndarray
    fake: np.ndarray
    gradient: np.ndarray
    history: dict[str, tuple[list[int], list[float]]]


def _quad_areas(points: np.ndarray) -> np.ndarray:
    """The area of every quadrilateral of a grid of corner points ``(n+1, n+1, 2)``, by the shoelace formula."""
    a, b, c, d = points[:-1, :-1], points[:-1, 1:], points[1:, 1:], points[1:, :-1]
    corners = np.stack([a, b, c, d], axis=0)
    x, y = corners[..., 0], corners[..., 1]
    return 0.5 * np.abs((x * np.roll(y, -1, axis=0) - np.roll(x, -1, axis=0) * y).sum(axis=0))


class GANLab:
    """A 2-D GAN to train a few steps at a time and look at (see the module's docstring).

    ``data`` is ``"ring"``, ``"grid"`` or a :class:`~gan_course.data.GaussianMixture2D` (e.g. :func:`mixture`);
    ``loss`` one of :data:`OBJECTIVES`; ``lr_d`` and ``lr_g`` Adam's learning rates ($\\beta = (0.5, 0.999)$), ``k``
    the D updates per G update. G and D are the first chapter's MLPs for points (two hidden layers of ``hidden``).
    Everything but the data can change while the run goes on (:meth:`set`); a new data set starts a new run.
    """

    def __init__(self, data: str | GaussianMixture2D = "ring", loss: str = "non-saturating", lr_d: float = 1e-3,
                 lr_g: float = 1e-3, k: int = 1, hidden: int = 64, batch_size: int = 128, seed: int = 0,
                 device: torch.device | None = None):
        self.hidden, self.batch_size, self.seed = hidden, batch_size, seed
        self.device = device or torch.device("cpu")
        self.distribution = self._distribution(data)
        self.data_name = data if isinstance(data, str) else "your mixture"
        self._build()
        self.set(loss=loss, lr_d=lr_d, lr_g=lr_g, k=k)

    @staticmethod
    def _distribution(data: str | GaussianMixture2D) -> GaussianMixture2D:
        if isinstance(data, GaussianMixture2D):
            return data
        if data not in DATASETS:
            raise ValueError(f"data must be one of {', '.join(DATASETS)} or a GaussianMixture2D (see mixture()), "
                             f"got {data!r}")
        return DATASETS[data]()

    def _build(self) -> None:
        seed_everything(self.seed)
        generator = MLPGenerator(2, (2,), hidden=(self.hidden, self.hidden), output="linear").to(self.device)
        discriminator = MLPDiscriminator((2,), hidden=(self.hidden, self.hidden)).to(self.device)
        self.trainer = GANTrainer(
            generator, discriminator,
            torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
            torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
            SamplerStream(self.distribution, self.batch_size, self.seed), NonSaturating(), Uniform(2), n_fixed=256,
        )
        reference = torch.Generator().manual_seed(self.seed + 1)
        self.real = self.distribution.sample(512, generator=reference).numpy()
        self._past: list[History] = []  # the histories of losses used before the current one

    def _change_objective(self, objective: Objective) -> None:
        """Go on with another objective: a new trainer around the same networks, optimizers, data, fixed latents and
        step count (an objective records its own names, so its curves start a new history)."""
        old = self.trainer
        if len(old.history):
            self._past.append(old.history)
        self.trainer = GANTrainer(
            old.generator, old.discriminator, old.optimizers["generator"], old.optimizers["discriminator"], old.data,
            objective, old.prior, step=old.step_function, n_fixed=len(old.fixed_latent),
        )
        self.trainer.fixed_latent, self.trainer.step = old.fixed_latent, old.step

    def set(self, loss: str | None = None, lr_d: float | None = None, lr_g: float | None = None,
            k: int | None = None) -> None:
        """Change the loss, a learning rate or ``k`` from the next step on; the networks keep their weights."""
        if loss is not None:
            if loss not in OBJECTIVES:
                raise ValueError(f"loss must be one of {', '.join(OBJECTIVES)}, got {loss!r}")
            self.loss = loss
            self._change_objective(OBJECTIVES[loss]())
        for name, value in (("lr_d", lr_d), ("lr_g", lr_g)):
            if value is not None:
                if not (isinstance(value, (int, float)) and 0 < value < 1):
                    raise ValueError(f"{name} must be a learning rate in (0, 1), got {value!r}")
                network = "discriminator" if name == "lr_d" else "generator"
                for group in self.trainer.optimizers[network].param_groups:
                    group["lr"] = float(value)
                setattr(self, name, float(value))
        if k is not None:
            if not isinstance(k, int) or k < 1:
                raise ValueError(f"k (D updates per G update) must be a positive integer, got {k!r}")
            self.k = k
            self.trainer.step_function = AlternatingStep(d_steps=k)

    def reset(self, data: str | GaussianMixture2D | None = None) -> None:
        """Start over with fresh networks (and ``data`` if given), keeping the loss, learning rates and ``k``."""
        if data is not None:
            self.distribution = self._distribution(data)
            self.data_name = data if isinstance(data, str) else "your mixture"
        self._build()
        self.set(loss=self.loss, lr_d=self.lr_d, lr_g=self.lr_g, k=self.k)

    @property
    def step(self) -> int:
        return self.trainer.step

    def train(self, steps: int = 1) -> None:
        """Make ``steps`` more iterations (each: ``k`` D updates, then one G update)."""
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        self.trainer.fit(self.trainer.step + steps)

    def _generator_gradient(self, fake: Tensor, latent: Latent) -> Tensor:
        """$\\nabla_x L_G$ at each fake sample, through this run's objective (its per-sample loss: the mean's
        gradient times N), with D in eval mode and its parameters untouched."""
        discriminator = self.trainer.discriminator
        x = fake.detach().clone().requires_grad_(True)
        with eval_mode(discriminator):
            scores = discriminator(x)
            context = StepContext(latent=latent, fake=x, d_fake=scores, discriminator=discriminator,
                                  discriminate=lambda points, labels=None: discriminator(points))
            loss = self.trainer.objective.generator_loss(context)["g_loss"] * len(x)
            (gradient,) = torch.autograd.grad(loss, x)
        return gradient

    def views(self, cells: int = 20, resolution: int = 60, extent: float | None = None) -> LabViews:
        """The current state as :class:`LabViews`: a ``cells`` × ``cells`` latent grid, D on a ``resolution``²
        grid of the square ``[-extent, extent]²`` (default: around the data), the fixed fake batch's gradients."""
        generator, discriminator = self.trainer.generator, self.trainer.discriminator
        if extent is None:
            extent = float(np.abs(self.real).max()) * 1.5
        corners = torch.linspace(-1.0, 1.0, cells + 1)
        zz = torch.stack(torch.meshgrid(corners, corners, indexing="ij"), dim=-1).reshape(-1, 2)
        with torch.no_grad(), eval_mode(generator):
            manifold = generator(zz.to(self.device)).cpu().numpy().reshape(cells + 1, cells + 1, 2)
        mass = 1.0 / cells**2  # each latent cell holds the same share of the uniform prior
        density = mass / np.maximum(_quad_areas(manifold), 1e-12)
        xs = ys = np.linspace(-extent, extent, resolution)
        plane = torch.tensor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2), dtype=torch.float32)
        probability = self.trainer.objective.d_output == "logit"
        with torch.no_grad(), eval_mode(discriminator):
            surface = discriminator(plane.to(self.device)).cpu()
        surface = (torch.sigmoid(surface) if probability else surface).numpy().reshape(resolution, resolution)
        latent = self.trainer.fixed_latent
        with torch.no_grad(), eval_mode(generator):
            fake = generator(latent.z)
        gradient = -self._generator_gradient(fake, latent)
        history: dict[str, tuple[list[int], list[float]]] = {}
        for part in [*self._past, self.trainer.history]:
            for name in part.names:
                steps, values = history.setdefault(name, ([], []))
                steps += part.step
                values += part[name]
        return LabViews(self.step, manifold, density, xs, ys, surface, probability, self.real,
                        fake.detach().cpu().numpy(), gradient.cpu().numpy(), history)

    def record(self, steps: int, every: int, **view_options) -> list[LabViews]:
        """The views now and after every ``every`` of ``steps`` further steps: a recorded run, for
        :func:`~gan_course.experiments.visualization.gan_lab_figures.animate_lab` where no kernel can run the widget."""
        if not isinstance(every, int) or every < 1 or not isinstance(steps, int) or steps < every:
            raise ValueError(f"need 1 <= every <= steps (integers), got every={every!r}, steps={steps!r}")
        frames = [self.views(**view_options)]
        with progress_bar(steps // every, "GAN Lab run", "frame") as bar:
            for _ in range(steps // every):
                self.train(every)
                frames.append(self.views(**view_options))
                bar.update()
        return frames
