"""RLModel serves every way the SDK's deployments serve: serving code, TensorFlow 2.x, version checks.

Compared with what sagemaker 2.257.7 sent for the same deploy:
``tests/fixtures/sdk/deploy-coach-mxnet-serving-code.json`` (``RLEstimator(...).deploy(entry_point=
"deploy-mxnet-coach.py", source_dir="serve")``) and the SDK's inference image URIs
(``tests/fixtures/sdk/serving/images.json``).
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from rl_constructs import RLConfigurationError, RLModel
from rl_constructs.testing.asl import ACCOUNT, fill
from tests.cdk_support import ROOT, new_app, role_statements

SDK = ROOT / "tests" / "fixtures" / "sdk"
MODEL_DATA = "s3://models/job-1/output/model.tar.gz"
RAY_TF = {"toolkit": "ray", "toolkit_version": "1.6.0", "framework": "tensorflow"}
COACH_MXNET = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "mxnet"}


def make_stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))


def template(stack: cdk.Stack) -> dict[str, Any]:
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def model_props(stack: cdk.Stack) -> dict[str, Any]:
    t = template(stack)
    (model,) = [r for r in t["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    return fill(model["Properties"], t)  # type: ignore[no-any-return]


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The deploy fixture's serving files, written where the case ran them (a working directory)."""
    fixture = json.loads((SDK / "deploy-coach-mxnet-serving-code.json").read_text())
    for relative, text in fixture["serving_files"].items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_serving_code_on_coach_mxnet_sends_the_sdks_create_model(serve: Path) -> None:
    fixture = json.loads((SDK / "deploy-coach-mxnet-serving-code.json").read_text())
    arguments = fixture["deploy_arguments"]
    stack = make_stack()
    model = RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        **COACH_MXNET,
        serving_entry_point=arguments["entry_point"],
        serving_source_dir=arguments["source_dir"],
    )
    expected = fixture["deploy"]["CreateModel"]["PrimaryContainer"]
    ours = model_props(stack)["PrimaryContainer"]
    assert ours["Image"] == expected["Image"]
    submit = ours["Environment"].pop("SAGEMAKER_SUBMIT_DIRECTORY")
    sdk_submit = expected["Environment"].pop("SAGEMAKER_SUBMIT_DIRECTORY")
    assert ours["Environment"] == expected["Environment"]  # program, region, log level: every other field
    # The SDK uploads the serving code to its own key; here it is the content-addressed asset (CDK keeps the .gz).
    assert sdk_submit.endswith("/sourcedir.tar.gz")
    assert re.fullmatch(r"s3://cdk-[a-z0-9]+-assets-\d{12}-us-west-2/[0-9a-f]{64}\.gz", submit)
    assert model.serving_code is not None and model.serving_code.asset is not None


def test_the_serving_code_asset_is_the_sdk_layout_and_reproducible(serve: Path) -> None:
    archives = []
    for _ in range(2):
        stack = make_stack()
        model = RLModel(
            stack,
            "Model",
            model_data_url=MODEL_DATA,
            **COACH_MXNET,
            instance_type="ml.m5.large",
            serving_entry_point="deploy-mxnet-coach.py",
            serving_source_dir="serve",
        )
        assert model.serving_code is not None and model.serving_code.asset is not None
        archives.append(model.serving_code.asset.asset_hash)
    assert archives[0] == archives[1]
    from rl_constructs.core.serving.code import package_serving_code

    code = package_serving_code(serving_entry_point="deploy-mxnet-coach.py", serving_source_dir="serve")
    assert code is not None and code.archive is not None
    with tarfile.open(fileobj=io.BytesIO(code.archive.read_bytes()), mode="r:gz") as archive:
        assert sorted(m.name for m in archive.getmembers() if m.isfile()) == ["deploy-mxnet-coach.py", "lib/post.py"]
    assert code.program == "deploy-mxnet-coach.py"


def test_the_hosting_role_reads_the_serving_code_asset(serve: Path) -> None:
    stack = make_stack()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        **COACH_MXNET,
        instance_type="ml.m5.large",
        serving_entry_point="deploy-mxnet-coach.py",
        serving_source_dir="serve",
    )
    t = template(stack)
    statements = {s.get("Sid"): fill(s, t) for s in role_statements(t)}
    submit = model_props(stack)["PrimaryContainer"]["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"]
    assert statements["ReadInferenceCode"]["Resource"] == "arn:aws:s3:::" + submit[len("s3://") :]
    assert statements["ReadInferenceCode"]["Action"] == "s3:GetObject"


def test_serving_code_already_in_s3_is_used_as_given() -> None:
    stack = make_stack()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        **COACH_MXNET,
        serving_entry_point="serve.py",
        serving_source_dir="s3://code/serving/sourcedir.tar.gz",
    )
    environment = model_props(stack)["PrimaryContainer"]["Environment"]
    assert environment["SAGEMAKER_PROGRAM"] == "serve.py"
    assert environment["SAGEMAKER_SUBMIT_DIRECTORY"] == "s3://code/serving/sourcedir.tar.gz"


def test_ray_tensorflow_2_5_is_served_by_tensorflow_inference_like_the_notebooks() -> None:
    images = json.loads((SDK / "serving" / "images.json").read_text())["images"]
    (sdk,) = [i for i in images if (i["framework"], i["version"]) == ("tensorflow", "2.5.1")]
    stack = make_stack()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        instance_type="ml.g4dn.xlarge",
        **RAY_TF,
        tensorflow_serving_version="2.5.1",
    )
    container = model_props(stack)["PrimaryContainer"]
    assert container["Image"] == sdk["uris"]["us-west-2/gpu"]
    assert container["ModelDataUrl"] == MODEL_DATA


@pytest.mark.parametrize(
    ("props", "argument", "fragment"),
    [
        ({**RAY_TF, "tensorflow_serving_version": "1.12"}, "tensorflow_serving_version", "Allowed values: 2.5, 2.5.1."),
        (
            {
                **RAY_TF,
                "tensorflow_serving_version": "2.5",
                "serving_image_uri": "123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1",
            },
            "tensorflow_serving_version",
            "does not apply to a custom serving_image_uri",
        ),
        ({**COACH_MXNET, "serving_source_dir": "serve"}, "serving_source_dir", "needs serving_entry_point"),
        ({**COACH_MXNET, "serving_entry_point": "missing.py"}, "serving_entry_point", "missing.py"),
        (
            {
                **COACH_MXNET,
                "serving_entry_point": "s.py",
                "serving_source_dir": "s3://c/s.tar.gz",
                "serving_dependencies": ["lib"],
            },
            "serving_dependencies",
            "S3",
        ),
        ({**COACH_MXNET, "serving_dependencies": "lib"}, "serving_dependencies", None),
    ],
)
def test_bad_serving_input_is_refused_naming_the_argument(
    props: dict[str, Any], argument: str, fragment: str | None
) -> None:
    error: type[Exception] = TypeError if fragment is None else RLConfigurationError
    with pytest.raises(error) as caught:
        RLModel(make_stack(), "Model", model_data_url=MODEL_DATA, **props)
    assert argument in str(caught.value)
    if fragment is not None:
        assert isinstance(caught.value, RLConfigurationError) and caught.value.argument == argument
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "props",
    [
        {**COACH_MXNET, "serving_framework_version": "1.8.0"},
        {**RAY_TF, "tensorflow_serving_version": "2.5"},
    ],
    ids=["mxnet-1.8", "tensorflow-serving-script"],
)
def test_a_container_reading_code_from_the_archive_is_served_a_repacked_archive(props: dict[str, Any]) -> None:
    """RLModel used to refuse these (only RLPipeline repacked); now Custom::RLModelRepack repacks at deploy time."""
    stack = make_stack()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        serving_entry_point="s.py",
        serving_source_dir="s3://c/s.tar.gz",
        **props,
    )
    resources = template(stack)["Resources"]
    (repack,) = [k for k, r in resources.items() if r["Type"] == "Custom::RLModelRepack"]
    (model,) = [r for r in resources.values() if r["Type"] == "AWS::SageMaker::Model"]
    assert model["Properties"]["PrimaryContainer"]["ModelDataUrl"]["Fn::GetAtt"][0] == repack
