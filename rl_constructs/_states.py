"""What the states of this library share: the ``Retry`` rules of ``core.workflow``'s policies on aws-cdk-lib's
states (Durations made once per process: each is a jsii round trip), and the definition of a state machine
built as data (``core.state_graph``).

A definition built as data costs no round trip per state: it is handed to aws-cdk-lib's ``StateMachine`` as
one string, with the IAM statements of its states, which the ``StateMachine`` adds to its role before its own
(logs, tracing), as it does for a graph of its own states (:class:`DataDefinition`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from aws_cdk import Aws, Duration, FeatureFlags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ._context import stack_context, stack_of
from ._policy import policy_statements
from .core.iam_merge import merge_statements
from .core.state_graph import Graph, render_definition
from .core.workflow import RetryPolicy

#: aws-cdk-lib's feature flag: a policy's statements are merged when it is rendered.
MINIMIZE_POLICIES = "@aws-cdk/aws-iam:minimizePolicies"


@functools.cache
def seconds(value: int) -> Duration:
    """``Duration.seconds(value)``, one object per value."""
    return Duration.seconds(value)


def add_retries(state: sfn.TaskStateBase | sfn.CustomState, policies: Sequence[RetryPolicy]) -> None:
    """``Retry`` rules of ``policies``: exponential backoff (rate 2) with full jitter, capped delay."""
    for policy in policies:
        state.add_retry(
            errors=list(policy.errors),
            interval=seconds(policy.interval_seconds),
            max_attempts=policy.max_attempts,
            max_delay=seconds(policy.max_delay_seconds),
            jitter_strategy=sfn.JitterType.FULL,
        )


# --- a definition built as data -------------------------------------------------------------------------------


@functools.cache
def _partition() -> str:
    """``Aws.PARTITION``, the token aws-cdk-lib writes in integration ARNs (a jsii round trip to read)."""
    return Aws.PARTITION


def sdk_resource(service: str, action: str) -> str:
    """The ARN of an AWS SDK integration (``arn:<partition>:states:::aws-sdk:<service>:<action>``), as
    aws-cdk-lib's ``CallAwsService`` writes it."""
    return f"arn:{_partition()}:states:::aws-sdk:{service}:{action}"


class DataDefinition:
    """The definition of the states of ``graph`` (built as data) for a ``StateMachine`` in ``scope`` whose
    ``timeout`` is ``timeout_seconds``: make the state machine with :attr:`body`, then :meth:`apply` it.

    :attr:`body` is a chain of one placeholder state (:class:`_GraphStatements`) that hands the graph's IAM
    statements to the ``StateMachine`` the way its own states would (added to its role before its logs and
    tracing statements); :meth:`apply` then sets the definition (one string) on its ``CfnStateMachine``. The
    statements are merged here as aws-cdk-lib would merge them when the stack merges policies
    (``MINIMIZE_POLICIES``), so that few are handed over."""

    def __init__(self, scope: Construct, graph: Graph, *, timeout_seconds: int | None) -> None:
        context = stack_context(scope)
        minimize = context.remember(
            MINIMIZE_POLICIES, lambda: FeatureFlags.of(context.stack).is_enabled(MINIMIZE_POLICIES)
        )
        items = merge_statements(graph.policies) if minimize else list(graph.policies)
        made = iter(policy_statements([item for item in items if isinstance(item, dict)]))
        statements = [next(made) if isinstance(item, dict) else item for item in items]
        #: The definition: a JSON string of the stack (its tokens resolve as aws-cdk-lib's own would).
        self.definition = stack_of(scope).to_json_string(render_definition(graph, timeout_seconds=timeout_seconds))
        #: What the ``StateMachine`` is made with.
        self.body = sfn.DefinitionBody.from_chainable(_GraphStatements(scope, "DefinitionStatements", statements))

    def apply(self, state_machine: sfn.StateMachine) -> sfn.CfnStateMachine:
        """Set the definition on ``state_machine`` (made with :attr:`body`); its ``CfnStateMachine``."""
        resource = state_machine.node.default_child
        if not isinstance(resource, sfn.CfnStateMachine):
            raise TypeError(f"expected the CfnStateMachine of {state_machine}, got {type(resource).__name__}")
        resource.definition_string = self.definition
        return resource


class _GraphStatements(sfn.CustomState):
    """Not a state of the definition: the start of the graph aws-cdk-lib's ``StateMachine`` makes of its
    ``ChainDefinitionBody``, which registers the definition's IAM statements with it when it joins (so the
    ``StateMachine`` adds them to its role first, as it does for its own states). What aws-cdk-lib renders of
    it is replaced by the definition (:meth:`DataDefinition.apply`)."""

    def __init__(self, scope: Construct, id: str, statements: Sequence[iam.PolicyStatement]) -> None:
        self._statements = list(statements)
        super().__init__(scope, id, state_json={})

    def _when_bound_to_graph(self, graph: sfn.StateGraph) -> None:
        super()._when_bound_to_graph(graph)
        for statement in self._statements:
            graph.register_policy_statement(statement)
