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
from .domain.errors import RLConfigurationError


@dataclass(frozen=True)
class DataCapture:
    """Capture endpoint requests and responses to S3 (SageMaker Model Monitor's input).

    :param destination: a bucket, or an ``s3://`` URI.
    :param prefix: key prefix in a bucket ``destination``. Default: ``data-capture/``.
    :param sampling_percentage: 1-100. Default: 100.
    :param capture_input: capture requests. Default: True.
    :param capture_output: capture responses. Default: True.
    :param kms_key: encrypt the captured data with this key. Default: the bucket's encryption.
    """

    destination: s3.IBucket | str
    prefix: str = "data-capture/"
    sampling_percentage: int = 100
    capture_input: bool = True
    capture_output: bool = True
    kms_key: kms.IKey | None = None


def check_data_capture(capture: DataCapture) -> None:
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
    destination URI and the capture modes."""
    if isinstance(capture.destination, str):
        uri = capture.destination
        resources = [stack_arn(role, "s3", f"{uri[len('s3://') :]}*", regional=False)]
    else:
        uri = f"s3://{capture.destination.bucket_name}/{capture.prefix}"
        resources = [capture.destination.arn_for_objects(f"{capture.prefix}*")]
    if isinstance(role, iam.Role):
        role.add_to_policy(iam.PolicyStatement(sid="WriteDataCapture", actions=["s3:PutObject"], resources=resources))
        acknowledge_wildcards(role, dict.fromkeys(resources, "SageMaker writes one capture object per request batch."))
        if capture.kms_key is not None:
            capture.kms_key.grant_encrypt(role)
    modes = [mode for mode, on in (("Input", capture.capture_input), ("Output", capture.capture_output)) if on]
    return uri, modes
