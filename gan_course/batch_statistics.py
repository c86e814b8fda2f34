"""``with batch_statistics(net):`` — a network run the way it runs in training, without training it.

A network with batch normalisation computes something different in eval mode (running averages of past batches'
statistics) and in train mode (each batch's own statistics). A discriminator is trained in train mode on all-real and
all-fake batches, so its eval-mode verdict on a digit is not the verdict it learnt to give. Inside the block every
batch-norm layer normalises by the batch's own statistics, as in training, while every other layer is in eval mode
(no dropout) and the running statistics are left as they were: measuring changes nothing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Callable

import torch
from torch import nn

from gan_course.eval_mode import eval_mode

BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
BATCH_NORM_MODES = ("batch", "running")


class batch_statistics:
    """Batch norm on batch statistics inside a ``with`` block, running statistics and modes restored afterwards."""

    def __init__(self, module: nn.Module):
        self.module = module

    def __enter__(self) -> nn.Module:
        self.modes = [(m, m.training) for m in self.module.modules()]
        self.buffers = [buffer.detach().clone() for buffer in self.module.buffers()]
        self.module.eval()
        for layer in self.module.modules():
            if isinstance(layer, BATCH_NORMS):
                layer.train()
        return self.module

    def __exit__(self, *exc) -> None:
        with torch.no_grad():
            for buffer, saved in zip(self.module.buffers(), self.buffers):
                buffer.copy_(saved)
        for layer, training in self.modes:
            layer.training = training


def batch_norm_mode(batch_norm: str) -> Callable[[nn.Module], AbstractContextManager]:
    """The context a measurement runs a network in: ``"batch"`` — :class:`batch_statistics`, as in training;
    ``"running"`` — eval mode, batch norm on its running statistics."""
    if batch_norm not in BATCH_NORM_MODES:
        raise ValueError(f"batch_norm must be one of {BATCH_NORM_MODES} ('batch': each batch's statistics, as in "
                         f"training; 'running': eval mode), got {batch_norm!r}")
    return batch_statistics if batch_norm == "batch" else eval_mode
