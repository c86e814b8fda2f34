"""Where a metric's samples come from, and the shapes and ranges it accepts.

Every metric of :mod:`gan_course.metrics` takes its generated samples as a *source*, one of

* a ``Tensor`` of samples: used as it is, all of its rows;
* a generator, an ``nn.Module`` with a ``latent_dim`` attribute (such as :class:`~gan_course.models.MLPGenerator`):
  ``n`` samples ``G(z)`` with ``z`` from the metric's ``prior`` (a :class:`~gan_course.latent.Prior` without labels;
  by default ``Normal(latent_dim)``, the prior the generator was trained with must be given otherwise) drawn with a
  ``torch.Generator`` seeded with ``seed``, in eval mode, without gradients, on the generator's device;
* a sampling function ``sample(k) -> Tensor`` returning ``k`` samples, e.g. ``ring().sample``: called once per batch
  with torch's global generators seeded with ``seed`` (their state is restored afterwards).

Samples are produced in batches of ``batch_size``. ``progress=None`` (the default) shows a progress bar for
:data:`~gan_course.progress.AUTO_MIN_SAMPLES` samples or more, ``True`` always, ``False`` never: the amount of work
decides, never the clock (:mod:`gan_course.progress`), so a notebook's output does not depend on the machine's load.
For a fixed ``seed`` the samples, and so every metric, are the same from run to run. On several processes a metric
may split the batches of a generator or a tensor over them (``shard``: each rank computes every ``world_size``-th
batch, drawing every batch's latents so that they are the same as in one process) and gather what it computes.
Conditional generators, for :func:`~gan_course.metrics.label_accuracy`, are a module called as ``G(z, y)`` or a
function ``sample(y) -> Tensor`` returning one sample per label.
"""

from __future__ import annotations

from typing import Callable, Iterator, Sequence, TypeVar, Union

import torch
from torch import Tensor, nn
from gan_course.device import default_device
from gan_course.distributed import Shard
from gan_course.eval_mode import eval_mode
from gan_course.latent.priors import Normal, Prior
from gan_course.progress import progress_bar, wants_progress

Source = Union[Tensor, nn.Module, Callable[[int], Tensor]]
ConditionalSource = Union[nn.Module, Callable[[Tensor], Tensor]]
T = TypeVar("T")


def _check_count(n: int, batch_size: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n (the number of samples to draw) must be a positive integer, got {n!r}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _progress(items: Sequence[T], progress: bool | None, samples: int, desc: str) -> Iterator[T]:
    """Yield ``items`` (batches making ``samples`` samples in all), with a bar if :func:`wants_progress` says so."""
    bar = progress_bar(len(items), desc, "batch", enabled=wants_progress(progress, samples), leave=False)
    try:
        for item in items:
            yield item
            bar.update()
    finally:
        bar.close()


def source_device(source: Source | ConditionalSource) -> torch.device:
    """The device a source computes on: a module's parameters' device, a tensor's device, else the default device."""
    if isinstance(source, Tensor):
        return source.device
    if isinstance(source, nn.Module):
        parameter = next(source.parameters(), None)
        return parameter.device if parameter is not None else default_device()
    return default_device()


def _latent_dim(generator: nn.Module) -> int:
    latent_dim = getattr(generator, "latent_dim", None)
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise TypeError(
            f"a generator module must have an integer attribute latent_dim (the size of its noise z); "
            f"{type(generator).__name__} has latent_dim={latent_dim!r}. Set it, or pass a function sample(n) -> Tensor."
        )
    return latent_dim


def noise_prior(generator: nn.Module, prior: Prior | None) -> Prior:
    """The prior of z a metric draws from: ``prior``, which must draw no labels, or ``Normal(generator.latent_dim)``."""
    if prior is None:
        return Normal(_latent_dim(generator))
    if not isinstance(prior, Prior):
        raise TypeError(f"prior must be a gan_course.latent.Prior such as Uniform(latent_dim), got {type(prior).__name__}")
    if prior.n_classes is not None:
        raise ValueError(f"{prior!r} draws labels; a metric takes the prior of z alone (the labels are the metric's): "
                         f"pass its noise prior, e.g. prior.noise")
    return prior


def batches(source: Source, n: int, batch_size: int = 500, seed: int = 0, prior: Prior | None = None,
            progress: bool | None = None, desc: str = "sampling", shard: Shard = Shard()) -> Iterator[Tensor]:
    """Yield the samples of ``source`` in batches (see the module's docstring): ``n`` of them from a generator or a
    sampling function, every row of a tensor. With a ``shard`` of several processes, only the batches ``rank``,
    ``rank + world_size``, … of a generator or a tensor (a sampling function cannot be split: refused)."""
    if isinstance(source, Tensor):
        if source.ndim == 0 or len(source) == 0:
            raise ValueError(f"the tensor of samples is empty (shape {tuple(source.shape)})")
        n = len(source)
    _check_count(n, batch_size)
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    bar = _progress(sizes, progress, n, desc)
    owned = [index % shard.world_size == shard.rank for index in range(len(sizes))]
    if isinstance(source, Tensor):
        start = 0
        for index, size in enumerate(bar):
            if owned[index]:
                yield source[start : start + size].detach()
            start += size
    elif isinstance(source, nn.Module):
        prior = noise_prior(source, prior)
        device = source_device(source)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad(), eval_mode(source):
            for index, size in enumerate(bar):
                z = prior.sample(size, generator).z  # drawn on every rank, so each batch has its one-process latents
                if owned[index]:
                    yield source(z.to(device))
    elif callable(source):
        if shard.world_size > 1:
            raise ValueError("a sampling function cannot be split over processes (its draws use torch's global "
                             "generators); pass a generator module or a tensor of samples, or one shard")
        for size in _seeded(bar, seed):
            with torch.no_grad():
                samples = source(size)
            if not isinstance(samples, Tensor) or samples.ndim == 0 or len(samples) != size:
                raise ValueError(
                    f"sample({size}) must return a tensor of {size} samples, got "
                    f"{type(samples).__name__} of shape {tuple(getattr(samples, 'shape', ()))}"
                )
            yield samples
    else:
        raise TypeError(
            f"samples must be a Tensor, a generator nn.Module with latent_dim, or a function sample(n) -> Tensor; "
            f"got {type(source).__name__}"
        )


def _seeded(items, seed: int):
    """Iterate ``items`` with torch's global generators seeded with ``seed``, restoring their state at the end."""
    with torch.random.fork_rng(devices=range(torch.cuda.device_count()) if torch.cuda.is_available() else []):
        torch.manual_seed(seed)
        yield from items


def conditional_batches(source: ConditionalSource, labels: Tensor, batch_size: int = 500, seed: int = 0,
                        prior: Prior | None = None, progress: bool | None = None,
                        desc: str = "sampling") -> Iterator[tuple[Tensor, Tensor]]:
    """Yield ``(samples, labels)`` batches: ``G(z, y)`` with z from ``prior`` for a module with ``latent_dim``,
    ``sample(y)`` otherwise."""
    if labels.ndim != 1 or len(labels) == 0 or labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise ValueError(f"labels must be a non-empty 1-D integer tensor, got {labels.dtype} of shape "
                         f"{tuple(labels.shape)}")
    _check_count(len(labels), batch_size)
    chunks = labels.split(batch_size)
    bar = _progress(chunks, progress, len(labels), desc)
    if isinstance(source, nn.Module):
        prior = noise_prior(source, prior)
        device = source_device(source)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad(), eval_mode(source):
            for y in bar:
                yield source(prior.sample(len(y), generator).z.to(device), y.to(device)), y
    elif callable(source):
        for y in _seeded(bar, seed):
            with torch.no_grad():
                samples = source(y)
            if not isinstance(samples, Tensor) or samples.ndim == 0 or len(samples) != len(y):
                raise ValueError(f"sample(labels) must return one sample per label ({len(y)}), got "
                                 f"{type(samples).__name__} of shape {tuple(getattr(samples, 'shape', ()))}")
            yield samples, y
    else:
        raise TypeError(f"a conditional generator must be an nn.Module with latent_dim called as G(z, y), or a "
                        f"function sample(labels) -> Tensor; got {type(source).__name__}")


def check_points(samples: Tensor, dim: int) -> Tensor:
    """``samples`` as a float64 CPU tensor of shape (N, ``dim``); a clear error for another shape or NaN/inf."""
    if dim == 1 and samples.ndim == 1:
        samples = samples.unsqueeze(1)
    if samples.ndim != 2 or samples.shape[1] != dim:
        raise ValueError(f"samples must have shape (N, {dim}), got {tuple(samples.shape)}")
    samples = samples.detach().to("cpu", torch.float64)
    if not bool(torch.isfinite(samples).all()):
        raise ValueError("samples contain NaN or infinite values: the generator diverged, or the data are broken")
    return samples


def check_images(images: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``images`` unchanged if they have shape (N, *``shape``) and finite values in [-1, 1]; else a clear error."""
    if images.ndim != len(shape) + 1 or tuple(images.shape[1:]) != tuple(shape):
        raise ValueError(f"images must have shape (N, {', '.join(map(str, shape))}), got {tuple(images.shape)}")
    if not bool(torch.isfinite(images).all()):
        raise ValueError("images contain NaN or infinite values: the generator diverged, or the data are broken")
    low, high = float(images.min()), float(images.max())
    if low < -1 or high > 1:
        raise ValueError(
            f"image values must lie in [-1, 1] (the scaling of gan_course.data and of a tanh generator); got "
            f"[{low:.3g}, {high:.3g}]. Rescale them first, e.g. x * 2 - 1 for images in [0, 1] or x / 127.5 - 1 "
            f"for bytes."
        )
    return images
