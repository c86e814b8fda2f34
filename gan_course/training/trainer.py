"""One training loop for every chapter: a generator and a discriminator, an objective, a latent prior, a step and
hooks.

:class:`GANTrainer` owns the networks, their optimizers, the data stream, the history and the checkpoints; what a
GAN *is* comes in as objects: the :class:`~gan_course.losses.Objective` (its losses and needs), the
:class:`~gan_course.latent.Prior` (how z, labels and codes are drawn), the step (one iteration, by default
:class:`~gan_course.training.AlternatingStep`, Algorithm 1 of Goodfellow et al. 2014) and the hooks (snapshots,
checkpoints, the progress bar, schedules). A new GAN plugs in one of these; the loop does not change.

The loop never waits for the device inside a step: the scalars a step returns stay on it until they are flushed to
the history every ``log_every`` steps, where the :class:`~gan_course.training.DivergenceGuard` checks them. On the
CPU a run is deterministic, and a checkpoint resumes it bit for bit.

Launched by ``torchrun`` on several processes, the same trainer trains data-parallel (:mod:`gan_course.distributed`):
the network a step updates is called through ``DistributedDataParallel``, latents are each rank's rows of the global
draw, the recorded scalars are averaged over the ranks, Ctrl-C and divergence stop every rank at the same step, and a
checkpoint (written by rank 0) holds every rank's random state.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import torch
from torch import Tensor, nn

from gan_course.atomic_file import atomic_file
from gan_course.distributed import any_rank, average, current_shard, from_main, gather, is_main, local_rows, wrap
from gan_course.eval_mode import eval_mode
from gan_course.latent.priors import Latent, Prior
from gan_course.losses.objective import Objective, Terms
from gan_course.seed import rng_state, set_rng_state
from gan_course.training.acceleration import Acceleration
from gan_course.training.checkpoint import CheckpointError, CheckpointWriteError, check_networks, read_checkpoint
from gan_course.training.history import History
from gan_course.training.hooks import DivergenceGuard, Hook, hook_keys
from gan_course.training.interrupt import TrainingInterrupted, interrupt_between_steps
from gan_course.training.step_view import StepView, frozen
from gan_course.training.steps import AlternatingStep, Step


def call_generator(generator: Any, latent: Latent) -> Tensor:
    """``G(z)``, or ``G(z, y)`` when the latent batch has labels (a conditional GAN)."""
    return generator(latent.z) if latent.labels is None else generator(latent.z, latent.labels)


class _ByName:
    """A GAN's ``trainer.generator`` (or ``discriminator``, ``g_optimizer``, ``d_optimizer``): one entry of the
    trainer's networks or optimizers, read and written by attribute; a trainer without it says what it has."""

    def __init__(self, table: str, key: str):
        self.table, self.key = table, key

    def __get__(self, trainer: GANTrainer | None, owner: type | None = None) -> Any:
        if trainer is None:
            return self
        entries = getattr(trainer, self.table)
        if self.key not in entries:
            raise AttributeError(f"this trainer has no {self.table[:-1]} named {self.key!r} (it has "
                                 f"{', '.join(entries)}); a model built with GANTrainer.of_networks reads its own by "
                                 f"name, e.g. trainer.{self.table}[{next(iter(entries))!r}]")
        return entries[self.key]

    def __set__(self, trainer: GANTrainer, value: Any) -> None:
        getattr(trainer, self.table)[self.key] = value


class GANTrainer:
    r"""Train ``generator`` and ``discriminator`` with ``objective`` on ``data``, drawing latents from ``prior``.

    ``data`` yields real batches, or ``(examples, labels)`` pairs for a conditional GAN (a prior with labels); if it
    has ``state_dict`` its position is checkpointed. ``step`` is one iteration (default: :class:`AlternatingStep` with
    the objective's $k$). ``hooks`` run around the steps (:mod:`~gan_course.training.hooks`); a
    :class:`DivergenceGuard` is always among them. ``n_fixed`` latents are drawn once, when the trainer is built
    (:attr:`fixed_latent`): snapshots and before/after figures show the same inputs throughout training.
    ``acceleration`` sets channels-last, mixed precision and compilation (:class:`Acceleration`).

    A model with other networks than one G and one D (CycleGAN's two generators and two discriminators, an encoder,
    a Q head with its own optimizer) is built with :meth:`of_networks`: networks and optimizers by name, its own step,
    and optionally no objective and no prior. Everything else of the loop (history, hooks, checkpoints, resuming,
    mixed precision) works for it unchanged; the step sees the trainer through a
    :class:`~gan_course.training.step_view.StepView`, the declared interface.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        g_optimizer: torch.optim.Optimizer,
        d_optimizer: torch.optim.Optimizer,
        data: Iterator[Any],
        objective: Objective,
        prior: Prior | None,
        step: Step | None = None,
        hooks: Sequence[Hook] = (),
        n_fixed: int = 64,
        log_every: int = 10,
        acceleration: Acceleration | None = None,
    ):
        if not isinstance(objective, Objective):
            raise TypeError(f"objective must be a gan_course.losses.Objective such as NonSaturating() or WGANGP(), "
                            f"got {type(objective).__name__}")
        self._setup({"generator": generator, "discriminator": discriminator},
                    {"generator": g_optimizer, "discriminator": d_optimizer}, data, step or AlternatingStep(),
                    objective, prior, hooks, n_fixed, log_every, acceleration)

    @classmethod
    def of_networks(
        cls,
        networks: Mapping[str, nn.Module],
        optimizers: Mapping[str, torch.optim.Optimizer],
        data: Iterator[Any],
        step: Step,
        objective: Objective | None = None,
        prior: Prior | None = None,
        hooks: Sequence[Hook] = (),
        n_fixed: int = 64,
        log_every: int = 10,
        acceleration: Acceleration | None = None,
    ) -> GANTrainer:
        """A trainer of any set of ``networks`` and ``optimizers``, each by name, driven by ``step``.

        ``step(view)`` makes one iteration through the :class:`~gan_course.training.step_view.StepView` it is given
        (``view.update(optimizer_name, loss)`` steps one optimizer). ``objective`` and ``prior`` are optional: a
        model without latents (CycleGAN) has no prior, one whose step computes its own losses no objective. A network
        named ``"generator"`` with a prior makes :meth:`sample` work; without one, give a
        :class:`~gan_course.training.Snapshots` hook its own ``sample`` function."""
        if objective is not None and not isinstance(objective, Objective):
            raise TypeError(f"objective must be a gan_course.losses.Objective or None, got {type(objective).__name__}")
        if not callable(step):
            raise TypeError(f"step must be a callable step(view) -> scalars, got {type(step).__name__}")
        trainer = cls.__new__(cls)
        trainer._setup(networks, optimizers, data, step, objective, prior, hooks, n_fixed, log_every, acceleration)
        return trainer

    def _setup(self, networks: Mapping[str, nn.Module], optimizers: Mapping[str, torch.optim.Optimizer],
               data: Iterator[Any], step: Step, objective: Objective | None, prior: Prior | None,
               hooks: Sequence[Hook], n_fixed: int, log_every: int, acceleration: Acceleration | None) -> None:
        if prior is not None and not isinstance(prior, Prior):
            raise TypeError(f"prior must be a gan_course.latent.Prior such as Normal(latent_dim), or None for a step "
                            f"that draws no latents; got {type(prior).__name__}")
        bad_hooks = [type(hook).__name__ for hook in hooks if not isinstance(hook, Hook)]
        if bad_hooks:
            raise TypeError(f"hooks must be gan_course.training.Hook instances, got {', '.join(bad_hooks)}")
        if not isinstance(log_every, int) or log_every < 1 or not isinstance(n_fixed, int) or n_fixed < 1:
            raise ValueError(f"need log_every >= 1 and n_fixed >= 1, got {log_every} and {n_fixed}")
        if not networks or not all(isinstance(net, nn.Module) for net in networks.values()):
            raise TypeError("networks must map names to torch.nn.Module instances (at least one)")
        if not optimizers or not all(isinstance(o, torch.optim.Optimizer) for o in optimizers.values()):
            raise TypeError("optimizers must map names to torch.optim.Optimizer instances (at least one)")
        self._networks = dict(networks)
        self._optimizers = dict(optimizers)
        self.data = data
        self.objective = objective
        self.prior = prior
        self.step_function = step
        guard = [] if any(isinstance(hook, DivergenceGuard) for hook in hooks) else [DivergenceGuard()]
        self.hooks = sorted([*guard, *hooks], key=lambda hook: hook.order)
        self.log_every = log_every
        self.acceleration = acceleration or Acceleration()
        self.device = next(next(iter(self._networks.values())).parameters()).device
        self.shard = current_shard()
        self.compiled = {name: self.acceleration.prepare(net) for name, net in self.networks.items()}
        self._parallel = {name: self._parallel_of(net) for name, net in self.networks.items()
                          if self.shard.world_size > 1 and any(p.requires_grad for p in net.parameters())}
        self._frozen: set[str] = set()
        self._scalers = {name: self.acceleration.scaler(self.device) for name in self._optimizers}
        self.step = 0
        self.history = History()
        self.fixed_latent = prior.fixed(n_fixed, device=self.device) if prior is not None else None
        self._pending: list[Tensor] = []
        self._pending_names: tuple[str, ...] | None = None
        self._reported: dict[str, Tensor] = {}
        self.view = StepView(self)

    def _parallel_of(self, network: nn.Module) -> Any:
        """``network`` as a step calls it on several processes: in ``DistributedDataParallel`` (each member of a
        container), compiled if asked."""
        if isinstance(network, nn.ModuleDict):
            return {name: self.acceleration.compiled(wrap(member)) for name, member in network.items()}
        return self.acceleration.compiled(wrap(network))

    def network(self, name: str) -> Any:
        """The network ``name`` as a step calls it: compiled if asked, and on several processes through
        ``DistributedDataParallel`` unless it is frozen (a frozen network's gradients are not averaged: it has none)."""
        if name not in self.compiled:
            raise KeyError(f"no network named {name!r}; this trainer has {', '.join(self.compiled)}")
        return self._parallel[name] if name in self._parallel and name not in self._frozen else self.compiled[name]

    @contextmanager
    def frozen(self, *names: str) -> Iterator[None]:
        """The networks ``names`` get no gradient inside the block (e.g. D while G is updated)."""
        missing = [name for name in names if name not in self.networks]
        if missing:
            raise KeyError(f"no network named {missing}; this trainer has {', '.join(self.networks)}")
        added = set(names) - self._frozen
        self._frozen |= added
        try:
            with frozen(*(self.networks[name] for name in names)):
                yield
        finally:
            self._frozen -= added

    @property
    def networks(self) -> dict[str, nn.Module]:
        """The networks by name (``generator`` and ``discriminator`` for a GAN)."""
        return self._networks

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """The optimizers by name (``generator`` and ``discriminator`` for a GAN)."""
        return self._optimizers

    generator = _ByName("networks", "generator")
    discriminator = _ByName("networks", "discriminator")
    g_optimizer = _ByName("optimizers", "generator")
    d_optimizer = _ByName("optimizers", "discriminator")

    # What a step uses.

    def to_device(self, batch: Tensor) -> Tensor:
        """A batch on the trainer's device, in the memory format of the run."""
        return batch.to(self.device, non_blocking=True, memory_format=self.acceleration.memory_format)

    def next_real(self) -> tuple[Tensor, Tensor | None]:
        """The next real batch on the device, with its labels when the prior has labels (else None)."""
        batch = next(self.data)
        pair = isinstance(batch, (tuple, list)) and len(batch) == 2
        conditional = self.prior is not None and self.prior.n_classes is not None
        if conditional != pair:
            raise ValueError(
                "a conditional GAN (a prior with labels, e.g. Labelled(Normal(64), 10)) needs data that yields "
                "(examples, labels) pairs, e.g. TensorStream(images, batch_size, labels=labels); an unconditional one "
                f"needs plain batches. The prior is {self.prior!r}; the data yielded "
                f"{'a pair' if pair else type(batch).__name__}."
            )
        if pair:
            examples, labels = batch
            return self.to_device(examples), labels.to(self.device, non_blocking=True)
        return self.to_device(batch), None

    def sample_latent(self, n: int) -> Latent:
        """``n`` fresh latents from the prior, on the device; on several processes this rank's ``n`` rows of the
        global draw (:func:`~gan_course.distributed.local_rows`), so that the run draws a one-process run's latents."""
        if self.prior is None:
            raise ValueError("this trainer has no prior (prior=None), so it cannot draw latents")
        return local_rows(lambda rows: self.prior.sample(rows, device=self.device), n)

    def generate(self, latent: Latent) -> Any:
        """G(latent) as a step computes it (:meth:`network`)."""
        return call_generator(self.network("generator"), latent)

    def discriminate(self, x: Tensor, labels: Tensor | None = None) -> Any:
        """D(x), or D(x, y) with ``labels``, as a step computes it (:meth:`network`)."""
        net = self.network("discriminator")
        return net(x) if labels is None else net(x, labels)

    def autocast(self) -> AbstractContextManager:
        """The mixed-precision context of the forward passes (a no-op in full precision)."""
        return self.acceleration.autocast(self.device)

    def update(self, optimizer: str, loss: Tensor) -> None:
        """Backward ``loss`` and step the optimizer named ``optimizer`` ("generator" or "discriminator" for a GAN),
        through its gradient scaler under float16."""
        if optimizer not in self._optimizers:
            raise ValueError(f"optimizer must be one of {tuple(self._optimizers)}, got {optimizer!r}")
        scaler = self._scalers[optimizer]
        self._optimizers[optimizer].zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(self._optimizers[optimizer])
        scaler.update()

    def record(self, **scalars: float | Tensor) -> None:
        """Report scalars for the current step (from a hook's ``before_step``); they join the history by name."""
        self._reported.update(scalars)

    # Training.

    def fit(self, steps: int) -> History:
        """Train until ``steps`` iterations have been made in all (re-running a cell continues); return the history."""
        if not isinstance(steps, int) or steps < self.step:
            raise ValueError(f"steps={steps!r} must be an integer, at least the {self.step} steps already made: fit "
                             f"trains *until* steps")
        with interrupt_between_steps() as interrupted:
            error = None
            for hook in self.hooks:
                hook.on_fit_start(self, steps)
            try:
                while self.step < steps:
                    self._reported = {}
                    for hook in self.hooks:
                        hook.before_step(self)
                    terms = self.step_function(self.view)
                    self._add_record({**terms, **self._reported})
                    self.step += 1
                    if self.step % self.log_every == 0 or self.step == steps:
                        self._flush()
                    for hook in reversed(self.hooks):
                        hook.after_step(self)
                    if any_rank(interrupted(), self.device):  # every rank stops after the same step
                        self._flush()
                        raise TrainingInterrupted(self.step)
                self._flush()
            except BaseException as caught:
                error = caught
                raise
            finally:
                for hook in reversed(self.hooks):
                    hook.on_fit_end(self, error)
        return self.history

    def _add_record(self, scalars: Terms) -> None:
        names = tuple(scalars)
        if self._pending_names is not None and names != self._pending_names:
            raise ValueError(f"step {self.step + 1} reports {list(names)}, the steps before it "
                             f"{list(self._pending_names)}: an objective and its hooks must report the same scalars "
                             f"at every step")
        self._pending_names = names
        row = [torch.as_tensor(value, device=self.device).detach().float() for value in scalars.values()]
        self._pending.append(torch.stack(row))

    def _flush(self) -> None:
        """Move pending records to the history (one device sync), through the hooks' ``on_log``."""
        if not self._pending:
            return
        values = average(torch.stack(self._pending)).cpu()
        steps = range(self.step - len(values) + 1, self.step + 1)
        records = {name: values[:, i] for i, name in enumerate(self._pending_names)}
        self._pending = []
        for hook in self.hooks:
            hook.on_log(self, steps, records)
        self.history.extend(steps, {name: column.tolist() for name, column in records.items()})

    @torch.no_grad()
    def sample(self, n: int | None = None, latent: Latent | Tensor | None = None) -> Tensor:
        """Samples from G in eval mode, on the CPU: of ``latent`` (a :class:`Latent`, or a tensor of z for an
        unconditional GAN), or of ``n`` fresh draws from the prior (default: as many as :attr:`fixed_latent`)."""
        generator = self.generator
        if latent is None:
            if self.prior is None:
                raise ValueError("this trainer has no prior (prior=None), so it cannot draw latents")
            latent = self.prior.sample(n if n is not None else len(self.fixed_latent), device=self.device)
        elif n is not None:
            raise ValueError("give n (fresh latents) or latent (given ones), not both")
        elif isinstance(latent, Tensor):
            if self.prior is not None and self.prior.n_classes is not None:
                raise ValueError("this GAN is conditional: pass latent=Latent(z, labels) with one class index per z")
            latent = Latent(latent)
        with eval_mode(generator):
            return call_generator(generator, latent.to(self.device)).cpu()

    # Checkpoints.

    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs: weights, optimizer and scaler states, the objective's, step's and hooks'
        states, the fixed latents, the history, the random generators' states (on several processes every rank's,
        gathered: call it on all of them) and the data position."""
        self._flush()
        state = {
            "step": self.step,
            "networks": {name: net.state_dict() for name, net in self.networks.items()},
            "optimizers": {name: optimizer.state_dict() for name, optimizer in self.optimizers.items()},
            "scalers": {name: scaler.state_dict() for name, scaler in self._scalers.items()},
            "objective": self.objective.state_dict() if self.objective is not None else {},
            "step_function": self.step_function.state_dict() if hasattr(self.step_function, "state_dict") else {},
            "hooks": {key: hook.state_dict() for key, hook in zip(hook_keys(self.hooks), self.hooks)},
            "fixed_latent": None if self.fixed_latent is None else self.fixed_latent.state_dict(),
            "history": self.history.state_dict(),
            "rng": rng_state(),
        }
        if self.shard.world_size > 1:
            state["rng_ranks"] = gather(state["rng"])
        if hasattr(self.data, "state_dict"):
            state["data"] = self.data.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`; the hooks first, so that one that changed the networks can rebuild them. A
        state made with other hooks, settings or networks raises :class:`CheckpointError` saying which."""
        for key, hook in zip(hook_keys(self.hooks), self.hooks):
            if key not in state["hooks"] and hook.state_dict():
                raise CheckpointError(f"the checkpoint holds no state for the hook {key}: it was made with the hooks "
                                      f"{', '.join(state['hooks']) or '(none)'}; resume with those")
            hook.load_state_dict(state["hooks"].get(key, {}), self)
        check_networks(self.networks, state["networks"])
        for name, net in self.networks.items():
            net.load_state_dict(state["networks"][name])
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
        for name, scaler_state in state["scalers"].items():
            if scaler_state:
                self._scalers[name].load_state_dict(scaler_state)
        if self.objective is not None:
            self.objective.load_state_dict(state["objective"])
        if hasattr(self.step_function, "load_state_dict"):
            self.step_function.load_state_dict(state["step_function"])
        if state["fixed_latent"] is not None:
            self.fixed_latent = Latent.from_state_dict(state["fixed_latent"]).to(self.device)
        self.history = History()
        self.history.load_state_dict(state["history"])
        self.step = int(state["step"])
        self._pending, self._pending_names = [], None
        if "data" in state:
            self.data.load_state_dict(state["data"])
        ranks = state.get("rng_ranks", [state["rng"]])
        # each rank its own state when the run had as many processes; otherwise rank 0's (the ranks draw in step)
        set_rng_state(ranks[self.shard.rank] if len(ranks) == self.shard.world_size else state["rng"])

    def save_checkpoint(self, path: str | Path) -> None:
        """Write :meth:`state_dict` to ``path`` atomically: into a temporary file of its own beside it, then renamed
        over it. A write that fails (a full disk, a folder that cannot be written) raises
        :class:`~gan_course.training.checkpoint.CheckpointWriteError`, removes the temporary file and leaves the
        previous checkpoint as it was. On several processes every rank calls it, rank 0 writes, and all return (or
        raise) once the file is written."""
        path = Path(path)
        state = self.state_dict()
        failure = None
        if is_main():
            try:
                self._write(state, path)
            except CheckpointWriteError as error:
                failure = error
        failed = from_main(failure is not None)
        if failure is not None:
            raise failure
        if failed:
            raise CheckpointWriteError(path, OSError("rank 0, which writes it, failed; its message says why"))

    @staticmethod
    def _write(state: dict[str, Any], path: Path) -> None:
        """``torch.save`` ``state`` to ``path``, whole or not at all (:func:`~gan_course.atomic_file.atomic_file`)."""
        try:
            with atomic_file(path) as file:
                torch.save(state, file)
        except (OSError, RuntimeError) as error:  # torch's writer reports a failed write as RuntimeError
            raise CheckpointWriteError(path, error) from error

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a checkpoint written by :meth:`save_checkpoint` (loaded with ``weights_only=True``). One that cannot
        be read, or was made by a run with other settings or networks, raises
        :class:`~gan_course.training.checkpoint.CheckpointError` naming the file and the difference."""
        state = read_checkpoint(path)
        try:
            self.load_state_dict(state)
        except CheckpointError as error:
            raise CheckpointError(f"cannot resume from {path}: {error}.") from None
