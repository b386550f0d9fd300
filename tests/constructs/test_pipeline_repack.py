"""RLPipeline repacks the model archive with the serving code before CreateModel when the container reads its
code from ``code/`` inside ``model.tar.gz`` (MXNet >= 1.4, PyTorch, TensorFlow Serving with a script), run in
the independent interpreter (``lambda:invoke`` answered in process; the handler itself is tested on real
archives in ``tests/_lambda/test_repack_model.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from botocore.exceptions import ClientError

from rl_constructs import RLPipeline, RLTrainingJob
from rl_constructs.core.serving.container import MODEL_CODE_DIRECTORY
from rl_constructs.core.workflow import LAMBDA_INVOKE_RETRIES
from rl_constructs.testing.asl import ACCOUNT
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import ROOT, assert_clean, new_app, role_statements, synth

SDK = ROOT / "tests" / "fixtures" / "sdk"
COACH_MXNET = {"toolkit": "coach", "toolkit_version": "0.11", "framework": "mxnet"}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for relative, text in {
        "src/train.py": "print('train')\n",
        "serve/deploy-mxnet-coach.py": "def model_fn(model_dir):\n    return None\n",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_pipeline(job: dict[str, Any] = COACH_MXNET, **props: Any) -> cdk.Stack:
    """A Coach MXNet job deployed with MXNet 1.8.0 serving and serving code (``props`` override them)."""
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", **job
    )
    RLPipeline(
        stack,
        "Pipeline",
        training_job=training,
        deploy_instance_type="ml.m5.large",
        **{
            "serving_framework_version": "1.8.0",
            "serving_entry_point": "deploy-mxnet-coach.py",
            "serving_source_dir": "serve",
            **props,
        },
    )
    return stack


def template_of(stack: cdk.Stack) -> dict[str, Any]:
    return cdk.assertions.Template.from_stack(stack).to_json()


def repacked(payload: dict[str, Any]) -> dict[str, Any]:
    """What the repack function answers (its work is tested on real archives in the handler tests)."""
    return {"ModelDataUrl": payload["Destination"]}


def test_the_run_repacks_then_serves_the_repacked_archive_from_code(workdir: Path) -> None:
    stack = make_pipeline()
    result = run_execution(template_of(stack), {}, ScriptedSageMaker(), lambda_functions={"": repacked})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    names = result.states_entered
    assert names.index("Prepare deployment") < names.index("Repack model") < names.index("Create model")
    (invocation,) = result.lambda_invocations
    (model_data,) = [c for c in result.calls if c.operation == "CreateModel"]
    trained = result.output["ModelDataUrl"]
    assert invocation.error is None
    payload = invocation.payload
    assert payload["ModelDataUrl"].endswith("/output/model.tar.gz")
    assert payload["Destination"] == payload["ModelDataUrl"].removesuffix("model.tar.gz") + "repacked/model.tar.gz"
    assert payload["CodeUrl"].startswith(f"s3://cdk-hnb659fds-assets-{ACCOUNT}-us-west-2/")
    assert "KmsKeyId" not in payload
    container = model_data.params["PrimaryContainer"]
    assert container["ModelDataUrl"] == payload["Destination"] == trained
    assert container["Environment"] == {
        "SAGEMAKER_PROGRAM": "deploy-mxnet-coach.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": MODEL_CODE_DIRECTORY,
        "SAGEMAKER_REGION": "us-west-2",
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
    }
    assert container["Image"] == "763104351884.dkr.ecr.us-west-2.amazonaws.com/mxnet-inference:1.8.0-cpu-py37"


def test_the_repack_task_has_the_lambda_retries_of_the_developer_guide(workdir: Path) -> None:
    template = template_of(make_pipeline())
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    definition = json.loads(
        "".join(p if isinstance(p, str) else "0" for p in machine["Properties"]["DefinitionString"]["Fn::Join"][1])
    )
    state = definition["States"]["Repack model"]
    assert state["Resource"].endswith(":states:::lambda:invoke")
    assert [r["ErrorEquals"] for r in state["Retry"]] == [list(p.errors) for p in LAMBDA_INVOKE_RETRIES]
    assert set(LAMBDA_INVOKE_RETRIES[0].errors) >= {
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    }
    assert [c["ErrorEquals"] for c in state["Catch"]] == [["States.ALL"]]


def test_a_throttled_invoke_is_retried(workdir: Path) -> None:
    calls: list[int] = []

    def throttled_once(payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise ClientError(
                {
                    "Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"},
                    "ResponseMetadata": {"HTTPStatusCode": 429, "RequestId": "r-1"},
                },
                "Invoke",
            )
        return repacked(payload)

    result = run_execution(template_of(make_pipeline()), {}, ScriptedSageMaker(), lambda_functions={"": throttled_once})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [i.error for i in result.lambda_invocations] == ["TooManyRequestsException", None]


def test_a_failed_repack_fails_the_run_as_rl_model_repack_failed_before_any_model(workdir: Path) -> None:
    class RepackError(Exception):
        pass

    def broken(payload: dict[str, Any]) -> dict[str, Any]:
        raise RepackError("not a readable tar archive (ModelDataUrl or CodeUrl): bad header")

    result = run_execution(template_of(make_pipeline()), {}, ScriptedSageMaker(), lambda_functions={"": broken})
    assert (result.status, result.error) == ("FAILED", "RL.ModelRepackFailed")
    assert "Repack model" in (result.cause or "") and "not a readable tar archive" in (result.cause or "")
    assert "CreateModel" not in result.operations
    assert len(result.lambda_invocations) == 1  # a function error is not retried


def test_the_repack_role_reads_the_model_and_code_and_writes_under_the_job_prefix_only(workdir: Path) -> None:
    stack = make_pipeline()
    template = template_of(stack)
    statements = {s.get("Sid"): s for s in role_statements(template) if s.get("Sid") in {
        "ReadModelDataAndCode", "WriteRepackedModel", "ReadModelData"}}  # fmt: skip
    job_prefix = statements["ReadModelData"]["Resource"]  # the hosting role's: the job's output prefix
    assert sorted(statements["WriteRepackedModel"]["Action"]) == ["s3:AbortMultipartUpload", "s3:PutObject"]
    assert statements["WriteRepackedModel"]["Resource"] == job_prefix
    assert statements["ReadModelDataAndCode"]["Action"] == "s3:GetObject"
    reads = statements["ReadModelDataAndCode"]["Resource"]
    assert len(reads) == 2 and job_prefix in reads  # and the serving code's object (the asset)
    (code,) = [r for r in reads if r != job_prefix]
    assert code["Fn::Join"][1][-1].endswith(".gz")
    assert_clean(synth(stack.node.root), "RL")  # type: ignore[arg-type]


def test_a_pipeline_serving_mxnet_1_3_has_no_repack_step(workdir: Path) -> None:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", **COACH_MXNET
    )
    RLPipeline(stack, "Pipeline", training_job=training, deploy_instance_type="ml.m5.large")
    assert "Repack model" not in json.dumps(template_of(stack))


MXNET_18 = json.loads((SDK / "deploy-mxnet-1.8-model-serving-code.json").read_text())


def test_create_model_matches_the_sdks_mxnet_model_1_8_deploy_with_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``MXNetModel(framework_version="1.8.0", py_version="py37", entry_point=..., source_dir=...).deploy()``
    as sagemaker 2.257.7 sent it: every field of the container, the served archive a repacked copy."""
    for relative, text in {**MXNET_18["files"], **MXNET_18["serving_files"]}.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    arguments = MXNET_18["deploy_arguments"]
    assert (arguments["model_class"], arguments["framework_version"]) == ("MXNetModel", "1.8.0")  # make_pipeline's
    stack = make_pipeline(serving_entry_point=arguments["entry_point"], serving_source_dir=arguments["source_dir"])
    result = run_execution(template_of(stack), {}, ScriptedSageMaker(), lambda_functions={"": repacked})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (request,) = [c.params for c in result.calls if c.operation == "CreateModel"]
    sdk = MXNET_18["deploy"]["CreateModel"]
    ours, theirs = dict(request["PrimaryContainer"]), dict(sdk["PrimaryContainer"])
    # The SDK writes the repacked archive under the model's name; ours goes under the job's output prefix.
    assert theirs.pop("ModelDataUrl").endswith("/model.tar.gz")
    assert ours.pop("ModelDataUrl") == result.lambda_invocations[0].payload["Destination"]
    assert ours == theirs
    assert set(request) - {"VpcConfig", "Tags"} == set(sdk)


def test_an_encrypted_model_is_repacked_with_its_key(workdir: Path) -> None:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    key = cdk.aws_kms.Key(stack, "ModelKey", enable_key_rotation=True)
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", output_kms_key=key,
        **COACH_MXNET,
    )  # fmt: skip
    RLPipeline(
        stack, "Pipeline", training_job=training, deploy_instance_type="ml.m5.large",
        serving_framework_version="1.8.0", serving_entry_point="deploy-mxnet-coach.py", serving_source_dir="serve",
    )  # fmt: skip
    template = template_of(stack)
    result = run_execution(template, {}, ScriptedSageMaker(), lambda_functions={"": repacked})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    key_arn = result.lambda_invocations[0].payload["KmsKeyId"]
    assert key_arn.startswith("arn:aws:kms:us-west-2:")
    (statement,) = [s for s in role_statements(template) if s.get("Sid") == "ModelDataKey"]
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    assert statement["Resource"] == {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}


# ---- custom images and serving dependencies: the SDK's repack layout --------------------------------------------

CUSTOM_IMAGE = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:latest"


def custom_image_pipeline(**props: Any) -> tuple[cdk.Stack, RLPipeline]:
    """A job trained on a custom image (no toolkit), deployed with ``props``."""
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", image_uri=CUSTOM_IMAGE
    )
    return stack, RLPipeline(stack, "Pipeline", training_job=training, deploy_instance_type="ml.m5.large", **props)


def test_a_custom_image_is_served_from_its_training_code_repacked_like_the_sdks_framework_model(
    workdir: Path,
) -> None:
    """``RLEstimator(image_uri=...).deploy()`` (recorded: deploy-custom-image-alone): the training code archive goes
    under code/ of a repacked model archive, served from /opt/ml/model/code."""
    stack, pipeline = custom_image_pipeline()
    assert pipeline.serving.code_in_model_archive and pipeline.serving_code is None
    result = run_execution(template_of(stack), {}, ScriptedSageMaker(), lambda_functions={"": repacked})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (invocation,) = result.lambda_invocations
    (training,) = [c.params for c in result.calls if c.operation == "CreateTrainingJob"]
    assert invocation.payload["CodeUrl"] == json.loads(training["HyperParameters"]["sagemaker_submit_directory"])
    (request,) = [c.params for c in result.calls if c.operation == "CreateModel"]
    container = request["PrimaryContainer"]
    assert container["Image"] == CUSTOM_IMAGE
    assert container["ModelDataUrl"] == invocation.payload["Destination"]
    assert container["Environment"] == {
        "SAGEMAKER_PROGRAM": "train.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": MODEL_CODE_DIRECTORY,
        "SAGEMAKER_REGION": "us-west-2",
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
    }


def test_a_custom_image_with_serving_code_repacks_the_serving_code(workdir: Path) -> None:
    stack, pipeline = custom_image_pipeline(serving_entry_point="deploy-mxnet-coach.py", serving_source_dir="serve")
    assert pipeline.serving_code is not None and pipeline.serving.code_in_model_archive
    result = run_execution(template_of(stack), {}, ScriptedSageMaker(), lambda_functions={"": repacked})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.lambda_invocations[0].payload["CodeUrl"].startswith(f"s3://cdk-hnb659fds-assets-{ACCOUNT}-")
    (request,) = [c.params for c in result.calls if c.operation == "CreateModel"]
    assert request["PrimaryContainer"]["Environment"]["SAGEMAKER_PROGRAM"] == "deploy-mxnet-coach.py"
    assert request["PrimaryContainer"]["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == MODEL_CODE_DIRECTORY


def test_serving_dependencies_go_under_lib_in_a_repacked_archive_and_at_the_root_of_code_read_from_s3(
    workdir: Path,
) -> None:
    """The SDK's two layouts: ``repack_model`` puts dependencies under code/lib/ (recorded:
    deploy-ray-pytorch-model-serving-code), ``tar_and_upload_dir`` at the root of the sourcedir.tar.gz that
    MXNet 1.3 reads from S3 (the training code's layout)."""
    (workdir / "common" / "sagemaker_rl").mkdir(parents=True)
    (workdir / "common" / "sagemaker_rl" / "__init__.py").write_text("")
    (workdir / "util.py").write_text("def util(): ...\n")
    code = {"serving_entry_point": "deploy-mxnet-coach.py", "serving_source_dir": "serve"}
    dependencies = {"serving_dependencies": ["common", "util.py"]}
    repacking = make_pipeline(**dependencies).node.find_child("Pipeline")
    assert isinstance(repacking, RLPipeline) and repacking.serving.code_in_model_archive
    assert repacking.serving_code is not None
    assert repacking.serving_code.members == (
        "deploy-mxnet-coach.py", "lib/common/sagemaker_rl/__init__.py", "lib/util.py"
    )  # fmt: skip
    from_s3 = make_pipeline(serving_framework_version="1.3", **code, **dependencies).node.find_child("Pipeline")
    assert isinstance(from_s3, RLPipeline) and not from_s3.serving.code_in_model_archive
    assert from_s3.serving_code is not None
    assert from_s3.serving_code.members == ("common/sagemaker_rl/__init__.py", "deploy-mxnet-coach.py", "util.py")


def test_a_construct_that_does_not_repack_refuses_a_custom_image_naming_image_uri(workdir: Path) -> None:
    """RLBatchTransform creates its model without a repack: a job trained on a custom image, which the SDK serves
    from a repacked archive, is refused rather than served another way."""
    from rl_constructs import RLBatchTransform, RLConfigurationError

    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    training = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir="src", instance_type="ml.c5.2xlarge", image_uri=CUSTOM_IMAGE
    )
    with pytest.raises(RLConfigurationError, match=r"^image_uri: a model trained on a custom image") as caught:
        RLBatchTransform(stack, "Transform", training_job=training, instance_type="ml.m5.large", data="s3://b/in/")
    assert "RLPipeline and RLModel do" in str(caught.value)
