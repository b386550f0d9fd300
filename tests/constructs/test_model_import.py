"""RLModel.from_model_name / from_model_arn (an IRLModel) served by RLEndpoint, as aws-sagemaker-alpha's
Model.fromModelName: a model made elsewhere, referenced by name, its ARN in this stack's account and region."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from rl_constructs import DataCapture, IRLModel, RLConfigurationError, RLEndpoint, RLModel
from rl_constructs.testing import lint, new_app, role_statements

ENV = cdk.Environment(account="111122223333", region="us-west-2")


def new_stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "Serving", env=ENV)


def resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_an_rl_model_is_an_irl_model_with_its_arn_from_ref() -> None:
    stack = new_stack()
    model = RLModel(
        stack,
        "Model",
        model_data_url="s3://models/job-1/output/model.tar.gz",
        instance_type="ml.m5.large",
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="tensorflow",
    )
    assert isinstance(model, IRLModel)
    (logical_id,) = resources(Template.from_stack(stack).to_json(), "AWS::SageMaker::Model")
    assert stack.resolve(model.model_arn) == {"Ref": logical_id}
    assert stack.resolve(model.model_name) == {"Fn::GetAtt": [logical_id, "ModelName"]}


def test_an_endpoint_serves_a_model_imported_by_name() -> None:
    stack = new_stack()
    model = RLModel.from_model_name(stack, "Trained", "RL-CartPole-Model")
    assert isinstance(model, IRLModel) and isinstance(model, cdk.Resource)
    assert model.model_name == "RL-CartPole-Model"
    assert model.model_arn == "arn:aws:sagemaker:us-west-2:111122223333:model/rl-cartpole-model"
    assert (model.role, model.instance_type, model.processor) == (None, None, None)
    RLEndpoint(stack, "Endpoint", model=model, instance_type="ml.g4dn.xlarge")  # no cpu/gpu check: unknown
    template = Template.from_stack(stack).to_json()
    assert resources(template, "AWS::SageMaker::Model") == {}
    (config,) = resources(template, "AWS::SageMaker::EndpointConfig").values()
    assert config["Properties"] == {
        "ProductionVariants": [
            {
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1,
                "InstanceType": "ml.g4dn.xlarge",
                "ModelName": "RL-CartPole-Model",
                "VariantName": "AllTraffic",
            }
        ]
    }
    assert lint(template) == []


def test_an_imported_model_needs_the_endpoints_instance_type() -> None:
    stack = new_stack()
    model = RLModel.from_model_name(stack, "Trained", "RL-CartPole-Model")
    with pytest.raises(RLConfigurationError, match="instance_type"):
        RLEndpoint(stack, "Endpoint", model=model)


def test_data_capture_of_an_imported_model_needs_and_grants_its_role() -> None:
    stack = new_stack()
    with pytest.raises(RLConfigurationError, match=r"data_capture: .*pass role= to RLModel.from_model_name"):
        RLEndpoint(
            stack,
            "NoRole",
            model=RLModel.from_model_name(stack, "Anonymous", "m"),
            instance_type="ml.m5.large",
            data_capture=DataCapture(destination="s3://captures/cartpole/"),
        )
    role = iam.Role(stack, "HostingRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    model = RLModel.from_model_name(stack, "Trained", "RL-CartPole-Model", role=role)
    RLEndpoint(
        stack,
        "Endpoint",
        model=model,
        instance_type="ml.m5.large",
        data_capture=DataCapture(destination="s3://captures/cartpole/"),
    )
    statements = role_statements(Template.from_stack(stack).to_json(), "HostingRole")
    assert [(s["Action"], s["Resource"]) for s in statements] == [("s3:PutObject", "arn:aws:s3:::captures/cartpole/*")]


def test_a_model_imported_by_arn_reads_its_name_and_environment() -> None:
    stack = new_stack()
    arn = "arn:aws:sagemaker:eu-west-1:444455556666:model/shared-policy"
    model = RLModel.from_model_arn(stack, "Shared", arn)
    assert (model.model_name, model.model_arn) == ("shared-policy", arn)
    assert isinstance(model, cdk.Resource)
    assert (model.env.account, model.env.region) == ("444455556666", "eu-west-1")


@pytest.mark.parametrize(
    ("arn", "error", "message"),
    [
        ("arn:aws:sagemaker:us-west-2:111122223333:endpoint/e", RLConfigurationError, "model_arn: expected arn:"),
        ("arn:aws:s3:::bucket/model", RLConfigurationError, "model_arn: expected arn:"),
        (42, TypeError, "model_arn"),
    ],
)
def test_a_wrong_model_arn_is_refused(arn: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        RLModel.from_model_arn(new_stack(), "Bad", arn)


def test_a_model_name_sagemaker_refuses_is_refused_at_synth() -> None:
    # botocore's DescribeModel ModelName pattern: letters, digits and hyphens, no leading/trailing hyphen.
    with pytest.raises(RLConfigurationError, match="model_name: ModelName = 'rl_model'"):
        RLModel.from_model_name(new_stack(), "Bad", "rl_model")
    with pytest.raises(TypeError, match="model_name"):
        RLModel.from_model_name(new_stack(), "Bad", None)  # type: ignore[arg-type]


def test_an_endpoint_refuses_what_is_not_a_model() -> None:
    stack = new_stack()
    with pytest.raises(TypeError, match="model: must be RLModel or IRLModel"):
        RLEndpoint(stack, "Endpoint", model="RL-CartPole-Model", instance_type="ml.m5.large")  # type: ignore[arg-type]
