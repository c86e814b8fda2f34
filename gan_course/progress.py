"""Progress bars: shown for long work, decided by the amount of work and never by the clock.

A bar that appears after some seconds makes a notebook's output depend on how loaded the machine is (a checked cell
then fails under load), so the rule here is deterministic: a caller says how much work there is, and ``progress=None``
("auto") shows a bar when that work is at least a threshold chosen to take a few seconds on a laptop CPU.
``progress=True`` always shows one, ``False`` never. Bars are ``tqdm.auto`` bars: widgets in Jupyter, text elsewhere.
"""

from __future__ import annotations

from tqdm.auto import tqdm

AUTO_MIN_SAMPLES = 10_000  # samples a metric draws before "auto" shows a bar: about 2 s of classifier features on 2 CPU cores


def wants_progress(progress: bool | None, work: int, threshold: int = AUTO_MIN_SAMPLES) -> bool:
    """Whether to show a bar: ``progress`` if it is a bool, else (``None``) whether ``work >= threshold``."""
    if progress is None:
        return work >= threshold
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True, False or None (a bar for long work only), got {progress!r}")
    return progress


def progress_bar(total: int, desc: str, unit: str, enabled: bool = True, initial: int = 0, leave: bool = True) -> tqdm:
    """A ``tqdm.auto`` bar over ``total`` items (disabled, and invisible, when ``enabled`` is False)."""
    return tqdm(total=total, initial=initial, desc=desc, unit=unit, disable=not enabled, leave=leave)
