"""The image catalog against the SageMaker Python SDK's facts, every combination and every region."""

from __future__ import annotations

import pytest

from rl_constructs.core import (
    Processor,
    RLConfigurationError,
    RLFramework,
    RLToolkit,
    all_regions,
    parse_image_uri,
    serving_image,
    training_image,
    training_images,
)
from rl_constructs.core.aws import partition
from rl_constructs.core.images import repository_arn

# The SDK's toolkit -> version -> framework -> framework version map, written out independently of images.json.
SDK_COMBINATIONS = {
    ("coach", "0.10", "tensorflow"): "1.11",
    ("coach", "0.10.1", "tensorflow"): "1.11",
    ("coach", "0.11", "tensorflow"): "1.12",
    ("coach", "0.11", "mxnet"): "1.3",
    ("coach", "0.11.0", "tensorflow"): "1.11",
    ("coach", "0.11.0", "mxnet"): "1.3",
    ("coach", "0.11.1", "tensorflow"): "1.12",
    ("coach", "1.0.0", "tensorflow"): "1.12",
    ("ray", "0.5", "tensorflow"): "1.11",
    ("ray", "0.5.3", "tensorflow"): "1.11",
    ("ray", "0.6", "tensorflow"): "1.12",
    ("ray", "0.6.5", "tensorflow"): "1.12",
    ("ray", "0.8.2", "tensorflow"): "2.1",
    ("ray", "0.8.5", "tensorflow"): "2.1",
    ("ray", "0.8.5", "pytorch"): "1.5",
    ("ray", "1.6.0", "tensorflow"): "2.5.0",
    ("ray", "1.6.0", "pytorch"): "1.8.1",
}
NEW_IMAGE_REGIONS = {
    "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}  # fmt: skip
OLD_IMAGE_REGIONS = NEW_IMAGE_REGIONS | {
    "af-south-1", "ap-east-1", "cn-north-1", "cn-northwest-1", "eu-north-1", "eu-south-1", "eu-west-3",
    "me-south-1", "sa-east-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1",
}  # fmt: skip


def expected_tag(toolkit: str, version: str, framework: str | None, processor: str) -> str:
    """The tag the SDK would produce, derived from its naming rules rather than from images.json."""
    if toolkit == "vw":
        return f"vw-{version}-{processor}"
    new_style = (toolkit, version) in {
        ("coach", "1.0.0"),
        ("ray", "0.8.2"),
        ("ray", "0.8.5"),
        ("ray", "1.6.0"),
    }
    if not new_style:
        return f"{toolkit}{version}-{processor}-py3"
    short = {"tensorflow": "tf", "pytorch": "torch"}[framework or ""]
    py = "py3" if toolkit == "coach" else ("py37" if (version, framework) == ("1.6.0", "tensorflow") else "py36")
    return f"{toolkit}-{version}-{short}-{processor}-{py}"


def expected_domain(region: str) -> str:
    if region.startswith("cn-"):
        return "amazonaws.com.cn"
    if region.startswith("us-isob-"):
        return "sc2s.sgov.gov"
    if region.startswith("us-iso-"):
        return "c2s.ic.gov"
    return "amazonaws.com"


def test_the_catalog_has_exactly_the_sdk_combinations_plus_vowpal_wabbit() -> None:
    rows = {(r.toolkit.value, r.toolkit_version, r.framework.value if r.framework else None) for r in training_images()}
    assert rows == set(SDK_COMBINATIONS) | {("vw", "8.7.0", None)}


@pytest.mark.parametrize(("toolkit", "version", "framework"), sorted(SDK_COMBINATIONS))
def test_every_sdk_combination_resolves_in_every_region_for_cpu_and_gpu(
    toolkit: str, version: str, framework: str
) -> None:
    row = training_image(toolkit, version, framework)
    assert row.framework_version == SDK_COMBINATIONS[(toolkit, version, framework)]
    new_style = row.image.repository.endswith("-container")
    assert set(row.image.regions) == (NEW_IMAGE_REGIONS if new_style else OLD_IMAGE_REGIONS)
    for region in row.image.regions:
        for processor in (Processor.CPU, Processor.GPU):
            uri = row.image.uri(region, processor)
            tag = expected_tag(toolkit, version, framework, processor.value)
            assert uri.endswith(f".dkr.ecr.{region}.{expected_domain(region)}/{row.image.repository}:{tag}")
            assert uri.split(".")[0] == row.image.registries[region]


def test_sdk_documented_uris() -> None:
    coach = training_image(RLToolkit.COACH, "0.11.0", RLFramework.TENSORFLOW).image
    assert coach.uri("us-west-2", Processor.CPU) == (
        "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
    )
    assert coach.uri("cn-north-1", Processor.CPU) == (
        "422961961927.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
    )
    assert training_image("ray", "1.6.0", "pytorch").image.tag(Processor.GPU) == "ray-1.6.0-torch-gpu-py36"
    assert training_image("coach", "1.0.0", "tensorflow").image.tag(Processor.CPU) == "coach-1.0.0-tf-cpu-py3"
    assert training_image("coach", "0.11", "mxnet").image.repository == "sagemaker-rl-mxnet"


def test_vowpal_wabbit_is_cpu_only_and_needs_no_framework() -> None:
    vw = training_image(RLToolkit.VW, "8.7.0", None).image
    assert vw.processors == (Processor.CPU,)
    assert vw.uri("us-east-1", Processor.CPU).endswith("/sagemaker-rl-vw-container:vw-8.7.0-cpu")
    with pytest.raises(RLConfigurationError, match=r"^instance_type: .*no gpu image.*Allowed values: cpu\."):
        vw.tag(Processor.GPU)


def test_serving_images_are_tagged_by_the_version_alias_like_the_sdk() -> None:
    assert serving_image(RLFramework.TENSORFLOW, "1.11").image.uri("us-west-2", Processor.CPU) == (
        "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu"
    )
    assert serving_image(RLFramework.MXNET, "1.3").image.uri("us-west-2", Processor.CPU) == (
        "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-mxnet:1.3-cpu-py3"
    )
    assert serving_image(RLFramework.TENSORFLOW, "2.5.1").image.uri("us-west-2", Processor.CPU) == (
        "763104351884.dkr.ecr.us-west-2.amazonaws.com/tensorflow-inference:2.5.1-cpu"
    )
    # every serving version and URI against the SDK: tests/core/test_catalog_serving.py


def test_every_serving_version_coach_needs_exists() -> None:
    for row in training_images():
        if row.toolkit is RLToolkit.COACH:
            assert row.framework is not None and row.framework_version is not None
            serving = serving_image(row.framework, row.framework_version)
            assert set(serving.image.regions) >= set(row.image.regions)


def test_all_regions_covers_the_china_and_gov_partitions() -> None:
    assert {"cn-north-1", "cn-northwest-1", "us-gov-west-1"} <= set(all_regions())


@pytest.mark.parametrize(
    ("args", "argument", "fragment"),
    [
        ((None, None, None), "toolkit", "provide `toolkit`, `toolkit_version`, `framework` or `image_uri`"),
        (("coach", None, "tensorflow"), "toolkit_version", "provide `toolkit_version` or `image_uri`"),
        (("coach", "0.11.0", None), "framework", "provide `framework` or `image_uri`"),
        (("chess", "1.0", "tensorflow"), "toolkit", "Allowed values: coach, ray, vw."),
        (("coach", "2.0", "tensorflow"), "toolkit_version", "Allowed values: 0.10, 0.10.1, 0.11, 0.11.0"),
        (("coach", "1.0.0", "mxnet"), "framework", "`coach-1.0.0` and `mxnet` combination is not supported"),
        (("ray", "0.8.5", "jax"), "framework", "Allowed values: tensorflow, mxnet, pytorch."),
        (("vw", "8.7.0", "pytorch"), "framework", "no deep-learning framework"),
    ],
)
def test_bad_combinations_name_the_argument(args: tuple[str | None, ...], argument: str, fragment: str) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        training_image(*args)
    assert caught.value.argument == argument
    assert str(caught.value).startswith(f"{argument}: ")
    assert fragment in str(caught.value)


def test_an_unpublished_region_is_refused_with_the_list_of_regions() -> None:
    image = training_image("ray", "1.6.0", "tensorflow").image
    with pytest.raises(RLConfigurationError, match=r"^region: .*not published in 'sa-east-1'.*us-west-2\."):
        image.uri("sa-east-1", Processor.CPU)


def test_unknown_serving_version_lists_the_known_ones() -> None:
    allowed = "1.11, 1.11.0, 1.12, 1.12.0, 2.1, 2.1.0, 2.1.1, 2.1.2, 2.1.3, 2.5, 2.5.1"
    with pytest.raises(RLConfigurationError, match=rf"Allowed values: {allowed}\."):
        serving_image(RLFramework.TENSORFLOW, "2.5.0")


@pytest.mark.parametrize("row", training_images(), ids=lambda r: r.label)
def test_every_catalog_image_parses_back_to_its_row(row) -> None:  # type: ignore[no-untyped-def]
    for processor in row.image.processors:
        for region in row.image.regions:
            identity = parse_image_uri(row.image.uri(region, processor))
            assert identity is not None
            assert (identity.toolkit, identity.toolkit_version, identity.framework, identity.processor) == (
                row.toolkit,
                row.toolkit_version,
                row.framework,
                processor,
            )
            assert identity.region == region and identity.official


def test_parse_reads_a_private_copy_but_says_it_is_not_official() -> None:
    identity = parse_image_uri(
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-rl-ray-container:ray-0.8.5-tf-gpu-py36"
    )
    assert identity is not None
    assert (identity.toolkit, identity.toolkit_version, identity.framework) == (
        RLToolkit.RAY,
        "0.8.5",
        RLFramework.TENSORFLOW,
    )
    assert identity.processor is Processor.GPU and not identity.official


@pytest.mark.parametrize(
    "uri",
    [
        "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.9-cpu-py3",
        "520713654638.dkr.ecr.us-west-2.amazonaws.com/my-own-image:latest",
        "docker.io/library/python:3.11",
        "not a uri",
    ],
)
def test_parse_returns_none_for_images_outside_the_catalog(uri: str) -> None:
    assert parse_image_uri(uri) is None


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-west-2", "aws"),
        ("af-south-1", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_every_catalog_region_has_its_partition(region: str, expected: str) -> None:
    assert region in all_regions()
    assert partition(region) == expected
    assert repository_arn(region, "123456789012", "repo") == f"arn:{expected}:ecr:{region}:123456789012:repository/repo"
