"""The ``rl-constructs`` command (console script ``rl_constructs.runtime.cli:main``); boto3, no CDK import.

- ``command.py``: the argument parser, :func:`main` and the exit codes it documents (``rl-constructs --help``).
- ``errors.py``: :class:`CommandError` and the AWS failures it maps to one line on stderr and an exit code.
- ``lookup.py``: the state machine (by ARN, name or stack), the newest execution, the job it created.
- ``training.py``: ``train``, ``follow`` and ``stop``; ``follower.py``: :class:`Follower`, which follows an
  execution's job, logs and metrics as ``fit(logs=True)`` does.
- ``metrics.py``: ``metrics`` (the curves read from the job's logs); ``charts.py``: terminal and PNG charts.
- ``endpoints.py``: ``endpoints`` and ``predict``.
"""

from .charts import PLOT_COLOURS, png_chart, text_chart
from .command import main
from .errors import (
    EXIT_AWS_ERROR,
    EXIT_AWS_SETUP,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
)
from .follower import Follower
from .lookup import resolve_execution, resolve_state_machine, training_job_of
from .metrics import metric_series
from .training import execution_input

__all__ = [
    "EXIT_AWS_ERROR",
    "EXIT_AWS_SETUP",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PLOT_COLOURS",
    "CommandError",
    "Follower",
    "execution_input",
    "main",
    "metric_series",
    "png_chart",
    "resolve_execution",
    "resolve_state_machine",
    "text_chart",
    "training_job_of",
]
