"""The graph of a definition as data: states, their transitions, retries and catches, the order aws-cdk-lib binds
them in and the rendering of the parts every state shares. The kinds of states: ``states.py``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..workflow import RetryPolicy

Json = dict[str, Any]
JSONATA = "JSONata"
JSON_PATH = "JSONPath"
ALL_ERRORS = "States.ALL"


class Chainable(Protocol):
    """A state or a chain of states: where it starts, and the states a ``next`` continues from."""

    @property
    def start_state(self) -> State: ...

    @property
    def end_states(self) -> list[State]: ...


@dataclass
class Catch:
    """One ``Catch`` rule: ``errors`` go to ``next``, with the JSONata ``output`` and ``assign``."""

    next: State
    errors: list[str]
    output: str | None = None
    assign: Mapping[str, Any] | None = None


@dataclass
class Chain:
    """States connected in sequence (aws-cdk-lib's ``Chain``): ``next`` continues from every end state."""

    start_state: State
    end_states: list[State]

    def next(self, then: Chainable) -> Chain:
        if not self.end_states:
            raise ValueError(f"the chain from {self.start_state.name!r} ends in a terminal state")
        for state in self.end_states:
            state.next(then)
        return Chain(self.start_state, then.end_states)


class State:
    """A state of the graph. ``policies``: the IAM statements the state machine role needs for it (data, or
    objects a construct hands over as they are)."""

    #: ``"JSONata"`` for a state made with aws-cdk-lib's ``.jsonata()`` factories, else None.
    query_language: str | None = None

    def __init__(self, name: str, *, policies: Sequence[Any] = ()) -> None:
        self.name = name
        self.policies = list(policies)
        self.next_state: State | None = None
        self.default: State | None = None
        self.choices: list[tuple[str, State, Mapping[str, Any] | None]] = []
        self.catches: list[Catch] = []
        self.retries: list[Json] = []
        #: The states that lead here (by next, choice or catch), in the order they were connected.
        self.incoming: list[State] = []
        #: The start of a ``Map`` 's item processor (a graph of its own).
        self.processor: State | None = None

    @property
    def start_state(self) -> State:
        return self

    @property
    def end_states(self) -> list[State]:
        return [self]

    def next(self, then: Chainable) -> Chain:
        """Continue with ``then``."""
        if self.next_state is not None:
            raise ValueError(f"state {self.name!r} already has a next state")
        self.next_state = then.start_state
        then.start_state.incoming.append(self)
        return Chain(self, then.end_states)

    def add_retry(self, retry: Mapping[str, Any]) -> State:
        """A ``Retry`` rule, as rendered (``core.workflow.RetryPolicy.to_json``)."""
        self.retries.append(dict(retry))
        return self

    def add_retries(self, policies: Sequence[RetryPolicy]) -> State:
        """The ``Retry`` rules of ``policies`` (``core.workflow``), in order."""
        for policy in policies:
            self.add_retry(policy.to_json())
        return self

    def add_catch(
        self,
        handler: Chainable,
        *,
        errors: Sequence[str] | None = None,
        output: str | None = None,
        assign: Mapping[str, Any] | None = None,
    ) -> State:
        """Catch ``errors`` (default: all) into ``handler``."""
        target = handler.start_state
        self.catches.append(Catch(target, list(errors or [ALL_ERRORS]), output, dict(assign) if assign else None))
        target.incoming.append(self)
        return self

    def outgoing(self) -> list[State]:
        targets = [self.next_state, self.default, *(choice[1] for choice in self.choices)]
        return [target for target in targets if target is not None] + [catch.next for catch in self.catches]

    def render(self, top_language: str | None) -> Json:
        """The state's JSON in a graph of ``top_language`` (None: JSONPath, as aws-cdk-lib's default)."""
        raise NotImplementedError

    # --- the parts of aws-cdk-lib's ``State`` rendering ------------------------------------------------------
    def _language_key(self, top_language: str | None) -> str | None:
        top = top_language or JSON_PATH
        return JSONATA if top == JSON_PATH and self.query_language == JSONATA else None

    def _next_end(self) -> Json:
        return {"Next": self.next_state.name} if self.next_state is not None else {"End": True}

    def _retry_catch(self) -> Json:
        # aws-cdk-lib renders these with the state's own query language (the top level is not passed).
        language = self.query_language or JSON_PATH
        return {
            "Retry": sorted_by_errors(self.retries, lambda retry: retry["ErrorEquals"]) or None,
            "Catch": [
                render_catch(catch, language) for catch in sorted_by_errors(self.catches, lambda catch: catch.errors)
            ]
            or None,
        }


def render_catch(catch: Catch, language: str) -> Json:
    head = {"Output": catch.output, "Assign": catch.assign} if language == JSONATA else {"Assign": catch.assign}
    return defined({**head, "ErrorEquals": catch.errors, "Next": catch.next.name})


def sorted_by_errors(items: list[Any], errors: Callable[[Any], list[str]]) -> list[Any]:
    """aws-cdk-lib's order of Retry and Catch rules: a catch-all last, the others as added (a stable sort
    with its comparator; V8's sort is CPython's)."""

    def compare(a: Any, b: Any) -> int:
        return 1 if ALL_ERRORS in errors(a) else -1 if ALL_ERRORS in errors(b) else 0

    return sorted(items, key=functools.cmp_to_key(compare))


def defined(fields: Json) -> Json:
    """``JSON.stringify``'s view of a JavaScript object: undefined values left out."""
    return {key: value for key, value in fields.items() if value is not None}


class Graph:
    """The states reachable from ``start`` and their IAM statements, in aws-cdk-lib's ``StateGraph`` order."""

    def __init__(self, start: State) -> None:
        self.start = start
        self.states: list[State] = []
        self.policies: list[Any] = []
        self._bound: set[int] = set()
        self._bind(start)
        names = [state.name for state in self.states]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"state names occur more than once: {duplicates}")

    def _bind(self, state: State) -> None:
        if id(state) in self._bound:
            return
        self._bound.add(id(state))
        self.states.append(state)
        self.policies.extend(state.policies)
        for source in state.incoming:
            self._bind(source)
        for target in state.outgoing():
            self._bind(target)
        if state.processor is not None:  # the item processor's statements join the graph's after the map's own
            self.policies.extend(Graph(state.processor).policies)

    def render(self, top_language: str | None) -> Json:
        """``StartAt`` and ``States`` (each state rendered in a graph of ``top_language``)."""
        return {"StartAt": self.start.name, "States": {state.name: state.render(top_language) for state in self.states}}


def render_definition(graph: Graph, *, timeout_seconds: int | None) -> Json:
    """The definition of a JSONata state machine, as aws-cdk-lib's ``StateMachine`` renders its graph."""
    return defined({**graph.render(JSONATA), "TimeoutSeconds": timeout_seconds, "QueryLanguage": JSONATA})
