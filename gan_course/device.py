"""The one place where the course chooses the device it computes on.

Every chapter and the command line call :func:`default_device`; nothing else in the course names ``cuda``, ``mps`` or
``cpu``. The order is CUDA, then Apple's Metal (MPS), then the CPU. Set ``GAN_COURSE_DEVICE`` (for example to ``cpu``)
to force a device, e.g. to compare a GPU run with a CPU run on the same machine.
"""

from __future__ import annotations

import os

import torch

DEVICE_ENV = "GAN_COURSE_DEVICE"


def default_device() -> torch.device:
    """Return ``$GAN_COURSE_DEVICE`` if set, else the first available of CUDA, MPS and CPU."""
    forced = os.environ.get(DEVICE_ENV)
    if forced:
        try:
            device = torch.device(forced)
        except RuntimeError as error:
            raise ValueError(
                f"{DEVICE_ENV}={forced!r} is not a torch device; use e.g. 'cpu', 'cuda', 'cuda:1' or 'mps', "
                f"or unset {DEVICE_ENV} to pick one automatically."
            ) from error
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
