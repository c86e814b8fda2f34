"""The one place where the course chooses the device it computes on.

Every chapter and the command line call :func:`default_device`; nothing else in the course names ``cuda``, ``mps`` or
``cpu``. The order is CUDA, then Apple's Metal (MPS), then the CPU. Set ``GAN_COURSE_DEVICE`` (for example to ``cpu``)
to force a device, e.g. to compare a GPU run with a CPU run on the same machine; a forced device that this machine
does not have is refused with a :class:`DeviceError` before anything runs. Under ``torchrun`` each process computes on
its own GPU, ``cuda:LOCAL_RANK`` (:mod:`gan_course.distributed`).
"""

from __future__ import annotations

import os

import torch

DEVICE_ENV = "GAN_COURSE_DEVICE"
DEVICE_TYPES = ("cpu", "cuda", "mps")


class DeviceError(ValueError):
    """``GAN_COURSE_DEVICE`` names no device, or one this machine does not have; the message says what to set."""


def default_device() -> torch.device:
    """Return ``$GAN_COURSE_DEVICE`` if set (checked to exist here), else the first available of CUDA, MPS and CPU;
    CUDA is ``cuda:LOCAL_RANK`` in a process that ``torchrun`` started (one GPU per process)."""
    forced = os.environ.get(DEVICE_ENV)
    if forced:
        return _forced_device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ["LOCAL_RANK"])) if "LOCAL_RANK" in os.environ \
            else torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def _forced_device(forced: str) -> torch.device:
    """The device ``GAN_COURSE_DEVICE=forced`` names, or a :class:`DeviceError` saying why it cannot be used."""
    unset = f"or unset {DEVICE_ENV} to pick one automatically"
    try:
        device = torch.device(forced)
    except RuntimeError as error:
        raise DeviceError(f"{DEVICE_ENV}={forced!r} is not a torch device; use e.g. 'cpu', 'cuda', 'cuda:1' or "
                          f"'mps', {unset}.") from error
    if device.type not in DEVICE_TYPES:
        raise DeviceError(f"{DEVICE_ENV}={forced!r}: the course runs on {', '.join(DEVICE_TYPES)}, not "
                          f"{device.type!r}; {unset}.")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"{DEVICE_ENV}={forced!r}, but torch sees no CUDA GPU on this machine (no GPU, no "
                              f"driver, or a CPU-only build of torch): set it to 'cpu', {unset}.")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise DeviceError(f"{DEVICE_ENV}={forced!r}, but this machine has {count} CUDA device"
                              f"{'s' if count != 1 else ''} (cuda:0 to cuda:{count - 1}): choose one of those, "
                              f"{unset}.")
    if device.type == "mps" and not _mps_available():
        raise DeviceError(f"{DEVICE_ENV}={forced!r}, but Apple's Metal (MPS) is not available on this machine: set "
                          f"it to 'cpu', {unset}.")
    return device
