"""core.serving.model.resolve: RLModel's defaults, every check on both sides of its rule, what trained the model
(read back from a catalog training image), a frozen value."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.model import ModelOptions, TrainedBy, check_entry_point, resolve
from rl_constructs.core.toolkits import Processor, RLFramework, RLToolkit

MODEL_DATA = "s3://bucket/train/output/model.tar.gz"
COACH_TF: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}
CATALOG_IMAGE = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
OWN_IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/policy:1"


def options(**overrides: Any) -> ModelOptions:
    return resolve(**{"model_data_url": MODEL_DATA, **COACH_TF, **overrides})


def refused(argument: str, fragment: str, **overrides: Any) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        options(**overrides)
    assert caught.value.argument == argument, caught.value
    assert fragment in str(caught.value)


def test_the_defaults_serve_on_cpu_what_the_toolkit_trained() -> None:
    resolved = options()
    assert (resolved.instance_type, resolved.processor, resolved.model_name) == (None, Processor.CPU, None)
    assert dict(resolved.environment) == {} and not resolved.enable_network_isolation
    assert resolved.trained == TrainedBy(
        toolkit=RLToolkit.COACH, framework=RLFramework.TENSORFLOW, framework_version="1.11"
    )
    assert options(instance_type="ml.g4dn.xlarge").processor is Processor.GPU
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.model_name = "x"  # type: ignore[misc]


def test_a_catalog_training_image_is_read_back_to_its_toolkit() -> None:
    trained = resolve(model_data_url=MODEL_DATA, training_image_uri=CATALOG_IMAGE).trained
    assert (trained.toolkit, trained.framework, trained.training_image_uri) == (
        RLToolkit.COACH,
        RLFramework.TENSORFLOW,
        None,
    )
    own = resolve(model_data_url=MODEL_DATA, training_image_uri=OWN_IMAGE, framework="pytorch").trained
    assert (own.toolkit, own.framework, own.training_image_uri) == (None, RLFramework.PYTORCH, OWN_IMAGE)
    refused("training_image_uri", "", training_image_uri="not an image", toolkit=None)


def test_a_custom_serving_image_serves_as_it_is() -> None:
    custom = resolve(model_data_url=MODEL_DATA, serving_image_uri=OWN_IMAGE).trained
    assert custom == TrainedBy(custom_image=True)
    with_code = resolve(model_data_url=MODEL_DATA, serving_image_uri=OWN_IMAGE, has_serving_code=True)
    assert not with_code.trained.custom_image  # runs the serving code: a container is chosen
    for argument in ("tensorflow_serving_version", "serving_framework_version"):
        with pytest.raises(RLConfigurationError, match="custom serving_image_uri") as caught:
            resolve(model_data_url=MODEL_DATA, serving_image_uri=OWN_IMAGE, **{argument: "2.5"})
        assert caught.value.argument == argument
    with pytest.raises(RLConfigurationError) as bad:
        resolve(model_data_url=MODEL_DATA, serving_image_uri="not an image")
    assert bad.value.argument == "serving_image_uri"
    token = resolve(model_data_url=MODEL_DATA, serving_image_uri="${Token[IMAGE.1]}").trained
    assert token.custom_image


def test_something_must_say_what_trained_the_model() -> None:
    with pytest.raises(RLConfigurationError, match="say what trained the model") as caught:
        resolve(model_data_url=MODEL_DATA)
    assert caught.value.argument == "toolkit"
    refused("toolkit_version", "0.11.0", toolkit_version="9.9")


def test_model_data_and_code_are_s3_object_uris() -> None:
    refused("model_data_url", "s3://", model_data_url="models/model.tar.gz")
    refused("model_data_url", "s3://", model_data_url="s3://bucket/")
    refused("model_data_url", "1024", model_data_url="s3://b/" + "k" * 1020)
    refused("submit_directory", "s3://", submit_directory="s3://bucket")
    assert options(model_data_url="${Token[URL.1]}").model_data_url == "${Token[URL.1]}"
    assert options(submit_directory="s3://bucket/code.tar.gz").model_data_url == MODEL_DATA


def test_security_groups_need_a_vpc_and_are_one_to_five() -> None:
    refused("security_groups", "need a vpc", security_groups=["sg"])
    refused("security_groups", "1 to 5, got 0", vpc=True, security_groups=[])
    refused("security_groups", "1 to 5, got 6", vpc=True, security_groups=["sg"] * 6)
    assert options(vpc=True, security_groups=["sg"] * 5).processor is Processor.CPU


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("model_data_url", 1),
        ("instance_type", 1),
        ("model_name", 1),
        ("entry_point", 1),
        ("environment", {"KEY": 1}),
        ("enable_network_isolation", 1),
        ("security_groups", "sg"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_argument(argument: str, value: object) -> None:
    with pytest.raises(TypeError, match=argument):
        options(**{argument: value})


def test_a_container_that_runs_the_entry_point_needs_it() -> None:
    with pytest.raises(RLConfigurationError, match="pass entry_point and submit_directory") as caught:
        check_entry_point({"SAGEMAKER_PROGRAM": "train.py"}, "train.py", None)
    assert caught.value.argument == "entry_point"
    check_entry_point({"SAGEMAKER_PROGRAM": "train.py"}, "train.py", "s3://b/code.tar.gz")
    check_entry_point({}, None, None)
