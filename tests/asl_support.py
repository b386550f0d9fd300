"""Run synthesized JSONata state machines in tests, as Step Functions would, without AWS.

- :func:`fill` replaces a template's intrinsics (Ref, GetAtt, Join, FindInMap, Sub) by sample values.
- :func:`run_jsonata` evaluates ``{% ... %}`` fields with jsonata-python, ``$states`` bound like Step
  Functions binds it (input, result, errorOutput, context).
- :class:`Execution` walks a definition: Task, Pass, Choice, Wait, Succeed and Fail states, Retry and Catch,
  with a fake service answering each task (or raising :class:`TaskError`), and records the path taken.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonata

ACCOUNT = "111122223333"
REGION = "us-west-2"
EXECUTION = {"Name": "run-1", "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:sm:run-1"}


def fill(value: Any, template: dict[str, Any]) -> Any:
    """``value`` with the template's intrinsic functions replaced by sample values."""
    if isinstance(value, dict):
        if "Ref" in value:
            return {"AWS::Region": REGION, "AWS::Partition": "aws", "AWS::AccountId": ACCOUNT}.get(
                value["Ref"], f"sample-{value['Ref'].lower()}"
            )
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            return f"arn:aws:iam::{ACCOUNT}:role/{logical}" if attribute == "Arn" else f"sample-{logical.lower()}"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(fill(p, template) for p in parts)
        if "Fn::FindInMap" in value:
            name, key, attribute = (fill(p, template) for p in value["Fn::FindInMap"])
            return template["Mappings"][name][key][attribute]
        if "Fn::Sub" in value:
            return re.sub(
                r"\$\{AWS::(\w+)\}", lambda m: {"AccountId": ACCOUNT, "Region": REGION}[m[1]], value["Fn::Sub"]
            )
        return {k: fill(v, template) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, template) for v in value]
    return value


class JsonataError(Exception):
    """``$error(...)`` raised inside an expression (Step Functions: ``States.QueryEvaluationError``)."""


def run_jsonata(value: Any, state_input: Any, **states: Any) -> Any:
    """Evaluate every ``{% ... %}`` string in ``value`` with ``$states.input`` = ``state_input`` (plus
    ``result``/``errorOutput`` given as keywords)."""
    if isinstance(value, dict):
        return {k: run_jsonata(v, state_input, **states) for k, v in value.items()}
    if isinstance(value, list):
        return [run_jsonata(v, state_input, **states) for v in value]
    if isinstance(value, str) and value.startswith("{% ") and value.endswith(" %}"):
        compiled = jsonata.Jsonata(value[3:-3])
        compiled.register_lambda("hash", lambda v, a: hashlib.new(a.lower(), v.encode()).hexdigest())
        frame = compiled.create_frame()
        frame.bind("states", {"input": state_input, "context": {"Execution": EXECUTION}, **states})
        try:
            return compiled.evaluate(None, frame)
        except jsonata.JException as error:
            raise JsonataError(str(error)) from error
    return value


def definition_of(template: dict[str, Any], logical_id: str | None = None) -> dict[str, Any]:
    """The (filled) definition of the template's state machine (the only one, or ``logical_id``)."""
    machines = {
        key: resource
        for key, resource in template["Resources"].items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
        and (logical_id is None or key == logical_id)
        and "waiter" not in key.lower()
    }
    assert len(machines) == 1, sorted(machines)
    (machine,) = machines.values()
    return json.loads(fill(machine["Properties"]["DefinitionString"], template))  # type: ignore[no-any-return]


@dataclass
class TaskError(Exception):
    """What a fake service raises: a Step Functions error name and cause."""

    error: str
    cause: str = ""


#: A fake service: (action, arguments) -> result, or raise TaskError.
Service = Callable[[str, dict[str, Any]], Any]


@dataclass
class Execution:
    """One run of a JSONata state machine against a fake ``service``."""

    definition: dict[str, Any]
    service: Service
    max_steps: int = 200
    path: list[str] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def run(self, execution_input: Mapping[str, Any]) -> tuple[str, Any]:
        """Run to the end: ("SUCCEEDED", output) or ("FAILED", {"Error": ..., "Cause": ...})."""
        name, data = self.definition["StartAt"], dict(execution_input)
        for _ in range(self.max_steps):
            self.path.append(name)
            state = self.definition["States"][name]
            kind = state["Type"]
            if kind == "Succeed":
                return "SUCCEEDED", run_jsonata(state.get("Output", "{% $states.input %}"), data)
            if kind == "Fail":
                return "FAILED", {
                    "Error": run_jsonata(state.get("Error"), data),
                    "Cause": run_jsonata(state.get("Cause"), data),
                }
            if kind == "Wait":
                name = state["Next"]
                continue
            if kind == "Pass":
                data = run_jsonata(state.get("Output", "{% $states.input %}"), data)
                name = state["Next"]
                continue
            if kind == "Choice":
                for rule in state["Choices"]:
                    if run_jsonata(rule["Condition"], data) is True:
                        name = rule["Next"]
                        break
                else:
                    name = state["Default"]
                continue
            assert kind == "Task", kind
            try:
                arguments = run_jsonata(state.get("Arguments", {}), data)
                result = self._call(state, arguments)
            except (TaskError, JsonataError) as failure:
                error = (
                    failure
                    if isinstance(failure, TaskError)
                    else TaskError("States.QueryEvaluationError", str(failure))
                )
                catcher = next(
                    (c for c in state.get("Catch", []) if _matches(c["ErrorEquals"], error.error)),
                    None,
                )
                if catcher is None:
                    return "FAILED", {"Error": error.error, "Cause": error.cause}
                data = run_jsonata(
                    catcher.get("Output", "{% $states.input %}"),
                    data,
                    errorOutput={"Error": error.error, "Cause": error.cause},
                )
                name = catcher["Next"]
                continue
            data = run_jsonata(state.get("Output", "{% $states.result %}"), data, result=result)
            if state.get("End"):
                return "SUCCEEDED", data
            name = state["Next"]
        raise AssertionError(f"no end after {self.max_steps} states: {self.path[-10:]}")

    def run_calls(self, execution_input: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Run, expect success, and return the service calls made in order."""
        status, output = self.run(execution_input)
        assert status == "SUCCEEDED", output
        return self.calls

    def _call(self, state: dict[str, Any], arguments: dict[str, Any]) -> Any:
        action = state["Resource"].rsplit(":", 1)[-1]
        attempts = {id(r): 0 for r in state.get("Retry", [])}
        while True:
            self.calls.append((action, arguments))
            try:
                return self.service(action, arguments)
            except TaskError as error:
                retrier = next((r for r in state.get("Retry", []) if _matches(r["ErrorEquals"], error.error)), None)
                if retrier is None or attempts[id(retrier)] >= retrier.get("MaxAttempts", 3):
                    raise
                attempts[id(retrier)] += 1


def _matches(names: list[str], error: str) -> bool:
    return "States.ALL" in names or error in names
