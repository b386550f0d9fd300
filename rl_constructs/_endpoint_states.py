"""The endpoint states of an RLPipeline run: read the stable endpoint and create, replace, update or wait for
it; wait for the run's endpoint to serve; register its autoscaling. Wiring of ``core.serving.jsonata`` (the
choices and what they record), ``requests`` and ``iam``; the states belong to ``DeploymentStates``.

A stable endpoint is looked up with DescribeEndpoint, replaced when Failed, waited for while another run (or
SageMaker) changes it, and updated keeping its current instance counts (or blue/green, rolled back on alarms).
A create or update refused with an unmodeled error (another run got there first, or a real validation error)
goes back to reading, at most ``ENDPOINT_ATTEMPTS`` times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from ._arns import stack_arn, stack_environment
from ._policy import policy_statements
from ._states import add_retries, condition, wait_time
from .core.serving import iam as serving_iam
from .core.serving import jsonata as j
from .core.serving import requests as r
from .core.serving.blue_green import deployment_config
from .core.workflow import (
    AUTOSCALING_NOT_REGISTERED,
    AUTOSCALING_RETRIES,
    SDK_BASE_ERROR,
    FailureName,
    failure_assignment,
    failure_from_input,
)

if TYPE_CHECKING:
    from ._deployment_states import DeploymentStates

DEPLOYMENT_FAILED = FailureName.DEPLOYMENT_FAILED


def stable_endpoint(
    states: DeploymentStates, create_endpoint: tasks.CallAwsService, wait: sfn.IChainable
) -> sfn.IChainable:
    """Read the endpoint; create it when absent, replace it when Failed, wait while it changes, update it
    when in service."""
    p, budget = states.p, states.budget
    settle = sfn.Wait(p, "Settle", state_name="Wait for endpoint to settle", time=wait_time(budget.poll_seconds))
    read = states.call(
        "DescribeEndpoint",
        "Read endpoint",
        r.run_endpoint_request(),
        outputs=j.describe_output(),
        assign=j.count_poll(),
        catch_unmodeled=None,
    )
    missing = sfn.Choice(p, "Missing", state_name="Endpoint missing?")
    read.add_catch(missing, errors=[SDK_BASE_ERROR], outputs=j.caught_error())
    read.add_catch(states.failure_cleanup, assign=failure_assignment("Read endpoint", DEPLOYMENT_FAILED))
    missing.when(condition(j.cause_contains(j.ENDPOINT_NOT_FOUND)), create_endpoint).otherwise(
        states.goto_cleanup("ReadFailed", "Endpoint unreadable", failure_from_input("Read endpoint", DEPLOYMENT_FAILED))
    )
    update = _update(states, wait)
    _retry_refused(states, settle, create_endpoint, update)
    delete_failed = states.call(
        "DeleteEndpoint", "Delete failed endpoint", r.run_endpoint_request(), catch_unmodeled=DEPLOYMENT_FAILED
    )
    delete_failed.next(settle)
    ready = (
        sfn.Choice(p, "Ready", state_name="Endpoint ready for update?")
        .when(condition(j.status_is("InService", "UpdateRollbackFailed")), _before_update(states, update))
        .when(condition(j.status_is("Failed", "OutOfService")), delete_failed)
        .when(
            condition(f"$not({j.polls_left(budget.max_polls)})"),
            states.goto_cleanup("SettleTimeout", "Endpoint never settled", j.timeout_failure(budget.wait_seconds)),
        )
        .otherwise(settle)
    )
    settle.next(read)
    read.next(ready)
    return read


def _update(states: DeploymentStates, wait: sfn.IChainable) -> tasks.CallAwsService:
    """UpdateEndpoint to the run's config (blue/green when the pipeline has a ``deployment``), then the wait."""
    blue_green = states.options.blue_green
    update = states.call(
        "UpdateEndpoint",
        "Update endpoint",
        r.update_endpoint_request(
            retain_instance_counts=states.options.retain_instance_counts,
            deployment_config=deployment_config(blue_green) if blue_green else None,
        ),
        catch_unmodeled=None,
        extra=states.alarm_statements(),
    )
    update.next(wait)
    return update


def _retry_refused(
    states: DeploymentStates,
    settle: sfn.IChainable,
    create_endpoint: tasks.CallAwsService,
    update: tasks.CallAwsService,
) -> None:
    """A create or update refused with an unmodeled error settles and reads again, while attempts are left."""
    retry_or_fail = (
        sfn.Choice(states.p, "Again", state_name="Try the endpoint again?")
        .when(condition(j.attempts_left()), settle)
        .otherwise(
            states.goto_cleanup(
                "GaveUp", "Endpoint refused", j.failure_from_last_error("Create or update endpoint", DEPLOYMENT_FAILED)
            )
        )
    )
    for call, step in ((create_endpoint, "Create endpoint"), (update, "Update endpoint")):
        call.add_catch(retry_or_fail, errors=[SDK_BASE_ERROR], assign=j.record_attempt())
        call.add_catch(states.failure_cleanup, assign=failure_assignment(step, DEPLOYMENT_FAILED))


def wait_for_endpoint(states: DeploymentStates) -> sfn.IChainable:
    """Wait, read the endpoint, decide: deployed, failed (each way), out of polls, or wait again."""
    p, budget = states.p, states.budget
    wait = sfn.Wait(p, "Wait", state_name="Wait for endpoint", time=wait_time(budget.poll_seconds))
    check = states.call(
        "DescribeEndpoint",
        "Check endpoint",
        r.run_endpoint_request(),
        outputs=j.describe_output(),
        assign=j.count_poll(),
        catch_unmodeled=DEPLOYMENT_FAILED,
    )
    failed = states.goto_cleanup("EndpointFailed", "Endpoint failed")
    rolled_back = states.goto_cleanup("RolledBack", "Update rolled back")
    rollback_failed = states.goto_cleanup("RollbackFailed", "Rollback failed")
    timed_out = states.goto_cleanup("TimedOut", "Endpoint wait timed out")
    from ._run_cleanup import clean_earlier_runs

    status = (
        sfn.Choice(p, "Status", state_name="Endpoint in service?")
        .when(condition(j.serves_this_run()), _autoscaled(states, clean_earlier_runs(states)))
        .when(
            condition(j.status_is("Failed", "OutOfService")),
            failed,
            assign=j.endpoint_outcome_failure(FailureName.ENDPOINT_FAILED, "failed"),
        )
        .when(condition(j.status_is("UpdateRollbackFailed")), rollback_failed, assign=j.rollback_failed_assignment())
        .when(
            condition(j.serves_another_config()),
            rolled_back,
            assign=j.endpoint_outcome_failure(
                FailureName.UPDATE_ROLLED_BACK, "rolled the update back to the previous endpoint config"
            ),
        )
        .when(
            condition(f"$not({j.polls_left(budget.max_polls)})"),
            timed_out,
            assign=j.timeout_assignment(budget.wait_seconds),
        )
        .otherwise(wait)
    )
    wait.next(check).next(status)
    return wait


# --- autoscaling of the stable endpoint ------------------------------------------------------------------


def _autoscaled(states: DeploymentStates, then: sfn.IChainable) -> sfn.IChainable:
    """With ``autoscaling``: register the variant and put its policy (both idempotent), then ``then``."""
    scaling = states.options.autoscaling
    if scaling is None:
        return then
    register = _scaling_call(
        states, "RegisterScalableTarget", "Register autoscaling", r.register_scalable_target_request(scaling)
    )
    policy = _scaling_call(states, "PutScalingPolicy", "Put scaling policy", r.scaling_policy_request(scaling))
    register.next(policy).next(then)
    return register


def _before_update(states: DeploymentStates, update: sfn.IChainable) -> sfn.IChainable:
    """With ``autoscaling``: an update to another instance type deregisters the variant first (SageMaker
    refuses it otherwise; the run registers it again once deployed). Without: ``update``."""
    options = states.options
    if options.autoscaling is None:
        return update
    assert options.instance_type is not None
    current = states.call(
        "DescribeEndpointConfig",
        "Read serving config",
        r.serving_config_request(),
        outputs=j.changes_output(options.instance_type),
        resources=["*"],  # the serving config may predate this family's names
    )
    deregister = _scaling_call(
        states,
        "DeregisterScalableTarget",
        "Deregister autoscaling",
        r.deregister_scalable_target_request(),
        catch=False,
    )
    deregister.add_catch(update, errors=[AUTOSCALING_NOT_REGISTERED])  # not registered: nothing to do
    deregister.add_catch(states.failure_cleanup, assign=failure_assignment("Deregister autoscaling", DEPLOYMENT_FAILED))
    deregister.next(update)
    changes = (
        sfn.Choice(states.p, "TypeChanges", state_name="Instance type changes?")
        .when(condition(j.CHANGES), deregister)
        .otherwise(update)
    )
    current.next(changes)
    return current


def _scaling_call(
    states: DeploymentStates, action: str, state_name: str, arguments: Mapping[str, Any], *, catch: bool = True
) -> tasks.CallAwsService:
    """An ``aws-sdk:applicationautoscaling`` task with its retries; by default a failure keeps what the run
    deployed and ends it with ``RL.AutoscalingFailed``."""
    call = tasks.CallAwsService.jsonata(
        states.p,
        state_name.replace(" ", ""),
        service="applicationautoscaling",
        action=action[0].lower() + action[1:],
        iam_action=f"application-autoscaling:{action}",
        iam_resources=["*"],  # scalable targets have generated ids, not the endpoint's name
        additional_iam_statements=_scaling_statements(states) if action == "RegisterScalableTarget" else None,
        parameters=dict(arguments),
        state_name=state_name,
        outputs="{% $states.input %}",
    )
    add_retries(call, AUTOSCALING_RETRIES)
    if catch:
        call.add_catch(states.failure_cleanup, assign=j.autoscaling_failure_assignment(state_name))
    return call


def _scaling_statements(states: DeploymentStates) -> list[iam.PolicyStatement]:
    """``iam.autoscaling_statements`` of the endpoint, with the reasons of their wildcards."""
    p = states.p
    endpoint_arns = p.arns("endpoint", [p.endpoint_name or f"{states.base}-*"])
    partition, _, account = stack_environment(p)
    alarms = stack_arn(p, "cloudwatch", "alarm:TargetTracking*")
    states.wildcard_reasons[alarms] = serving_iam.SCALING_ALARMS_REASON
    states.wildcard_reasons["*"] += " " + serving_iam.AUTOSCALING_REASON
    return policy_statements(
        serving_iam.autoscaling_statements(
            partition=partition, account=account, endpoint_arns=endpoint_arns, alarms_arn=alarms
        )
    )
