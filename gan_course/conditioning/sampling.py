r"""Sampling a conditional generator $G(z \mid y)$ (Mirza & Osindero 2014): by label and noise, or from its marginal.

*The label grid* is the figure of Mirza & Osindero (2014, Figure 2): one row per label $y$, one column per noise
vector $z$, the same $z$ in every row. Along a row the label is fixed and the noise varies (the variety *within* a
class); down a column the noise is fixed and the label varies (what the label controls, and what the noise carries
across classes: in digits, mostly slant and stroke width).

*The marginal sampler* draws from $p_g(x) = \sum_y p(y)\, p_g(x \mid y)$: first a label $y \sim p(y)$ (uniform by
default, as the training loop draws the fakes' labels), then $G(z, y)$ with $z \sim \mathcal{N}(0, I)$. It turns a
conditional generator into a sampling function ``sample(n)`` that every metric of :mod:`gan_course.metrics` accepts,
so a conditional and an unconditional GAN are measured by the same numbers.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from gan_course.eval_mode import eval_mode
from gan_course.latent.priors import Prior
from gan_course.metrics.samples import noise_prior, source_device


def _n_classes(generator: nn.Module, n_classes: int | None) -> int:
    """``n_classes`` if given, else the generator's ``n_classes`` attribute; a clear error if neither is usable."""
    if n_classes is None:
        n_classes = getattr(generator, "n_classes", None)
        if n_classes is None:
            raise ValueError(f"{type(generator).__name__} has no attribute n_classes: pass n_classes=...")
    if not isinstance(n_classes, int) or isinstance(n_classes, bool) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer (e.g. 10 for MNIST), got {n_classes!r}")
    return n_classes


@torch.no_grad()
def label_grid(generator: nn.Module, noise: Tensor, n_classes: int | None = None) -> Tensor:
    r"""$G(z_j \mid y)$ for every label $y = 0, \dots, K-1$ and every row $z_j$ of ``noise`` (Mirza & Osindero 2014,
    Figure 2), in eval mode, on the CPU.

    ``noise`` has shape (k, latent_dim); the result has shape (K·k, ...), label-major: image ``y * k + j`` is
    $G(z_j \mid y)$, so ``show_images(grid, nrow=k)`` draws one row per label. $K$ is ``n_classes``, by default the
    generator's ``n_classes`` attribute.
    """
    n_classes = _n_classes(generator, n_classes)
    if not isinstance(noise, Tensor) or noise.ndim != 2 or len(noise) == 0:
        shape = tuple(noise.shape) if isinstance(noise, Tensor) else type(noise).__name__
        raise ValueError(f"noise must be a tensor of shape (k, latent_dim) with k >= 1 (one column per row), got {shape}")
    device = source_device(generator)
    k = len(noise)
    z = noise.to(device).repeat(n_classes, 1)
    labels = torch.arange(n_classes, device=device).repeat_interleave(k)
    with eval_mode(generator):
        return generator(z, labels).cpu()


def marginal_sampler(
    generator: nn.Module, class_probabilities: Tensor | None = None, prior: Prior | None = None
) -> Callable[[int], Tensor]:
    r"""A function ``sample(n)``: $n$ draws of $G(z \mid y)$ with $y \sim p(y)$ and $z \sim p_z$, i.e. samples of
    the marginal $p_g(x) = \sum_y p(y)\, p_g(x \mid y)$, made in eval mode without gradients.

    $p(y)$ is ``class_probabilities`` (a 1-D tensor with one non-negative entry per class, summing to 1), uniform over
    the generator's ``n_classes`` by default; $p_z$ is ``prior`` (the prior of z alone), by default
    ``Normal(generator.latent_dim)``. Randomness comes from torch's global generator, which the metrics seed.
    """
    prior = noise_prior(generator, prior)
    if class_probabilities is None:
        n_classes = _n_classes(generator, None)
        class_probabilities = torch.full((n_classes,), 1.0 / n_classes)
    probabilities = torch.as_tensor(class_probabilities, dtype=torch.float64)
    if probabilities.ndim != 1 or len(probabilities) == 0:
        raise ValueError(f"class_probabilities must be a 1-D tensor, one entry per class, got shape "
                         f"{tuple(probabilities.shape)}")
    if not bool(torch.isfinite(probabilities).all()) or bool((probabilities < 0).any()):
        raise ValueError("class_probabilities must be finite and non-negative")
    if abs(float(probabilities.sum()) - 1) > 1e-6:
        raise ValueError(f"class_probabilities must sum to 1, got {float(probabilities.sum()):.6g}; divide by the sum")
    n_classes = getattr(generator, "n_classes", None)
    if n_classes is not None and len(probabilities) != n_classes:
        raise ValueError(f"class_probabilities has {len(probabilities)} entries but the generator has {n_classes} "
                         f"classes")
    device = source_device(generator)

    @torch.no_grad()
    def sample(n: int) -> Tensor:
        labels = torch.multinomial(probabilities, n, replacement=True).to(device)
        with eval_mode(generator):
            return generator(prior.sample(n).z.to(device), labels)

    return sample
