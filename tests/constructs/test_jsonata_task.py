"""JsonataTask: the CustomState workaround, and the test that says when aws-cdk-lib made it unnecessary."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn

from rl_constructs._jsonata_task import JsonataTask


def test_aws_cdk_lib_still_drops_a_custom_states_catch_output() -> None:
    """When this fails, aws-cdk-lib renders a CustomState's JSONata Catch Output itself: delete JsonataTask's
    add_catch/to_state_json overrides of it (and this test). Assign it renders already."""
    scope = cdk.Stack(cdk.App(), "Probe")
    state = sfn.CustomState(scope, "Custom", state_json={"Type": "Task", "Resource": "arn:aws:states:::x"})
    failed = sfn.Fail(scope, "Failed")
    state.add_catch(failed, outputs="{% $states.errorOutput %}", assign={"failure": "{% 1 %}"})
    (catch,) = state.to_state_json()["Catch"]
    assert catch["Assign"] == {"failure": "{% 1 %}"}
    assert "Output" not in catch, "aws-cdk-lib now renders a CustomState's Catch Output: drop the workaround"


class _Task(JsonataTask):
    def __init__(self, scope: cdk.Stack) -> None:
        super().__init__(scope, "Task", resource="arn:aws:states:::aws-sdk:sagemaker:listModels", output="{% 1 %}")
        self._request = {"MaxResults": 10}
        self._task_policies = [iam.PolicyStatement(actions=["sagemaker:ListModels"], resources=["*"])]


def test_a_jsonata_task_keeps_its_catch_output_and_assign_renders_its_request_and_registers_its_iam() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    task = _Task(stack)
    failed = sfn.Fail(stack, "Failed", error="{% $failure %}")
    task.add_catch(failed, outputs="{% $states.errorOutput %}", assign={"failure": "{% 'RL.X' %}"})
    machine = sfn.StateMachine(
        stack, "SM", query_language=sfn.QueryLanguage.JSONATA, definition_body=sfn.DefinitionBody.from_chainable(task)
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    resource = template["Resources"][stack.get_logical_id(machine.node.default_child)]
    state = json.loads(resource["Properties"]["DefinitionString"])["States"]["Task"]
    assert state["Arguments"] == {"MaxResults": 10}
    assert state["Output"] == "{% 1 %}"
    assert state["Catch"] == [
        {
            "ErrorEquals": ["States.ALL"],
            "Next": "Failed",
            "Output": "{% $states.errorOutput %}",
            "Assign": {"failure": "{% 'RL.X' %}"},
        }
    ]
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    actions = {json.dumps(s["Action"]) for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]}
    assert '"sagemaker:ListModels"' in actions
