"""The serving catalog against the SageMaker SDK: every inference image URI, and which versions serve which model.

The oracle is ``tests/fixtures/sdk/serving/images.json``, recorded by ``tools/record_sdk_fixtures.py
serving-images`` from ``sagemaker.image_uris.retrieve(..., image_scope="inference")`` (SDK 2.257.7), not from
``images.json``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from rl_constructs.core import Processor, RLConfigurationError, RLFramework, RLToolkit, serving_images
from rl_constructs.core.images import serving_image
from rl_constructs.core.serving.container import (
    MODEL_CODE_DIRECTORY,
    RAY_REFUSAL,
    ServingKind,
    choose_serving,
    servable_versions,
)
from tests.cdk_support import ROOT

SDK_SERVING = json.loads((ROOT / "tests" / "fixtures" / "sdk" / "serving" / "images.json").read_text())


def _sdk_record(framework: str, version: str) -> dict[str, Any]:
    (record,) = [r for r in SDK_SERVING["images"] if (r["framework"], r["version"]) == (framework, version)]
    return record  # type: ignore[no-any-return]


def test_the_catalog_has_exactly_the_serving_versions_the_sdk_fixture_has() -> None:
    assert {(s.framework.value, s.framework_version) for s in serving_images()} == {
        (r["framework"], r["version"]) for r in SDK_SERVING["images"]
    }


def test_the_issue_15_versions_are_served() -> None:
    versions = {(s.framework, s.framework_version) for s in serving_images()}
    for needed in [
        (RLFramework.TENSORFLOW, "2.5.1"),  # the Ray notebooks' TensorFlowModel(framework_version="2.5.1")
        (RLFramework.TENSORFLOW, "2.1"),
        (RLFramework.TENSORFLOW, "2.1.0"),  # the Ray 0.8 notebooks' TensorFlowModel(framework_version="2.1.0")
        (RLFramework.MXNET, "1.8.0"),  # MXNetModel(framework_version="1.8.0", py_version="py37")
        (RLFramework.PYTORCH, "1.5"),
        (RLFramework.PYTORCH, "1.8.1"),
    ]:
        assert needed in versions


@pytest.mark.parametrize("image", serving_images(), ids=lambda s: f"{s.framework.value}-{s.framework_version}")
def test_every_serving_uri_in_every_region_is_the_sdks(image) -> None:  # type: ignore[no-untyped-def]
    record = _sdk_record(image.framework.value, image.framework_version)
    assert image.image.py_version == record["py_version"]
    ours = {
        f"{region}/{processor.value}": image.image.uri(region, processor)
        for region in image.image.regions
        for processor in (Processor.CPU, Processor.GPU)
    }
    assert ours == record["uris"]


def test_china_and_iso_partitions_use_their_dns_suffix() -> None:
    record = _sdk_record("tensorflow", "2.5.1")
    assert record["uris"]["cn-north-1/gpu"].endswith(".amazonaws.com.cn/tensorflow-inference:2.5.1-gpu")
    assert ".c2s.ic.gov/" in record["uris"]["us-iso-east-1/cpu"]


@pytest.mark.parametrize(
    ("framework", "trained", "expected"),
    [
        (RLFramework.TENSORFLOW, "1.11", ("1.11", "1.11.0", "1.12", "1.12.0")),
        (RLFramework.TENSORFLOW, "1.12", ("1.12", "1.12.0")),
        (RLFramework.TENSORFLOW, "2.1", ("2.1", "2.1.0", "2.1.1", "2.1.2", "2.1.3", "2.5", "2.5.1")),
        (RLFramework.TENSORFLOW, "2.5.0", ("2.5", "2.5.1")),
        (
            RLFramework.MXNET,
            "1.3",
            ("1.3", "1.3.0", "1.4", "1.4.0", "1.4.1", "1.6", "1.6.0", "1.7", "1.7.0", "1.8", "1.8.0", "1.9", "1.9.0"),
        ),
        (RLFramework.PYTORCH, "1.8.1", ("1.8", "1.8.0", "1.8.1")),
    ],
)
def test_a_serving_version_serves_its_major_from_the_trained_minor_on(
    framework: RLFramework, trained: str, expected: tuple[str, ...]
) -> None:
    assert servable_versions(framework, trained) == expected


def _choose(**overrides: Any):  # type: ignore[no-untyped-def]
    arguments: dict[str, Any] = {
        "toolkit": RLToolkit.RAY,
        "framework": RLFramework.TENSORFLOW,
        "framework_version": "2.5.0",
        "processor": Processor.CPU,
        "entry_point": "train.py",
        "submit_directory": "s3://bucket/sourcedir.tar.gz",
        "region": "us-west-2",
    }
    return choose_serving(**{**arguments, **overrides})


def test_tensorflow_serving_2_5_1_serves_a_ray_1_6_tensorflow_job() -> None:
    choice = _choose(tensorflow_serving_version="2.5.1")
    assert choice.kind is ServingKind.TENSORFLOW_SERVING
    assert choice.family is not None and choice.family.uri("us-west-2", Processor.CPU).endswith(
        "/tensorflow-inference:2.5.1-cpu"
    )
    assert not choice.code_in_model_archive


def test_tensorflow_serving_1_12_is_refused_for_a_tensorflow_2_5_job_with_the_versions_that_can() -> None:
    with pytest.raises(RLConfigurationError) as caught:
        _choose(tensorflow_serving_version="1.12")
    assert caught.value.argument == "tensorflow_serving_version"
    assert "cannot serve a model trained on tensorflow 2.5.0" in caught.value.problem
    assert caught.value.allowed == ("2.5", "2.5.1")


def test_a_serving_version_with_a_custom_image_is_refused_not_ignored() -> None:
    with pytest.raises(RLConfigurationError, match=r"^tensorflow_serving_version: does not apply to a custom"):
        _choose(tensorflow_serving_version="2.5", serving_image_uri="123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1")
    with pytest.raises(RLConfigurationError, match=r"^serving_framework_version: does not apply to a custom"):
        _choose(
            toolkit=None,
            framework=None,
            framework_version=None,
            training_image_uri="123456789012.dkr.ecr.us-west-2.amazonaws.com/my-rl:latest",
            serving_framework_version="2.5",
        )


def test_both_version_arguments_are_refused() -> None:
    with pytest.raises(RLConfigurationError, match="not both"):
        _choose(tensorflow_serving_version="2.5", serving_framework_version="2.5")


def test_tensorflow_serving_version_is_refused_for_a_pytorch_model() -> None:
    with pytest.raises(RLConfigurationError, match=r"^tensorflow_serving_version: only applies to TensorFlow"):
        _choose(framework=RLFramework.PYTORCH, framework_version="1.8.1", tensorflow_serving_version="2.5")


def test_mxnet_1_8_loads_the_serving_code_from_the_model_archive_like_mxnetmodel() -> None:
    choice = _choose(
        toolkit=RLToolkit.COACH,
        framework=RLFramework.MXNET,
        framework_version="1.3",
        serving_framework_version="1.8.0",
        entry_point="inference.py",
        has_serving_code=True,
    )
    assert choice.kind is ServingKind.MXNET and choice.code_in_model_archive
    assert choice.family is not None
    assert choice.family.uri("us-west-2", Processor.CPU) == (
        "763104351884.dkr.ecr.us-west-2.amazonaws.com/mxnet-inference:1.8.0-cpu-py37"
    )
    # MXNetModel(framework_version="1.8.0", py_version="py37", entry_point="inference.py").deploy(), SDK 2.257.7
    assert dict(choice.environment) == {
        "SAGEMAKER_PROGRAM": "inference.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": MODEL_CODE_DIRECTORY,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        "SAGEMAKER_REGION": "us-west-2",
    }


def test_coach_mxnet_stays_on_mxnet_1_3_by_default_like_create_model() -> None:
    choice = _choose(toolkit=RLToolkit.COACH, framework=RLFramework.MXNET, framework_version="1.3")
    assert not choice.code_in_model_archive
    assert choice.environment["SAGEMAKER_SUBMIT_DIRECTORY"] == "s3://bucket/sourcedir.tar.gz"


def test_ray_pytorch_serves_on_pytorch_inference_with_code_in_the_archive() -> None:
    choice = _choose(framework=RLFramework.PYTORCH, framework_version="1.5", serving_framework_version="1.8")
    assert choice.kind is ServingKind.PYTORCH and choice.code_in_model_archive
    assert choice.family is not None and choice.family.tag(Processor.GPU) == "1.8-gpu-py3"
    with pytest.raises(RLConfigurationError) as caught:
        _choose(framework=RLFramework.PYTORCH, framework_version="1.8.1", serving_framework_version="1.5")
    assert caught.value.allowed == ("1.8", "1.8.0", "1.8.1")


def test_every_release_the_sdk_accepts_is_tagged_as_the_sdk_tags_it() -> None:
    """``TensorFlowModel(framework_version="2.1.0")`` (the Ray 0.8 notebooks) is the SDK's 2.1.0 image; "2.1" is the
    SDK's alias of the newest release (2.1.3), tagged "2.1" as the SDK tags it."""
    exact = serving_image(RLFramework.TENSORFLOW, "2.1.0")
    assert exact.release == "2.1.0"
    assert exact.image.uri("us-west-2", Processor.CPU) == _sdk_record("tensorflow", "2.1.0")["uris"]["us-west-2/cpu"]
    assert exact.image.uri("us-west-2", Processor.CPU).endswith("/tensorflow-inference:2.1.0-cpu")
    alias = serving_image(RLFramework.TENSORFLOW, "2.1")
    assert (alias.release, alias.image.tag(Processor.CPU)) == ("2.1.3", "2.1-cpu")
    for framework, version in (
        ("tensorflow", "2.1.1"),
        ("tensorflow", "2.1.2"),
        ("mxnet", "1.4.0"),
        ("pytorch", "1.8.0"),
    ):
        assert _sdk_record(framework, version)["uris"]  # recorded from the SDK, compared URI by URI above


def test_a_custom_training_image_serves_as_the_sdks_framework_model_from_the_repacked_archive() -> None:
    """``RLEstimator(image_uri=...).deploy()`` is a ``FrameworkModel`` with the job's code as ``source_dir``: the SDK
    repacks it into model.tar.gz (recorded: custom-image-with-toolkit, deploy-custom-image-alone)."""
    image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-rl:latest"
    custom = {"toolkit": None, "framework": None, "framework_version": None, "training_image_uri": image}
    for extra in ({}, {"serving_image_uri": image.replace(":latest", ":serve")}, {"has_serving_code": True}):
        choice = _choose(**custom, **extra)
        assert choice.kind is ServingKind.CUSTOM and choice.code_in_model_archive
        assert choice.environment["SAGEMAKER_SUBMIT_DIRECTORY"] == MODEL_CODE_DIRECTORY
    # Vowpal Wabbit: the SDK trains it as a custom image (no VW toolkit), so it serves as one
    vw = _choose(toolkit=RLToolkit.VW, framework=None, framework_version=None, serving_image_uri=image)
    assert vw.code_in_model_archive and vw.environment["SAGEMAKER_SUBMIT_DIRECTORY"] == MODEL_CODE_DIRECTORY
    # serving_image_uri for a catalog job: that image runs the code from S3, nothing repacked
    other = _choose(tensorflow_serving_version=None, serving_image_uri=image)
    assert not other.code_in_model_archive
    assert other.environment["SAGEMAKER_SUBMIT_DIRECTORY"] == "s3://bucket/sourcedir.tar.gz"


@pytest.mark.parametrize(
    ("framework", "trained", "names"),
    [
        (RLFramework.TENSORFLOW, "2.5.0", ("tensorflow_serving_version or serving_framework_version", "2.5, 2.5.1")),
        (RLFramework.PYTORCH, "1.8.1", ("serving_framework_version (one of 1.8, 1.8.0, 1.8.1)", "serving_entry_point")),
    ],
)
def test_the_ray_refusal_names_both_serving_versions_and_the_versions_that_serve(
    framework: RLFramework, trained: str, names: tuple[str, ...]
) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        _choose(framework=framework, framework_version=trained)
    assert caught.value.argument == "serving_image_uri"
    assert caught.value.problem.startswith(RAY_REFUSAL)
    for name in (*names, "tensorflow_serving_version", "serving_framework_version", "serving_image_uri"):
        assert name in caught.value.problem
