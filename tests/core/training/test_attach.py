"""resolve_attach and the Serving property of deploy(): the attached job's checks, each on both sides."""

from __future__ import annotations

import dataclasses

import pytest

from rl_constructs.core.contracts import ServingProperty
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.toolkits import Processor
from rl_constructs.core.training.attach import (
    AttachOptions,
    describe_job_names,
    resolve_attach,
    serving_code_properties,
    serving_properties,
)

TOKEN = "${Token[TOKEN.7]}"


def test_the_defaults_and_the_provider_of_each_timing() -> None:
    options = resolve_attach(training_job_name="RL-Train-1")
    assert options == AttachOptions("RL-Train-1", 30, 3600)
    assert options.provider_id == "RLAttachTrainingJobProvider"
    assert resolve_attach(training_job_name="j", query_interval_seconds=10, total_timeout_seconds=600).provider_id == (
        "RLAttachTrainingJobProvider10s600s"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.query_interval_seconds = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "interval", "total", "argument", "fragment"),
    [
        ("bad_name", None, None, "training_job_name", "bad_name"),
        ("a" * 64, None, None, "training_job_name", "63"),
        ("ok", 0, None, "query_interval", "at least 1 second"),
        ("ok", None, 3601, "total_timeout", "1 hour"),
        ("ok", 7, 60, "total_timeout", "multiple"),
        ("ok", 60, 30, "total_timeout", "multiple"),
    ],
)
def test_bad_input_names_the_argument(
    name: str, interval: int | None, total: int | None, argument: str, fragment: str
) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        resolve_attach(training_job_name=name, query_interval_seconds=interval, total_timeout_seconds=total)
    assert caught.value.argument == argument
    assert fragment in str(caught.value)


def test_values_at_the_limits_are_accepted() -> None:
    assert resolve_attach(training_job_name="a" * 63, query_interval_seconds=1, total_timeout_seconds=3600)
    assert resolve_attach(training_job_name=TOKEN).training_job_name == TOKEN  # checked at deploy time
    with pytest.raises(TypeError, match=r"^training_job_name"):
        resolve_attach(training_job_name=7)  # type: ignore[arg-type]


def test_the_handlers_describe_the_job_in_both_spellings_or_any_for_a_token() -> None:
    assert describe_job_names("RL-Train-1") == ["RL-Train-1", "rl-train-1"]
    assert describe_job_names("rl-train-1") == ["rl-train-1"]
    assert describe_job_names(TOKEN) == ["*"]


def test_the_serving_property() -> None:
    assert serving_properties(processor=Processor.GPU) == {ServingProperty.PROCESSOR: "gpu"}
    serving = serving_properties(processor=Processor.CPU, tensorflow_serving_version="2.1")
    serving.update(serving_code_properties("serve.py", "s3://code/serve.tar.gz"))
    assert list(serving) == [
        ServingProperty.PROCESSOR,
        ServingProperty.TENSORFLOW_SERVING_VERSION,
        ServingProperty.SERVING_ENTRY_POINT,
        ServingProperty.SERVING_SUBMIT_DIRECTORY,
    ]
    assert serving_properties(processor=Processor.CPU, serving_image_uri="image")[ServingProperty.IMAGE_URI] == "image"
    for name in ("tensorflow_serving_version", "serving_framework_version"):
        with pytest.raises(RLConfigurationError) as caught:
            serving_properties(processor=Processor.CPU, serving_image_uri="image", **{name: "2.1"})
        assert caught.value.argument == name
        with pytest.raises(TypeError, match=rf"^{name}"):
            serving_properties(processor=Processor.CPU, **{name: 2.1})


def test_the_serving_property_says_whether_the_model_vpc_was_given() -> None:
    from rl_constructs.core.contracts import ServingProperty
    from rl_constructs.core.toolkits import Processor
    from rl_constructs.core.training.attach import serving_properties

    assert ServingProperty.MODEL_VPC_GIVEN not in serving_properties(processor=Processor.CPU)
    given = serving_properties(processor=Processor.CPU, model_vpc_given=True)
    assert given[ServingProperty.MODEL_VPC_GIVEN] == "true"
