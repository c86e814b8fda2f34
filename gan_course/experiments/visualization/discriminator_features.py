r"""What a convolutional discriminator's layers compute: its first-layer filters, the feature maps of one image
through every layer, and which input pixels drive one of its units.

Radford, Metz & Chintala (2016, Section 6.2 and Figure 5) show D's features with guided backpropagation
(Springenberg, Dosovitskiy, Brox & Riedmiller 2015): the gradient of a unit's activation with respect to the input,
where every rectifier passes back only positive gradient, and only where its input was positive,

$$ \frac{\partial^{\text{guided}}}{\partial x}: \quad g_\text{in} = [x > 0] \cdot \max(g_\text{out}, 0), $$

which keeps the pixels that *excite* the unit and drops those that excite it only by suppressing something else.
The plain gradient $\partial a / \partial x$ keeps both. D's leaky rectifiers are treated as rectifiers here (their
negative slope passes nothing back), as guided backpropagation is defined for ReLU.

Both maps are kept signed and **ranked by magnitude** (:func:`share_on_ink`), the same way for both: the sign of a
pixel's gradient says whether *more* intensity raises the unit, which on a digit drawn as +1 on a -1 background means
opposite things on the strokes and off them, while the magnitude says how much the pixel matters either way (the
saliency of Simonyan, Vedaldi & Zisserman 2014, and the maps Adebayo et al. 2018 compare). Whether a map says anything
about what D *learned* is tested in :mod:`~gan_course.experiments.visualization.saliency_checks`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from gan_course.eval_mode import eval_mode


def first_layer_filters(discriminator: nn.Module) -> Tensor:
    """The weights of D's first convolution, ``(out_channels, in_channels, k, k)``, on the CPU."""
    first = next((m for m in discriminator.modules() if isinstance(m, nn.Conv2d)), None)
    if first is None:
        raise ValueError(f"{type(discriminator).__name__} has no convolution: the filters belong to a convolutional D")
    return first.weight.detach().cpu().clone()


def feature_maps(discriminator: nn.Module, image: Tensor) -> dict[str, Tensor]:
    """The output of every layer of ``discriminator.net`` for one ``image`` ``(C, H, W)``, in eval mode, by layer
    name (``"net.0 Conv2d"``), each ``(channels, h, w)`` on the CPU."""
    if image.ndim != 3:
        raise ValueError(f"image must be one image of shape (C, H, W), got {tuple(image.shape)}")
    maps: dict[str, Tensor] = {}
    x = image[None].to(next(discriminator.parameters()).device)
    with torch.no_grad(), eval_mode(discriminator):
        for index, layer in enumerate(discriminator.net):
            x = layer(x)
            maps[f"net.{index} {type(layer).__name__}"] = x[0].detach().cpu().clone()
    return maps


class _GuidedRectifier(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, negative_slope: float) -> Tensor:
        ctx.save_for_backward(x > 0)
        return torch.nn.functional.leaky_relu(x, negative_slope)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        (positive,) = ctx.saved_tensors
        # g_in = [x > 0] * max(g_out, 0)
        return grad.clamp(min=0) * positive, None


class _Guided(nn.Module):
    def __init__(self, negative_slope: float):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return _GuidedRectifier.apply(x, self.negative_slope)


def _guided_copy(discriminator: nn.Module) -> nn.Module:
    """A copy of D whose rectifiers back-propagate the guided way (the copy's forward pass is D's)."""
    guided = copy.deepcopy(discriminator)
    for parent in guided.modules():
        for name, child in parent.named_children():
            if isinstance(child, (nn.ReLU, nn.LeakyReLU)):
                setattr(parent, name, _Guided(getattr(child, "negative_slope", 0.0)))
    return guided


@dataclass(frozen=True, eq=False)
class UnitSaliency:
    """Which pixels of ``image`` drive ``channel`` of layer ``layer``: its activation ``activation`` at ``position``,
    the plain ``gradient`` and the ``guided`` gradient, both signed, ``(H, W)`` (summed over the image's channels)."""

    layer: int
    channel: int
    activation: float
    position: tuple[int, int]
    gradient: np.ndarray
    guided: np.ndarray


def unit_saliency(discriminator: nn.Module, image: Tensor, layer: int, channel: int,
                  position: tuple[int, int] | None = None) -> UnitSaliency:
    """Gradient saliency and guided backpropagation of one unit of D for one ``image`` ``(C, H, W)``: the unit is
    ``channel`` of the output of ``discriminator.net[layer]`` at the position where it responds most (Radford et al.
    2016, Figure 5: "maximal axis-aligned responses"), or at ``position`` (row, column) if given — the same unit of
    another network, e.g. a randomised copy. Computed in eval mode; D is not changed."""
    if image.ndim != 3:
        raise ValueError(f"image must be one image of shape (C, H, W), got {tuple(image.shape)}")
    if not 0 <= layer < len(discriminator.net):
        raise ValueError(f"layer must index discriminator.net (0..{len(discriminator.net) - 1}), got {layer}")
    results = []
    for network in (discriminator, _guided_copy(discriminator)):
        x = image[None].detach().clone().to(next(network.parameters()).device).requires_grad_(True)
        with eval_mode(network):
            out = network.net[: layer + 1](x)[0]
            if not 0 <= channel < out.shape[0]:
                raise ValueError(f"channel must be below the layer's {out.shape[0]} channels, got {channel}")
            if position is None:
                index = int(out[channel].flatten().argmax())
            elif 0 <= position[0] < out.shape[-2] and 0 <= position[1] < out.shape[-1]:
                index = position[0] * out.shape[-1] + position[1]
            else:
                raise ValueError(f"position must lie in the layer's {out.shape[-2]} x {out.shape[-1]} map, got "
                                 f"{position}")
            unit = out[channel].flatten()[index]
            (gradient,) = torch.autograd.grad(unit, x)
        results.append((float(unit.detach()), divmod(index, out.shape[-1]), gradient[0].sum(0).detach().cpu().numpy()))
    (activation, where, plain), (_, _, guided) = results
    return UnitSaliency(layer, channel, activation, where, plain, guided)


def share_on_ink(saliency: np.ndarray, image: Tensor, top: float = 0.05) -> float:
    """The share of ink (value above 0) among the ``top`` fraction of pixels with the largest saliency *magnitude*
    $|s|$ (both maps are ranked this way): how far a map points at the strokes rather than the background."""
    values = np.abs(np.asarray(saliency)).reshape(-1)
    count = max(1, int(round(top * len(values))))
    chosen = np.argsort(values, kind="stable")[-count:]
    return float((image.detach().cpu().numpy().reshape(-1)[chosen] > 0).mean())


def receptive_field_ink(saliency: UnitSaliency, image: Tensor) -> float:
    """The share of ink among the pixels the unit sees — those where its plain gradient is not 0 (D's rectifiers are
    leaky, so inside the receptive field a zero gradient needs an exact cancellation): what :func:`share_on_ink` gives
    for a map that points at random pixels of the unit's receptive field."""
    seen = np.asarray(saliency.gradient).reshape(-1) != 0
    if not seen.any():
        raise ValueError("the unit's gradient is 0 at every pixel: it sees nothing of this image")
    return float((image.detach().cpu().numpy().reshape(-1)[seen] > 0).mean())
