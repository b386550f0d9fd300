"""RLBatchTransform: the CreateModel/CreateTransformJob requests, runs in the independent interpreter, refusals."""

from __future__ import annotations

import functools
import json
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import RLConfigurationError, RLTrainingJob
from rl_constructs.batch_transform import RLBatchTransform
from rl_constructs.testing.asl import ACCOUNT, REGION, fill
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import ROOT, nag_findings, new_app, role_statements, synth, user_state_machine

SOURCE = ROOT / "examples" / "cartpole_coach"
DATA = "s3://my-data/episodes/"


def app_with(**transform: Any) -> tuple[cdk.App, cdk.Stack]:
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region=REGION))
    train = RLTrainingJob(
        stack, "Train", entry_point="train-coach.py", source_dir=str(SOURCE), toolkit="coach",
        toolkit_version="0.11.0", framework="tensorflow", instance_type="ml.c5.2xlarge",
    )  # fmt: skip
    props = {"instance_type": "ml.m5.xlarge", "data": DATA, **transform}
    score = RLBatchTransform(stack, "Score", training_job=train, **props)
    user_state_machine(stack, train.next(score))
    return app, stack


def template(**transform: Any) -> dict[str, Any]:
    return cdk.assertions.Template.from_stack(app_with(**transform)[1]).to_json()  # type: ignore[no-any-return]


@functools.cache
def default_template() -> dict[str, Any]:
    """:func:`template` with the default transform, synthesized once for the tests that only read or run it."""
    return template()


def calls(sm: ScriptedSageMaker, operation: str) -> list[dict[str, Any]]:
    return [c.params for c in sm.calls if c.operation == operation]


def test_a_run_scores_the_data_with_the_trained_model_and_deletes_the_model() -> None:
    sm = ScriptedSageMaker()
    result = run_execution(default_template(), {}, sm, name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert sm.operations() == [
        "CreateTrainingJob", "DescribeTrainingJob", "DescribeTrainingJob",
        "CreateModel",
        "CreateTransformJob", "DescribeTransformJob", "DescribeTransformJob",
        "DeleteModel",
    ]  # fmt: skip
    trained = sm.describe_training_job(TrainingJobName="RL-Train-run-1")
    (model,) = calls(sm, "CreateModel")
    assert model["ModelName"] == "RL-Score-run-1"
    assert model["PrimaryContainer"]["ModelDataUrl"] == trained["ModelArtifacts"]["S3ModelArtifacts"]
    # The container create_model() chooses: what the SDK's deploy() sent for the same job (its fixture).
    sdk = json.loads((ROOT / "tests" / "fixtures" / "sdk" / "catalog-coach-0.11.0-tensorflow-cpu.json").read_text())
    expected = sdk["deploy"]["CreateModel"]["PrimaryContainer"]
    assert {k: v for k, v in model["PrimaryContainer"].items() if k != "ModelDataUrl"} == {
        k: v for k, v in expected.items() if k != "ModelDataUrl"
    }
    (job,) = calls(sm, "CreateTransformJob")
    output = trained["OutputDataConfig"]["S3OutputPath"]
    assert job == {
        "TransformJobName": "RL-Score-run-1",
        "ModelName": "RL-Score-run-1",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": DATA}}},
        "TransformOutput": {"S3OutputPath": f"{output}transform/RL-Score-run-1"},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
    }
    assert result.output["Transform"] == {
        "TransformJobName": "RL-Score-run-1",
        "TransformJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/rl-score-run-1",
        "TransformJobStatus": "Completed",
        "ModelName": "RL-Score-run-1",
        "S3OutputPath": f"{output}transform/RL-Score-run-1",
        "ModelDeleted": True,
    }
    assert sm.list_models()["Models"] == []


def test_a_failed_transform_ends_as_rl_transform_failed_and_deletes_the_model() -> None:
    sm = ScriptedSageMaker()
    sm.script_transform_job(status="Failed", failure_reason="ClientError: unsupported content type")
    result = run_execution(default_template(), {}, sm, name="run-1")
    assert (result.status, result.error) == ("FAILED", "RL.TransformFailed")
    assert result.cause.startswith("Transform failed with States.TaskFailed: ")
    assert "unsupported content type" in result.cause
    assert sm.operations()[-1] == "DeleteModel" and sm.list_models()["Models"] == []


def test_a_model_sagemaker_refuses_ends_as_rl_transform_failed_after_the_retries() -> None:
    sm = ScriptedSageMaker()
    sm.fail("CreateModel", code="ValidationException", message="Could not access model data", times=10)
    result = run_execution(default_template(), {}, sm, name="run-1")
    assert (result.status, result.error) == ("FAILED", "RL.TransformFailed")
    assert result.cause.startswith("Create model failed with SageMaker.AmazonSageMakerException: ")
    assert sm.operations().count("CreateModel") == 5  # the first call and TRAINING_RETRIES' 4 retries
    assert "CreateTransformJob" not in sm.operations()


def test_a_model_that_cannot_be_deleted_is_reported_not_fatal() -> None:
    sm = ScriptedSageMaker()
    sm.fail("DeleteModel", code="ValidationException", message="Could not find model", times=10)
    result = run_execution(default_template(), {}, sm, name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["Transform"]["ModelDeleted"] is False


def test_every_transform_setting_reaches_the_request() -> None:
    sm = ScriptedSageMaker()
    definition = template(
        output_path="s3://my-results/scores/",
        instance_count=2,
        data_type="ManifestFile",
        content_type="application/jsonlines",
        compression_type="Gzip",
        split_type="Line",
        strategy="MultiRecord",
        assemble_with="Line",
        accept="application/jsonlines",
        max_concurrent_transforms=4,
        max_payload=cdk.Size.mebibytes(20),
        input_filter="$.features",
        output_filter="$['id','SageMakerOutput']",
        join_source="Input",
        environment={"EPISODES": "100"},
        tags={"team": "rl"},
    )
    result = run_execution(definition, {}, sm, name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (job,) = calls(sm, "CreateTransformJob")
    assert job == {
        "TransformJobName": "RL-Score-run-1",
        "ModelName": "RL-Score-run-1",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": DATA}},
            "ContentType": "application/jsonlines",
            "CompressionType": "Gzip",
            "SplitType": "Line",
        },
        "TransformOutput": {
            "S3OutputPath": "s3://my-results/scores/",
            "Accept": "application/jsonlines",
            "AssembleWith": "Line",
        },
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
        "BatchStrategy": "MultiRecord",
        "MaxConcurrentTransforms": 4,
        "MaxPayloadInMB": 20,
        "Environment": {"EPISODES": "100"},
        "DataProcessing": {
            "InputFilter": "$.features",
            "OutputFilter": "$['id','SageMakerOutput']",
            "JoinSource": "Input",
        },
        "Tags": [{"Key": "team", "Value": "rl"}],
    }
    (model,) = calls(sm, "CreateModel")
    assert model["Tags"] == [{"Key": "team", "Value": "rl"}]


def test_the_model_role_reads_the_data_and_writes_the_results_only() -> None:
    stack = app_with(output_path="s3://my-results/scores/")[1]
    tpl = cdk.assertions.Template.from_stack(stack).to_json()
    by_sid = {s.get("Sid"): json.dumps(s) for s in role_statements(tpl, "ScoreModelRole")}
    assert ':s3:::my-data/episodes/*"' in by_sid["ReadTransformInput"]
    assert ':s3:::my-data"' in by_sid["ListTransformInput"]
    assert ':s3:::my-results/scores/*"' in by_sid["WriteTransformOutput"]
    assert '"Action": ["s3:AbortMultipartUpload", "s3:PutObject"]' in by_sid["WriteTransformOutput"]


def test_the_state_machine_role_runs_this_transform_family_only() -> None:
    tpl = default_template()
    statements = [json.loads(fill(json.dumps(s), tpl)) for s in role_statements(tpl, "SMRole")]
    text = json.dumps(statements)
    assert f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/RL-Score-*" in text
    assert f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/RL-Score-*" in text
    assert "rule/StepFunctionsGetEventsForSageMakerTransformJobsRule" in text
    assert "transform-job/*" not in text and "model/*" not in text


def test_nag_is_clean() -> None:
    result = synth(app_with()[0])
    assert nag_findings(result) == [] and nag_findings(result, "warning") == []


@pytest.mark.parametrize(
    ("transform", "argument"),
    [
        ({"instance_type": "ml.t2.medium"}, "instance_type"),
        ({"instance_count": 0}, "instance_count"),
        ({"data": "my-data/episodes"}, "data"),
        ({"output_path": "results/"}, "output_path"),
        ({"strategy": "AllAtOnce"}, "strategy"),
        ({"split_type": "Paragraph"}, "split_type"),
        ({"assemble_with": "Json"}, "assemble_with"),
        ({"join_source": "Output"}, "join_source"),
        ({"data_type": "Folder"}, "data_type"),
        ({"max_payload": cdk.Size.mebibytes(101)}, "max_payload"),
        ({"max_payload": cdk.Size.mebibytes(30), "max_concurrent_transforms": 4}, "max_payload"),
        ({"environment": {f"K{i}": "v" for i in range(17)}}, "environment"),
        ({"base_transform_job_name": "bad_name"}, "base_job_name"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(transform: dict[str, Any], argument: str) -> None:
    with pytest.raises(RLConfigurationError) as raised:
        app_with(**transform)
    assert argument in raised.value.argument


def test_wrong_types_raise_type_error() -> None:
    with pytest.raises(TypeError, match="max_payload"):
        app_with(max_payload=6)
    with pytest.raises(TypeError, match="instance_count"):
        app_with(instance_count="2")


def test_the_transform_instance_metrics_are_a_search_over_the_stages_jobs() -> None:
    _, stack = app_with()
    score = next(child for child in stack.node.children if isinstance(child, RLBatchTransform))
    metric = score.metric_cpu_utilization()
    assert metric.expression == (
        f'SEARCH(\'{{/aws/sagemaker/TransformJobs,Host}} MetricName="CPUUtilization" '
        f"Host=\"{score.base_transform_job_name}-\"', 'Average', 300)"
    )
    with pytest.raises(RLConfigurationError, match="metric_name: 'Invocations' is not a metric of this job"):
        score.metric("Invocations")
