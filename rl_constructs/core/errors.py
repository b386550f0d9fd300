"""The one error type of rl-constructs: a ``ValueError`` that names the argument at fault."""

from __future__ import annotations

from collections.abc import Iterable


class RLConfigurationError(ValueError):
    """Bad input, found at synth time.

    ``argument`` is the keyword argument (or path to a nested field) that is wrong, and ``allowed``
    the values that would have been accepted, when there is a finite list of them.
    """

    def __init__(self, argument: str, problem: str, *, allowed: Iterable[str] | None = None) -> None:
        self.argument = argument
        self.problem = problem
        self.allowed: tuple[str, ...] = tuple(allowed) if allowed is not None else ()
        message = f"{argument}: {problem}"
        if self.allowed:
            message += f" Allowed values: {', '.join(self.allowed)}."
        super().__init__(message)
