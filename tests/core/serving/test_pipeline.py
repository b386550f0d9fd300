"""core.serving.pipeline.resolve: every default of RLPipeline, every check on both sides of its rule, a frozen
value (the construct tests check the same errors through RLPipeline)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.arguments import NUMBER_TOKEN_BELOW
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.blue_green import BlueGreenSettings, TrafficRouting
from rl_constructs.core.serving.data_capture import DataCaptureOptions
from rl_constructs.core.serving.endpoint import ScalingSettings, ServerlessSettings
from rl_constructs.core.serving.model import VpcChoice
from rl_constructs.core.serving.pipeline import PipelineOptions, Stage, resolve
from rl_constructs.core.serving.wait_budget import DELETE_RETRY_SECONDS, DELETE_TRIES
from rl_constructs.core.toolkits import Processor
from rl_constructs.core.training.evaluation import RewardAtLeast

DAY = 86_400
TRAINING = Stage(DAY)
DEPLOY: dict[str, Any] = {"deploy_instance_type": "ml.m5.large"}
STABLE: dict[str, Any] = {**DEPLOY, "endpoint_name": "rl-policy"}
SERVERLESS = ServerlessSettings(memory_mib=2048)
SCALING = ScalingSettings(min_capacity=1, max_capacity=4, target_invocations_per_instance=100)
CAPTURE = DataCaptureOptions(100, ("Input", "Output"), "data-capture/", "s3://bucket/capture")
CLEANUP_SECONDS = DELETE_RETRY_SECONDS * DELETE_TRIES
NUMBER_TOKEN = NUMBER_TOKEN_BELOW * 1.5


def options(**overrides: Any) -> PipelineOptions:
    return resolve(**{"training": TRAINING, **overrides})


def refused(argument: str, fragment: str, **overrides: Any) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        options(**overrides)
    assert caught.value.argument == argument, caught.value
    assert fragment in str(caught.value)


def blue_green(**overrides: Any) -> BlueGreenSettings:
    values: dict[str, Any] = {
        "routing": TrafficRouting.CANARY,
        "wait_interval_seconds": 300,
        "step_percent": 10,
        "step_instances": None,
        "termination_wait_seconds": 0,
        "maximum_execution_timeout_seconds": None,
        "alarm_names": (),
        **overrides,
    }
    return BlueGreenSettings(**values)


# --- defaults ----------------------------------------------------------------------------------------------


def test_a_training_only_pipeline_has_the_defaults() -> None:
    resolved = options()
    assert not resolved.deploy
    assert resolved.processor is Processor.CPU
    assert (resolved.instance_type, resolved.initial_instance_count, resolved.endpoint_name) == (None, 1, None)
    assert (resolved.keep_last, resolved.retain_previous_endpoints, resolved.retain_instance_counts) == (3, False, True)
    assert (resolved.wait_budget.poll_seconds, resolved.wait_budget.max_polls) == (30, 120)
    assert resolved.timeout_seconds == DAY + 1800  # the training job's longest and a margin: no endpoint wait
    assert resolved.tags == () and dict(resolved.model_environment) == {}
    assert resolved.serverless is None and resolved.autoscaling is None and resolved.blue_green is None


def test_a_deploying_pipeline_waits_for_its_endpoint_and_cleans_up_within_its_timeout() -> None:
    resolved = options(**DEPLOY)
    assert resolved.deploy and resolved.processor is Processor.CPU
    assert resolved.timeout_seconds == DAY + 3600 + CLEANUP_SECONDS + 1800
    assert options(deploy_instance_type="ml.g4dn.xlarge").processor is Processor.GPU


def test_serverless_deploys_on_cpu_and_keeps_no_instance_counts() -> None:
    resolved = options(serverless=SERVERLESS)
    assert resolved.deploy and resolved.processor is Processor.CPU and resolved.instance_type is None
    assert not resolved.retain_instance_counts
    assert not options(**DEPLOY, retain_instance_counts=False).retain_instance_counts


def test_the_longest_run_counts_tuning_and_evaluation() -> None:
    resolved = options(tuning=Stage(4 * DAY), evaluation=Stage(3600))
    assert resolved.timeout_seconds == 4 * DAY + 3600 + 1800


def test_a_blue_green_rollout_extends_the_default_wait_by_its_longest() -> None:
    settings = blue_green(maximum_execution_timeout_seconds=1200, termination_wait_seconds=60)
    resolved = options(**STABLE, blue_green=settings)
    assert resolved.wait_budget.wait_seconds == 3600 + 1200 + 60
    assert resolved.blue_green is settings


def test_the_cleanup_of_earlier_runs_follows_the_endpoint_mode() -> None:
    per_run, kept, stable = options(**DEPLOY), options(**DEPLOY, retain_previous_endpoints=True), options(**STABLE)
    assert (per_run.deletes_earlier_endpoints, per_run.deletes_earlier_configs) == (True, True)
    assert (kept.deletes_earlier_endpoints, kept.deletes_earlier_configs) == (False, False)
    assert (stable.deletes_earlier_endpoints, stable.deletes_earlier_configs) == (False, True)


def test_tags_and_environment_are_kept_and_the_value_is_frozen() -> None:
    resolved = options(**DEPLOY, tags={"team": "rl"}, model_environment={"KEY": "v"})
    assert resolved.tags == ({"Key": "team", "Value": "rl"},)
    assert dict(resolved.model_environment) == {"KEY": "v"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.keep_last = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        resolved.model_environment["OTHER"] = "x"  # type: ignore[index]


# --- the job states ----------------------------------------------------------------------------------------


def test_the_job_states_belong_to_this_pipeline() -> None:
    refused(
        "training_job", "RL/Train already starts the pipeline RL/Other", training=Stage(DAY, "RL/Other", "RL/Train")
    )
    refused("evaluation_job", "evaluates RL/Else", evaluation=Stage(3600, other_training_job="RL/Else"))
    refused("evaluation_job", "already belongs", evaluation=Stage(3600, pipeline="RL/Other"))
    refused("tuning_job", "tunes RL/Else", tuning=Stage(DAY, other_training_job="RL/Else"))
    refused("tuning_job", "already starts", tuning=Stage(DAY, pipeline="RL/Other"))
    assert options(evaluation=Stage(3600), tuning=Stage(DAY)).deploy_if is None


def test_a_reward_gate_needs_an_evaluation() -> None:
    gate = RewardAtLeast("reward-testing", 150)
    refused("deploy_if", "set evaluation_job", deploy_if=gate)
    assert options(evaluation=Stage(3600), deploy_if=gate).deploy_if is gate


# --- the endpoint ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"initial_instance_count": 2}, "initial_instance_count"),
        ({"endpoint_kms_key": True}, "endpoint_kms_key"),
        ({"data_capture": CAPTURE}, "data_capture"),
        ({"training_in_vpc": True}, "serverless"),
        ({"deploy_instance_type": "ml.m5.large"}, "serverless"),
        ({"serverless": ServerlessSettings(memory_mib=1536)}, "serverless"),
    ],
)
def test_serverless_refuses_what_serverless_endpoints_do_not_support(overrides: dict[str, Any], argument: str) -> None:
    refused(argument, "", **{"serverless": SERVERLESS, **overrides})


@pytest.mark.parametrize(
    ("overrides", "argument", "fragment"),
    [
        ({}, "autoscaling", "set deploy_instance_type"),
        ({"serverless": SERVERLESS}, "autoscaling", "serverless"),
        (DEPLOY, "autoscaling", "stable endpoint"),
        ({**STABLE, "initial_instance_count": 5}, "initial_instance_count", "outside the autoscaling range 1-4"),
    ],
)
def test_autoscaling_applies_to_a_stable_endpoint_on_instances(
    overrides: dict[str, Any], argument: str, fragment: str
) -> None:
    refused(argument, fragment, autoscaling=SCALING, **overrides)
    assert options(**STABLE, autoscaling=SCALING, initial_instance_count=4).autoscaling is SCALING


@pytest.mark.parametrize(
    "overrides",
    [
        {"endpoint_name": "rl-policy"},
        {"serving_settings": True},
        {"model_environment": {"KEY": "v"}},
        {"tags": {"team": "rl"}},
        {"endpoint_kms_key": True},
        {"data_capture": CAPTURE},
    ],
)
def test_endpoint_settings_need_a_deployment(overrides: dict[str, Any]) -> None:
    refused("deploy_instance_type", "training-only pipeline", **overrides)
    assert options(**DEPLOY, **overrides).deploy


def test_counts_are_at_least_one() -> None:
    refused("initial_instance_count", "at least 1, got 0", **DEPLOY, initial_instance_count=0)
    refused("keep_last", "at least 1, got 0", keep_last=0)
    assert options(keep_last=1).keep_last == 1
    with pytest.raises(TypeError, match="keep_last"):
        options(keep_last=True)


def test_the_endpoint_name_follows_sagemakers_rule() -> None:
    refused("endpoint_name", "not a valid SageMaker endpoint name", **DEPLOY, endpoint_name="rl_policy")
    refused("endpoint_name", "1 to 63", **DEPLOY, endpoint_name="a" * 64)
    assert options(**DEPLOY, endpoint_name="a" * 63).endpoint_name == "a" * 63
    assert options(**DEPLOY, endpoint_name="${Token[NAME.1]}").endpoint_name == "${Token[NAME.1]}"


def test_blue_green_updates_a_stable_endpoint_within_sagemakers_limits() -> None:
    refused("deployment", "set endpoint_name", **DEPLOY, blue_green=blue_green())
    refused("deployment.percent", "from 1 to 100, got 101", **STABLE, blue_green=blue_green(step_percent=101))
    refused("deployment", "exactly one of percent or instances", **STABLE, blue_green=blue_green(step_percent=None))
    assert options(**STABLE, blue_green=blue_green(step_percent=100)).blue_green is not None


def test_previous_endpoints_are_per_run_ones() -> None:
    refused("retain_previous_endpoints", "per-run endpoints", **STABLE, retain_previous_endpoints=True)
    assert options(**DEPLOY, retain_previous_endpoints=True).retain_previous_endpoints


def test_tags_and_environment_are_checked() -> None:
    refused("tags", "reserved", **DEPLOY, tags={"rl-constructs:pipeline": "x"})
    refused("tags", "reserved", **DEPLOY, tags={"AWS:owner": "x"})
    with pytest.raises(TypeError, match="tags"):
        options(**DEPLOY, tags=[("a", "b")])
    with pytest.raises(TypeError, match="model_environment"):
        options(**DEPLOY, model_environment={"KEY": 1})


# --- waiting and the timeout -------------------------------------------------------------------------------


def test_the_wait_is_bounded_by_the_history_quota() -> None:
    refused("poll_interval", "at least 1 second", **DEPLOY, poll_seconds=0)
    refused(
        "endpoint_wait_timeout", "at least poll_interval (60 s)", **DEPLOY, poll_seconds=60, endpoint_wait_seconds=59
    )
    refused("endpoint_wait_timeout", "history events", **DEPLOY, poll_seconds=1, endpoint_wait_seconds=DAY)
    assert options(**DEPLOY, poll_seconds=60, endpoint_wait_seconds=60).wait_budget.max_polls == 1


def test_durations_must_be_known_at_synth() -> None:
    for argument in ("poll_seconds", "endpoint_wait_seconds", "timeout_seconds"):
        with pytest.raises(RLConfigurationError, match="must be known at synth"):
            options(**DEPLOY, **{argument: NUMBER_TOKEN})


def test_a_timeout_shorter_than_the_longest_run_is_refused() -> None:
    least = DAY + 3600 + CLEANUP_SECONDS
    refused("timeout", f"{least - 1} s is shorter than the longest run ({least} s", **DEPLOY, timeout_seconds=least - 1)
    assert options(**DEPLOY, timeout_seconds=least).timeout_seconds == least
    refused("timeout", "the training job's 86400 s); the execution", timeout_seconds=DAY - 1)


# --- the model's VPC and network isolation -------------------------------------------------------------------


def test_the_model_inherits_the_jobs_vpc_and_is_not_isolated_by_default() -> None:
    resolved = options(**DEPLOY)
    assert resolved.model_vpc is VpcChoice.INHERIT
    assert resolved.enable_network_isolation is False
    assert options(**DEPLOY, enable_network_isolation=True).enable_network_isolation is True


def test_serverless_runs_outside_a_vpc_only() -> None:
    assert options(serverless=SERVERLESS, training_in_vpc=True, model_vpc=VpcChoice.NONE).serverless is SERVERLESS
    refused("serverless", "vpc_config_override=ModelVpc.none()", serverless=SERVERLESS, training_in_vpc=True)
    refused("vpc_config_override", "does not support a VPC", serverless=SERVERLESS, model_vpc=VpcChoice.REPLACE)
    refused("enable_network_isolation", "serverless", serverless=SERVERLESS, enable_network_isolation=True)
    assert not options(serverless=SERVERLESS, enable_network_isolation=False).enable_network_isolation


@pytest.mark.parametrize(
    "overrides",
    [{"model_vpc": VpcChoice.NONE}, {"model_vpc": VpcChoice.REPLACE}, {"enable_network_isolation": False}],
)
def test_model_network_settings_need_a_deployment(overrides: dict[str, Any]) -> None:
    refused("deploy_instance_type", "training-only", **overrides)


def test_isolation_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="enable_network_isolation"):
        options(**DEPLOY, enable_network_isolation=1)
