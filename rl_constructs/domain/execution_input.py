"""JSONata expressions that let a state machine execution's input override what was synthesized.

An execution started with ``{"TrainingJobName": "...", "HyperParameters": {...}}`` overrides the job name
and merges hyperparameters over the synthesized ones; absent keys mean the synthesized values. Pure
string builders: the tests evaluate them with a JSONata engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from .errors import RLConfigurationError

#: SageMaker's TrainingJobName: at most 63 characters of ``[a-zA-Z0-9-]``, no leading or trailing hyphen.
JOB_NAME_MAX = 63
_JOB_NAME_REGEX = "[a-zA-Z0-9](-*[a-zA-Z0-9])*"
#: A base name leaves room for "-" and a default execution name (a 36-character UUID).
BASE_JOB_NAME_MAX = JOB_NAME_MAX - 1 - 36

#: Input keys an execution may set.
INPUT_JOB_NAME = "TrainingJobName"
INPUT_HYPERPARAMETERS = "HyperParameters"
#: Key the training task adds to the state: what later states need of the finished job.
OUTPUT_KEY = "TrainingJob"


def validate_base_job_name(base_job_name: str) -> str:
    """A job-family prefix: every job of the construct is named ``<base_job_name>-<suffix>``."""
    if not re.fullmatch(_JOB_NAME_REGEX, base_job_name) or len(base_job_name) > BASE_JOB_NAME_MAX:
        raise RLConfigurationError(
            "base_job_name",
            f"{base_job_name!r} must be 1 to {BASE_JOB_NAME_MAX} characters of letters, digits and hyphens, "
            "starting and ending with a letter or digit (the rest of the 63 is the per-execution suffix).",
        )
    return base_job_name


def default_base_job_name(*parts: str) -> str:
    """A valid base job name made from construct names (``RLStack/Train`` -> ``RLStack-Train``)."""
    words = [w for part in parts for w in re.split(r"[^a-zA-Z0-9]+", part) if w]
    name = "-".join(words) or "rl-job"
    return name[:BASE_JOB_NAME_MAX].strip("-")


def job_name_expression(base_job_name: str, *, validate: bool = True) -> str:
    """JSONata for the job name: the input's ``TrainingJobName`` (which must keep the family prefix,
    so IAM can stay scoped to it), else ``<base>-<execution name>`` when that is a valid job name, else
    ``<base>-<MD5 of the execution ARN>``; both unique per execution and traceable to it.

    Without ``validate``, a given name is taken as it is: for a second use of the name in the same
    state, where the validating expression (in TrainingJobName) already fails the state on a bad one.
    """
    prefix = f"{base_job_name}-"
    room = JOB_NAME_MAX - len(prefix)
    message = (
        f"{INPUT_JOB_NAME} must begin with {prefix} and have at most {JOB_NAME_MAX} characters, only "
        "letters, digits and hyphens"
    )
    name_given = (
        f"($contains($given, /^{prefix}{_JOB_NAME_REGEX}$/) and $length($given) <= {JOB_NAME_MAX} "
        f"? $given : $error('{message}'))"
        if validate
        else "$given"
    )
    return (
        f"($given := $states.input.{INPUT_JOB_NAME}; $execution := $states.context.Execution.Name; "
        f"$exists($given) ? {name_given} : '{prefix}' & "
        f"($contains($execution, /^{_JOB_NAME_REGEX}$/) and $length($execution) <= {room} "
        "? $execution : $hash($states.context.Execution.Id, 'MD5')))"
    )


def hyperparameters_expression(synthesized: Mapping[str, str], reserved: Mapping[str, str], base_job_name: str) -> str:
    """JSONata for HyperParameters: the synthesized user values, then the execution input's
    ``HyperParameters`` (each value JSON-encoded like the SDK), then the reserved ``sagemaker_*`` keys,
    with ``sagemaker_job_name`` set from the job name expression. An input key starting with
    ``sagemaker_`` stops the execution with an error naming it."""
    given = f"$states.input.{INPUT_HYPERPARAMETERS}"
    encode = "function($v) { $substring($string([$v]), 1, $length($string([$v])) - 2) }"
    overrides = f"($exists({given}) ? $merge($each({given}, function($v, $k) {{ {{$k: $encode($v)}} }})) : {{}})"
    reserved_check = (
        f"($exists({given}) and $count($keys({given})[$substring($, 0, 10) = 'sagemaker_']) > 0 "
        f"? $error('{INPUT_HYPERPARAMETERS} keys starting with sagemaker_ are reserved') : true)"
    )
    job_name = {"sagemaker_job_name": "__JOB_NAME__"}
    reserved_json = _compact_json({**reserved, **job_name}).replace(
        '"__JOB_NAME__"', f"'\"' & {job_name_expression(base_job_name, validate=False)} & '\"'"
    )
    return (
        f"($encode := {encode}; {reserved_check}; "
        f"$merge([{_compact_json(dict(synthesized))}, {overrides}, {reserved_json}]))"
    )


def _compact_json(value: Mapping[str, str]) -> str:
    # JSON objects are JSONata object literals; no spaces, since the expression is repeated per pipeline.
    return json.dumps(value, separators=(",", ":"))


def output_expression() -> str:
    """JSONata for the training task's output: its input plus ``TrainingJob`` (name, ARN, status, model
    data), not the whole DescribeTrainingJob answer, so later states stay far under 256 KiB."""
    return (
        f"$merge([$states.input, {{'{OUTPUT_KEY}': $states.result.{{"
        "'TrainingJobName': TrainingJobName, 'TrainingJobArn': TrainingJobArn, "
        "'TrainingJobStatus': TrainingJobStatus, 'ModelDataUrl': ModelArtifacts.S3ModelArtifacts}}])"
    )


def jsonata(expression: str) -> str:
    """Wrap an expression the way Step Functions recognizes JSONata in a field value."""
    return "{% " + expression + " %}"
