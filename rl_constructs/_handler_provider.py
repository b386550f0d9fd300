"""What the library's custom-resource providers share: a Python handler with its own log group and an inline,
log-group-scoped role (instead of aws-cdk-lib's default, the AWS managed AWSLambdaBasicExecutionRole, which may
write to any log group), aws-cdk-lib's ``custom_resources.Provider`` in front of it, and one provider per
stack, kept in the stack context.

Used by the attach (``_attach_provider.py``), cleanup (``cleanup.py``) and deploy-time repack
(``_model_repack_provider.py``) providers; construct ids are the callers' (``<name>Logs``, ``<name>Role``,
``<name>``, ``ProviderLogs``), so their templates do not depend on this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from ._context import stack_context
from ._policy import policy_statements
from .core.iam import Statement, allow
from .handler_code import stage_handler

T = TypeVar("T", bound=Construct)


class PythonHandler(NamedTuple):
    """A handler function and its role (kept here: ``function.role`` is optional and a jsii round trip)."""

    function: lambda_.Function
    role: iam.Role


def newest_python_runtime() -> lambda_.Runtime:
    """The newest Python Lambda runtime the installed aws-cdk-lib knows (cdk-nag's L1 wants the latest)."""
    versions = [
        tuple(int(part) for part in name.removeprefix("PYTHON_").split("_"))
        for name in dir(lambda_.Runtime)
        if name.startswith("PYTHON_3_")
    ]
    major, minor = max(versions)
    runtime: lambda_.Runtime = getattr(lambda_.Runtime, f"PYTHON_{major}_{minor}")
    return runtime


def log_group(scope: Construct, id: str) -> logs.LogGroup:
    """A log group kept a month and deleted with the stack."""
    return logs.LogGroup(scope, id, retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY)


def write_own_logs(log_group_arn: str) -> list[Statement]:
    """What every handler's role may do whatever it serves: write to its own log group."""
    return [allow(["logs:CreateLogStream", "logs:PutLogEvents"], [log_group_arn], sid="WriteOwnLogs")]


def python_handler(
    scope: Construct,
    name: str,
    *,
    handler_dir: str,
    handler: str,
    role_description: str,
    description: str,
    timeout: Duration,
    memory_size: int,
    statements: Callable[[str], list[Statement]] = write_own_logs,
    code: lambda_.Code | None = None,
    runtime: lambda_.Runtime | None = None,
) -> PythonHandler:
    """The function ``name`` running ``rl_constructs/_lambda/<handler_dir>`` (``handler``: ``index.on_event``...),
    with its log group ``<name>Logs`` and role ``<name>Role``, whose policy starts with ``statements(log group
    ARN)`` (by default: write its own logs). ``code``/``runtime``: given when several functions share them."""
    logs_group = log_group(scope, f"{name}Logs")
    role = iam.Role(
        scope, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=role_description
    )
    for statement in policy_statements(statements(logs_group.log_group_arn)):
        role.add_to_policy(statement)
    function = lambda_.Function(
        scope,
        name,
        runtime=runtime or newest_python_runtime(),
        handler=handler,
        code=code or lambda_.Code.from_asset(str(stage_handler(handler_dir))),
        role=role,
        timeout=timeout,
        memory_size=memory_size,
        description=description,
        log_group=logs_group,
    )
    return PythonHandler(function, role)


def handler_provider(
    scope: Construct, on_event_handler: lambda_.IFunction, *, waiter_logs: bool = False, **options: Any
) -> cr.Provider:
    """aws-cdk-lib's Provider framework in front of ``on_event_handler``, its own function logging to
    ``ProviderLogs``; with ``waiter_logs`` (an ``is_complete_handler`` among ``options``), its waiter state
    machine logs every event but the execution data to ``WaiterLogs``. ``options``: the rest of
    ``cr.Provider``'s."""
    provider_logs = log_group(scope, "ProviderLogs")
    if waiter_logs:
        options.update(
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=log_group(scope, "WaiterLogs"), level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
    return cr.Provider(scope, "Provider", on_event_handler=on_event_handler, log_group=provider_logs, **options)


def one_per_stack(scope: IConstruct, kind: type[T], id: str, make: Callable[[Stack], T]) -> T:
    """The construct ``id`` of ``kind`` under ``scope``'s stack, made by ``make(stack)`` on first use and kept in
    the stack context (found again without a jsii round trip)."""
    context = stack_context(scope)

    def find_or_make() -> T:
        existing = context.stack.node.try_find_child(id)
        return existing if isinstance(existing, kind) else make(context.stack)

    return context.remember(("provider", id), find_or_make)
