"""resolve_evaluation_job: the evaluation job's defaults from the trained job, its checks, its request."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.toolkits import RLFramework, RLToolkit
from rl_constructs.core.training.evaluation import (
    EvaluationJobOptions,
    RewardAtLeast,
    TrainedJob,
    check_condition,
    evaluation_request,
    resolve_evaluation_job,
)
from rl_constructs.core.training.request import TrainingInput

MODEL = TrainingInput(s3_data="{% $states.input.TrainingJob.ModelDataUrl %}", s3_data_scope="s3://out/")
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/my-rl:1"


def trained(toolkit: RLToolkit | None = RLToolkit.COACH, resources: Any = None) -> TrainedJob:
    return TrainedJob(
        toolkit=toolkit,
        toolkit_version="0.11.0" if toolkit else None,
        framework=RLFramework.TENSORFLOW if toolkit else None,
        image_uri=IMAGE,
        request={"ResourceConfig": resources or {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1}},
        model_input=MODEL,
    )


def resolve(job: TrainedJob | None = None, model_channel: object = "model", **arguments: Any) -> EvaluationJobOptions:
    return resolve_evaluation_job(model_channel=model_channel, trained=job or trained(), arguments=arguments)


def test_the_trained_jobs_image_instance_type_and_model() -> None:
    options = resolve(hyperparameters={"episodes": 5})
    assert options.model_channel == "model"
    assert dict(options.training_arguments) == {
        "hyperparameters": {"episodes": 5},
        "toolkit": RLToolkit.COACH,
        "toolkit_version": "0.11.0",
        "framework": RLFramework.TENSORFLOW,
        "instance_type": "ml.c5.2xlarge",
        "inputs": {"model": MODEL},
    }
    assert resolve(trained(None)).training_arguments["image_uri"] == IMAGE
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.model_channel = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        options.training_arguments["instance_type"] = "ml.c5.xlarge"  # type: ignore[index]


def test_given_values_win() -> None:
    arguments = resolve(image_uri=IMAGE, instance_type="ml.c5.xlarge", inputs={"env": "s3://d/env/"}).training_arguments
    assert "toolkit" not in arguments and arguments["image_uri"] == IMAGE
    assert arguments["instance_type"] == "ml.c5.xlarge"
    assert arguments["inputs"] == {"env": "s3://d/env/", "model": MODEL}
    assert "instance_type" not in resolve(instance_groups=["group"]).training_arguments
    assert list(resolve(model_channel="policy").training_arguments["inputs"]) == ["policy"]


def test_refusals() -> None:
    with pytest.raises(RLConfigurationError) as caught:
        resolve(trained(resources="{% per run %}"))
    assert caught.value.argument == "instance_type"
    with pytest.raises(RLConfigurationError) as caught:
        resolve(trained(resources={"InstanceGroups": []}))
    assert caught.value.argument == "instance_type"
    with pytest.raises(RLConfigurationError) as caught:
        resolve(inputs={"model": "s3://d/model/"})
    assert caught.value.argument == "inputs['model']"
    with pytest.raises(TypeError, match=r"^model_channel"):
        resolve(model_channel=1)
    with pytest.raises(TypeError, match=r"^inputs"):
        resolve(inputs=["s3://d/x"])


def test_the_request_is_named_and_parameterized_on_its_own() -> None:
    request = {"TrainingJobName": "{% trained %}", "HyperParameters": "{% trained %}", "RoleArn": "role"}
    rendered = evaluation_request(
        request, base_job_name="RL-Eval", hyperparameters={"episodes": "5"}, reserved={"sagemaker_program": '"e.py"'}
    )
    assert list(rendered) == list(request) and rendered["RoleArn"] == "role"
    assert "EvaluationJobName" in rendered["TrainingJobName"] and "RL-Eval-" in rendered["TrainingJobName"]
    assert list(rendered["HyperParameters"]) == ["episodes", "sagemaker_program", "sagemaker_job_name"]
    assert rendered["HyperParameters"]["sagemaker_job_name"].startswith("{% '\"' & ")
    assert request["TrainingJobName"] == "{% trained %}"  # the given request is left as it is


def test_a_condition_reads_a_metric_of_the_evaluation_job() -> None:
    condition = RewardAtLeast("reward-testing", 150)
    assert check_condition(condition, ["reward-training", "reward-testing"]) is condition
    with pytest.raises(RLConfigurationError) as caught:
        check_condition(condition, ["reward-training"])
    assert caught.value.argument == "deploy_if.metric_name" and "reward-training" in str(caught.value)
    with pytest.raises(TypeError, match=r"^gate: expected a MetricCondition"):
        check_condition("reward >= 150", ["reward-testing"], "gate")
