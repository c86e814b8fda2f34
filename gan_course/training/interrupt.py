"""Ctrl-C during training: the run stops between two steps, so that what it saves is a state an uninterrupted run
also passes through.

A ``SIGINT`` arriving in the middle of a step (after D's update, before G's) would leave the networks, optimizers and
data stream out of step with the step counter; a checkpoint of that state would resume into a different run. While
:func:`interrupt_between_steps` is active, the first Ctrl-C only raises a flag that the loop reads after each step,
and the loop then raises :class:`TrainingInterrupted`; a second Ctrl-C interrupts at once, as usual.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training between two steps: ``step`` steps are made and the state is whole (a hook may have
    saved it and added a note saying where)."""

    def __init__(self, step: int):
        super().__init__(f"training stopped by Ctrl-C after step {step}")
        self.step = step


@contextmanager
def interrupt_between_steps() -> Iterator[Callable[[], bool]]:
    """Defer the first Ctrl-C to the end of the current step; yields a function that says whether one came.

    Only where Python's own handler is installed in the main thread (a terminal, a Jupyter kernel); elsewhere it
    changes nothing and the function always says no."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield lambda: False
        return
    pressed: list[bool] = []

    def defer(signum: int, frame: object) -> None:
        if pressed:
            raise KeyboardInterrupt
        pressed.append(True)
        print("\nCtrl-C: stopping after this step (press it again to stop at once).", file=sys.stderr)

    signal.signal(signal.SIGINT, defer)
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
