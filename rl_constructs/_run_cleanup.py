"""What an RLPipeline run deletes: after a failure, what it created (then it fails with ``$failure``); after a
successful deployment, the family's older models and endpoint configs past ``keep_last`` (and, with per-run
endpoints, the earlier runs' endpoints), only those tagged as this pipeline's. Wiring of
``core.serving.jsonata`` and ``requests``; the states belong to ``DeploymentStates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .core import state_graph as g
from .core.serving import jsonata as j
from .core.serving import requests as r
from .core.serving.wait_budget import DELETE_RETRY_SECONDS

if TYPE_CHECKING:
    from ._deployment_states import DeploymentStates

_KEEP_INPUT = "{% $states.input %}"


# --- success: clean up earlier runs ----------------------------------------------------------------------


def clean_earlier_runs(states: DeploymentStates) -> g.State:
    """List the family's newest endpoint configs; for each earlier run of this pipeline, delete what is due.
    Best effort: a run that deployed succeeds even when an old resource resists."""
    options = states.options
    find = states.call(
        "ListEndpointConfigs",
        "Find earlier runs",
        r.earlier_configs_request(states.base),
        outputs=j.old_runs_expression(
            states.base,
            options.keep_last,
            delete_endpoints=options.deletes_earlier_endpoints,
            delete_configs=options.deletes_earlier_configs,
            name=states.run_name,
        ),
        resources=["*"],  # ListEndpointConfigs has no resource type
        catch_unmodeled=None,
    )
    deployed = g.Succeed("Deployed", output=j.succeeded_output(states.run_name))
    find.add_catch(deployed)
    tags = states.call(
        "ListTags",
        "Read run tags",
        r.earlier_tags_request(j.EARLIER_RUN),
        outputs=j.tagged_output(states.p.tag_value),
        catch_unmodeled=None,
    )
    _delete_if_ours(states, tags)
    clean = g.Map("Clean up earlier runs", items="{% $states.input %}", max_concurrency=2, output=_KEEP_INPUT)
    clean.item_processor(tags)
    clean.add_catch(deployed)
    find.next(clean).next(deployed)
    return find


def _delete_if_ours(states: DeploymentStates, tags: g.Task) -> None:
    """After ``tags`` (ListTags of one earlier run's config): when it is this pipeline's, delete its endpoint
    and its config and model as the item says. Each deletion is best effort: an old resource that resists is
    left for the next run (or cdk destroy)."""
    item = j.EARLIER_RUN
    delete_endpoint = _delete_earlier(states, "DeleteEndpoint", "Delete earlier endpoint")
    delete_config = _delete_earlier(states, "DeleteEndpointConfig", "Delete earlier config")
    delete_model = _delete_earlier(states, "DeleteModel", "Delete earlier model")
    done = g.Pass("Earlier run cleaned")
    config_choice = (
        g.Choice("Delete its config?")
        .when(f"{item}.DeleteConfig", delete_config.next(delete_model).next(done))
        .otherwise(done)
    )
    delete_endpoint.next(config_choice)
    delete_endpoint.add_catch(config_choice, output=_KEEP_INPUT)  # the item, not the error
    delete_config.add_catch(done)
    delete_model.add_catch(done)
    ours = (
        g.Choice("Created by this pipeline?")
        .when(f"{item}.Ours and {item}.DeleteEndpoint", delete_endpoint)
        .when(f"{item}.Ours", config_choice)
        .otherwise(done)
    )
    tags.add_catch(done)
    tags.next(ours)


def _delete_earlier(states: DeploymentStates, action: str, state_name: str) -> g.Task:
    return states.call(
        action, state_name, r.earlier_resource_request(action), outputs=_KEEP_INPUT, catch_unmodeled=None
    )


# --- failure: delete what this run created, then fail ------------------------------------------------


def failure_cleanup(states: DeploymentStates) -> g.State:
    """Delete the run's endpoint, config and model, each only when the run created it, then fail."""
    delete_endpoint = _delete_run(states, "DeleteEndpoint", "Delete run endpoint", r.run_endpoint_request())
    delete_config = _delete_run(states, "DeleteEndpointConfig", "Delete run config")
    delete_model = _delete_run(states, "DeleteModel", "Delete run model")
    model_choice = (
        g.Choice("Delete the run's model?").when(j.was_created("model"), delete_model).otherwise(states.failed)
    )
    delete_model.next(states.failed)
    delete_model.add_catch(states.failed)
    config_choice = (
        g.Choice("Delete the run's config?").when(j.was_created("config"), delete_config).otherwise(model_choice)
    )
    delete_config.next(model_choice)
    delete_config.add_catch(model_choice)
    _delete_endpoint_when_it_can_be(states, delete_endpoint, config_choice)
    delete_endpoint.next(config_choice)
    return (
        g.Choice("Delete the run's endpoint?").when(j.was_created("endpoint"), delete_endpoint).otherwise(config_choice)
    )


def _delete_endpoint_when_it_can_be(states: DeploymentStates, delete_endpoint: g.Task, then: g.State) -> None:
    """SageMaker refuses to delete an endpoint while it is Creating or Updating: read it every
    ``DELETE_RETRY_SECONDS`` until it can be deleted (a bounded number of times); gone already is done; what
    cannot be deleted is reported in the cause. ``then``: the rest of the cleanup."""
    leftover = g.Pass("Endpoint left over", assign=j.leftover_endpoint())
    leftover.next(then)
    delete_wait = g.Wait("Wait to delete the endpoint", seconds=DELETE_RETRY_SECONDS)
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
        g.Choice("Endpoint deletable now?")
        .when(j.status_is("Deleting"), then)
        .when(f"{in_progress} and {j.delete_tries_left()}", delete_wait)
        .when(in_progress, leftover)
        .otherwise(delete_endpoint)
    )
    delete_read.next(delete_ready)
    deletable = (
        g.Choice("Endpoint deletable later?")
        .when(j.cause_contains(j.ENDPOINT_NOT_FOUND), then)
        .when(j.delete_tries_left(), delete_wait)
        .otherwise(leftover)
    )
    delete_endpoint.add_catch(deletable, output=j.caught_error())
    delete_read.add_catch(deletable, output=j.caught_error())


def _delete_run(
    states: DeploymentStates, action: str, state_name: str, request: dict[str, str] | None = None
) -> g.Task:
    request = request if request is not None else r.run_resource_request(action, states.run_name)
    return states.call(action, state_name, request, outputs=_KEEP_INPUT, catch_unmodeled=None)
