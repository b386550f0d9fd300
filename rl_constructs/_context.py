"""What rl-constructs remembers about a stack, in one object per stack: a construct of the stack's tree.

Every call into aws-cdk-lib is a round trip to the jsii runtime (Node.js), so what the constructs of this
library ask of a stack again and again is asked once and kept here: the stack's partition, region and
account, the ARNs made in it and how cdk-nag names them, the service principals roles trust, the policies
every role of a kind shares, and whatever else a module keeps per stack (:attr:`StackContext.memo`).

The context is a ``Construct`` child of the stack with the fixed id ``RLConstructsContext``, made on first
use; it has no children and renders nothing into the template. It lives and dies with its stack (no
process-wide registry). Finding it is two round trips (``stack.node.try_find_child``), so the stack's Python
object also keeps a reference to it; likewise a construct of this library remembers its stack on itself
(:func:`remember_stack`), so ``stack_of`` asks the runtime at most once per construct.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from aws_cdk import Stack
from constructs import Construct, IConstruct

if TYPE_CHECKING:
    from aws_cdk import aws_iam as iam

    from .core.iam import SharedPolicy

#: The construct id of the context under its stack.
CONTEXT_ID = "RLConstructsContext"
# Attributes set on Python objects (never rendered): a construct's stack, a stack's context.
_STACK_ATTRIBUTE = "_rl_constructs_stack"
_CONTEXT_ATTRIBUTE = "_rl_constructs_context"

T = TypeVar("T")


class StackEnvironment(NamedTuple):
    """``stack.partition``, ``stack.region`` and ``stack.account``: literals, or pseudo-parameter tokens."""

    partition: str
    region: str
    account: str


class StackContext(Construct):
    """The per-stack state of rl-constructs (see the module's documentation). Get it with :func:`stack_context`."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(stack, CONTEXT_ID)
        #: The stack this is the context of.
        self.stack = stack
        #: The stack's partition, region and account, read once (three round trips).
        self.environment = StackEnvironment(stack.partition, stack.region, stack.account)
        #: The ARNs ``stack_arn`` made, by (service, resource, regional): asked twice, the same token.
        self.arns: dict[tuple[str, str, bool], str] = {}
        #: How cdk-nag names an ARN (a token string) in a finding id, once known.
        self.nag_names: dict[str, str] = {}
        #: One ``iam.ServicePrincipal`` per service, for every role of the stack that trusts it.
        self.principals: dict[str, iam.ServicePrincipal] = {}
        #: The shared policies made in the stack, by construct id, with the declaration each was made from.
        self.shared_policies: dict[str, tuple[SharedPolicy, iam.ManagedPolicy]] = {}
        #: Anything else a module keeps per stack, under a key of its own (see :meth:`remember`).
        self.memo: dict[Hashable, Any] = {}

    def remember(self, key: Hashable, make: Callable[[], T]) -> T:
        """``memo[key]``, made by ``make()`` the first time it is asked for."""
        if key not in self.memo:
            self.memo[key] = make()
        value: T = self.memo[key]
        return value


def stack_of(scope: IConstruct) -> Stack:
    """``Stack.of(scope)``, asked of the jsii runtime at most once per construct (never for a stack, nor for a
    construct that remembers its stack)."""
    if isinstance(scope, Stack):
        return scope
    stack: Stack | None = getattr(scope, _STACK_ATTRIBUTE, None)
    if stack is None:
        stack = Stack.of(scope)
        remember_stack(scope, stack)
    return stack


def remember_stack(construct: IConstruct, stack: Stack) -> None:
    """Record on ``construct`` (just made in ``stack``) that it is in ``stack``, so ``stack_of`` needs no round
    trip. (A proxy of an object made by the runtime, such as ``node.default_child``, is a new Python object
    each time it is returned: it forgets, and ``stack_of`` asks again.)"""
    keep_on(construct, _STACK_ATTRIBUTE, stack)


def keep_on(target: object, attribute: str, value: object) -> None:
    """Keep ``value`` on ``target``'s Python object, a memo that lives and dies with it; not kept where
    Python refuses new attributes (jsii's proxy of an object of several interfaces): then it is asked again."""
    with contextlib.suppress(AttributeError):
        setattr(target, attribute, value)


def stack_context(scope: IConstruct) -> StackContext:
    """The context of ``scope``'s stack, made on first use."""
    stack = stack_of(scope)
    context: StackContext | None = getattr(stack, _CONTEXT_ATTRIBUTE, None)
    if context is None:
        found = stack.node.try_find_child(CONTEXT_ID)
        if found is not None and not isinstance(found, StackContext):
            raise ValueError(f"{stack.node.path}/{CONTEXT_ID} is reserved for rl-constructs' stack context.")
        context = found if found is not None else StackContext(stack)
        keep_on(stack, _CONTEXT_ATTRIBUTE, context)
    return context
