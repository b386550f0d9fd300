"""A definition built as data (``core.state_graph`` + ``_states.DataDefinition``) renders as aws-cdk-lib renders
the same states made with its classes: the definition byte for byte (state order, key order) and the state
machine role's policy (statement order, merged or not). When aws-cdk-lib changes how it renders a graph, this
fails, naming the difference."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from rl_constructs._jsonata_task import JsonataTask
from rl_constructs._states import DataDefinition, add_retries, sdk_resource
from rl_constructs.core import state_graph as g
from rl_constructs.core.iam import allow
from rl_constructs.core.workflow import LAMBDA_INVOKE_RETRIES, SDK_CALL_RETRIES, TRAINING_RETRIES
from tests.cdk_support import new_app

RESOURCES = ["arn:aws:sagemaker:us-east-1:111122223333:model/m-*", "arn:aws:sagemaker:us-east-1:111122223333:x/y"]


class _Job(JsonataTask):
    def __init__(self, scope: cdk.Stack) -> None:
        super().__init__(scope, "Job", resource="arn:aws:states:::sagemaker:createTrainingJob.sync")
        self._request = {"TrainingJobName": "{% $states.input.Name %}"}
        self._task_policies = [iam.PolicyStatement(actions=["sagemaker:CreateTrainingJob"], resources=["*"])]


class _DataStates:
    """The states as data."""

    def __init__(self, stack: cdk.Stack) -> None:
        self.stack = stack

    def job(self, job: _Job) -> g.State:
        return job.graph_state().add_retries(TRAINING_RETRIES)

    def invoke(self, task: tasks.LambdaInvoke) -> g.State:
        return g.Rendered(
            "Invoke",
            json=lambda state: state.splice(task.to_state_json(sfn.QueryLanguage.JSONATA)),
            kind="task",
            query_language=g.JSONATA,
            policies=task._task_policies or [],
        )

    def call(self, name: str, action: str, output: str | None = None, assign: Mapping[str, Any] | None = None) -> Any:
        task = g.Task(
            name,
            resource=sdk_resource("sagemaker", action[0].lower() + action[1:]),
            arguments={"Name": "{% $run %}"},
            output=output,
            assign=assign,
            policies=[allow([f"sagemaker:{action}"], RESOURCES if action != "ListModels" else ["*"])],
        )
        return task.add_retries(SDK_CALL_RETRIES)

    def pass_(self, name: str, assign: Mapping[str, Any] | None = None) -> Any:
        return g.Pass(name, assign=assign)

    def choice(self, name: str) -> Any:
        return g.Choice(name)

    def when(self, choice: Any, condition: str, then: Any, assign: Mapping[str, Any] | None = None) -> Any:
        return choice.when(condition, then, assign=assign)

    def wait(self, name: str, seconds: int) -> Any:
        return g.Wait(name, seconds=seconds)

    def succeed(self, name: str) -> Any:
        return g.Succeed(name, output="{% $run %}")

    def fail(self, name: str) -> Any:
        return g.Fail(name, error="{% $failure.Error %}", cause="{% $failure.Cause %}")

    def map(self, name: str) -> Any:
        return g.Map(name, items="{% $states.input %}", max_concurrency=2, output="{% $states.input %}")

    def catch(self, state: Any, handler: Any, **options: Any) -> None:
        state.add_catch(handler, **options)


class _L2States(_DataStates):
    """The same states made with aws-cdk-lib's classes."""

    def job(self, job: _Job) -> Any:
        add_retries(job, TRAINING_RETRIES)
        return job

    def invoke(self, task: tasks.LambdaInvoke) -> Any:
        return task

    def call(self, name: str, action: str, output: str | None = None, assign: Mapping[str, Any] | None = None) -> Any:
        task = tasks.CallAwsService.jsonata(
            self.stack,
            name,
            service="sagemaker",
            action=action[0].lower() + action[1:],
            iam_action=f"sagemaker:{action}",
            iam_resources=RESOURCES if action != "ListModels" else ["*"],
            parameters={"Name": "{% $run %}"},
            state_name=name,
            outputs=output,
            assign=dict(assign) if assign else None,
        )
        add_retries(task, SDK_CALL_RETRIES)
        return task

    def pass_(self, name: str, assign: Mapping[str, Any] | None = None) -> Any:
        return sfn.Pass(self.stack, name, assign=dict(assign) if assign else None)

    def choice(self, name: str) -> Any:
        return sfn.Choice(self.stack, name)

    def when(self, choice: Any, condition: str, then: Any, assign: Mapping[str, Any] | None = None) -> Any:
        return choice.when(sfn.Condition.jsonata("{% " + condition + " %}"), then, assign=assign)

    def wait(self, name: str, seconds: int) -> Any:
        return sfn.Wait(self.stack, name, time=sfn.WaitTime.duration(cdk.Duration.seconds(seconds)))

    def succeed(self, name: str) -> Any:
        return sfn.Succeed(self.stack, name, outputs="{% $run %}")

    def fail(self, name: str) -> Any:
        return sfn.Fail(self.stack, name, error="{% $failure.Error %}", cause="{% $failure.Cause %}")

    def map(self, name: str) -> Any:
        return sfn.Map(
            self.stack,
            name,
            items=sfn.ProvideItems.jsonata("{% $states.input %}"),
            max_concurrency=2,
            outputs="{% $states.input %}",
        )

    def catch(self, state: Any, handler: Any, **options: Any) -> None:
        if "output" in options:
            options["outputs"] = options.pop("output")
        state.add_catch(handler, **options)


def _build(states: _DataStates, stack: cdk.Stack) -> Any:
    """A graph with every kind of state and transition RLPipeline uses, connected in an order that matters
    (states reached back through their incoming transitions, defaults, catches with output and assign)."""
    function = lambda_.Function.from_function_arn(stack, "Fn", "arn:aws:lambda:us-east-1:111122223333:function:f")
    invoke = tasks.LambdaInvoke.jsonata(stack, "Invoke", lambda_function=function, retry_on_service_exceptions=False)
    add_retries(invoke, LAMBDA_INVOKE_RETRIES)
    job, failed = states.job(_Job(stack)), states.fail("Failed")
    states.catch(job, failed, assign={"failure": "{% $states.errorOutput %}"})
    prepare = states.pass_("Prepare", assign={"run": "{% 1 %}"})
    create, describe = states.call("Create", "CreateModel"), states.call("Check", "DescribeModel", output="{% 1 %}")
    delete = states.call("Delete", "DeleteModel")
    delete.next(failed)
    states.catch(delete, failed)
    cleanup = states.choice("Cleanup?")
    states.when(cleanup, "$created", delete)
    cleanup.otherwise(failed)
    states.catch(create, cleanup, errors=["SageMaker.SageMakerException"], output="{% $states.errorOutput %}")
    states.catch(create, cleanup, assign={"failure": "{% 2 %}"})
    repack = states.invoke(invoke)
    states.catch(repack, cleanup, assign={"failure": "{% 3 %}"})
    wait, status, clean = states.wait("Wait", 30), states.choice("Status"), states.map("Clean")
    tags, done = states.call("Tags", "ListModels", output="{% 2 %}"), states.pass_("Done")
    states.catch(tags, done)
    tags.next(done)
    clean.item_processor(tags)
    deployed = states.succeed("Deployed")
    states.catch(clean, deployed)
    clean.next(deployed)
    states.when(status, "$ok", clean, assign={"x": "{% 1 %}"})
    states.when(status, "$bad", states.pass_("Gave up").next(cleanup))
    status.otherwise(wait)
    wait.next(describe).next(status)
    states.catch(describe, cleanup, assign={"failure": "{% 4 %}"})
    return job.next(prepare).next(repack).next(create).next(wait)


def _synth(build: type[_DataStates], minimize: bool) -> dict[str, Any]:
    app = new_app(**{"@aws-cdk/aws-iam:minimizePolicies": minimize})
    stack = cdk.Stack(app, "Graph")
    states = build(stack)
    start = _build(states, stack)
    props: dict[str, Any] = {"query_language": sfn.QueryLanguage.JSONATA, "timeout": cdk.Duration.hours(2)}
    if build is _L2States:
        sfn.StateMachine(stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(start), **props)
    else:
        data = DataDefinition(stack, g.Graph(start.start_state), timeout_seconds=7200)
        data.apply(sfn.StateMachine(stack, "Machine", definition_body=data.body, **props))
    return app.synth().get_stack_by_name("Graph").template  # type: ignore[no-any-return]


@pytest.mark.parametrize("minimize", [True, False], ids=["merged-policies", "unmerged-policies"])
def test_a_definition_built_as_data_renders_as_aws_cdk_lib_renders_its_states(minimize: bool) -> None:
    ours, theirs = _synth(_DataStates, minimize), _synth(_L2States, minimize)
    definitions = [
        json.dumps(t["Resources"][name]["Properties"]["DefinitionString"])
        for t in (ours, theirs)
        for name in t["Resources"]
        if t["Resources"][name]["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    assert definitions[0] == definitions[1]
    policies = [
        [r["Properties"] for r in t["Resources"].values() if r["Type"] == "AWS::IAM::Policy"] for t in (ours, theirs)
    ]
    assert policies[0] == policies[1]
    statements = policies[0][0]["PolicyDocument"]["Statement"]
    assert len(statements) == (3 if minimize else 6)  # the flag is seen: merged as aws-cdk-lib merges
