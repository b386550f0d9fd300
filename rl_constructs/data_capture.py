"""Data capture of an endpoint (SageMaker Model Monitor's input), shared by RLEndpoint and RLPipeline.

Its own module so that the pipeline, which only needs the settings and the grant, does not load the
``aws_sagemaker`` L1 classes (~45 ms of every synth).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from ._arns import stack_arn
from ._nag import acknowledge_wildcards
from ._policy import add_statements, allow, kms_data_statement
from .core.arguments import check_bool, check_int, check_str, type_error
from .core.errors import RLConfigurationError


@dataclass(frozen=True)
class DataCapture:
    """Capture endpoint requests and responses to S3 (SageMaker Model Monitor's input).

    :param destination: a bucket, or an ``s3://`` URI.
    :param prefix: key prefix in a bucket ``destination``. Default: ``data-capture/``.
    :param sampling_percentage: 1-100. Default: 100.
    :param capture_input: capture requests. Default: True.
    :param capture_output: capture responses. Default: True.
    :param kms_key: encrypt the captured data with this key (the hosting role may use it). Default: the
        bucket's encryption; when ``destination`` is a bucket with a KMS key, the role may use that key.
        An ``s3://`` URI names no key: pass ``kms_key`` when its bucket is KMS-encrypted.
    """

    destination: s3.IBucket | str
    prefix: str = "data-capture/"
    sampling_percentage: int = 100
    capture_input: bool = True
    capture_output: bool = True
    kms_key: kms.IKey | None = None


def check_data_capture(capture: DataCapture) -> None:
    """Refuse bad settings at synth: wrong types (``TypeError``), then values (``RLConfigurationError``).
    The request's own limits (destination length...) are checked with the whole CreateEndpointConfig."""
    if not isinstance(capture, DataCapture):
        raise type_error("data_capture", "DataCapture", capture)
    check_int(capture.sampling_percentage, "data_capture.sampling_percentage")
    check_bool(capture.capture_input, "data_capture.capture_input")
    check_bool(capture.capture_output, "data_capture.capture_output")
    check_str(capture.prefix, "data_capture.prefix")
    if not isinstance(capture.destination, str) and not hasattr(capture.destination, "bucket_name"):
        raise type_error("data_capture.destination", "s3.IBucket or str (an s3:// URI)", capture.destination)
    if not 0 <= capture.sampling_percentage <= 100:
        raise RLConfigurationError(
            "data_capture", f"sampling_percentage must be 0-100, got {capture.sampling_percentage}."
        )
    if not (capture.capture_input or capture.capture_output):
        raise RLConfigurationError("data_capture", "capture the input, the output or both.")
    destination = capture.destination
    if (
        isinstance(destination, str)
        and not Token.is_unresolved(destination)
        and (not destination.startswith("s3://") or len(destination) <= len("s3://"))
    ):
        raise RLConfigurationError("data_capture", f"destination {capture.destination!r} is not an s3:// URI.")


def grant_data_capture(capture: DataCapture, role: iam.IRole) -> tuple[str, list[str]]:
    """Let the hosting ``role`` write the capture (SageMaker writes it with the model's role); return the
    destination URI and the capture modes.

    The role may put objects under the destination and, when they are encrypted with a KMS key (the
    capture's ``kms_key``, otherwise the destination bucket's default key), use that key to write them,
    with explicit KMS actions (no ``kms:GenerateDataKey*`` wildcard for cdk-nag to flag). A role of the
    caller gets the statements in its default policy, as aws-cdk-lib's grants do."""
    if isinstance(capture.destination, str):
        uri = capture.destination
        resources = [stack_arn(role, "s3", f"{uri[len('s3://') :]}*", regional=False)]
        bucket_key = None
    else:
        uri = f"s3://{capture.destination.bucket_name}/{capture.prefix}"
        resources = [capture.destination.arn_for_objects(f"{capture.prefix}*")]
        bucket_key = capture.destination.encryption_key
    key = capture.kms_key or bucket_key  # SageMaker writes with the capture key when given, else the bucket's
    statements = [allow(["s3:PutObject"], resources, sid="WriteDataCapture")]
    if key is not None:
        statements.append(kms_data_statement([key.key_arn], write=True, sid="EncryptDataCapture"))
    add_statements(role, statements)
    acknowledge_wildcards(role, dict.fromkeys(resources, "SageMaker writes one capture object per request batch."))
    modes = [mode for mode, on in (("Input", capture.capture_input), ("Output", capture.capture_output)) if on]
    return uri, modes
