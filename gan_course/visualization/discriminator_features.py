r"""What a convolutional discriminator's layers compute: its first-layer filters, the feature maps of one image
through every layer, and which input pixels drive one of its units.

Radford, Metz & Chintala (2016, Section 6.2 and Figure 5) show D's features with guided backpropagation
(Springenberg, Dosovitskiy, Brox & Riedmiller 2015): the gradient of a unit's activation with respect to the input,
where every rectifier passes back only positive gradient, and only where its input was positive,

$$ \frac{\partial^{\text{guided}}}{\partial x}: \quad g_\text{in} = [x > 0] \cdot \max(g_\text{out}, 0), $$

which keeps the pixels that *excite* the unit and drops those that excite it only by suppressing something else.
Plain gradient saliency $|\partial a / \partial x|$ keeps both. D's leaky rectifiers are treated as rectifiers
here (their negative slope passes nothing back), as guided backpropagation is defined for ReLU.
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
    """Which pixels of ``image`` drive ``channel`` of layer ``layer``: its strongest activation ``activation`` at
    ``position``, the plain gradient's magnitude ``gradient`` and the ``guided`` gradient, both ``(H, W)``."""

    layer: int
    channel: int
    activation: float
    position: tuple[int, int]
    gradient: np.ndarray
    guided: np.ndarray


def unit_saliency(discriminator: nn.Module, image: Tensor, layer: int, channel: int) -> UnitSaliency:
    """Gradient saliency and guided backpropagation of one unit of D for one ``image`` ``(C, H, W)``: the unit is
    ``channel`` of the output of ``discriminator.net[layer]`` at the position where it responds most (Radford et al.
    2016, Figure 5: "maximal axis-aligned responses"). Computed in eval mode; D is not changed."""
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
            strongest = int(out[channel].flatten().argmax())
            unit = out[channel].flatten()[strongest]
            (gradient,) = torch.autograd.grad(unit, x)
        position = divmod(strongest, out.shape[-1])
        results.append((float(unit.detach()), position, gradient[0].sum(0).detach().cpu().numpy()))
    (activation, position, plain), (_, _, guided) = results
    return UnitSaliency(layer, channel, activation, position, np.abs(plain), guided)


def share_on_ink(saliency: np.ndarray, image: Tensor, top: float = 0.05) -> float:
    """The share of the ``top`` fraction of most salient pixels that are ink (value above 0): how far a map points
    at the strokes rather than the background, against the image's own share of ink for a map that points anywhere."""
    values = np.asarray(saliency).reshape(-1)
    count = max(1, int(round(top * len(values))))
    chosen = np.argsort(values)[-count:]
    return float((image.detach().cpu().numpy().reshape(-1)[chosen] > 0).mean())
