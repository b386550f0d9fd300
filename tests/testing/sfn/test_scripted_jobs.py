"""ScriptedSageMaker's tuning and transform jobs: timelines, answers checked against botocore's output shapes."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from rl_constructs.testing.sfn import ScriptedSageMaker

MODEL = botocore.session.get_session().get_service_model("sagemaker")


def tuning_request(name: str = "tune-1") -> dict:  # type: ignore[type-arg]
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"MetricName": "reward-training", "Type": "Maximize"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "lr", "MinValue": "0.001", "MaxValue": "0.1"}]},
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::111122223333:role/r",
            "OutputDataConfig": {"S3OutputPath": "s3://b/out/"},
            "HyperParameterTuningResourceConfig": {
                "InstanceType": "ml.c5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 30,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }


def output_problems(operation: str, answer: dict) -> bool:  # type: ignore[type-arg]
    shape = MODEL.operation_model(operation).output_shape
    answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    return ParamValidator().validate(answer, shape).has_errors()


def test_a_tuning_job_runs_its_timeline_and_names_its_best_job() -> None:
    sm = ScriptedSageMaker()
    sm.script_tuning_job(polls=2, best_objective=9.5, training_jobs=2)
    sm.create_hyper_parameter_tuning_job(**tuning_request())
    statuses = [sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-1") for _ in range(3)]
    assert [s["HyperParameterTuningJobStatus"] for s in statuses] == ["InProgress", "InProgress", "Completed"]
    best = statuses[-1]["BestTrainingJob"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"] == {"MetricName": "reward-training", "Value": 9.5}
    assert best["TunedHyperParameters"] == {"lr": "0.001"}
    job = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == f"s3://b/out/{best['TrainingJobName']}/output/model.tar.gz"
    assert not output_problems("DescribeHyperParameterTuningJob", statuses[-1])


def test_a_failed_tuning_job_has_no_best_job_and_sagemakers_reason() -> None:
    sm = ScriptedSageMaker()
    sm.script_tuning_job(polls=0, status="Failed", training_jobs=3)
    sm.create_hyper_parameter_tuning_job(**tuning_request())
    answer = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-1")
    assert answer["HyperParameterTuningJobStatus"] == "Failed" and "BestTrainingJob" not in answer
    assert answer["FailureReason"].startswith("No training job succeeded after 3 attempts.")
    assert answer["TrainingJobStatusCounters"]["NonRetryableError"] == 3


def test_requests_are_checked_against_botocore() -> None:
    sm = ScriptedSageMaker()
    bad = tuning_request("x" * 33)
    with pytest.raises(ClientError, match="ValidationException"):
        sm.create_hyper_parameter_tuning_job(**bad)
    with pytest.raises(ClientError, match="ResourceNotFound"):
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="missing")


def test_a_transform_job_needs_its_model_and_follows_its_script() -> None:
    sm = ScriptedSageMaker()
    request = {
        "TransformJobName": "t-1",
        "ModelName": "m-1",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in/"}}},
        "TransformOutput": {"S3OutputPath": "s3://b/out/"},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
    }
    with pytest.raises(ClientError, match="Could not find model"):
        sm.create_transform_job(**request)
    sm.create_model(
        ModelName="m-1", ExecutionRoleArn="arn:aws:iam::111122223333:role/r", PrimaryContainer={"Image": "i:1"}
    )
    sm.script_transform_job(polls=0, status="Failed", failure_reason="ClientError: bad input")
    sm.create_transform_job(**request)
    answer = sm.describe_transform_job(TransformJobName="t-1")
    assert (answer["TransformJobStatus"], answer["FailureReason"]) == ("Failed", "ClientError: bad input")
    assert not output_problems("DescribeTransformJob", answer)
