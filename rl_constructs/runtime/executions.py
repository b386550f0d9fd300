"""The input of a pipeline execution, built on the client side as ``RLEstimator.fit()`` encodes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.execution_input import INPUT_HYPERPARAMETERS, INPUT_JOB_NAME
from ..core.training.hyperparameters import encode_overrides


def execution_input(
    *, hyperparameters: Mapping[str, Any] | None = None, training_job_name: str | None = None
) -> dict[str, Any]:
    """The input of an RLPipeline / RLTrainingJob execution (``StartExecution``'s ``input``, as a dict).

    ``hyperparameters`` are encoded here exactly as ``RLEstimator.fit()`` encodes them (``json.dumps`` of
    each value, ``{"layers": [64, 64]}`` -> ``"[64, 64]"``); the state machine merges these strings over
    the synthesized ones and refuses values that are not strings. ``training_job_name`` must begin with
    the job family prefix (``<base_job_name>-``). Bad keys raise ``RLConfigurationError``.
    """
    value: dict[str, Any] = {}
    if hyperparameters is not None:
        value[INPUT_HYPERPARAMETERS] = encode_overrides(hyperparameters)
    if training_job_name is not None:
        if not isinstance(training_job_name, str):
            raise TypeError(f"training_job_name: expected a str, got {type(training_job_name).__name__}.")
        value[INPUT_JOB_NAME] = training_job_name
    return value
