"""The evaluation stage and the reward gate of RLPipeline, run in ``rl_constructs.testing.sfn``.

Paths: the gate passes (the model is deployed), the gate fails (``RL.RewardBelowThreshold``, nothing created),
the metric is not reported or the evaluation job fails (``RL.EvaluationFailed``); the evaluation job's request
against botocore's model (``ScriptedSageMaker`` validates every call) and its channel of the trained model.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import RLConfigurationError, RLPipeline, RLTrainingJob
from rl_constructs.core.training.evaluation import Comparison, MetricCondition
from rl_constructs.evaluation import RewardAtLeast, RLEvaluationJob
from rl_constructs.testing.asl import ACCOUNT, REGION
from rl_constructs.testing.sfn import Result, ScriptedSageMaker, run_execution
from tests.cdk_support import ROOT, new_app

SOURCE = ROOT / "examples" / "cartpole_coach"


def jobs(stack: cdk.Stack, **evaluation: Any) -> tuple[RLTrainingJob, RLEvaluationJob]:
    train = RLTrainingJob(
        stack, "Train", entry_point="train-coach.py", source_dir=str(SOURCE), toolkit="coach",
        toolkit_version="0.11.0", framework="tensorflow", instance_type="ml.c5.2xlarge",
    )  # fmt: skip
    evaluate = RLEvaluationJob(
        stack,
        "Evaluate",
        trained=train,
        entry_point="train-coach.py",
        source_dir=str(SOURCE),
        hyperparameters={"evaluate_steps": 2000},
        **evaluation,
    )
    return train, evaluate


@cache
def template(deploy: bool = True, gate: float | None = 150.0) -> dict[str, Any]:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region=REGION))
    train, evaluate = jobs(stack)
    RLPipeline(
        stack,
        "Pipeline",
        training_job=train,
        evaluation_job=evaluate,
        deploy_if=RewardAtLeast("reward-testing", gate) if gate is not None else None,
        deploy_instance_type="ml.m5.large" if deploy else None,
    )
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def run(sm: ScriptedSageMaker, **execution_input: Any) -> Result:
    return run_execution(template(), execution_input, sm, name="run-1")


def scripted(reward: float | None, **evaluation: Any) -> ScriptedSageMaker:
    sm = ScriptedSageMaker()
    sm.script_training_job(final_metrics={"reward-training": 90.0})  # the training job
    metrics = {"reward-testing": reward} if reward is not None else {}
    sm.script_training_job(final_metrics=metrics, **evaluation)  # then the evaluation job
    return sm


def test_the_gate_passes_and_the_trained_model_is_deployed() -> None:
    sm = scripted(187.25)
    result = run(sm)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    train, evaluate = [c.params for c in result.calls if c.operation == "CreateTrainingJob"]
    assert (train["TrainingJobName"], evaluate["TrainingJobName"]) == ("RL-Train-run-1", "RL-Evaluate-run-1")
    # The evaluation job reads the trained model as its "model" channel, with its own hyperparameters.
    trained_model = sm.describe_training_job(TrainingJobName="RL-Train-run-1")["ModelArtifacts"]["S3ModelArtifacts"]
    (channel,) = evaluate["InputDataConfig"]
    assert channel["ChannelName"] == "model"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == trained_model
    assert evaluate["HyperParameters"]["evaluate_steps"] == "2000"
    assert evaluate["HyperParameters"]["sagemaker_job_name"] == json.dumps("RL-Evaluate-run-1")
    assert evaluate["HyperParameters"]["sagemaker_program"] == '"train-coach.py"'
    # The deployed model is the trained job's, not the evaluation job's.
    (model,) = [c.params for c in result.calls if c.operation == "CreateModel"]
    assert model["PrimaryContainer"]["ModelDataUrl"] == trained_model
    assert result.states_entered[:3] == ["Train", "Evaluate", "Reward gate: reward-testing >= 150"]


def test_the_gate_fails_below_the_threshold_and_nothing_is_created() -> None:
    sm = scripted(120.5)
    result = run(sm)
    assert (result.status, result.error) == ("FAILED", "RL.RewardBelowThreshold")
    assert result.cause == (
        "Evaluation job RL-Evaluate-run-1 of training job RL-Train-run-1: reward-testing = 120.5 does not "
        "satisfy reward-testing >= 150; the model was not deployed."
    )
    assert sm.operations() == ["CreateTrainingJob", "DescribeTrainingJob", "DescribeTrainingJob"] * 2
    assert sm.list_models()["Models"] == [] and sm.list_endpoints()["Endpoints"] == []


def test_a_reward_exactly_at_the_threshold_passes() -> None:
    assert run(scripted(150.0)).status == "SUCCEEDED"


def test_an_unreported_metric_ends_as_evaluation_failed() -> None:
    result = run(scripted(None))
    assert (result.status, result.error) == ("FAILED", "RL.EvaluationFailed")
    assert "no final value of reward-testing was reported" in result.cause


def test_a_failed_evaluation_job_ends_as_evaluation_failed() -> None:
    sm = ScriptedSageMaker()
    sm.script_training_job()
    sm.script_training_job(status="Failed", failure_reason="AlgorithmError: checkpoint not found")
    result = run(sm)
    assert (result.status, result.error) == ("FAILED", "RL.EvaluationFailed")
    assert result.cause.startswith("Evaluate failed with States.TaskFailed: ")
    assert "checkpoint not found" in result.cause


def test_the_execution_input_names_the_training_job_only() -> None:
    sm = scripted(200.0)
    result = run(sm, TrainingJobName="RL-Train-exp-7", HyperParameters={"lr": "0.01"})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    train, evaluate = [c.params for c in result.calls if c.operation == "CreateTrainingJob"]
    assert train["TrainingJobName"] == "RL-Train-exp-7" and train["HyperParameters"]["lr"] == "0.01"
    assert evaluate["TrainingJobName"] == "RL-Evaluate-run-1" and "lr" not in evaluate["HyperParameters"]


def test_an_evaluation_without_a_gate_only_records_the_metrics() -> None:
    sm = scripted(3.0)
    result = run_execution(template(deploy=False, gate=None), {}, sm, name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["Evaluation"]["Metrics"] == {"reward-testing": 3.0}
    assert result.output["TrainingJob"]["TrainingJobName"] == "RL-Train-run-1"


def test_the_evaluation_role_reads_the_trained_output_prefix() -> None:
    resources = template()["Resources"]
    (role,) = [name for name in resources if name.startswith("EvaluateSageMakerRole") and "Policy" not in name]
    policy = json.dumps(resources[role]["Properties"]["Policies"])
    assert "ReadInputChannels" in policy and "TrainOutput" in policy


# ---- refused at synth -------------------------------------------------------------------------------------------


def stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "Bad", env=cdk.Environment(account=ACCOUNT, region=REGION))


def test_a_gate_needs_an_evaluation_job() -> None:
    s = stack()
    train, _ = jobs(s)
    with pytest.raises(RLConfigurationError, match="deploy_if: a reward gate reads an evaluation"):
        RLPipeline(s, "P", training_job=train, deploy_if=RewardAtLeast("reward-testing", 1))


def test_the_gate_reads_a_metric_of_the_evaluation_job() -> None:
    s = stack()
    train, evaluate = jobs(s)
    with pytest.raises(RLConfigurationError, match=r"deploy_if.metric_name.*Allowed values: reward-training"):
        RLPipeline(s, "P", training_job=train, evaluation_job=evaluate, deploy_if=RewardAtLeast("score", 1))


def test_the_evaluation_job_evaluates_the_pipelines_training_job() -> None:
    s = stack()
    _, evaluate = jobs(s)
    other = RLTrainingJob(
        s, "Other", entry_point="train-coach.py", source_dir=str(SOURCE), toolkit="coach",
        toolkit_version="0.11.0", framework="tensorflow", instance_type="ml.c5.2xlarge",
    )  # fmt: skip
    with pytest.raises(RLConfigurationError, match="evaluation_job: evaluates Bad/Train"):
        RLPipeline(s, "P", training_job=other, evaluation_job=evaluate)


def test_the_model_channel_is_reserved() -> None:
    with pytest.raises(RLConfigurationError, match=r"inputs\['model'\]"):
        jobs(stack(), inputs={"model": "s3://bucket/other/"})


@pytest.mark.parametrize(
    ("condition", "error"),
    [
        (lambda: RewardAtLeast("reward-testing", float("nan")), ValueError),
        (lambda: RewardAtLeast("reward-testing", "150"), TypeError),
        (lambda: RewardAtLeast("", 1), TypeError),
        (lambda: MetricCondition("loss", "=~", 1), ValueError),
    ],
)
def test_bad_conditions_are_refused(condition: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        condition()


def test_conditions_describe_themselves() -> None:
    assert RewardAtLeast("reward-testing", 150).describe() == "reward-testing >= 150"
    assert MetricCondition("loss", Comparison.LESS_THAN, 0.25).describe() == "loss < 0.25"
