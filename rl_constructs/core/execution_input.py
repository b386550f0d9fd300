"""JSONata expressions that let a state machine execution's input override what was synthesized.

An execution started with ``{"TrainingJobName": "...", "HyperParameters": {...}}`` overrides the job name
and merges hyperparameters (names to JSON-encoded strings, as the SDK encodes them) over the synthesized
ones; absent keys mean the synthesized values. Pure
string builders: the tests evaluate them with a JSONata engine.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping

from .aws import NAME_MAX_LENGTH, NAME_PATTERN
from .errors import RLConfigurationError

#: SageMaker's TrainingJobName: at most 63 characters of ``[a-zA-Z0-9-]``, no leading or trailing hyphen.
JOB_NAME_MAX = NAME_MAX_LENGTH
_JOB_NAME_REGEX = NAME_PATTERN
#: The SDK's ``name_from_base`` keeps ``base[:39]``: room for "-" and its 23-character timestamp.
BASE_JOB_NAME_MAX = JOB_NAME_MAX - 1 - 23

#: Input keys an execution may set.
INPUT_JOB_NAME = "TrainingJobName"
INPUT_HYPERPARAMETERS = "HyperParameters"
#: Key the training task adds to the state: what later states need of the finished job.
OUTPUT_KEY = "TrainingJob"


def validate_base_job_name(base_job_name: str) -> str:
    """A job-family prefix: every job of the construct is named ``<base_job_name>-<suffix>``. Longer than
    39 characters, it is trimmed like the SDK's ``name_from_base`` (``base[:39]``), so the suffix keeps
    at least 23 characters."""
    if not isinstance(base_job_name, str):
        raise TypeError(f"base_job_name: expected a str, got {type(base_job_name).__name__}.")
    if not re.fullmatch(_JOB_NAME_REGEX, base_job_name):
        raise RLConfigurationError(
            "base_job_name",
            f"{base_job_name!r} must be letters, digits and hyphens, starting and ending with a letter or digit "
            f"(longer than {BASE_JOB_NAME_MAX} characters, it is trimmed like the SDK trims it).",
        )
    return base_job_name[:BASE_JOB_NAME_MAX]


def default_base_job_name(*parts: str, max_length: int = BASE_JOB_NAME_MAX) -> str:
    """A valid base job name made from construct names (``RLStack/Train`` -> ``RLStack-Train``). A name
    longer than ``max_length`` (39 for training jobs) is cut and ends with 8 hex characters of the whole
    name's SHA-256, so two jobs of one stack keep distinct job families, IAM scopes and metrics."""
    words = [w for part in parts for w in re.split(r"[^a-zA-Z0-9]+", part) if w]
    name = "-".join(words) or "rl-job"
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: max_length - 9].rstrip('-')}-{digest}"


def job_name_expression(
    base_job_name: str, *, validate: bool = True, input_key: str = INPUT_JOB_NAME, max_length: int = JOB_NAME_MAX
) -> str:
    """JSONata for the job name: the input's ``TrainingJobName`` (which must keep the family prefix,
    so IAM can stay scoped to it), else ``<base>-<execution name>`` when that is a valid job name, else
    ``<base>-<MD5 of the execution ARN>`` (cut to the room left, at least 23 characters); both unique per
    execution and traceable to it.

    Without ``validate``, a given name is taken as it is: for a second use of the name in the same
    state, where the validating expression (in TrainingJobName) already fails the state on a bad one.
    ``input_key`` and ``max_length`` name other jobs the same way (a tuning job: its input key, 32).
    """
    prefix = f"{base_job_name}-"
    room = max_length - len(prefix)
    message = (
        f"{input_key} must begin with {prefix} and have at most {max_length} characters, only "
        "letters, digits and hyphens"
    )
    name_given = (
        f"($contains($given, /^{prefix}{_JOB_NAME_REGEX}$/) and $length($given) <= {max_length} "
        f"? $given : $error('{message}'))"
        if validate
        else "$given"
    )
    return (
        f"($given := $states.input.{input_key}; $execution := $states.context.Execution.Name; "
        f"$exists($given) ? {name_given} : '{prefix}' & {execution_suffix(room)})"
    )


def execution_suffix(room: int) -> str:
    """JSONata for the unique part of a name with ``room`` characters left after its prefix, in a scope where
    ``$execution`` is the execution's name: that name when it is a valid name of at most ``room`` characters,
    else the MD5 of the execution ARN (cut to ``room``); unique per execution and traceable to it."""
    hashed = "$hash($states.context.Execution.Id, 'MD5')"
    if room < 32:
        hashed = f"$substring({hashed}, 0, {room})"
    return f"($contains($execution, /^{_JOB_NAME_REGEX}$/) and $length($execution) <= {room} ? $execution : {hashed})"


def hyperparameters_expression(
    synthesized: Mapping[str, str],
    reserved: Mapping[str, str],
    base_job_name: str,
    *,
    synthesized_object: str | None = None,
) -> str:
    """JSONata for HyperParameters: the synthesized user values, then the execution input's
    ``HyperParameters``, then the reserved ``sagemaker_*`` keys, with ``sagemaker_job_name`` set from the
    job name expression.

    Input values must be strings, already JSON-encoded like the SDK (``json.dumps``): the client does
    it (``rl-constructs train``, :func:`rl_constructs.runtime.execution_input`), since JSONata cannot encode
    every value as Python does. A non-string value, an input that is not an object, or a key starting with
    ``sagemaker_`` stops the execution with an error naming the key. No bare ``$`` (context reference) is
    used: LocalStack's and moto's interpreters refuse it.

    ``synthesized_object``: the text standing for ``synthesized`` as a JSON object (default: its compact
    JSON); the construct passes one that CloudFormation joins from one member per hyperparameter
    (:func:`hyperparameter_members`), so that ``cdk diff`` shows a changed value on a line of its own."""
    given = f"$states.input.{INPUT_HYPERPARAMETERS}"
    checks = (
        f"$given := {given}; "
        f"$given := $exists($given) ? ($type($given) = 'object' ? $given : "
        f"$error('{INPUT_HYPERPARAMETERS} must be an object of names to JSON-encoded strings')) : {{}}; "
        "$names := $keys($given); "
        "$reserved := $filter($names, function($k) { $substring($k, 0, 10) = 'sagemaker_' }); "
        f"$count($reserved) > 0 ? $error('{INPUT_HYPERPARAMETERS} keys starting with sagemaker_ are reserved: ' "
        "& $join($reserved, ', ')) : true; "
        "$unencoded := $filter($names, function($k) { $type($lookup($given, $k)) != 'string' }); "
        f"$count($unencoded) > 0 ? $error('{INPUT_HYPERPARAMETERS} values must be strings JSON-encoded like the "
        "SDK (json.dumps; rl-constructs train does it), not: ' & $join($unencoded, ', ')) : true"
    )
    job_name = {"sagemaker_job_name": "__JOB_NAME__"}
    reserved_json = _compact_json({**reserved, **job_name}).replace(
        '"__JOB_NAME__"', f"'\"' & {job_name_expression(base_job_name, validate=False)} & '\"'"
    )
    synthesized_json = _compact_json(dict(synthesized)) if synthesized_object is None else synthesized_object
    return f"({checks}; $merge([{synthesized_json}, $given, {reserved_json}]))"


def hyperparameter_members(synthesized: Mapping[str, str]) -> list[str]:
    """One ``"name":"value"`` JSON object member per hyperparameter, in order: joined with ``,`` inside braces
    they are :func:`_compact_json` of ``synthesized``, byte for byte."""
    return [_compact_json({name: value})[1:-1] for name, value in synthesized.items()]


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
