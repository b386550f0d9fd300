"""attach().deploy()'s deploy-time repack: a ``Custom::RLModelRepack`` fed by the attach resource's attributes.

The container is chosen when the stack deploys, so ``deploy()`` always adds the repack; the attach handler
answers whether the chosen container reads its code from ``code/`` inside ``model.tar.gz`` (``ServingRepack``),
and the repack handler repacks or passes the model data through. The template is evaluated over both handlers'
answers (moto), and the MXNet 1.8 container compared with what sagemaker 2.257.7 sent for
``MXNetModel(framework_version="1.8.0", entry_point="deploy-mxnet-coach.py", source_dir="serve")``
(``tests/fixtures/sdk/deploy-mxnet-1.8-model-serving-code.json``).
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_kms as kms

from rl_constructs import RLTrainingJob
from rl_constructs.testing.asl import ACCOUNT
from tests.cdk_support import ROOT, assert_clean, new_app, role_statements, synth
from tests.constructs.test_attach import evaluate
from tests.lambda_support import one_moto_per_module, staged_handler

REGION = "us-west-2"
ATTACH_ID = "Existing4CC9759F"
COACH_MXNET = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-cpu-py3"
SOURCE = "s3://code/job/source/sourcedir.tar.gz"
MODEL_DATA = "s3://out/rl-job/output/model.tar.gz"
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "sdk" / "deploy-mxnet-1.8-model-serving-code.json").read_text())


def new_stack(app: cdk.App | None = None, region: str | None = REGION) -> cdk.Stack:
    environment = cdk.Environment(account=ACCOUNT, region=region) if region else None
    return cdk.Stack(app or new_app(), "RL", env=environment)


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def only(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    ((name, resource),) = of_type(template, kind).items()
    return name, resource["Properties"]


def get_att(attribute: str, logical_id: str = ATTACH_ID) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


@pytest.fixture
def serve_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The SDK fixture's serving code (serve/deploy-mxnet-coach.py, serve/lib/post.py), the working directory."""
    for relative, text in FIXTURE["serving_files"].items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def deploy_mxnet_18(stack: cdk.Stack, **extra: Any) -> None:
    """``RLEstimator.attach("rl-job").deploy(entry_point=..., source_dir="serve")`` served by MXNet 1.8."""
    RLTrainingJob.attach(stack, "Existing", training_job_name="rl-job").deploy(
        instance_type="ml.m5.large",
        serving_framework_version="1.8.0",
        serving_entry_point="deploy-mxnet-coach.py",
        serving_source_dir="serve",
        **extra,
    )


# ---- the template -------------------------------------------------------------------------------------------


def test_deploy_always_adds_a_repack_fed_by_the_attach_resource_and_serves_its_archive() -> None:
    stack = new_stack()
    RLTrainingJob.attach(stack, "Existing", training_job_name="rl-job").deploy(instance_type="ml.m5.large")
    template = cdk.assertions.Template.from_stack(stack).to_json()

    repack_id, repack = only(template, "Custom::RLModelRepack")
    assert {name: value for name, value in repack.items() if name != "ServiceToken"} == {
        "ModelDataUrl": get_att("ModelDataUrl"),
        "CodeUrl": get_att("SubmitDirectory"),  # the job's code, as the SDK repacks it without serving code
        "DestinationPrefix": {
            "Fn::Join": [
                "",
                [{"Fn::Select": [0, {"Fn::Split": ["model.tar.gz", get_att("ModelDataUrl")]}]}, "repacked/"],
            ]
        },
        "Repack": get_att("ServingRepack"),  # the attach handler's answer: "true" or "false"
    }
    _, model = only(template, "AWS::SageMaker::Model")
    assert model["PrimaryContainer"]["ModelDataUrl"] == get_att("ModelDataUrl", repack_id)
    # the submit directory has its own switch: the job's URI, "" or /opt/ml/model/code
    joined = {"Fn::Join": ["", [get_att("ServingSubmitDirectorySwitch"), get_att("SubmitDirectory"), "\n"]]}
    assert model["PrimaryContainer"]["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == {
        "Fn::Select": [0, {"Fn::Split": ["\n", joined]}]
    }


def test_serving_code_and_the_model_data_key_go_to_the_repack(serve_dir: Path) -> None:
    stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    deploy_mxnet_18(stack, model_data_kms_key=key)
    template = cdk.assertions.Template.from_stack(stack).to_json()

    _, repack = only(template, "Custom::RLModelRepack")
    _, attach = only(template, "Custom::RLAttachedTrainingJob")
    assert repack["CodeUrl"] == attach["Serving"]["ServingSubmitDirectory"]  # the serving code asset
    assert repack["CodeUrl"].startswith("s3://cdk-") and repack["CodeUrl"].endswith(".gz")
    assert repack["KmsKeyId"] == {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}  # type: ignore[arg-type]


def test_the_repack_role_reads_the_model_data_and_code_and_writes_under_repacked_only() -> None:
    stack = new_stack()
    RLTrainingJob.attach(stack, "Existing", training_job_name="rl-job").deploy(instance_type="ml.m5.large")
    template = cdk.assertions.Template.from_stack(stack).to_json()
    repack_id, _ = only(template, "Custom::RLModelRepack")

    def arn_after_scheme(uri: Any, suffix: tuple[str, ...] = ()) -> dict[str, Any]:
        split = {"Fn::Select": [1, {"Fn::Split": ["s3://", uri]}]}
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", split, *suffix]]}

    statements = [s for s in role_statements(template, "RLModelRepackProviderHandlerRole") if s.get("Sid") is None]
    submit = {"Fn::Join": ["", [get_att("SubmitDirectory"), "s3://NO_SUBMIT_DIRECTORY/none"]]}
    prefix = {
        "Fn::Join": ["", [{"Fn::Select": [0, {"Fn::Split": ["model.tar.gz", get_att("ModelDataUrl")]}]}, "repacked/"]]
    }
    assert statements == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": [arn_after_scheme(get_att("ModelDataUrl")), arn_after_scheme(submit)],
        },
        {
            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"],
            "Effect": "Allow",
            "Resource": arn_after_scheme(prefix, ("*",)),
        },
    ]
    hosting = {s["Sid"]: s for s in role_statements(template, "ExistingModelRole")}
    assert hosting["ReadModelData"]["Resource"] == arn_after_scheme(get_att("ModelDataUrl", repack_id))
    # a container that reads its code from S3 (no repack) still may: the job's code
    assert hosting["ReadInferenceCode"]["Resource"] == arn_after_scheme(submit)


@pytest.mark.parametrize("region", [REGION, None], ids=["us-west-2", "agnostic"])
def test_the_repacking_attach_stack_lints_and_passes_nag(serve_dir: Path, region: str | None) -> None:
    app = new_app()
    stack = new_stack(app, region)
    deploy_mxnet_18(stack, model_data_kms_key=kms.Key(stack, "Key", enable_key_rotation=True))
    RLTrainingJob.attach(stack, "Plain", training_job_name="other-job").deploy(instance_type="ml.m5.large")
    template = assert_clean(synth(app), "RL")
    assert len(of_type(template, "Custom::RLModelRepack")) == 2
    handlers = [
        f for f in of_type(template, "AWS::Lambda::Function").values() if f["Properties"]["Handler"] == "index.on_event"
    ]
    assert len(handlers) == 2  # the attach handler's on_event and the one repack handler of the stack


# ---- the template evaluated over both handlers' answers ---------------------------------------------------------


def tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def put(uri: str, data: bytes) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key=key, Body=data)


def members(uri: str) -> dict[str, bytes]:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        return {m.name: f.read() for m in archive.getmembers() if (f := archive.extractfile(m)) is not None}


def replaced(value: Any, old: Any, new: Any) -> Any:
    """``value`` with every ``old`` (an intrinsic) replaced by ``new``."""
    if value == old:
        return new
    if isinstance(value, list):
        return [replaced(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: replaced(item, old, new) for key, item in value.items()}
    return value


@pytest.fixture
def moto() -> Iterator[None]:
    with one_moto_per_module():
        yield


def deploy_in_moto(monkeypatch: pytest.MonkeyPatch, template: dict[str, Any], image: str) -> dict[str, Any]:
    """What CloudFormation makes of ``template`` for a job trained on ``image`` (moto): the attach handler's answer,
    the repack resource evaluated over it and run by the repack handler, and the model's container evaluated over
    both; with the repack's answer and the S3 keys written under ``repacked/``."""
    _, attach_properties = only(template, "Custom::RLAttachedTrainingJob")
    with staged_handler("attach_training_job", monkeypatch, REGION) as attach:
        boto3.client("sagemaker", region_name=REGION).create_training_job(
            TrainingJobName="rl-job",
            AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
            OutputDataConfig={"S3OutputPath": "s3://out/"},
            ResourceConfig={"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            HyperParameters={"sagemaker_program": '"train.py"', "sagemaker_submit_directory": json.dumps(SOURCE)},
        )
        data = attach.is_complete({"RequestType": "Create", "ResourceProperties": attach_properties})["Data"]
    repack_id, repack = only(template, "Custom::RLModelRepack")
    properties = evaluate({k: v for k, v in repack.items() if k != "ServiceToken"}, data, ATTACH_ID)
    with staged_handler("repack_model", monkeypatch, REGION) as handler:  # moto's backends start empty again
        put(MODEL_DATA, tar_gz({"model/policy.params": b"weights", "code/old.py": b"replaced"}))
        put(SOURCE, tar_gz({"train.py": b"# training"}))
        if str(properties["CodeUrl"]).startswith("s3://cdk-"):
            put(properties["CodeUrl"], tar_gz({name.removeprefix("serve/"): text.encode() for name, text in
                                                FIXTURE["serving_files"].items()}))  # fmt: skip
        answer = handler.on_event({"RequestType": "Create", "ResourceProperties": properties})
        listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket="out").get("Contents", [])
        written = sorted(item["Key"] for item in listed)
        repacked = members(answer["Data"]["ModelDataUrl"])
    (model,) = of_type(template, "AWS::SageMaker::Model").values()
    container = replaced(
        model["Properties"]["PrimaryContainer"], get_att("ModelDataUrl", repack_id), answer["Data"]["ModelDataUrl"]
    )
    return {
        "container": evaluate(container, data, ATTACH_ID),
        "data": data,
        "properties": properties,
        "written": written,
        "members": repacked,
    }


def test_an_attached_mxnet_18_job_is_served_as_the_sdk_serves_it(
    moto: None, serve_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = new_stack()
    deploy_mxnet_18(stack)
    deployed = deploy_in_moto(monkeypatch, cdk.assertions.Template.from_stack(stack).to_json(), COACH_MXNET)

    expected = FIXTURE["deploy"]["CreateModel"]["PrimaryContainer"]
    container = deployed["container"]
    assert container["Image"] == expected["Image"]
    assert {k: v for k, v in container["Environment"].items() if v} == expected["Environment"]
    assert container["Environment"]["SAGEMAKER_TFS_NGINX_LOGLEVEL"] == ""  # the fixed key set: "" where unset
    # the model data repacked beside the job's archive, the serving code under code/ (the job's code/ replaced)
    assert container["ModelDataUrl"].startswith("s3://out/rl-job/output/repacked/")
    assert deployed["written"] == ["rl-job/output/model.tar.gz", container["ModelDataUrl"].removeprefix("s3://out/")]
    assert deployed["members"] == {
        "model/policy.params": b"weights",
        **{f"code/{name.removeprefix('serve/')}": text.encode() for name, text in FIXTURE["serving_files"].items()},
    }


def test_an_attached_mxnet_13_job_passes_its_model_data_through(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = new_stack()
    RLTrainingJob.attach(stack, "Existing", training_job_name="rl-job").deploy(instance_type="ml.m5.large")
    deployed = deploy_in_moto(monkeypatch, cdk.assertions.Template.from_stack(stack).to_json(), COACH_MXNET)

    assert deployed["properties"]["Repack"] == "false"
    assert deployed["written"] == ["rl-job/output/model.tar.gz"]  # nothing written
    container = deployed["container"]
    assert container["ModelDataUrl"] == MODEL_DATA
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == SOURCE  # MXNet 1.3 reads the code from S3
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "train.py"


def test_an_attached_custom_image_job_is_repacked_with_its_code_like_the_sdk(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = new_stack()
    RLTrainingJob.attach(stack, "Existing", training_job_name="rl-job").deploy(instance_type="ml.m5.large")
    image = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:3"
    deployed = deploy_in_moto(monkeypatch, cdk.assertions.Template.from_stack(stack).to_json(), image)

    container = deployed["container"]
    assert container["Image"] == image
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
    assert deployed["members"] == {"model/policy.params": b"weights", "code/train.py": b"# training"}
