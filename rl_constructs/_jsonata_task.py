"""A JSONata Task state for SageMaker integrations aws-cdk-lib does not offer, built on ``sfn.CustomState``.

aws-cdk-lib's ``SageMakerCreateTrainingJob`` lacks what RLTrainingJob sends (spot, checkpoints, retries,
heterogeneous clusters, Debugger...), there is no hyperparameter-tuning task at all, and a task's internal
``_renderTask`` cannot be overridden from Python. So these tasks are ``CustomState`` s, extended here:

- the request (``Arguments``) is rendered after the state exists (it needs the role, assets and buckets made
  as children of the state) and put into the state's JSON when it is rendered: a ``Lazy`` in ``state_json``
  does not survive the state's trip through Python;
- the IAM statements the task needs are registered with the state graph when the task joins it, exactly as
  aws-cdk-lib's ``TaskStateBase`` does;
- aws-cdk-lib (2.275 here) renders a ``CustomState`` 's Catch without its JSONata ``Output`` (``Assign`` it
  renders): :meth:`JsonataTask.add_catch` keeps it and :meth:`JsonataTask.to_state_json` puts it back.
  ``tests/constructs/test_jsonata_task.py`` fails as soon as aws-cdk-lib renders it itself, so that this
  workaround can be dropped then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from .core.state_graph import Rendered


class JsonataTask(sfn.CustomState):
    """A JSONata ``Task`` state calling ``resource``. Subclasses set ``_request`` (the ``Arguments``) and
    ``_task_policies`` (what the state machine role needs) once the resources they name exist."""

    def __init__(self, scope: Construct, id: str, *, resource: str, output: str | None = None) -> None:
        #: The request, rendered by the subclass once the resources it names exist.
        self._request: dict[str, Any] = getattr(self, "_request", {})
        #: What the state machine role needs for this task, registered when the task joins a state graph.
        self._task_policies: list[iam.PolicyStatement] = getattr(self, "_task_policies", [])
        self._catch_fields: list[tuple[list[str], str, dict[str, Any]]] = []
        #: The state of a definition built as data this task is rendered as (see :meth:`graph_state`).
        self._graph_state: Rendered | None = None
        state: dict[str, Any] = {"Type": "Task", "QueryLanguage": "JSONata", "Resource": resource, "Arguments": {}}
        if output is not None:
            state["Output"] = output
        super().__init__(scope, id, state_json=state)

    # --- the state graph asks for IAM when the task joins a state machine -------------------------------
    def _when_bound_to_graph(self, graph: sfn.StateGraph) -> None:
        super()._when_bound_to_graph(graph)
        for statement in self._task_policies:
            graph.register_policy_statement(statement)

    @property
    def task_policies(self) -> list[iam.PolicyStatement]:
        """What the state machine role may do for this task."""
        return list(self._task_policies)

    # --- Catch with its JSONata Output/Assign kept ----------------------------------------------------------
    def add_catch(
        self,
        handler: sfn.IChainable,
        *,
        assign: Mapping[str, Any] | None = None,
        errors: Sequence[str] | None = None,
        outputs: Any = None,
        result_path: str | None = None,
    ) -> JsonataTask:
        """Catch ``errors`` (default: all) into ``handler``, with its JSONata ``outputs`` kept."""
        super().add_catch(handler, assign=assign, errors=errors, result_path=result_path)
        extra = {"Output": outputs} if outputs is not None else {}
        # A state is its own start state: one read instead of two.
        target = handler if isinstance(handler, sfn.State) else handler.start_state
        self._catch_fields.append((list(errors or ["States.ALL"]), target.state_id, extra))
        return self

    def to_state_json(self, query_language: sfn.QueryLanguage | None = None) -> Mapping[Any, Any]:
        state = dict(super().to_state_json(query_language))
        state["Arguments"] = self._request
        catches = [dict(catch) for catch in state.get("Catch", [])]
        for catch in catches:
            for errors, next_state, extra in self._catch_fields:
                if catch.get("ErrorEquals") == errors and catch.get("Next") == next_state:
                    catch.update(extra)
        if catches:
            state["Catch"] = catches
        # In a definition built as data: its transitions where aws-cdk-lib renders them (before what a subclass adds).
        return self._graph_state.splice(state) if self._graph_state is not None else state

    # --- a state of a definition built as data (``core.state_graph``) ------------------------------------
    def graph_state(self) -> Rendered:
        """This task as a state of a definition built as data (``core.state_graph``): its transitions, retries
        and catches are made there (at no jsii round trip) and its JSON is rendered here; its IAM statements
        join the graph's. A task joins one definition."""
        if self._graph_state is None:
            self._graph_state = Rendered(
                self.state_id,
                json=lambda _state: self.to_state_json(sfn.QueryLanguage.JSONATA),
                kind="custom",
                policies=self._task_policies,
            )
        return self._graph_state
