"""Reproducibility: one call seeds every random number generator a run touches.

Follows PyTorch's "Reproducibility" notes: seed Python, NumPy and torch (all devices), ask cuDNN for deterministic
kernels, and give DataLoader workers seeds derived from the loader's generator (:func:`seed_worker`).
"""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int, deterministic: bool = True) -> torch.Generator:
    """Seed Python, NumPy and torch with ``seed``; return a ``torch.Generator`` for a ``DataLoader``.

    With ``deterministic=True`` cuDNN picks deterministic algorithms (runs on the CPU are deterministic anyway).
    Pass the returned generator as ``DataLoader(generator=...)`` together with ``worker_init_fn=seed_worker`` so that
    shuffling and every worker's augmentations repeat from run to run.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = not deterministic
    return torch.Generator().manual_seed(seed)


def seed_worker(worker_id: int) -> None:
    """``worker_init_fn`` for a ``DataLoader``: seed NumPy and ``random`` in each worker from torch's worker seed."""
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


def rng_state() -> dict:
    """The state of every generator :func:`seed_everything` seeds, in a form ``torch.load(weights_only=True)`` reads."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore generators saved by :func:`rng_state`, so a resumed run draws the numbers the original would have."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
