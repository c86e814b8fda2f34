"""``with eval_mode(net):`` — a network in evaluation mode for the block, its previous mode restored afterwards.

Sampling and measuring must not update batch-norm statistics or apply dropout, and must leave a network that is being
trained in training mode; every sampler and metric of the course goes through this one context manager.
"""

from __future__ import annotations

from torch import nn


class eval_mode:
    """Put a module in eval mode inside a ``with`` block and restore its mode afterwards (also on an exception)."""

    def __init__(self, module: nn.Module):
        self.module = module

    def __enter__(self) -> nn.Module:
        self.training = self.module.training
        self.module.eval()
        return self.module

    def __exit__(self, *exc) -> None:
        self.module.train(self.training)
