"""RLPipeline(model_name_prefix=...): what the runs create is named ``<prefix>-<suffix>`` (the SDK's
``Model(name="vw-model-1")``, declared once for every run), the pipeline's role may create and delete only those,
and keep_last, the failure cleanup and the cleanup at cdk destroy follow the prefix. Runs are executed by the
independent interpreter (moto's engine, reference JSONata, a SageMaker that validates every request)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import CategoricalParameter, RLConfigurationError, RLPipeline, RLTrainingJob, RLTuningJob
from rl_constructs.core.contracts import CLEANUP_RESOURCE_TYPE, PIPELINE_TAG_KEY, CleanupProperty
from rl_constructs.testing.asl import ACCOUNT, REGION, definition_of
from rl_constructs.testing.sfn import Result, ScriptedSageMaker, run_execution
from tests.cdk_support import ROOT, assert_clean, new_app, role_statements, synth
from tests.constructs.pipeline_support import coach_job, coach_stack, inventory

PREFIX = "vw-model"
ENDPOINT = "cartpole"
SOURCE = ROOT / "examples" / "cartpole_coach"
TAG = [{"Key": PIPELINE_TAG_KEY, "Value": "RL/Pipeline"}]
SAGEMAKER_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"


def build(app: cdk.App | None = None, **props: Any) -> cdk.Stack:
    stack = coach_stack(app)
    job = coach_job(stack)
    RLPipeline(stack, "Pipeline", training_job=job, deploy_instance_type="ml.m5.large", **props)
    return stack


@cache
def template(**props: Any) -> dict[str, Any]:
    return dict(cdk.assertions.Template.from_stack(build(**props)).to_json())


def per_run(**props: Any) -> dict[str, Any]:
    return template(model_name_prefix=PREFIX, **props)


def stable(**props: Any) -> dict[str, Any]:
    return template(model_name_prefix=PREFIX, endpoint_name=ENDPOINT, **props)


def run(definition: dict[str, Any], sm: ScriptedSageMaker, name: str) -> Result:
    return run_execution(definition, {}, sm, name=name)


def calls_of(result: Result, operation: str) -> list[dict[str, Any]]:
    return [call.params for call in result.calls if call.operation == operation]


def leave(sm: ScriptedSageMaker, name: str, tags: list[dict[str, str]]) -> None:
    """A model and endpoint config made outside this run (an earlier deployment, or another pipeline)."""
    sm.create_model(ModelName=name, ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", Tags=tags)
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": name, "InstanceType": "ml.m5.large"}],
        Tags=tags,
    )


def sagemaker_resources(template: dict[str, Any], role: str) -> set[str]:
    """The SageMaker resources (ARNs with the stack's account and region) the role's statements name."""
    found: set[str] = set()
    for statement in role_statements(template, role):
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        if any(action.startswith("sagemaker:") for action in actions):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            found.update(json.dumps(resource) if not isinstance(resource, str) else resource for resource in resources)
    return found


# ---- the synthesized requests and permissions -----------------------------------------------------------------


def test_the_run_creates_its_model_and_config_named_after_the_prefix() -> None:
    states = definition_of(per_run())["States"]
    assert states["Create model"]["Arguments"]["ModelName"] == "{% $run.name %}"
    config = states["Create endpoint config"]["Arguments"]
    assert config["EndpointConfigName"] == "{% $run.name %}"
    assert config["ProductionVariants"][0]["ModelName"] == "{% $run.name %}"
    assert "$name := 'vw-model-' & " in states["Prepare deployment"]["Assign"]["run"]
    result = run(per_run(), ScriptedSageMaker(), "run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (model,) = calls_of(result, "CreateModel")
    (config_call,) = calls_of(result, "CreateEndpointConfig")
    (endpoint,) = calls_of(result, "CreateEndpoint")
    assert model["ModelName"] == config_call["EndpointConfigName"] == "vw-model-run-1"
    assert config_call["ProductionVariants"][0]["ModelName"] == "vw-model-run-1"
    assert endpoint == {"EndpointName": "vw-model-run-1", "EndpointConfigName": "vw-model-run-1", "Tags": TAG}
    assert result.output == {
        "TrainingJobName": "RL-Train-run-1",
        "ModelDataUrl": result.output["ModelDataUrl"],
        "EndpointName": "vw-model-run-1",
        "EndpointConfigName": "vw-model-run-1",
        "ModelName": "vw-model-run-1",
    }


@pytest.mark.parametrize("endpoint", [None, ENDPOINT], ids=["per-run", "stable"])
def test_the_pipeline_role_may_touch_only_models_and_configs_of_the_prefix(endpoint: str | None) -> None:
    deployed = stable() if endpoint else per_run()
    resources = sagemaker_resources(deployed, "PipelineStateMachineRole")
    endpoints = {f"{SAGEMAKER_ARN}:endpoint/{endpoint}"} if endpoint else {f"{SAGEMAKER_ARN}:endpoint/vw-model-*"}
    assert resources == {
        f"{SAGEMAKER_ARN}:training-job/RL-Train-*",
        f"{SAGEMAKER_ARN}:training-job/rl-train-*",
        f"{SAGEMAKER_ARN}:model/vw-model-*",
        f"{SAGEMAKER_ARN}:endpoint-config/vw-model-*",
        *endpoints,
        "*",  # ListEndpointConfigs has no resource type
    }
    create = [
        s
        for s in role_statements(deployed, "PipelineStateMachineRole")
        if "sagemaker:CreateModel" in s["Action"] or "sagemaker:DeleteModel" in s["Action"]
    ]
    assert create and all("*" not in s["Resource"] for s in create)
    # Without the prefix, the same role is scoped to the training job family (as before).
    default = sagemaker_resources(template(), "PipelineStateMachineRole")
    assert {f"{SAGEMAKER_ARN}:model/RL-Train-*", f"{SAGEMAKER_ARN}:endpoint-config/RL-Train-*"} <= default
    assert not any("vw-model" in resource for resource in default)


def test_the_cleanup_at_destroy_finds_and_may_delete_what_is_named_after_the_prefix() -> None:
    deployed = per_run()
    (cleanup,) = [r for r in deployed["Resources"].values() if r["Type"] == CLEANUP_RESOURCE_TYPE]
    assert cleanup["Properties"][CleanupProperty.NAME_PREFIXES] == ["vw-model-"]
    assert sagemaker_resources(deployed, "RLPipelineResourceCleanupProviderHandlerRole") == {
        f"{SAGEMAKER_ARN}:endpoint/vw-model-*",
        f"{SAGEMAKER_ARN}:endpoint-config/vw-model-*",
        f"{SAGEMAKER_ARN}:model/vw-model-*",
        "*",  # the List calls
    }


def test_a_prefix_too_long_for_the_run_suffix_is_refused_at_synth_naming_it() -> None:
    build(model_name_prefix="m" * 39)
    with pytest.raises(RLConfigurationError) as caught:
        build(model_name_prefix="m" * 40)
    assert caught.value.argument == "model_name_prefix"
    assert "1 to 39 letters, digits and hyphens" in str(caught.value)
    with pytest.raises(RLConfigurationError, match="model_name_prefix: 'vw_model'"):
        build(model_name_prefix="vw_model")


def test_a_stack_with_the_prefix_lints_and_passes_nag() -> None:
    app = new_app()
    build(app, model_name_prefix=PREFIX, endpoint_name=ENDPOINT)
    assert_clean(synth(app), "RL")


def test_a_per_run_stack_with_the_prefix_lints_and_passes_nag() -> None:
    app = new_app()
    build(app, model_name_prefix=PREFIX)
    assert_clean(synth(app), "RL")


# ---- runs -----------------------------------------------------------------------------------------------------


def test_runs_create_prefixed_models_and_keep_last_deletes_only_older_ones_of_the_prefix() -> None:
    sm = ScriptedSageMaker()
    # This pipeline's earlier deployments before it had a prefix, and another pipeline's model of the prefix.
    leave(sm, "RL-Train-run-0", TAG)
    leave(sm, "vw-model-other", [{"Key": PIPELINE_TAG_KEY, "Value": "Other/Pipeline"}])
    definition = stable(keep_last=2)
    for n in (1, 2, 3):
        result = run(definition, sm, f"run-{n}")
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        (model,) = calls_of(result, "CreateModel")
        assert model["ModelName"] == f"vw-model-run-{n}"
    (listing,) = calls_of(result, "ListEndpointConfigs")
    assert listing["NameContains"] == PREFIX
    assert calls_of(result, "DeleteModel") == [{"ModelName": "vw-model-run-1"}]
    kept = ["RL-Train-run-0", "vw-model-other", "vw-model-run-2", "vw-model-run-3"]
    assert inventory(sm) == {"models": kept, "configs": kept, "endpoints": [ENDPOINT]}
    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == "vw-model-run-3"


def test_per_run_endpoints_named_after_the_prefix_are_replaced_by_the_next_run() -> None:
    sm = ScriptedSageMaker()
    for n in (1, 2):
        result = run(per_run(keep_last=1), sm, f"run-{n}")
        assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert inventory(sm) == {
        "models": ["vw-model-run-2"],
        "configs": ["vw-model-run-2"],
        "endpoints": ["vw-model-run-2"],
    }


def test_a_failed_run_deletes_the_prefixed_model_config_and_endpoint_it_created() -> None:
    sm = ScriptedSageMaker()
    sm.script_endpoint("vw-model-run-1", outcome="Failed", failure_reason="ping health check failed")
    result = run(per_run(), sm, "run-1")
    assert (result.status, result.error) == ("FAILED", "RL.EndpointFailed")
    assert result.cause is not None and "vw-model-run-1" in result.cause
    assert calls_of(result, "DeleteModel") == [{"ModelName": "vw-model-run-1"}]
    assert calls_of(result, "DeleteEndpointConfig") == [{"EndpointConfigName": "vw-model-run-1"}]
    assert inventory(sm) == {"models": [], "configs": [], "endpoints": []}


def test_a_refused_update_of_the_stable_endpoint_deletes_only_the_new_prefixed_model_and_config() -> None:
    sm = ScriptedSageMaker()
    assert run(stable(), sm, "run-1").status == "SUCCEEDED"
    sm.script_endpoint(ENDPOINT, outcome="RollingBack", failure_reason="alarm fired")
    result = run(stable(), sm, "run-2")
    assert (result.status, result.error) == ("FAILED", "RL.EndpointUpdateRolledBack")
    kept = ["vw-model-run-1"]
    assert inventory(sm) == {"models": kept, "configs": kept, "endpoints": [ENDPOINT]}


def test_a_tuned_pipeline_names_the_best_jobs_model_after_the_prefix_and_may_create_only_those() -> None:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region=REGION))
    train = RLTrainingJob(
        stack,
        "Train",
        entry_point="train-coach.py",
        source_dir=str(SOURCE),
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="tensorflow",
        instance_type="ml.c5.2xlarge",
        hyperparameters={"preset": "cartpole"},
    )
    tune = RLTuningJob(
        stack,
        "Tune",
        training_job=train,
        hyperparameter_ranges={"preset": CategoricalParameter(["a", "b"])},
        max_jobs=2,
    )
    RLPipeline(
        stack,
        "Pipeline",
        training_job=train,
        tuning_job=tune,
        deploy_instance_type="ml.m5.large",
        model_name_prefix=PREFIX,
    )
    tuned = dict(cdk.assertions.Template.from_stack(stack).to_json())
    sm = ScriptedSageMaker()
    sm.script_tuning_job(best_objective=190.0, training_jobs=2)
    result = run(tuned, sm, "run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (model,) = calls_of(result, "CreateModel")
    assert model["ModelName"] == "vw-model-run-1"
    assert result.output["TrainingJobName"].startswith("RL-Tune-")  # the best training job, named by its tuning job
    resources = sagemaker_resources(tuned, "PipelineStateMachineRole")
    assert f"{SAGEMAKER_ARN}:model/vw-model-*" in resources
    assert not any(":model/RL-" in resource or ":endpoint-config/RL-" in resource for resource in resources)
