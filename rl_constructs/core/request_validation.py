"""Every literal field of a SageMaker request checked against botocore's SageMaker model, at synth.

The constructs render CreateTrainingJob, CreateModel, CreateEndpointConfig, CreateEndpoint and
UpdateEndpoint requests (as Step Functions arguments or CloudFormation properties). :func:`validate_request`
walks a request along its input shape in the SageMaker service model that ships with botocore and checks
what the service would check: required members, types, string lengths and patterns, enums, number
ranges, list and map sizes; then the cross-field rules the API reference documents in prose
(:data:`CROSS_FIELD_RULES`). A new field is covered as soon as a construct puts it in a request.

Errors name the construct argument the user wrote (one table per request, :data:`ARGUMENTS`), the API
field path, the value and the rule, as :class:`RLConfigurationError`.

Values known only at deploy time are skipped where they stand: JSONata expressions (``{% ... %}``) and
CDK tokens (``${Token[...]}`` in a string, a number token, a list token). A string that mixes literal text
and tokens is still held to its maximum length by its literal part (a lower bound of its final length).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache
from typing import Any

from .arguments import NUMBER_TOKEN_BELOW
from .errors import RLConfigurationError
from .instances import _sagemaker_model_text

__all__ = [
    "ARGUMENTS",
    "CROSS_FIELD_RULES",
    "MAX_RUNTIME_SECONDS",
    "is_deploy_time",
    "validate_request",
]

#: The operations whose requests the constructs render.
OPERATIONS = ("CreateTrainingJob", "CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint")

#: API field path (list items as ``[]``) -> the construct argument that sets it, per request. A path not
#: in its table is named by its longest listed prefix; callers with other argument names pass their own.
ARGUMENTS: Mapping[str, Mapping[str, str]] = {
    "CreateTrainingJob": {
        "TrainingJobName": "base_job_name",
        "AlgorithmSpecification": "image_uri",
        "AlgorithmSpecification.MetricDefinitions": "metric_definitions",
        "RoleArn": "role",
        "InputDataConfig": "inputs",
        "OutputDataConfig.S3OutputPath": "output_prefix",
        "OutputDataConfig.KmsKeyId": "output_kms_key",
        "ResourceConfig.InstanceType": "instance_type",
        "ResourceConfig.InstanceCount": "instance_count",
        "ResourceConfig.InstanceGroups": "instance_groups",
        "ResourceConfig.VolumeSizeInGB": "volume_size",
        "ResourceConfig.VolumeKmsKeyId": "volume_kms_key",
        "StoppingCondition.MaxRuntimeInSeconds": "max_run",
        "StoppingCondition.MaxWaitTimeInSeconds": "max_wait",
        "HyperParameters": "hyperparameters",
        "VpcConfig.Subnets": "vpc_subnets",
        "VpcConfig.SecurityGroupIds": "security_groups",
        "EnableNetworkIsolation": "enable_network_isolation",
        "EnableInterContainerTrafficEncryption": "encrypt_inter_container_traffic",
        "EnableManagedSpotTraining": "use_spot_instances",
        "CheckpointConfig.S3Uri": "checkpoint_s3_uri",
        "CheckpointConfig.LocalPath": "checkpoint_local_path",
        "RetryStrategy": "max_retry_attempts",
        "Environment": "environment",
        "Tags": "tags",
    },
    "CreateModel": {
        "ModelName": "model_name",
        "PrimaryContainer.Image": "serving_image_uri",
        "PrimaryContainer.ModelDataUrl": "model_data_url",
        "PrimaryContainer.Environment": "environment",
        "ExecutionRoleArn": "role",
        "VpcConfig.Subnets": "vpc_subnets",
        "VpcConfig.SecurityGroupIds": "security_groups",
        "EnableNetworkIsolation": "enable_network_isolation",
        "Tags": "tags",
    },
    "CreateEndpointConfig": {
        "EndpointConfigName": "endpoint_name",
        "ProductionVariants": "model",
        "ProductionVariants[].InstanceType": "instance_type",
        "ProductionVariants[].InitialInstanceCount": "initial_instance_count",
        "ProductionVariants[].ServerlessConfig.MemorySizeInMB": "serverless.memory_size",
        "ProductionVariants[].ServerlessConfig.MaxConcurrency": "serverless.max_concurrency",
        "ProductionVariants[].ServerlessConfig.ProvisionedConcurrency": "serverless.provisioned_concurrency",
        "KmsKeyId": "kms_key",
        "DataCaptureConfig": "data_capture",
        "DataCaptureConfig.DestinationS3Uri": "data_capture.destination",
        "DataCaptureConfig.KmsKeyId": "data_capture.kms_key",
        "DataCaptureConfig.InitialSamplingPercentage": "data_capture.sampling_percentage",
        "Tags": "tags",
    },
    "CreateEndpoint": {"EndpointName": "endpoint_name", "EndpointConfigName": "endpoint_name", "Tags": "tags"},
    "UpdateEndpoint": {"EndpointName": "endpoint_name", "EndpointConfigName": "endpoint_name"},
}

#: SageMaker's longest training run (CreateTrainingJob ``StoppingCondition.MaxRuntimeInSeconds``: "The
#: maximum time that you can set is 28 days", API reference ``StoppingCondition``).
MAX_RUNTIME_SECONDS = 28 * 86_400
#: CreateModel ``ContainerDefinition.Environment``: "The maximum length of all keys and values in the map,
#: combined, is 32 KB" (API reference).
MAX_ENVIRONMENT_BYTES = 32 * 1024

_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}|#\{Token\[[^\]]*\]\}")


def is_deploy_time(value: Any) -> bool:
    """True for a value known only at deploy or run time: a JSONata expression, a token string, a string
    holding a token, a number token or a list token."""
    if isinstance(value, str):
        return value.startswith("{%") or _TOKEN.search(value) is not None
    if isinstance(value, float):
        return value < NUMBER_TOKEN_BELOW
    if isinstance(value, list):
        return len(value) == 1 and isinstance(value[0], str) and value[0].startswith("#{Token[")
    return False


#: One cross-field rule: (request, report) -> None; ``report(path, value, rule)`` raises for the request.
Report = Callable[[str, Any, str], None]
CrossFieldRule = Callable[[Mapping[str, Any], Report], None]


def validate_request(
    operation: str,
    request: Mapping[str, Any],
    *,
    arguments: Mapping[str, str] | None = None,
    filled_by_cloudformation: Collection[str] = (),
) -> None:
    """Check ``request`` (a ``operation`` request body) against botocore's SageMaker model and the
    documented cross-field rules; raise :class:`RLConfigurationError` naming the construct argument.

    :param arguments: API field path -> argument name, over :data:`ARGUMENTS` of the operation (e.g. the
        pipeline's ``{"KmsKeyId": "endpoint_kms_key"}``).
    :param filled_by_cloudformation: top-level members CloudFormation generates when absent (``ModelName``).
    """
    table = {**ARGUMENTS.get(operation, {}), **(arguments or {})}
    shapes = _shapes()
    input_shape = shapes[_operations()[operation]["input"]["shape"]]

    def report(path: str, value: Any, rule: str) -> None:
        raise RLConfigurationError(
            _argument(table, path), f"{path} = {_show(value)}: {rule} (SageMaker's {operation} API)."
        )

    _check_structure(input_shape, request, "", report, optional=frozenset(filled_by_cloudformation))
    for rule in CROSS_FIELD_RULES.get(operation, ()):
        rule(request, report)


# --- the walk along the shapes --------------------------------------------------------------------------------


def _check(shape: Mapping[str, Any], value: Any, path: str, report: Report) -> None:
    if isinstance(value, str) and not value.startswith("{%") and _TOKEN.search(value):
        literal, high = _TOKEN.sub("", value), shape.get("max")
        if shape["type"] == "string" and high is not None and len(literal) > high:
            report(path, value, f"has at least {len(literal)} characters (its literal part), at most {high}")
        return
    if value is None or is_deploy_time(value):
        return
    kind = shape["type"]
    if kind == "structure":
        _check_structure(shape, value, path, report)
    elif kind == "list":
        _check_list(shape, value, path, report)
    elif kind == "map":
        _check_map(shape, value, path, report)
    elif kind == "string":
        _check_string(shape, value, path, report)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            report(path, value, "must be an integer")
        _check_range(shape, value, path, report)
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            report(path, value, "must be a number")
        _check_range(shape, value, path, report)
    elif kind == "boolean" and not isinstance(value, bool):
        report(path, value, "must be true or false")


def _check_structure(
    shape: Mapping[str, Any], value: Any, path: str, report: Report, optional: frozenset[str] = frozenset()
) -> None:
    if not isinstance(value, Mapping):
        report(path, value, "must be an object")
        return
    members = shape.get("members", {})
    for name in shape.get("required", []):
        if name not in value and name not in optional:
            report(_join(path, name), None, "is required")
    for name, member in value.items():
        if name not in members:
            report(_join(path, name), member, f"is not a member; members: {', '.join(sorted(members))}")
        _check(_shapes()[members[name]["shape"]], member, _join(path, name), report)


def _check_list(shape: Mapping[str, Any], value: Any, path: str, report: Report) -> None:
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        report(path, value, "must be a list")
        return
    _check_size(shape, len(value), value, path, report, "items")
    member = _shapes()[shape["member"]["shape"]]
    for index, item in enumerate(value):
        _check(member, item, f"{path}[{index}]", report)


def _check_map(shape: Mapping[str, Any], value: Any, path: str, report: Report) -> None:
    if not isinstance(value, Mapping):
        report(path, value, "must be an object")
        return
    _check_size(shape, len(value), value, path, report, "entries")
    key_shape, value_shape = _shapes()[shape["key"]["shape"]], _shapes()[shape["value"]["shape"]]
    for key, item in value.items():
        _check(key_shape, key, f"{path} key {key!r}", report)
        _check(value_shape, item, f"{path}[{key!r}]", report)


def _check_string(shape: Mapping[str, Any], value: Any, path: str, report: Report) -> None:
    if not isinstance(value, str):
        report(path, value, "must be a string")
        return
    _check_size(shape, len(value), value, path, report, "characters")
    if "enum" in shape and value not in shape["enum"]:
        report(path, value, f"must be one of {', '.join(shape['enum'])}")
    pattern = shape.get("pattern")
    if pattern is not None and _regex(pattern).fullmatch(value) is None:
        report(path, value, f"does not match the pattern {pattern}")


def _check_size(shape: Mapping[str, Any], size: int, value: Any, path: str, report: Report, unit: str) -> None:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and size < low:
        report(path, value, f"must have at least {low} {unit}, has {size}")
    if high is not None and size > high:
        report(path, value, f"must have at most {high} {unit}, has {size}")


def _check_range(shape: Mapping[str, Any], value: float, path: str, report: Report) -> None:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and value < low:
        report(path, value, f"must be at least {low}")
    if high is not None and value > high:
        report(path, value, f"must be at most {high}")


# --- cross-field rules the API reference states in prose ----------------------------------------------------


def _spot_training(request: Mapping[str, Any], report: Report) -> None:
    """StoppingCondition: managed spot training needs ``MaxWaitTimeInSeconds`` >= ``MaxRuntimeInSeconds``;
    ``MaxRuntimeInSeconds`` is at most 28 days."""
    stopping = request.get("StoppingCondition")
    if not isinstance(stopping, Mapping):
        return
    wait = stopping.get("MaxWaitTimeInSeconds")
    runtime = _literal_int(stopping.get("MaxRuntimeInSeconds"))
    if runtime is not None and runtime > MAX_RUNTIME_SECONDS:
        report("StoppingCondition.MaxRuntimeInSeconds", runtime, f"must be at most {MAX_RUNTIME_SECONDS} (28 days)")
    if request.get("EnableManagedSpotTraining") is True and wait is None:
        report("StoppingCondition.MaxWaitTimeInSeconds", None, "is required with EnableManagedSpotTraining")
    literal_wait = _literal_int(wait)
    if runtime is not None and literal_wait is not None and literal_wait < runtime:
        report("StoppingCondition.MaxWaitTimeInSeconds", wait, f"must be at least MaxRuntimeInSeconds ({runtime})")


def _literal_int(value: Any) -> int | None:
    """``value`` when it is an integer known at synth time, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _instance_groups(request: Mapping[str, Any], report: Report) -> None:
    """ResourceConfig: ``InstanceGroups`` (a heterogeneous cluster) replaces ``InstanceType`` and
    ``InstanceCount``; one of the two forms is needed (API reference ``ResourceConfig``)."""
    resources = request.get("ResourceConfig")
    if not isinstance(resources, Mapping):
        return
    single = [name for name in ("InstanceType", "InstanceCount") if name in resources]
    if "InstanceGroups" in resources and single:
        report(f"ResourceConfig.{single[0]}", resources[single[0]], "cannot be given with InstanceGroups")
    if "InstanceGroups" not in resources and "InstanceType" not in resources:
        report("ResourceConfig.InstanceType", None, "is required unless InstanceGroups is given")


def _tag_keys(request: Mapping[str, Any], report: Report) -> None:
    """Tag keys may not start with ``aws:`` (reserved for AWS use; Tagging documentation)."""
    tags = request.get("Tags")
    if not isinstance(tags, list):
        return
    for index, tag in enumerate(tags):
        key = tag.get("Key") if isinstance(tag, Mapping) else None
        if isinstance(key, str) and key.lower().startswith("aws:"):
            report(f"Tags[{index}].Key", key, "the aws: prefix is reserved for AWS use")


def _environment_size(request: Mapping[str, Any], report: Report) -> None:
    """CreateModel: all keys and values of a container's environment, combined, are at most 32 KB."""
    containers = [("PrimaryContainer", request.get("PrimaryContainer"))]
    containers += [(f"Containers[{i}]", c) for i, c in enumerate(request.get("Containers") or [])]
    for path, container in containers:
        environment = container.get("Environment") if isinstance(container, Mapping) else None
        if not isinstance(environment, Mapping):
            continue
        size = sum(
            len(str(key).encode()) + len(str(value).encode())
            for key, value in environment.items()
            if not is_deploy_time(value)
        )
        if size > MAX_ENVIRONMENT_BYTES:
            rule = f"keys and values combined are {size} bytes, at most {MAX_ENVIRONMENT_BYTES} (32 KB)"
            report(f"{path}.Environment", f"<{len(environment)} entries>", rule)


def _checkpoint_path(request: Mapping[str, Any], report: Report) -> None:
    """CheckpointConfig: ``LocalPath`` is an absolute container path (SageMaker's default is /opt/ml/checkpoints)."""
    checkpoint = request.get("CheckpointConfig")
    local = checkpoint.get("LocalPath") if isinstance(checkpoint, Mapping) else None
    if isinstance(local, str) and not is_deploy_time(local) and not local.startswith("/"):
        report("CheckpointConfig.LocalPath", local, "must be an absolute path in the container")


#: The documented rules that span fields, per request.
CROSS_FIELD_RULES: Mapping[str, Sequence[CrossFieldRule]] = {
    "CreateTrainingJob": (_spot_training, _instance_groups, _tag_keys, _checkpoint_path),
    "CreateModel": (_tag_keys, _environment_size),
    "CreateEndpointConfig": (_tag_keys,),
    "CreateEndpoint": (_tag_keys,),
}


# --- botocore's model, loaded once, lazily --------------------------------------------------------------------


@cache
def _model() -> Mapping[str, Any]:
    """botocore's SageMaker service model (the newest API version it ships), parsed once per process:
    read from botocore's data file (~40 ms), or through botocore's loader when the file is elsewhere."""
    text = _sagemaker_model_text()
    if text is None:  # pragma: no cover - botocore keeps its data in its package
        import botocore.loaders

        model: Mapping[str, Any] = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
        return model
    parsed: Mapping[str, Any] = json.loads(text)
    return parsed


def _shapes() -> Mapping[str, Any]:
    shapes: Mapping[str, Any] = _model()["shapes"]
    return shapes


def _operations() -> Mapping[str, Any]:
    operations: Mapping[str, Any] = _model()["operations"]
    return operations


#: botocore's patterns are Java regular expressions; these are the classes Python's ``re`` spells otherwise.
#: ``\p{L}``/``\p{N}`` (letters, numbers) are within ``\w``, which only adds ``_``; ``\p{Z}`` is spelled out
#: (``\s`` would also let line ends through).
_JAVA_CLASSES = {
    r"\p{L}": r"\w",
    r"\p{N}": r"\w",
    r"\p{Z}": " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
    r"\p{Alnum}": "a-zA-Z0-9",
}


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A botocore pattern as a Python regex, matched against the whole value as Java's ``Pattern.matches``
    does (no DOTALL: ``.`` stops at line ends)."""
    for java, python in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, python)
    return re.compile(pattern)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_INDEX = re.compile(r"\[\d+\]|\[\'[^\']*\'\]| key .*$")


def _argument(table: Mapping[str, str], path: str) -> str:
    """The argument of the longest listed prefix of ``path`` (indices as ``[]``); the path itself if none."""
    normalized = _INDEX.sub(lambda m: "[]" if m.group().startswith("[") else "", path)
    candidate = normalized
    while candidate:
        for key in (candidate, candidate.removesuffix("[]")):
            if key in table:
                return table[key]
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""
    return path


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(value) if hasattr(value, '__len__') else '?'} long)"
