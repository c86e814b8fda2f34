"""The ``gpu`` profile, checked on the CPU as far as a CPU can: no chapter has run on a GPU yet.

Statically (the chapters' code parsed with ``ast``, nothing executed): each chapter picks its sizes in one
``run_sizes(fast=..., cpu=..., gpu=...)`` call of literal dicts naming the same sizes, the ``gpu`` sizes that count work
are at least the ``cpu`` ones, and no cell names a device in a way ``tests/test_book.py`` does not look for. Then by
a computed estimate (:mod:`gan_course.training.memory`, run by ``benchmarks/gpu_memory.py``): each chapter's biggest
gpu-profile computations fit a 16 GB card (Colab's T4), and the estimator itself counts what a hand count gives
without allocating anything.
"""

from __future__ import annotations

import ast
import re
import resource
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from conftest import ROOT
from gan_course.recipes import RECIPES, dcgan_trainer
from gan_course.training import Acceleration
from gan_course.training.memory import (
    GIB,
    META,
    MemoryEstimate,
    block_bytes,
    estimate_memory,
    resident_bytes,
    training_step_memory,
)

sys.path.insert(0, str(ROOT / "benchmarks"))
import gpu_memory  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def _source(chapter: Path) -> str:
    return "\n".join(gpu_memory.code_cells(chapter))


# 1. One run_sizes call of literal profiles; the gpu sizes at least the cpu ones.

PERIOD = re.compile(r"(^|_)every$")
"""``eval_every``, ``toy_every``...: the period between two evaluations or records, not an amount of work (a longer
run may well record less often)."""
NOT_WORK = {
    "ema_beta": "the decay of the averaged G: a hyperparameter (0.999 is the paper's)",
    "lr": "a learning rate: a setting (the biggan recipe's gpu profile takes the papers' smaller one)",
}
SETTING_LISTS = {
    "lambdas": "penalty weights tried: their number counts runs, their values are settings",
    "mnist_lrs": "learning rates tried: their number counts runs, their values are settings",
    "seeds": "seeds: their number counts runs, their values are names",
    "lambda_seeds": "seeds: their number counts runs, their values are names",
}
SMALLER_ALLOWED = {  # (chapter or recipe, size): why
    ("progan", "minibatch"): "the gpu profile trains with the paper's minibatch of 16 (Karras et al. 2018, "
                                "Appendix A.1: 16 up to 128 x 128); the work is counted in images shown (kimg), "
                                "which the gpu profile raises, and the cpu profile's tiny networks take 32",
    ("began", "lr"): "the gpu profile trains with the paper's learning rate 1e-4 (Berthelot et al. 2017, Section "
                     "4); the cpu profile's 600 steps of tiny networks barely move at that rate and take 5e-4",
    ("began", "lambda_k"): "the gpu profile keeps the paper's gain 0.001 (Berthelot et al. 2017) over its 100,000 "
                           "steps; at that gain k_t needs about 20,000 steps to cross [0, 1], so the cpu profile's "
                           "600 steps take 0.02",
}


def _compared(chapter: str, cpu: dict, gpu: dict) -> dict[str, str]:
    """How each size of a chapter is compared (for the failure messages): by value, by length and maximum, by
    length, or not at all, and why."""
    how = {}
    for key, value in cpu.items():
        if (chapter, key) in SMALLER_ALLOWED:
            how[key] = f"allowed smaller: {SMALLER_ALLOWED[chapter, key]}"
        elif PERIOD.search(key):
            how[key] = "not compared: a period"
        elif key in NOT_WORK:
            how[key] = f"not compared: {NOT_WORK[key]}"
        elif isinstance(value, (list, tuple)):
            how[key] = "length" if key in SETTING_LISTS else "length and maximum"
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            how[key] = "value"
        else:
            how[key] = "unclassified"
    return how


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_each_chapter_picks_its_sizes_in_one_run_sizes_call_of_literal_dicts_with_the_same_names(chapter):
    profiles = gpu_memory.run_sizes_call(chapter)
    names = set(profiles["fast"])
    for profile, sizes in profiles.items():
        assert set(sizes) == names, f"{chapter.name}: the {profile} profile names {sorted(sizes)}, fast {sorted(names)}"
    assert names, f"{chapter.name}: run_sizes names no size"


def _assert_gpu_at_least_cpu(owner: str, cpu: dict, gpu: dict) -> None:
    for key, how in _compared(owner, cpu, gpu).items():
        assert how != "unclassified", (f"{owner}: size {key!r} = {cpu[key]!r} is neither a number nor a list; "
                                       f"say in this test how its gpu value compares with its cpu value")
        if how.startswith("allowed smaller"):
            assert gpu[key] < cpu[key], f"{owner}: {key} no longer needs its exception; remove it from the test"
        elif how == "value":
            assert gpu[key] >= cpu[key], f"{owner}: gpu {key}={gpu[key]!r} < cpu {cpu[key]!r}"
        elif how.startswith("length"):
            assert len(gpu[key]) >= len(cpu[key]), f"{owner}: gpu {key} has fewer entries than cpu {key}"
            if how == "length and maximum":
                assert max(gpu[key]) >= max(cpu[key]), f"{owner}: gpu {key} goes less far than cpu {key}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_the_gpu_sizes_that_count_work_are_at_least_the_cpu_sizes(chapter):
    profiles = gpu_memory.run_sizes_call(chapter)
    _assert_gpu_at_least_cpu(chapter.stem, profiles["cpu"], profiles["gpu"])


@pytest.mark.parametrize("name", RECIPES)
def test_each_recipes_gpu_sizes_that_count_work_are_at_least_its_cpu_sizes(name):
    """A chapter's main run takes its sizes from its recipe (gan_course.recipes): the same rule holds there."""
    _assert_gpu_at_least_cpu(name, dict(RECIPES[name].profiles["cpu"]), dict(RECIPES[name].profiles["gpu"]))


def test_every_exception_to_the_size_rules_names_a_size_of_the_book():
    named = {(chapter.stem, key) for chapter in CHAPTERS for key in gpu_memory.run_sizes_call(chapter)["gpu"]}
    named |= {(name, key) for name, recipe in RECIPES.items() for key in recipe.profiles["gpu"]}
    keys = {key for _, key in named}
    assert set(SMALLER_ALLOWED) <= named
    assert set(NOT_WORK) <= keys and set(SETTING_LISTS) <= keys


def test_the_size_reader_refuses_what_is_not_one_call_of_literal_dicts(tmp_path):
    import json

    def notebook(*sources: str) -> Path:
        cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": 1}
                 for source in sources]
        path = tmp_path / "chapter.ipynb"
        path.write_text(json.dumps({"cells": cells}))
        return path

    good = "sizes = run_sizes(fast=dict(steps=1), cpu={'steps': 2}, gpu=dict(steps=3))"
    assert gpu_memory.run_sizes_call(notebook("%matplotlib inline", good))["cpu"] == {"steps": 2}
    with pytest.raises(ValueError, match="calls run_sizes 2 times"):
        gpu_memory.run_sizes_call(notebook(good, good))
    with pytest.raises(ValueError, match="not a literal dict"):
        gpu_memory.run_sizes_call(notebook("sizes = run_sizes(fast=base, cpu=dict(steps=2), gpu=dict(steps=3))"))
    with pytest.raises(ValueError, match="not a literal"):
        gpu_memory.run_sizes_call(notebook("sizes = run_sizes(fast=dict(steps=n), cpu=dict(steps=2), "
                                           "gpu=dict(steps=3))"))


# 2. No device named (what tests/test_book.py's pattern for "cuda", "cpu" and .cuda() does not catch).

ACCELERATOR_APIS = ("torch.cuda", "torch.mps", "torch.xpu", "torch.backends.mps", "torch.set_default_device")
OTHER_DEVICE_TYPES = ("mps", "xpu", "hpu", "npu", "mtia", "vulkan")


def _device_names(source: str) -> list[str]:
    """What in ``source`` chooses a device: torch's per-accelerator APIs, the names of other accelerators, and device
    ordinals (``torch.device(0)``, ``.to(0)``, ``device=0`` mean the first CUDA device)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and ast.unparse(node) in ACCELERATOR_APIS:
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.split(":")[0] in OTHER_DEVICE_TYPES:
            found.append(repr(node.value))
        elif isinstance(node, ast.Call):
            callee = ast.unparse(node.func)
            ordinals = [keyword.value for keyword in node.keywords if keyword.arg == "device"]
            if callee.endswith("torch.device") or callee.endswith(".to"):
                ordinals += node.args[:1]
            if any(isinstance(arg, ast.Constant) and type(arg.value) is int for arg in ordinals):
                found.append(ast.unparse(node))
    return found


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_no_cell_chooses_a_device_by_an_accelerator_api_name_or_ordinal(chapter):
    for source in gpu_memory.code_cells(chapter):
        assert not _device_names(source), f"{chapter.name} names a device ({_device_names(source)}) in:\n{source}"


def test_the_device_scan_finds_what_it_is_for():
    for source in ("torch.cuda.synchronize()", "x.to(0)", "torch.device(1)", "G(z, device=0)", "x.to('mps')",
                   "torch.backends.mps.is_available()", "torch.set_default_device(d)"):
        assert _device_names(source), source
    assert not _device_names("with torch.device('meta'):\n    x = torch.zeros(3, device=device).to(device)\nx[0]")


# 3. The gpu sizes fit a 16 GB card.

TRAINING = re.compile(r"\.fit\(|\btrain_discriminator\(|\btrain_critic\(|\bcompare_losses\(|\bablate_progan\(|"
                      r"\.backward\(|\.train\([^)]")
"""A chapter trains networks if it fits a trainer, trains a D or critic alone, compares losses or ablations, calls
backward, or trains GAN Lab (``lab.train(steps)``; ``module.train()`` only sets a mode)."""


def test_every_chapter_that_trains_networks_has_its_memory_estimated():
    training = {chapter.stem for chapter in CHAPTERS if TRAINING.search(_source(chapter))}
    assert training == {config.chapter for config in gpu_memory.CONFIGURATIONS}


@pytest.mark.parametrize("config", gpu_memory.CONFIGURATIONS, ids=lambda config: config.chapter)
def test_each_estimated_configuration_is_built_as_its_chapter_builds_it(config):
    source = re.sub(r"\s+", " ", _source(ROOT / "book" / f"{config.chapter}.ipynb"))
    missing = [cell for cell in config.cells if re.sub(r"\s+", " ", cell) not in source]
    assert not missing, (f"{config.chapter} no longer contains {missing}: update its configuration in "
                         f"benchmarks/gpu_memory.py to build what the chapter builds")


@pytest.fixture(scope="module")
def estimates() -> dict[str, dict[str, MemoryEstimate]]:
    return gpu_memory.estimates()


@pytest.mark.parametrize("config", gpu_memory.CONFIGURATIONS, ids=lambda config: config.chapter)
def test_each_chapters_biggest_gpu_computations_fit_a_16_gb_card(config, estimates):
    rows = estimates[config.chapter]
    assert rows
    for name, estimate in rows.items():
        assert 0 < estimate.peak <= estimate.upper_bound
        need = estimate.upper_bound / GIB + gpu_memory.ALLOWANCE_GIB
        assert need <= gpu_memory.CARD_GIB, (f"{config.chapter}, {name}: {estimate} plus {gpu_memory.ALLOWANCE_GIB} "
                                             f"GiB does not fit the card's {gpu_memory.CARD_GIB} GiB")


def test_the_benchmark_prints_a_row_per_computation(estimates):
    table = gpu_memory.table(estimates)
    for chapter, rows in estimates.items():
        for name in rows:
            assert re.search(rf"{chapter} +{re.escape(name)} +[\d.]+ +[\d.]+ +[\d.]+ +yes", table), (chapter, name)


# 4. The estimator: a hand count, and no memory allocated.

def _linear_step(optimizer: str) -> tuple[MemoryEstimate, nn.Linear, torch.optim.Optimizer]:
    with torch.device("meta"):
        layer = nn.Linear(1000, 500)
    optim = (torch.optim.SGD(layer.parameters(), lr=0.1) if optimizer == "sgd"
             else torch.optim.Adam(layer.parameters(), foreach=False))

    def step() -> None:
        x = torch.zeros(64, 1000, device=META)
        loss = layer(x).sum()
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()

    return estimate_memory(step, [layer, optim]), layer, optim


def test_a_linear_layer_costs_what_a_hand_count_gives():
    weight, bias = block_bytes(500 * 1000 * 4), block_bytes(500 * 4)
    assert (weight, bias) == (2_000_384, 2_048)  # rounded up to the allocator's 512-byte blocks
    batch, output, scalar = 64 * 1000 * 4, 64 * 500 * 4, 512
    sgd, layer, _ = _linear_step("sgd")
    assert sgd.resident == weight + bias
    # the batch, the output, the loss, backward's seed gradient dL/dL, the weight's and the bias's gradients;
    # SGD without momentum updates in place and keeps no state
    assert sgd.allocated == batch + output + scalar + scalar + weight + bias
    assert sgd.live_peak == sgd.allocated - output  # the output is freed once summed: the sum's backward needs none
    assert resident_bytes(layer) == 2 * (weight + bias)  # weights and their gradients, after the step
    adam, layer, optimizer = _linear_step("adam")
    assert resident_bytes(optimizer) == 2 * (weight + bias)  # Adam's m and v, one of each per parameter
    # m and v, created on the first step, and the update's two temporaries sqrt(v) and sqrt(v) / sqrt(1 - beta2^t)
    assert adam.allocated == sgd.allocated + 4 * (weight + bias)


def test_the_estimate_allocates_nothing_even_for_a_network_no_machine_here_could_hold():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    started = time.perf_counter()
    with torch.device("meta"):
        layer = nn.Linear(60_000, 60_000)  # 3.6 billion weights: 14.4 GB in float32
    optimizer = torch.optim.Adam(layer.parameters())
    estimate = estimate_memory(lambda: (layer(torch.zeros(4096, 60_000, device=META)).sum().backward(),
                                        optimizer.step()), [layer, optimizer])
    assert time.perf_counter() - started < 5
    assert estimate.upper_bound > 4 * 14.4e9  # weights, gradients, m and v
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000


def test_a_trainer_must_be_built_on_the_meta_device_and_in_full_precision():
    images = torch.zeros(8, 1, 28, 28)
    with pytest.raises(ValueError, match="meta device"):
        training_step_memory(dcgan_trainer(images, width=4, batch_size=4, device=torch.device("cpu")))
    with torch.device("meta"):
        trainer = dcgan_trainer(images.clone(), width=4, batch_size=4, device=META,
                                acceleration=Acceleration(amp="bf16"))
    with pytest.raises(ValueError, match="full precision"):
        training_step_memory(trainer)


def test_on_the_meta_device_a_step_allocates_what_it_allocates_on_real_tensors():
    images = torch.zeros(16, 1, 28, 28)
    options = dict(width=4, batch_size=8, acceleration=Acceleration(channels_last=True))
    with torch.device("meta"):
        on_meta = dcgan_trainer(images, device=META, **options)
    on_meta.data.load_state_dict(on_meta.data.state_dict())
    real = dcgan_trainer(images, device=torch.device("cpu"), **options)
    meta_estimate = training_step_memory(on_meta)
    real_estimate = estimate_memory(lambda: real.step_function(real.view), [real.generator, real.discriminator,
                                                                            real.g_optimizer, real.d_optimizer,
                                                                            real.fixed_latent],
                                    device=torch.device("cpu"))
    assert meta_estimate.resident == real_estimate.resident
    assert meta_estimate.allocated == pytest.approx(real_estimate.allocated, rel=0.02)  # CPU kernels' own buffers
    assert meta_estimate.live_peak == pytest.approx(real_estimate.live_peak, rel=0.02)
