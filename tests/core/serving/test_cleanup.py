"""core.serving.cleanup.resolve: PipelineResourceCleanup's checks on both sides, what the handler may delete."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.cleanup import CleanupOptions, deletable_resources, resolve, spellings

TOKEN = "${Token[NAME.1]}"


def options(**overrides: Any) -> CleanupOptions:
    return resolve(**{"pipeline_tag_value": "RL/Pipeline", "name_prefixes": ["RL-Train-"], **overrides})


def test_the_defaults_destroy_and_keep_the_names_once_each() -> None:
    resolved = options(name_prefixes=["RL-Train-", "RL-Train-", "rl-train-"], endpoint_names=["policy", "policy"])
    assert resolved == CleanupOptions("RL/Pipeline", ("RL-Train-", "rl-train-"), ("policy",), "DESTROY")
    assert options(removal_policy="RETAIN").removal_policy == "RETAIN"
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.removal_policy = "RETAIN"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "argument", "message"),
    [
        ({"name_prefixes": []}, "name_prefixes", "at least one"),
        ({"name_prefixes": ["bad_prefix"]}, "name_prefixes", "bad_prefix"),
        ({"name_prefixes": ["a" * 64]}, "name_prefixes", "63"),
        ({"endpoint_names": ["ends-with-"]}, "endpoint_names", "endpoint name"),
        ({"endpoint_names": ["a" * 64]}, "endpoint_names", "63"),
        ({"pipeline_tag_value": ""}, "pipeline_tag_value", "1 to 256"),
        ({"pipeline_tag_value": "x" * 257}, "pipeline_tag_value", "1 to 256"),
        ({"pipeline_tag_value": "semi;colon"}, "pipeline_tag_value", "semi;colon"),
        (
            {"removal_policy": "SNAPSHOT"},
            "removal_policy",
            "RemovalPolicy.SNAPSHOT does not apply; Allowed values: DESTROY, RETAIN",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_argument(overrides: dict[str, Any], argument: str, message: str) -> None:
    with pytest.raises(RLConfigurationError) as error:
        options(**overrides)
    assert error.value.argument == argument
    assert all(part in str(error.value) for part in message.split("; "))


def test_limits_are_inclusive_and_tokens_pass() -> None:
    assert options(name_prefixes=["a" * 63], endpoint_names=["b" * 63]).endpoint_names == ("b" * 63,)
    assert options(pipeline_tag_value="x" * 256).pipeline_tag_value == "x" * 256
    assert options(pipeline_tag_value=TOKEN, name_prefixes=[TOKEN]).name_prefixes == (TOKEN,)


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"name_prefixes": "RL-Pipeline-"}, "name_prefixes"),
        ({"name_prefixes": [3]}, "name_prefixes"),
        ({"pipeline_tag_value": 7}, "pipeline_tag_value"),
    ],
)
def test_wrong_types_are_refused_naming_the_argument(overrides: dict[str, Any], argument: str) -> None:
    with pytest.raises(TypeError, match=argument):
        options(**overrides)


def test_the_handler_may_delete_each_kind_under_the_prefixes_in_both_spellings() -> None:
    assert deletable_resources(["RL-"], ["Policy"]) == {
        "endpoint": ["endpoint/RL-*", "endpoint/rl-*", "endpoint/Policy", "endpoint/policy"],
        "endpoint-config": ["endpoint-config/RL-*", "endpoint-config/rl-*"],
        "model": ["model/RL-*", "model/rl-*"],
    }
    assert spellings(["rl-", TOKEN, "rl-"]) == ["rl-", TOKEN]
