"""RLPipeline's ``model_name_prefix`` in the core: the check on both sides of its length and name rule, and
the names a run gives its model and endpoint config (the JSONata evaluated by the reference implementation)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from rl_constructs.core.aws import NAME_MAX_LENGTH, is_valid_name
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving import jsonata as j
from rl_constructs.core.serving import requests as r
from rl_constructs.core.serving.pipeline import (
    MODEL_NAME_PREFIX_MAX_LENGTH,
    RUN_SUFFIX_MIN_LENGTH,
    PipelineOptions,
    Stage,
    resolve,
)
from rl_constructs.testing.sfn.jsonata_bridge import evaluate as reference_jsonata

DEPLOY: dict[str, Any] = {"training": Stage(86_400), "deploy_instance_type": "ml.m5.large"}
EXECUTION_NAME = "0f0e8d6c-1111-2222-3333-444455556666"
EXECUTION_ID = f"arn:aws:states:us-west-2:111122223333:execution:sm:{EXECUTION_NAME}"
JOB_OUTPUT = {"TrainingJob": {"TrainingJobName": "RL-Train-run-1", "ModelDataUrl": "s3://b/RL-Train-run-1/m.tgz"}}


def options(**overrides: Any) -> PipelineOptions:
    return resolve(**{**DEPLOY, **overrides})


def refused(prefix: object) -> RLConfigurationError:
    with pytest.raises(RLConfigurationError) as caught:
        options(model_name_prefix=prefix)
    assert caught.value.argument == "model_name_prefix", caught.value
    return caught.value


def run_of(model_name_prefix: str | None, execution_name: str = EXECUTION_NAME, endpoint: str | None = None) -> Any:
    """``$run`` as the Prepare state assigns it, by the reference JSONata (``$states`` bound as Step Functions
    binds it)."""
    expression = j.run_assignment(endpoint, model_name_prefix)["run"].removeprefix("{%").removesuffix("%}")
    states = {"input": JOB_OUTPUT, "context": {"Execution": {"Name": execution_name, "Id": EXECUTION_ID}}}
    return reference_jsonata(expression, {"states": states})


# ---- the check --------------------------------------------------------------------------------------------------


def test_the_prefix_leaves_room_for_a_dash_and_the_sdk_timestamp_length() -> None:
    assert RUN_SUFFIX_MIN_LENGTH == 23  # len("2026-11-30-18-52-27-123"), name_from_base's timestamp
    assert MODEL_NAME_PREFIX_MAX_LENGTH == NAME_MAX_LENGTH - 1 - RUN_SUFFIX_MIN_LENGTH == 39


def test_a_prefix_of_the_longest_length_is_accepted_and_one_more_character_is_refused() -> None:
    longest = "m" * MODEL_NAME_PREFIX_MAX_LENGTH
    assert options(model_name_prefix=longest).model_name_prefix == longest
    error = refused(longest + "m")
    assert "1 to 39 letters, digits and hyphens" in str(error)
    assert repr(longest + "m") in str(error)


@pytest.mark.parametrize("prefix", ["vw-model", "a", "A1-b2--c3", "model-1"])
def test_valid_names_are_accepted(prefix: str) -> None:
    resolved = options(model_name_prefix=prefix)
    assert (resolved.model_name_prefix, resolved.run_name) == (prefix, j.PREFIXED_RUN_NAME)
    assert resolved.names_prefix("RL-Train") == prefix


@pytest.mark.parametrize("prefix", ["", "vw_model", "-vw", "vw-", "vw model", "vw.model", "${Token[TOKEN.1]}"])
def test_names_outside_sagemakers_rule_are_refused(prefix: str) -> None:
    assert "starting and ending with a letter or digit" in str(refused(prefix))


def test_a_prefix_that_is_not_a_str_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="model_name_prefix: expected a str, got int"):
        options(model_name_prefix=7)


def test_a_training_only_pipeline_refuses_a_model_name_prefix() -> None:
    with pytest.raises(RLConfigurationError) as caught:
        resolve(training=Stage(86_400), model_name_prefix="vw-model")
    assert caught.value.argument == "deploy_instance_type"


def test_without_a_prefix_the_run_is_named_after_its_training_job_as_before() -> None:
    resolved = options()
    assert (resolved.model_name_prefix, resolved.run_name) == (None, "$run.job")
    assert resolved.names_prefix("RL-Train") == "RL-Train"
    assert run_of(None) == {
        "job": "RL-Train-run-1",
        "modelData": "s3://b/RL-Train-run-1/m.tgz",
        "endpoint": "RL-Train-run-1",
    }
    # The requests' defaults are the training job's name, as before the prefix existed.
    assert r.run_resource_request("DeleteModel") == {"ModelName": "{% $run.job %}"}


# ---- the names a run gives ---------------------------------------------------------------------------------


def test_a_run_names_its_model_config_and_per_run_endpoint_prefix_and_execution_name() -> None:
    run = run_of("vw-model", execution_name="run-1")
    assert run == {
        "job": "RL-Train-run-1",
        "modelData": "s3://b/RL-Train-run-1/m.tgz",
        "name": "vw-model-run-1",
        "endpoint": "vw-model-run-1",
    }
    assert run_of("vw-model", execution_name="run-1", endpoint="cartpole")["endpoint"] == "cartpole"


@pytest.mark.parametrize("length", [1, 8, 26, 27, MODEL_NAME_PREFIX_MAX_LENGTH])
def test_every_name_is_a_valid_name_of_at_most_63_characters_unique_per_execution(length: int) -> None:
    prefix = "p" * length
    digest = hashlib.md5(EXECUTION_ID.encode()).hexdigest()
    uuid_name = run_of(prefix)["name"]  # the default execution name: a UUID (36 characters)
    assert is_valid_name(uuid_name) and len(uuid_name) <= NAME_MAX_LENGTH
    fits = length + 1 + len(EXECUTION_NAME) <= NAME_MAX_LENGTH
    assert uuid_name == f"{prefix}-{EXECUTION_NAME}" if fits else uuid_name.startswith(f"{prefix}-{digest[:23]}")
    hashed = run_of(prefix, execution_name="nightly_run_42")["name"]  # no valid name part: the ARN's MD5
    assert is_valid_name(hashed) and hashed.startswith(f"{prefix}-{digest[:RUN_SUFFIX_MIN_LENGTH]}")


def test_the_requests_and_outputs_name_what_the_run_created_by_the_name_given() -> None:
    name = j.PREFIXED_RUN_NAME
    model = r.create_model_request(role_arn="arn:role", image="img", environment={}, tags=[], name=name)
    config = r.endpoint_config_request(instance_type="ml.m5.large", instance_count=1, tags=[], name=name)
    assert model["ModelName"] == config["EndpointConfigName"] == "{% $run.name %}"
    assert config["ProductionVariants"][0]["ModelName"] == "{% $run.name %}"
    assert r.create_endpoint_request([], name)["EndpointConfigName"] == "{% $run.name %}"
    assert r.update_endpoint_request(retain_instance_counts=True, name=name)["EndpointConfigName"] == "{% $run.name %}"
    assert r.run_resource_request("DeleteEndpointConfig", name) == {"EndpointConfigName": "{% $run.name %}"}
    assert "'ModelName': $run.name" in j.succeeded_output(name)
    assert "'TrainingJobName': $run.job" in j.succeeded_output(name)
    assert j.serves_this_run(name).endswith("= $run.name")


def test_earlier_runs_are_the_configs_of_the_prefix_other_than_this_runs() -> None:
    expression = j.old_runs_expression("vw-model", 2, delete_endpoints=False, delete_configs=True, name="$run.name")
    configs = [
        {"EndpointConfigName": name, "EndpointConfigArn": f"arn:{name}"}
        for name in ("vw-model-run-4", "vw-model-run-3", "RL-Train-run-2", "vw-modelx-run-1", "vw-model-run-1")
    ]
    states = {"result": {"EndpointConfigs": configs}}
    value = reference_jsonata(
        expression.removeprefix("{%").removesuffix("%}"), {"states": states, "run": {"name": "vw-model-run-4"}}
    )
    assert [item["Name"] for item in value] == ["vw-model-run-1"]  # run-3 is kept (keep_last=2 with this run)
