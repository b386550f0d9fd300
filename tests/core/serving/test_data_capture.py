"""core.serving.data_capture.resolve: DataCapture's defaults and checks, its DataCaptureConfig."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.data_capture import DataCaptureOptions, resolve

DEFAULTS: dict[str, Any] = {
    "destination_uri": "s3://bucket/capture/",
    "prefix": "data-capture/",
    "sampling_percentage": 100,
    "capture_input": True,
    "capture_output": True,
}


def options(**overrides: Any) -> DataCaptureOptions:
    return resolve(**{**DEFAULTS, **overrides})


def test_both_directions_are_captured_to_the_uri_or_under_the_bucket_prefix() -> None:
    resolved = options()
    assert resolved.modes == ("Input", "Output") and resolved.uri() == "s3://bucket/capture/"
    assert options(destination_uri=None).uri("my-bucket") == "s3://my-bucket/data-capture/"
    assert options(capture_output=False).modes == ("Input",)
    assert options(capture_input=False).modes == ("Output",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.prefix = "x/"  # type: ignore[misc]


def test_the_config_is_what_create_endpoint_config_takes() -> None:
    assert options(sampling_percentage=10).config(destination_uri="s3://b/c/", kms_key_id="arn:key") == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 10,
        "DestinationS3Uri": "s3://b/c/",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "KmsKeyId": "arn:key",
    }
    assert "KmsKeyId" not in options().config(destination_uri="s3://b/c/", kms_key_id=None)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"sampling_percentage": -1}, "0-100"),
        ({"sampling_percentage": 101}, "0-100"),
        ({"capture_input": False, "capture_output": False}, "both"),
        ({"destination_uri": "bucket/prefix"}, "is not an s3:// URI"),
        ({"destination_uri": "s3://"}, "is not an s3:// URI"),
    ],
)
def test_bad_settings_are_refused(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(RLConfigurationError, match=fragment) as caught:
        options(**overrides)
    assert caught.value.argument == "data_capture"


def test_limits_are_inclusive_and_tokens_pass() -> None:
    assert options(sampling_percentage=0).sampling_percentage == 0
    assert options(destination_uri="${Token[URI.1]}").uri() == "${Token[URI.1]}"
    assert options(destination_uri="s3://b").uri() == "s3://b"


@pytest.mark.parametrize(
    ("argument", "value"),
    [("sampling_percentage", "100"), ("capture_input", 1), ("capture_output", None), ("prefix", 3)],
)
def test_wrong_types_are_type_errors(argument: str, value: object) -> None:
    with pytest.raises(TypeError, match=f"data_capture.{argument}"):
        options(**{argument: value})
