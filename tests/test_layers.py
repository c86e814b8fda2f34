"""The package's layers: every import runs from a higher layer to a lower one (or within a layer, without cycles).

From the bottom: the foundation (device, seeding, run sizes, progress bars), the core (objectives, priors, models,
the loop and its hooks, data, metrics), the recipes, the pretrained models, the chapters' experiments by book part,
and the command line. The README's *The package* draws the same picture. Imports inside functions count; imports
under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gan_course"
LAYERS = {  # unit -> layer; a unit is a top-level module or subpackage, or experiments.<part>
    "atomic_file": 0, "device": 0, "distributed": 0, "seed": 0, "profiles": 0, "progress": 0, "eval_mode": 0,
    "batch_statistics": 0, "tables": 0,
    "latent": 1, "data": 1, "losses": 1, "models": 1, "training": 1, "metrics": 1, "conditioning": 1,
    "recipes": 2,
    "pretrained": 3,
    "experiments": 4, "experiments.theory": 4, "experiments.architectures": 4, "experiments.losses": 4,
    "experiments.visualization": 4, "experiments.making_gans_train": 4, "experiments.conditioning": 4,
    "cli": 5, "__main__": 5, "handin": 5,
}
CORE = [unit for unit, layer in LAYERS.items() if layer <= 1]


def unit_of(module: str) -> str | None:
    """``gan_course.experiments.losses.critic`` -> ``experiments.losses``; ``gan_course.training.hooks`` ->
    ``training``."""
    parts = module.split(".")
    if parts[0] != "gan_course" or len(parts) < 2:
        return None
    if parts[1] == "experiments":
        return ".".join(parts[1:3]) if len(parts) > 2 else "experiments"
    return parts[1]


def runtime_imports(tree: ast.AST) -> list[str]:
    """The modules ``tree`` imports when it runs (``from a import b`` may name module ``a.b``)."""
    skipped = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
               and getattr(branch.test, "id", getattr(branch.test, "attr", None)) == "TYPE_CHECKING"
               for node in ast.walk(branch)}
    modules = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
            modules += [f"{node.module}.{alias.name}" for alias in node.names]
    return modules


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """unit -> the units its modules import (itself excluded)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        me = unit_of(module_name(path))
        if me is None:  # gan_course/__init__.py, checked on its own below
            continue
        targets = {unit_of(module) for module in runtime_imports(ast.parse(path.read_text()))}
        graph.setdefault(me, set()).update(t for t in targets if t and t != me and t != "experiments")
    return graph


def test_every_unit_has_a_layer():
    """A new top-level module, subpackage or experiments part must be placed in a layer here and in the README."""
    assert set(import_graph()) <= set(LAYERS), f"units without a layer: {sorted(set(import_graph()) - set(LAYERS))}"


def test_imports_run_downwards_only():
    upward = [f"{unit} (layer {LAYERS[unit]}) imports {target} (layer {LAYERS[target]})"
              for unit, targets in import_graph().items() for target in sorted(targets)
              if LAYERS[target] > LAYERS[unit]]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_no_import_cycle_between_units():
    graph = import_graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(unit: str, path: list[str]) -> list[str] | None:
        state[unit] = 1
        for target in sorted(graph.get(unit, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target, path + [target])):
                return cycle
        state[unit] = 2
        return None

    for unit in sorted(graph):
        if unit not in state:
            cycle = visit(unit, [unit])
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_top_level_package_imports_only_the_foundation():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    units = {unit_of(module) for module in runtime_imports(tree)} - {None}
    assert units and all(LAYERS[unit] == 0 for unit in units), units


def test_importing_the_core_loads_nothing_above_it():
    """The same rule seen at run time: importing every core unit loads no recipe, pretrained model or experiment."""
    code = ("import sys; " + "; ".join(f"import gan_course.{unit}" for unit in CORE) + "; "
            "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('gan_course.')}))")
    loaded = ast.literal_eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                             check=True).stdout)
    assert set(CORE) <= set(loaded)
    above = [name for name in loaded if LAYERS.get(name, 4) > 1]
    assert not above, f"importing the core loads {above}"


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The rule can fail: a core module importing an experiment is reported."""
    package = tmp_path / "gan_course"
    (package / "losses").mkdir(parents=True)
    (package / "experiments" / "losses").mkdir(parents=True)
    (package / "losses" / "gan.py").write_text("from gan_course.experiments.losses.critic import train_critic\n")
    (package / "experiments" / "losses" / "critic.py").write_text("from gan_course.losses.gan import Minimax\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert import_graph() == {"losses": {"experiments.losses"}, "experiments.losses": {"losses"}}
    with pytest.raises(AssertionError, match="losses \\(layer 1\\) imports experiments.losses \\(layer 4\\)"):
        test_imports_run_downwards_only()
    with pytest.raises(AssertionError, match="import cycle"):
        test_no_import_cycle_between_units()


def test_the_readme_draws_the_same_layers():
    """The README's diagram puts every unit in the layer this test does (a diagram line starts with its number)."""
    readme = (PACKAGE.parent / "README.md").read_text()
    diagram = readme.split("## The package")[1].split("```text")[1].split("```")[0]
    rows: dict[int, str] = {}
    layer = None
    for line in diagram.splitlines():
        number = line.split()[0] if line.strip() else ""
        if number.isdigit():
            layer = int(number)
        if layer is not None:
            rows[layer] = rows.get(layer, "") + " " + line
    for unit, expected in LAYERS.items():
        name = unit.replace(".", "/")
        placed = [number for number, row in rows.items() if re.search(rf"(?<![\w/]){re.escape(name)}(?![\w/])", row)]
        assert placed == [expected], f"the README draws {name} in layers {placed}, tests/test_layers.py in {expected}"
