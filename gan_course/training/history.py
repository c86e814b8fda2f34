"""A run's history: every named scalar the objective and the hooks report, one value per generator step."""

from __future__ import annotations

from typing import Any, Mapping, Sequence


class History:
    """``history.step`` lists the steps; ``history["d_loss"]`` the values of one scalar, a float per step.

    The names are whatever the run reports (:attr:`names`): an objective's losses and D's mean outputs, a Wasserstein
    estimate, a hook's schedule. Every step reports the same names.
    """

    def __init__(self) -> None:
        self.step: list[int] = []
        self._values: dict[str, list[float]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._values)

    def __getitem__(self, name: str) -> list[float]:
        try:
            return self._values[name]
        except KeyError:
            raise KeyError(f"the history has no {name!r}; it records {', '.join(self._values) or 'nothing yet'}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __len__(self) -> int:
        return len(self.step)

    def extend(self, steps: Sequence[int], values: Mapping[str, Sequence[float]]) -> None:
        """Append the values of ``steps``, one sequence per name (the names recorded so far, in any order)."""
        if self._values and set(values) != set(self._values):
            raise ValueError(f"these steps report {sorted(values)}, earlier steps {sorted(self._values)}: a run must "
                             f"report the same scalars at every step")
        if any(len(column) != len(steps) for column in values.values()):
            raise ValueError("every name needs one value per step")
        self.step.extend(steps)
        for name, column in values.items():
            self._values.setdefault(name, []).extend(float(value) for value in column)

    def state_dict(self) -> dict[str, Any]:
        return {"step": list(self.step), "values": {name: list(column) for name, column in self._values.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step = list(state["step"])
        self._values = {name: list(column) for name, column in state["values"].items()}

    def __repr__(self) -> str:
        return f"History({len(self)} steps: {', '.join(self._values)})"
