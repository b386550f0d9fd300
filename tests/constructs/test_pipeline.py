"""RLPipeline: the state machine's states, their SageMaker requests, runs against a fake SageMaker, IAM, errors,
and the stack it makes in both region modes (lint, cdk-nag, resources, roles, cleanup, images by mapping or region)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match
from moto.stepfunctions.parser.asl.jsonata.jsonata import extract_jsonata_variable_references

from rl_constructs import RLConfigurationError, RLPipeline, RLTrainingJob
from rl_constructs.core import training_images
from rl_constructs.core.toolkits import RLFramework, RLToolkit
from rl_constructs.testing.asl import ACCOUNT, definition_of
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import HOSTING_ROLE, Synthesized, assert_clean, new_app, role_statements, sagemaker_role, synth

TFS_1_11_CPU = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu"
#: Where the scripted SageMaker puts the first run's model (the output bucket's sample name, as filled).
MODEL_DATA = "s3://sample-trainoutput396878a3/RL-Train-run-1/output/model.tar.gz"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    return tmp_path / "src"


#: The props of the pipeline most tests read: a stable endpoint on one instance.
STABLE: dict[str, Any] = {"deploy_instance_type": "ml.m5.large", "endpoint_name": "cartpole"}


@pytest.fixture(scope="module")
def module_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``src`` folder, once for the module's shared pipelines (same content: same asset hash)."""
    src = tmp_path_factory.mktemp("pipeline") / "src"
    src.mkdir()
    (src / "train.py").write_text("print('train')\n")
    return src


@pytest.fixture(scope="module")
def synthesized(module_src: Path) -> Callable[..., Synthesized]:
    """The pipeline of :func:`pipeline` synthesized with cdk-nag, once per region mode and props (:data:`STABLE`
    or training only): ``synthesized(region="us-west-2", stable=True)``. Tests read the templates, never change them."""

    def of(region: str | None = "us-west-2", stable: bool = True) -> Synthesized:
        return synthesized_once(region, stable)  # positional: one cache entry however the caller spells it

    @cache
    def synthesized_once(region: str | None, stable: bool) -> Synthesized:
        app = new_app()
        stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)
        pipeline(stack, module_src, **(STABLE if stable else {}))
        return synth(app)

    return of


@pytest.fixture(scope="module")
def stable_template(synthesized: Callable[..., Synthesized]) -> dict[str, Any]:
    """The template of the :data:`STABLE` pipeline in us-west-2."""
    return synthesized().templates["RL"]


def make_stack(region: str | None = "us-west-2") -> cdk.Stack:
    env = cdk.Environment(account=ACCOUNT, region=region) if region else None
    return cdk.Stack(new_app(), "RL", env=env)


def pipeline(stack: cdk.Stack, src: Path, job: dict[str, Any] | None = None, **props: Any) -> RLPipeline:
    training = RLTrainingJob(
        stack,
        "Train",
        entry_point="train.py",
        source_dir=str(src),
        **(job or {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}),
        instance_type="ml.c5.2xlarge",
    )
    return RLPipeline(stack, "Pipeline", training_job=training, **props)


def template_of(stack: cdk.Stack) -> dict[str, Any]:
    return cdk.assertions.Template.from_stack(stack).to_json()


def deploy_calls(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Run one execution in the independent interpreter (moto's engine, reference JSONata, a SageMaker that
    validates every request against botocore's model) and return each SageMaker operation's first request."""
    sm = ScriptedSageMaker()
    result = run_execution(template, {}, sm)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    calls: dict[str, dict[str, Any]] = {}
    for call in result.calls:
        calls.setdefault(call.operation, call.params)
    return calls


# ---- the states -------------------------------------------------------------------------------------------


def test_a_stable_endpoint_is_read_then_created_replaced_or_updated_then_waited_for(
    stable_template: dict[str, Any],
) -> None:
    definition = definition_of(stable_template)
    states = definition["States"]
    assert definition["StartAt"] == "Train"
    assert definition["QueryLanguage"] == "JSONata"
    assert states["Train"]["Next"] == "Prepare deployment"
    assert states["Prepare deployment"]["Next"] == "Create model"
    assert states["Create model"]["Next"] == "Create endpoint config"
    assert states["Create endpoint config"]["Next"] == "Read endpoint"
    assert states["Read endpoint"]["Next"] == "Endpoint ready for update?"
    assert [c["Next"] for c in states["Endpoint ready for update?"]["Choices"]] == [
        "Update endpoint",
        "Delete failed endpoint",
        "Endpoint never settled",
    ]
    assert states["Endpoint missing?"]["Choices"][0]["Next"] == "Create endpoint"
    assert states["Create endpoint"]["Next"] == states["Update endpoint"]["Next"] == "Wait for endpoint"
    assert states["Wait for endpoint"] == {"Type": "Wait", "Seconds": 30, "Next": "Check endpoint"}
    assert [c["Next"] for c in states["Endpoint in service?"]["Choices"]] == [
        "Find earlier runs",
        "Endpoint failed",
        "Rollback failed",
        "Update rolled back",
        "Endpoint wait timed out",
    ]
    assert states["Pipeline failed"] == {
        "Type": "Fail",
        "Error": "{% $failure.Error %}",
        "Cause": "{% $failure.Cause %}",
    }
    assert states["Deployed"]["Type"] == "Succeed"
    sagemaker_tasks = {n: s["Resource"].rsplit(":", 1)[-1] for n, s in states.items() if s["Type"] == "Task"}
    assert sagemaker_tasks == {
        "Train": "createTrainingJob.sync",
        "Create model": "createModel",
        "Create endpoint config": "createEndpointConfig",
        "Read endpoint": "describeEndpoint",
        "Create endpoint": "createEndpoint",
        "Update endpoint": "updateEndpoint",
        "Delete failed endpoint": "deleteEndpoint",
        "Check endpoint": "describeEndpoint",
        "Find earlier runs": "listEndpointConfigs",
        "Delete run endpoint": "deleteEndpoint",
        "Read endpoint to delete": "describeEndpoint",
        "Delete run config": "deleteEndpointConfig",
        "Delete run model": "deleteModel",
    }


def test_no_expression_uses_a_bare_dollar_or_raises_a_reserved_error_name(stable_template: dict[str, Any]) -> None:
    definition = definition_of(stable_template)
    expressions = list(_jsonata_strings(definition))
    assert len(expressions) > 50
    for expression in expressions:
        # The interpreter's own rule (LocalStack's, ported to moto): a lone ``$`` or ``$$`` reference is refused.
        extract_jsonata_variable_references(expression)
    assert '"Error": "States.' not in json.dumps(definition)


def _jsonata_strings(value: Any) -> Any:
    if isinstance(value, dict):
        for item in value.values():
            yield from _jsonata_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _jsonata_strings(item)
    elif isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
        yield value[2:-2].strip()


def test_without_a_stable_name_each_run_creates_an_endpoint_named_after_its_job(src: Path) -> None:
    stack = make_stack()
    pipeline(stack, src, deploy_instance_type="ml.m5.large", poll_interval=cdk.Duration.minutes(1))
    template = template_of(stack)
    definition = definition_of(template)
    assert "Read endpoint" not in definition["States"]
    assert definition["States"]["Create endpoint config"]["Next"] == "Create endpoint"
    assert definition["States"]["Wait for endpoint"]["Seconds"] == 60
    assert deploy_calls(template)["CreateEndpoint"] == {
        "EndpointName": "RL-Train-run-1",
        "EndpointConfigName": "RL-Train-run-1",
        "Tags": [{"Key": "rl-constructs:pipeline", "Value": "RL/Pipeline"}],
    }


def test_a_training_only_pipeline_ends_after_training(synthesized: Callable[..., Synthesized]) -> None:
    template = synthesized(stable=False).templates["RL"]
    definition = definition_of(template)
    assert sorted(definition["States"]) == ["Pipeline failed", "Train", "Trained"]
    assert definition["States"]["Train"]["Next"] == "Trained"
    assert run_execution(template, {}, ScriptedSageMaker()).status == "SUCCEEDED"
    assert "Custom::RLPipelineResourceCleanup" not in json.dumps(template)


def test_the_first_run_sends_the_sdk_serving_container_and_deploy_requests(stable_template: dict[str, Any]) -> None:
    calls = deploy_calls(stable_template)
    tags = [{"Key": "rl-constructs:pipeline", "Value": "RL/Pipeline"}]
    model = calls["CreateModel"]
    assert model["ModelName"] == "RL-Train-run-1"
    assert model["ExecutionRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/PipelineModelRole")
    assert model["PrimaryContainer"] == {
        "Image": TFS_1_11_CPU,
        "ModelDataUrl": MODEL_DATA,
        "Environment": {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
    }
    assert model["Tags"] == tags
    assert calls["CreateEndpointConfig"] == {
        "EndpointConfigName": "RL-Train-run-1",
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": "RL-Train-run-1",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": 1,
            }
        ],
        "Tags": tags,
    }
    assert calls["DescribeEndpoint"] == {"EndpointName": "cartpole"}
    assert calls["CreateEndpoint"] == {"EndpointName": "cartpole", "EndpointConfigName": "RL-Train-run-1", "Tags": tags}


def test_a_blue_green_rollout_sends_the_deployment_config_and_may_read_its_alarms(src: Path) -> None:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from rl_constructs import BlueGreenDeployment

    stack = make_stack()
    alarm = cloudwatch.Alarm(
        stack,
        "Errors",
        metric=cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="Invocation5XXErrors"),
        threshold=1,
        evaluation_periods=1,
    )
    pipeline(
        stack,
        src,
        deploy_instance_type="ml.m5.large",
        endpoint_name="cartpole",
        deployment=BlueGreenDeployment.canary(
            percent=10,
            wait_interval=cdk.Duration.minutes(5),
            termination_wait=cdk.Duration.minutes(10),
            maximum_execution_timeout=cdk.Duration.hours(1),
            rollback_alarms=[alarm],
        ),
    )
    template = template_of(stack)
    sm = ScriptedSageMaker()
    assert run_execution(template, {}, sm, name="run-1").status == "SUCCEEDED"
    second = run_execution(template, {}, sm, name="run-2")
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    (update,) = [call.params for call in second.calls if call.operation == "UpdateEndpoint"]
    assert update["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
            },
            "TerminationWaitInSeconds": 600,
            "MaximumExecutionTimeoutInSeconds": 3600,
        },
        "AutoRollbackConfiguration": {
            "Alarms": [{"AlarmName": update["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"][0]["AlarmName"]}]
        },
    }
    assert update["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"][0]["AlarmName"].startswith("sample-errors")
    actions = {
        action
        for s in statements_of(template, "PipelineStateMachineRole")
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "cloudwatch:DescribeAlarms" in actions
    with pytest.raises(RLConfigurationError, match="deployment: a blue/green rollout updates a stable endpoint"):
        pipeline(make_stack(), src, deploy_instance_type="ml.m5.large", deployment=BlueGreenDeployment.all_at_once())
    with pytest.raises(RLConfigurationError, match=r"deployment.percent: must be a whole number from 1 to 100"):
        pipeline(
            make_stack(),
            src,
            deploy_instance_type="ml.m5.large",
            endpoint_name="cartpole",
            deployment=BlueGreenDeployment.linear(percent=101),
        )


def test_a_training_job_starts_one_pipeline_only(src: Path) -> None:
    stack = make_stack()
    first = pipeline(stack, src)
    with pytest.raises(RLConfigurationError, match="training_job: RL/Train already starts the pipeline RL/Pipeline"):
        RLPipeline(stack, "Second", training_job=first.training_job)


# ---- serving container per toolkit, as RLEstimator.create_model() -----------------------------------------


def sdk_serving(toolkit: RLToolkit, framework: RLFramework | None, framework_version: str | None, gpu: bool) -> Any:
    """The SDK's create_model facts (../shared/reference/rlestimator-behaviour.md), written out independently."""
    processor = "gpu" if gpu else "cpu"
    registry = "520713654638.dkr.ecr.us-west-2.amazonaws.com"
    if toolkit is RLToolkit.RAY:
        return "refused: Ray"
    if toolkit is RLToolkit.VW:
        return "refused: Vowpal Wabbit"
    if framework is RLFramework.TENSORFLOW:
        return (
            f"{registry}/sagemaker-tensorflow-serving:{framework_version}-{processor}",
            {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
        )
    assert framework is RLFramework.MXNET
    return (
        f"{registry}/sagemaker-mxnet:1.3-{processor}-py3",
        {
            "SAGEMAKER_PROGRAM": "train.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "<source archive>",
            "SAGEMAKER_REGION": "us-west-2",
            "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        },
    )


ROWS = [
    pytest.param(row, gpu, id=f"{row.label}-{'gpu' if gpu else 'cpu'}")
    for row in training_images()
    for gpu in (False, True)
    if "us-west-2" in row.image.regions
]


@pytest.mark.parametrize(("row", "gpu"), ROWS)
def test_the_serving_container_follows_create_model(src: Path, row: Any, gpu: bool) -> None:
    expected = sdk_serving(row.toolkit, row.framework, row.framework_version, gpu)
    stack = make_stack()
    job = {"toolkit": row.toolkit, "toolkit_version": row.toolkit_version, "framework": row.framework}
    if row.toolkit is RLToolkit.VW:
        job.pop("framework")
    deploy = "ml.g4dn.xlarge" if gpu else "ml.m5.large"
    if isinstance(expected, str):
        with pytest.raises(RLConfigurationError) as refused:
            pipeline(stack, src, job, deploy_instance_type=deploy)
        assert refused.value.argument == "serving_image_uri"
        assert expected.removeprefix("refused: ") in str(refused.value)
        return
    created = pipeline(stack, src, job, deploy_instance_type=deploy)
    image, environment = expected
    calls = deploy_calls(template_of(stack))
    container = calls["CreateModel"]["PrimaryContainer"]
    assert container["Image"] == image
    submit = container.get("Environment", {}).get("SAGEMAKER_SUBMIT_DIRECTORY")
    if submit is not None:
        assert submit.startswith(f"s3://cdk-hnb659fds-assets-{ACCOUNT}-us-west-2/") and submit.endswith(".gz")
        environment = {**environment, "SAGEMAKER_SUBMIT_DIRECTORY": submit}
    assert container.get("Environment") == environment
    assert calls["CreateEndpointConfig"]["ProductionVariants"][0]["InstanceType"] == deploy
    assert created.serving is not None


def test_ray_deploys_with_a_serving_image_or_tensorflow_serving(src: Path) -> None:
    ray_tf = {"toolkit": "ray", "toolkit_version": "0.6.5", "framework": "tensorflow"}
    image = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-ray-policy:1"
    stack = make_stack()
    pipeline(stack, src, ray_tf, deploy_instance_type="ml.m5.large", serving_image_uri=image)
    calls = deploy_calls(template_of(stack))
    assert calls["CreateModel"]["PrimaryContainer"]["Image"] == image
    assert calls["CreateModel"]["PrimaryContainer"]["Environment"]["SAGEMAKER_PROGRAM"] == "train.py"

    stack = make_stack()
    pipeline(stack, src, ray_tf, deploy_instance_type="ml.m5.large", tensorflow_serving_version="1.12")
    calls = deploy_calls(template_of(stack))
    assert calls["CreateModel"]["PrimaryContainer"] == {
        "Image": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.12-cpu",
        "ModelDataUrl": MODEL_DATA,
        "Environment": {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
    }


def test_a_region_agnostic_pipeline_maps_the_serving_image_by_region(src: Path) -> None:
    stack = make_stack(region=None)
    pipeline(stack, src, deploy_instance_type="ml.m5.large")
    template = template_of(stack)
    assert "RLImageSagemakerTensorflowServing111Cpu" in template["Mappings"]
    assert "RLImageSagemakerTensorflowServing111CpuRegion" in template["Rules"]
    calls = deploy_calls(template)
    assert calls["CreateModel"]["PrimaryContainer"]["Image"] == TFS_1_11_CPU


# ---- IAM -----------------------------------------------------------------------------------------------------


def statements_of(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    return role_statements(template, role_prefix)


def test_the_state_machine_may_do_exactly_the_pipeline_calls_on_the_job_family(
    stable_template: dict[str, Any],
) -> None:
    statements = statements_of(stable_template, "PipelineStateMachineRole")
    actions: dict[str, Any] = {}
    for statement in statements:
        for action in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
            actions.setdefault(action, []).append(json.dumps(statement["Resource"]))
    sagemaker_actions = sorted(a for a in actions if a.startswith("sagemaker:"))
    assert sagemaker_actions == [
        "sagemaker:AddTags",
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateModel",
        "sagemaker:CreateTrainingJob",
        "sagemaker:DeleteEndpoint",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:DeleteModel",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:ListEndpointConfigs",
        "sagemaker:ListTags",
        "sagemaker:StopTrainingJob",
        "sagemaker:UpdateEndpoint",
    ]
    assert actions["sagemaker:ListEndpointConfigs"] == ['"*"']
    assert "endpoint/cartpole" in " ".join(actions["sagemaker:CreateEndpoint"])
    assert "endpoint/RL-Train-*" not in " ".join(actions["sagemaker:UpdateEndpoint"])
    assert "model/RL-Train-*" in " ".join(actions["sagemaker:CreateModel"])
    pass_roles = [s for s in statements if s["Action"] == "iam:PassRole"]
    passed = sorted(r["Fn::GetAtt"][0] for s in pass_roles for r in s["Resource"])
    assert [name.rstrip("0123456789ABCDEF") for name in passed] == ["PipelineModelRole", "TrainSageMakerRole"]
    for statement in pass_roles:
        assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_the_hosting_role_reads_the_job_outputs_and_pulls_the_serving_image_only(src: Path) -> None:
    stack = make_stack()
    pipeline(stack, src, deploy_instance_type="ml.m5.large")
    statements = {s["Sid"]: s for s in statements_of(template_of(stack), "PipelineModelRole")}
    assert sorted(statements) == ["EcrLogin", "EndpointLogs", "EndpointMetrics", "PullServingImage", "ReadModelData"]
    assert statements["PullServingImage"]["Resource"] == (
        "arn:aws:ecr:us-west-2:520713654638:repository/sagemaker-tensorflow-serving"
    )


# ---- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "argument", "message"),
    [
        ({"deploy_instance_type": "ml.c5.bogus"}, "deploy_instance_type", "ml.c5."),
        ({"deploy_instance_type": "ml.trn1.2xlarge"}, "deploy_instance_type", ""),
        ({"deploy_instance_type": "ml.m5.large", "initial_instance_count": 0}, "initial_instance_count", "at least 1"),
        ({"deploy_instance_type": "ml.m5.large", "endpoint_name": "bad_name"}, "endpoint_name", "bad_name"),
        ({"deploy_instance_type": "ml.m5.large", "endpoint_name": "a" * 64}, "endpoint_name", "63"),
        ({"endpoint_name": "cartpole"}, "deploy_instance_type", "training-only"),
        (
            {"deploy_instance_type": "ml.m5.large", "poll_interval": cdk.Duration.millis(10)},
            "poll_interval",
            "whole number of seconds",
        ),
        (
            {"deploy_instance_type": "ml.m5.large", "timeout": cdk.Duration.hours(1)},
            "timeout",
            "shorter than the longest run",
        ),
        ({"deploy_instance_type": "ml.m5.large", "keep_last": 0}, "keep_last", "at least 1"),
        (
            {"deploy_instance_type": "ml.m5.large", "endpoint_name": "c", "retain_previous_endpoints": True},
            "retain_previous_endpoints",
            "per-run endpoints",
        ),
        (
            {"deploy_instance_type": "ml.m5.large", "tensorflow_serving_version": "2.5"},
            "tensorflow_serving_version",
            "cannot serve a model trained on tensorflow 1.11",
        ),
        (
            {"deploy_instance_type": "ml.m5.large", "serving_image_uri": "not an image"},
            "serving_image_uri",
            "not an image",
        ),
    ],
)
def test_bad_input_is_refused_at_synth_naming_the_argument(
    src: Path, props: dict[str, Any], argument: str, message: str
) -> None:
    with pytest.raises(RLConfigurationError) as error:
        pipeline(make_stack(), src, **props)
    assert error.value.argument == argument
    assert message in str(error.value)


def test_ray_without_serving_information_is_refused_like_the_sdk(src: Path) -> None:
    with pytest.raises(RLConfigurationError) as error:
        pipeline(
            make_stack(),
            src,
            {"toolkit": "ray", "toolkit_version": "1.6.0", "framework": "pytorch"},
            deploy_instance_type="ml.m5.large",
        )
    assert error.value.argument == "serving_image_uri"
    assert "Ray" in str(error.value)


# ---- the whole stack in both region modes: metrics, lint, nag, resources, roles, cleanup, images ---------------


def test_alarm_ready_metrics(src: Path) -> None:
    stack = make_stack()
    created = pipeline(stack, src)
    failed = created.metric_failed()
    assert (failed.metric_name, failed.namespace, failed.statistic) == ("ExecutionsFailed", "AWS/States", "Sum")
    assert created.metric_succeeded().metric_name == "ExecutionsSucceeded"
    reward = created.training_job.metric("reward-training")
    assert "reward-training" in reward.expression


REGIONS = pytest.mark.parametrize("region", ["us-west-2", None], ids=["us-west-2", "agnostic"])


def arn(region: str | None, service: str, resource: str) -> Any:
    """The ARN of ``resource`` in the stack's account, as the template writes it in each region mode."""
    if region:
        return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"}


def by_sid(template: dict[str, Any], role_prefix: str) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in statements_of(template, role_prefix)}


@REGIONS
def test_the_pipeline_stack_lints_and_passes_nag(synthesized: Callable[..., Synthesized], region: str | None) -> None:
    assert_clean(synthesized(region), "RL")


@REGIONS
def test_the_stack_holds_the_training_job_the_state_machine_its_hosting_role_and_the_cleanup(
    synthesized: Callable[..., Synthesized], region: str | None
) -> None:
    result = synthesized(region)
    resources = result.templates["RL"]["Resources"]
    counts: dict[str, int] = {}
    for resource in resources.values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    assert counts == {
        "AWS::IAM::ManagedPolicy": 2,  # the training jobs' and the hosting roles' common policies
        "AWS::IAM::Policy": 3,  # the state machine's, the cleanup handler's and its provider's
        "AWS::IAM::Role": 5,  # training job, state machine, hosting, cleanup handler, cleanup provider
        "AWS::Lambda::Function": 2,  # the cleanup handler and its provider
        "AWS::Logs::LogGroup": 3,  # the state machine's, the cleanup handler's and its provider's
        "AWS::S3::Bucket": 1,
        "AWS::S3::BucketPolicy": 1,
        "AWS::StepFunctions::StateMachine": 1,
        "Custom::RLPipelineResourceCleanup": 1,
    }
    template = result.template("RL")
    # Every execution is logged (without its data) and traced; the logs go with the stack after 30 days.
    template.has_resource(
        "AWS::StepFunctions::StateMachine",
        {
            "DeletionPolicy": "Delete",
            "Properties": {
                "LoggingConfiguration": {
                    "Destinations": [
                        {
                            "CloudWatchLogsLogGroup": {
                                "LogGroupArn": {"Fn::GetAtt": [Match.string_like_regexp("^PipelineLogs"), "Arn"]}
                            }
                        }
                    ],
                    "IncludeExecutionData": False,
                    "Level": "ALL",
                },
                "RoleArn": {"Fn::GetAtt": [Match.string_like_regexp("^PipelineStateMachineRole"), "Arn"]},
                "TracingConfiguration": {"Enabled": True},
            },
        },
    )
    logs = [r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert [(r["Properties"], r["DeletionPolicy"]) for r in logs] == [({"RetentionInDays": 30}, "Delete")] * 3
    # The runs' models, configs and endpoints are deleted with the stack: the names and the tag of this pipeline.
    template.has_resource(
        "Custom::RLPipelineResourceCleanup",
        {
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "ServiceToken": Match.any_value(),
                "EndpointNames": ["cartpole"],
                "NamePrefixes": ["RL-Train-", "rl-train-"],
                "PipelineTagValue": "RL/Pipeline",
            },
        },
    )
    # The training job is the one of test_training_job.py: its bucket and its role's grants.
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    assert list(by_sid(result.templates["RL"], "TrainSageMakerRole")) == [
        "ReadTrainingCode", "WriteModelArtifacts", "PullTrainingImage",  # its own
        "WriteTrainingLogs", "PublishTrainingMetrics", "AuthenticateToEcr",  # the common policy's
    ]  # fmt: skip


@REGIONS
def test_only_step_functions_of_this_account_assume_the_state_machine_role_for_the_pipelines_calls(
    synthesized: Callable[..., Synthesized], region: str | None
) -> None:
    template = synthesized(region).templates["RL"]
    (role,) = [r for name, r in template["Resources"].items() if name.startswith("PipelineStateMachineRole")
               and r["Type"] == "AWS::IAM::Role"]  # fmt: skip
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    if region:
        assert trust["Condition"] == {
            "ArnLike": {"aws:SourceArn": f"arn:aws:states:{region}:{ACCOUNT}:stateMachine:*"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        }
    else:
        assert trust["Condition"] == {
            "ArnLike": {
                "aws:SourceArn": {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, ":states:", {"Ref": "AWS::Region"}, ":",
                         {"Ref": "AWS::AccountId"}, ":stateMachine:*"],
                    ]
                }
            },
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        }  # fmt: skip
    statements = statements_of(template, "PipelineStateMachineRole")
    resources = [s["Resource"] for s in statements if s["Action"] != "iam:PassRole"]
    assert resources == [
        [arn(region, "sagemaker", "training-job/RL-Train-*"), arn(region, "sagemaker", "training-job/rl-train-*")],
        arn(region, "events", "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"),  # the .sync integration
        [
            arn(region, "sagemaker", "endpoint-config/RL-Train-*"),
            arn(region, "sagemaker", "endpoint-config/rl-train-*"),
            arn(region, "sagemaker", "endpoint/cartpole"),
            arn(region, "sagemaker", "model/RL-Train-*"),
            arn(region, "sagemaker", "model/rl-train-*"),
        ],
        "*",
    ]
    (anywhere,) = [s for s in statements if s["Resource"] == "*"]
    assert anywhere["Action"] == [  # log delivery and X-Ray take no resource; list calls neither
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        "sagemaker:ListEndpointConfigs",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]
    assert statements[2]["Action"] == ["events:DescribeRule", "events:PutRule", "events:PutTargets"]


@REGIONS
def test_the_hosting_role_reads_the_models_of_the_output_bucket_and_shares_the_common_hosting_policy(
    synthesized: Callable[..., Synthesized], region: str | None
) -> None:
    result = synthesized(region)
    template = result.template("RL")
    template.has_resource_properties(
        "AWS::IAM::Role",
        sagemaker_role(HOSTING_ROLE),
    )
    statements = by_sid(result.templates["RL"], "PipelineModelRole")
    assert statements["ReadModelData"]["Action"] == "s3:GetObject"
    (bucket,) = template.find_resources("AWS::S3::Bucket")
    assert statements["ReadModelData"]["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}
    serving = "RLImageSagemakerTensorflowServing111Cpu"
    assert statements["PullServingImage"]["Resource"] == (
        f"arn:aws:ecr:{region}:520713654638:repository/sagemaker-tensorflow-serving"
        if region
        else {"Fn::FindInMap": [serving, {"Ref": "AWS::Region"}, "repository"]}
    )
    (common,) = template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("RL model")}}
    ).values()
    common_statements = {s["Sid"]: s for s in common["Properties"]["PolicyDocument"]["Statement"]}
    assert list(common_statements) == ["EcrLogin", "EndpointLogs", "EndpointMetrics"]
    assert common_statements["EndpointLogs"]["Resource"] == arn(region, "logs", "log-group:/aws/sagemaker/Endpoints/*")
    assert common_statements["EndpointMetrics"]["Condition"] == {
        "StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}
    }


@REGIONS
def test_the_cleanup_handler_lists_anything_and_deletes_only_the_pipelines_names(
    synthesized: Callable[..., Synthesized], region: str | None
) -> None:
    statements = statements_of(synthesized(region).templates["RL"], "RLPipelineResourceCleanupProviderHandlerRole")
    assert [s.get("Sid") for s in statements] == [
        "WriteOwnLogs", "ListPipelineResources", "DeregisterAutoscaling", None, None, None,
    ]  # fmt: skip
    assert [(s["Action"], s["Resource"]) for s in statements[3:]] == [
        (
            ["sagemaker:DeleteEndpoint", "sagemaker:ListTags"],
            [
                arn(region, "sagemaker", "endpoint/RL-Train-*"),
                arn(region, "sagemaker", "endpoint/cartpole"),
                arn(region, "sagemaker", "endpoint/rl-train-*"),
            ],
        ),
        (
            ["sagemaker:DeleteEndpointConfig", "sagemaker:ListTags"],
            [
                arn(region, "sagemaker", "endpoint-config/RL-Train-*"),
                arn(region, "sagemaker", "endpoint-config/rl-train-*"),
            ],
        ),
        (
            ["sagemaker:DeleteModel", "sagemaker:ListTags"],
            [arn(region, "sagemaker", "model/RL-Train-*"), arn(region, "sagemaker", "model/rl-train-*")],
        ),
    ]


@REGIONS
def test_the_images_come_from_mappings_with_region_rules_only_when_the_region_is_unknown(
    synthesized: Callable[..., Synthesized], region: str | None
) -> None:
    template = synthesized(region).templates["RL"]
    training, serving = "RLImageSagemakerRlTensorflowCoach0110CpuPy3", "RLImageSagemakerTensorflowServing111Cpu"
    if region:
        assert "Mappings" not in template and sorted(template["Rules"]) == ["CheckBootstrapVersion"]
        return
    assert sorted(template["Mappings"]) == [training, serving]
    assert template["Mappings"][serving]["eu-west-1"] == {
        "repository": "arn:aws:ecr:eu-west-1:520713654638:repository/sagemaker-tensorflow-serving",
        "uri": "520713654638.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu",
    }
    # Deploying where an image or SageMaker Debugger is missing fails before any resource is made.
    assert sorted(template["Rules"]) == [
        "CheckBootstrapVersion",
        "RLDebuggerRegion",
        f"{training}Region",
        f"{serving}Region",
    ]
    for mapping in (training, serving):
        (assertion,) = template["Rules"][f"{mapping}Region"]["Assertions"]
        assert assertion["Assert"]["Fn::Contains"] == [sorted(template["Mappings"][mapping]), {"Ref": "AWS::Region"}]


def test_endpoint_kms_key_and_data_capture(src: Path) -> None:
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3

    from rl_constructs import DataCapture

    stack = make_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Capture")
    pipeline(
        stack,
        src,
        deploy_instance_type="ml.m5.large",
        endpoint_kms_key=key,
        data_capture=DataCapture(destination=bucket, sampling_percentage=10),
    )
    template = template_of(stack)
    calls = deploy_calls(template)
    config = calls["CreateEndpointConfig"]
    assert config["KmsKeyId"].startswith(f"arn:aws:kms:us-west-2:{ACCOUNT}:key/")  # the key's Arn, as filled
    assert config["DataCaptureConfig"] == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 10,
        "DestinationS3Uri": "s3://sample-capture4f9379e3/data-capture/",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    machine_actions = {
        action
        for s in statements_of(template, "PipelineStateMachineRole")
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"kms:CreateGrant", "kms:DescribeKey"} <= machine_actions
    assert "WriteDataCapture" in {s.get("Sid") for s in statements_of(template, "PipelineModelRole")}
