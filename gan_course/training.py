"""One training loop for every chapter: Algorithm 1 of Goodfellow et al. (2014), with the loss passed in.

Each iteration makes ``d_steps`` (the paper's *k*) discriminator updates on fresh real and fake batches, then one
generator update. Generator and discriminator keep their own optimizers. The loop records a history (losses, the mean
of D(x) and of D(G(z))), keeps sample snapshots from a fixed noise batch, shows a progress bar, stops with a clear
message when training diverges, and saves checkpoints that a later run resumes bit for bit (on the CPU).

Three options make a step faster without changing its mathematics: ``channels_last`` (NHWC memory layout, which
cuDNN and oneDNN convolutions prefer), ``amp`` (mixed precision: the networks run under ``torch.autocast`` in bfloat16
or float16, losses and optimizer states stay in float32, float16 gradients are scaled to avoid underflow) and
``compile`` (``torch.compile`` on both networks). The step itself never waits for the device: losses stay on it
until the history is flushed every ``log_every`` steps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from gan_course.eval_mode import eval_mode
from gan_course.losses import clip_weights_
from gan_course.seed import rng_state, set_rng_state

DiscriminatorLoss = Callable[[Tensor, Tensor], Tensor]
GeneratorLoss = Callable[[Tensor], Tensor]
NOISE = ("normal", "uniform")
AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
ORDERS = ("d_first", "g_first")
D_OUTPUTS = ("logit", "score")
Penalty = Callable[[nn.Module, Tensor, Tensor], Tensor]
RECORDED = ("d_loss", "g_loss", "d_real", "d_fake")


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or infinite."""


@dataclass
class History:
    """Per generator step: both losses and the means of D(x) and D(G(z)); plus ``(step, samples)`` snapshots."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, Tensor]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.step)

    def state_dict(self) -> dict[str, Any]:
        return {name: list(getattr(self, name)) for name in ("step", *RECORDED, "snapshots")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, values in state.items():
            setattr(self, name, list(values))


class GANTrainer:
    r"""Alternating GAN updates (Goodfellow et al. 2014, Algorithm 1).

    ``data`` yields real batches (e.g. a :class:`~gan_course.data.TensorStream`); if it has ``state_dict`` its
    position is saved in checkpoints. ``d_loss(real_logits, fake_logits)`` and ``g_loss(fake_logits)`` come from
    :mod:`gan_course.losses` or a later chapter. Noise is drawn from N(0, I) (``noise="normal"``) or U(-1, 1)
    (``"uniform"``) with ``latent_dim`` entries, on the generator's device. ``order="g_first"`` swaps the updates
    of an iteration (G, then the ``d_steps`` updates of D) for the ablation of the DCGAN chapter.

    D's raw outputs go to the losses. ``d_output="logit"`` (the GAN's D) records the means of $\sigma(\text{output})$,
    i.e. D(x) and D(G(z)), in the history; ``d_output="score"`` (an LSGAN discriminator, a WGAN critic) records the
    means of the raw outputs. ``d_penalty(discriminator, real, fake)`` (e.g. :func:`gan_course.losses.gradient_penalty`)
    is added to D's loss; ``clip_weights=c`` clips D's parameters into [-c, c] after each of its updates
    (:func:`gan_course.losses.clip_weights_`, WGAN).

    Conditional GANs (Mirza & Osindero 2014): with ``n_classes``, ``data`` yields ``(examples, labels)`` pairs, the
    networks are called as ``G(z, y)`` and ``D(x, y)``, and the fakes of each update get labels drawn uniformly from
    the ``n_classes`` classes. The snapshots use fixed labels ``0, 1, ..., n_classes - 1, 0, 1, ...``.

    Speed options (module docstring): ``channels_last=True`` for image models, ``amp="bf16"`` or ``"fp16"`` (meant
    for GPUs; float16 uses one gradient scaler per network), ``compile=True``. :attr:`generator` and
    :attr:`discriminator` stay the uncompiled modules, so checkpoints and sampling do not depend on these options.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        g_optimizer: torch.optim.Optimizer,
        d_optimizer: torch.optim.Optimizer,
        data: Iterator[Tensor],
        d_loss: DiscriminatorLoss,
        g_loss: GeneratorLoss,
        latent_dim: int,
        d_steps: int = 1,
        order: str = "d_first",
        noise: str = "normal",
        d_output: str = "logit",
        d_penalty: Penalty | None = None,
        clip_weights: float | None = None,
        n_classes: int | None = None,
        snapshot_every: int = 0,
        n_snapshot: int = 64,
        log_every: int = 10,
        progress: bool = True,
        channels_last: bool = False,
        amp: str | None = None,
        compile: bool = False,
    ):
        if d_steps < 1:
            raise ValueError(f"d_steps (k discriminator updates per generator update) must be >= 1, got {d_steps}")
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS} (which network an iteration updates first), got {order!r}")
        if d_output not in D_OUTPUTS:
            raise ValueError(f"d_output must be one of {D_OUTPUTS} (what D's output is), got {d_output!r}")
        if clip_weights is not None and not clip_weights > 0:
            raise ValueError(f"clip_weights must be None (no clipping) or a positive number such as 0.01, got {clip_weights}")
        if n_classes is not None and (n_classes < 2 or d_penalty is not None):
            raise ValueError(f"n_classes must be at least 2 (got {n_classes}), and a conditional GAN cannot take "
                             f"d_penalty here (the penalty's critic would need the labels)")
        if noise not in NOISE:
            raise ValueError(f"noise must be one of {NOISE}, got {noise!r}")
        if latent_dim < 1 or log_every < 1 or snapshot_every < 0 or n_snapshot < 1:
            raise ValueError(
                f"need latent_dim >= 1, log_every >= 1, snapshot_every >= 0 (0: none) and n_snapshot >= 1; got "
                f"{latent_dim}, {log_every}, {snapshot_every}, {n_snapshot}"
            )
        if amp is not None and amp not in AMP_DTYPES:
            raise ValueError(f"amp must be None (full precision) or one of {tuple(AMP_DTYPES)}, got {amp!r}")
        self.generator = generator
        self.discriminator = discriminator
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.data = data
        self.d_loss = d_loss
        self.g_loss = g_loss
        self.latent_dim = latent_dim
        self.d_steps = d_steps
        self.order = order
        self.d_output = d_output
        self.d_penalty = d_penalty
        self.clip_weights = clip_weights
        self.n_classes = n_classes
        self.noise_kind = noise
        self.snapshot_every = snapshot_every
        self.log_every = log_every
        self.progress = progress
        self.device = next(generator.parameters()).device
        self.memory_format = torch.channels_last if channels_last else torch.preserve_format
        if channels_last:
            generator.to(memory_format=torch.channels_last)
            discriminator.to(memory_format=torch.channels_last)
        self.amp = amp
        self._autocast_dtype = AMP_DTYPES[amp] if amp is not None else None
        self._scalers = {
            name: torch.amp.GradScaler(self.device.type, enabled=amp == "fp16") for name in ("generator", "discriminator")
        }
        self._g = torch.compile(generator) if compile else generator
        self._d = torch.compile(discriminator) if compile else discriminator
        self.step = 0
        self.history = History()
        self.fixed_noise = self.noise(n_snapshot)
        self.fixed_labels = torch.arange(n_snapshot, device=self.device) % n_classes if n_classes else None
        self._pending: list[Tensor] = []

    def noise(self, n: int) -> Tensor:
        """A batch of ``n`` latent vectors z ~ p_z."""
        if self.noise_kind == "normal":
            return torch.randn(n, self.latent_dim, device=self.device)
        return torch.rand(n, self.latent_dim, device=self.device) * 2 - 1

    def labels(self, n: int) -> Tensor | None:
        """Labels for ``n`` fakes, uniform over the classes; None for an unconditional GAN."""
        return torch.randint(self.n_classes, (n,), device=self.device) if self.n_classes else None

    @staticmethod
    def _call(net: nn.Module, inputs: Tensor, labels: Tensor | None) -> Tensor:
        """``net(inputs)``, or ``net(inputs, labels)`` for a conditional GAN."""
        return net(inputs) if labels is None else net(inputs, labels)

    def _autocast(self) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=self._autocast_dtype, enabled=self.amp is not None)

    def _update(self, name: str, optimizer: torch.optim.Optimizer, loss: Tensor) -> None:
        """Backward and optimizer step; with float16 through the network's gradient scaler."""
        scaler = self._scalers[name]
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    def discriminator_step(self, real: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """One update of D on ``real`` (with their ``labels`` if conditional) and as many fakes; returns (loss,
        mean D(x), mean D(G(z))), unsynced."""
        fake_labels = self.labels(len(real))
        with self._autocast():
            with torch.no_grad():
                fake = self._call(self._g, self.noise(len(real)), fake_labels)
            real_out = self._call(self._d, real, labels).float()
            fake_out = self._call(self._d, fake, fake_labels).float()
        loss = self.d_loss(real_out, fake_out)
        if self.d_penalty is not None:
            loss = loss + self.d_penalty(self.discriminator, real, fake.float())
        self._update("discriminator", self.d_optimizer, loss)
        if self.clip_weights is not None:
            clip_weights_(self.discriminator, self.clip_weights)
        summary = torch.sigmoid if self.d_output == "logit" else torch.Tensor.detach
        return loss.detach(), summary(real_out.detach()).mean(), summary(fake_out.detach()).mean()

    def generator_step(self, batch_size: int) -> Tensor:
        """One update of G through a frozen D; returns the generator loss, unsynced."""
        self.discriminator.requires_grad_(False)
        try:
            with self._autocast():
                labels = self.labels(batch_size)
                fake_logits = self._call(self._d, self._call(self._g, self.noise(batch_size), labels), labels).float()
            loss = self.g_loss(fake_logits)
            self._update("generator", self.g_optimizer, loss)
        finally:
            self.discriminator.requires_grad_(True)
        return loss.detach()

    def _next_real(self) -> tuple[Tensor, Tensor | None]:
        batch = next(self.data)
        if self.n_classes:
            if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                raise ValueError("a conditional GAN (n_classes set) needs data that yields (examples, labels) pairs, "
                                 "e.g. TensorStream(images, batch_size, labels=labels)")
            batch, labels = batch
            return self._to_device(batch), labels.to(self.device, non_blocking=True)
        return self._to_device(batch), None

    def _to_device(self, batch: Tensor) -> Tensor:
        return batch.to(self.device, non_blocking=True, memory_format=self.memory_format)

    def train_step(self) -> None:
        """One iteration of Algorithm 1: ``d_steps`` updates of D, then one of G (the other way round with
        ``order="g_first"``); the last D step is recorded."""
        real, labels = self._next_real()
        if self.order == "g_first":
            g_loss = self.generator_step(len(real))
        for i in range(self.d_steps):
            if i:
                real, labels = self._next_real()
            d_loss, d_real, d_fake = self.discriminator_step(real, labels)
        if self.order == "d_first":
            g_loss = self.generator_step(len(real))
        self.step += 1
        self._pending.append(torch.stack([d_loss, g_loss, d_real, d_fake]).float())

    @torch.no_grad()
    def sample(self, n: int | None = None, noise: Tensor | None = None, labels: Tensor | None = None) -> Tensor:
        """Samples from G in eval mode (``noise`` given, or ``n`` fresh draws), on the CPU. A conditional GAN needs
        ``labels`` with given ``noise``; with fresh noise they default to uniform draws."""
        fresh = noise is None
        if fresh:
            noise = self.noise(n if n is not None else len(self.fixed_noise))
        if self.n_classes and labels is None:
            if noise is self.fixed_noise:
                labels = self.fixed_labels
            elif fresh:
                labels = self.labels(len(noise))
            else:
                raise ValueError("this GAN is conditional: pass labels=... (one class index per noise vector)")
        with eval_mode(self.generator):
            return self._call(self.generator, noise.to(self.device), None if labels is None else labels.to(self.device)).cpu()

    def _flush(self) -> None:
        """Move pending records to the history (one device sync) and stop if anything became NaN or infinite."""
        if not self._pending:
            return
        values = torch.stack(self._pending).cpu()
        first = self.step - len(values) + 1
        self._pending = []
        bad = ~torch.isfinite(values)
        if bool(bad.any()):
            row, column = (int(i) for i in bad.nonzero()[0])
            raise TrainingDiverged(
                f"training diverged: {RECORDED[column]} became {values[row, column].item()} at step {first + row}. "
                f"Lower the learning rates, check that the data are scaled to the generator's output range, "
                f"or resume from an earlier checkpoint."
            )
        for net_name, net in (("generator", self.generator), ("discriminator", self.discriminator)):
            for name, parameter in net.named_parameters():
                if not bool(torch.isfinite(parameter).all()):
                    raise TrainingDiverged(
                        f"training diverged: the {net_name}'s weight {name!r} became non-finite by step {self.step} "
                        f"(checked every {self.log_every} steps). Lower the learning rates or resume from a checkpoint."
                    )
        self.history.step.extend(range(first, self.step + 1))
        for column, name in enumerate(RECORDED):
            getattr(self.history, name).extend(values[:, column].tolist())

    def _snapshot(self) -> None:
        """Samples of the fixed noise batch at step 0 and every ``snapshot_every`` steps (so a resumed run matches)."""
        if self.snapshot_every:
            self.history.snapshots.append((self.step, self.sample(noise=self.fixed_noise)))

    def fit(self, steps: int, checkpoint: str | Path | None = None, checkpoint_every: int = 1000) -> History:
        """Train until ``steps`` generator updates have been made in all; return the history.

        With ``checkpoint``, a checkpoint at that path is resumed first (when nothing has been trained yet), saved
        every ``checkpoint_every`` steps and at the end: re-running an interrupted cell continues the run.
        """
        if steps < self.step:
            raise ValueError(f"steps={steps} is fewer than the {self.step} steps already made; fit trains *until* steps")
        if checkpoint is not None and self.step == 0 and Path(checkpoint).is_file():
            self.load_checkpoint(checkpoint)
            print(f"Resumed from {checkpoint} at step {self.step}.")
        if self.step == 0 and not self.history.snapshots:
            self._snapshot()
        bar = tqdm(total=steps, initial=self.step, disable=not self.progress, desc="training", unit="step")
        try:
            while self.step < steps:
                self.train_step()
                if self.step % self.log_every == 0 or self.step == steps:
                    self._flush()
                    bar.set_postfix(
                        d_loss=f"{self.history.d_loss[-1]:.3f}",
                        g_loss=f"{self.history.g_loss[-1]:.3f}",
                        refresh=False,
                    )
                    bar.update(self.step - bar.n)
                if self.snapshot_every and self.step % self.snapshot_every == 0:
                    self._snapshot()
                if checkpoint is not None and self.step % checkpoint_every == 0:
                    self.save_checkpoint(checkpoint)
        finally:
            bar.close()
        self._flush()
        if checkpoint is not None:
            self.save_checkpoint(checkpoint)
        return self.history

    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs: weights, optimizer states, RNG states, data position, step and history."""
        self._flush()
        state = {
            "step": self.step,
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
            "fixed_noise": self.fixed_noise.cpu(),
            "fixed_labels": None if self.fixed_labels is None else self.fixed_labels.cpu(),
            "history": self.history.state_dict(),
            "rng": rng_state(),
            "scalers": {name: scaler.state_dict() for name, scaler in self._scalers.items()},
        }
        if hasattr(self.data, "state_dict"):
            state["data"] = self.data.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        for name, scaler_state in state.get("scalers", {}).items():
            if scaler_state:
                self._scalers[name].load_state_dict(scaler_state)
        self.fixed_noise = state["fixed_noise"].to(self.device)
        if state.get("fixed_labels") is not None:
            self.fixed_labels = state["fixed_labels"].to(self.device)
        self.history = History()
        self.history.load_state_dict(state["history"])
        self.step = int(state["step"])
        self._pending = []
        if "data" in state:
            self.data.load_state_dict(state["data"])
        set_rng_state(state["rng"])

    def save_checkpoint(self, path: str | Path) -> None:
        """Write :meth:`state_dict` to ``path`` atomically (a crash mid-write leaves the old checkpoint intact)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a checkpoint written by :meth:`save_checkpoint` (loaded with ``weights_only=True``)."""
        self.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
