"""RLPipeline serves with serving code and the new serving images, run in the independent interpreter.

The CreateModel request each run sends is compared with what sagemaker 2.257.7 sent for the same deploy
(``tests/fixtures/sdk/deploy-coach-mxnet-serving-code.json``; inference image URIs from
``tests/fixtures/sdk/serving/images.json``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import RLConfigurationError, RLPipeline, RLTrainingJob
from rl_constructs.testing.asl import ACCOUNT, fill
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import ROOT, assert_clean, new_app, role_statements, synth

SDK = ROOT / "tests" / "fixtures" / "sdk"
DEPLOY_FIXTURE = json.loads((SDK / "deploy-coach-mxnet-serving-code.json").read_text())


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The training and serving files of the deploy fixture, in a working directory."""
    for relative, text in {**DEPLOY_FIXTURE["files"], **DEPLOY_FIXTURE["serving_files"]}.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_pipeline(job: dict[str, Any], **props: Any) -> cdk.Stack:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", **job
    )
    RLPipeline(stack, "Pipeline", training_job=training, deploy_instance_type="ml.m5.large", **props)
    return stack


def create_model(stack: cdk.Stack) -> dict[str, Any]:
    template = cdk.assertions.Template.from_stack(stack).to_json()
    result = run_execution(template, {}, ScriptedSageMaker())
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (request,) = [call.params for call in result.calls if call.operation == "CreateModel"]
    return request  # type: ignore[no-any-return]


def test_serving_code_replaces_the_training_script_like_deploy_entry_point(workdir: Path) -> None:
    arguments = DEPLOY_FIXTURE["deploy_arguments"]
    stack = make_pipeline(
        {"toolkit": "coach", "toolkit_version": "0.11", "framework": "mxnet"},
        serving_entry_point=arguments["entry_point"],
        serving_source_dir=arguments["source_dir"],
    )
    container = create_model(stack)["PrimaryContainer"]
    expected = DEPLOY_FIXTURE["deploy"]["CreateModel"]["PrimaryContainer"]
    assert container["Image"] == expected["Image"]
    ours, sdk = dict(container["Environment"]), dict(expected["Environment"])
    submit, sdk_submit = ours.pop("SAGEMAKER_SUBMIT_DIRECTORY"), sdk.pop("SAGEMAKER_SUBMIT_DIRECTORY")
    assert ours == sdk  # SAGEMAKER_PROGRAM is the serving script, not train.py
    assert sdk_submit.endswith("/sourcedir.tar.gz")  # the SDK's own upload of the serving code
    assert re.fullmatch(rf"s3://cdk-[a-z0-9]+-assets-{ACCOUNT}-us-west-2/[0-9a-f]{{64}}\.gz", submit)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    reads = [fill(s, template) for s in role_statements(template) if s.get("Sid") == "ReadInferenceCode"]
    assert [r["Resource"] for r in reads] == ["arn:aws:s3:::" + submit[len("s3://") :]]


def test_ray_tensorflow_2_5_is_served_by_tensorflow_inference_2_5_1(workdir: Path) -> None:
    images = json.loads((SDK / "serving" / "images.json").read_text())["images"]
    (sdk,) = [i for i in images if (i["framework"], i["version"]) == ("tensorflow", "2.5.1")]
    stack = make_pipeline(
        {"toolkit": "ray", "toolkit_version": "1.6.0", "framework": "tensorflow"}, tensorflow_serving_version="2.5.1"
    )
    assert create_model(stack)["PrimaryContainer"]["Image"] == sdk["uris"]["us-west-2/cpu"]


def test_a_serving_version_that_cannot_serve_the_job_is_refused(workdir: Path) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        make_pipeline(
            {"toolkit": "ray", "toolkit_version": "1.6.0", "framework": "tensorflow"}, tensorflow_serving_version="1.12"
        )
    assert caught.value.argument == "tensorflow_serving_version"
    assert caught.value.allowed == ("2.5", "2.5.1")


def test_serving_code_on_a_training_only_pipeline_is_refused(workdir: Path) -> None:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", toolkit="coach",
        toolkit_version="0.11", framework="mxnet",
    )  # fmt: skip
    with pytest.raises(RLConfigurationError, match=r"^deploy_instance_type: "):
        RLPipeline(stack, "Pipeline", training_job=training, serving_entry_point="deploy-mxnet-coach.py")


def test_model_environment_and_tags_reach_every_resource_a_run_creates(workdir: Path) -> None:
    stack = make_pipeline(
        {"toolkit": "coach", "toolkit_version": "0.11", "framework": "mxnet"},
        endpoint_name="cartpole",
        model_environment={"POLICY_TEMPERATURE": "0.5", "SAGEMAKER_CONTAINER_LOG_LEVEL": "10"},
        tags={"team": "rl", "cost-center": "42"},
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    result = run_execution(template, {}, ScriptedSageMaker())
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    calls = {call.operation: call.params for call in reversed(result.calls)}
    tags = [
        {"Key": "rl-constructs:pipeline", "Value": "RL/Pipeline"},
        {"Key": "team", "Value": "rl"},
        {"Key": "cost-center", "Value": "42"},
    ]
    for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"):
        assert calls[operation]["Tags"] == tags
    environment = calls["CreateModel"]["PrimaryContainer"]["Environment"]
    assert environment["POLICY_TEMPERATURE"] == "0.5"
    assert environment["SAGEMAKER_CONTAINER_LOG_LEVEL"] == "10"  # set over the serving environment
    assert environment["SAGEMAKER_PROGRAM"] == "train.py"


@pytest.mark.parametrize(
    ("props", "argument", "fragment"),
    [
        ({"tags": {"rl-constructs:pipeline": "x"}}, "tags", "reserved"),
        ({"tags": {"aws:cloudformation:stack-name": "x"}}, "tags", "reserved"),
        ({"tags": {"team": "v" * 257}}, "tags", "CreateModel"),
        ({"model_environment": {"1BAD": "x"}}, "model_environment", "1BAD"),
        ({"model_environment": {"KEY": "v" * 1025}}, "model_environment", "CreateModel"),
    ],
)
def test_bad_model_settings_are_refused_naming_the_argument(
    workdir: Path, props: dict[str, Any], argument: str, fragment: str
) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        make_pipeline({"toolkit": "coach", "toolkit_version": "0.11", "framework": "mxnet"}, **props)
    assert caught.value.argument == argument
    assert fragment in str(caught.value)


def test_model_settings_of_the_wrong_type_raise_type_error(workdir: Path) -> None:
    with pytest.raises(TypeError, match="tags"):
        make_pipeline({"toolkit": "coach", "toolkit_version": "0.11", "framework": "mxnet"}, tags=[("a", "b")])


def test_the_model_runs_in_the_training_jobs_vpc_like_create_model(workdir: Path) -> None:
    # RLEstimator.create_model() passes vpc_config=self.get_vpc_config() (SDK 2.257.7, rl/estimator.py).
    stack = make_pipeline(
        {
            "toolkit": "coach",
            "toolkit_version": "0.11",
            "framework": "mxnet",
            "subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
            "security_group_ids": ["sg-0123abcd"],
        }
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    result = run_execution(template, {}, ScriptedSageMaker())
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    calls = {call.operation: call.params for call in reversed(result.calls)}
    expected = {"SecurityGroupIds": ["sg-0123abcd"], "Subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]}
    assert calls["CreateTrainingJob"]["VpcConfig"] == expected
    assert calls["CreateModel"]["VpcConfig"] == expected
    statements = [fill(s, template) for s in role_statements(template) if s.get("Sid") == "VpcNetworkInterfaces"]
    assert any("ec2:CreateNetworkInterface" in s["Action"] for s in statements)


def test_a_model_outside_a_vpc_has_no_vpc_config(workdir: Path) -> None:
    stack = make_pipeline({"toolkit": "coach", "toolkit_version": "0.11", "framework": "mxnet"})
    assert "VpcConfig" not in create_model(stack)


def test_a_vpc_pipeline_with_serving_code_and_tags_lints_and_passes_nag(workdir: Path) -> None:
    stack = make_pipeline(
        {
            "toolkit": "coach",
            "toolkit_version": "0.11",
            "framework": "mxnet",
            "subnets": ["subnet-0a1b2c3d"],
            "security_group_ids": ["sg-0123abcd"],
        },
        serving_entry_point="deploy-mxnet-coach.py",
        serving_source_dir="serve",
        tags={"team": "rl"},
    )
    assert_clean(synth(stack.node.root), "RL")  # type: ignore[arg-type]
