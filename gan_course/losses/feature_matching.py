r"""Feature matching (Salimans et al. 2016, Section 3.1): G is trained to match the mean of D's intermediate
features on real data, instead of maximising D's output,

$$L_G = \big\lVert \mathbb{E}_{x \sim p_\text{data}} f(x) - \mathbb{E}_{z \sim p_z} f(G(z)) \big\rVert_2^2,$$

with $f$ the activations of one layer of D; D is trained as the GAN's D. G no longer chases D's current verdict, so it
cannot overshoot it — the paper's remedy for instability — at the price of a weaker target: matching means does not
match distributions. Each mean is over one batch, and each G update gets a fresh real batch, as in the authors'
released code (``improved-gan``, which also averages the squared differences over the features where the paper
sums them: a constant factor, here the paper's sum). On several processes each process matches its own rows' means.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from gan_course.losses.gan import NonSaturating
from gan_course.losses.objective import StepContext, Terms


def layer_output(network: nn.Module, layer: str, call: Callable[[], object]) -> Tensor:
    """What the submodule ``layer`` of ``network`` outputs while ``call()`` runs the network, flattened per sample."""
    try:
        module = network.get_submodule(layer)
    except AttributeError:
        names = [name for name, _ in network.named_modules() if name]
        raise ValueError(f"the discriminator has no layer {layer!r}; its layers are {', '.join(names)}") from None
    captured: list[Tensor] = []
    handle = module.register_forward_hook(lambda _module, _inputs, output: captured.append(output))
    try:
        call()
    finally:
        handle.remove()
    return captured[-1].flatten(1)


class FeatureMatching(NonSaturating):
    """The GAN whose G matches the batch mean of D's ``layer`` output (a name of ``discriminator.named_modules()``,
    e.g. ``"net.3"`` for the second hidden layer of an :class:`~gan_course.models.MLPDiscriminator`)."""

    generator_sees_real = True

    def __init__(self, layer: str):
        self.layer = layer

    def generator_loss(self, step: StepContext) -> Terms:
        discriminator = step.discriminator
        with torch.no_grad():
            real = layer_output(discriminator, self.layer, lambda: step.discriminate(step.real, step.real_labels))
        fake = layer_output(discriminator, self.layer, lambda: step.discriminate(step.fake, step.latent.labels))
        # ||E f(x) - E f(G(z))||_2^2, the expectations as batch means
        return {"g_loss": (real.mean(0) - fake.mean(0)).pow(2).sum()}

    def __repr__(self) -> str:
        return f"FeatureMatching(layer={self.layer!r})"
