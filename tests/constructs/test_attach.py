"""RLTrainingJob.attach(): the custom resource, its shared provider, deploy(), IAM, errors, and the stack it makes
in both region modes (lint, cdk-nag, resources, the handlers and their grants, the hosting role)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import boto3
import pytest

from rl_constructs import AttachedTrainingJob, RLConfigurationError, RLTrainingJob
from rl_constructs._handler_provider import newest_python_runtime
from rl_constructs.core import Processor, RLFramework, RLToolkit
from rl_constructs.core.serving.container import SERVING_ENVIRONMENT_KEYS, choose_serving
from rl_constructs.handler_code import stage_handler
from rl_constructs.testing.asl import ACCOUNT
from tests.cdk_support import HOSTING_ROLE, Synthesized, assert_clean, new_app, role_statements, sagemaker_role, synth
from tests.lambda_support import staged_handler


def make_stack(region: str | None = "us-west-2") -> cdk.Stack:
    return cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)


def template_of(stack: cdk.Stack) -> dict[str, Any]:
    return cdk.assertions.Template.from_stack(stack).to_json()


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def test_attach_is_a_custom_resource_exposing_the_job_as_attributes() -> None:
    stack = make_stack()
    attached = RLTrainingJob.attach(stack, "Existing", training_job_name="my-rl-job")
    assert isinstance(attached, AttachedTrainingJob)
    template = template_of(stack)
    (resource,) = of_type(template, "Custom::RLAttachedTrainingJob").values()
    assert resource["Properties"]["TrainingJobName"] == "my-rl-job"
    assert "Serving" not in resource["Properties"], "nothing about serving until deploy()"
    assert resource["DeletionPolicy"] == "Delete"
    for attribute, name in [
        (attached.model_data_url, "ModelDataUrl"),
        (attached.training_image, "TrainingImage"),
        (attached.role_arn, "RoleArn"),
        (attached.toolkit, "Toolkit"),
        (attached.toolkit_version, "ToolkitVersion"),
        (attached.framework, "Framework"),
    ]:
        assert stack.resolve(attribute) == {"Fn::GetAtt": ["Existing4CC9759F", name]}


def test_the_handlers_run_the_newest_python_with_only_boto3_and_the_bundled_domain() -> None:
    stack = make_stack()
    RLTrainingJob.attach(stack, "Existing", training_job_name="my-rl-job")
    functions = [
        f["Properties"]
        for f in of_type(template_of(stack), "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("index.")
    ]
    handlers = sorted(f["Handler"] for f in functions if f["Runtime"].startswith("python"))
    assert handlers == ["index.is_complete", "index.on_event"]
    assert {f["Runtime"] for f in functions if f["Handler"] in handlers} == {newest_python_runtime().name}
    # Compared as versions: as strings, "python3.9" >= "python3.14" would hold.
    major, minor = (int(part) for part in newest_python_runtime().name.removeprefix("python").split("."))
    assert (major, minor) >= (3, 14)
    staged = stage_handler("attach_training_job")
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    core = "rl_constructs/core"
    assert files == sorted(
        [
            "index.py",
            "rl_constructs/__init__.py",
            f"{core}/__init__.py",
            *(
                f"{core}/{name}"
                for name in ("aws.py", "contracts.py", "errors.py", "images.py", "images.json", "toolkits.py")
            ),
            f"{core}/serving/__init__.py",
            f"{core}/serving/container.py",
            f"{core}/serving/deploy_repack.py",
        ]
    )
    assert "requirements.txt" not in files


def test_one_provider_serves_every_attached_job_of_the_stack() -> None:
    stack = make_stack()
    RLTrainingJob.attach(stack, "First", training_job_name="job-a")
    RLTrainingJob.attach(stack, "Second", training_job_name="job-b")
    template = template_of(stack)
    resources = of_type(template, "Custom::RLAttachedTrainingJob")
    tokens = {json.dumps(r["Properties"]["ServiceToken"]) for r in resources.values()}
    assert len(resources) == 2 and len(tokens) == 1
    python_functions = [
        f
        for f in of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Runtime"].startswith("python")
    ]
    assert len(python_functions) == 2
    (waiter,) = of_type(template, "AWS::StepFunctions::StateMachine").values()
    definition = "".join(str(part) for part in waiter["Properties"]["DefinitionString"]["Fn::Join"][1])
    assert '"IntervalSeconds":30' in definition and '"MaxAttempts":120' in definition


def test_the_handlers_may_describe_only_the_attached_jobs() -> None:
    stack = make_stack()
    RLTrainingJob.attach(stack, "First", training_job_name="Job-A")
    statements = [s for s in role_statements(template_of(stack)) if s["Action"] == "sagemaker:DescribeTrainingJob"]
    assert len(statements) == 2  # one per handler role
    for statement in statements:
        assert statement["Resource"] == [
            f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:training-job/Job-A",
            f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:training-job/job-a",
        ] or [json.dumps(r) for r in statement["Resource"]] == [
            json.dumps(
                {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, f":sagemaker:us-west-2:{ACCOUNT}:training-job/Job-A"],
                    ]
                }
            ),
            json.dumps(
                {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, f":sagemaker:us-west-2:{ACCOUNT}:training-job/job-a"],
                    ]
                }
            ),
        ]


def test_deploy_serves_the_job_with_the_serving_image_and_environment_it_reads() -> None:
    stack = make_stack()
    attached = RLTrainingJob.attach(stack, "Existing", training_job_name="my-rl-job")
    endpoint = attached.deploy(
        instance_type="ml.g4dn.xlarge", initial_instance_count=2, tensorflow_serving_version="1.12"
    )
    template = template_of(stack)
    (resource,) = of_type(template, "Custom::RLAttachedTrainingJob").values()
    assert resource["Properties"]["Serving"] == {"Processor": "gpu", "TensorflowServingVersion": "1.12"}
    (model,) = of_type(template, "AWS::SageMaker::Model").values()
    container = model["Properties"]["PrimaryContainer"]
    assert container["Image"] == {"Fn::GetAtt": ["Existing4CC9759F", "ServingImage"]}
    assert container["ModelDataUrl"] == {"Fn::GetAtt": ["ExistingRepackB4D7F8BA", "ModelDataUrl"]}

    def switched(attribute: str) -> dict[str, Any]:
        switch = {"Fn::GetAtt": ["Existing4CC9759F", {"EntryPoint": "ServingCodeSwitch"}.get(attribute,
                                                                       "ServingSubmitDirectorySwitch")]}  # fmt: skip
        joined = {"Fn::Join": ["", [switch, {"Fn::GetAtt": ["Existing4CC9759F", attribute]}, "\n"]]}
        return {"Fn::Select": [0, {"Fn::Split": ["\n", joined]}]}

    assert container["Environment"] == {
        "SAGEMAKER_PROGRAM": switched("EntryPoint"),
        "SAGEMAKER_SUBMIT_DIRECTORY": switched("SubmitDirectory"),
        **{
            key: {"Fn::GetAtt": ["Existing4CC9759F", f"ServingEnvironment.{key}"]}
            for key in ("SAGEMAKER_REGION", "SAGEMAKER_CONTAINER_LOG_LEVEL", "SAGEMAKER_TFS_NGINX_LOGLEVEL")
        },
    }
    assert set(container["Environment"]) == set(SERVING_ENVIRONMENT_KEYS)
    (config,) = of_type(template, "AWS::SageMaker::EndpointConfig").values()
    variant = config["Properties"]["ProductionVariants"][0]
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.g4dn.xlarge", 2)
    assert endpoint.model.processor.value == "gpu"
    with pytest.raises(RLConfigurationError) as twice:
        attached.deploy(instance_type="ml.m5.large")
    assert twice.value.argument == "deploy"


@pytest.mark.parametrize(
    ("props", "argument", "message"),
    [
        ({"training_job_name": "bad_name"}, "training_job_name", "bad_name"),
        ({"training_job_name": "a" * 64}, "training_job_name", "63"),
        ({"training_job_name": "ok", "total_timeout": cdk.Duration.hours(2)}, "total_timeout", "1 hour"),
        (
            {
                "training_job_name": "ok",
                "query_interval": cdk.Duration.seconds(7),
                "total_timeout": cdk.Duration.seconds(60),
            },
            "total_timeout",
            "multiple",
        ),
    ],
)
def test_bad_attach_input_is_refused_naming_the_argument(props: dict[str, Any], argument: str, message: str) -> None:
    with pytest.raises(RLConfigurationError) as error:
        RLTrainingJob.attach(make_stack(), "Existing", **props)
    assert error.value.argument == argument
    assert message in str(error.value)


def test_deploy_refuses_a_training_instance_type() -> None:
    attached = RLTrainingJob.attach(make_stack(), "Existing", training_job_name="ok")
    with pytest.raises(RLConfigurationError) as error:
        attached.deploy(instance_type="ml.p4d.bogus")
    assert error.value.argument == "instance_type"


# ---- the template's derived values, evaluated over what the handler answers ---------------------------------


def evaluate(value: Any, data: dict[str, str], logical_id: str) -> Any:
    """CloudFormation's evaluation of the intrinsics the attach construct writes: ``Fn::GetAtt`` of the
    attach resource (from ``data``), ``Ref AWS::Partition``, ``Fn::Join``, ``Fn::Split``, ``Fn::Select``
    (a missing index fails the deployment, so it fails here)."""
    if isinstance(value, list):
        return [evaluate(item, data, logical_id) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1 or not next(iter(value)).startswith(("Fn::", "Ref")):
        return {key: evaluate(item, data, logical_id) for key, item in value.items()}
    ((function, argument),) = value.items()
    if function == "Fn::GetAtt":
        assert argument[0] == logical_id
        return data[argument[1]]
    if function == "Ref":
        return {"AWS::Partition": "aws", "AWS::Region": REGION}[argument]
    if function == "Fn::Join":
        return argument[0].join(evaluate(argument[1], data, logical_id))
    if function == "Fn::Split":
        return evaluate(argument[1], data, logical_id).split(argument[0])
    if function == "Fn::Select":
        items = evaluate(argument[1], data, logical_id)
        assert int(argument[0]) < len(items), f"Fn::Select index {argument[0]} is missing in {items}"
        return items[int(argument[0])]
    raise AssertionError(f"unexpected intrinsic {function}")


REGION = "us-west-2"
SOURCE = "s3://code/job/source/sourcedir.tar.gz"


@cache
def deployed_template() -> dict[str, Any]:
    """``attach("rl-job").deploy(instance_type="ml.m5.large")`` in us-west-2, synthesized once: the template does
    not depend on the job, which the handler reads at deploy time (tests read it, never change it)."""
    stack = make_stack()
    RLTrainingJob.attach(stack, "Existing", training_job_name="rl-job").deploy(instance_type="ml.m5.large")
    return template_of(stack)


@pytest.fixture
def attach_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The staged attach handler, imported as Lambda would, under moto."""
    with staged_handler("attach_training_job", monkeypatch, REGION) as module:
        yield module


@pytest.mark.parametrize(
    ("image", "hyperparameters", "expected_environment", "expected_code_arn"),
    [
        (
            "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3",
            {"sagemaker_program": '"train.py"', "sagemaker_submit_directory": json.dumps(SOURCE)},
            {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
            "arn:aws:s3:::code/job/source/sourcedir.tar.gz",
        ),
        (
            "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-cpu-py3@sha256:" + "a" * 64,
            {"sagemaker_program": '"train.py"', "sagemaker_submit_directory": json.dumps(SOURCE)},
            {
                "SAGEMAKER_PROGRAM": "train.py",
                "SAGEMAKER_SUBMIT_DIRECTORY": SOURCE,
                "SAGEMAKER_REGION": REGION,
                "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
            },
            "arn:aws:s3:::code/job/source/sourcedir.tar.gz",
        ),
        (  # pinned by digest only: a custom image, serving itself from the repacked archive, like the SDK
            f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow@sha256:" + "b" * 64,
            {"sagemaker_program": '"train.py"', "sagemaker_submit_directory": json.dumps(SOURCE)},
            {
                "SAGEMAKER_PROGRAM": "train.py",
                "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                "SAGEMAKER_REGION": REGION,
                "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
            },
            "arn:aws:s3:::code/job/source/sourcedir.tar.gz",
        ),
        (  # a TensorFlow job without training code hyperparameters: no code to read, an ARN matching nothing
            "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3",
            {},
            {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
            "arn:aws:s3:::NO_SUBMIT_DIRECTORY/none",
        ),
    ],
    ids=["tensorflow-serving", "mxnet-tag-and-digest", "digest-only-custom", "no-submit-directory"],
)
def test_the_template_turns_the_handlers_answer_into_the_sdks_container(
    attach_handler: ModuleType,
    image: str,
    hyperparameters: dict[str, str],
    expected_environment: dict[str, str],
    expected_code_arn: str,
) -> None:
    boto3.client("sagemaker", region_name=REGION).create_training_job(
        TrainingJobName="rl-job",
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
        OutputDataConfig={"S3OutputPath": "s3://out/"},
        ResourceConfig={"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters=hyperparameters,
    )
    template = deployed_template()
    (resource,) = of_type(template, "Custom::RLAttachedTrainingJob").values()
    answer = attach_handler.is_complete({"RequestType": "Create", "ResourceProperties": resource["Properties"]})
    data = answer["Data"]
    # the Custom::RLModelRepack's answer (tests/constructs/test_attach_repack.py runs its handler): the model data
    # passed through, or the archive repacked for a container that reads its code from code/ (a custom image)
    repack = data["ServingRepack"] == "true"
    assert repack is (expected_environment.get("SAGEMAKER_SUBMIT_DIRECTORY") == "/opt/ml/model/code")
    model_data = f"s3://out/rl-job/output/{'repacked/0123456789abcdef/' if repack else ''}model.tar.gz"
    template = json.loads(
        json.dumps(template).replace(json.dumps({"Fn::GetAtt": ["ExistingRepackB4D7F8BA", "ModelDataUrl"]}),
                                     json.dumps(model_data))
    )  # fmt: skip
    (model,) = of_type(template, "AWS::SageMaker::Model").values()
    container = evaluate(model["Properties"]["PrimaryContainer"], data, "Existing4CC9759F")
    assert container["Environment"] == {key: expected_environment.get(key, "") for key in SERVING_ENVIRONMENT_KEYS}, (
        "the model's environment is what RLEstimator.create_model() sets ('' for the keys it leaves out)"
    )
    assert container["ModelDataUrl"] == model_data
    assert container["Image"] == data["ServingImage"]
    grants = {
        statement["Sid"]: evaluate(statement["Resource"], data, "Existing4CC9759F")
        for statement in role_statements(template)
        if statement.get("Sid") in {"ReadInferenceCode", "ReadModelData"}
    }
    assert grants["ReadInferenceCode"] == expected_code_arn
    assert grants["ReadModelData"] in (
        model_data.replace("s3://", "arn:aws:s3:::"),
        [model_data.replace("s3://", "arn:aws:s3:::")],
    )


# ---- the stack in both region modes: lint, nag, resources, handlers, grants ------------------------------------


@pytest.fixture(scope="module", params=["us-west-2", None], ids=["us-west-2", "agnostic"])
def attached_stack(request: pytest.FixtureRequest) -> tuple[str | None, Synthesized]:
    """An attached job deployed, and one attached by a parameter's name, synthesized with cdk-nag."""
    region: str | None = request.param
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)
    attached = RLTrainingJob.attach(stack, "Existing", training_job_name="my-rl-job")
    attached.deploy(instance_type="ml.m5.large")
    parameter = cdk.CfnParameter(stack, "JobName", type="String")
    RLTrainingJob.attach(stack, "FromParameter", training_job_name=parameter.value_as_string)
    return region, synth(app)


def arn(region: str | None, service: str, resource: str) -> Any:
    """The ARN of ``resource`` in the stack's account, as the template writes it in each region mode."""
    if region:
        return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"}


def test_attach_and_deploy_lint_and_pass_nag(attached_stack: tuple[str | None, Synthesized]) -> None:
    _, result = attached_stack
    assert_clean(result, "RL")


def test_the_stack_holds_two_attached_jobs_one_provider_and_one_served_model(
    attached_stack: tuple[str | None, Synthesized],
) -> None:
    _, result = attached_stack
    template = result.templates["RL"]
    counts: dict[str, int] = {}
    for resource in template["Resources"].values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    assert counts == {
        "AWS::IAM::ManagedPolicy": 1,  # the hosting roles' common policy
        "AWS::IAM::Policy": 9,  # the hosting role's, two handlers', three provider functions', the waiter's, and the
        # repack provider's two (its handler's, its onEvent's)
        "AWS::IAM::Role": 9,  # hosting, two handlers, three provider functions, the waiter, the repack provider's two
        "AWS::Lambda::Function": 7,  # on_event and is_complete, the provider's onEvent, isComplete, onTimeout, and
        # the repack provider's handler and onEvent
        "AWS::Logs::LogGroup": 6,  # each handler's, the provider's, the waiter's, the repack handler's and provider's
        "AWS::SageMaker::Endpoint": 1,
        "AWS::SageMaker::EndpointConfig": 1,
        "AWS::SageMaker::Model": 1,
        "AWS::StepFunctions::StateMachine": 1,  # the provider's waiter
        "Custom::RLAttachedTrainingJob": 2,
        "Custom::RLModelRepack": 1,  # deploy()'s repack (or pass-through) of the model data
    }
    jobs = of_type(template, "Custom::RLAttachedTrainingJob")
    assert {name: (r["Properties"]["TrainingJobName"], r["Properties"].get("Serving")) for name, r in jobs.items()} == {
        "Existing4CC9759F": ("my-rl-job", {"Processor": "cpu"}),  # deployed on ml.m5.large
        "FromParameterB446F467": ({"Ref": "JobName"}, None),
    }
    assert {(r["DeletionPolicy"], r["UpdateReplacePolicy"]) for r in jobs.values()} == {("Delete", "Delete")}
    # the attach handlers (the repack handler's are in test_attach_repack.py)
    handlers = [f["Properties"] for f in of_type(template, "AWS::Lambda::Function").values()
                if f["Properties"]["Runtime"].startswith("python")
                and "attach" in f["Properties"]["Description"]]  # fmt: skip
    assert sorted((f["Handler"], f["Description"], f["Timeout"], f["MemorySize"]) for f in handlers) == [
        (f"index.{name}", f"rl-constructs: attach to a SageMaker training job (index.{name})", 120, 256)
        for name in ("is_complete", "on_event")
    ]
    logs = of_type(template, "AWS::Logs::LogGroup").values()
    assert [(r["Properties"], r["DeletionPolicy"]) for r in logs] == [({"RetentionInDays": 30}, "Delete")] * 6
    (waiter,) = of_type(template, "AWS::StepFunctions::StateMachine").values()
    logging = waiter["Properties"]["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", False)
    (config,) = of_type(template, "AWS::SageMaker::EndpointConfig").values()
    assert config["Properties"]["ProductionVariants"] == [
        {
            "InitialInstanceCount": 1,
            "InitialVariantWeight": 1,
            "InstanceType": "ml.m5.large",
            "ModelName": {"Fn::GetAtt": ["ExistingModelD8816D94", "ModelName"]},
            "VariantName": "AllTraffic",
        }
    ]
    (endpoint,) = of_type(template, "AWS::SageMaker::Endpoint").values()
    assert endpoint["Properties"] == {
        "EndpointConfigName": {"Fn::GetAtt": ["ExistingEndpointConfigC18560AF", "EndpointConfigName"]}
    }


def test_the_handlers_may_describe_any_job_once_a_name_is_known_only_at_deploy_time(
    attached_stack: tuple[str | None, Synthesized],
) -> None:
    region, result = attached_stack
    template = result.template("RL")
    statements = role_statements(result.templates["RL"], "RLAttachTrainingJobProvider")
    describe = [s for s in statements if s["Action"] == "sagemaker:DescribeTrainingJob"]
    assert [s["Resource"] for s in describe] == [
        [arn(region, "sagemaker", "training-job/*"), arn(region, "sagemaker", "training-job/my-rl-job")]
    ] * 2  # one per handler role
    own_logs = [s for s in statements if s.get("Sid") == "WriteOwnLogs"]
    assert [s["Action"] for s in own_logs] == [["logs:CreateLogStream", "logs:PutLogEvents"]] * 2
    template.resource_properties_count_is(
        "AWS::IAM::Role",
        {"Description": "rl-constructs attach handler: write its logs, describe the attached jobs"},
        2,
    )


def test_the_hosting_role_reads_what_the_handler_answers_and_pulls_an_image_known_at_deploy_time(
    attached_stack: tuple[str | None, Synthesized],
) -> None:
    region, result = attached_stack
    template = result.template("RL")
    template.has_resource_properties(
        "AWS::IAM::Role",
        sagemaker_role(HOSTING_ROLE),
    )
    statements = {s.get("Sid"): s for s in role_statements(result.templates["RL"], "ExistingModelRole")}
    assert list(statements) == ["ReadModelData", "PullServingImage", "ReadInferenceCode", "EcrLogin", "EndpointLogs",
                                "EndpointMetrics"]  # fmt: skip

    def s3_object(value: Any) -> dict[str, Any]:
        after_scheme = {"Fn::Select": [1, {"Fn::Split": ["s3://", value]}]}
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", after_scheme]]}

    attribute = {"Fn::GetAtt": ["Existing4CC9759F", "SubmitDirectory"]}
    assert (statements["ReadModelData"]["Action"], statements["ReadModelData"]["Resource"]) == (
        "s3:GetObject",
        s3_object({"Fn::GetAtt": ["ExistingRepackB4D7F8BA", "ModelDataUrl"]}),  # the repack's answer
    )
    assert (statements["ReadInferenceCode"]["Action"], statements["ReadInferenceCode"]["Resource"]) == (
        "s3:GetObject",
        s3_object({"Fn::Join": ["", [attribute, "s3://NO_SUBMIT_DIRECTORY/none"]]}),
    )
    # The serving image is the handler's answer: any repository, acknowledged in cdk-nag with its reason.
    assert statements["PullServingImage"]["Resource"] == "*"
    assert statements["EndpointLogs"]["Resource"] == arn(region, "logs", "log-group:/aws/sagemaker/Endpoints/*")


@pytest.mark.parametrize(
    ("toolkit", "framework", "version", "image"),
    [
        (RLToolkit.COACH, RLFramework.TENSORFLOW, "1.11", None),
        (RLToolkit.COACH, RLFramework.MXNET, None, None),
        (None, None, None, "public.ecr.aws/x/y:1"),
    ],
)
def test_the_fixed_environment_keys_cover_every_serving_choice(
    toolkit: RLToolkit | None, framework: RLFramework | None, version: str | None, image: str | None
) -> None:
    choice = choose_serving(
        toolkit=toolkit,
        framework=framework,
        framework_version=version,
        processor=Processor.CPU,
        entry_point="train.py",
        submit_directory="s3://b/k.tar.gz",
        region="us-west-2",
        training_image_uri=image,
    )
    assert set(choice.environment) <= set(SERVING_ENVIRONMENT_KEYS)


@pytest.mark.parametrize(
    ("props", "error", "message"),
    [
        ({"query_interval": cdk.Duration.millis(500)}, RLConfigurationError, "query_interval: must be a whole number"),
        ({"query_interval": 5}, TypeError, "query_interval: must be Duration; got int"),
        ({"total_timeout": cdk.Duration.hours(2)}, RLConfigurationError, "total_timeout: a custom resource waits"),
    ],
)
def test_attach_timings_are_checked_naming_the_argument(props: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        RLTrainingJob.attach(cdk.Stack(cdk.App(), "S"), "A", training_job_name="job", **props)


# ---- the model's VPC and network isolation (RLModel's vpc_config_override / enable_network_isolation) -----------


def test_deploy_takes_a_model_vpc_override() -> None:
    from rl_constructs.model_vpc import ModelVpc

    stack = make_stack()
    attached = RLTrainingJob.attach(stack, "Existing", training_job_name="ok")
    attached.deploy(
        instance_type="ml.m5.large",
        vpc_config_override=ModelVpc(subnets=["subnet-1a2b3c4d"], security_group_ids=["sg-1a2b3c4d"]),
        enable_network_isolation=False,
    )
    (model,) = of_type(template_of(stack), "AWS::SageMaker::Model").values()
    assert model["Properties"]["VpcConfig"] == {"SecurityGroupIds": ["sg-1a2b3c4d"], "Subnets": ["subnet-1a2b3c4d"]}
    assert "EnableNetworkIsolation" not in model["Properties"]  # False: not set, as create_model() leaves it


def test_deploy_refuses_network_isolation_it_cannot_serve() -> None:
    attached = RLTrainingJob.attach(make_stack(), "Existing", training_job_name="ok")
    with pytest.raises(RLConfigurationError, match="RLModel") as error:
        attached.deploy(instance_type="ml.m5.large", enable_network_isolation=True)
    assert error.value.argument == "enable_network_isolation"


@pytest.mark.parametrize(("override", "given"), [(False, None), (True, "true")], ids=["not-given", "override"])
def test_deploy_tells_the_handler_whether_the_model_vpc_was_given(override: bool, given: str | None) -> None:
    """The handler refuses to deploy a job trained in a VPC unless the model's VPC was given (it cannot be
    inherited in the template): tests/_lambda/test_attach_training_job.py."""
    from rl_constructs.model_vpc import ModelVpc

    stack = make_stack()
    attached = RLTrainingJob.attach(stack, "Existing", training_job_name="my-rl-job")
    attached.deploy(instance_type="ml.m5.large", vpc_config_override=ModelVpc.none() if override else None)
    (resource,) = of_type(template_of(stack), "Custom::RLAttachedTrainingJob").values()
    assert resource["Properties"]["Serving"].get("ModelVpcGiven") == given
