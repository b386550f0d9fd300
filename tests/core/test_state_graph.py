"""core.state_graph: a definition as data, in aws-cdk-lib's order (``tests/constructs/test_state_graph.py``
compares it with aws-cdk-lib's own rendering)."""

from __future__ import annotations

import pytest

from rl_constructs.core import state_graph as g
from rl_constructs.core.workflow import SDK_CALL_RETRIES


def _task(name: str, *, policy: str = "x:Y") -> g.Task:
    return g.Task(name, resource="arn:r", arguments={"A": 1}, policies=[{"Action": [policy], "Resource": ["*"]}])


def test_states_are_bound_depth_first_with_the_states_leading_to_them_first() -> None:
    start, middle, target, source = g.Pass("Start"), g.Pass("Middle"), g.Pass("Target"), g.Pass("Source")
    source.next(target)  # Target is reached from Middle; Source, which also leads there, comes right after it
    start.next(middle).next(target)
    assert [state.name for state in g.Graph(start).states] == ["Start", "Middle", "Target", "Source"]


def test_a_default_is_not_an_incoming_transition() -> None:
    start, choice, other, fallback = g.Pass("Start"), g.Choice("Choice"), g.Pass("Other"), g.Pass("Fallback")
    start.next(choice)
    choice.when("$x", other).otherwise(fallback)
    g.Pass("Unreached").next(other)  # reached back from Other
    g.Choice("Also unreached").otherwise(fallback)  # not reached: a default is not an incoming transition
    names = [state.name for state in g.Graph(start).states]
    assert names == ["Start", "Choice", "Fallback", "Other", "Unreached"]


def test_a_task_renders_as_call_aws_service_with_its_retries_and_catches_a_catch_all_last() -> None:
    task, handler = _task("Call"), g.Fail("Failed", error="{% 'E' %}", cause="{% 'C' %}")
    task.add_catch(handler, assign={"failure": "{% 1 %}"})
    task.add_catch(handler, errors=["SageMaker.SageMakerException"], output="{% $states.errorOutput %}")
    task.add_retry(SDK_CALL_RETRIES[0].to_json())
    rendered = task.render(g.JSONATA)
    assert list(rendered) == ["End", "Retry", "Catch", "Type", "Arguments", "Resource"]
    assert [catch["ErrorEquals"] for catch in rendered["Catch"]] == [["SageMaker.SageMakerException"], ["States.ALL"]]
    assert list(rendered["Catch"][0]) == ["Output", "ErrorEquals", "Next"]
    assert rendered["Retry"][0]["JitterStrategy"] == "FULL"
    assert task.render(None)["QueryLanguage"] == "JSONata"  # in a JSONPath graph (a Map's items)


def test_a_map_renders_its_item_processor_and_its_statements_join_after_the_maps_own() -> None:
    start, clean, after = (
        _task("Start", policy="a:A"),
        g.Map("Clean", items="{% 1 %}", max_concurrency=2),
        g.Pass("After"),
    )
    clean.item_processor(_task("Item", policy="b:B").next(g.Pass("Done")))
    start.next(clean).next(after)
    after.policies.append({"Action": ["c:C"], "Resource": ["*"]})
    graph = g.Graph(start)
    assert [policy["Action"] for policy in graph.policies] == [["a:A"], ["c:C"], ["b:B"]]
    rendered = clean.render(g.JSONATA)
    assert rendered["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert list(rendered["ItemProcessor"]["States"]) == ["Item", "Done"]


def test_a_rendered_state_gets_its_transitions_where_aws_cdk_lib_puts_them() -> None:
    custom = g.Rendered(
        "Job", json=lambda state: state.splice({"End": True, "Type": "Task", "Output": 1}), kind="custom"
    )
    task = g.Rendered(
        "Invoke", json=lambda state: state.splice({"End": True, "Retry": [], "Type": "Task"}), kind="task"
    )
    failed = g.Fail("Failed", error="e", cause="c")
    custom.add_catch(failed, output="{% 1 %}", assign={"a": "{% 2 %}"})
    task.add_catch(failed)
    custom.next(task)
    assert list(custom.render(g.JSONATA)) == ["Next", "Type", "Output", "Catch"]
    assert custom.render(g.JSONATA)["Catch"] == [
        {"Assign": {"a": "{% 2 %}"}, "ErrorEquals": ["States.ALL"], "Next": "Failed", "Output": "{% 1 %}"}
    ]
    assert list(task.render(g.JSONATA)) == ["End", "Catch", "Type"]


def test_render_definition_ends_with_the_timeout_and_the_query_language() -> None:
    definition = g.render_definition(g.Graph(g.Succeed("Done")), timeout_seconds=60)
    assert list(definition) == ["StartAt", "States", "TimeoutSeconds", "QueryLanguage"]
    assert definition["States"] == {"Done": {"Type": "Succeed"}}


def test_misuse_is_refused() -> None:
    state = g.Pass("A")
    state.next(g.Pass("B"))
    with pytest.raises(ValueError, match="already has a next state"):
        state.next(g.Pass("C"))
    with pytest.raises(ValueError, match="terminal"):
        g.Pass("D").next(g.Succeed("E")).next(g.Pass("F"))
    with pytest.raises(ValueError, match="more than once"):
        g.Graph(g.Pass("Same").next(g.Pass("Same")).start_state)
    with pytest.raises(ValueError, match="kind"):
        g.Rendered("X", json=lambda state: {}, kind="other")
