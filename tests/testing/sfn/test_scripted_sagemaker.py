"""The scripted SageMaker behaves like the API: botocore's model, the real error texts, the timelines."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from rl_constructs.testing.sfn.scripted_sagemaker import ScriptedSageMaker

MODEL = botocore.session.get_session().get_service_model("sagemaker")
ROLE = "arn:aws:iam::111122223333:role/Hosting"
TRAINING_JOB = {
    "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
    "RoleArn": ROLE,
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out/"},
    "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.c5.2xlarge", "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
}


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def hosted(sm: ScriptedSageMaker, endpoint: str = "ep", config: str = "cfg-1", *, count: int = 1) -> None:
    """A model, a config and an InService endpoint (no calls recorded)."""
    if "m" not in sm._models:
        sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "serve:1"})
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "m",
                "InitialInstanceCount": count,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    if endpoint not in sm._endpoints:
        sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
        while sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] != "InService":
            pass
    sm.reset_calls()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"ModelName": "bad_name", "ExecutionRoleArn": ROLE},
            "1 validation error detected: Value 'bad_name' at 'modelName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?",
        ),
        (
            {"ModelName": "m" * 64, "ExecutionRoleArn": ROLE},
            f"1 validation error detected: Value '{'m' * 64}' at 'modelName' failed to satisfy constraint: Member "
            "must have length less than or equal to 63",
        ),
        ({"ExecutionRoleArn": ROLE}, 'Missing required parameter in input: "ModelName"'),
        ({"ModelName": "m", "Bogus": 1}, 'Unknown parameter in input: "Bogus"'),
        ({"ModelName": "m", "EnableNetworkIsolation": "yes"}, "Invalid type for parameter EnableNetworkIsolation"),
    ],
)
def test_requests_are_validated_against_botocores_model(params: dict[str, Any], message: str) -> None:
    sm = ScriptedSageMaker()
    code, text = error_of(sm.create_model, **params)
    assert code == "ValidationException"
    assert message in text
    assert sm.calls[-1].error == "ValidationException" and not sm._models


def test_enum_and_nested_constraints_are_checked_like_the_api() -> None:
    sm = ScriptedSageMaker()
    code, text = error_of(sm.list_endpoints, SortBy="Newest", MaxResults=101, NameContains="a_b")
    assert code == "ValidationException"
    assert text.startswith("3 validation errors detected: ")
    assert (
        "Value 'Newest' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [Name, " in text
    )
    assert "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100" in text
    assert "Value 'a_b' at 'nameContains' failed to satisfy constraint: Member must satisfy regular expression" in text


def test_each_call_is_checked_against_the_output_model() -> None:
    """Every answer of a full hosting cycle validates against botocore's output shape of its operation."""
    sm = ScriptedSageMaker(training_polls=1, endpoint_polls=1)
    validator = ParamValidator()
    original = sm._call

    def checking(operation: str, params: dict[str, Any], handler: Any) -> Any:
        answer = original(operation, params, handler)
        body = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
        shape = MODEL.operation_model(operation).output_shape
        if shape is None:  # e.g. DeleteEndpoint answers nothing
            assert body == {}, operation
            return answer
        report = validator.validate(body, shape)
        assert not report.has_errors(), (operation, report.generate_report())
        return answer

    sm._call = checking  # type: ignore[method-assign]
    sm.create_training_job(TrainingJobName="job", **TRAINING_JOB)
    for _ in range(3):
        sm.describe_training_job(TrainingJobName="job")
    hosted(sm)
    sm.create_endpoint_config(
        EndpointConfigName="cfg-2",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}
        ],
    )
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="cfg-2",
        DeploymentConfig={"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "a"}]}},
    )
    for _ in range(3):
        sm.describe_endpoint(EndpointName="ep")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 3}]
    )
    for _ in range(2):
        sm.describe_endpoint(EndpointName="ep")
    sm.list_endpoints(SortBy="Status")
    sm.list_models()
    sm.list_endpoint_configs()
    sm.describe_model(ModelName="m")
    sm.describe_endpoint_config(EndpointConfigName="cfg-2")
    job = sm.describe_training_job(TrainingJobName="job")
    assert set(MODEL.operation_model("DescribeTrainingJob").output_shape.required_members) <= set(job)
    sm.add_tags(ResourceArn="arn:aws:sagemaker:us-west-2:111122223333:model/m", Tags=[{"Key": "a", "Value": "b"}])
    sm.list_tags(ResourceArn="arn:aws:sagemaker:us-west-2:111122223333:model/m")
    sm.delete_tags(ResourceArn="arn:aws:sagemaker:us-west-2:111122223333:model/m", TagKeys=["a"])
    sm.delete_endpoint(EndpointName="ep")
    sm.delete_endpoint_config(EndpointConfigName="cfg-2")
    sm.delete_model(ModelName="m")
    assert len(sm.calls) >= 20


def test_a_training_job_is_in_progress_for_its_polls_then_completes_with_artifacts_and_metrics() -> None:
    sm = ScriptedSageMaker()
    sm.script_training_job(polls=2, final_metrics={"reward-training": 195.5})
    arn = sm.create_training_job(TrainingJobName="RL-Train-run-1", **TRAINING_JOB)["TrainingJobArn"]
    assert arn == "arn:aws:sagemaker:us-west-2:111122223333:training-job/rl-train-run-1"  # names lower-cased
    statuses = [sm.describe_training_job(TrainingJobName="RL-Train-run-1") for _ in range(3)]
    assert [s["TrainingJobStatus"] for s in statuses] == ["InProgress", "InProgress", "Completed"]
    done = statuses[-1]
    assert done["ModelArtifacts"] == {"S3ModelArtifacts": "s3://bucket/out/RL-Train-run-1/output/model.tar.gz"}
    assert [(m["MetricName"], m["Value"]) for m in done["FinalMetricDataList"]] == [("reward-training", 195.5)]
    assert done["SecondaryStatus"] == "Completed" and "FailureReason" not in done


def test_a_training_job_can_fail_or_be_stopped() -> None:
    sm = ScriptedSageMaker(training_polls=0)
    sm.script_training_job("bad", status="Failed", failure_reason="AlgorithmError: boom")
    sm.create_training_job(TrainingJobName="bad", **TRAINING_JOB)
    failed = sm.describe_training_job(TrainingJobName="bad")
    assert (failed["TrainingJobStatus"], failed["FailureReason"]) == ("Failed", "AlgorithmError: boom")

    sm.script_training_job("long", polls=5)
    sm.create_training_job(TrainingJobName="long", **TRAINING_JOB)
    assert sm.stop_training_job(TrainingJobName="long")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sm.describe_training_job(TrainingJobName="long")["TrainingJobStatus"] == "Stopped"
    assert error_of(sm.stop_training_job, TrainingJobName="long") == (
        "ValidationException",
        "The request was rejected because the training job is in status Stopped.",
    )


def test_training_job_errors_are_the_apis() -> None:
    sm = ScriptedSageMaker()
    # aws/amazon-sagemaker-operator-for-k8s controllers/clientwrapper: DescribeTrainingJob404 prefix and code.
    assert error_of(sm.describe_training_job, TrainingJobName="nope") == (
        "ValidationException",
        "Requested resource not found.",
    )
    sm.create_training_job(TrainingJobName="job", **TRAINING_JOB)
    with pytest.raises(sm.exceptions.ResourceInUse, match="a training job with this name already exists"):
        sm.create_training_job(TrainingJobName="job", **TRAINING_JOB)


def test_models_and_configs_answer_the_apis_messages() -> None:
    sm = ScriptedSageMaker()
    hosted(sm)
    arn = "arn:aws:sagemaker:us-west-2:111122223333"
    assert error_of(sm.create_model, ModelName="m", ExecutionRoleArn=ROLE) == (
        "ValidationException",
        f'Cannot create already existing model "{arn}:model/m".',
    )
    assert error_of(
        sm.create_endpoint_config,
        EndpointConfigName="cfg-1",
        ProductionVariants=[{"VariantName": "v", "ModelName": "m"}],
    ) == (
        "ValidationException",
        f'Cannot create already existing endpoint configuration "{arn}:endpoint-config/cfg-1".',
    )
    assert error_of(
        sm.create_endpoint_config,
        EndpointConfigName="cfg-2",
        ProductionVariants=[{"VariantName": "v", "ModelName": "gone"}],
    ) == ("ValidationException", f'Could not find model "{arn}:model/gone".')
    assert error_of(sm.describe_model, ModelName="Other") == (
        "ValidationException",
        f'Could not find model "{arn}:model/other".',
    )
    assert error_of(sm.delete_endpoint_config, EndpointConfigName="nope") == (
        "ValidationException",
        f'Could not find endpoint configuration "{arn}:endpoint-config/nope".',
    )


def test_an_endpoint_is_creating_for_its_polls_then_in_service_or_failed() -> None:
    sm = ScriptedSageMaker(endpoint_polls=2)
    hosted(sm, endpoint="warm")
    sm.script_endpoint("ep", polls=1, outcome="Failed", failure_reason="ping health check failed")
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1", Tags=[{"Key": "team", "Value": "rl"}])
    first, second = (sm.describe_endpoint(EndpointName="ep") for _ in range(2))
    assert first["EndpointStatus"] == "Creating" and "ProductionVariants" not in first
    assert (second["EndpointStatus"], second["FailureReason"]) == ("Failed", "ping health check failed")
    arn = "arn:aws:sagemaker:us-west-2:111122223333:endpoint/ep"
    assert error_of(sm.create_endpoint, EndpointName="ep", EndpointConfigName="cfg-1") == (
        "ValidationException",
        f'Cannot create already existing endpoint "{arn}".',
    )
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "rl"}]


def test_update_and_delete_are_refused_while_the_endpoint_is_in_progress() -> None:
    sm = ScriptedSageMaker(endpoint_polls=3)
    hosted(sm)
    sm.create_endpoint_config(
        EndpointConfigName="cfg-2",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
    )
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")
    refusal = (
        "ValidationException",
        'Cannot update in-progress endpoint "arn:aws:sagemaker:us-west-2:111122223333:endpoint/ep".',
    )
    assert error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="cfg-1") == refusal
    assert error_of(sm.delete_endpoint, EndpointName="ep") == refusal
    assert (
        error_of(
            sm.update_endpoint_weights_and_capacities,
            EndpointName="ep",
            DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 2}],
        )
        == refusal
    )
    assert error_of(sm.update_endpoint, EndpointName="nope", EndpointConfigName="cfg-1") == (
        "ValidationException",
        'Could not find endpoint "arn:aws:sagemaker:us-west-2:111122223333:endpoint/nope".',
    )


def test_a_seeded_endpoint_is_being_updated_by_another_run() -> None:
    sm = ScriptedSageMaker()
    hosted(sm, endpoint="other")
    sm.seed_endpoint("ep", "cfg-1", status="Updating", polls=2)
    assert sm.calls == []
    assert [sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] for _ in range(3)] == [
        "Updating",
        "Updating",
        "InService",
    ]


@pytest.mark.parametrize(
    ("retain", "exclude", "expected"),
    [
        (False, [], 1),  # reset to the new config's InitialInstanceCount
        (True, [], 4),  # the autoscaled DesiredInstanceCount is kept
        (True, [{"VariantPropertyType": "DesiredInstanceCount"}], 1),
    ],
)
def test_update_endpoint_retains_or_resets_the_instance_count(
    retain: bool, exclude: list[dict[str, str]], expected: int
) -> None:
    sm = ScriptedSageMaker(endpoint_polls=0)
    hosted(sm, count=2)
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 4}]
    )
    scaled = sm.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]
    assert (scaled["CurrentInstanceCount"], scaled["DesiredInstanceCount"]) == (4, 4)
    sm.create_endpoint_config(
        EndpointConfigName="cfg-2",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
    )
    extra: dict[str, Any] = {"RetainAllVariantProperties": retain}
    if exclude:
        extra["ExcludeRetainedVariantProperties"] = exclude
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2", **extra)
    after = sm.describe_endpoint(EndpointName="ep")
    assert (after["EndpointStatus"], after["EndpointConfigName"]) == ("InService", "cfg-2")
    assert after["ProductionVariants"][0]["DesiredInstanceCount"] == expected


def test_an_update_can_roll_back_or_fail_to_roll_back() -> None:
    sm = ScriptedSageMaker(endpoint_polls=1)
    hosted(sm)
    for config in ("cfg-2", "cfg-3"):
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "m",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
    sm.script_endpoint("ep", outcome="RollingBack", failure_reason="alarm fired")
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="cfg-2",
        DeploymentConfig={"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]}},
    )
    seen = [sm.describe_endpoint(EndpointName="ep") for _ in range(3)]
    assert [s["EndpointStatus"] for s in seen] == ["Updating", "RollingBack", "InService"]
    assert seen[0]["PendingDeploymentSummary"]["EndpointConfigName"] == "cfg-2"
    assert (seen[-1]["EndpointConfigName"], seen[-1]["FailureReason"]) == ("cfg-1", "alarm fired")
    assert seen[-1]["LastDeploymentConfig"] == {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]}}

    sm.script_endpoint("ep", outcome="UpdateRollbackFailed", failure_reason="rollback failed")
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-3")
    statuses = [sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] for _ in range(2)]
    assert statuses == ["Updating", "UpdateRollbackFailed"]
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-3")  # the documented remedy: update again


def test_a_deleted_endpoint_is_deleting_then_gone() -> None:
    sm = ScriptedSageMaker(endpoint_polls=1)
    hosted(sm)
    sm.delete_endpoint(EndpointName="ep")
    assert sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Deleting"
    code, message = error_of(sm.describe_endpoint, EndpointName="ep")
    assert (code, message) == (
        "ValidationException",
        'Could not find endpoint "arn:aws:sagemaker:us-west-2:111122223333:endpoint/ep".',
    )


def test_list_endpoints_pages_ten_newest_first_by_default_as_botocore_documents() -> None:
    shape = MODEL.operation_model("ListEndpoints").input_shape.members
    assert "default is <code>CreationTime</code>" in shape["SortBy"].documentation
    assert "default is <code>Descending</code>" in shape["SortOrder"].documentation
    assert "defaults to 10" in shape["MaxResults"].documentation
    sm = ScriptedSageMaker(endpoint_polls=0)
    hosted(sm, endpoint="ep-00")
    for index in range(1, 12):
        sm.create_endpoint(EndpointName=f"ep-{index:02d}", EndpointConfigName="cfg-1")
    first = sm.list_endpoints()
    assert [e["EndpointName"] for e in first["Endpoints"]] == [f"ep-{i:02d}" for i in range(11, 1, -1)]
    second = sm.list_endpoints(NextToken=first["NextToken"])
    assert [e["EndpointName"] for e in second["Endpoints"]] == ["ep-01", "ep-00"] and "NextToken" not in second
    by_name = sm.list_endpoints(SortBy="Name", SortOrder="Ascending", MaxResults=3, NameContains="ep-1")
    assert [e["EndpointName"] for e in by_name["Endpoints"]] == ["ep-10", "ep-11"]
    creating = sm.list_endpoints(StatusEquals="Creating", MaxResults=100)
    assert len(creating["Endpoints"]) == 11
    modified = sm.describe_endpoint(EndpointName="ep-00")["LastModifiedTime"]
    assert [e["EndpointName"] for e in sm.list_endpoints(LastModifiedTimeBefore=modified)["Endpoints"]] == []
    later = sm.list_endpoints(LastModifiedTimeAfter=modified, MaxResults=100)["Endpoints"]
    assert len(later) == 11 and "ep-00" not in [e["EndpointName"] for e in later]
    assert error_of(sm.list_endpoints, NextToken="garbage")[0] == "ValidationException"


def test_models_and_configs_list_with_the_same_paging() -> None:
    sm = ScriptedSageMaker()
    for index in range(12):
        sm.create_model(ModelName=f"model-{index:02d}", ExecutionRoleArn=ROLE)
    page = sm.list_models(SortOrder="Ascending")
    assert [m["ModelName"] for m in page["Models"]] == [f"model-{i:02d}" for i in range(10)]
    rest = sm.list_models(SortOrder="Ascending", NextToken=page["NextToken"])["Models"]
    assert [m["ModelName"] for m in rest] == ["model-10", "model-11"]
    created = sm.describe_model(ModelName="model-05")["CreationTime"]
    after = sm.list_models(CreationTimeAfter=created, SortOrder="Ascending", MaxResults=100)["Models"]
    assert [m["ModelName"] for m in after] == [f"model-{i:02d}" for i in range(5, 12)]


def test_faults_are_injected_with_the_real_exception_classes_and_every_call_is_recorded() -> None:
    sm = ScriptedSageMaker()
    sm.fail("CreateModel", code="ThrottlingException", times=2)
    sm.fail("CreateEndpointConfig", code="ResourceLimitExceeded")
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            sm.create_model(ModelName="m", ExecutionRoleArn=ROLE)
        assert type(raised.value) is ClientError  # not in SageMaker's model: botocore's plain ClientError
        assert str(raised.value) == (
            "An error occurred (ThrottlingException) when calling the CreateModel operation: Rate exceeded"
        )
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE)
    with pytest.raises(sm.exceptions.ResourceLimitExceeded):
        sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[{"VariantName": "v", "ModelName": "m"}])
    assert [(c.operation, c.error) for c in sm.calls] == [
        ("CreateModel", "ThrottlingException"),
        ("CreateModel", "ThrottlingException"),
        ("CreateModel", None),
        ("CreateEndpointConfig", "ResourceLimitExceeded"),
    ]
    assert sm.calls[2].params == {"ModelName": "m", "ExecutionRoleArn": ROLE}
    with pytest.raises(ValueError, match="not a SageMaker operation"):
        sm.fail("CreateModels")


def test_tags_are_added_listed_and_deleted() -> None:
    sm = ScriptedSageMaker()
    arn = sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, Tags=[{"Key": "a", "Value": "1"}])["ModelArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    code, message = error_of(sm.list_tags, ResourceArn=arn, MaxResults=1)  # the model's minimum is 50
    assert (code, message) == (
        "ValidationException",
        "Invalid value for parameter MaxResults, value: 1, valid min value: 50",
    )
    sm.delete_tags(ResourceArn=arn, TagKeys=["a"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
