"""RLPipeline's model VPC (``vpc_config_override``, as ``create_model(vpc_config_override=...)``) and network
isolation (``enable_network_isolation``): what the run's CreateModel sends, the repack step isolation needs, the
hosting role's network-interface grant, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

from rl_constructs import RLConfigurationError, RLPipeline, RLTrainingJob, ServerlessInference
from rl_constructs.model_vpc import ModelVpc
from rl_constructs.testing.asl import ACCOUNT
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import assert_clean, new_app, role_statements, synth

COACH_MXNET: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11", "framework": "mxnet"}
COACH_TF: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}
IN_VPC: dict[str, Any] = {"subnets": ["subnet-0a1b2c3d"], "security_group_ids": ["sg-0123abcd"]}
JOB_VPC = {"SecurityGroupIds": ["sg-0123abcd"], "Subnets": ["subnet-0a1b2c3d"]}


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pipeline_stack(job: dict[str, Any], **props: Any) -> cdk.Stack:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", **job
    )
    deploy = {} if "serverless" in props else {"deploy_instance_type": "ml.m5.large"}
    RLPipeline(stack, "Pipeline", training_job=training, **deploy, **props)
    return stack


def run(stack: cdk.Stack) -> tuple[dict[str, Any], Any]:
    """The run's CreateModel request, and the run (the repack step is answered as the function would)."""
    template = cdk.assertions.Template.from_stack(stack).to_json()
    result = run_execution(
        template, {}, ScriptedSageMaker(), lambda_functions={"": lambda event: {"ModelDataUrl": event["Destination"]}}
    )
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (request,) = [call.params for call in result.calls if call.operation == "CreateModel"]
    return request, result


def vpc_grants(stack: cdk.Stack) -> list[dict[str, Any]]:
    template = cdk.assertions.Template.from_stack(stack).to_json()
    return [s for s in role_statements(template, "ModelRole") if s.get("Sid") == "VpcNetworkInterfaces"]


# ---- vpc_config_override --------------------------------------------------------------------------------------


def test_by_default_the_model_inherits_the_jobs_vpc_and_is_not_isolated() -> None:
    stack = pipeline_stack({**COACH_TF, **IN_VPC})
    request, _ = run(stack)
    assert request["VpcConfig"] == JOB_VPC
    assert "EnableNetworkIsolation" not in request
    assert len(vpc_grants(stack)) == 1


def test_model_vpc_none_drops_the_jobs_vpc_and_its_network_interface_grant() -> None:
    stack = pipeline_stack({**COACH_TF, **IN_VPC}, vpc_config_override=ModelVpc.none())
    request, _ = run(stack)
    assert "VpcConfig" not in request
    assert vpc_grants(stack) == []


def test_a_model_vpc_replaces_the_jobs_and_is_granted_its_network_interfaces() -> None:
    override = ModelVpc(subnets=["subnet-99999999", "subnet-88888888"], security_group_ids=["sg-77777777"])
    stack = pipeline_stack(COACH_TF, vpc_config_override=override)  # the job runs outside any VPC
    request, _ = run(stack)
    assert request["VpcConfig"] == {
        "SecurityGroupIds": ["sg-77777777"],
        "Subnets": ["subnet-99999999", "subnet-88888888"],
    }
    (grant,) = vpc_grants(stack)
    assert grant["Resource"] == "*" and "ec2:CreateNetworkInterface" in grant["Action"]


def test_a_model_vpc_of_a_vpc_construct_gets_a_security_group_and_passes_nag() -> None:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-west-2a"],
        private_subnet_ids=["subnet-0123456789abcdef0"],
        private_subnet_route_table_ids=["rtb-0123456789abcdef0"],
    )
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", **COACH_TF
    )
    RLPipeline(
        stack,
        "Pipeline",
        training_job=training,
        deploy_instance_type="ml.m5.large",
        vpc_config_override=ModelVpc(vpc=vpc),
    )
    template = assert_clean(synth(stack.node.root), "RL")  # type: ignore[arg-type]
    groups = [name for name, r in template["Resources"].items() if r["Type"] == "AWS::EC2::SecurityGroup"]
    assert len(groups) == 1 and "ModelSecurityGroup" in groups[0]
    request, _ = run(stack)
    assert request["VpcConfig"]["Subnets"] == ["subnet-0123456789abcdef0"]


def test_serverless_takes_a_dropped_vpc_but_refuses_a_model_vpc() -> None:
    serverless = {"serverless": ServerlessInference(memory_size=cdk.Size.gibibytes(2))}
    request, _ = run(pipeline_stack({**COACH_TF, **IN_VPC}, vpc_config_override=ModelVpc.none(), **serverless))
    assert "VpcConfig" not in request
    with pytest.raises(RLConfigurationError, match=r"^serverless:.*ModelVpc\.none\(\)"):
        pipeline_stack({**COACH_TF, **IN_VPC}, **serverless)
    override = ModelVpc(subnets=["subnet-99999999"], security_group_ids=["sg-77777777"])
    with pytest.raises(RLConfigurationError, match=r"^vpc_config_override:"):
        pipeline_stack(COACH_TF, vpc_config_override=override, **serverless)
    with pytest.raises(RLConfigurationError, match=r"^enable_network_isolation:"):
        pipeline_stack(COACH_TF, enable_network_isolation=True, **serverless)


def test_model_settings_on_a_training_only_pipeline_are_refused() -> None:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", **COACH_TF
    )
    for props in ({"vpc_config_override": ModelVpc.none()}, {"enable_network_isolation": False}):
        with pytest.raises(RLConfigurationError, match=r"^deploy_instance_type:"):
            RLPipeline(stack, f"Pipeline{len(props)}", training_job=training, **props)


def test_wrong_types_raise_type_error_naming_the_argument() -> None:
    with pytest.raises(TypeError, match="vpc_config_override"):
        pipeline_stack(COACH_TF, vpc_config_override={"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]})
    with pytest.raises(TypeError, match="enable_network_isolation"):
        pipeline_stack(COACH_TF, enable_network_isolation="yes")


# ---- enable_network_isolation ----------------------------------------------------------------------------------


def test_an_isolated_tensorflow_serving_model_is_isolated_and_not_repacked() -> None:
    request, result = run(pipeline_stack(COACH_TF, enable_network_isolation=True))
    assert request["EnableNetworkIsolation"] is True
    assert request["PrimaryContainer"]["Environment"] == {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"}
    assert not result.lambda_invocations


def test_an_isolated_mxnet_model_reads_the_training_code_from_the_repacked_archive() -> None:
    request, result = run(pipeline_stack(COACH_MXNET, enable_network_isolation=True))
    assert request["EnableNetworkIsolation"] is True
    environment = request["PrimaryContainer"]["Environment"]
    assert environment["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"  # not the code archive in S3
    assert environment["SAGEMAKER_PROGRAM"] == "train.py"
    (invocation,) = result.lambda_invocations
    assert request["PrimaryContainer"]["ModelDataUrl"] == invocation.payload["Destination"]
    assert invocation.payload["Destination"].endswith("/output/repacked/model.tar.gz")
    (training,) = [call.params for call in result.calls if call.operation == "CreateTrainingJob"]
    # the training code (as create_model() serves it), the archive the job ran
    assert invocation.payload["CodeUrl"] == json.loads(training["HyperParameters"]["sagemaker_submit_directory"])


def test_without_isolation_the_mxnet_model_downloads_its_code_as_today() -> None:
    request, result = run(pipeline_stack(COACH_MXNET))
    assert request["PrimaryContainer"]["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"].startswith("s3://")
    assert "EnableNetworkIsolation" not in request and not result.lambda_invocations


def test_an_isolated_repacking_pipeline_in_its_own_model_vpc_lints_and_passes_nag() -> None:
    override = ModelVpc(subnets=["subnet-99999999"], security_group_ids=["sg-77777777"])
    stack = pipeline_stack({**COACH_MXNET, **IN_VPC}, vpc_config_override=override, enable_network_isolation=True)
    template = assert_clean(synth(stack.node.root), "RL")  # type: ignore[arg-type]
    assert any(
        r["Type"] == "AWS::Lambda::Function" and "repack" in name.lower() for name, r in template["Resources"].items()
    )
