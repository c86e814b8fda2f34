"""The exercises of a chapter notebook, read from its ``## Exercises`` section.

A chapter is the single source of its exercises. In its ``## Exercises`` section each exercise is

1. one markdown cell holding one sphinx-exercise ``{exercise}`` block with a ``:label:`` (the prompt);
2. for an *autograded* exercise, one or more code cells tagged ``exercise-answer``: the instructor's answer, with
   otter-grader's markers around what the student writes (``# BEGIN SOLUTION`` / ``# END SOLUTION``, replaced by
   ``...`` in the student notebook) and around lines only the book shows (``# BEGIN SOLUTION NO PROMPT``); then code
   cells tagged ``exercise-check`` (public checks a student can run) or ``exercise-hidden-check`` (only the
   autograder runs them), each one test case made of ``assert`` statements, all tagged ``remove-cell`` too. A check
   imports what it uses. A public check is shipped to students with its source and prints its message when it fails:
   it says what is wrong without the answer (types, shapes, ranges, invariants, consistency with torch or the
   package); exact values go into hidden checks (:func:`revealed_answers` states the rule, and the tests apply it).
   Every check accepts every correct answer: its tolerance is what the mathematics allows (a second-order
   approximation is exact only to second order; float32 is allowed unless the prompt asks for float64), and
   ``tests/exercise_alternatives/<chapter>.py`` holds a second, differently written correct answer that must pass;
3. optionally (required for an exercise without answer cells) one markdown cell holding the ``{solution}`` block.
   A written exercise's solution ends with a rubric for the instructor whose heading gives its points:
   ``**Rubric (3 points)**``.

The book shows the prompt, the answer's output (its code behind a toggle) and the solution in a dropdown; nbval runs
the checks against the answer in every CI run. :mod:`tools.release` turns the same cells into otter-grader's format.
"""

from __future__ import annotations

import ast
import math
import numbers
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


# --- What a public check may show -------------------------------------------------------------------------------------
#
# A public check is shipped to students (its source is in their ``tests/`` folder and its assertion message is printed
# when it fails), so it must say what is wrong without giving the answer away: it checks types, shapes, ranges,
# invariants and consistency (with the student's other functions, with the package, with torch). Exact values live in
# hidden checks. :func:`revealed_answers` finds the usual ways a check gives an answer away:
#
# 1. an *equality-type* test of an answer against a constant: ``==``, ``!=``, ``in``, ``is``, and the closeness calls
#    (``isclose``, ``allclose``, ``equal``, ``array_equal``, ``assert_allclose``, ``assert_close``, ``approx``, ...).
#    A constant is anything built from literals only: a literal, a container of literals, arithmetic on them, a call of
#    ``math``/``numpy``/``torch``/a builtin on them, or a name the check binds to such a value (a literal tensor
#    ``expected`` filled in entry by entry included);
# 2. a *distance to a constant* bounded by a tolerance: ``abs(x - 999) < 1e-3`` (the constant combined with the answer
#    by ``+ - * /`` inside an order comparison against a constant), and a two-sided range so narrow that it pins the
#    value (``998 < x < 1000``: width below a tenth of the bounds' size);
# 3. a number in the assertion message (``"at D = 0.001 the ratio is 999"``) or a constant formatted into it.
#
# The allow-list, and why each entry cannot give an answer away:
# - ``None``, ``True``, ``False``: the type of a result, not its value;
# - the scalars 0 and 1 as expected values: a distance or a divergence of a thing to itself, a share that is complete
#   or empty, a normalisation (weights summing to 1) — invariants stated by the definitions (an exercise whose asked-for
#   value is exactly 0 or 1 must check it in a hidden check: the rule cannot tell);
# - integers compared with a shape (``.shape``, ``len(...)``, ``.ndim``, ``.size()``, ``.numel()``, a layer's
#   ``in_features``/``out_features``/``in_channels``/``out_channels``): a result's form;
# - a scalar equal to one of the check's own inputs (a literal passed to a function, or a value a ``for`` loop runs
#   over): a round trip (``radius(share(3.0)) == 3.0``) or an identity shows the student nothing they did not pass in;
# - an expression made only of input names, with no literal of its own (``faster / lr``, ``(d, c * k * k)``): how
#   the answer scales with what the check passes in, not a formula's coefficients (``2 * theta**3`` is flagged);
# - tolerances: a closeness call's third and later arguments and its ``rtol``/``atol``/... keywords, and the bound of
#   an order comparison (``<``, ``<=``, ``>``, ``>=``): a range says where a value must lie, not what it is (unless it
#   is narrow, point 2);
# - strings that the exercise's prompt contains (dictionary keys and names the prompt defines);
# - in a message: 0 and 1, the check's input values, the integers of its shape comparisons, and numbers the prompt
#   itself states (a condition of the exercise, such as "fewer than 5%").
# A deliberate author can hide a value from any syntactic rule; this one catches the checks that state it.

CLOSENESS_CALLS = {
    "isclose", "allclose", "equal", "array_equal", "array_equiv", "assert_allclose", "assert_close", "assert_equal",
    "assert_array_equal", "assert_almost_equal", "assert_array_almost_equal", "approx",
}
PURE_ROOTS = {"math", "np", "numpy", "torch", "fractions", "Fraction"}
PURE_BUILTINS = {"float", "int", "complex", "abs", "round", "tuple", "list", "set", "frozenset", "dict", "sorted",
                 "range", "sum", "min", "max", "pow", "divmod", "reversed", "zip", "enumerate"}
SHAPE_ATTRIBUTES = {"shape", "ndim", "in_features", "out_features", "in_channels", "out_channels"}
SHAPE_CALLS = {"len", "shape", "size", "numel", "dim"}
EQUALITY_OPS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)
ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
NUMBER_RE = re.compile(
    r"(?<![\w.^])(?P<sign>[-−])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<exp>[eE][-+]?\d+)?"
    r"(?:/(?P<den>\d+))?(?P<pct>%)?(?![\w.]\w)"
)
LATEX_FRACTION_RE = re.compile(r"\\[dt]?frac\s*\{?(\d+)\}?\s*\{?(\d+)\}?")
LATEX_POWER_RE = re.compile(r"10\^\{?([-−]?\d+)\}?")
_UNKNOWN = object()


def text_numbers(text: str) -> list[float]:
    """The numbers written in ``text``: integers (``2,500``), decimals, ``1e-3``, fractions ``1/2`` and ``\\tfrac12``,
    powers ``10^{-3}``; a percentage counts as both its number and its share (``5%``: 5 and 0.05)."""
    found = []
    for match in NUMBER_RE.finditer(text):
        value = float(match["int"].replace(",", "") + (match["frac"] or "") + (match["exp"] or ""))
        if match["den"]:
            value /= float(match["den"]) or 1.0
        if match["sign"]:
            value = -value
        found.append(value)
        if match["pct"]:
            found.append(value / 100)
    found += [float(a) / float(b) for a, b in LATEX_FRACTION_RE.findall(text) if float(b)]
    found += [10.0 ** float(e.replace("−", "-")) for e in LATEX_POWER_RE.findall(text)]
    return found


def _leaves(value) -> list:
    """The scalars inside a value (containers, dict keys and values, arrays and tensors flattened)."""
    if isinstance(value, dict):
        return [leaf for pair in value.items() for item in pair for leaf in _leaves(item)]
    if isinstance(value, (list, tuple, set, frozenset, range)):
        return [leaf for item in value for leaf in _leaves(item)]
    if hasattr(value, "tolist") and not isinstance(value, (int, float, complex, bool)):
        return _leaves(value.tolist())
    return [value]


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


RANDOM_NAMES = {"normal", "uniform", "choice", "permutation", "shuffle", "dirichlet", "multinomial", "bernoulli",
                "poisson", "Generator", "default_rng", "manual_seed", "seed", "standard_normal", "integers", "random"}


def _random(func: ast.AST) -> bool:
    """Whether a called function draws random numbers (``torch.rand``, ``np.random.*``, ``rng.normal``)."""
    while isinstance(func, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(func, ast.Attribute) and ("rand" in func.attr or func.attr in RANDOM_NAMES):
            return True
        func = func.func if isinstance(func, ast.Call) else func.value
    return isinstance(func, ast.Name) and ("rand" in func.id or func.id in RANDOM_NAMES)


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


class _Check:
    """One check's source, read for :func:`revealed_answers`."""

    def __init__(self, source: str, prompt: str):
        self.tree = ast.parse(source)
        self.prompt = prompt
        self.prompt_numbers = text_numbers(prompt)
        self.constant_names = self._constant_names()
        self.values = self._values()
        self.inputs = self._inputs()

    # -- which names and expressions are constants
    def _bindings(self) -> dict[str, list[ast.AST | None]]:
        """Every value bound to each name (None: bound by something that is not a constant, such as a parameter)."""
        bound: dict[str, list[ast.AST | None]] = {}

        def bind(target: ast.AST, value: ast.AST | None) -> None:
            if isinstance(target, ast.Name):
                bound.setdefault(target.id, []).append(value)
            elif isinstance(target, (ast.Tuple, ast.List)):
                values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(
                    target.elts) else [value if value is not None else None] * len(target.elts)
                for t, v in zip(target.elts, values):
                    bind(t, v)
            elif isinstance(target, ast.Subscript):  # expected[0, 8] = 1.0 keeps `expected` a constant if 1.0 is
                base = target
                while isinstance(base, ast.Subscript):
                    base = base.value
                if isinstance(base, ast.Name):
                    bound.setdefault(base.id, []).append(value)
            elif isinstance(target, ast.Starred):
                bind(target.value, None)

        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                bind(node.target, node.value)
            elif isinstance(node, (ast.For, ast.comprehension)):
                bind(node.target, _LoopOver(node.iter))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                    bound.setdefault(arg.arg, []).append(None)
                if not isinstance(node, ast.Lambda):
                    bound.setdefault(node.name, []).append(None)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    name = (alias.asname or alias.name).split(".")[0]
                    bound.setdefault(name, []).append(None if name not in PURE_ROOTS else _Module())
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        bind(item.optional_vars, None)
            elif isinstance(node, ast.NamedExpr):
                bind(node.target, node.value)
        return bound

    def _constant_names(self) -> set[str]:
        bound = self._bindings()
        constant: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, values in bound.items():
                if name in constant or name in PURE_ROOTS:
                    continue
                if values and all(v is not None and not isinstance(v, _Module) and self._constant_with(v, constant)
                                  for v in values):
                    constant.add(name)
                    changed = True
        return constant

    def _constant_with(self, node: ast.AST, names: set[str]) -> bool:
        if isinstance(node, _LoopOver):
            return self._constant_with(node.iter, names)
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return node.id in names
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(self._constant_with(e, names) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(k is not None and self._constant_with(k, names) for k in node.keys) and all(
                self._constant_with(v, names) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            return self._constant_with(node.operand, names)
        if isinstance(node, ast.BinOp):
            return self._constant_with(node.left, names) and self._constant_with(node.right, names)
        if isinstance(node, ast.Subscript):
            return self._constant_with(node.value, names) and self._constant_with(node.slice, names)
        if isinstance(node, ast.Slice):
            return all(part is None or self._constant_with(part, names) for part in (node.lower, node.upper, node.step))
        if isinstance(node, ast.Attribute):  # math.pi, torch.float64, or an attribute of a constant
            return _root(node) in PURE_ROOTS or self._constant_with(node.value, names)
        if isinstance(node, ast.Call):
            func = node.func
            if _random(func):  # torch.rand(3), rng.normal(): values the check draws, not stated ones
                return False
            pure = (isinstance(func, ast.Name) and func.id in PURE_BUILTINS) or (
                isinstance(func, ast.Attribute) and (_root(func) in PURE_ROOTS or self._constant_with(func.value, names)))
            return pure and all(self._constant_with(a.value if isinstance(a, ast.Starred) else a, names)
                                for a in node.args) and all(self._constant_with(k.value, names) for k in node.keywords)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = names | {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            return all(self._constant_with(g.iter, names) and all(self._constant_with(c, inner) for c in g.ifs)
                       for g in node.generators) and all(self._constant_with(p, inner) for p in parts)
        return False

    def constant(self, node: ast.AST) -> bool:
        return self._constant_with(node, self.constant_names)

    # -- the values of constants
    def _environment(self) -> dict:
        import math as math_module

        environment: dict = {"math": math_module}
        for module in ("numpy", "torch", "fractions"):
            try:
                environment[module] = __import__(module)
            except ImportError:  # pragma: no cover - the course installs them
                pass
        if "numpy" in environment:
            environment["np"] = environment["numpy"]
        return environment

    def _values(self) -> dict[str, object]:
        """The values of the single-valued constant names, by running their assignments in order."""
        environment = self._environment()
        assignments = [n for n in ast.walk(self.tree) if isinstance(n, (ast.Assign, ast.AugAssign))]
        for node in sorted(assignments, key=lambda n: (n.lineno, n.col_offset)):
            names = {n.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                     for n in ast.walk(t) if isinstance(n, ast.Name)}
            if names and names <= self.constant_names:
                try:
                    exec(compile(ast.Module([node], []), "<check>", "exec"), environment)  # noqa: S102
                except Exception:  # noqa: BLE001 - a value that cannot be worked out (a loop's) is unknown
                    pass
        return environment

    def value(self, node: ast.AST):
        """The value of a constant expression, or ``_UNKNOWN`` (it depends on a loop variable, or fails)."""
        try:
            return eval(compile(ast.Expression(node), "<check>", "eval"), dict(self.values))  # noqa: S307
        except Exception:  # noqa: BLE001
            return _UNKNOWN

    def _inputs(self) -> list[float]:
        """The numbers the check passes in: the constant arguments of calls that are not constant-folded, and the values
        ``for`` loops run over."""
        found: list = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and not self.constant(node) and _call_name(node) not in CLOSENESS_CALLS:
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    if self.constant(argument):  # its value, and the literals and constant names it is made of
                        found += _leaves(self.value(argument))
                        for part in ast.walk(argument):
                            if isinstance(part, ast.Constant):
                                found.append(part.value)
                            elif isinstance(part, ast.Name) and part.id in self.constant_names:
                                found += _leaves(self.values.get(part.id, _UNKNOWN))
            elif isinstance(node, (ast.For, ast.comprehension)) and self.constant(node.iter):
                found += _leaves(self.value(node.iter))
        return [n for n in map(_number, found) if n is not None]

    # -- the rule
    def _allowed_expected(self, node: ast.AST, other: ast.AST) -> bool:
        """Whether comparing ``other`` (an answer) for equality with the constant ``node`` shows no answer."""
        shape_like = any(
            (isinstance(n, ast.Attribute) and n.attr in SHAPE_ATTRIBUTES)
            or (isinstance(n, ast.Call) and _call_name(n) in SHAPE_CALLS) for n in ast.walk(other))
        if self._of_inputs(node):
            return True
        value = self.value(node)
        if value is _UNKNOWN:  # a shape worked out from a loop's values, such as (n + 1,)
            return shape_like
        if value is None or isinstance(value, bool):
            return True
        leaves = _leaves(value)
        if shape_like and all(isinstance(v, int) and not isinstance(v, bool) for v in leaves):
            return True
        if leaves and all(isinstance(v, str) for v in leaves):
            return all(v in self.prompt for v in leaves)
        number = _number(value)
        if number is None and hasattr(value, "numel") and value.numel() == 1:
            number = float(value)
        if number is None:  # a container or an array of values; a type or a dtype (torch.float64) is only a form
            return not isinstance(value, (str, list, tuple, set, frozenset, dict, range)) and not hasattr(value, "tolist")
        return number in (0.0, 1.0) or any(_same(number, x) for x in self.inputs)

    def _input_name(self, name: str) -> bool:
        """A loop variable, or a name bound to one of the check's input values."""
        if _number_inputs_name(self.tree, name):
            return True
        number = _number(self.values.get(name, _UNKNOWN)) if name in self.constant_names else None
        return number is not None and any(_same(number, x) for x in self.inputs)

    def _of_inputs(self, node: ast.AST) -> bool:
        """Whether ``node`` combines input names only, with no literal of its own (``faster / lr``,
        ``math.sqrt(large / small)``): a scaling with what the check passes in, not a formula's coefficients."""
        if isinstance(node, (ast.Tuple, ast.List)) and node.elts:  # (d, c * k * k): each entry on its own
            return all(self._of_inputs(element) for element in node.elts)
        names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
        return (not any(isinstance(n, ast.Constant) for n in ast.walk(node))
                and not any(isinstance(n, (ast.Tuple, ast.List, ast.Set, ast.Dict)) for n in ast.walk(node))
                and any(self._input_name(n.id) for n in names)
                and all(self._input_name(n.id) or n.id in PURE_ROOTS for n in names))

    def _structural_number(self, node: ast.AST) -> bool:
        if self._of_inputs(node):
            return True
        number = _number(self.value(node))
        return number is not None and (number in (0.0, 1.0) or any(_same(number, x) for x in self.inputs))

    def comparisons(self) -> list[ast.AST]:
        """The comparisons and closeness calls that an assertion rests on (also through a name it tests)."""
        tested: list[ast.AST] = []
        asserted_names: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assert):
                tested.append(node.test)
                asserted_names |= {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in asserted_names for t in node.targets):
                tested.append(node.value)
        found = []
        for test in tested:
            found += [n for n in ast.walk(test) if isinstance(n, ast.Compare) or (
                isinstance(n, ast.Call) and _call_name(n) in CLOSENESS_CALLS)]
        return found

    def findings(self) -> list[str]:
        found: list[str] = []

        def say(node: ast.AST, why: str) -> None:
            found.append(f"line {node.lineno}: {why}: {ast.unparse(node)[:120]}")

        for node in self.comparisons():
            if isinstance(node, ast.Call):
                if _call_name(node) == "approx" and node.args and self.constant(node.args[0]):
                    if not self._allowed_expected(node.args[0], node):
                        say(node, f"compares an answer with the constant {ast.unparse(node.args[0])[:60]}")
                    continue
                pair = node.args[:2]
                if len(pair) == 2 and self.constant(pair[0]) != self.constant(pair[1]):
                    expected, answer = pair if self.constant(pair[0]) else pair[::-1]
                    if not self._allowed_expected(expected, answer):
                        say(node, f"compares an answer with the constant {ast.unparse(expected)[:60]}")
                continue
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:]):
                if self.constant(left) == self.constant(right):
                    continue
                expected, answer = (left, right) if self.constant(left) else (right, left)
                if isinstance(op, EQUALITY_OPS):
                    if not self._allowed_expected(expected, answer):
                        say(node, f"compares an answer with the constant {ast.unparse(expected)[:60]}")
                elif isinstance(op, ORDER_OPS):
                    for inner in ast.walk(answer):
                        if isinstance(inner, ast.BinOp) and isinstance(inner.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
                            sides = (inner.left, inner.right)
                            constants = [s for s in sides if self.constant(s)]
                            if len(constants) == 1 and not self._structural_number(constants[0]):
                                say(node, f"bounds the distance of an answer to the constant "
                                          f"{ast.unparse(constants[0])[:60]}")
                                break
            if len(operands) == 3 and all(isinstance(op, ORDER_OPS) for op in node.ops):
                low, high = (self.value(operands[0]), self.value(operands[2]))
                low, high = _number(low), _number(high)
                if low is not None and high is not None and not self.constant(operands[1]):
                    if abs(high - low) < 0.1 * max(abs(low), abs(high)):
                        say(node, "pins an answer to a narrow range")
        indices = [float(n.slice.value) for n in ast.walk(self.tree) if isinstance(n, ast.Subscript)
                   and isinstance(n.slice, ast.Constant) and _number(n.slice.value) is not None]
        allowed = [0.0, 1.0, *self.inputs, *self.prompt_numbers, *indices]
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Assert) or node.msg is None:
                continue
            parts = node.msg.values if isinstance(node.msg, ast.JoinedStr) else [node.msg]
            for part in parts:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    for number in text_numbers(part.value):
                        if not any(_same(number, a) for a in [*allowed, *self._shape_integers()]):
                            say(node, f"its message states the number {number:g}")
                            break
                elif isinstance(part, ast.FormattedValue) and self.constant(part.value):
                    if not (isinstance(part.value, ast.Name) and _number_inputs_name(self.tree, part.value.id)) \
                            and not self._structural_number(part.value):
                        say(node, f"its message shows the constant {ast.unparse(part.value)[:60]}")
        return found

    def _shape_integers(self) -> list[float]:
        found = []
        for node in self.comparisons():
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if self.constant(side):
                        found += [float(v) for v in _leaves(self.value(side)) if isinstance(v, int)
                                  and not isinstance(v, bool) and any(
                                      (isinstance(n, ast.Attribute) and n.attr in SHAPE_ATTRIBUTES)
                                      or (isinstance(n, ast.Call) and _call_name(n) in SHAPE_CALLS)
                                      for other in [node.left, *node.comparators] for n in ast.walk(other))]
        return found


class _LoopOver:
    """The values a ``for`` loop or a comprehension binds its target to: those of ``iter``."""

    def __init__(self, iterable: ast.AST):
        self.iter = iterable


class _Module:
    """An imported module of :data:`PURE_ROOTS`."""


def _number_inputs_name(tree: ast.AST, name: str) -> bool:
    """Whether ``name`` is a loop variable (a value the check runs over: an input)."""
    return any(isinstance(node, (ast.For, ast.comprehension)) and any(
        isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)) for node in ast.walk(tree))


def revealed_answers(source: str, prompt: str = "") -> list[str]:
    """Where a public check's ``source`` gives an answer away (see the rule above); ``prompt`` is its exercise's
    prompt (strings and the numbers it states may appear). An empty list: the check shows no answer."""
    return _Check(source, prompt).findings()
