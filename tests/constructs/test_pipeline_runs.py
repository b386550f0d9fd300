"""RLPipeline runs, executed by an interpreter the project does not write: moto's Step Functions engine with the
reference JSONata (npm ``jsonata``) against a SageMaker that behaves like the real API (``rl_constructs.testing.sfn``).

Every scenario of a production user: throttles on every call, each failure path (namespaced error, cause
kept, nothing left behind), a failed endpoint replaced, a concurrent update waited for, autoscaled capacity
kept, rollbacks, an endpoint that never comes up, cleanup of earlier runs, and the history quota.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import RLPipeline
from rl_constructs.core.contracts import PIPELINE_TAG_KEY
from rl_constructs.core.serving.wait_budget import EVENTS_PER_POLL, HISTORY_EVENT_LIMIT, wait_budget
from rl_constructs.core.workflow import SDK_CALL_RETRIES
from rl_constructs.testing.asl import ACCOUNT
from rl_constructs.testing.sfn import Result, ScriptedSageMaker, as_definition, run_execution
from tests.constructs.pipeline_support import coach_job, coach_stack, inventory

ENDPOINT = "cartpole"


#: RLPipeline's defaults: a prop given with its default value is left out, so that a pipeline is synthesized once
#: however a test spells it (``stable(keep_last=3)`` is ``stable()``).
DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(RLPipeline.__init__).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}


def template(**props: Any) -> dict[str, Any]:
    """The synthesized stack of one pipeline (the Coach job of the example app), once per distinct props."""
    given = {
        name: value
        for name, value in sorted(props.items())
        if not (name in DEFAULTS and type(value) is type(DEFAULTS[name]) and value == DEFAULTS[name])
    }
    return _template(tuple(given.items()))


@cache
def _template(props: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    stack = coach_stack()
    job = coach_job(stack)
    RLPipeline(stack, "Pipeline", training_job=job, deploy_instance_type="ml.m5.large", **dict(props))
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def stable(**props: Any) -> dict[str, Any]:
    return template(endpoint_name=ENDPOINT, **props)


def per_run(**props: Any) -> dict[str, Any]:
    return template(**props)


def run(definition: dict[str, Any], sm: ScriptedSageMaker, name: str, **execution_input: Any) -> Result:
    return run_execution(definition, execution_input, sm, name=name)


def job(n: int) -> str:
    return f"RL-Train-run-{n}"


def endpoint_view(sm: ScriptedSageMaker, name: str = ENDPOINT) -> dict[str, Any]:
    return sm.describe_endpoint(EndpointName=name)


def calls_of(result: Result, operation: str) -> list[dict[str, Any]]:
    return [call.params for call in result.calls if call.operation == operation]


# ---- success paths --------------------------------------------------------------------------------------------


def test_a_first_run_creates_the_stable_endpoint_and_a_second_updates_it_keeping_instance_counts() -> None:
    sm = ScriptedSageMaker()
    first = run(stable(), sm, "run-1")
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    assert first.output == {
        "TrainingJobName": job(1),
        "ModelDataUrl": first.output["ModelDataUrl"],
        "EndpointName": ENDPOINT,
        "EndpointConfigName": job(1),
        "ModelName": job(1),
    }
    (create,) = calls_of(first, "CreateEndpoint")
    assert create == {
        "EndpointName": ENDPOINT,
        "EndpointConfigName": job(1),
        "Tags": [{"Key": PIPELINE_TAG_KEY, "Value": "RL/Pipeline"}],
    }
    for operation in ("CreateModel", "CreateEndpointConfig"):
        (params,) = calls_of(first, operation)
        assert params["Tags"] == [{"Key": PIPELINE_TAG_KEY, "Value": "RL/Pipeline"}]

    second = run(stable(), sm, "run-2")
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    (update,) = calls_of(second, "UpdateEndpoint")
    assert update == {
        "EndpointName": ENDPOINT,
        "EndpointConfigName": job(2),
        "RetainAllVariantProperties": True,
        "ExcludeRetainedVariantProperties": [{"VariantPropertyType": "DataCaptureConfig"}],
    }
    assert "CreateEndpoint" not in second.operations
    assert endpoint_view(sm)["EndpointConfigName"] == job(2)


@pytest.mark.parametrize("retain", [True, False], ids=["retained", "reset"])
def test_an_update_keeps_the_capacity_autoscaling_gave_the_endpoint(retain: bool) -> None:
    definition = stable(retain_instance_counts=retain)
    sm = ScriptedSageMaker()
    assert run(definition, sm, "run-1").status == "SUCCEEDED"
    sm.update_endpoint_weights_and_capacities(
        EndpointName=ENDPOINT, DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 4}]
    )
    while endpoint_view(sm)["EndpointStatus"] != "InService":
        pass
    assert run(definition, sm, "run-2").status == "SUCCEEDED"
    (variant,) = endpoint_view(sm)["ProductionVariants"]
    assert variant["DesiredInstanceCount"] == (4 if retain else 1)


def test_a_run_waits_while_another_run_updates_the_endpoint_then_updates_it() -> None:
    sm = ScriptedSageMaker()
    assert run(stable(), sm, "run-1").status == "SUCCEEDED"
    sm.seed_endpoint(ENDPOINT, job(1), status="Updating", polls=3)  # "another run" is updating it
    sm.reset_calls()
    second = run(stable(), sm, "run-2")
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    operations = second.operations
    assert operations.index("UpdateEndpoint") > operations.index("DescribeEndpoint") + 2  # it waited first
    assert [call.error for call in second.calls if call.operation == "UpdateEndpoint"] == [None]
    assert endpoint_view(sm)["EndpointConfigName"] == job(2)


def test_an_update_refused_because_another_run_started_first_is_tried_again_after_waiting() -> None:
    sm = ScriptedSageMaker()
    assert run(stable(), sm, "run-1").status == "SUCCEEDED"
    sm.fail("UpdateEndpoint", code="ValidationException", message="Cannot update in-progress endpoint", times=4)
    second = run(stable(), sm, "run-2")
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert endpoint_view(sm)["EndpointConfigName"] == job(2)


def test_a_failed_stable_endpoint_is_replaced_instead_of_blocking_every_later_run() -> None:
    sm = ScriptedSageMaker()
    sm.script_endpoint(ENDPOINT, outcome="Failed")
    first = run(stable(), sm, "run-1")
    assert first.status == "FAILED" and first.error == "RL.EndpointFailed"
    # Left Failed by an older version or by hand: the next run deletes it and creates it anew.
    sm.create_model(ModelName="m", ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r")
    sm.create_endpoint_config(
        EndpointConfigName="by-hand",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.large"}],
    )
    sm.seed_endpoint(ENDPOINT, "by-hand", status="Failed")
    second = run(stable(), sm, "run-2")
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.operations.count("DeleteEndpoint") == 1
    assert second.operations.count("CreateEndpoint") == 1
    assert endpoint_view(sm)["EndpointStatus"] == "InService"
    assert endpoint_view(sm)["EndpointConfigName"] == job(2)


def test_successful_runs_keep_the_newest_models_and_configs_of_the_stable_endpoint() -> None:
    keep_last, runs = 3, 10
    definition = stable(keep_last=keep_last)
    sm = ScriptedSageMaker()
    for n in range(1, runs + 1):
        assert run(definition, sm, f"run-{n}").status == "SUCCEEDED"
    kept = sorted(job(n) for n in range(runs - keep_last + 1, runs + 1))
    assert inventory(sm) == {"models": kept, "configs": kept, "endpoints": [ENDPOINT]}
    print(f"\nmodels/configs after {runs} successful runs with keep_last={keep_last}: {len(kept)}")


def test_cleanup_never_touches_resources_of_another_pipeline_sharing_the_name_prefix() -> None:
    sm = ScriptedSageMaker()
    foreign = f"{job(0)}-other"
    sm.create_model(ModelName=foreign, ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", Tags=[])
    sm.create_endpoint_config(
        EndpointConfigName=foreign,
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": foreign, "InstanceType": "ml.m5.large"}],
        Tags=[{"Key": PIPELINE_TAG_KEY, "Value": "Other/Pipeline"}],
    )
    definition = stable(keep_last=1)
    for n in (1, 2):
        assert run(definition, sm, f"run-{n}").status == "SUCCEEDED"
    assert inventory(sm)["configs"] == sorted([foreign, job(2)])


def test_per_run_endpoints_are_replaced_by_the_next_successful_run() -> None:
    sm = ScriptedSageMaker()
    for n in (1, 2, 3):
        result = run(per_run(keep_last=2), sm, f"run-{n}")
        assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert inventory(sm) == {"models": [job(2), job(3)], "configs": [job(2), job(3)], "endpoints": [job(3)]}


def test_per_run_endpoints_are_kept_when_asked() -> None:
    sm = ScriptedSageMaker()
    for n in (1, 2, 3):
        assert run(per_run(keep_last=1, retain_previous_endpoints=True), sm, f"run-{n}").status == "SUCCEEDED"
    everything = [job(1), job(2), job(3)]
    assert inventory(sm) == {"models": everything, "configs": everything, "endpoints": everything}


# ---- throttling ------------------------------------------------------------------------------------------------

#: Every SageMaker call of a deploying pipeline, by the run that first makes it: the first run creates
#: (training, model, config, endpoint lookup and creation), the second updates and lists earlier runs, the third
#: deletes the runs past keep_last.
THROTTLED_BY_RUN = [
    [
        "CreateTrainingJob",
        "CreateModel",
        "CreateEndpointConfig",
        "DescribeEndpoint",
        "CreateEndpoint",
    ],
    ["UpdateEndpoint", "ListEndpointConfigs"],
    ["ListTags", "DeleteEndpointConfig", "DeleteModel"],
]


def test_one_throttle_on_every_call_is_retried_and_every_run_succeeds() -> None:
    definition = stable(keep_last=1)
    sm = ScriptedSageMaker()
    survived = []
    for n, operations in enumerate(THROTTLED_BY_RUN, start=1):
        for operation in operations:
            sm.fail(operation, code="ThrottlingException", message="Rate exceeded")
        result = run(definition, sm, f"run-{n}")
        assert result.status == "SUCCEEDED", (operations, result.error, result.cause)
        for operation in operations:
            sent = [call.error for call in result.calls if call.operation == operation]
            assert sent[0] == "ThrottlingException", operation
            assert None in sent[1:], f"{operation} was not sent again after its throttle"
            survived.append(operation)
    assert inventory(sm) == {"models": [job(3)], "configs": [job(3)], "endpoints": [ENDPOINT]}
    print(f"\nthrottles survived: {len(survived)}/{sum(map(len, THROTTLED_BY_RUN))} calls ({', '.join(survived)})")


def test_the_deployment_calls_retry_each_documented_error_name_of_their_integration_kind() -> None:
    states = as_definition(stable())["States"]
    for name, state in states.items():
        if state["Type"] != "Task":
            continue
        retried = {error for rule in state["Retry"] for error in rule["ErrorEquals"]}
        if ":::aws-sdk:sagemaker:" in state["Resource"]:
            assert retried == {"SageMaker.SageMakerException", "SageMaker.ResourceLimitExceededException"}, name
        else:
            assert state["Resource"].endswith(":::sagemaker:createTrainingJob.sync"), name
            assert retried == {"SageMaker.AmazonSageMakerException", "SageMaker.ResourceLimitExceededException"}
        assert all(rule.get("JitterStrategy") == "FULL" and "MaxDelaySeconds" in rule for rule in state["Retry"])


# ---- failure paths: a namespaced error, the cause kept, nothing left behind --------------------------------------


def test_a_persistent_validation_error_fails_in_seconds_with_its_cause_and_leaves_nothing() -> None:
    sm = ScriptedSageMaker()
    sm.fail("CreateEndpointConfig", code="ValidationException", message="Invalid instance type", times=99)
    result = run(stable(), sm, "run-1")
    assert result.status == "FAILED"
    assert result.error == "RL.DeploymentFailed"
    assert "Create endpoint config failed with SageMaker.SageMakerException" in result.cause
    assert "Invalid instance type" in result.cause
    retries = [call for call in result.calls if call.operation == "CreateEndpointConfig"]
    assert len(retries) == 1 + SDK_CALL_RETRIES[0].max_attempts
    assert SDK_CALL_RETRIES[0].worst_case_seconds() <= 30
    assert inventory(sm) == {"models": [], "configs": [], "endpoints": []}


def test_a_failed_training_job_ends_as_training_failed_with_its_reason() -> None:
    sm = ScriptedSageMaker()
    sm.script_training_job(status="Failed", failure_reason="AlgorithmError: the policy diverged")
    result = run(stable(), sm, "run-1")
    assert (result.status, result.error) == ("FAILED", "RL.TrainingFailed")
    assert "AlgorithmError: the policy diverged" in result.cause
    assert not result.error.startswith("States.")
    assert inventory(sm) == {"models": [], "configs": [], "endpoints": []}


def test_a_job_name_outside_the_family_is_invalid_input_and_starts_nothing() -> None:
    sm = ScriptedSageMaker()
    result = run(stable(), sm, "run-1", TrainingJobName="someone-else-1")
    assert (result.status, result.error) == ("FAILED", "RL.InvalidInput")
    assert "TrainingJobName must begin with RL-Train-" in result.cause
    assert result.operations == []


def test_reserved_hyperparameters_in_the_input_are_invalid_input() -> None:
    sm = ScriptedSageMaker()
    result = run(stable(), sm, "run-1", HyperParameters={"sagemaker_program": '"evil.py"'})
    assert (result.status, result.error) == ("FAILED", "RL.InvalidInput")
    assert "sagemaker_" in result.cause
    assert result.operations == []


def test_an_endpoint_that_fails_to_come_up_is_deleted_with_its_config_and_model() -> None:
    sm = ScriptedSageMaker()
    sm.script_endpoint(job(1), outcome="Failed", failure_reason="ping health check failed")
    result = run(per_run(), sm, "run-1")
    assert (result.status, result.error) == ("FAILED", "RL.EndpointFailed")
    assert "ping health check failed" in result.cause and job(1) in result.cause
    assert inventory(sm) == {"models": [], "configs": [], "endpoints": []}


def test_an_update_that_rolled_back_fails_and_deletes_only_the_new_config_and_model() -> None:
    sm = ScriptedSageMaker()
    assert run(stable(), sm, "run-1").status == "SUCCEEDED"
    sm.script_endpoint(ENDPOINT, outcome="RollingBack", failure_reason="alarm fired")
    result = run(stable(), sm, "run-2")
    assert (result.status, result.error) == ("FAILED", "RL.EndpointUpdateRolledBack")
    assert "rolled the update back" in result.cause
    assert inventory(sm) == {"models": [job(1)], "configs": [job(1)], "endpoints": [ENDPOINT]}
    assert endpoint_view(sm)["EndpointConfigName"] == job(1)


def test_an_update_whose_rollback_failed_is_reported_as_such_and_keeps_what_the_endpoint_may_use() -> None:
    sm = ScriptedSageMaker()
    assert run(stable(), sm, "run-1").status == "SUCCEEDED"
    sm.script_endpoint(ENDPOINT, outcome="UpdateRollbackFailed", failure_reason="rollback failed")
    result = run(stable(), sm, "run-2")
    assert (result.status, result.error) == ("FAILED", "RL.EndpointUpdateRollbackFailed")
    assert "kept for its recovery" in result.cause and "rollback failed" in result.cause
    assert inventory(sm)["configs"] == [job(1), job(2)]


def test_an_endpoint_that_never_comes_up_times_out_and_is_deleted_once_sagemaker_allows_it() -> None:
    wait = cdk.Duration.minutes(10)
    definition = per_run(endpoint_wait_timeout=wait)
    budget = wait_budget(30, 600)
    sm = ScriptedSageMaker()
    # Creating for longer than the wait, then Failed (as SageMaker ends a stuck create): deletable then.
    sm.script_endpoint(job(1), polls=budget.max_polls + 3, outcome="Failed", failure_reason="capacity")
    result = run(definition, sm, "run-1")
    assert (result.status, result.error) == ("FAILED", "RL.EndpointTimeout")
    assert "was not InService" in result.cause
    assert inventory(sm) == {"models": [], "configs": [], "endpoints": []}
    assert result.event_count < HISTORY_EVENT_LIMIT


def test_a_run_that_cannot_delete_its_endpoint_says_so_in_the_cause() -> None:
    definition = per_run(endpoint_wait_timeout=cdk.Duration.minutes(5))
    sm = ScriptedSageMaker()
    sm.script_endpoint(job(1), polls=10_000)  # Creating for ever
    result = run(definition, sm, "run-1")
    assert (result.status, result.error) == ("FAILED", "RL.EndpointTimeout")
    assert f"endpoint {job(1)} could not be deleted" in result.cause
    assert inventory(sm)["models"] == [] and inventory(sm)["configs"] == []
    assert result.event_count < HISTORY_EVENT_LIMIT


# ---- quotas ------------------------------------------------------------------------------------------------------


def timed_out_run(polls: int) -> Result:
    """A run whose endpoint never comes up, waiting ``polls`` polls of 30 s."""
    definition = per_run(endpoint_wait_timeout=cdk.Duration.seconds(30 * polls))
    sm = ScriptedSageMaker()
    sm.script_endpoint(job(1), polls=100_000)
    result = run(definition, sm, "run-1")
    assert result.error == "RL.EndpointTimeout"
    return result


def test_the_history_of_a_run_stays_under_the_quota_for_the_longest_wait_a_pipeline_accepts() -> None:
    # Measured in the interpreter: what one more poll costs, and a whole timed-out run.
    short, longer = timed_out_run(10), timed_out_run(20)
    per_poll = (longer.event_count - short.event_count) / 10
    assert per_poll == EVENTS_PER_POLL
    assert longer.event_count <= wait_budget(30, 600).history_events()
    # The longest wait accepted at synth, for any max_run (training is one .sync task whatever it lasts).
    longest = max(hours for hours in range(1, 200) if _accepted(lambda h=hours: wait_budget(30, h * 3600)))
    bound = wait_budget(30, longest * 3600).history_events()
    assert bound < HISTORY_EVENT_LIMIT
    print(
        f"\nhistory events: {per_poll:.0f} per poll; a run that waited {longest} h at one poll per 30 s has at "
        f"most {bound} (quota {HISTORY_EVENT_LIMIT})"
    )


def _accepted(make: Any) -> bool:
    try:
        make()
    except ValueError:
        return False
    return True


def test_a_wait_that_could_reach_the_history_quota_is_refused_at_synth() -> None:
    with pytest.raises(ValueError, match=r"endpoint_wait_timeout: .* history events"):
        per_run(poll_interval=cdk.Duration.seconds(5), endpoint_wait_timeout=cdk.Duration.hours(12))
