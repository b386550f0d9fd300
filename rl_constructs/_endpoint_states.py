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

from ._arns import stack_arn, stack_environment
from ._states import sdk_resource
from .core import state_graph as g
from .core.iam import Statement, allow
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


def stable_endpoint(states: DeploymentStates, create_endpoint: g.Task, wait: g.Chainable) -> g.State:
    """Read the endpoint; create it when absent, replace it when Failed, wait while it changes, update it
    when in service."""
    budget = states.budget
    settle = g.Wait("Wait for endpoint to settle", seconds=budget.poll_seconds)
    read = states.call(
        "DescribeEndpoint",
        "Read endpoint",
        r.run_endpoint_request(),
        outputs=j.describe_output(),
        assign=j.count_poll(),
        catch_unmodeled=None,
    )
    missing = g.Choice("Endpoint missing?")
    read.add_catch(missing, errors=[SDK_BASE_ERROR], output=j.caught_error())
    read.add_catch(states.failure_cleanup, assign=failure_assignment("Read endpoint", DEPLOYMENT_FAILED))
    missing.when(j.cause_contains(j.ENDPOINT_NOT_FOUND), create_endpoint).otherwise(
        states.goto_cleanup("Endpoint unreadable", failure_from_input("Read endpoint", DEPLOYMENT_FAILED))
    )
    update = _update(states, wait)
    _retry_refused(states, settle, create_endpoint, update)
    delete_failed = states.call(
        "DeleteEndpoint", "Delete failed endpoint", r.run_endpoint_request(), catch_unmodeled=DEPLOYMENT_FAILED
    )
    delete_failed.next(settle)
    ready = (
        g.Choice("Endpoint ready for update?")
        .when(j.status_is("InService", "UpdateRollbackFailed"), _before_update(states, update))
        .when(j.status_is("Failed", "OutOfService"), delete_failed)
        .when(
            f"$not({j.polls_left(budget.max_polls)})",
            states.goto_cleanup("Endpoint never settled", j.timeout_failure(budget.wait_seconds, states.run_name)),
        )
        .otherwise(settle)
    )
    settle.next(read)
    read.next(ready)
    return read


def _update(states: DeploymentStates, wait: g.Chainable) -> g.Task:
    """UpdateEndpoint to the run's config (blue/green when the pipeline has a ``deployment``), then the wait."""
    blue_green = states.options.blue_green
    update = states.call(
        "UpdateEndpoint",
        "Update endpoint",
        r.update_endpoint_request(
            retain_instance_counts=states.options.retain_instance_counts,
            deployment_config=deployment_config(blue_green) if blue_green else None,
            name=states.run_name,
        ),
        catch_unmodeled=None,
        extra=states.alarm_statements(),
    )
    update.next(wait)
    return update


def _retry_refused(states: DeploymentStates, settle: g.State, create_endpoint: g.Task, update: g.Task) -> None:
    """A create or update refused with an unmodeled error settles and reads again, while attempts are left."""
    retry_or_fail = (
        g.Choice("Try the endpoint again?")
        .when(j.attempts_left(), settle)
        .otherwise(
            states.goto_cleanup(
                "Endpoint refused", j.failure_from_last_error("Create or update endpoint", DEPLOYMENT_FAILED)
            )
        )
    )
    for call, step in ((create_endpoint, "Create endpoint"), (update, "Update endpoint")):
        call.add_catch(retry_or_fail, errors=[SDK_BASE_ERROR], assign=j.record_attempt())
        call.add_catch(states.failure_cleanup, assign=failure_assignment(step, DEPLOYMENT_FAILED))


def wait_for_endpoint(states: DeploymentStates) -> g.State:
    """Wait, read the endpoint, decide: deployed, failed (each way), out of polls, or wait again."""
    budget = states.budget
    wait = g.Wait("Wait for endpoint", seconds=budget.poll_seconds)
    check = states.call(
        "DescribeEndpoint",
        "Check endpoint",
        r.run_endpoint_request(),
        outputs=j.describe_output(),
        assign=j.count_poll(),
        catch_unmodeled=DEPLOYMENT_FAILED,
    )
    failed = states.goto_cleanup("Endpoint failed")
    rolled_back = states.goto_cleanup("Update rolled back")
    rollback_failed = states.goto_cleanup("Rollback failed")
    timed_out = states.goto_cleanup("Endpoint wait timed out")
    from ._run_cleanup import clean_earlier_runs

    status = (
        g.Choice("Endpoint in service?")
        .when(j.serves_this_run(states.run_name), _autoscaled(states, clean_earlier_runs(states)))
        .when(
            j.status_is("Failed", "OutOfService"),
            failed,
            assign=j.endpoint_outcome_failure(FailureName.ENDPOINT_FAILED, "failed"),
        )
        .when(j.status_is("UpdateRollbackFailed"), rollback_failed, assign=j.rollback_failed_assignment())
        .when(
            j.serves_another_config(states.run_name),
            rolled_back,
            assign=j.endpoint_outcome_failure(
                FailureName.UPDATE_ROLLED_BACK, "rolled the update back to the previous endpoint config"
            ),
        )
        .when(
            f"$not({j.polls_left(budget.max_polls)})",
            timed_out,
            assign=j.timeout_assignment(budget.wait_seconds, states.run_name),
        )
        .otherwise(wait)
    )
    wait.next(check).next(status)
    return wait


# --- autoscaling of the stable endpoint ------------------------------------------------------------------


def _autoscaled(states: DeploymentStates, then: g.Chainable) -> g.Chainable:
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


def _before_update(states: DeploymentStates, update: g.Task) -> g.State:
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
    changes = g.Choice("Instance type changes?").when(j.CHANGES, deregister).otherwise(update)
    current.next(changes)
    return current


def _scaling_call(
    states: DeploymentStates, action: str, state_name: str, arguments: Mapping[str, Any], *, catch: bool = True
) -> g.Task:
    """An ``aws-sdk:applicationautoscaling`` task with its retries; by default a failure keeps what the run
    deployed and ends it with ``RL.AutoscalingFailed``."""
    # Scalable targets have generated ids, not the endpoint's name: "*".
    policies = [allow([f"application-autoscaling:{action}"], ["*"])]
    if action == "RegisterScalableTarget":
        policies += _scaling_statements(states)
    call = g.Task(
        state_name,
        resource=sdk_resource("applicationautoscaling", action[0].lower() + action[1:]),
        arguments=arguments,
        output="{% $states.input %}",
        policies=policies,
    )
    call.add_retries(AUTOSCALING_RETRIES)
    if catch:
        call.add_catch(states.failure_cleanup, assign=j.autoscaling_failure_assignment(state_name))
    return call


def _scaling_statements(states: DeploymentStates) -> list[Statement]:
    """``iam.autoscaling_statements`` of the endpoint, with the reasons of their wildcards."""
    p = states.p
    endpoint_arns = p.arns("endpoint", [p.endpoint_name or f"{states.base}-*"])
    partition, _, account = stack_environment(p)
    alarms = stack_arn(p, "cloudwatch", "alarm:TargetTracking*")
    states.wildcard_reasons[alarms] = serving_iam.SCALING_ALARMS_REASON
    states.wildcard_reasons["*"] += " " + serving_iam.AUTOSCALING_REASON
    return serving_iam.autoscaling_statements(
        partition=partition, account=account, endpoint_arns=endpoint_arns, alarms_arn=alarms
    )
