"""Images pinned by digest: read like the SageMaker SDK's ``RLEstimator.attach()`` reads them.

The SDK (``fw_utils.framework_name_from_image``, observed with SDK 2.257.7 in ``tools/.sdk-venv``) reads
``...:coach0.11.0-cpu-py3@sha256:<hex>`` as tag ``coach0.11.0-cpu-py3`` (coach 0.11.0, tensorflow), and
finds no framework in ``...sagemaker-rl-tensorflow@sha256:<hex>``: a custom image.
"""

from __future__ import annotations

import pytest

from rl_constructs.core import Processor, RLFramework, RLToolkit, training_images
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.images import custom_image_reason, parse_ecr_uri, parse_image_uri, validate_image_uri
from rl_constructs.core.serving.container import ServingKind, choose_serving

DIGEST = "sha256:" + "0123456789abcdef" * 4
REGISTRY = "520713654638.dkr.ecr.us-west-2.amazonaws.com"


@pytest.mark.parametrize("row", training_images(), ids=lambda r: r.label)
def test_every_catalog_image_pinned_by_tag_and_digest_reads_as_its_row(row) -> None:  # type: ignore[no-untyped-def]
    for processor in row.image.processors:
        uri = f"{row.image.uri('us-west-2', processor)}@{DIGEST}"
        identity = parse_image_uri(uri)
        assert identity is not None
        assert (identity.toolkit, identity.toolkit_version, identity.framework, identity.processor) == (
            row.toolkit,
            row.toolkit_version,
            row.framework,
            processor,
        )
        assert identity.digest == DIGEST and identity.official
        assert custom_image_reason(uri) is None
        assert parse_image_uri(row.image.uri("us-west-2", processor)).digest is None  # type: ignore[union-attr]


@pytest.mark.parametrize("repository", ["sagemaker-rl-tensorflow", "sagemaker-rl-ray-container", "my-rl"])
def test_an_image_pinned_by_digest_only_is_a_custom_image_and_says_why(repository: str) -> None:
    uri = f"{REGISTRY}/{repository}@{DIGEST}"
    assert parse_image_uri(uri) is None
    reason = custom_image_reason(uri)
    assert reason is not None and "pinned by digest only" in reason and "treated as a custom image" in reason
    expected = "an RL catalog repository" if repository.startswith("sagemaker-rl-") else "outside the RL catalog"
    assert expected in reason
    assert validate_image_uri(uri) == uri
    ecr = parse_ecr_uri(uri)
    assert ecr is not None and (ecr.account, ecr.region, ecr.repository) == ("520713654638", "us-west-2", repository)


def test_the_serving_choice_follows_the_reading() -> None:
    tagged = parse_image_uri(f"{REGISTRY}/sagemaker-rl-mxnet:coach0.11.0-gpu-py3@{DIGEST}")
    assert tagged is not None
    assert (tagged.toolkit, tagged.framework) == (RLToolkit.COACH, RLFramework.MXNET)
    common = {"entry_point": "train.py", "submit_directory": "s3://b/k.tar.gz", "region": "us-west-2"}
    served = choose_serving(
        toolkit=tagged.toolkit, framework=tagged.framework, framework_version="1.3", processor=Processor.GPU, **common
    )
    assert served.kind is ServingKind.MXNET
    digest_only = f"{REGISTRY}/sagemaker-rl-mxnet@{DIGEST}"
    assert parse_image_uri(digest_only) is None
    custom = choose_serving(
        toolkit=None,
        framework=None,
        framework_version=None,
        processor=Processor.GPU,
        training_image_uri=digest_only,
        **common,
    )
    assert (custom.kind, custom.image_uri) == (ServingKind.CUSTOM, digest_only)
    assert custom.environment["SAGEMAKER_PROGRAM"] == "train.py"


def test_other_unreadable_images_say_why() -> None:
    assert "not an ECR image URI" in (custom_image_reason("docker.io/library/python:3.11") or "")
    assert "not in the RL catalog" in (
        custom_image_reason(f"{REGISTRY}/sagemaker-rl-tensorflow:coach0.9-cpu-py3") or ""
    )
    assert "untagged" in (custom_image_reason(f"{REGISTRY}/sagemaker-rl-tensorflow") or "")


@pytest.mark.parametrize(
    "uri",
    [
        f"{REGISTRY}/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3@{DIGEST}",
        f"{REGISTRY}/sagemaker-rl-tensorflow@{DIGEST}",
        f"{REGISTRY}/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3",
    ],
)
def test_tag_digest_and_both_are_valid_registry_references(uri: str) -> None:
    assert validate_image_uri(uri) == uri
    assert parse_ecr_uri(uri) is not None


@pytest.mark.parametrize(
    "uri",
    [f"{REGISTRY}/sagemaker-rl-tensorflow@sha256:short", f"{REGISTRY}/sagemaker-rl-tensorflow:@{DIGEST}"],
)
def test_a_malformed_digest_is_refused(uri: str) -> None:
    with pytest.raises(RLConfigurationError):
        validate_image_uri(uri)
