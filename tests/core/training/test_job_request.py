"""The request of a resolved training job: Debugger as fit() decides it, the options and resources in place."""

from __future__ import annotations

import json
from typing import Any

from rl_constructs.core.training.job_request import (
    DebuggerSettings,
    JobResources,
    debugger_settings,
    reserved_hyperparameters,
    training_request,
)
from rl_constructs.core.training.options import InstanceGroup, TrainingJobOptions, resolve_training_job
from rl_constructs.core.training.request import CODE_CHANNEL_ARCHIVE, DEBUGGER_UNSUPPORTED_REGIONS

TOKEN = "${Token[TOKEN.123]}"
CODE = "s3://code/rl/sourcedir.tar.gz"
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/my-rl:1"
MADE = JobResources(
    training_image=IMAGE,
    role_arn="arn:aws:iam::111122223333:role/r",
    s3_output_path="s3://out/",
    submit_directory=CODE,
    region="us-west-2",
)


def resolve(**overrides: Any) -> TrainingJobOptions:
    arguments: dict[str, Any] = {
        "entry_point": "train.py",
        "source_dir": CODE,
        "toolkit": "coach",
        "toolkit_version": "0.11.0",
        "framework": "tensorflow",
        "instance_type": "ml.c5.2xlarge",
        "name_parts": ("RL", "Train"),
        **overrides,
    }
    return resolve_training_job(**arguments)


def test_debugger_and_profiler_as_fit_decides_them() -> None:
    options = resolve()
    assert debugger_settings(options, "us-west-2") == DebuggerSettings(
        hook=True, profiler=True, needs_region_rule=False
    )
    # The SDK sends neither in the Debugger-less regions.
    assert debugger_settings(options, "me-central-1") == DebuggerSettings(False, False, False)
    opted_out = resolve(debugger_hook_config=False, disable_profiler=True)
    assert debugger_settings(opted_out, "us-west-2") == DebuggerSettings(False, False, False)
    # A region-agnostic stack: both as asked, and a rule where the image reaches a Debugger-less region.
    custom = resolve(toolkit=None, image_uri=IMAGE)
    assert debugger_settings(custom, TOKEN) == DebuggerSettings(True, True, True)
    assert debugger_settings(resolve(toolkit=None, image_uri=TOKEN, disable_profiler=True), TOKEN).profiler is False
    assert debugger_settings(opted_out, TOKEN) == DebuggerSettings(False, False, False)
    assert options.catalog_image is not None
    reaches = any(region in DEBUGGER_UNSUPPORTED_REGIONS for region in options.catalog_image.regions)
    assert debugger_settings(options, TOKEN) == DebuggerSettings(True, True, reaches)


def test_the_reserved_hyperparameters_are_the_sdks_but_the_job_name() -> None:
    reserved = reserved_hyperparameters(resolve(), MADE)
    assert reserved == {
        "sagemaker_program": '"train.py"',
        "sagemaker_submit_directory": json.dumps(CODE),
        "sagemaker_container_log_level": "20",
        "sagemaker_region": '"us-west-2"',
        "sagemaker_s3_output": '"s3://out/"',
        "sagemaker_estimator": '"RLEstimator"',
    }
    isolated = reserved_hyperparameters(resolve(enable_network_isolation=True), MADE)
    assert isolated["sagemaker_submit_directory"] == json.dumps(CODE_CHANNEL_ARCHIVE)


def test_the_request_places_the_options_and_the_resources() -> None:
    options = resolve(tags={"team": "rl"}, enable_network_isolation=True)
    made = JobResources(**{**MADE.__dict__, "subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]})
    request = training_request(options, made, debugger=debugger_settings(options, made.region))
    assert request["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    assert request["RoleArn"] == MADE.role_arn and request["OutputDataConfig"] == {"S3OutputPath": "s3://out/"}
    assert request["ResourceConfig"] == {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    assert request["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["code"]
    assert request["Tags"] == [{"Key": "team", "Value": "rl"}]
    assert request["TrainingJobName"].startswith("{% ") and "RL-Train-" in request["TrainingJobName"]
    assert request["HyperParameters"].startswith("{% ") and "sagemaker_program" in request["HyperParameters"]
    assert request["DebugHookConfig"] == {"S3OutputPath": "s3://out/", "CollectionConfigurations": []}


def test_a_heterogeneous_cluster_is_sent_as_instance_groups() -> None:
    options = resolve(instance_type=None, instance_groups=[InstanceGroup("learner", "ml.c5.4xlarge", 2)])
    request = training_request(options, MADE, debugger=DebuggerSettings(False, False, False))
    assert request["ResourceConfig"] == {
        "InstanceGroups": [{"InstanceGroupName": "learner", "InstanceType": "ml.c5.4xlarge", "InstanceCount": 2}],
        "VolumeSizeInGB": 30,
    }
    assert "DebugHookConfig" not in request and request["ProfilerConfig"] == {"DisableProfiler": True}
