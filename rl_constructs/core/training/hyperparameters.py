"""Hyperparameters encoded exactly as ``RLEstimator.fit()`` sends them.

The SDK JSON-encodes every value (``json.dumps``): strings get quotes, booleans become ``true``, dicts and
lists become JSON text. It adds seven ``sagemaker_*`` keys of its own, encoded the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import RLConfigurationError

RESERVED_PREFIX = "sagemaker_"
#: botocore's HyperParameters shape: at most 100 entries, key <= 256 and value <= 2500 characters.
MAX_ENTRIES = 100
MAX_KEY_LENGTH = 256
MAX_VALUE_LENGTH = 2500
#: The SDK's default container log level (logging.INFO).
CONTAINER_LOG_LEVEL = 20
ESTIMATOR_NAME = "RLEstimator"
RESERVED_KEYS = (
    "sagemaker_program",
    "sagemaker_submit_directory",
    "sagemaker_container_log_level",
    "sagemaker_job_name",
    "sagemaker_region",
    "sagemaker_s3_output",
    "sagemaker_estimator",
)


def encode_value(value: Any) -> str:
    """One hyperparameter value as the SDK sends it (``json.dumps``)."""
    return json.dumps(value)


def encode_user_hyperparameters(hyperparameters: Mapping[str, Any] | None) -> dict[str, str]:
    """Validate and encode the user's hyperparameters; every error names ``hyperparameters[<key>]``."""
    encoded: dict[str, str] = {}
    for key, value in (hyperparameters or {}).items():
        if not isinstance(key, str) or not key:
            raise RLConfigurationError("hyperparameters", f"keys must be non-empty strings, got {key!r}.")
        argument = f"hyperparameters[{key!r}]"
        if key.startswith(RESERVED_PREFIX):
            raise RLConfigurationError(
                argument,
                f"keys starting with {RESERVED_PREFIX!r} are reserved: the training job sets "
                f"{', '.join(RESERVED_KEYS)} itself.",
            )
        if len(key) > MAX_KEY_LENGTH:
            raise RLConfigurationError(argument, f"the key is longer than {MAX_KEY_LENGTH} characters.")
        try:
            text = encode_value(value)
        except (TypeError, ValueError) as error:
            raise RLConfigurationError(argument, f"the value is not JSON-serializable: {error}.") from None
        if len(text) > MAX_VALUE_LENGTH:
            raise RLConfigurationError(
                argument, f"the JSON-encoded value is {len(text)} characters; SageMaker allows {MAX_VALUE_LENGTH}."
            )
        encoded[key] = text
    if len(encoded) + len(RESERVED_KEYS) > MAX_ENTRIES:
        raise RLConfigurationError(
            "hyperparameters",
            f"{len(encoded)} entries plus the {len(RESERVED_KEYS)} the job adds exceed SageMaker's limit of "
            f"{MAX_ENTRIES}.",
        )
    return encoded


def encode_overrides(hyperparameters: Mapping[str, Any]) -> dict[str, str]:
    """Execution-time hyperparameters as the client sends them in the execution input: each value
    ``json.dumps``-encoded here, exactly as ``RLEstimator.fit()`` encodes it (JSONata cannot match Python's
    ``json.dumps`` for every value: spacing, floats, non-ASCII), so the state machine only merges strings.
    Same rules as :func:`encode_user_hyperparameters` (reserved ``sagemaker_`` keys, SageMaker's lengths)."""
    if not isinstance(hyperparameters, Mapping):
        kind = type(hyperparameters).__name__
        raise TypeError(f"hyperparameters: expected a mapping of names to values, got {kind}.")
    return encode_user_hyperparameters(hyperparameters)


def sdk_hyperparameters(
    *, entry_point: str, submit_directory: str, job_name: str, region: str, s3_output: str
) -> dict[str, str]:
    """The ``sagemaker_*`` hyperparameters ``RLEstimator.fit()`` adds, encoded like the SDK."""
    return {
        "sagemaker_program": encode_value(entry_point),
        "sagemaker_submit_directory": encode_value(submit_directory),
        "sagemaker_container_log_level": encode_value(CONTAINER_LOG_LEVEL),
        "sagemaker_job_name": encode_value(job_name),
        "sagemaker_region": encode_value(region),
        "sagemaker_s3_output": encode_value(s3_output),
        "sagemaker_estimator": encode_value(ESTIMATOR_NAME),
    }
