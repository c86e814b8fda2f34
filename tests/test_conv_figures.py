"""Convolution drawings (Dumoulin & Visin 2016), checkerboard overlap counts (Odena et al. 2016) and the PyTorch sweep."""

from __future__ import annotations

from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gan_course.experiments.architectures.checkerboard import (
    checkerboard_peak,
    checkerboard_score,
    overlap_count,
    period_two_shares,
    resize_overlap_count,
)
from gan_course.models.convolution_arithmetic import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    verify_against_pytorch,
)
from gan_course.experiments.architectures.convolution_figures import (
    INPUT,
    INSERTED,
    PADDING,
    animate_convolution,
    convolution_layout,
    draw_convolution,
)


def _gids(ax) -> Counter:
    return Counter(patch.get_gid() for patch in ax.patches)


@pytest.mark.parametrize("i, k, s, p, d", [(4, 3, 1, 0, 1), (5, 4, 1, 2, 1), (5, 3, 2, 1, 1), (6, 3, 2, 1, 1), (7, 3, 1, 0, 2)])
def test_direct_layout_is_the_padded_input(i, k, s, p, d):
    layout = convolution_layout(i, k, s, p, d)
    assert layout.cells.shape == (i + 2 * p, i + 2 * p)
    assert (layout.cells == INPUT).sum() == i * i and (layout.cells[p : p + i, p : p + i] == INPUT).all()
    assert (layout.cells == PADDING).sum() == (i + 2 * p) ** 2 - i * i and not (layout.cells == INSERTED).any()
    assert layout.output_size == conv_output_size(i, k, s, p, d)
    last = layout.kernel_cells(layout.output_size - 1, layout.output_size - 1)
    assert max(max(cell) for cell in last) < len(layout.cells)  # the last placement stays inside the padded input


@pytest.mark.parametrize(
    "i, k, s, p, a, d", [(2, 3, 1, 0, 0, 1), (2, 3, 2, 0, 0, 1), (3, 3, 2, 1, 0, 1), (3, 3, 2, 1, 1, 1), (4, 4, 2, 1, 0, 1), (3, 3, 1, 1, 0, 2), (3, 2, 3, 0, 2, 1)]
)
def test_transposed_layout_is_the_guides_equivalent_direct_convolution(i, k, s, p, a, d):
    layout = convolution_layout(i, k, s, p, d, transposed=True, output_padding=a)
    stretched, border = s * (i - 1) + 1, effective_kernel_size(k, d) - p - 1
    assert layout.cells.shape == (stretched + 2 * border + a,) * 2
    assert (layout.cells == INPUT).sum() == i * i
    assert (layout.cells == INSERTED).sum() == stretched**2 - i * i  # s - 1 zeros between neighbouring cells
    assert layout.stride == 1
    assert layout.output_size == conv_transpose_output_size(i, k, s, p, a, d) == conv_output_size(len(layout.cells), k, 1, 0, d)
    # the drawing is exact: the input placed on the grid, convolved with the flipped kernel, is conv_transpose2d
    generator = torch.Generator().manual_seed(k * 10 + s)
    x = torch.randn(i, i, generator=generator, dtype=torch.float64)
    kernel = torch.randn(k, k, generator=generator, dtype=torch.float64)
    grid = torch.zeros(layout.cells.shape, dtype=torch.float64)
    grid[torch.from_numpy(layout.cells == INPUT)] = x.flatten()
    direct = F.conv2d(grid[None, None], kernel.flip(0, 1)[None, None], dilation=d)
    transposed = F.conv_transpose2d(x[None, None], kernel[None, None], stride=s, padding=p, output_padding=a, dilation=d)
    torch.testing.assert_close(direct, transposed, rtol=0, atol=1e-12)


def test_a_strip_has_one_panel_per_position_with_every_cell():
    fig = draw_convolution(3, 3, 2, 1, transposed=True, output_padding=1, positions=(0, 7, 35))
    layout = convolution_layout(3, 3, 2, 1, transposed=True, output_padding=1)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        counts = _gids(ax)
        assert counts["input"] == 9 and counts["inserted"] == 25 - 9
        assert counts["padding"] == len(layout.cells) ** 2 - 25
        assert counts["output"] == 36 and counts["kernel"] == 9 and counts["current"] == 1
    assert [ax.get_title() for ax in fig.axes] == ["output (0, 0)", "output (1, 1)", "output (5, 5)"]
    plt.close(fig)


def test_the_kernel_and_the_current_cell_move_with_the_position():
    fig = draw_convolution(5, 3, 2, 1, positions=(0, 8))
    first, last = ([p.get_xy() for p in ax.patches if p.get_gid() in ("kernel", "current")] for ax in fig.axes)
    shift = np.array(last) - np.array(first)
    assert np.allclose(shift[:9], (4, -4))  # the kernel moves two strides right and down
    assert np.allclose(shift[9], (2, -2))  # the output cell moves two cells right and down
    plt.close(fig)


def test_the_animation_steps_through_every_output_position():
    animation = animate_convolution(4, 3, dpi=20)
    assert list(animation.new_frame_seq()) == [0, 1, 2, 3]
    html = animation.to_jshtml()
    assert "frames[3]" in html and "frames[4]" not in html
    transposed = animate_convolution(2, 3, 2, transposed=True, dpi=20)
    assert len(list(transposed.new_frame_seq())) == 25 and "frames[24]" in transposed.to_jshtml()


def test_bad_drawings_are_explained():
    with pytest.raises(ValueError, match="does not fit in the padded input"):
        draw_convolution(3, 5)
    with pytest.raises(ValueError, match="output_padding .* exists only for transposed"):
        convolution_layout(5, 3, 2, output_padding=1)
    with pytest.raises(ValueError, match="padding 3 exceeds the dilated kernel size minus one"):
        convolution_layout(5, 3, 1, 3, transposed=True)
    with pytest.raises(ValueError, match=r"positions must lie in \[0, 9\)"):
        draw_convolution(5, 3, positions=(9,))
    with pytest.raises(ValueError, match="positions is empty"):
        draw_convolution(5, 3, positions=())
    with pytest.raises(ValueError, match=r"output position \(3, 0\) is outside"):
        convolution_layout(5, 3).kernel_cells(3, 0)


def test_overlap_of_kernel_3_stride_2_alternates_one_and_two():
    counts = overlap_count(6, 3, 2, ndim=1)
    assert counts.tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
    assert torch.equal(overlap_count(6, 3, 2), torch.outer(counts, counts))  # 2-D: the product of the axes


def test_overlap_is_even_away_from_the_border_when_the_stride_divides_the_kernel():
    assert (overlap_count(8, 4, 2)[2:-2, 2:-2] == 4).all()
    assert (overlap_count(8, 4, 2, padding=1, layers=3)[8:-8, 8:-8] == 4**3).all()
    uneven = overlap_count(8, 3, 2, layers=2)[6:-6, 6:-6]
    assert uneven.min() < uneven.max()  # stacking does not smooth the pattern out
    assert overlap_count(8, 3, 2, layers=2).shape == (conv_transpose_output_size(17, 3, 2),) * 2


def test_resize_convolution_covers_every_pixel_equally_away_from_the_border():
    counts = resize_overlap_count(6, 3, ndim=1)
    assert counts.tolist() == [2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2]
    stacked = resize_overlap_count(8, 3, layers=2)
    assert stacked.shape == (32, 32) and (stacked[3:-3, 3:-3] == 81).all()


def test_bad_counts_are_explained():
    with pytest.raises(ValueError, match="ndim must be 1 or 2"):
        overlap_count(4, 3, 2, ndim=3)
    with pytest.raises(ValueError, match="layers must be an integer >= 1"):
        overlap_count(4, 3, 2, layers=0)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        overlap_count(4, 3, 0)
    with pytest.raises(ValueError, match="kernel_size must be an odd integer"):
        resize_overlap_count(4, 4)


def test_checkerboard_score_finds_period_two_patterns():
    rows, cols = torch.meshgrid(torch.arange(8), torch.arange(8), indexing="ij")
    board = ((rows + cols) % 2).double()
    assert checkerboard_score(board).item() == pytest.approx(1.0)
    assert checkerboard_score((rows % 2).double()).item() == pytest.approx(1.0)
    assert checkerboard_score(torch.ones(8, 8)).item() == 0.0
    smooth = torch.sin(rows / 8.0 * 2 * torch.pi).double()
    assert checkerboard_score(smooth).item() < 1e-12
    noise = torch.randn(64, 16, 16, generator=torch.Generator().manual_seed(0))
    assert checkerboard_score(noise).shape == (64,) and checkerboard_score(noise).mean().item() < 0.05
    with pytest.raises(ValueError, match="even H and W"):
        checkerboard_score(torch.zeros(7, 8))


def test_checkerboard_peak_separates_a_period_two_peak_from_broadband_noise():
    rows, cols = torch.meshgrid(torch.arange(16), torch.arange(16), indexing="ij")
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(512, 16, 16, generator=generator)
    assert checkerboard_peak(noise) == pytest.approx(1.0, abs=0.15)  # white noise: a flat spectrum
    board = ((rows + cols) % 2).double() - 0.5
    assert checkerboard_peak(noise + 0.5 * board) > 5  # the same noise with a faint checkerboard added
    kernel = torch.tensor([1.0, 4.0, 1.0]) / 6  # a slight blur: the spectrum falls towards the highest frequencies
    blurred = F.conv2d(F.pad(noise[:, None], (1, 1, 1, 1), mode="circular"), (kernel[:, None] * kernel)[None, None])
    assert checkerboard_peak(blurred[:, 0]) < 0.95
    nyquist, neighbours = period_two_shares(torch.cat([noise[:3], torch.ones(1, 16, 16)]))
    assert nyquist.shape == neighbours.shape == (3,)  # the constant image is left out
    assert checkerboard_peak(noise) == pytest.approx((period_two_shares(noise)[0].mean() / period_two_shares(noise)[1].mean()).item())
    with pytest.raises(ValueError, match="even H, W >= 4"):
        checkerboard_peak(torch.zeros(2, 7, 8))
    with pytest.raises(ValueError, match="every image is constant"):
        checkerboard_peak(torch.ones(3, 8, 8))


def test_the_sweep_against_pytorch_matches_every_configuration():
    result = verify_against_pytorch(150, seed=1)
    assert result.configs == result.conv_shapes == result.transposed_shapes == result.input_sizes == 150
    assert result.max_conv_error < 1e-12 and result.max_transposed_error < 1e-12
    with pytest.raises(ValueError, match="n_configs must be an integer >= 1"):
        verify_against_pytorch(0)
