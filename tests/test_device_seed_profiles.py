"""Device choice, seeding and run-size profiles."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from gan_course import device as device_module
from gan_course.device import DeviceError, default_device
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
    with pytest.raises(DeviceError, match="GAN_COURSE_DEVICE='gpu0' is not a torch device"):
        default_device()


@pytest.mark.parametrize("forced, gpus, message", [
    ("gpu", 0, "'gpu' is not a torch device; use e.g. 'cpu', 'cuda', 'cuda:1' or 'mps'"),
    ("cuda", 0, "'cuda', but torch sees no CUDA GPU on this machine .* set it to 'cpu'"),
    ("cuda:1", 0, "'cuda:1', but torch sees no CUDA GPU"),
    ("cuda:3", 1, "'cuda:3', but this machine has 1 CUDA device \\(cuda:0 to cuda:0\\)"),
    ("mps", 0, "'mps', but Apple's Metal \\(MPS\\) is not available on this machine"),
    ("meta", 0, "'meta': the course runs on cpu, cuda, mps, not 'meta'"),
])
def test_a_forced_device_this_machine_does_not_have_is_refused(forced, gpus, message, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setenv(device_module.DEVICE_ENV, forced)
    with pytest.raises(DeviceError, match=f"GAN_COURSE_DEVICE={message}"):
        default_device()


def test_a_forced_device_that_exists_is_used(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setenv(device_module.DEVICE_ENV, "cuda:1")
    assert default_device() == torch.device("cuda", 1)


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


def test_run_sizes_given_plain_values_or_an_unknown_profile_say_what_is_wrong(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    with pytest.raises(TypeError, match=r"run_sizes takes each profile's sizes by name, e\.g\. .*; got fast=10"):
        run_sizes(fast=10, cpu=100, gpu=1000)
    monkeypatch.setenv("GAN_COURSE_PROFILE", "laptop")
    with pytest.raises(ValueError, match="GAN_COURSE_PROFILE='laptop' is not a run profile; use one of fast, cpu, "
                                         "gpu"):
        run_sizes(fast=dict(steps=1), cpu=dict(steps=2), gpu=dict(steps=3))
