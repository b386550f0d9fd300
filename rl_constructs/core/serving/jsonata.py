"""The JSONata the deployment states of a pipeline evaluate: what a run records, the endpoint status choices,
its failures and the cleanup of earlier runs. Pure: the construct (``_deployment_states.py``) only wires these
into states, and the tests evaluate them with the reference implementation.

What a run keeps in JSONata variables (``Assign``), read by the states after it:

- ``$run``: ``{"job", "modelData", "endpoint"}`` of this execution (and ``"name"``, the name of its model and
  endpoint config, with a ``model_name_prefix``; else they are named ``$run.job``);
- ``$created``: ``{"model", "config", "endpoint"}``: what this run created, so that a failed run deletes
  exactly that;
- ``$polls``: DescribeEndpoint calls so far, bounded by the wait budget (``wait_budget.WaitBudget``);
- ``$attempts``/``$lastError``: CreateEndpoint/UpdateEndpoint attempts refused so far, and the last refusal;
- ``$deleteTries``: reads of an endpoint a failed run waits to delete;
- ``$failure``: ``{"Error", "Cause"}`` of the failure being cleaned up after (``core.workflow``).

Expressions reference variables and ``$states`` only: no bare ``$`` (LocalStack's and moto's interpreters
refuse it, and it is easy to misread).
"""

from __future__ import annotations

from ..aws import NAME_MAX_LENGTH
from ..contracts import PIPELINE_TAG_KEY
from ..execution_input import OUTPUT_KEY, execution_suffix
from ..workflow import CAUSE_MAX, FailureName, failure_value
from .wait_budget import DELETE_RETRY_SECONDS, DELETE_TRIES

JOB = f"$states.input.{OUTPUT_KEY}"
#: The name of the run's model and endpoint config: its training job's name (the default), or ``$run.name``
#: (``<model_name_prefix>-<suffix>``). A per-run endpoint has the same name.
RUN_JOB = "$run.job"
PREFIXED_RUN_NAME = "$run.name"
#: ``$created`` of a run that has created nothing (or whose resources are to be kept).
NOTHING_TO_DELETE = "{% {'model': false, 'config': false, 'endpoint': false} %}"
#: How many times a run sends CreateEndpoint/UpdateEndpoint before it gives up: an unmodeled error (a
#: concurrent run's update in progress, an endpoint created meanwhile, or a real validation error) sends the
#: run back to reading the endpoint's state, at most this many times.
ENDPOINT_ATTEMPTS = 3
#: Endpoint statuses of a change in progress: SageMaker refuses to update or delete the endpoint meanwhile.
IN_PROGRESS_STATUSES = ("Creating", "Updating", "SystemUpdating", "RollingBack")
#: Cause fragments of the unmodeled errors the workflow acts on (SageMaker's messages, in the Cause).
ENDPOINT_NOT_FOUND = "Could not find endpoint"
ENDPOINT_ALREADY_EXISTS = "Cannot create already existing endpoint"
#: An item of the cleanup of earlier runs (the Map's input): ``{"Name", "Arn", "DeleteEndpoint", "DeleteConfig"}``.
EARLIER_RUN = "$states.input"


# --- the run's variables ------------------------------------------------------------------------------------


def run_assignment(endpoint_name: str | None, model_name_prefix: str | None = None) -> dict[str, str]:
    """``Assign`` of the state after training: this run's names, nothing created yet, no poll made. With
    ``model_name_prefix``, the run's model, endpoint config (and per-run endpoint) are named
    ``<model_name_prefix>-<suffix>``, the suffix unique per execution (``execution_suffix``: the execution's name,
    or a hash of its ARN)."""
    if model_name_prefix is None:
        endpoint = f"'{endpoint_name}'" if endpoint_name else f"{JOB}.TrainingJobName"
        run = f"{{% {{'job': {JOB}.TrainingJobName, 'modelData': {JOB}.ModelDataUrl, 'endpoint': {endpoint}}} %}}"
    else:
        room = NAME_MAX_LENGTH - len(model_name_prefix) - 1
        endpoint = f"'{endpoint_name}'" if endpoint_name else "$name"
        run = (
            f"{{% ($execution := $states.context.Execution.Name; "
            f"$name := '{model_name_prefix}-' & {execution_suffix(room)}; "
            f"{{'job': {JOB}.TrainingJobName, 'modelData': {JOB}.ModelDataUrl, 'name': $name, "
            f"'endpoint': {endpoint}}}) %}}"
        )
    return {
        "run": run,
        "created": NOTHING_TO_DELETE,
        "polls": "{% 0 %}",
        "attempts": "{% 0 %}",
        "deleteTries": "{% 0 %}",
    }


def created(**flags: bool) -> dict[str, str]:
    """``Assign`` recording what a call created (merged over what earlier calls created)."""
    values = ", ".join(f"'{key}': {str(value).lower()}" for key, value in flags.items())
    return {"created": f"{{% $merge([$created, {{{values}}}]) %}}"}


def was_created(kind: str) -> str:
    """The run created its ``model``, ``config`` or ``endpoint``."""
    return f"$created.{kind}"


def record_attempt() -> dict[str, str]:
    """``Assign`` of the Catch of CreateEndpoint/UpdateEndpoint: one attempt more, and its error."""
    return {"attempts": "{% $attempts + 1 %}", "lastError": "{% $states.errorOutput %}"}


def attempts_left() -> str:
    return f"$attempts < {ENDPOINT_ATTEMPTS}"


def count_poll() -> dict[str, str]:
    return {"polls": "{% $polls + 1 %}"}


def polls_left(max_polls: int) -> str:
    return f"$polls < {max_polls}"


def count_delete_try() -> dict[str, str]:
    return {"deleteTries": "{% $deleteTries + 1 %}"}


def delete_tries_left() -> str:
    return f"$deleteTries < {DELETE_TRIES}"


# --- the endpoint's status ----------------------------------------------------------------------------------


def describe_output() -> str:
    """Output of DescribeEndpoint: the fields the choices read (not the whole answer)."""
    return (
        "{% {'EndpointStatus': $states.result.EndpointStatus, 'EndpointConfigName': "
        "$states.result.EndpointConfigName, 'FailureReason': $states.result.FailureReason} %}"
    )


def status_is(*statuses: str) -> str:
    """JSONata over a DescribeEndpoint output: the status is one of ``statuses``."""
    return "$states.input.EndpointStatus in [" + ", ".join(f"'{s}'" for s in statuses) + "]"


def serves_this_run(name: str = RUN_JOB) -> str:
    """InService with this run's endpoint config (named ``name``): deployed."""
    return f"{status_is('InService')} and $states.input.EndpointConfigName = {name}"


def serves_another_config(name: str = RUN_JOB) -> str:
    """InService with another config: this run's update rolled back (blue/green or a failed update)."""
    return f"{status_is('InService')} and $states.input.EndpointConfigName != {name}"


def cause_contains(fragment: str) -> str:
    """JSONata over a caught error (``$states.input`` after a Catch that outputs the error): its cause
    mentions ``fragment`` (how an unmodeled SageMaker error is told apart)."""
    return f"$contains($string($states.input.Cause), '{fragment}')"


def caught_error() -> str:
    """Output of a Catch that hands the caught error to a Choice."""
    return "{% $states.errorOutput %}"


def instance_type_changes(instance_type: str) -> str:
    """JSONata over a DescribeEndpointConfig answer (the endpoint's current config): its variant runs on another
    instance type than this run's."""
    return f"$count($states.result.ProductionVariants[InstanceType != '{instance_type}']) > 0"


def changes_output(instance_type: str) -> str:
    """Output of DescribeEndpointConfig: ``Changes``, whether this run changes the instance type."""
    return "{% {'Changes': " + instance_type_changes(instance_type) + "} %}"


#: The output of :func:`changes_output` says the instance type changes.
CHANGES = "$states.input.Changes"


def succeeded_output(name: str = RUN_JOB) -> str:
    """What a run that deployed returns (``name``: of its model and endpoint config)."""
    return (
        "{% {'TrainingJobName': $run.job, 'ModelDataUrl': $run.modelData, 'EndpointName': $run.endpoint, "
        f"'EndpointConfigName': {name}, 'ModelName': {name}}} %}}"
    )


# --- failures (``$failure``) --------------------------------------------------------------------------------


def failure_from_last_error(step: str, error: FailureName) -> dict[str, str]:
    """``Assign`` of the branch that gives up after :data:`ENDPOINT_ATTEMPTS`: the last error, kept."""
    return {"failure": "{% " + failure_value(f"'{error.value}'", step, source="$lastError") + " %}"}


def endpoint_outcome_failure(error: FailureName, detail: str) -> dict[str, str]:
    """``Assign`` of a Choice branch that ends the wait with a failure read from ``$states.input`` (the
    DescribeEndpoint answer). ``detail`` is a JSONata string literal's content: no quotes."""
    if "'" in detail:
        raise ValueError(f"detail must not contain a quote: {detail!r}")
    cause = (
        f"'Endpoint ' & $run.endpoint & ' {detail} (status ' & $states.input.EndpointStatus & ')' & "
        "($exists($states.input.FailureReason) ? ': ' & $states.input.FailureReason : '')"
    )
    return {"failure": f"{{% {{'Error': '{error.value}', 'Cause': $substring({cause}, 0, {CAUSE_MAX})}} %}}"}


def rollback_failed_assignment() -> dict[str, str]:
    """``Assign`` of an update whose rollback failed: the endpoint serves a mix of configs, so this run's
    model and config are kept for recovery (and the cause says so)."""
    return {
        **endpoint_outcome_failure(
            FailureName.UPDATE_ROLLBACK_FAILED,
            "could not roll the update back and serves a mix of configs; the model and endpoint config of this "
            "run are kept for its recovery",
        ),
        "created": NOTHING_TO_DELETE,
    }


def timeout_failure(wait_seconds: int, name: str = RUN_JOB) -> dict[str, str]:
    """``Assign`` of the branch taken when the wait budget is spent (``name``: of the run's endpoint config)."""
    cause = (
        f"'Endpoint ' & $run.endpoint & ' was not InService with ' & {name} & ' after {wait_seconds} s of "
        "waiting (status ' & $states.input.EndpointStatus & ')'"
    )
    return {"failure": f"{{% {{'Error': '{FailureName.ENDPOINT_TIMEOUT.value}', 'Cause': {cause}}} %}}"}


def timeout_assignment(wait_seconds: int, name: str = RUN_JOB) -> dict[str, str]:
    """``Assign`` of a run out of polls. An endpoint it created is deleted (once SageMaker lets it); an update
    of an existing endpoint cannot be stopped and may still switch it to this run's config, which is kept."""
    kept = {"created": "{% $created.endpoint ? $created : " + NOTHING_TO_DELETE[3:]}
    return {**timeout_failure(wait_seconds, name), **kept}


def leftover_endpoint() -> dict[str, str]:
    """``Assign`` when the endpoint a failed run created could not be deleted: the cause says so."""
    reason = (
        "($exists($states.input.Cause) ? $string($states.input.Cause) : "
        "'still ' & $states.input.EndpointStatus & ' after " + str(DELETE_TRIES * DELETE_RETRY_SECONDS) + " s')"
    )
    cause = (
        "$failure.Cause & ' (cleanup: endpoint ' & $run.endpoint & ' could not be deleted: ' & "
        + reason
        + " & '; delete it by hand or destroy the stack)'"
    )
    return {"failure": "{% $merge([$failure, {'Cause': $substring(" + cause + f", 0, {CAUSE_MAX})}}]) %}}"}


def autoscaling_failure_assignment(step: str) -> dict[str, str]:
    """``Assign`` of a failed autoscaling call: the endpoint serves this run's config already, so nothing of
    this run is deleted; the cause says the endpoint is not autoscaled."""
    return {
        "failure": "{% "
        + failure_value(f"'{FailureName.AUTOSCALING_FAILED.value}'", step)[:-1]
        + " & ' (the endpoint serves this run; its autoscaling is not set: the next run sets it)'}"
        + " %}",
        "created": NOTHING_TO_DELETE,
    }


# --- cleanup after a successful run -------------------------------------------------------------------------


def old_runs_expression(
    base_job_name: str, keep_last: int, *, delete_endpoints: bool, delete_configs: bool, name: str = RUN_JOB
) -> str:
    """JSONata over a ListEndpointConfigs answer (newest first): this family's earlier runs (configs named
    ``<base_job_name>-...``, the names prefix of the runs, other than this run's ``name``), each with what
    to delete: its per-run endpoint (``delete_endpoints``) and, past the newest ``keep_last`` runs, its
    endpoint config and model. A name that merely contains the family name is not the family's; the tag
    check per item keeps other pipelines' resources safe even when their names share the prefix."""
    prefix = f"{base_job_name}-"
    return (
        f"{{% ($others := $filter($states.result.EndpointConfigs, function($c) {{ "
        f"$substring($c.EndpointConfigName, 0, {len(prefix)}) = '{prefix}' and $c.EndpointConfigName != {name} }}); "
        "$items := $map($others, function($c, $i) { {'Name': $c.EndpointConfigName, 'Arn': $c.EndpointConfigArn, "
        f"'DeleteEndpoint': {str(delete_endpoints).lower()}, "
        f"'DeleteConfig': {str(delete_configs).lower()} and $i >= {keep_last - 1}}} }}); "
        "[$filter($items, function($item) { $item.DeleteEndpoint or $item.DeleteConfig })]) %}"
    )


def tagged_by(tag_value: str) -> str:
    """JSONata over a ListTags answer: the resource carries this pipeline's tag."""
    return f"$count($states.result.Tags[Key = '{PIPELINE_TAG_KEY}' and Value = '{tag_value}']) > 0"


def tagged_output(tag_value: str) -> str:
    """Output of ListTags of an earlier run's resource: the item, with ``Ours`` (:func:`tagged_by`)."""
    return f"{{% $merge([{EARLIER_RUN}, {{'Ours': {tagged_by(tag_value)}}}]) %}}"
