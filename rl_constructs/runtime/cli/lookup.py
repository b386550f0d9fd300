"""What a command names, found in AWS: the state machine (by ARN, by name, or as a stack's), the newest
execution, the training job an execution created, and where that job's logs are."""

from __future__ import annotations

import json
from typing import Any

from ...core.execution_input import OUTPUT_KEY
from .errors import CommandError

#: The CloudWatch log group of every SageMaker training job (one stream per host: ``<job>/algo-1-<time>``).
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"


def resolve_state_machine(session: Any, target: str, logical_id: str | None = None) -> str:
    """The ARN of a state machine given by ARN, by name, or as the state machine of a stack."""
    if target.startswith("arn:"):
        return target
    from botocore.exceptions import ClientError

    try:
        summaries = _stack_resources(session.client("cloudformation"), target)
    except ClientError as error:
        if "does not exist" not in str(error):
            raise
        summaries = None
    if summaries is not None:
        return _stack_state_machine(target, summaries, logical_id)
    stepfunctions = session.client("stepfunctions")
    for page in stepfunctions.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == target:
                return str(machine["stateMachineArn"])
    raise CommandError(f"no stack or state machine named {target!r} in {session.region_name}")


def _stack_state_machine(stack: str, summaries: list[dict[str, Any]], logical_id: str | None) -> str:
    """The ARN of the stack's one state machine (or the one whose logical id starts with ``logical_id``)."""
    machines = [s for s in summaries if s["ResourceType"] == STATE_MACHINE_TYPE]
    if logical_id:
        machines = [s for s in machines if s["LogicalResourceId"].startswith(logical_id)]
    if len(machines) == 1:
        return str(machines[0]["PhysicalResourceId"])
    ids = ", ".join(sorted(s["LogicalResourceId"] for s in machines)) or "none"
    if not machines:
        raise CommandError(
            f"stack {stack!r} has no state machine{' matching ' + repr(logical_id) if logical_id else ''}"
        )
    raise CommandError(f"stack {stack!r} has several state machines ({ids}); choose one with --state-machine-id")


def resolve_execution(session: Any, target: str, logical_id: str | None = None) -> str:
    """An execution ARN as given, or the newest execution of a stack or state machine."""
    if target.startswith("arn:") and ":execution:" in target:
        return target
    machine = resolve_state_machine(session, target, logical_id)
    page = session.client("stepfunctions").list_executions(stateMachineArn=machine, maxResults=1)
    if not page["executions"]:  # newest first, as Step Functions lists them
        raise CommandError(f"{target!r} has no execution yet")
    return str(page["executions"][0]["executionArn"])


def _stack_resources(cloudformation: Any, stack: str) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        resources.extend(page["StackResourceSummaries"])
    return resources


def training_job_of(stepfunctions: Any, execution_arn: str, execution: dict[str, Any]) -> str | None:
    """The training job an execution created: from its output, else from its CreateTrainingJob task."""
    try:
        output = json.loads(execution.get("output") or "{}")
    except ValueError:
        output = None
    if isinstance(output, dict) and isinstance(output.get(OUTPUT_KEY), dict):
        name = output[OUTPUT_KEY].get("TrainingJobName")
        if name:
            return str(name)
    pages = stepfunctions.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    for page in pages:
        for event in page["events"]:
            name = _created_training_job(event.get("taskScheduledEventDetails") or {})
            if name:
                return name
    return None


def _created_training_job(details: dict[str, Any]) -> str | None:
    """The ``TrainingJobName`` a scheduled SageMaker CreateTrainingJob task was given, if this is one."""
    if details.get("resourceType") != "sagemaker" or not details.get("resource", "").startswith("createTrainingJob"):
        return None
    try:
        name = json.loads(details.get("parameters") or "{}").get("TrainingJobName")
    except ValueError:
        return None
    return str(name) if name else None
