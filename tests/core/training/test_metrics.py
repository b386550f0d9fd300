"""Metric definitions: the toolkit's SDK defaults, given ones checked against botocore's shape."""

from __future__ import annotations

import pytest

from rl_constructs.core import RLConfigurationError, RLToolkit
from rl_constructs.core.training.metrics import metric_definitions


def test_default_metric_definitions_per_toolkit() -> None:
    assert metric_definitions(RLToolkit.COACH, None) == [
        {"Name": "reward-training", "Regex": "^Training>.*Total reward=(.*?),"},
        {"Name": "reward-testing", "Regex": "^Testing>.*Total reward=(.*?),"},
    ]
    float_re = "([-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?)"
    assert metric_definitions(RLToolkit.RAY, None) == [
        {"Name": "episode_reward_mean", "Regex": f"episode_reward_mean: {float_re}"},
        {"Name": "episode_reward_max", "Regex": f"episode_reward_max: {float_re}"},
    ]
    assert metric_definitions(RLToolkit.VW, None) == []
    assert metric_definitions(None, None) == []


def test_given_definitions_replace_the_defaults() -> None:
    given = [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]
    assert metric_definitions(RLToolkit.COACH, given) == given


def test_a_name_given_twice_is_passed_through_as_the_sdk_does() -> None:
    # A published SageMaker RL notebook defines training_iteration twice; the SDK sends both (recorded in
    # tests/fixtures/sdk/everything-else.json) and botocore's shape states no uniqueness rule.
    twice = [{"Name": "a", "Regex": "(x)"}, {"Name": "a", "Regex": "(y)"}]
    assert metric_definitions(RLToolkit.RAY, twice) == twice


@pytest.mark.parametrize(
    ("given", "argument", "fragment"),
    [
        ([{"Name": "a", "Regex": "(unclosed"}], "metric_definitions[0].Regex", "does not compile"),
        ([{"Name": "", "Regex": "(x)"}], "metric_definitions[0].Name", "non-empty"),
        ([{"Name": "a", "Regex": "x"}], "metric_definitions[0].Regex", "no capture group"),
        ([{"Name": "a"}], "metric_definitions[0]", "the SDK form"),
        ([{"Name": f"m{i}", "Regex": "(x)"} for i in range(41)], "metric_definitions", "allows 40"),
    ],
)
def test_bad_metric_definitions(given: list[dict[str, str]], argument: str, fragment: str) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        metric_definitions(RLToolkit.COACH, given)
    assert caught.value.argument == argument and fragment in str(caught.value)
