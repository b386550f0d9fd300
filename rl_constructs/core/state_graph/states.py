"""The kinds of states of a definition as data, each rendered as its aws-cdk-lib class renders it (keys in the
order of its ``toStateJson``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .graph import (
    JSON_PATH,
    JSONATA,
    Catch,
    Chainable,
    Graph,
    Json,
    State,
    defined,
    sorted_by_errors,
)


class Task(State):
    """A JSONata ``Task`` state as aws-cdk-lib's ``CallAwsService.jsonata`` renders it."""

    query_language = JSONATA

    def __init__(
        self,
        name: str,
        *,
        resource: str,
        arguments: Mapping[str, Any],
        output: str | None = None,
        assign: Mapping[str, Any] | None = None,
        policies: Sequence[Any] = (),
    ) -> None:
        super().__init__(name, policies=policies)
        self.resource, self.arguments, self.output, self.assign = resource, dict(arguments), output, assign

    def render(self, top_language: str | None) -> Json:
        return defined(
            {
                "QueryLanguage": self._language_key(top_language),
                **self._next_end(),
                **self._retry_catch(),
                "Type": "Task",
                "Arguments": self.arguments,
                "Output": self.output,
                "Assign": self.assign,
                "Resource": self.resource,
            }
        )


class Pass(State):
    """A ``Pass`` state (aws-cdk-lib's ``Pass`` with ``assign``)."""

    def __init__(self, name: str, *, assign: Mapping[str, Any] | None = None) -> None:
        super().__init__(name)
        self.assign = dict(assign) if assign else None

    def render(self, top_language: str | None) -> Json:
        return defined(
            {
                "Type": "Pass",
                "QueryLanguage": self._language_key(top_language),
                **self._next_end(),
                "Assign": self.assign,
            }
        )


class Wait(State):
    """A ``Wait`` state of a fixed number of seconds."""

    def __init__(self, name: str, *, seconds: int) -> None:
        super().__init__(name)
        self.seconds = seconds

    def render(self, top_language: str | None) -> Json:
        return defined(
            {"Type": "Wait", "QueryLanguage": self._language_key(top_language), "Seconds": self.seconds}
            | self._next_end()
        )


class Succeed(State):
    """A ``Succeed`` state, with its JSONata ``output``."""

    def __init__(self, name: str, *, output: str | None = None) -> None:
        super().__init__(name)
        self.output = output

    @property
    def end_states(self) -> list[State]:
        return []

    def render(self, top_language: str | None) -> Json:
        return defined({"Type": "Succeed", "QueryLanguage": self._language_key(top_language), "Output": self.output})


class Fail(State):
    """A ``Fail`` state with its error and cause (JSONata expressions or literals)."""

    def __init__(self, name: str, *, error: str, cause: str) -> None:
        super().__init__(name)
        self.error, self.cause = error, cause

    @property
    def end_states(self) -> list[State]:
        return []

    def render(self, top_language: str | None) -> Json:
        language = self._language_key(top_language)
        return defined({"Type": "Fail", "QueryLanguage": language, "Error": self.error, "Cause": self.cause})


class Choice(State):
    """A ``Choice`` state: ``when`` a JSONata condition (without ``{% %}``) holds, go there; ``otherwise``..."""

    @property
    def end_states(self) -> list[State]:
        return []

    def when(self, condition: str, then: Chainable, *, assign: Mapping[str, Any] | None = None) -> Choice:
        self.choices.append(("{% " + condition + " %}", then.start_state, dict(assign) if assign else None))
        then.start_state.incoming.append(self)
        return self

    def otherwise(self, then: Chainable) -> Choice:
        if self.default is not None:
            raise ValueError(f"choice {self.name!r} already has a default")
        self.default = then.start_state  # (aws-cdk-lib does not count it as an incoming transition)
        return self

    def render(self, top_language: str | None) -> Json:
        # aws-cdk-lib renders the choices with the state's own query language (JSONPath for a plain Choice).
        language = self.query_language or JSON_PATH
        choices = [
            defined(
                {"Condition": condition, **({"Output": None} if language == JSONATA else {}), "Assign": assign}
                | {"Next": then.name}
            )
            for condition, then, assign in self.choices
        ]
        return defined(
            {
                "Type": "Choice",
                "QueryLanguage": self._language_key(top_language),
                "Choices": choices or None,
                "Default": self.default.name if self.default is not None else None,
            }
        )


class Map(State):
    """An inline ``Map`` state over the JSONata ``items``, each item through the graph from ``processor``."""

    def __init__(self, name: str, *, items: str, max_concurrency: int, output: str | None = None) -> None:
        super().__init__(name)
        self.items, self.max_concurrency, self.output = items, max_concurrency, output

    def item_processor(self, start: Chainable) -> Map:
        self.processor = start.start_state
        return self

    def render(self, top_language: str | None) -> Json:
        if self.processor is None:
            raise ValueError(f"map {self.name!r} has no item processor")
        processor = Graph(self.processor)
        return defined(
            {
                "Type": "Map",
                "QueryLanguage": self._language_key(top_language),
                **self._next_end(),
                "Output": self.output,
                **self._retry_catch(),
                "Items": self.items,
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **processor.render(None)},
                "MaxConcurrency": self.max_concurrency or None,
            }
        )


class Rendered(State):
    """A state aws-cdk-lib renders: ``json(state)`` returns its ``toStateJson`` (made without transitions, so
    with ``End``) passed through :meth:`splice`, which adds the transitions, retries and catches made here as
    aws-cdk-lib adds them to a state of its ``kind``: ``"task"`` (a ``TaskStateBase``: ``Retry`` and ``Catch``
    after ``Next``) or ``"custom"`` (a ``CustomState``: after its JSON; a catch's ``Output`` after the rest, as
    ``JsonataTask`` puts it back). A ``CustomState`` subclass that adds keys after rendering splices first."""

    def __init__(
        self,
        name: str,
        *,
        json: Callable[[Rendered], Mapping[str, Any]],
        kind: str,
        query_language: str | None = None,
        policies: Sequence[Any] = (),
    ) -> None:
        super().__init__(name, policies=policies)
        if kind not in ("task", "custom"):
            raise ValueError(f"kind must be 'task' or 'custom', not {kind!r}")
        self._json, self.kind, self.query_language = json, kind, query_language

    def render(self, top_language: str | None) -> Json:
        return dict(self._json(self))

    def splice(self, rendered: Mapping[str, Any]) -> Json:
        """``rendered`` with this state's ``Next``, ``Retry`` and ``Catch``."""
        retries = sorted_by_errors([*rendered.get("Retry", []), *self.retries], lambda retry: retry["ErrorEquals"])
        if self.kind == "custom":
            catches = [_custom_catch(catch) for catch in sorted_by_errors(self.catches, lambda c: c.errors)]
            state = dict(rendered)
            if self.next_state is not None:  # (where End was)
                state = {("Next" if key == "End" else key): value for key, value in rendered.items()}
                state["Next"] = self.next_state.name
            state |= {"Retry": retries or None, "Catch": [*rendered.get("Catch", []), *catches] or None}
            return defined(state)
        task: Json = {}
        for key, value in rendered.items():
            if key in ("Next", "End"):
                catches = [*rendered.get("Catch", []), *(self._retry_catch()["Catch"] or [])]
                task |= self._next_end() | {"Retry": retries or None, "Catch": catches or None}
            elif key not in ("Retry", "Catch"):
                task[key] = value
        return defined(task)


def _custom_catch(catch: Catch) -> Json:
    rendered = defined({"Assign": catch.assign, "ErrorEquals": catch.errors, "Next": catch.next.name})
    return rendered | ({"Output": catch.output} if catch.output is not None else {})
