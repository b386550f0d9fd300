"""RLPipeline: the state machine's states, their SageMaker requests, runs against a fake SageMaker, IAM, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from botocore.validate import ParamValidator
from syrupy.extensions.json import JSONSnapshotExtension

from rl_constructs import RLConfigurationError, RLPipeline, RLTrainingJob
from rl_constructs.domain import training_images
from rl_constructs.domain.toolkits import RLFramework, RLToolkit
from rl_constructs.pipeline import TRANSIENT_ERRORS
from tests.asl_support import ACCOUNT, Execution, TaskError, definition_of
from tests.cdk_support import assert_clean, new_app, role_statements, stable, synth

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")
TFS_1_11_CPU = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu"
MODEL_DATA = "s3://out/RL-Train-run-1/output/model.tar.gz"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    return tmp_path / "src"


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


class FakeSageMaker:
    """Answers the pipeline's tasks like SageMaker and Step Functions' .sync integration would."""

    def __init__(self, *, endpoint_exists: bool = False, statuses: list[str] | None = None) -> None:
        self.endpoint_exists = endpoint_exists
        self.statuses = list(statuses or ["Creating", "InService"])
        self.config_name = ""
        self.failures: dict[str, list[TaskError]] = {}
        self.failure_reason: str | None = None

    def fail(self, action: str, *errors: TaskError) -> None:
        self.failures[action] = list(errors)

    def __call__(self, action: str, arguments: dict[str, Any]) -> Any:
        if self.failures.get(action):
            raise self.failures[action].pop(0)
        if action == "createTrainingJob.sync":
            name = arguments["TrainingJobName"]
            return {
                "TrainingJobName": name,
                "TrainingJobArn": f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:training-job/{name}",
                "TrainingJobStatus": "Completed",
                "ModelArtifacts": {"S3ModelArtifacts": f"s3://out/{name}/output/model.tar.gz"},
                "HyperParameters": {"big": "x" * 1000},
            }
        if action == "listEndpoints":
            names = [arguments["NameContains"], f"{arguments['NameContains']}-other"] if self.endpoint_exists else []
            return {"Endpoints": [{"EndpointName": n, "EndpointStatus": "InService"} for n in names]}
        if action in ("createEndpoint", "updateEndpoint"):
            self.config_name = arguments["EndpointConfigName"]
            return {"EndpointArn": f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:endpoint/{arguments['EndpointName']}"}
        if action == "describeEndpoint":
            status = self.statuses.pop(0)
            answer = {
                "EndpointName": arguments["EndpointName"],
                "EndpointStatus": status,
                "EndpointConfigName": "previous-config" if status == "InService-rolled-back" else self.config_name,
            }
            if status == "InService-rolled-back":
                answer["EndpointStatus"] = "InService"
            if self.failure_reason:
                answer["FailureReason"] = self.failure_reason
            return answer
        return {}


def validate(action: str, arguments: dict[str, Any]) -> None:
    operation = "CreateTrainingJob" if action == "createTrainingJob.sync" else action[0].upper() + action[1:]
    report = ParamValidator().validate(arguments, SAGEMAKER.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


# ---- the states -------------------------------------------------------------------------------------------


def test_a_stable_endpoint_is_created_or_updated_then_waited_for(src: Path) -> None:
    stack = make_stack()
    pipeline(stack, src, deploy_instance_type="ml.m5.large", endpoint_name="cartpole")
    definition = definition_of(template_of(stack))
    states = definition["States"]
    assert definition["StartAt"] == "Train"
    assert definition["QueryLanguage"] == "JSONata"
    assert states["Train"]["Next"] == "Create model"
    assert states["Create model"]["Next"] == "Create endpoint config"
    assert states["Create endpoint config"]["Next"] == "Find endpoint"
    assert states["Find endpoint"]["Next"] == "Endpoint exists?"
    assert states["Endpoint exists?"]["Choices"][0]["Next"] == "Update endpoint"
    assert states["Endpoint exists?"]["Default"] == "Create endpoint"
    assert states["Create endpoint"]["Next"] == states["Update endpoint"]["Next"] == "Wait for endpoint"
    assert states["Wait for endpoint"] == {"Type": "Wait", "Seconds": 30, "Next": "Describe endpoint"}
    assert states["Describe endpoint"]["Next"] == "Endpoint in service?"
    assert [c["Next"] for c in states["Endpoint in service?"]["Choices"]] == ["Deployed", "Endpoint failed"]
    assert states["Endpoint in service?"]["Default"] == "Wait for endpoint"
    assert states["Endpoint failed"]["Next"] == "Pipeline failed"
    assert states["Pipeline failed"]["Type"] == "Fail"
    assert states["Deployed"]["Type"] == "Succeed"
    for name, state in states.items():
        if state["Type"] == "Task":
            assert state["Retry"][0]["ErrorEquals"] == TRANSIENT_ERRORS, name
            assert "BackoffRate" not in state["Retry"][0], name  # the ASL default, 2
            assert state["Catch"] == [
                {"ErrorEquals": ["States.ALL"], "Next": "Pipeline failed", "Output": state["Catch"][0]["Output"]}
            ], name
            assert f"'FailedStep': '{name}'" in state["Catch"][0]["Output"], name
    sagemaker_tasks = {n: s["Resource"] for n, s in states.items() if s["Type"] == "Task" and n != "Train"}
    assert sagemaker_tasks == {
        "Create model": "arn:aws:states:::aws-sdk:sagemaker:createModel",
        "Create endpoint config": "arn:aws:states:::aws-sdk:sagemaker:createEndpointConfig",
        "Find endpoint": "arn:aws:states:::aws-sdk:sagemaker:listEndpoints",
        "Create endpoint": "arn:aws:states:::aws-sdk:sagemaker:createEndpoint",
        "Update endpoint": "arn:aws:states:::aws-sdk:sagemaker:updateEndpoint",
        "Describe endpoint": "arn:aws:states:::aws-sdk:sagemaker:describeEndpoint",
    }


def test_without_a_stable_name_each_run_creates_an_endpoint_named_after_its_job(src: Path) -> None:
    stack = make_stack()
    pipeline(stack, src, deploy_instance_type="ml.m5.large", poll_interval=cdk.Duration.minutes(1))
    definition = definition_of(template_of(stack))
    assert "Find endpoint" not in definition["States"]
    assert definition["States"]["Create endpoint config"]["Next"] == "Create endpoint"
    assert definition["States"]["Wait for endpoint"]["Seconds"] == 60
    fake = FakeSageMaker()
    run = Execution(definition, fake)
    assert run.run({})[0] == "SUCCEEDED"
    endpoint_calls = [arguments for action, arguments in run.calls if action == "createEndpoint"]
    assert endpoint_calls == [{"EndpointName": "RL-Train-run-1", "EndpointConfigName": "RL-Train-run-1"}]


def test_a_training_only_pipeline_ends_after_training(src: Path) -> None:
    stack = make_stack()
    pipeline(stack, src)
    definition = definition_of(template_of(stack))
    assert sorted(definition["States"]) == ["Pipeline failed", "Train", "Trained"]
    assert definition["States"]["Train"]["Next"] == "Trained"
    assert Execution(definition, FakeSageMaker()).run({})[0] == "SUCCEEDED"


# ---- runs against a fake SageMaker --------------------------------------------------------------------------


def run_pipeline(src: Path, fake: FakeSageMaker, **props: Any) -> tuple[Execution, str, Any]:
    stack = make_stack()
    pipeline(stack, src, deploy_instance_type="ml.m5.large", endpoint_name="cartpole", **props)
    run = Execution(definition_of(template_of(stack)), fake)
    status, output = run.run({"HyperParameters": {"discount": 0.5}})
    for action, arguments in run.calls:
        validate(action, arguments)
    return run, status, output


def test_a_first_run_creates_the_model_config_and_endpoint_with_the_sdk_serving_container(src: Path) -> None:
    run, status, output = run_pipeline(src, FakeSageMaker())
    assert status == "SUCCEEDED"
    assert [action for action, _ in run.calls] == [
        "createTrainingJob.sync",
        "createModel",
        "createEndpointConfig",
        "listEndpoints",
        "createEndpoint",
        "describeEndpoint",
        "describeEndpoint",
    ]
    calls = dict(run.calls)
    model = calls["createModel"]
    assert model["ModelName"] == "RL-Train-run-1"
    assert model["ExecutionRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/PipelineModelRole")
    assert model["PrimaryContainer"] == {
        "Image": TFS_1_11_CPU,
        "ModelDataUrl": MODEL_DATA,
        "Environment": {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
    }
    assert calls["createEndpointConfig"] == {
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
    }
    assert calls["listEndpoints"] == {"NameContains": "cartpole"}
    assert calls["createEndpoint"] == {"EndpointName": "cartpole", "EndpointConfigName": "RL-Train-run-1"}
    assert output["TrainingJob"]["ModelDataUrl"] == MODEL_DATA
    assert output["Endpoint"]["EndpointStatus"] == "InService"
    assert "HyperParameters" in output  # the execution input travels on
    assert "big" not in json.dumps(output), "the training job's whole description is not carried along"


def test_a_later_run_updates_the_existing_endpoint(src: Path) -> None:
    run, status, _ = run_pipeline(src, FakeSageMaker(endpoint_exists=True, statuses=["Updating", "InService"]))
    assert status == "SUCCEEDED"
    assert ("updateEndpoint", {"EndpointName": "cartpole", "EndpointConfigName": "RL-Train-run-1"}) in run.calls
    assert "createEndpoint" not in [action for action, _ in run.calls]


def test_a_failed_endpoint_fails_the_execution_with_its_reason(src: Path) -> None:
    fake = FakeSageMaker(statuses=["Creating", "Failed"])
    fake.failure_reason = "The primary container for production variant AllTraffic did not pass the ping health check."
    _, status, output = run_pipeline(src, fake)
    assert status == "FAILED"
    assert output == {
        "Error": "RL.EndpointFailed",
        "Cause": "Endpoint cartpole failed: Failed: The primary container for production variant AllTraffic did "
        "not pass the ping health check.",
    }


def test_an_update_that_rolled_back_is_a_failure(src: Path) -> None:
    fake = FakeSageMaker(endpoint_exists=True, statuses=["Updating", "InService-rolled-back"])
    _, status, output = run_pipeline(src, fake)
    assert status == "FAILED"
    assert (
        output["Cause"] == "Endpoint cartpole failed: InService: the update rolled back to the previous endpoint config"
    )


def test_a_sagemaker_error_is_caught_into_the_fail_state_naming_the_step(src: Path) -> None:
    fake = FakeSageMaker()
    fake.fail("createModel", TaskError("SageMaker.ResourceLimitExceededException", "model quota reached"))
    run, status, output = run_pipeline(src, fake)
    assert status == "FAILED"
    assert output == {
        "Error": "SageMaker.ResourceLimitExceededException",
        "Cause": "Create model failed: model quota reached",
    }
    assert run.path[-1] == "Pipeline failed"


def test_throttling_is_retried(src: Path) -> None:
    fake = FakeSageMaker()
    throttled = TaskError("SageMaker.AmazonSageMakerException", "Rate exceeded")
    fake.fail("createEndpointConfig", throttled, throttled)
    run, status, _ = run_pipeline(src, fake)
    assert status == "SUCCEEDED"
    assert [action for action, _ in run.calls].count("createEndpointConfig") == 3


def test_a_failed_training_job_fails_the_pipeline_naming_the_training_step(src: Path) -> None:
    fake = FakeSageMaker()
    fake.fail("createTrainingJob.sync", TaskError("States.TaskFailed", "AlgorithmError: reward diverged"))
    run, status, output = run_pipeline(src, fake)
    assert (status, output) == (
        "FAILED",
        {"Error": "States.TaskFailed", "Cause": "Train failed: AlgorithmError: reward diverged"},
    )
    assert [action for action, _ in run.calls] == ["createTrainingJob.sync"]


def test_reserved_hyperparameters_in_the_input_fail_the_run_at_the_training_step(src: Path) -> None:
    stack = make_stack()
    pipeline(stack, src, deploy_instance_type="ml.m5.large")
    status, output = Execution(definition_of(template_of(stack)), FakeSageMaker()).run(
        {"HyperParameters": {"sagemaker_program": "x.py"}}
    )
    assert status == "FAILED"
    assert output["Cause"].startswith("Train failed: ")
    assert "reserved" in output["Cause"]


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
    calls = dict(Execution(definition_of(template_of(stack)), FakeSageMaker()).run_calls({}))
    container = calls["createModel"]["PrimaryContainer"]
    assert container["Image"] == image
    submit = container.get("Environment", {}).get("SAGEMAKER_SUBMIT_DIRECTORY")
    if submit is not None:
        assert submit.startswith(f"s3://cdk-hnb659fds-assets-{ACCOUNT}-us-west-2/") and submit.endswith(".gz")
        environment = {**environment, "SAGEMAKER_SUBMIT_DIRECTORY": submit}
    assert container.get("Environment") == environment
    assert calls["createEndpointConfig"]["ProductionVariants"][0]["InstanceType"] == deploy
    assert created.serving is not None


def test_ray_deploys_with_a_serving_image_or_tensorflow_serving(src: Path) -> None:
    ray_tf = {"toolkit": "ray", "toolkit_version": "0.6.5", "framework": "tensorflow"}
    image = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-ray-policy:1"
    stack = make_stack()
    pipeline(stack, src, ray_tf, deploy_instance_type="ml.m5.large", serving_image_uri=image)
    calls = dict(Execution(definition_of(template_of(stack)), FakeSageMaker()).run_calls({}))
    assert calls["createModel"]["PrimaryContainer"]["Image"] == image
    assert calls["createModel"]["PrimaryContainer"]["Environment"]["SAGEMAKER_PROGRAM"] == "train.py"

    stack = make_stack()
    pipeline(stack, src, ray_tf, deploy_instance_type="ml.m5.large", tensorflow_serving_version="1.12")
    calls = dict(Execution(definition_of(template_of(stack)), FakeSageMaker()).run_calls({}))
    assert calls["createModel"]["PrimaryContainer"] == {
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
    calls = dict(Execution(definition_of(template), FakeSageMaker()).run_calls({}))
    assert calls["createModel"]["PrimaryContainer"]["Image"] == TFS_1_11_CPU


# ---- IAM -----------------------------------------------------------------------------------------------------


def statements_of(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    return role_statements(template, role_prefix)


def test_the_state_machine_may_do_exactly_the_pipeline_calls_on_the_job_family(src: Path) -> None:
    stack = make_stack()
    pipeline(stack, src, deploy_instance_type="ml.m5.large", endpoint_name="cartpole")
    template = template_of(stack)
    statements = statements_of(template, "PipelineStateMachineRole")
    actions: dict[str, Any] = {}
    for statement in statements:
        for action in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
            actions.setdefault(action, []).append(json.dumps(statement["Resource"]))
    sagemaker_actions = sorted(a for a in actions if a.startswith("sagemaker:"))
    assert sagemaker_actions == [
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateModel",
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:ListEndpoints",
        "sagemaker:ListTags",
        "sagemaker:StopTrainingJob",
        "sagemaker:UpdateEndpoint",
    ]
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
            "1 second",
        ),
        (
            {"deploy_instance_type": "ml.m5.large", "tensorflow_serving_version": "1.11"},
            "tensorflow_serving_version",
            "Ray",
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


# ---- the whole stack: metrics, lint, nag, snapshot ---------------------------------------------------------


def test_alarm_ready_metrics(src: Path) -> None:
    stack = make_stack()
    created = pipeline(stack, src)
    failed = created.metric_failed()
    assert (failed.metric_name, failed.namespace, failed.statistic) == ("ExecutionsFailed", "AWS/States", "Sum")
    assert created.metric_succeeded().metric_name == "ExecutionsSucceeded"
    reward = created.training_job.metric("reward-training")
    assert "reward-training" in reward.expression


@pytest.fixture
def json_snapshot(snapshot):  # type: ignore[no-untyped-def]
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("region", ["us-west-2", None], ids=["us-west-2", "agnostic"])
def test_the_pipeline_stack_lints_passes_nag_and_matches_its_snapshot(
    src: Path, region: str | None, json_snapshot: Any
) -> None:
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)
    pipeline(stack, src, deploy_instance_type="ml.m5.large", endpoint_name="cartpole")
    result = synth(app)
    assert stable(assert_clean(result, "RL")) == json_snapshot


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
    run = Execution(definition_of(template), FakeSageMaker())
    calls = dict(run.run_calls({}))
    for action, arguments in run.calls:
        validate(action, arguments)
    config = calls["createEndpointConfig"]
    assert config["KmsKeyId"] == f"arn:aws:iam::{ACCOUNT}:role/Key961B73FD"  # the key's GetAtt Arn, as filled
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
