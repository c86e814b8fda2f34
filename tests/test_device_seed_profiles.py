"""Device choice, seeding and run-size profiles."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from gan_course import device as device_module
from gan_course.device import default_device
from gan_course.profiles import current_profile, run_sizes
from gan_course.seed import rng_state, seed_everything, seed_worker, set_rng_state


def test_device_order_is_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert default_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert default_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert default_device() == torch.device("cpu")


def test_device_can_be_forced_and_a_bad_name_is_explained(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv(device_module.DEVICE_ENV, "cpu")
    assert default_device() == torch.device("cpu")
    monkeypatch.setenv(device_module.DEVICE_ENV, "gpu0")
    with pytest.raises(ValueError, match="GAN_COURSE_DEVICE='gpu0' is not a torch device"):
        default_device()


def _draws() -> tuple[float, float, torch.Tensor]:
    return random.random(), float(np.random.rand()), torch.randn(5)


def test_seed_everything_repeats_python_numpy_and_torch_draws():
    seed_everything(123)
    first = _draws()
    seed_everything(123)
    second = _draws()
    seed_everything(124)
    other = _draws()
    assert first[:2] == second[:2] and torch.equal(first[2], second[2])
    assert first[0] != other[0] and not torch.equal(first[2], other[2])


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True])
def test_seed_everything_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be an integer"):
        seed_everything(seed)


class _NumpyNoise(Dataset):
    """Each item draws from NumPy's global generator, as augmentations in DataLoader workers often do."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> torch.Tensor:
        return torch.tensor([index, np.random.rand()])


def _epoch(seed: int) -> torch.Tensor:
    generator = seed_everything(seed)
    loader = DataLoader(_NumpyNoise(), batch_size=4, shuffle=True, num_workers=2, worker_init_fn=seed_worker,
                        generator=generator)
    return torch.cat(list(loader))


def test_dataloader_workers_repeat_shuffling_and_numpy_draws():
    first, second = _epoch(7), _epoch(7)
    assert torch.equal(first, second)
    assert not torch.equal(first, _epoch(8))
    assert len(set(first[:, 1].tolist())) == 8  # workers do not share one NumPy stream


def test_rng_state_round_trip_restores_every_generator():
    seed_everything(5)
    state = rng_state()
    expected = _draws()
    _draws()
    set_rng_state(state)
    again = _draws()
    assert expected[:2] == again[:2] and torch.equal(expected[2], again[2])


def test_profile_defaults_to_cpu_without_cuda_and_follows_the_environment(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_PROFILE", raising=False)
    monkeypatch.delenv("GAN_COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert current_profile() == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert current_profile() == "gpu"
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    assert current_profile() == "fast"
    monkeypatch.setenv("GAN_COURSE_PROFILE", "huge")
    with pytest.raises(ValueError, match="GAN_COURSE_PROFILE='huge' is not a run profile"):
        current_profile()


def test_run_sizes_pick_the_active_profile(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    sizes = run_sizes(fast=dict(steps=10, batch=8), cpu=dict(steps=100, batch=64), gpu=dict(steps=1000, batch=256))
    assert sizes.profile == "fast" and sizes.steps == 10 and sizes["batch"] == 8 and dict(sizes) == {"steps": 10, "batch": 8}
    monkeypatch.setenv("GAN_COURSE_PROFILE", "gpu")
    assert run_sizes(fast=dict(steps=1), cpu=dict(steps=2), gpu=dict(steps=3)).steps == 3
    with pytest.raises(AttributeError, match="run size 'epochs' is not defined"):
        sizes.epochs


def test_run_sizes_must_define_the_same_names_in_every_profile():
    with pytest.raises(ValueError, match=r"profile 'gpu' must define the same sizes as 'fast'; missing \['batch'\]"):
        run_sizes(fast=dict(steps=1, batch=2), cpu=dict(steps=1, batch=2), gpu=dict(steps=1))
