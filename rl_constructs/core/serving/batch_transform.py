"""``RLBatchTransform``'s options: the transform settings (``transform.transform_spec``), the job family's name,
the default output path and the CreateTransformJob request checked against botocore's model, in :func:`resolve`.

The construct reduces what only it can read first: ``max_payload`` (a ``Size``) to whole MB, its KMS keys to
their ARNs, the training job's output location to an ``s3://`` URI. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import execution_input
from ..arguments import check_mapping
from ..errors import RLConfigurationError
from ..instances import hosting_instance
from ..request_validation import validate_request
from ..toolkits import Processor
from . import transform as x


@dataclass(frozen=True)
class BatchTransformOptions:
    """``RLBatchTransform``'s checked options."""

    #: The transform's settings.
    spec: x.TransformSpec
    #: The name prefix of the stage's models and transform jobs.
    base_transform_job_name: str
    #: The processor of the transform instances (which serving image).
    processor: Processor
    #: The results go under the training job's output prefix (``output_path`` was not given).
    default_output: bool
    #: The CreateTransformJob request (checked against botocore's model).
    request: Mapping[str, Any]


def resolve(
    *,
    stack_name: str,
    construct_id: str,
    training_output_uri: str | None,
    instance_type: str,
    data: str,
    instance_count: int = 1,
    output_path: str | None = None,
    environment: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    base_transform_job_name: str | None = None,
    max_payload_mb: int | None = None,
    **settings: Any,
) -> BatchTransformOptions:
    """The transform's options: types and values checked, the family name (given, or from the stack and
    construct names), the results under ``<training_output_uri>transform/<job name>`` unless ``output_path``
    (``training_output_uri``: the training job's output location, needed without ``output_path``);
    ``settings``: the other arguments of ``transform.transform_spec`` (``data_type``, ``strategy``...)."""
    check_mapping(environment, "environment", values=str, values_name="str")
    check_mapping(tags, "tags", values=str, values_name="str")
    hosting = hosting_instance(instance_type, "instance_type")
    base = execution_input.validate_base_job_name(
        base_transform_job_name or execution_input.default_base_job_name(stack_name, construct_id)
    )
    if base_transform_job_name is not None and base != base_transform_job_name:
        raise RLConfigurationError(
            "base_transform_job_name", f"at most {execution_input.BASE_JOB_NAME_MAX} characters."
        )
    if output_path is None:
        if training_output_uri is None:
            raise ValueError("training_output_uri: needed without output_path")
        results = execution_input.jsonata(f"'{training_output_uri}transform/' & ${x.VARIABLE}.job")
    else:
        results = output_path
    spec = x.transform_spec(
        instance_type=instance_type,
        instance_count=instance_count,
        data=data,
        output_path=results,
        max_payload_mb=max_payload_mb,
        environment=environment,
        tags=tags,
        **settings,
    )
    request = x.render_create_transform_job(spec, job_name=x.JOB_NAME, model_name=x.JOB_NAME)
    validate_request("CreateTransformJob", request, arguments=x.ARGUMENTS)
    return BatchTransformOptions(spec, base, hosting.processor, output_path is None, request)
