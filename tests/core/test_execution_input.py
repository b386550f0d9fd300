"""The JSONata the state machine runs on the execution input (job name, hyperparameters, output), evaluated."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest

from rl_constructs.core import RLConfigurationError
from rl_constructs.core.execution_input import (
    default_base_job_name,
    hyperparameters_expression,
    job_name_expression,
    output_expression,
    validate_base_job_name,
)
from rl_constructs.core.training.hyperparameters import encode_overrides
from rl_constructs.testing.sfn.jsonata_bridge import evaluate as reference_jsonata

EXECUTION_NAME = "0f0e8d6c-1111-2222-3333-444455556666"
EXECUTION_ID = f"arn:aws:states:us-east-1:111122223333:execution:sm:{EXECUTION_NAME}"


def evaluate(expression: str, state_input: dict[str, Any], name: str = EXECUTION_NAME, result: Any = None) -> Any:
    """The expression's value by the reference JSONata (npm ``jsonata`` with Step Functions' functions such as
    ``$hash``), ``$states`` bound as Step Functions binds it."""
    states = {"input": state_input, "context": {"Execution": {"Name": name, "Id": EXECUTION_ID}}}
    if result is not None:
        states["result"] = result
    return reference_jsonata(expression, {"states": states})


def test_the_job_name_is_the_family_prefix_and_the_execution_name() -> None:
    assert evaluate(job_name_expression("rl-train"), {}) == f"rl-train-{EXECUTION_NAME}"


def test_an_execution_name_that_is_no_job_name_is_hashed() -> None:
    name = evaluate(job_name_expression("rl-train"), {}, name="nightly_run_42")
    assert name == "rl-train-" + hashlib.md5(EXECUTION_ID.encode()).hexdigest()
    assert len(name) <= 63


def test_the_input_may_name_the_job_within_the_family() -> None:
    assert evaluate(job_name_expression("rl-train"), {"TrainingJobName": "rl-train-v2"}) == "rl-train-v2"
    with pytest.raises(Exception, match="must begin with rl-train-"):
        evaluate(job_name_expression("rl-train"), {"TrainingJobName": "someone-else"})


@pytest.mark.parametrize(
    ("state_input", "name"), [({}, "run-1"), ({}, "nightly_run_42"), ({"TrainingJobName": "rl-train-v2"}, "x")]
)
def test_the_unvalidated_second_use_names_the_job_alike(state_input: dict[str, str], name: str) -> None:
    # sagemaker_job_name repeats the name without the check: it must agree with the validated one.
    unchecked = evaluate(job_name_expression("rl-train", validate=False), state_input, name=name)
    assert unchecked == evaluate(job_name_expression("rl-train"), state_input, name=name)


SYNTHESIZED = {"discount": "0.99", "preset": '"cartpole"'}
RESERVED = {"sagemaker_program": '"train.py"', "sagemaker_estimator": '"RLEstimator"'}


def test_absent_input_means_the_synthesized_hyperparameters() -> None:
    assert evaluate(hyperparameters_expression(SYNTHESIZED, RESERVED, "rl-train"), {}) == {
        **SYNTHESIZED,
        **RESERVED,
        "sagemaker_job_name": json.dumps(f"rl-train-{EXECUTION_NAME}"),
    }


OVERRIDES = {"discount": 0.5, "name": 'a"b', "gpu": True, "layers": [64, 64], "none": None, "u": "Größe", "f": 1e-07}


def test_input_hyperparameters_are_merged_as_the_client_encoded_them() -> None:
    # The client (rl-constructs train, runtime.execution_input) encodes with json.dumps, as fit() does.
    merged = evaluate(
        hyperparameters_expression(SYNTHESIZED, RESERVED, "rl-train"),
        {"TrainingJobName": "rl-train-x", "HyperParameters": encode_overrides(OVERRIDES)},
    )
    assert merged == {
        "discount": "0.5",
        "preset": '"cartpole"',
        "name": json.dumps('a"b'),
        "gpu": "true",
        "layers": "[64, 64]",
        "none": "null",
        "u": '"Gr\\u00f6\\u00dfe"',
        "f": "1e-07",
        **RESERVED,
        "sagemaker_job_name": '"rl-train-x"',
    }


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"layers": [64, 64]},
            "must be strings JSON-encoded like the SDK (json.dumps; rl-constructs train does it), not: layers",
        ),
        ({"a": "1", "n": None}, "not: n"),
        ("discount=0.5", "must be an object"),
    ],
)
def test_input_values_that_are_not_encoded_strings_stop_the_execution(overrides: Any, fragment: str) -> None:
    with pytest.raises(Exception, match=re.escape(fragment)):
        evaluate(hyperparameters_expression(SYNTHESIZED, RESERVED, "rl"), {"HyperParameters": overrides})


def test_the_expression_has_no_bare_context_reference_that_localstack_refuses() -> None:
    # moto's (LocalStack's) interpreter refuses `$` and `$$` as variable references.
    from moto.stepfunctions.parser.asl.jsonata.jsonata import extract_jsonata_variable_references

    for expression in (
        hyperparameters_expression(SYNTHESIZED, RESERVED, "rl"),
        job_name_expression("rl"),
        output_expression(),
    ):
        assert not {"$", "$$"} & extract_jsonata_variable_references(expression)


def test_input_may_not_set_reserved_hyperparameters() -> None:
    with pytest.raises(Exception, match="reserved"):
        evaluate(
            hyperparameters_expression(SYNTHESIZED, RESERVED, "rl"), {"HyperParameters": {"sagemaker_program": "x"}}
        )


def test_the_output_keeps_the_input_and_adds_the_job_summary() -> None:
    result = {
        "TrainingJobName": "j",
        "TrainingJobArn": "arn:j",
        "TrainingJobStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/j/output/model.tar.gz"},
        "HyperParameters": {"big": "x" * 1000},
    }
    assert evaluate(output_expression(), {"EndpointName": "e"}, result=result) == {
        "EndpointName": "e",
        "TrainingJob": {
            "TrainingJobName": "j",
            "TrainingJobArn": "arn:j",
            "TrainingJobStatus": "Completed",
            "ModelDataUrl": "s3://b/j/output/model.tar.gz",
        },
    }


def test_base_job_names() -> None:
    assert default_base_job_name("RLStack", "Train") == "RLStack-Train"
    with pytest.raises(RLConfigurationError, match=r"^base_job_name: "):
        validate_base_job_name("bad_name")
    with pytest.raises(TypeError, match=r"^base_job_name: "):
        validate_base_job_name(42)  # type: ignore[arg-type]


def test_a_long_base_job_name_is_trimmed_like_name_from_base() -> None:
    # name_from_base keeps base[:63 - 23 - 1] (tests/fixtures/sdk/base-job-name-long.json records it).
    given = "rl-cartpole-coach-clipped-ppo-notebook-example-v2"
    assert validate_base_job_name(given) == given[:39] == "rl-cartpole-coach-clipped-ppo-notebook-"
    name = evaluate(job_name_expression(validate_base_job_name(given)), {})
    assert name.startswith(given[:39] + "-") and len(name) == 63


def test_long_default_base_names_stay_distinct() -> None:
    first = default_base_job_name("A-Very-Long-Stack-Name-For-Training", "TrainCoach")
    second = default_base_job_name("A-Very-Long-Stack-Name-For-Training", "TrainRay")
    assert first != second and len(first) <= 39 and len(second) <= 39
    assert validate_base_job_name(first) == first
