"""Options that make a training step faster without changing its mathematics: the memory layout, mixed precision
and compilation, chosen once per run with :class:`Acceleration` and applied by the training loop to every network.

``channels_last`` stores image batches and convolution weights in NHWC order, which cuDNN and oneDNN convolutions
prefer. ``amp`` runs the networks under ``torch.autocast`` in bfloat16 or float16 while losses and optimizer states
stay in float32; float16 gradients are scaled by one ``GradScaler`` per network to avoid underflow. ``compile`` wraps
each network with ``torch.compile`` for the step; the modules themselves stay plain, so checkpoints and sampling do
not depend on these options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class Acceleration:
    """``channels_last`` (image models), ``amp`` = ``None``, ``"bf16"`` or ``"fp16"`` (for GPUs) and ``compile``."""

    channels_last: bool = False
    amp: str | None = None
    compile: bool = False

    def __post_init__(self) -> None:
        if self.amp is not None and self.amp not in AMP_DTYPES:
            raise ValueError(f"amp must be None (full precision) or one of {tuple(AMP_DTYPES)}, got {self.amp!r}")

    @property
    def memory_format(self) -> torch.memory_format:
        """The memory format batches are moved to the device in."""
        return torch.channels_last if self.channels_last else torch.preserve_format

    def prepare(self, network: nn.Module) -> Any:
        """Convert ``network`` to channels-last in place if asked; return what a step calls: the network, compiled if
        asked (for a container of networks, an ``nn.ModuleDict``, a dict of its compiled members)."""
        if self.channels_last:
            network.to(memory_format=torch.channels_last)
        if isinstance(network, nn.ModuleDict):
            return {name: self.compiled(member) for name, member in network.items()} if self.compile else network
        return self.compiled(network)

    def compiled(self, network: nn.Module) -> Any:
        """``network`` compiled with ``torch.compile`` if asked, else itself (already in its memory format)."""
        return torch.compile(network) if self.compile else network

    def autocast(self, device: torch.device) -> torch.autocast:
        """The autocast context of a step's forward passes (disabled in full precision)."""
        return torch.autocast(device.type, dtype=AMP_DTYPES.get(self.amp), enabled=self.amp is not None)

    def scaler(self, device: torch.device) -> torch.amp.GradScaler:
        """A gradient scaler for one network: active for float16 only."""
        return torch.amp.GradScaler(device.type, enabled=self.amp == "fp16")
