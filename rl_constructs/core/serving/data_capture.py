"""Data capture of an endpoint (SageMaker Model Monitor's input): the options of ``DataCapture``, checked.

The construct (``rl_constructs.data_capture``) reduces its destination to a URI or "a bucket" and its key to
its ARN; the capture's ``DataCaptureConfig`` is rendered by ``requests.data_capture_config``. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..arguments import check_bool, check_int, check_str
from ..errors import RLConfigurationError
from .checks import is_token
from .requests import data_capture_config


@dataclass(frozen=True)
class DataCaptureOptions:
    """A checked ``DataCapture``: what to capture, how much, and where."""

    #: 0 to 100.
    sampling_percentage: int
    #: ``Input``, ``Output`` or both.
    modes: tuple[str, ...]
    #: The key prefix in a bucket destination.
    prefix: str
    #: The ``s3://`` URI given as the destination; None when the destination is a bucket.
    destination_uri: str | None

    def uri(self, bucket_name: str | None = None) -> str:
        """The ``s3://`` URI the capture is written under (``bucket_name``: of a bucket destination)."""
        if self.destination_uri is not None:
            return self.destination_uri
        return f"s3://{bucket_name}/{self.prefix}"

    def config(self, *, destination_uri: str, kms_key_id: str | None) -> dict[str, Any]:
        """The ``DataCaptureConfig`` of CreateEndpointConfig."""
        return data_capture_config(
            destination_uri=destination_uri,
            sampling_percentage=self.sampling_percentage,
            modes=self.modes,
            kms_key_id=kms_key_id,
        )


def resolve(
    *,
    destination_uri: str | None,
    prefix: str,
    sampling_percentage: int,
    capture_input: bool,
    capture_output: bool,
) -> DataCaptureOptions:
    """Refuse bad settings at synth: wrong types (``TypeError``), then values (``RLConfigurationError``).
    ``destination_uri``: the destination given as a string (None: a bucket). The request's own limits
    (destination length...) are checked with the whole CreateEndpointConfig."""
    check_int(sampling_percentage, "data_capture.sampling_percentage")
    check_bool(capture_input, "data_capture.capture_input")
    check_bool(capture_output, "data_capture.capture_output")
    check_str(prefix, "data_capture.prefix")
    if not 0 <= sampling_percentage <= 100:
        raise RLConfigurationError("data_capture", f"sampling_percentage must be 0-100, got {sampling_percentage}.")
    if not (capture_input or capture_output):
        raise RLConfigurationError("data_capture", "capture the input, the output or both.")
    if (
        destination_uri is not None
        and not is_token(destination_uri)
        and (not destination_uri.startswith("s3://") or len(destination_uri) <= len("s3://"))
    ):
        raise RLConfigurationError("data_capture", f"destination {destination_uri!r} is not an s3:// URI.")
    modes = tuple(mode for mode, on in (("Input", capture_input), ("Output", capture_output)) if on)
    return DataCaptureOptions(sampling_percentage, modes, prefix, destination_uri)
