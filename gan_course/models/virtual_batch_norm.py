r"""Virtual batch normalisation (Salimans et al. 2016, Section 3.5): batch normalisation whose statistics come from a
fixed *reference batch*, chosen once at the start of training, together with the example being normalised, so that an
example's output no longer depends on the other examples of its batch.

For features $h$ of an example and the reference batch's $h_1, \dots, h_R$ (computed by the same network at the same
step, so the statistics follow the training), the layer normalises $h$ with

$$\mu = \frac{1}{R + 1}\Big(h + \sum_{r} h_r\Big), \qquad \sigma^2 = \frac{1}{R + 1}\Big(h^2 + \sum_r h_r^2\Big) - \mu^2,
\qquad \mathrm{VBN}(h) = \gamma\, \frac{h - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta,$$

per channel (over the spatial positions too for images), and the reference batch itself with the statistics of the
reference batch alone, as Salimans et al.'s description has it. The cost is a second forward pass, of the reference
batch, at every step: :class:`WithReferenceBatch` runs a network on its fixed reference input and the batch together
(reference rows first) and returns the batch's rows; every :class:`VirtualBatchNorm` inside it knows that the first
``reference_size`` rows are the reference.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class VirtualBatchNorm(nn.Module):
    """Virtual batch norm over ``num_features`` channels (dimension 1) of inputs whose first ``reference_size`` rows
    are the reference batch; learned scale and shift as batch norm's, starting at 1 and 0."""

    def __init__(self, num_features: int, reference_size: int, eps: float = 1e-5):
        super().__init__()
        if num_features < 1 or reference_size < 1:
            raise ValueError(f"num_features and reference_size must be positive, got {num_features} and "
                             f"{reference_size}")
        self.reference_size, self.eps = reference_size, eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))

    def forward(self, h: Tensor) -> Tensor:
        if len(h) <= self.reference_size:
            raise ValueError(f"VirtualBatchNorm expects the {self.reference_size} reference rows followed by the batch, "
                             f"got {len(h)} rows: run the network through WithReferenceBatch")
        axes = [0, *range(2, h.ndim)]  # the batch and, for images, the spatial positions: statistics per channel
        shape = (1, -1, *([1] * (h.ndim - 2)))
        reference, batch = h[: self.reference_size], h[self.reference_size :]
        count = reference[0].numel() // reference.shape[1]  # values per channel and example
        ref_sum, ref_sq = reference.sum(dim=axes, keepdim=True), reference.pow(2).sum(dim=axes, keepdim=True)
        # the reference batch: its own statistics
        ref_mean = ref_sum / (self.reference_size * count)
        ref_var = ref_sq / (self.reference_size * count) - ref_mean.pow(2)
        # each example: mu = (h + sum_r h_r) / (R + 1), sigma^2 = (h^2 + sum_r h_r^2) / (R + 1) - mu^2
        example_axes = list(range(2, h.ndim))
        own_sum = batch.sum(dim=example_axes, keepdim=True) if example_axes else batch
        own_sq = batch.pow(2).sum(dim=example_axes, keepdim=True) if example_axes else batch.pow(2)
        total = (self.reference_size + 1) * count
        mean = (own_sum + ref_sum) / total
        var = (own_sq + ref_sq) / total - mean.pow(2)
        normalised = torch.cat([(reference - ref_mean) / torch.sqrt(ref_var + self.eps),
                                (batch - mean) / torch.sqrt(var + self.eps)])
        return normalised * self.weight.view(shape) + self.bias.view(shape)


class WithReferenceBatch(nn.Module):
    """``network`` run on its fixed ``reference`` input (a buffer, saved with the weights) stacked before each batch,
    for the :class:`VirtualBatchNorm` layers inside it; returns the batch's rows. Attributes such as ``latent_dim``
    are read through to ``network``."""

    def __init__(self, network: nn.Module, reference: Tensor):
        super().__init__()
        self.network = network
        self.register_buffer("reference", reference.detach().clone())
        sizes = {module.reference_size for module in network.modules() if isinstance(module, VirtualBatchNorm)}
        if sizes != {len(reference)}:
            raise ValueError(f"the reference batch has {len(reference)} rows, and the network's VirtualBatchNorm "
                             f"layers expect {sorted(sizes) or 'none (it has no such layer)'}")

    def forward(self, x: Tensor) -> Tensor:
        return self.network(torch.cat([self.reference.to(x.dtype), x]))[len(self.reference) :]

    def __getattr__(self, name: str) -> object:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__("network"), name)
