"""What an RLPipeline run deletes: after a failure, what it created (then it fails with ``$failure``); after a
successful deployment, the family's older models and endpoint configs past ``keep_last`` (and, with per-run
endpoints, the earlier runs' endpoints), only those tagged as this pipeline's. Wiring of
``core.serving.jsonata`` and ``requests``; the states belong to ``DeploymentStates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from ._states import condition, wait_time
from .core.serving import jsonata as j
from .core.serving import requests as r
from .core.serving.wait_budget import DELETE_RETRY_SECONDS

if TYPE_CHECKING:
    from ._deployment_states import DeploymentStates

_KEEP_INPUT = "{% $states.input %}"


# --- success: clean up earlier runs ----------------------------------------------------------------------


def clean_earlier_runs(states: DeploymentStates) -> sfn.IChainable:
    """List the family's newest endpoint configs; for each earlier run of this pipeline, delete what is due.
    Best effort: a run that deployed succeeds even when an old resource resists."""
    p, options = states.p, states.options
    find = states.call(
        "ListEndpointConfigs",
        "Find earlier runs",
        r.earlier_configs_request(states.base),
        outputs=j.old_runs_expression(
            states.base,
            options.keep_last,
            delete_endpoints=options.deletes_earlier_endpoints,
            delete_configs=options.deletes_earlier_configs,
        ),
        resources=["*"],  # ListEndpointConfigs has no resource type
        catch_unmodeled=None,
    )
    deployed = sfn.Succeed(p, "Deployed", state_name="Deployed", outputs=j.succeeded_output())
    find.add_catch(deployed)
    tags = states.call(
        "ListTags",
        "Read run tags",
        r.earlier_tags_request(j.EARLIER_RUN),
        outputs=j.tagged_output(p.tag_value),
        catch_unmodeled=None,
    )
    _delete_if_ours(states, tags)
    clean = sfn.Map(
        p,
        "CleanEarlier",
        state_name="Clean up earlier runs",
        items=sfn.ProvideItems.jsonata("{% $states.input %}"),
        max_concurrency=2,
        outputs=_KEEP_INPUT,
    )
    clean.item_processor(tags)
    clean.add_catch(deployed)
    find.next(clean).next(deployed)
    return find


def _delete_if_ours(states: DeploymentStates, tags: tasks.CallAwsService) -> None:
    """After ``tags`` (ListTags of one earlier run's config): when it is this pipeline's, delete its endpoint
    and its config and model as the item says. Each deletion is best effort: an old resource that resists is
    left for the next run (or cdk destroy)."""
    p, item = states.p, j.EARLIER_RUN
    delete_endpoint = _delete_earlier(states, "DeleteEndpoint", "Delete earlier endpoint")
    delete_config = _delete_earlier(states, "DeleteEndpointConfig", "Delete earlier config")
    delete_model = _delete_earlier(states, "DeleteModel", "Delete earlier model")
    done = sfn.Pass(p, "Cleaned", state_name="Earlier run cleaned")
    config_choice = (
        sfn.Choice(p, "DeleteConfig?", state_name="Delete its config?")
        .when(condition(f"{item}.DeleteConfig"), delete_config.next(delete_model).next(done))
        .otherwise(done)
    )
    delete_endpoint.next(config_choice)
    delete_endpoint.add_catch(config_choice, outputs=_KEEP_INPUT)  # the item, not the error
    delete_config.add_catch(done)
    delete_model.add_catch(done)
    ours = (
        sfn.Choice(p, "Ours?", state_name="Created by this pipeline?")
        .when(condition(f"{item}.Ours and {item}.DeleteEndpoint"), delete_endpoint)
        .when(condition(f"{item}.Ours"), config_choice)
        .otherwise(done)
    )
    tags.add_catch(done)
    tags.next(ours)


def _delete_earlier(states: DeploymentStates, action: str, state_name: str) -> tasks.CallAwsService:
    return states.call(
        action, state_name, r.earlier_resource_request(action), outputs=_KEEP_INPUT, catch_unmodeled=None
    )


# --- failure: delete what this run created, then fail ------------------------------------------------


def failure_cleanup(states: DeploymentStates) -> sfn.IChainable:
    """Delete the run's endpoint, config and model, each only when the run created it, then fail."""
    p = states.p
    delete_endpoint = _delete_run(states, "DeleteEndpoint", "Delete run endpoint", r.run_endpoint_request())
    delete_config = _delete_run(states, "DeleteEndpointConfig", "Delete run config")
    delete_model = _delete_run(states, "DeleteModel", "Delete run model")
    model_choice = (
        sfn.Choice(p, "ModelCreated?", state_name="Delete the run's model?")
        .when(condition(j.was_created("model")), delete_model)
        .otherwise(states.failed)
    )
    delete_model.next(states.failed)
    delete_model.add_catch(states.failed)
    config_choice = (
        sfn.Choice(p, "ConfigCreated?", state_name="Delete the run's config?")
        .when(condition(j.was_created("config")), delete_config)
        .otherwise(model_choice)
    )
    delete_config.next(model_choice)
    delete_config.add_catch(model_choice)
    _delete_endpoint_when_it_can_be(states, delete_endpoint, config_choice)
    delete_endpoint.next(config_choice)
    return (
        sfn.Choice(p, "EndpointCreated?", state_name="Delete the run's endpoint?")
        .when(condition(j.was_created("endpoint")), delete_endpoint)
        .otherwise(config_choice)
    )


def _delete_endpoint_when_it_can_be(
    states: DeploymentStates, delete_endpoint: tasks.CallAwsService, then: sfn.IChainable
) -> None:
    """SageMaker refuses to delete an endpoint while it is Creating or Updating: read it every
    ``DELETE_RETRY_SECONDS`` until it can be deleted (a bounded number of times); gone already is done; what
    cannot be deleted is reported in the cause. ``then``: the rest of the cleanup."""
    p = states.p
    leftover = sfn.Pass(p, "Leftover", state_name="Endpoint left over", assign=j.leftover_endpoint())
    leftover.next(then)
    delete_wait = sfn.Wait(
        p, "DeleteWait", state_name="Wait to delete the endpoint", time=wait_time(DELETE_RETRY_SECONDS)
    )
    delete_read = states.call(
        "DescribeEndpoint",
        "Read endpoint to delete",
        r.run_endpoint_request(),
        outputs=j.describe_output(),
        assign=j.count_delete_try(),
        catch_unmodeled=None,
    )
    delete_wait.next(delete_read)
    in_progress = j.status_is(*j.IN_PROGRESS_STATUSES)
    delete_ready = (
        sfn.Choice(p, "DeleteReady?", state_name="Endpoint deletable now?")
        .when(condition(j.status_is("Deleting")), then)
        .when(condition(f"{in_progress} and {j.delete_tries_left()}"), delete_wait)
        .when(condition(in_progress), leftover)
        .otherwise(delete_endpoint)
    )
    delete_read.next(delete_ready)
    deletable = (
        sfn.Choice(p, "DeleteLater?", state_name="Endpoint deletable later?")
        .when(condition(j.cause_contains(j.ENDPOINT_NOT_FOUND)), then)
        .when(condition(j.delete_tries_left()), delete_wait)
        .otherwise(leftover)
    )
    delete_endpoint.add_catch(deletable, outputs=j.caught_error())
    delete_read.add_catch(deletable, outputs=j.caught_error())


def _delete_run(
    states: DeploymentStates, action: str, state_name: str, request: dict[str, str] | None = None
) -> tasks.CallAwsService:
    request = request if request is not None else r.run_resource_request(action)
    return states.call(action, state_name, request, outputs=_KEEP_INPUT, catch_unmodeled=None)
