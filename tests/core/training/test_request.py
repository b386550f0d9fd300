"""The CreateTrainingJob renderer: what fit() sends by default, heterogeneous clusters."""

from __future__ import annotations

from rl_constructs.core.training.request import InstanceGroupSpec, TrainingRequestSpec, render_create_training_job

BASE = TrainingRequestSpec(
    training_job_name="j",
    training_image="img",
    role_arn="arn:aws:iam::111122223333:role/r",
    s3_output_path="s3://b/",
    hyperparameters={"a": "1"},
    metric_definitions=[],
    volume_size_in_gb=30,
    max_runtime_in_seconds=86400,
    instance_type="ml.c5.2xlarge",
    instance_count=1,
)


def test_the_request_is_what_fit_sends_by_default() -> None:
    assert render_create_training_job(BASE) == {
        "TrainingJobName": "j",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::111122223333:role/r",
        "OutputDataConfig": {"S3OutputPath": "s3://b/"},
        "ResourceConfig": {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "HyperParameters": {"a": "1"},
    }


def test_heterogeneous_clusters_use_instance_groups() -> None:
    from dataclasses import replace

    spec = replace(
        BASE,
        instance_type=None,
        instance_count=None,
        instance_groups=[
            InstanceGroupSpec("learners", "ml.p3.2xlarge", 1),
            InstanceGroupSpec("actors", "ml.c5.xlarge", 4),
        ],
    )
    assert render_create_training_job(spec)["ResourceConfig"] == {
        "InstanceGroups": [
            {"InstanceGroupName": "learners", "InstanceType": "ml.p3.2xlarge", "InstanceCount": 1},
            {"InstanceGroupName": "actors", "InstanceType": "ml.c5.xlarge", "InstanceCount": 4},
        ],
        "VolumeSizeInGB": 30,
    }
