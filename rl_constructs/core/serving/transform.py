"""What ``estimator.transformer(...).transform(...)`` sends, as data: CreateTransformJob, its checks and JSONata.

A batch transform scores S3 data with a trained model: a model is created as for deployment (the
``create_model()`` rules, ``container``), the transform job runs on it, and the model is deleted when
the job ends, whatever its outcome. Names follow the SDK's ``transformer()`` and ``transform()`` arguments.
Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .. import execution_input, workflow
from ..errors import RLConfigurationError
from ..training.tuning import api_enum

#: Input key an execution may set to name its transform job (within the family).
INPUT_JOB_NAME = "TransformJobName"
#: Key the transform stage adds to the state.
OUTPUT_KEY = "Transform"
#: CreateTransformJob: "The value of MaxPayloadInMB cannot be greater than 100 MB. If you specify the
#: MaxConcurrentTransforms parameter, the value of (MaxConcurrentTransforms * MaxPayloadInMB) also cannot
#: exceed 100 MB" (API reference).
MAX_PAYLOAD_MB = 100
#: botocore: TransformEnvironmentMap at most 16 entries; keys at most 1024, values at most 10240 characters.
MAX_ENVIRONMENT = 16
#: The JSONata variable the stage keeps its names in (``{"job", "model", "modelData"}``).
VARIABLE = "transform"
#: The JSONata variable of the stage's failure (``{"Error", "Cause"}``).
FAILURE_VARIABLE = "transformFailure"
#: The name of the stage's transform job and model in an execution.
JOB_NAME = "{% $" + VARIABLE + ".job %}"


class BatchStrategy(StrEnum):
    """Records per request (``BatchStrategy``)."""

    MULTI_RECORD = "MultiRecord"
    SINGLE_RECORD = "SingleRecord"


class AssembleWith(StrEnum):
    """How output records are joined (``AssemblyType``)."""

    NONE = "None"
    LINE = "Line"


class SplitType(StrEnum):
    """How input files are split into records."""

    NONE = "None"
    LINE = "Line"
    RECORD_IO = "RecordIO"
    TF_RECORD = "TFRecord"


class JoinSource(StrEnum):
    """Join each output record with its input record (``DataProcessing.JoinSource``)."""

    INPUT = "Input"
    NONE = "None"


class CompressionType(StrEnum):
    """Compression of the input files."""

    NONE = "None"
    GZIP = "Gzip"


class DataType(StrEnum):
    """What ``data`` names (``S3DataType``)."""

    S3_PREFIX = "S3Prefix"
    MANIFEST_FILE = "ManifestFile"
    AUGMENTED_MANIFEST_FILE = "AugmentedManifestFile"


@dataclass(frozen=True)
class TransformSpec:
    """Validated transform settings (see :func:`transform_spec`)."""

    instance_type: str
    instance_count: int
    data: str
    data_type: DataType
    output_path: str
    strategy: BatchStrategy | None = None
    assemble_with: AssembleWith | None = None
    split_type: SplitType | None = None
    compression_type: CompressionType | None = None
    join_source: JoinSource | None = None
    content_type: str | None = None
    accept: str | None = None
    max_concurrent_transforms: int | None = None
    max_payload_mb: int | None = None
    input_filter: str | None = None
    output_filter: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    output_kms_key_id: str | None = None
    volume_kms_key_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def _optional(enum_type: type[Any], value: Any, argument: str) -> Any:
    return None if value is None else api_enum(enum_type, value, argument)


def _count(value: object, argument: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument}: expected an int, got {type(value).__name__}.")
    if value < low:
        raise RLConfigurationError(argument, f"must be at least {low}, got {value}.")


def transform_spec(
    *,
    instance_type: str,
    instance_count: int,
    data: str,
    output_path: str,
    data_type: DataType | str = DataType.S3_PREFIX,
    strategy: BatchStrategy | str | None = None,
    assemble_with: AssembleWith | str | None = None,
    split_type: SplitType | str | None = None,
    compression_type: CompressionType | str | None = None,
    join_source: JoinSource | str | None = None,
    content_type: str | None = None,
    accept: str | None = None,
    max_concurrent_transforms: int | None = None,
    max_payload_mb: int | None = None,
    input_filter: str | None = None,
    output_filter: str | None = None,
    environment: Mapping[str, str] | None = None,
    output_kms_key_id: str | None = None,
    volume_kms_key_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    deploy_time: bool = False,
) -> TransformSpec:
    """The transformer's and transform's arguments, checked against SageMaker's documented rules
    (botocore's model checks the rest when the request is rendered). ``deploy_time``: ``data`` or
    ``output_path`` is a token or JSONata, checked where it resolves."""
    _count(instance_count, "instance_count", 1)
    for argument, uri in (("data", data), ("output_path", output_path)):
        if not isinstance(uri, str):
            raise TypeError(f"{argument}: expected an s3:// URI, got {type(uri).__name__}.")
        if not deploy_time and not uri.startswith(("s3://", "{%")) and "${Token[" not in uri:
            raise RLConfigurationError(argument, f"{uri!r} is not an s3:// URI.")
    if max_concurrent_transforms is not None:
        _count(max_concurrent_transforms, "max_concurrent_transforms", 0)
    if max_payload_mb is not None:
        _count(max_payload_mb, "max_payload", 0)
        if max_payload_mb > MAX_PAYLOAD_MB:
            raise RLConfigurationError("max_payload", f"SageMaker allows at most 100 MB, got {max_payload_mb} MB.")
        if max_concurrent_transforms and max_concurrent_transforms * max_payload_mb > MAX_PAYLOAD_MB:
            raise RLConfigurationError(
                "max_payload",
                f"max_concurrent_transforms x max_payload = {max_concurrent_transforms * max_payload_mb} MB; "
                "SageMaker allows at most 100 MB.",
            )
    env = dict(environment or {})
    if len(env) > MAX_ENVIRONMENT:
        raise RLConfigurationError("environment", f"SageMaker takes at most 16 variables, got {len(env)}.")
    split = _optional(SplitType, split_type, "split_type")
    assemble = _optional(AssembleWith, assemble_with, "assemble_with")
    join = _optional(JoinSource, join_source, "join_source")
    return TransformSpec(
        instance_type=instance_type,
        instance_count=instance_count,
        data=data,
        data_type=api_enum(DataType, data_type, "data_type"),
        output_path=output_path,
        strategy=_optional(BatchStrategy, strategy, "strategy"),
        assemble_with=assemble,
        split_type=split,
        compression_type=_optional(CompressionType, compression_type, "compression_type"),
        join_source=join,
        content_type=content_type,
        accept=accept,
        max_concurrent_transforms=max_concurrent_transforms,
        max_payload_mb=max_payload_mb,
        input_filter=input_filter,
        output_filter=output_filter,
        environment=env,
        output_kms_key_id=output_kms_key_id,
        volume_kms_key_id=volume_kms_key_id,
        tags=dict(tags or {}),
    )


def _some(**fields: Any) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, StrEnum) else value for key, value in fields.items() if value is not None
    }


def render_create_transform_job(spec: TransformSpec, *, job_name: str, model_name: str) -> dict[str, Any]:
    """The CreateTransformJob request, fields as the SDK's ``Transformer.transform()`` sends them."""
    request: dict[str, Any] = {
        "TransformJobName": job_name,
        "ModelName": model_name,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": str(spec.data_type), "S3Uri": spec.data}},
            **_some(ContentType=spec.content_type, CompressionType=spec.compression_type, SplitType=spec.split_type),
        },
        "TransformOutput": {
            "S3OutputPath": spec.output_path,
            **_some(Accept=spec.accept, AssembleWith=spec.assemble_with, KmsKeyId=spec.output_kms_key_id),
        },
        "TransformResources": {
            "InstanceType": spec.instance_type,
            "InstanceCount": spec.instance_count,
            **_some(VolumeKmsKeyId=spec.volume_kms_key_id),
        },
        **_some(
            BatchStrategy=spec.strategy,
            MaxConcurrentTransforms=spec.max_concurrent_transforms,
            MaxPayloadInMB=spec.max_payload_mb,
        ),
    }
    if spec.environment:
        request["Environment"] = dict(spec.environment)
    processing = _some(InputFilter=spec.input_filter, OutputFilter=spec.output_filter, JoinSource=spec.join_source)
    if processing:
        request["DataProcessing"] = processing
    if spec.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in spec.tags.items()]
    return request


def create_model_request(
    *, role_arn: str, image: str, environment: Mapping[str, str], tags: Sequence[Mapping[str, str]] | None
) -> dict[str, Any]:
    """CreateModel of the stage: named as its transform job, serving the model data of the training job before
    it (``TrainingJob.ModelDataUrl``), as for deployment."""
    return {
        "ModelName": JOB_NAME,
        "ExecutionRoleArn": role_arn,
        "PrimaryContainer": {
            "Image": image,
            "ModelDataUrl": "{% $" + VARIABLE + ".modelData %}",
            **({"Environment": dict(environment)} if environment else {}),
        },
        **({"Tags": list(tags)} if tags else {}),
    }


#: Construct argument of each API field of CreateModel, for ``request_validation.validate_request``.
CREATE_MODEL_ARGUMENTS = {"PrimaryContainer.Image": "serving_image_uri"}
#: Construct argument of each API field, for ``request_validation.validate_request``.
ARGUMENTS = {
    "TransformJobName": "base_transform_job_name",
    "TransformInput.DataSource.S3DataSource.S3Uri": "data",
    "TransformInput.ContentType": "content_type",
    "TransformOutput.S3OutputPath": "output_path",
    "TransformOutput.Accept": "accept",
    "TransformOutput.KmsKeyId": "output_kms_key",
    "TransformResources.InstanceType": "instance_type",
    "TransformResources.InstanceCount": "instance_count",
    "TransformResources.VolumeKmsKeyId": "volume_kms_key",
    "MaxConcurrentTransforms": "max_concurrent_transforms",
    "MaxPayloadInMB": "max_payload",
    "Environment": "environment",
    "DataProcessing.InputFilter": "input_filter",
    "DataProcessing.OutputFilter": "output_filter",
    "Tags": "tags",
}


# --- JSONata ------------------------------------------------------------------------------------------------


def run_assignment(base_job_name: str) -> dict[str, str]:
    """``Assign`` of the stage's first state: the transform job's (and its model's) name for this execution,
    and the model data of the training job before it (``TrainingJob.ModelDataUrl`` in the state)."""
    name = execution_input.job_name_expression(base_job_name, input_key=INPUT_JOB_NAME)
    data = f"$states.input.{execution_input.OUTPUT_KEY}.ModelDataUrl"
    return {VARIABLE: f"{{% {{'job': {name}, 'modelData': {data}}} %}}"}


def output_expression(*, deleted: bool) -> str:
    """JSONata of the state after the transform: its input plus ``Transform`` (name, ARN, status, output path
    and whether the stage's model was deleted)."""
    return (
        f"{{% $merge([$states.input, {{'{OUTPUT_KEY}': $merge([$states.input.{OUTPUT_KEY}, "
        f"{{'ModelDeleted': {str(deleted).lower()}}}])}}]) %}}"
    )


def transform_result_expression() -> str:
    """JSONata of the transform task's output: its input plus the transform job's name, ARN, status, output."""
    return (
        f"{{% $merge([$states.input, {{'{OUTPUT_KEY}': {{'TransformJobName': $states.result.TransformJobName, "
        "'TransformJobArn': $states.result.TransformJobArn, 'TransformJobStatus': $states.result.TransformJobStatus, "
        "'ModelName': $states.result.ModelName, 'S3OutputPath': $states.result.TransformOutput.S3OutputPath}}]) %}"
    )


def failure_assignment(step: str) -> dict[str, str]:
    """``Assign`` of a Catch of the stage: ``RL.TransformFailed``, with the step, error and cause."""
    return workflow.failure_assignment(step, workflow.FailureName.TRANSFORM_FAILED, variable=FAILURE_VARIABLE)
