"""A network's architecture as a table: each layer, its output shape, its parameters, and the size rule it applies.

The table is read off a real forward pass (forward hooks on every leaf module), so it cannot drift from the model.
For convolutions and transposed convolutions the "size rule" column writes out the relation of
:mod:`gan_course.models.convolution_arithmetic` with the layer's numbers (Dumoulin & Visin 2016), and the table checks
that the formula gives the shape PyTorch produced.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gan_course.models.convolution_arithmetic import conv_output_size, conv_transpose_output_size
from gan_course.eval_mode import eval_mode
from gan_course.tables import html_table


@dataclass(frozen=True)
class Layer:
    """One leaf module: its name in the model, its type and settings, output shape (without the batch), parameters."""

    name: str
    layer: str
    output_shape: tuple[int, ...]
    parameters: int
    size_rule: str


@dataclass(frozen=True)
class ArchitectureTable:
    """The layers of a model in the order they ran; prints as text and renders as an HTML table in notebooks."""

    title: str
    layers: tuple[Layer, ...]

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = [
            (layer.name, layer.layer, " × ".join(map(str, layer.output_shape)), f"{layer.parameters:,}", layer.size_rule)
            for layer in self.layers
        ]
        return rows + [("", "total", "", f"{self.parameters:,}", "")]

    def __str__(self) -> str:
        header = ("layer", "module", "output shape", "parameters", "size rule")
        rows = [header, *self._rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [self.title] + ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(("layer", "module", "output shape", "parameters", "size rule"), self._rows(), self.title)


def _pair_first(value: int | tuple[int, ...]) -> int:
    return value[0] if isinstance(value, tuple) else value


def describe(module: nn.Module) -> str:
    """A short description: ``ConvTranspose2d(100→128, k7, s1, p0)``, ``BatchNorm2d(128)``, ``LeakyReLU(0.2)``."""
    name = type(module).__name__
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        k, s, p = (_pair_first(getattr(module, attr)) for attr in ("kernel_size", "stride", "padding"))
        return f"{name}({module.in_channels}→{module.out_channels}, k{k}, s{s}, p{p})"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return f"{name}({module.num_features})"
    if isinstance(module, nn.LeakyReLU):
        return f"{name}({module.negative_slope:g})"
    if isinstance(module, nn.Linear):
        return f"{name}({module.in_features}→{module.out_features})"
    return name


def size_rule(module: nn.Module, input_size: int, output_size: int) -> str:
    """The output-size relation of a (transposed) convolution written with its numbers, checked against PyTorch."""
    if not isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        return ""
    k, s, p, d = (_pair_first(getattr(module, name)) for name in ("kernel_size", "stride", "padding", "dilation"))
    dilated = f"{k}" if d == 1 else f"({k} + {k - 1}·{d - 1})"
    if isinstance(module, nn.Conv2d):
        expected = conv_output_size(input_size, k, s, p, d)
        rule = f"⌊({input_size} + 2·{p} − {dilated}) / {s}⌋ + 1 = {expected}"
    else:
        a = _pair_first(module.output_padding)
        expected = conv_transpose_output_size(input_size, k, s, p, a, d)
        rule = f"{s}·({input_size} − 1) + {dilated} − 2·{p}{f' + {a}' if a else ''} = {expected}"
    if expected != output_size:
        raise RuntimeError(f"{module} produced size {output_size} where the arithmetic gives {expected}")
    return rule


def layer_table(model: nn.Module, example_input: Tensor, title: str | None = None) -> ArchitectureTable:
    """Run ``model`` once on ``example_input`` (in eval mode, without gradients) and tabulate its leaf modules."""
    layers: list[Layer] = []
    names = {module: name for name, module in model.named_modules()}

    def record(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        spatial_in = inputs[0].shape[-1] if inputs[0].ndim == 4 else 0
        spatial_out = output.shape[-1] if output.ndim == 4 else 0
        layers.append(
            Layer(
                name=names[module],
                layer=describe(module),
                output_shape=tuple(output.shape[1:]),
                parameters=sum(p.numel() for p in module.parameters(recurse=False)),
                size_rule=size_rule(module, spatial_in, spatial_out),
            )
        )

    leaves = [module for module in model.modules() if not list(module.children())]
    handles = [module.register_forward_hook(record) for module in leaves]
    try:
        with torch.no_grad(), eval_mode(model):
            model(example_input)
    finally:
        for handle in handles:
            handle.remove()
    return ArchitectureTable(title or type(model).__name__, tuple(layers))
