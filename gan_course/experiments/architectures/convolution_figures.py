r"""Drawings of convolution arithmetic in the style of Dumoulin & Visin (2016).

V. Dumoulin and F. Visin (2016), "A guide to convolution arithmetic for deep learning" (arXiv:1603.07285), draw one
axis pair of a single-channel convolution: the input in blue, its zero padding as white dashed cells, the kernel's
current position shaded over the input, and the output in cyan above it (their Figures 2.1–2.7, 4.1–4.7 and 5.1, and
the animations of their repository ``vdumoulin/conv_arithmetic``).

A transposed convolution is drawn as the guide's Section 4 explains it: as the *direct* convolution with unit stride
that computes it. Its input of size $i'$ is stretched by $s - 1$ zeros inserted between neighbouring cells (size
$\tilde\imath' = s(i' - 1) + 1$), padded with $p' = \hat k - p - 1$ zeros on every side and with $a$ (``output_padding``)
more at the bottom and right (Relationships 12–14), and a kernel slides over it with stride 1. Every output size comes
from :mod:`gan_course.models.convolution_arithmetic`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from gan_course.models.convolution_arithmetic import conv_output_size, conv_transpose_output_size, effective_kernel_size

PADDING, INPUT, INSERTED = 0, 1, 2
"""Kinds of the cells a kernel slides over: zero padding, an input value, a zero inserted between input values."""

_STYLE = {
    PADDING: dict(facecolor="white", edgecolor="0.55", linestyle="--", gid="padding"),
    INPUT: dict(facecolor="#5b9bd5", edgecolor="#1f4e79", linestyle="-", gid="input"),
    INSERTED: dict(facecolor="#e3eefa", edgecolor="#5b9bd5", linestyle=":", gid="inserted"),
}
_OUTPUT_STYLE = dict(facecolor="#a8e6cf", edgecolor="#2e8b57", linestyle="-", gid="output")
_CURRENT_STYLE = dict(facecolor="#2e8b57", edgecolor="#1b5e20", linestyle="-", gid="current")
_KERNEL_STYLE = dict(facecolor="#1f3d7a", edgecolor="none", alpha=0.45, gid="kernel")


@dataclass(frozen=True)
class ConvLayout:
    """The grid a kernel slides over (``cells``, of kinds PADDING, INPUT, INSERTED) and the output it produces.

    For a transposed convolution the grid is that of the equivalent direct convolution (Dumoulin & Visin 2016,
    Section 4), so ``stride`` is 1 there.
    """

    cells: np.ndarray
    kernel_size: int
    stride: int
    dilation: int
    output_size: int
    transposed: bool

    def kernel_cells(self, row: int, col: int) -> list[tuple[int, int]]:
        """The cells of ``cells`` under the (dilated) kernel's taps when it computes output ``(row, col)``."""
        if not (0 <= row < self.output_size and 0 <= col < self.output_size):
            raise ValueError(f"output position ({row}, {col}) is outside the {self.output_size}x{self.output_size} output")
        taps = [u * self.dilation for u in range(self.kernel_size)]
        return [(row * self.stride + u, col * self.stride + v) for u in taps for v in taps]


def convolution_layout(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    transposed: bool = False,
    output_padding: int = 0,
) -> ConvLayout:
    r"""The grid and output size of a square single-channel (transposed) convolution, as the guide draws them.

    Direct: the input framed by ``padding`` zeros, output size from Relationships 1–6 and 15. Transposed (Dumoulin &
    Visin 2016, Relationships 12–14): the input stretched by ``stride - 1`` zeros between cells, framed by
    $\hat k - p - 1$ zeros and ``output_padding`` more at the bottom and right, output size $s(i' - 1) + \hat k - 2p + a$.
    """
    if not transposed:
        if output_padding:
            raise ValueError(f"output_padding ({output_padding}) exists only for transposed convolutions; pass 0")
        output_size = conv_output_size(input_size, kernel_size, stride, padding, dilation)
        cells = np.full((input_size + 2 * padding,) * 2, PADDING)
        cells[padding : padding + input_size, padding : padding + input_size] = INPUT
        return ConvLayout(cells, kernel_size, stride, dilation, output_size, transposed=False)
    output_size = conv_transpose_output_size(input_size, kernel_size, stride, padding, output_padding, dilation)
    border = effective_kernel_size(kernel_size, dilation) - padding - 1
    if border < 0:
        raise ValueError(
            f"padding {padding} exceeds the dilated kernel size minus one ({padding + border}): the equivalent direct "
            f"convolution would crop its input rather than pad it, which this drawing cannot show; use less padding"
        )
    stretched = stride * (input_size - 1) + 1
    cells = np.full((stretched + 2 * border + output_padding,) * 2, PADDING)
    inner = slice(border, border + stretched)
    cells[inner, inner] = INSERTED
    cells[border : border + stretched : stride, border : border + stretched : stride] = INPUT
    return ConvLayout(cells, kernel_size, 1, dilation, output_size, transposed=True)


class _Drawing:
    """The patches of one panel: the grid at the bottom, the output grid above it, and the movable highlights."""

    def __init__(self, ax: Axes, layout: ConvLayout):
        self.layout = layout
        n, o = len(layout.cells), layout.output_size
        width = max(n, o)
        self.grid_x, self.out_x, self.out_y = (width - n) / 2, (width - o) / 2, n + 1
        for (row, col), kind in np.ndenumerate(layout.cells):
            ax.add_patch(Rectangle(self._grid_xy(row, col), 1, 1, linewidth=0.8, **_STYLE[int(kind)]))
        for row in range(o):
            for col in range(o):
                ax.add_patch(Rectangle(self._out_xy(row, col), 1, 1, linewidth=0.8, **_OUTPUT_STYLE))
        self.kernel = [ax.add_patch(Rectangle((0, 0), 1, 1, **_KERNEL_STYLE)) for _ in range(layout.kernel_size**2)]
        self.current = ax.add_patch(Rectangle((0, 0), 1, 1, linewidth=0.8, **_CURRENT_STYLE))
        ax.set_xlim(-0.2, width + 0.2)
        ax.set_ylim(-0.2, n + 1 + o + 0.2)
        ax.set_aspect("equal")
        ax.set_axis_off()
        self.ax = ax

    def _grid_xy(self, row: int, col: int) -> tuple[float, float]:
        return self.grid_x + col, len(self.layout.cells) - 1 - row

    def _out_xy(self, row: int, col: int) -> tuple[float, float]:
        return self.out_x + col, self.out_y + self.layout.output_size - 1 - row

    def show(self, position: int) -> None:
        row, col = divmod(position, self.layout.output_size)
        for patch, cell in zip(self.kernel, self.layout.kernel_cells(row, col)):
            patch.set_xy(self._grid_xy(*cell))
        self.current.set_xy(self._out_xy(row, col))
        self.ax.set_title(f"output ({row}, {col})", fontsize=8)


def draw_convolution(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    transposed: bool = False,
    output_padding: int = 0,
    positions: Sequence[int] = (0,),
    panel_size: float = 1.8,
) -> Figure:
    """A strip of panels in the style of Dumoulin & Visin (2016), Figures 2.1–5.1: one per output position.

    ``positions`` are row-major indices into the output grid. Each panel shows the grid the kernel slides over (blue
    input, dashed white padding, dotted white inserted zeros) with the kernel's taps shaded, and the output above it
    with the cell being computed in dark green.
    """
    layout = convolution_layout(input_size, kernel_size, stride, padding, dilation, transposed, output_padding)
    if not positions:
        raise ValueError("positions is empty: give at least one output position to draw")
    cells = layout.output_size**2
    if any(not 0 <= p < cells for p in positions):
        raise ValueError(f"positions must lie in [0, {cells}) for a {layout.output_size}x{layout.output_size} output, got {list(positions)}")
    n = len(layout.cells)
    aspect = (n + 1 + layout.output_size) / max(n, layout.output_size)
    fig, axes = plt.subplots(1, len(positions), figsize=(panel_size * len(positions), panel_size * aspect + 0.3), squeeze=False)
    for ax, position in zip(axes[0], positions):
        _Drawing(ax, layout).show(position)
    fig.tight_layout()
    return fig


def animate_convolution(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    transposed: bool = False,
    output_padding: int = 0,
    panel_size: float = 2.2,
    dpi: int = 70,
    interval: int = 400,
) -> FuncAnimation:
    """The kernel stepping through every output position, as in the animations of Dumoulin & Visin (2016).

    In a notebook show it with ``IPython.display.HTML(animation.to_jshtml())``: the frames are then stored in the
    notebook and the static book plays them. Keep ``panel_size`` and ``dpi`` small: every frame is a PNG.
    """
    layout = convolution_layout(input_size, kernel_size, stride, padding, dilation, transposed, output_padding)
    n = len(layout.cells)
    aspect = (n + 1 + layout.output_size) / max(n, layout.output_size)
    fig, ax = plt.subplots(figsize=(panel_size, panel_size * aspect + 0.3), dpi=dpi)
    drawing = _Drawing(ax, layout)
    drawing.show(0)
    fig.tight_layout()
    animation = FuncAnimation(fig, drawing.show, frames=layout.output_size**2, interval=interval)
    plt.close(fig)
    return animation
