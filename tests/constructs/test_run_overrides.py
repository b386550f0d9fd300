"""Per-run overrides of RLTrainingJob (spot, instance type and count, max_run) within declared bounds, run in
the independent interpreter: ScriptedSageMaker checks each CreateTrainingJob against botocore's model, and the
refusals come from the same rules as synth (instance types, cpu/gpu image, spot MaxWait >= MaxRuntime)."""

from __future__ import annotations

from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import RLConfigurationError, RLPipeline, RLTrainingJob
from rl_constructs.run_overrides import RunOverrides
from rl_constructs.testing.asl import ACCOUNT, REGION
from rl_constructs.testing.sfn import ScriptedSageMaker, as_definition, run_execution
from rl_constructs.tuning_job import ContinuousParameter, RLTuningJob
from tests.cdk_support import ROOT, new_app

SOURCE = ROOT / "examples" / "cartpole_coach"
ECR = f"520713654638.dkr.ecr.{REGION}.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0"
BOUNDS = RunOverrides(
    instance_types=["ml.p3.2xlarge", "ml.c5.4xlarge"],
    max_instance_count=4,
    max_run=cdk.Duration.hours(12),
    allow_spot=True,
    max_wait=cdk.Duration.hours(24),
)


def job(stack: cdk.Stack, **props: Any) -> RLTrainingJob:
    return RLTrainingJob(
        stack, "Train", entry_point="train-coach.py", source_dir=str(SOURCE), toolkit="coach",
        toolkit_version="0.11.0", framework="tensorflow", instance_type="ml.c5.2xlarge",
        max_run=cdk.Duration.hours(2), **props,
    )  # fmt: skip


def stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region=REGION))


@cache
def template() -> dict[str, Any]:
    s = stack()
    RLPipeline(s, "Pipeline", training_job=job(s, run_overrides=BOUNDS))
    return cdk.assertions.Template.from_stack(s).to_json()  # type: ignore[no-any-return]


def created(overrides: dict[str, Any] | None) -> tuple[Any, dict[str, Any] | None]:
    sm = ScriptedSageMaker()
    result = run_execution(template(), {"Overrides": overrides} if overrides is not None else {}, sm, name="run-1")
    requests = [c.params for c in result.calls if c.operation == "CreateTrainingJob"]
    return result, requests[0] if requests else None


def test_without_overrides_the_synthesized_values_are_sent() -> None:
    result, request = created(None)
    assert result.status == "SUCCEEDED", result.cause
    assert request is not None
    assert request["AlgorithmSpecification"]["TrainingImage"] == f"{ECR}-cpu-py3"
    assert request["ResourceConfig"] == {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200}
    assert request["EnableManagedSpotTraining"] is False


def test_a_run_switches_to_a_gpu_type_and_spot_and_the_image_follows() -> None:
    result, request = created(
        {
            "InstanceType": "ml.p3.2xlarge",
            "InstanceCount": 2,
            "MaxRuntimeInSeconds": 36000,
            "EnableManagedSpotTraining": True,
            "MaxWaitTimeInSeconds": 72000,
        }
    )
    assert result.status == "SUCCEEDED", result.cause
    assert request is not None
    assert request["AlgorithmSpecification"]["TrainingImage"] == f"{ECR}-gpu-py3"
    assert request["ResourceConfig"] == {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 2, "VolumeSizeInGB": 30}
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 36000, "MaxWaitTimeInSeconds": 72000}
    assert request["EnableManagedSpotTraining"] is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"InstanceType": "ml.g5.xlarge"}, "Overrides.InstanceType must be one of: ml.c5.2xlarge, ml.c5.4xlarge"),
        ({"InstanceCount": 5}, "Overrides.InstanceCount must be an integer from 1 to 4"),
        ({"InstanceCount": 1.5}, "Overrides.InstanceCount must be an integer from 1 to 4"),
        ({"MaxRuntimeInSeconds": 43201}, "Overrides.MaxRuntimeInSeconds must be an integer from 1 to 43200"),
        ({"EnableManagedSpotTraining": True}, "Overrides.MaxWaitTimeInSeconds is required to switch spot"),
        (
            {"EnableManagedSpotTraining": True, "MaxWaitTimeInSeconds": 3600},
            "Overrides.MaxWaitTimeInSeconds must be at least MaxRuntimeInSeconds",
        ),
        ({"MaxWaitTimeInSeconds": 7200}, "Overrides.MaxWaitTimeInSeconds only applies with spot training"),
        ({"EnableManagedSpotTraining": "yes"}, "Overrides.EnableManagedSpotTraining must be true or false"),
        ({"VolumeSizeInGB": 100}, "Overrides may set only InstanceType"),
    ],
)
def test_a_bad_override_ends_the_run_as_invalid_input_naming_the_field(overrides: dict[str, Any], message: str) -> None:
    result, request = created(overrides)
    assert (result.status, result.error) == ("FAILED", "RL.InvalidInput")
    assert message in result.cause
    assert request is None  # nothing was started


def test_the_pipeline_timeout_covers_the_longest_run_the_bounds_allow() -> None:
    assert as_definition(template())["TimeoutSeconds"] >= 24 * 3600  # the spot wait bound


def test_a_tuning_job_of_a_job_with_overrides_honours_them() -> None:
    s = stack()
    tune = RLTuningJob(
        s, "Tune", training_job=job(s, run_overrides=BOUNDS),
        hyperparameter_ranges={"lr": ContinuousParameter(0.001, 0.1)}, max_jobs=2,
    )  # fmt: skip
    tune.add_failure_state()
    sm = ScriptedSageMaker()
    from aws_cdk import aws_stepfunctions as sfn

    sfn.StateMachine(s, "SM", definition_body=sfn.DefinitionBody.from_chainable(tune))
    tpl = cdk.assertions.Template.from_stack(s).to_json()
    result = run_execution(tpl, {"Overrides": {"InstanceType": "ml.p3.2xlarge"}}, sm, name="run-1")
    assert result.status == "SUCCEEDED", result.cause
    definition = sm.calls[0].params["TrainingJobDefinition"]
    assert definition["HyperParameterTuningResourceConfig"]["InstanceType"] == "ml.p3.2xlarge"
    assert definition["AlgorithmSpecification"]["TrainingImage"] == f"{ECR}-gpu-py3"


@pytest.mark.parametrize(
    ("overrides", "props", "argument"),
    [
        (RunOverrides(instance_types=["ml.bogus.xlarge"]), {}, "run_overrides.instance_types[0]"),
        (RunOverrides(instance_types=["ml.inf1.xlarge"]), {}, "run_overrides.instance_types[0]"),
        (RunOverrides(max_instance_count=0), {}, "run_overrides.max_instance_count"),
        (RunOverrides(max_run=cdk.Duration.days(29)), {}, "run_overrides.max_run"),
        (RunOverrides(max_run=cdk.Duration.hours(1)), {}, "run_overrides.max_run"),
        (RunOverrides(allow_spot=True), {}, "run_overrides.max_wait"),
        (
            RunOverrides(allow_spot=True, max_run=cdk.Duration.hours(5), max_wait=cdk.Duration.hours(4)),
            {},
            "run_overrides.max_wait",
        ),
        (RunOverrides(max_wait=cdk.Duration.hours(4)), {}, "run_overrides.max_wait"),
    ],
)
def test_bad_bounds_are_refused_at_synth(overrides: RunOverrides, props: dict[str, Any], argument: str) -> None:
    with pytest.raises(RLConfigurationError) as raised:
        job(stack(), run_overrides=overrides, **props)
    assert raised.value.argument == argument


def test_wrong_types_raise_type_error() -> None:
    with pytest.raises(TypeError, match="run_overrides"):
        job(stack(), run_overrides={"allow_spot": True})
    with pytest.raises(TypeError, match=r"run_overrides\.allow_spot"):
        job(stack(), run_overrides=RunOverrides(allow_spot=1))  # type: ignore[arg-type]
