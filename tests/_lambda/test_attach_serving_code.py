"""attach -> deploy with serving code and serving versions: the construct's template and the handler's answer.

The handler's serving environment is compared with what sagemaker 2.257.7 sent for
``RLEstimator.attach(...).deploy(entry_point="deploy-mxnet-coach.py", source_dir="serve")`` of a Coach MXNet job
(``tests/fixtures/sdk/deploy-coach-mxnet-serving-code.json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import RLTrainingJob
from tests._lambda.test_attach_training_job import REGION, create_job, environment, event
from tests.cdk_support import ROOT, new_app
from tests.lambda_support import staged_handler

COACH_MXNET = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-cpu-py3"
RAY_TF = "462105765813.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-ray-container:ray-1.6.0-tf-cpu-py37"
SERVING_CODE = "s3://cdk-assets/0123abcd.gz"
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "sdk" / "deploy-coach-mxnet-serving-code.json").read_text())


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    with staged_handler("attach_training_job", monkeypatch, REGION) as module:
        yield module


def test_serving_code_replaces_the_training_code_in_the_environment(handler: ModuleType) -> None:
    create_job(image=COACH_MXNET)
    serving = {"Processor": "cpu", "ServingEntryPoint": "deploy-mxnet-coach.py", "ServingSubmitDirectory": SERVING_CODE}
    data = handler.is_complete(event(serving=serving))["Data"]
    # The template derives the code variables from the serving code it was given (the construct test below).
    data = {**data, "EntryPoint": "deploy-mxnet-coach.py", "SubmitDirectory": SERVING_CODE}
    expected = FIXTURE["deploy"]["CreateModel"]["PrimaryContainer"]
    assert data["ServingImage"] == expected["Image"]
    served = {k: v for k, v in environment(data).items() if v}
    assert served == {**expected["Environment"], "SAGEMAKER_SUBMIT_DIRECTORY": SERVING_CODE}


def test_a_serving_version_is_checked_against_the_jobs_framework_at_deploy_time(handler: ModuleType) -> None:
    create_job(image=RAY_TF)
    data = handler.is_complete(event(serving={"Processor": "cpu", "TensorflowServingVersion": "2.5.1"}))["Data"]
    assert data["ServingImage"] == "763104351884.dkr.ecr.us-west-2.amazonaws.com/tensorflow-inference:2.5.1-cpu"
    with pytest.raises(handler.AttachError, match=r"cannot serve a model trained on tensorflow 2.5.0.*2\.5, 2\.5\.1"):
        handler.is_complete(event(serving={"Processor": "cpu", "TensorflowServingVersion": "1.12"}))


def test_a_container_that_needs_a_repacked_archive_is_served_from_it(handler: ModuleType) -> None:
    create_job(image=COACH_MXNET)
    serving = {
        "Processor": "cpu",
        "ServingFrameworkVersion": "1.8.0",
        "ServingEntryPoint": "deploy-mxnet-coach.py",
        "ServingSubmitDirectory": SERVING_CODE,
    }
    data = handler.is_complete(event(serving=serving))["Data"]
    assert data["ServingRepack"] == "true"  # the construct's Custom::RLModelRepack repacks the serving code
    data = {**data, "EntryPoint": "deploy-mxnet-coach.py", "SubmitDirectory": SERVING_CODE}
    assert {k: v for k, v in environment(data).items() if v} == {
        "SAGEMAKER_PROGRAM": "deploy-mxnet-coach.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
        "SAGEMAKER_REGION": REGION,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
    }


def test_deploy_packages_the_serving_code_and_wires_it_into_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for relative, text in FIXTURE["serving_files"].items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account="111122223333", region=REGION))
    attached = RLTrainingJob.attach(stack, "Existing", training_job_name="my-rl-job")
    attached.deploy(
        instance_type="ml.m5.large", serving_entry_point="deploy-mxnet-coach.py", serving_source_dir="serve"
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::RLAttachedTrainingJob"]
    serving = resource["Properties"]["Serving"]
    assert serving["ServingEntryPoint"] == "deploy-mxnet-coach.py"
    submit = serving["ServingSubmitDirectory"]  # the asset's S3 URL (a Fn::Join of the staging bucket)
    (model,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    environment_ = model["Properties"]["PrimaryContainer"]["Environment"]

    def switched(attribute: str, value: str) -> dict[str, Any]:  # adjacent literals of a Fn::Join are merged
        switch = {"Fn::GetAtt": ["Existing4CC9759F", attribute]}
        return {"Fn::Select": [0, {"Fn::Split": ["\n", {"Fn::Join": ["", [switch, value + "\n"]]}]}]}

    assert submit.startswith("s3://cdk-") and submit.endswith(".gz")
    assert environment_["SAGEMAKER_PROGRAM"] == switched("ServingCodeSwitch", "deploy-mxnet-coach.py")
    assert environment_["SAGEMAKER_SUBMIT_DIRECTORY"] == switched("ServingSubmitDirectorySwitch", submit)
    (repack,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::RLModelRepack"]
    assert repack["Properties"]["CodeUrl"] == submit  # the serving code is what a repack puts under code/
    statements = [
        s
        for r in template["Resources"].values()
        if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::Role")
        for doc in [r["Properties"].get("PolicyDocument")]
        + [p["PolicyDocument"] for p in r["Properties"].get("Policies", [])]
        if doc
        for s in doc["Statement"]
        if s.get("Sid") == "ReadInferenceCode"
    ]
    assert statements and all("Existing4CC9759F" not in json.dumps(s["Resource"]) for s in statements)
