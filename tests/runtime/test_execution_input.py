"""runtime.execution_input: overrides encoded by the client exactly as RLEstimator.fit() encodes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rl_constructs import RLConfigurationError
from rl_constructs.runtime import execution_input

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sdk" / "hyperparameters-every-kind.json"


def test_every_value_is_encoded_as_the_sdk_sent_it() -> None:
    # The SDK's own request (recorded by tools/record_sdk_fixtures.py) is the oracle, value for value.
    fixture = json.loads(FIXTURE.read_text())
    given: dict[str, Any] = fixture["arguments"]["hyperparameters"]
    sent = execution_input(hyperparameters=given, training_job_name="RL-Train-2")
    assert sent == {
        "HyperParameters": {key: fixture["request"]["HyperParameters"][key] for key in given},
        "TrainingJobName": "RL-Train-2",
    }
    assert sent["HyperParameters"]["list"] == "[64, 64]"  # not "64,64" as JSONata's [$v] flattening gave


def test_nothing_given_is_an_empty_input() -> None:
    assert execution_input() == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"hyperparameters": {"sagemaker_program": "x"}}, RLConfigurationError, "reserved"),
        ({"hyperparameters": {"x": object()}}, RLConfigurationError, "not JSON-serializable"),
        ({"hyperparameters": [("a", 1)]}, TypeError, "^hyperparameters: expected a mapping"),
        ({"training_job_name": 3}, TypeError, "^training_job_name: expected a str"),
    ],
)
def test_bad_overrides_are_refused_naming_the_argument(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        execution_input(**kwargs)
