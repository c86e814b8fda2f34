"""A second, differently written correct answer passes every check of its exercise (issue 22: a check must accept
every correct answer, not only the instructor's).

For each chapter, ``tests/exercise_alternatives/<chapter stem>.py`` (e.g. ``02_optimal_discriminator.py``; not an
importable name, so it is run from its path) defines

- ``ALTERNATIVES: dict[str, str]``: exercise label -> the source code of a second correct answer, written differently
  from the chapter's (another formula, another algorithm, another library), that defines every name the exercise's
  checks use;
- ``NO_ALTERNATIVE: dict[str, str]``: exercise label -> why no meaningfully different correct answer exists.

Every autograded exercise is in exactly one of the two. Each alternative is run, then every public and hidden check of
its exercise, in one fresh namespace, from ``book/`` with the ``fast`` profile, as the chapter's own cells are run.
"""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from conftest import ROOT
from tools.exercises import Exercise, chapters, read_exercises

CHAPTERS = chapters(ROOT / "book")
ALTERNATIVES_DIR = Path(__file__).parent / "exercise_alternatives"
# Alternatives whose checks take more than a few seconds (marked slow: `-m "not slow"` leaves them out). None does
# today: CI runs the tests serially (`make test`, no pytest-xdist), and the whole file, every chapter's alternatives
# included, took 19 s of CPU (2 min 47 s of wall time on a machine shared by six helpers).
SLOW: set[tuple[str, str]] = set()


def _module(chapter: Path) -> dict:
    """The chapter's ALTERNATIVES and NO_ALTERNATIVE ({} where its module is missing: the coverage test says so)."""
    path = ALTERNATIVES_DIR / f"{chapter.stem}.py"
    return runpy.run_path(str(path)) if path.is_file() else {}


def _cases() -> list:
    cases = []
    for chapter in CHAPTERS:
        for label in _module(chapter).get("ALTERNATIVES", {}):
            marks = [pytest.mark.slow] if (chapter.stem, label) in SLOW else []
            cases.append(pytest.param(chapter, label, marks=marks, id=f"{chapter.stem}:{label}"))
    return cases


def _exercise(chapter: Path, label: str) -> Exercise:
    matches = [e for e in read_exercises(chapter) if e.label == label]
    assert matches, f"{chapter.stem} has no exercise labelled {label!r}"
    return matches[0]


def run_with_checks(nb: nbformat.NotebookNode, exercise: Exercise, source: str, name: str) -> dict:
    """Run ``source`` and then every public and hidden check of ``exercise`` in one fresh namespace; returns it. A
    failing check raises its AssertionError (or whatever the check raises)."""
    transform = TransformerManager().transform_cell
    namespace: dict = {"__name__": "__main__"}
    exec(compile(transform(source), f"<{name}>", "exec"), namespace)  # noqa: S102 - the course's own test code
    for index in sorted(exercise.checks + exercise.hidden_checks):
        kind = "public" if index in exercise.checks else "hidden"
        code = compile(transform(nb.cells[index].source), f"<{exercise.chapter} cell {index}: {kind} check>", "exec")
        exec(code, namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_autograded_exercise_has_an_alternative_or_a_reason(chapter):
    path = ALTERNATIVES_DIR / f"{chapter.stem}.py"
    graded = {e.label for e in read_exercises(chapter) if e.autograded}
    if not graded and not path.is_file():
        return
    assert path.is_file(), f"write {path.relative_to(ROOT)} with ALTERNATIVES and NO_ALTERNATIVE for {sorted(graded)}"
    module = _module(chapter)
    alternatives, reasons = module.get("ALTERNATIVES"), module.get("NO_ALTERNATIVE")
    assert isinstance(alternatives, dict) and isinstance(reasons, dict), "define the dicts ALTERNATIVES and NO_ALTERNATIVE"
    for kind, entries in (("ALTERNATIVES", alternatives), ("NO_ALTERNATIVE", reasons)):
        empty = [label for label, text in entries.items() if not (isinstance(text, str) and text.strip())]
        assert not empty, f"{kind}: give each of {empty} its source code or reason"
    both = set(alternatives) & set(reasons)
    assert not both, f"in both ALTERNATIVES and NO_ALTERNATIVE: {sorted(both)}"
    listed = set(alternatives) | set(reasons)
    assert not graded - listed, f"autograded exercises in neither dict: {sorted(graded - listed)}"
    assert not listed - graded, f"labels that are not autograded exercises of {chapter.stem}: {sorted(listed - graded)}"


@pytest.mark.parametrize("chapter, label", _cases())
def test_a_second_correct_answer_passes_every_check(chapter, label, monkeypatch):
    """The alternative, then every public and hidden check of its exercise, from book/ with the fast profile."""
    monkeypatch.chdir(ROOT / "book")
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    nb = nbformat.read(chapter, as_version=4)
    exercise = _exercise(chapter, label)
    source = _module(chapter)["ALTERNATIVES"][label]
    answer = "\n".join(nb.cells[i].source for i in exercise.answers)
    assert ast.dump(ast.parse(source)) != ast.dump(ast.parse(answer)), "the alternative is the chapter's answer"
    assert exercise.checks, f"{label} has no public check"
    run_with_checks(nb, exercise, source, f"{chapter.stem} {label}: alternative")


def test_the_harness_fails_a_wrong_answer(monkeypatch):
    """The same run rejects a wrong answer: the two gradients of chapter 1's first exercise swapped."""
    monkeypatch.chdir(ROOT / "book")
    chapter = ROOT / "book" / "01_minimax_game.ipynb"
    exercise = _exercise(chapter, "ex-ch1-logit-gradients")
    wrong = "import numpy as np\n\ndef logit_gradients(d):\n    d = np.asarray(d, dtype=float)\n    return d - 1, -d\n"
    with pytest.raises(AssertionError):
        run_with_checks(nbformat.read(chapter, as_version=4), exercise, wrong, "a wrong answer")
