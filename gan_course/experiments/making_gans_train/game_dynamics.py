r"""Why gradient play does not converge: two-player games with one number per player, the update rules that play
them, and the eigenvalues that predict what each rule does.

A zero-sum game has a value $V(x, y)$ that $x$ minimises and $y$ maximises. Both players following their gradients
is the flow of the vector field

$$v(x, y) = \big(\nabla_x V(x, y),\; -\nabla_y V(x, y)\big), \qquad z = (x, y) \leftarrow z - \eta\, v(z),$$

and near an equilibrium $z^*$ a rule $z \leftarrow F(z)$ converges when the spectral radius of its Jacobian
$F'(z^*)$ is below 1, and moves away when it is above (Mescheder, Nowozin & Geiger 2017, Section 2). The games:

* :func:`bilinear` — $V = xy$ (Goodfellow 2016, Section 5.1; equilibrium at 0). Its field's Jacobian has the
  eigenvalues $\pm i$: a pure rotation, which simultaneous steps turn into an outward spiral
  ($|\lambda| = \sqrt{1 + \eta^2}$) and alternating steps into a cycle ($|\lambda| = 1$).
* :func:`dirac_gan` — the Dirac-GAN of Mescheder, Geiger & Nowozin (2018, Section 2.2): data $\delta_0$, a generator
  $\delta_\theta$, a linear discriminator $D_\psi(x) = \psi x$, and the GAN's value
  $V(\theta, \psi) = f(\psi\theta) + f(0)$ with $f(t) = -\log(1 + e^{-t})$. At its equilibrium $(0, 0)$ the field's
  Jacobian has the eigenvalues $\pm i f'(0) = \pm i/2$: the bilinear game again. The gradient penalty $R_1 =
  \frac{\gamma}{2}\|\nabla_x D_\psi(0)\|^2 = \frac{\gamma}{2}\psi^2$ on D (their Eq. 9) adds $\gamma$ to the
  Jacobian's diagonal and makes the equilibrium attract.

* :func:`ttur_saddle` — $V = (1 + x^2)(100 - y^2)$, the saddle of the example the TTUR authors released with
  Heusel et al. (2017) (``Toy_Data_Example/ttur_example_saddle.ipynb``), played by :func:`two_time_scales`: noisy
  alternating gradient steps with a learning rate for each player.

The rules (:data:`RULES`), each a map of a state to the next state, so that its Jacobian can be taken:
simultaneous and alternating gradient steps, extragradient (Korpelevich 1976), optimistic gradient (Daskalakis et
al. 2018: $z_{t+1} = z_t - 2\eta\, v(z_t) + \eta\, v(z_{t-1})$, its state holds the last field) and consensus
optimisation (Mescheder, Nowozin & Geiger 2017: $z \leftarrow z - \eta\,(v + \gamma \nabla \tfrac12\|v\|^2)$).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class Game:
    """A zero-sum game of two scalars: ``value(x, y)``, which ``x`` minimises and ``y`` maximises, and its
    ``equilibrium``."""

    name: str
    value: Callable[[Tensor, Tensor], Tensor]
    equilibrium: tuple[float, float] = (0.0, 0.0)

    def field(self, z: Tensor, create_graph: bool = False) -> Tensor:
        r"""$v(z) = (\partial V / \partial x, -\partial V / \partial y)$ at $z = (x, y)$, the direction both players
        descend; ``create_graph`` keeps it differentiable (for a Jacobian or consensus)."""
        z = z if z.requires_grad else z.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(self.value(z[0], z[1]), z, create_graph=True)
        field = gradient * torch.tensor([1.0, -1.0], dtype=z.dtype)
        return field if create_graph else field.detach()

    def field_jacobian(self, z: Tensor | None = None) -> Tensor:
        """The Jacobian of :meth:`field` at ``z`` (default: the equilibrium); its eigenvalues decide the flow near it."""
        z = torch.tensor(self.equilibrium, dtype=torch.float64) if z is None else z.double()
        return torch.autograd.functional.jacobian(lambda point: self.field(point, create_graph=True), z)


def bilinear() -> Game:
    """$V(x, y) = xy$ (Goodfellow 2016, Section 5.1)."""
    return Game("bilinear xy", lambda x, y: x * y)


def ttur_saddle() -> Game:
    """$V(x, y) = (1 + x^2)(100 - y^2)$: $x$ minimises, $y$ maximises, the saddle point is $(0, 0)$ with value 100."""
    return Game("TTUR saddle", lambda x, y: (1 + x**2) * (100 - y**2))


def dirac_gan(r1: float = 0.0) -> Game:
    r"""Mescheder, Geiger & Nowozin (2018): $V(\theta, \psi) = f(\psi\theta) + f(0)$, $f(t) = -\log(1 + e^{-t})$, with
    the gradient penalty $\frac{\gamma}{2}\psi^2$ (``r1`` $= \gamma$) subtracted from D's value."""
    if not (math.isfinite(r1) and r1 >= 0):
        raise ValueError(f"r1 (the weight gamma of the gradient penalty) must be a finite number >= 0, got {r1!r}")

    def value(theta: Tensor, psi: Tensor) -> Tensor:
        # f(t) = -log(1 + exp(-t)) = -softplus(-t); D maximises f(psi theta) + f(0) - gamma/2 psi^2
        return -F.softplus(-psi * theta) - math.log(2.0) - r1 / 2 * psi**2

    return Game(f"Dirac-GAN{f', R1 gamma = {r1:g}' if r1 else ''}", value)


@dataclass(frozen=True)
class Rule:
    """An update rule: ``step(game, state, lr)`` gives the next state; the state's first two entries are $(x, y)$ and
    ``memory`` more entries follow (the optimistic rule keeps the last field)."""

    name: str
    step: Callable[[Game, Tensor, float], Tensor]
    memory: int = 0

    def start(self, game: Game, z: Tensor) -> Tensor:
        """The state at the point ``z``: the point, and for the optimistic rule the field there."""
        z = z.double()
        return torch.cat([z, game.field(z)]) if self.memory else z

    def jacobian(self, game: Game, lr: float) -> Tensor:
        """The Jacobian of the rule's map at the game's equilibrium."""
        state = self.start(game, torch.tensor(game.equilibrium, dtype=torch.float64))
        return torch.autograd.functional.jacobian(lambda s: self.step(game, s, lr), state)

    def spectral_radius(self, game: Game, lr: float) -> float:
        """The largest modulus of :meth:`jacobian`'s eigenvalues: below 1 the equilibrium attracts, above it repels."""
        return float(torch.linalg.eigvals(self.jacobian(game, lr)).abs().max())


def _simultaneous(game: Game, z: Tensor, lr: float) -> Tensor:
    # z <- z - eta v(z)
    return z - lr * game.field(z, create_graph=True)


def _alternating(game: Game, z: Tensor, lr: float) -> Tensor:
    # x <- x - eta dV/dx(x, y), then y <- y + eta dV/dy(x_new, y)
    x_new = z[0] - lr * game.field(z, create_graph=True)[0]
    moved = torch.stack([x_new, z[1]])
    return torch.stack([x_new, z[1] - lr * game.field(moved, create_graph=True)[1]])


def _extragradient(game: Game, z: Tensor, lr: float) -> Tensor:
    # z_half = z - eta v(z); z <- z - eta v(z_half)
    return z - lr * game.field(z - lr * game.field(z, create_graph=True), create_graph=True)


def _optimistic(game: Game, state: Tensor, lr: float) -> Tensor:
    # z_{t+1} = z_t - 2 eta v(z_t) + eta v(z_{t-1}); the state is (z_t, v(z_{t-1}))
    z, previous = state[:2], state[2:]
    field = game.field(z, create_graph=True)
    return torch.cat([z - 2 * lr * field + lr * previous, field])


def consensus(gamma: float = 1.0) -> Rule:
    r"""Consensus optimisation (Mescheder, Nowozin & Geiger 2017, Algorithm 2): $z \leftarrow z - \eta\,(v(z) + \gamma
    \nabla L(z))$ with $L = \frac12\|v\|^2$, the field's squared length, which both players descend together."""

    def step(game: Game, z: Tensor, lr: float) -> Tensor:
        z = z if z.requires_grad else z.detach().requires_grad_(True)
        field = game.field(z, create_graph=True)
        (gradient,) = torch.autograd.grad(0.5 * field.pow(2).sum(), z, create_graph=True)
        return z - lr * (field + gamma * gradient)

    return Rule(f"consensus (gamma = {gamma:g})", step)


RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("simultaneous", _simultaneous),
    Rule("alternating", _alternating),
    Rule("extragradient", _extragradient),
    Rule("optimistic", _optimistic, memory=2),
    consensus(),
)}
"""The update rules by name."""


def trajectory(game: Game, rule: Rule, start: tuple[float, float], lr: float, steps: int) -> Tensor:
    """The points $(x, y)$ a rule visits from ``start`` in ``steps`` steps of size ``lr``: a tensor (steps + 1, 2)."""
    if not isinstance(steps, int) or steps < 1 or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"need steps >= 1 and a positive finite lr, got steps={steps!r}, lr={lr!r}")
    state = rule.start(game, torch.tensor(start, dtype=torch.float64))
    points = [state[:2]]
    for _ in range(steps):
        state = rule.step(game, state, lr).detach()
        points.append(state[:2])
    return torch.stack(points)


def two_time_scales(game: Game, lr_x: float, lr_y: float, start: tuple[float, float] = (0.5, -0.4),
                    steps: int = 5000, sigma: float = 1.0, seed: int = 0) -> Tensor:
    r"""The TTUR authors' toy loop (Heusel et al. 2017, their released ``ttur_example_saddle.ipynb``): alternating
    steps, $x$ first, each player with its own learning rate and a gradient with $N(0, \sigma^2)$ noise added, the
    stochastic gradient of a minibatch,

    $$x \leftarrow x - \eta_x (\partial_x V + \epsilon_x), \qquad y \leftarrow y + \eta_y (\partial_y V(x, y) +
    \epsilon_y),$$

    from their start $(0.5, -0.4)$ for their 5,000 steps with $\sigma = 1$; the noise is drawn from a generator seeded
    with ``seed``. Returns the points visited, a tensor (steps + 1, 2)."""
    for name, value in (("lr_x", lr_x), ("lr_y", lr_y), ("sigma", sigma)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    noise = torch.randn(steps, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * sigma
    z = torch.tensor(start, dtype=torch.float64)
    points = [z]
    for t in range(steps):
        # x <- x - eta_x (dV/dx + eps_x), then y <- y + eta_y (dV/dy + eps_y) at the new x
        x = z[0] - lr_x * (game.field(z)[0] + noise[t, 0])
        y = z[1] - lr_y * (game.field(torch.stack([x, z[1]]))[1] - noise[t, 1])
        z = torch.stack([x, y])
        points.append(z)
    return torch.stack(points)
