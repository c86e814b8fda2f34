"""The exercises of a chapter notebook, read from its ``## Exercises`` section.

A chapter is the single source of its exercises. In its ``## Exercises`` section each exercise is

1. one markdown cell holding one sphinx-exercise ``{exercise}`` block with a ``:label:`` (the prompt);
2. for an *autograded* exercise, one or more code cells tagged ``exercise-answer``: the instructor's answer, with
   otter-grader's markers around what the student writes (``# BEGIN SOLUTION`` / ``# END SOLUTION``, replaced by
   ``...`` in the student notebook) and around lines only the book shows (``# BEGIN SOLUTION NO PROMPT``); then code
   cells tagged ``exercise-check`` (public checks a student can run) or ``exercise-hidden-check`` (only the
   autograder runs them), each one test case made of ``assert`` statements, all tagged ``remove-cell`` too;
3. optionally (required for an exercise without answer cells) one markdown cell holding the ``{solution}`` block.
   A written exercise's solution ends with a rubric for the instructor whose heading gives its points:
   ``**Rubric (3 points)**``.

The book shows the prompt, the answer's output (its code behind a toggle) and the solution in a dropdown; nbval runs
the checks against the answer in every CI run. :mod:`tools.release` turns the same cells into otter-grader's format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ANSWER_TAG = "exercise-answer"
CHECK_TAG = "exercise-check"
HIDDEN_CHECK_TAG = "exercise-hidden-check"
EXERCISE_TAGS = (ANSWER_TAG, CHECK_TAG, HIDDEN_CHECK_TAG)
SECTION = "## Exercises"

EXERCISE_RE = re.compile(r"^(`{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)^\1[ \t]*$", re.S | re.M)
SOLUTION_RE = re.compile(r"^(`{3,})\{solution\}[ \t]*(?P<label>\S+)[^\n]*\n(?P<body>.*?)^\1[ \t]*$", re.S | re.M)
LABEL_RE = re.compile(r"^:label:[ \t]*(\S+)[ \t]*$", re.M)
OPTIONS_RE = re.compile(r"\A(?::[\w-]+:[^\n]*\n)+")
RUBRIC_RE = re.compile(r"\*\*Rubric \((\d+) points?\)\*\*")
SOLUTION_MARKER_RE = re.compile(r"#\s*(BEGIN SOLUTION|SOLUTION\b)")


class ExerciseFormatError(ValueError):
    """A chapter's exercises do not follow the format described in :mod:`tools.exercises`."""


@dataclass
class Exercise:
    """One exercise of a chapter: its prompt, its answer and check cells, and its written solution."""

    chapter: str
    label: str
    title: str
    prompt: int
    answers: list[int] = field(default_factory=list)
    checks: list[int] = field(default_factory=list)
    hidden_checks: list[int] = field(default_factory=list)
    solution: int | None = None
    rubric_points: int | None = None

    @property
    def autograded(self) -> bool:
        return bool(self.answers)

    @property
    def question(self) -> str:
        """The name otter-grader knows the exercise by (a Python identifier)."""
        return re.sub(r"\W", "_", self.label)

    @property
    def points(self) -> int:
        """One point per check for an autograded exercise; the rubric's points for a written one."""
        if self.autograded:
            return len(self.checks) + len(self.hidden_checks)
        return self.rubric_points or 0

    @property
    def cells(self) -> list[int]:
        """Every cell of the exercise, in notebook order."""
        own = [self.prompt, *self.answers, *self.checks, *self.hidden_checks]
        if self.solution is not None:
            own.append(self.solution)
        return sorted(own)


def exercise_section(nb: nbformat.NotebookNode) -> tuple[int, int]:
    """The half-open range of cell indices after the ``## Exercises`` heading, up to the next ``#``/``##`` heading."""
    start = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        headings = re.findall(r"^(#{1,2}) (.+)$", cell.source, re.M)
        if start is None:
            if any(f"{hashes} {text.strip()}" == SECTION for hashes, text in headings):
                start = index
                if cell.source.strip() != SECTION and not cell.source.lstrip().startswith(SECTION):
                    raise ExerciseFormatError(f"cell {index}: put '{SECTION}' at the top of its own cell")
        elif headings:
            return start + 1, index
    if start is None:
        raise ExerciseFormatError(f"no '{SECTION}' heading")
    return start + 1, len(nb.cells)


def read_exercises(path: Path, complete: bool = True) -> list[Exercise]:
    """The exercises of one chapter, checked against the format; :class:`ExerciseFormatError` names what is wrong."""
    nb = nbformat.read(path, as_version=4)
    return parse_exercises(nb, path.stem, complete)


def parse_exercises(nb: nbformat.NotebookNode, chapter: str, complete: bool = True) -> list[Exercise]:
    """The exercises of ``nb`` (see the module's docstring for the format).

    With ``complete=False`` an exercise may still lack its answer or rubric (while a chapter is being converted).
    """
    first, stop = exercise_section(nb)
    exercises: list[Exercise] = []

    def fail(index: int, message: str) -> None:
        raise ExerciseFormatError(f"{chapter}, cell {index}: {message}")

    for index in range(first, stop):
        cell = nb.cells[index]
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            blocks = EXERCISE_RE.findall(cell.source)
            solutions = list(SOLUTION_RE.finditer(cell.source))
            if len(blocks) + len(solutions) > 1:
                fail(index, "hold one {exercise} or one {solution} block per cell")
            if blocks:
                match = EXERCISE_RE.search(cell.source)
                label = LABEL_RE.search(match["body"])
                if label is None:
                    fail(index, f"the exercise '{match['title']}' has no :label:")
                exercises.append(Exercise(chapter, label.group(1), match["title"].strip(), index))
            elif solutions:
                if not exercises or solutions[0]["label"] != exercises[-1].label:
                    fail(index, f"the solution of '{solutions[0]['label']}' must follow that exercise's cells")
                exercise = exercises[-1]
                if exercise.solution is not None:
                    fail(index, f"'{exercise.label}' has a second solution")
                exercise.solution = index
                rubric = RUBRIC_RE.search(solutions[0]["body"])
                exercise.rubric_points = int(rubric.group(1)) if rubric else None
            elif index == first and not cell.source.strip():
                continue
            elif cell.source.strip():
                fail(index, "a markdown cell in the exercises section must hold an {exercise} or a {solution}")
            continue
        if not exercises:
            fail(index, "a code cell before the first exercise")
        exercise = exercises[-1]
        kinds = tags & set(EXERCISE_TAGS)
        if len(kinds) != 1:
            fail(index, f"tag a code cell of '{exercise.label}' with exactly one of {', '.join(EXERCISE_TAGS)}")
        if exercise.solution is not None:
            fail(index, f"the code cells of '{exercise.label}' go before its solution")
        if ANSWER_TAG in kinds:
            if exercise.checks or exercise.hidden_checks:
                fail(index, f"the answer cells of '{exercise.label}' go before its checks")
            if not SOLUTION_MARKER_RE.search(cell.source):
                fail(index, "an answer cell needs otter's '# BEGIN SOLUTION' / '# END SOLUTION' around the answer")
            exercise.answers.append(index)
        else:
            if "remove-cell" not in tags:
                fail(index, "tag a check cell 'remove-cell' too, so the book does not show it")
            if "assert" not in cell.source:
                fail(index, "a check cell asserts something")
            (exercise.checks if CHECK_TAG in kinds else exercise.hidden_checks).append(index)

    for exercise in exercises if complete else ():
        where = f"{chapter}: '{exercise.label}'"
        if exercise.autograded and not exercise.checks:
            raise ExerciseFormatError(f"{where} has answer cells but no public check ({CHECK_TAG})")
        if not exercise.autograded:
            if exercise.solution is None:
                raise ExerciseFormatError(f"{where} has neither answer cells nor a written solution")
            if exercise.rubric_points is None:
                raise ExerciseFormatError(
                    f"{where} is graded by hand: end its solution with a rubric headed '**Rubric (N points)**'"
                )
    return exercises


def _body(match: re.Match) -> str:
    """A directive's content without its ``:option:`` lines."""
    return OPTIONS_RE.sub("", match["body"]).strip("\n")


def plain_exercise(source: str, number: str) -> str:
    """An ``{exercise}`` block as plain markdown (Jupyter and Colab do not render MyST directives)."""
    match = EXERCISE_RE.search(source)
    return f"**Exercise {number}: {match['title'].strip()}**\n\n{_body(match)}\n"


def plain_solution(source: str) -> str:
    """A ``{solution}`` block as plain markdown."""
    return f"**Solution**\n\n{_body(SOLUTION_RE.search(source))}\n"


def chapters(book: Path) -> list[Path]:
    """The chapter notebooks of the book, in file order."""
    return sorted(book.glob("[0-9][0-9]_*.ipynb"))
