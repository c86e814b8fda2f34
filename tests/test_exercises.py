"""The exercise format (tools/exercises.py): every chapter follows it, and at least half the exercises are autograded."""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT
from tools.exercises import (
    ANSWER_TAG,
    CHECK_TAG,
    HIDDEN_CHECK_TAG,
    ExerciseFormatError,
    chapters,
    parse_exercises,
    plain_exercise,
    read_exercises,
    revealed_answers,
)

CHAPTERS = chapters(ROOT / "book")


def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), *cells])


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str, *tags: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text, metadata={"tags": list(tags)})


PROMPT = "````{exercise} Halves\n:label: ex-half\n\nWrite `half(x)`.\n````"
ANSWER = "def half(x):\n    # BEGIN SOLUTION\n    return x / 2\n    # END SOLUTION"
CHECK = "assert half(4) == 2"
SOLUTION = "````{solution} ex-half\n:class: dropdown\n\nDivide by two.\n````"
WRITTEN = "````{exercise} Prove it\n:label: ex-proof\n\nProve it.\n````"
RUBRIC = "````{solution} ex-proof\n:class: dropdown\n\nBecause.\n\n**Rubric (2 points)**\n- 2: because.\n````"


def test_a_well_formed_section_is_read():
    nb = _notebook(md("## Exercises"), md(PROMPT), code(ANSWER, ANSWER_TAG, "hide-input"),
                   code(CHECK, CHECK_TAG, "remove-cell"), code(CHECK, HIDDEN_CHECK_TAG, "remove-cell"), md(SOLUTION),
                   md(WRITTEN), md(RUBRIC), md("## References"))
    auto, written = parse_exercises(nb, "99_test")
    assert (auto.label, auto.question, auto.autograded, auto.points) == ("ex-half", "ex_half", True, 2)
    assert (auto.prompt, auto.answers, auto.checks, auto.hidden_checks, auto.solution) == (2, [3], [4], [5], 6)
    assert (written.autograded, written.points, written.solution) == (False, 2, 8)
    assert plain_exercise(PROMPT, "9.1") == "**Exercise 9.1: Halves**\n\nWrite `half(x)`.\n"


@pytest.mark.parametrize(
    "cells, message",
    [
        ([md(PROMPT), code(ANSWER, ANSWER_TAG), md(SOLUTION)], "no public check"),
        ([md(PROMPT), code("def half(x):\n    return x / 2", ANSWER_TAG), code(CHECK, CHECK_TAG, "remove-cell")],
         "BEGIN SOLUTION"),
        ([md(PROMPT), code(ANSWER, ANSWER_TAG), code(CHECK, CHECK_TAG)], "remove-cell"),
        ([md(PROMPT), code(ANSWER, ANSWER_TAG), code("half(4)", CHECK_TAG, "remove-cell")], "asserts"),
        ([md(PROMPT), code(ANSWER)], "exactly one of"),
        ([md(WRITTEN), md(RUBRIC.replace("**Rubric (2 points)**", "Rubric"))], "Rubric (N points)"),
        ([md(WRITTEN)], "neither answer cells nor a written solution"),
        ([md(PROMPT + "\n\n" + SOLUTION)], "one {exercise} or one {solution}"),
        ([md(PROMPT), md(RUBRIC)], "must follow that exercise"),
        ([md(PROMPT.replace(":label: ex-half\n", ""))], "has no :label:"),
        ([md("Some words.")], "must hold an {exercise} or a {solution}"),
        ([md(PROMPT), md(SOLUTION), code(ANSWER, ANSWER_TAG)], "go before its solution"),
    ],
)
def test_each_departure_from_the_format_is_named(cells, message):
    with pytest.raises(ExerciseFormatError, match=re.escape(message)):
        parse_exercises(_notebook(md("## Exercises"), *cells), "99_test")


def test_a_chapter_without_an_exercises_section_is_named():
    with pytest.raises(ExerciseFormatError, match="no '## Exercises' heading"):
        parse_exercises(_notebook(md("## Summary")), "99_test")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_follows_the_format(chapter):
    exercises = read_exercises(chapter)
    assert exercises, f"{chapter.name} has no exercises"
    assert len({e.label for e in exercises}) == len(exercises)


def test_at_least_half_of_all_exercises_are_autograded():
    exercises = [e for chapter in CHAPTERS for e in read_exercises(chapter)]
    autograded = [e for e in exercises if e.autograded]
    assert len(exercises) >= 40
    assert 2 * len(autograded) >= len(exercises), f"{len(autograded)} of {len(exercises)} exercises autograded"


# A public check must not state its answer (issue 22): tools.exercises.revealed_answers.
# The checks the issue names, as they were before the fix (chapters 1, 5 and 7).
REVEALING_CHECKS = {
    "chapter 1: the ratio 999": (
        "import numpy as np\nresult = logit_gradients(np.array([1e-3, 0.5, 0.99]))\n"
        "minimax, nonsaturating = result\n"
        "assert np.allclose([minimax[1], nonsaturating[1]], -0.5), 'at D = 1/2 both gradients are -1/2'\n"
        "assert np.isclose(nonsaturating[0] / minimax[0], 999.0, rtol=1e-3), 'at D = 0.001 the ratio is 999'"
    ),
    "chapter 5: the sizes of the prompt's layer": (
        "assert restorable_sizes(64, 5, 3, 2) == {64: 0, 65: 1, 66: 2}, 'the layer of the prompt: o = 22'"
    ),
    "chapter 5: the matrix of part 1": (
        "import torch\n"
        "C = torch.as_tensor(conv1d_matrix(torch.tensor([2.0, 3.0, 5.0]), 5, stride=2, padding=1))\n"
        "expected = torch.tensor([[3.0, 5.0, 0.0, 0.0, 0.0], [0.0, 2.0, 3.0, 5.0, 0.0], [0.0, 0.0, 0.0, 2.0, 3.0]])\n"
        "assert C.shape == (3, 5), 'a 3 x 5 matrix for the example of part 1'\n"
        "assert torch.equal(C.float(), expected), 'row r holds w_u at column 2r - 1 + u'"
    ),
    "chapter 5: two_contributions": "assert list(two_contributions) == [1, 3], 'entries 1 and 3 are reached twice'",
    "chapter 8: ls_return_output": "assert abs(ls_return_output - 1.5) < 1e-9, '|l - 1| = 1/2 again at l = 3/2'",
    "chapter 8: log 199": (
        "import math\nassert abs(saturation_logit(0.01) - math.log(199)) < 1e-6, 'sigma(-l) = 0.005 at l = log 199'"
    ),
    "chapter 8: the levels of the chi-squared coding": (
        "assert tuple(lsgan_levels(-1, 1, 0)) == (0, 0), 'chi-squared coding: both at 0'"
    ),
}


@pytest.mark.parametrize("source", REVEALING_CHECKS.values(), ids=REVEALING_CHECKS.keys())
def test_the_checks_the_issue_names_are_found_to_state_their_answers(source):
    assert revealed_answers(source)


@pytest.mark.parametrize(
    "source, why",
    [
        ("assert f(2) == 7", "compares an answer with the constant 7"),
        ("assert 7 in f(2)", "compares an answer with the constant 7"),
        ("import math\nassert math.isclose(f(2), math.log(4), rel_tol=1e-6)", "constant math.log(4)"),
        ("import pytest\nassert f(2) == pytest.approx(7.5)", "constant 7.5"),
        ("expected = [0.0] * 3\nexpected[1] = 2.5\nassert f(2) == expected", "constant expected"),
        ("import numpy as np\nassert np.allclose(f(2), np.array([0, 0]))", "constant np.array([0, 0])"),
        ("assert abs(f(2) - 7.5) < 1e-6", "distance of an answer to the constant 7.5"),
        ("assert abs(f(2) / 3.5 - 1) < 1e-3", "distance of an answer to the constant 3.5"),
        ("assert 7.4 < f(2) < 7.6", "narrow range"),
        ("assert f(2) > 0, 'the answer is 7.5'", "message states the number 7.5"),
        ("expected = 7.5\nassert f(2) > 0, f'the answer is {expected}'", "message shows the constant expected"),
        ("for x in (1.0, 2.0):\n    assert abs(f(x) - 2 * x**3) < 1e-9", "distance of an answer to the constant 2 * x ** 3"),
    ],
)
def test_each_way_a_check_states_its_answer_is_found(source, why):
    found = revealed_answers(source)
    assert found and any(why in f for f in found), found


@pytest.mark.parametrize(
    "source",
    [
        "result = f(2)\nassert result is not None and len(result) == 3, 'return three numbers'",
        "import torch\nassert tuple(f(torch.zeros(4, 2)).shape) == (4, 1, 28, 28), 'one 1 x 28 x 28 image per row'",
        "assert abs(float(f(0.0))) < 1e-9, 'the distance of a thing to itself is 0'",
        "import numpy as np\nassert np.isclose(f(5).sum(), 1, atol=1e-6), 'the weights sum to 1'",
        "assert 0.0 <= f(2) <= 2.0, 'a share lies between 0 and 2'",
        "import math\nfor k in (2.0, 3.0):\n    assert math.isclose(radius(share(k)), k, rel_tol=1e-6), 'radius undoes share'",
        "assert restore(64) == 64 and 0.3 in kept(0.3), 'a round trip gives back what it was given'",
        "lr, faster = 1e-3, 2e-3\nassert abs(change(lr=faster) / change(lr=lr) / (faster / lr) - 1) < 0.01",
        "assert set(f(1)) == {'minimax', 'least squares'}, 'one entry per loss'",
        "assert f(1).dtype == torch.float64",
        "s = f(1)\nassert s[0] > s[3], 'sample 0 varies more than sample 3'",
        "import torch\nx = torch.rand(5)\nassert torch.allclose(path(x)[0], x), 'the path starts at x'",
        "assert f(2) < 0.05, 'keep fewer than 5% of the samples high quality'",
    ],
)
def test_what_a_public_check_may_show_is_allowed(source):
    prompt = "Keep fewer than 5% of the samples high quality; return a dict with keys minimax and least squares."
    assert revealed_answers(source, prompt) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_public_check_of_a_chapter_states_its_answer(chapter):
    """The chapter's own public check cells (the release test scans what students get from them)."""
    nb = nbformat.read(chapter, as_version=4)
    found = {f"{e.label}, cell {i}": revealed_answers(nb.cells[i].source, nb.cells[e.prompt].source)
             for e in read_exercises(chapter) for i in e.checks}
    found = {where: why for where, why in found.items() if why}
    assert not found, f"public checks that state their answer (make them hidden checks, or check a property): {found}"
