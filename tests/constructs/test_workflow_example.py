"""The workflow example (examples/workflow/workflow_app.py): lint and cdk-nag clean, and its state machines'
paths run in the independent interpreter: the gate passes, the gate fails, tuning succeeds, a tuning job whose
training jobs all failed, a transform that succeeds and one that fails, a run that overrides its instances."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import Synthesized, lint, load_example, nag_findings, new_app, synth

STACK = "RLWorkflowStack"


def load_workflow_app() -> ModuleType:
    module: ModuleType = load_example("workflow/workflow_app.py", "workflow_example_app")
    return module


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth(load_workflow_app().build_app(new_app()))


@pytest.fixture(scope="module")
def template(synthesized: Synthesized) -> dict[str, Any]:
    return synthesized.templates[STACK]


def machine(template: dict[str, Any], prefix: str) -> str:
    (name,) = [
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and name.startswith(prefix)
    ]
    return name


def test_lint_and_nag_are_clean(synthesized: Synthesized, template: dict[str, Any]) -> None:
    assert lint(template) == []
    assert nag_findings(synthesized) == [] and nag_findings(synthesized, "warning") == []


@pytest.mark.parametrize(
    ("reward", "status", "error"), [(162.0, "SUCCEEDED", None), (149.5, "FAILED", "RL.RewardBelowThreshold")]
)
def test_the_gated_pipeline(template: dict[str, Any], reward: float, status: str, error: str | None) -> None:
    sm = ScriptedSageMaker()
    sm.script_training_job()
    sm.script_training_job(final_metrics={"reward-testing": reward, "reward-training": 140.0})
    result = run_execution(template, {}, sm, state_machine=machine(template, "GatedPipeline"))
    assert (result.status, result.error) == (status, error), result.cause
    assert ("CreateModel" in result.operations) is (status == "SUCCEEDED")


@pytest.mark.parametrize(
    ("outcome", "status", "error"), [("Completed", "SUCCEEDED", None), ("Failed", "FAILED", "RL.TuningFailed")]
)
def test_the_tuning_machine(template: dict[str, Any], outcome: Any, status: str, error: str | None) -> None:
    sm = ScriptedSageMaker()
    sm.script_tuning_job(status=outcome, training_jobs=8, best_objective=171.0)
    result = run_execution(template, {}, sm, state_machine=machine(template, "Tuning"))
    assert (result.status, result.error) == (status, error), result.cause
    (request,) = [c.params for c in result.calls if c.operation == "CreateHyperParameterTuningJob"]
    assert request["HyperParameterTuningJobConfig"]["ResourceLimits"] == {
        "MaxParallelTrainingJobs": 2,
        "MaxNumberOfTrainingJobs": 8,
    }
    if status == "SUCCEEDED":
        assert result.output["TuningJob"]["BestTrainingJob"]["ObjectiveValue"] == 171.0


@pytest.mark.parametrize(
    ("outcome", "status", "error"), [("Completed", "SUCCEEDED", None), ("Failed", "FAILED", "RL.TransformFailed")]
)
def test_the_scoring_machine(template: dict[str, Any], outcome: Any, status: str, error: str | None) -> None:
    sm = ScriptedSageMaker()
    sm.script_transform_job(status=outcome)
    result = run_execution(template, {}, sm, state_machine=machine(template, "Scoring"))
    assert (result.status, result.error) == (status, error), result.cause
    assert result.operations[-1] == "DeleteModel" and sm.list_models()["Models"] == []


def test_a_scoring_run_may_train_on_spot_gpus(template: dict[str, Any]) -> None:
    sm = ScriptedSageMaker()
    overrides = {"InstanceType": "ml.p3.2xlarge", "EnableManagedSpotTraining": True, "MaxWaitTimeInSeconds": 172800}
    result = run_execution(template, {"Overrides": overrides}, sm, state_machine=machine(template, "Scoring"))
    assert result.status == "SUCCEEDED", result.cause
    (train,) = [c.params for c in result.calls if c.operation == "CreateTrainingJob"]
    assert train["ResourceConfig"]["InstanceType"] == "ml.p3.2xlarge" and train["EnableManagedSpotTraining"] is True
    assert train["AlgorithmSpecification"]["TrainingImage"].endswith(":coach0.11.0-gpu-py3")


def test_the_template_matches_its_snapshot(template: dict[str, Any], snapshot: Any) -> None:
    from syrupy.extensions.json import JSONSnapshotExtension

    from tests.cdk_support import stable

    assert stable(template) == snapshot.use_extension(JSONSnapshotExtension)
