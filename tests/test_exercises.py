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
