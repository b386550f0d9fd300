"""Data capture of an endpoint (SageMaker Model Monitor's input), shared by RLEndpoint and RLPipeline.

Its own module so that the pipeline, which only needs the settings and the grant, does not load the
``aws_sagemaker`` L1 classes (~45 ms of every synth).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from ._arns import has_token, s3_uri_arn, stack_arn
from ._nag import acknowledge_wildcards
from ._policy import add_statements, kms_data_statement
from .core.arguments import type_error
from .core.aws import split_s3_uri
from .core.serving.data_capture import DataCaptureOptions, resolve
from .core.serving.iam import DATA_CAPTURE_REASON, data_capture_statement


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


def resolve_data_capture(capture: DataCapture) -> DataCaptureOptions:
    """``capture`` checked (``core.serving.data_capture.resolve``): wrong types raise ``TypeError``, bad values
    ``RLConfigurationError``, naming the ``data_capture`` argument. The request's own limits (destination
    length...) are checked with the whole CreateEndpointConfig."""
    if not isinstance(capture, DataCapture):
        raise type_error("data_capture", "DataCapture", capture)
    destination = capture.destination
    if not isinstance(destination, str) and not hasattr(destination, "bucket_name"):
        raise type_error("data_capture.destination", "s3.IBucket or str (an s3:// URI)", destination)
    return resolve(
        destination_uri=destination if isinstance(destination, str) else None,
        prefix=capture.prefix,
        sampling_percentage=capture.sampling_percentage,
        capture_input=capture.capture_input,
        capture_output=capture.capture_output,
    )


def grant_data_capture(capture: DataCapture, role: iam.IRole, options: DataCaptureOptions) -> str:
    """Let the hosting ``role`` write the capture (SageMaker writes it with the model's role); return the
    destination URI. ``options``: the capture resolved (:func:`resolve_data_capture`).

    The role may put objects under the destination and, when they are encrypted with a KMS key (the
    capture's ``kms_key``, otherwise the destination bucket's default key), use that key to write them,
    with explicit KMS actions (no ``kms:GenerateDataKey*`` wildcard for cdk-nag to flag). A role of the
    caller gets the statements in its default policy, as aws-cdk-lib's grants do."""
    if isinstance(capture.destination, str):
        uri = capture.destination
        if has_token(uri):  # split where it can be, a whole token by CloudFormation
            resources = [s3_uri_arn(role, uri, suffix="*")]
        else:  # one compact ARN of the stack (an Fn::Sub in a region-agnostic stack)
            bucket, prefix = split_s3_uri(uri)
            resources = [stack_arn(role, "s3", f"{bucket}/{prefix}*", regional=False)]
        bucket_key = None
    else:
        uri = options.uri(capture.destination.bucket_name)
        resources = [capture.destination.arn_for_objects(f"{capture.prefix}*")]
        bucket_key = capture.destination.encryption_key
    key = capture.kms_key or bucket_key  # SageMaker writes with the capture key when given, else the bucket's
    statements = [data_capture_statement(resources)]
    if key is not None:
        statements.append(kms_data_statement([key.key_arn], write=True, sid="EncryptDataCapture"))
    add_statements(role, statements)
    acknowledge_wildcards(role, dict.fromkeys(resources, DATA_CAPTURE_REASON))
    return uri
