"""rl-constructs' deployments against the SageMaker SDK's: every key of CreateModel and CreateEndpointConfig.

Every fixture of ``tests/fixtures/sdk/`` with a ``deploy`` record is a deployment sagemaker 2.257.7 made
(``tools/record_sdk_fixtures.py``, offline under moto): ``RLEstimator(...).fit()`` then ``deploy()``
(``using_rl.rst``, the Coach notebooks, custom images), or a model class of the job's model data
(``deploy_arguments["model_class"]``: the Ray notebooks' ``TensorFlowModel``, ``MXNetModel`` 1.8, Ray
PyTorch's ``PyTorchModel``, Vowpal Wabbit's ``sagemaker.model.Model``). Each is written here as the same
training job and the rl-constructs arguments that mean the same deploy (:func:`deploy_settings`, a few
keyword arguments), then compared key by key:

- ``RLPipeline``: synthesized once, run once by ``rl_constructs.testing.sfn.run_execution`` against a
  ``ScriptedSageMaker``; the CreateModel and CreateEndpointConfig requests the run sends, and the members of
  the archive it serves when it repacks the model (:func:`repacked_members`).
- ``RLModel`` + ``RLEndpoint`` (what ``attach(...).deploy()`` builds, in CloudFormation): the
  ``AWS::SageMaker::Model`` and ``AWS::SageMaker::EndpointConfig`` properties, whose names are the API's
  (PascalCase), with the template's intrinsics filled (``rl_constructs.testing.asl.fill``); when RLModel repacks
  at deploy time (``Custom::RLModelRepack``), what the repack resource reads stands for the archive's members,
  and it must repack exactly where the SDK did.

Archives are compared by their members: the one a repack writes (``repacked_members``) and the serving code a
container downloads from S3 (``serving_archive_members``: the SDK's ``sourcedir.tar.gz``, the construct's asset).

Masked, because they differ by construction (:func:`masked_sdk`, :func:`masked_run`, :func:`masked_template`):

- names: ``CreateModel.ModelName`` (``<MODEL_NAME>``), ``CreateEndpointConfig.EndpointConfigName``
  (``<ENDPOINT_CONFIG_NAME>``) and each variant's ``ModelName``, masked only when the variant serves the
  model created (the SDK adds a timestamp, the pipeline names them after the run's job, CloudFormation
  generates them);
- ``CreateModel.ExecutionRoleArn`` (``<ROLE_ARN>``): the recorder's role, the hosting role the construct makes;
- S3 locations, by what they are: the job's output prefix (``<JOB_OUTPUT>/``: the SDK's default bucket, the
  pipeline's output bucket, then the job name and ``output/``), the training code archive
  (``<TRAINING_CODE>``: the SDK's upload, the CDK asset, the ``source_dir`` in S3 as given), the serving code
  archive (``<SERVING_CODE>``: the SDK's ``sourcedir.tar.gz`` under the model name, the CDK asset) and the
  SDK's model-name prefix (``<MODEL_PREFIX>/``) it writes a repacked archive under. What follows these
  locations is kept, so where a repacked archive goes is compared.

Nothing else is masked. The differences left are data, fixture -> {JSON path: reason}: :data:`DIFFERENCES`
(both constructs), :data:`RUN_DIFFERENCES` and :data:`EVERY_RUN` (the pipeline), :data:`EVERY_TEMPLATE`
(RLModel). They must be exactly those: a new difference fails, and so does one that has gone until it is
taken off the list. SDK deploy arguments without an rl-constructs counterpart are :data:`NOT_EXPRESSIBLE`
(both constructs) and :data:`PIPELINE_NOT_EXPRESSIBLE`; deploys RLModel refuses are :data:`MODEL_REFUSED`.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

from rl_constructs import RLConfigurationError, RLEndpoint, RLModel, RLPipeline, RLTrainingJob
from rl_constructs.testing.asl import ACCOUNT, fill
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import ROOT, new_app

FIXTURES = ROOT / "tests" / "fixtures" / "sdk"


def load(case: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{case}.json").read_text())  # type: ignore[no-any-return]


#: Every recorded deployment (``deploy`` is null for the fit-only cases).
DEPLOY_CASES = sorted(path.stem for path in FIXTURES.glob("*.json") if load(path.stem).get("deploy") is not None)
#: The SDK refused these (Ray through ``RLEstimator.deploy()``); rl-constructs must refuse them as well.
REFUSED_CASES = [case for case in DEPLOY_CASES if "error" in load(case)["deploy"]]
SERVED_CASES = [case for case in DEPLOY_CASES if case not in REFUSED_CASES]

#: What the recorder deploys on (``_record_deploy``), unless a case's ``deploy_options`` say otherwise.
DEPLOY_INSTANCE_TYPE = "ml.m5.large"
DEPLOY_INSTANCE_COUNT = 1

#: RLEstimator arguments of the deploy cases that RLTrainingJob spells alike (the training request itself is
#: compared in test_training_parity.py).
ALIKE = {
    "entry_point", "source_dir", "dependencies", "toolkit", "toolkit_version", "framework", "image_uri",
    "instance_type", "instance_count", "hyperparameters", "subnets", "security_group_ids",
    "enable_network_isolation",
}  # fmt: skip

# ---- the data: what cannot be said, and what differs ----------------------------------------------------------

#: SDK deploy arguments rl-constructs has no argument, or no such value, for: fixture -> {argument: why}. They
#: are left out; :data:`CLOSEST` is written instead.
NOT_EXPRESSIBLE: dict[str, dict[str, str]] = {}
#: The nearest rl-constructs arguments for :data:`NOT_EXPRESSIBLE`: fixture -> serving arguments.
CLOSEST: dict[str, dict[str, Any]] = {}
#: Deploy arguments RLPipeline alone has no argument for (RLModel has): fixture -> {argument: why}.
PIPELINE_NOT_EXPRESSIBLE: dict[str, dict[str, str]] = {
    "deploy-vw-model": {
        "name": "RLPipeline names each model after its run's training job (no model name)",
        "model_class": "RLPipeline serves its training job's model with the job's code, as estimator.deploy() does: "
        "no bare sagemaker.model.Model (RLModel without entry_point is one)",
    },
}
#: Deploys RLModel refuses at synth, with the words of the refusal: none since RLModel repacks a model archive
#: when the stack deploys (``Custom::RLModelRepack``), as RLPipeline does in each run.
MODEL_REFUSED: dict[str, str] = {}

_TAGS = (
    "the pipeline tags what a run creates (rl-constructs:pipeline = the construct path, plus the tags prop): the "
    "cleanup of earlier runs and `cdk destroy` find the pipeline's resources by it"
)
#: Differences of every pipeline run.
EVERY_RUN: dict[str, str] = {"CreateModel.Tags": _TAGS, "CreateEndpointConfig.Tags": _TAGS}
#: Differences of every RLModel + RLEndpoint template: none (no tags unless given).
EVERY_TEMPLATE: dict[str, str] = {}
_DEPLOY_TIME_REPACK = (
    "RLModel repacks when the stack deploys (Custom::RLModelRepack): the model serves the resource's ModelDataUrl "
    "(next to the model archive, under repacked/<digest of the inputs>/), known at deploy time; the archive holds "
    "the model's members and the code archive under code/ (the handler's layout, tests/_lambda/"
    "test_repack_model.py), the SDK's is written under the model name"
)
#: Differences of an RLModel template that repacks (only where the SDK repacked, checked): the repack's result.
TEMPLATE_REPACK: dict[str, str] = {
    "CreateModel.PrimaryContainer.ModelDataUrl": _DEPLOY_TIME_REPACK,
    "repacked_members": _DEPLOY_TIME_REPACK,
}
#: Differences of the RLModel template only: fixture -> {JSON path: reason}.
TEMPLATE_DIFFERENCES: dict[str, dict[str, str]] = {
    "deploy-vw-model": {
        "CreateModel.PrimaryContainer.Environment": "Model(image_uri=...) sends an empty Environment; RLModel "
        "leaves it out of the template (a model without variables either way)",
    },
}

_NGINX = (
    "tensorflow_serving_version serves like RLEstimator.create_model() (container_log_level=INFO -> "
    "SAGEMAKER_TFS_NGINX_LOGLEVEL=info); TensorFlowModel(...) built by hand sends no variable: a log level only"
)
_REPACK_PLACE = (
    "the repacked archive is written under the job's output prefix (output/repacked/), the SDK's under the model name"
)
_VW_BARE_MODEL = (
    "the notebook serves with a bare sagemaker.model.Model(image_uri=...), no code (RLModel(serving_image_uri=...) "
    "without entry_point sends the same); RLPipeline serves a job trained on the VW image as "
    "RLEstimator(image_uri=vw_image).deploy() does, a FrameworkModel: the training code repacked into "
    "model.tar.gz, the entry-point environment (recorded: deploy-custom-image-alone). The VW container ignores them"
)
_VW = {
    **{
        f"CreateModel.PrimaryContainer.Environment.{name}": _VW_BARE_MODEL
        for name in (
            "SAGEMAKER_CONTAINER_LOG_LEVEL", "SAGEMAKER_PROGRAM", "SAGEMAKER_REGION", "SAGEMAKER_SUBMIT_DIRECTORY"
        )
    },
    "CreateModel.PrimaryContainer.ModelDataUrl": _VW_BARE_MODEL,
    "repacked_members": _VW_BARE_MODEL,
}  # fmt: skip
#: Differences per fixture, of the pipeline run and of the RLModel template alike (one serving choice,
#: ``core/serving/container.py``): JSON path (as :func:`differences` writes it) -> reason.
DIFFERENCES: dict[str, dict[str, str]] = {
    "deploy-ray-tf-1.12-model": {"CreateModel.PrimaryContainer.Environment.SAGEMAKER_TFS_NGINX_LOGLEVEL": _NGINX},
    "deploy-ray-tf-2.1.0-model": {"CreateModel.PrimaryContainer.Environment.SAGEMAKER_TFS_NGINX_LOGLEVEL": _NGINX},
    "deploy-ray-tf-2.5.1-model": {"CreateModel.PrimaryContainer.Environment.SAGEMAKER_TFS_NGINX_LOGLEVEL": _NGINX},
}
#: Differences of the pipeline run only: where its repack step writes (RLModel's repack: :data:`TEMPLATE_REPACK`),
#: and the bare ``Model`` RLPipeline has no counterpart for (:data:`PIPELINE_NOT_EXPRESSIBLE`).
_REPACKED = {"CreateModel.PrimaryContainer.ModelDataUrl": _REPACK_PLACE}
RUN_DIFFERENCES: dict[str, dict[str, str]] = {
    "custom-image-ray-with-toolkit": _REPACKED,
    "custom-image-with-toolkit": _REPACKED,
    "deploy-custom-image-alone": _REPACKED,
    "deploy-custom-image-serving-code": _REPACKED,
    "deploy-mxnet-1.8-model-serving-code": _REPACKED,
    "deploy-ray-pytorch-model-serving-code": _REPACKED,
    "deploy-vw-model": _VW,
}


# ---- the same deployment, in rl-constructs' words ------------------------------------------------------------


@dataclass(frozen=True)
class DeploySettings:
    """An SDK deploy in rl-constructs' arguments: ``serving`` are RLPipeline's and RLModel's alike."""

    serving: dict[str, Any]
    instance_type: str
    instance_count: int
    endpoint_name: str | None = None
    model_name: str | None = None
    unexpressed: dict[str, str] = field(default_factory=dict)
    #: ``sagemaker.model.Model(image_uri=...)``: the image served as it is, no code (RLModel without entry point).
    bare_model: bool = False


def deploy_settings(fixture: dict[str, Any]) -> DeploySettings:
    """The fixture's deploy in rl-constructs' arguments: ``deploy()``'s ``entry_point``/``source_dir``/
    ``dependencies`` are ``serving_entry_point``/``serving_source_dir``/``serving_dependencies``;
    ``TensorFlowModel(framework_version=v)`` is ``tensorflow_serving_version=v``; ``MXNetModel`` /
    ``PyTorchModel(framework_version=v, entry_point=...)`` are ``serving_framework_version=v`` with serving code;
    ``Model(image_uri=uri, name=n)`` is ``serving_image_uri=uri`` (and ``model_name=n``), served as it is by RLModel
    without an entry point (``bare_model``);
    ``deploy(endpoint_name=n)`` is ``endpoint_name=n``. Every argument is translated or listed in
    :data:`NOT_EXPRESSIBLE`."""
    unexpressed = NOT_EXPRESSIBLE.get(fixture["case"], {})
    spec = dict(fixture.get("deploy_arguments") or {})
    options = dict(spec.pop("deploy_options", {}))
    for argument in unexpressed:
        assert argument in spec or argument in options, f"{argument} is not a deploy argument of the fixture"
        spec.pop(argument, None)
        options.pop(argument, None)
    serving: dict[str, Any] = {}
    for sdk, ours in (("entry_point", "serving_entry_point"), ("source_dir", "serving_source_dir"),
                      ("dependencies", "serving_dependencies")):  # fmt: skip
        if sdk in spec:
            serving[ours] = spec.pop(sdk)
    model_class = spec.pop("model_class", None)
    version = {"TensorFlowModel": "tensorflow_serving_version", "MXNetModel": "serving_framework_version",
               "PyTorchModel": "serving_framework_version"}.get(model_class)  # fmt: skip
    if version is not None and "framework_version" in spec:
        serving[version] = spec.pop("framework_version")
    if model_class in ("MXNetModel", "PyTorchModel"):
        spec.pop("py_version")  # the catalog's image of that version has one Python; the image is compared
    elif model_class == "Model":
        serving["serving_image_uri"] = spec.pop("image_uri")
    else:
        assert model_class in (None, "TensorFlowModel"), model_class
    settings = DeploySettings(
        serving={**serving, **CLOSEST.get(fixture["case"], {})},
        instance_type=options.pop("instance_type", DEPLOY_INSTANCE_TYPE),
        instance_count=options.pop("initial_instance_count", DEPLOY_INSTANCE_COUNT),
        endpoint_name=options.pop("endpoint_name", None),
        model_name=spec.pop("name", None),
        unexpressed=unexpressed,
        bare_model=model_class == "Model",
    )
    assert not spec and not options, f"untranslated deploy arguments: {spec} {options}"
    return settings


def pipeline_props(settings: DeploySettings, case: str) -> dict[str, Any]:
    """RLPipeline's deploy arguments."""
    if settings.model_name is not None:
        assert "name" in PIPELINE_NOT_EXPRESSIBLE.get(case, {}), "RLPipeline cannot name the model"
    endpoint = {"endpoint_name": settings.endpoint_name} if settings.endpoint_name is not None else {}
    return {
        "deploy_instance_type": settings.instance_type,
        "initial_instance_count": settings.instance_count,
        **endpoint,
        **settings.serving,
    }


def training_props(arguments: dict[str, Any]) -> dict[str, Any]:
    """RLEstimator's arguments as RLTrainingJob's (every one is spelled alike in the deploy cases)."""
    assert set(arguments) <= ALIKE, f"untranslated RLEstimator arguments: {sorted(set(arguments) - ALIKE)}"
    return dict(arguments)


@contextlib.contextmanager
def sources(fixture: dict[str, Any], root: Path) -> Iterator[Path]:
    """The case's training and serving files where the recorder had them, as the working directory."""
    for relative, text in {**fixture["files"], **(fixture.get("serving_files") or {})}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    with contextlib.chdir(root):
        yield root


def new_stack(fixture: dict[str, Any]) -> cdk.Stack:
    return cdk.Stack(new_app(), "DeployParity", env=cdk.Environment(account=ACCOUNT, region=fixture["region"]))


# ---- masking --------------------------------------------------------------------------------------------------

Replacements = list[tuple[str | re.Pattern[str], str]]
CDK_ASSET = re.compile(r"s3://cdk-[a-z0-9]+-assets-[^/\"]+/[0-9a-f]{64}\.gz")


def _replace(value: Any, replacements: Replacements) -> Any:
    if isinstance(value, dict):
        return {key: _replace(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, replacements) for item in value]
    if isinstance(value, str):
        for old, new in replacements:
            value = old.sub(new, value) if isinstance(old, re.Pattern) else value.replace(old, new)
    return value


def _mask_names(deploy: dict[str, Any], serves_the_model: Callable[[Any], bool]) -> dict[str, Any]:
    """Names and role masked by field; a variant's model name only when ``serves_the_model(it)``."""
    model = {**deploy["CreateModel"], "ModelName": "<MODEL_NAME>", "ExecutionRoleArn": "<ROLE_ARN>"}
    config = {**deploy["CreateEndpointConfig"], "EndpointConfigName": "<ENDPOINT_CONFIG_NAME>"}
    config["ProductionVariants"] = [
        {**variant, "ModelName": "<MODEL_NAME>"} if serves_the_model(variant.get("ModelName")) else variant
        for variant in config["ProductionVariants"]
    ]
    return {**deploy, "CreateModel": model, "CreateEndpointConfig": config}


def masked_sdk(fixture: dict[str, Any]) -> dict[str, Any]:
    """The SDK's deploy record, masked (the module docstring's list)."""
    deploy = fixture["deploy"]
    training = fixture["request"]
    job_output = f"{training['OutputDataConfig']['S3OutputPath'].rstrip('/')}/{training['TrainingJobName']}/output/"
    model_prefix = "s3://<OUTPUT_BUCKET>/" + re.escape(deploy["CreateModel"]["ModelName"]) + "/"
    replacements: Replacements = [
        (job_output, "<JOB_OUTPUT>/"),
        (json.loads(training["HyperParameters"]["sagemaker_submit_directory"]), "<TRAINING_CODE>"),
        (re.compile(model_prefix + r"sourcedir\.tar\.gz"), "<SERVING_CODE>"),
        (re.compile(model_prefix), "<MODEL_PREFIX>/"),
    ]
    name = deploy["CreateModel"]["ModelName"]
    return _mask_names(_replace(deploy, replacements), lambda variant_model: variant_model == name)


def masked_run(sent: dict[str, Any], training: dict[str, Any], model_data: str) -> dict[str, Any]:
    """What a run sent, masked: ``training`` is its CreateTrainingJob request, ``model_data`` the job's
    ``S3ModelArtifacts``."""
    replacements: Replacements = [
        (model_data.removesuffix("model.tar.gz"), "<JOB_OUTPUT>/"),
        (json.loads(training["HyperParameters"]["sagemaker_submit_directory"]), "<TRAINING_CODE>"),
        (CDK_ASSET, "<SERVING_CODE>"),
    ]
    name = sent["CreateModel"]["ModelName"]
    return _mask_names(_replace(sent, replacements), lambda variant_model: variant_model == name)


def differences(sdk: Any, ours: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """JSON path -> (SDK's value, ours) wherever the two differ; a key on one side only is a difference at
    that key (``<absent>`` on the other side); lists of objects of equal length are compared item by item,
    other lists (ids, archive members) as one value."""
    if isinstance(sdk, dict) and isinstance(ours, dict):
        found: dict[str, tuple[Any, Any]] = {}
        for key in sorted(set(sdk) | set(ours)):
            where = f"{path}.{key}" if path else key
            found.update(differences(sdk.get(key, "<absent>"), ours.get(key, "<absent>"), where))
        return found
    if (
        isinstance(sdk, list)
        and isinstance(ours, list)
        and len(sdk) == len(ours)
        and all(isinstance(item, dict) for item in sdk + ours)
    ):
        found = {}
        for index, (a, b) in enumerate(zip(sdk, ours, strict=True)):
            found.update(differences(a, b, f"{path}[{index}]"))
        return found
    return {} if sdk == ours else {path: (sdk, ours)}


def assert_only(case: str, found: dict[str, tuple[Any, Any]], expected: dict[str, str]) -> None:
    report = json.dumps({path: list(pair) for path, pair in found.items()}, indent=1, default=str)
    assert set(found) == set(expected), f"{case}: differences (SDK's, ours) other than the known ones:\n{report}"


# ---- RLPipeline: one synth and one execution per case ----------------------------------------------------------


def repacked_members(pipeline: RLPipeline, model_members: list[str]) -> list[str]:
    """The members of the archive the repack step writes: the model's but ``code/``, then the serving code (the
    training code without one) under ``code/`` (the handler's layout, tested byte for byte on real archives in
    tests/_lambda/test_repack_model.py); the code archive the pipeline packaged (its asset's members)."""
    code, job = pipeline.serving_code, pipeline.training_job
    members = code.members if code is not None else (job.source.members if job.source is not None else ())
    return sorted([m for m in model_members if not m.startswith("code/")] + [f"code/{m}" for m in members])


def repacked(payload: dict[str, Any]) -> dict[str, Any]:
    """The repack function's answer."""
    return {"ModelDataUrl": payload["Destination"]}


#: The model archive the recorder put under the job for a deploy case (``_record_deploy``).
RECORDED_MODEL_MEMBERS = ["model/policy.params"]


@cache
def pipeline_run(case: str, root: Path) -> dict[str, Any]:
    """The masked CreateModel, CreateEndpointConfig (and repacked members) of one run of the case's pipeline."""
    fixture = load(case)
    settings = deploy_settings(fixture)
    stack = new_stack(fixture)
    with sources(fixture, root / case):
        job = RLTrainingJob(stack, "Train", **training_props(fixture["arguments"]))
        pipeline = RLPipeline(stack, "Pipeline", training_job=job, **pipeline_props(settings, case))
    template = cdk.assertions.Template.from_stack(stack).to_json()
    sagemaker = ScriptedSageMaker()
    result = run_execution(template, {}, sagemaker, lambda_functions={"": repacked})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    calls = {call.operation: call.params for call in result.calls}
    training = calls["CreateTrainingJob"]
    described = sagemaker.describe_training_job(TrainingJobName=training["TrainingJobName"])
    sent: dict[str, Any] = {"CreateModel": calls["CreateModel"], "CreateEndpointConfig": calls["CreateEndpointConfig"]}
    if result.lambda_invocations:
        sent["repacked_members"] = repacked_members(pipeline, RECORDED_MODEL_MEMBERS)
    elif pipeline.serving_code is not None:  # read from S3: the archive the container downloads
        sent["serving_archive_members"] = list(pipeline.serving_code.members)
    return masked_run(sent, training, described["ModelArtifacts"]["S3ModelArtifacts"])


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deploy-parity")


@pytest.mark.parametrize("case", SERVED_CASES)
def test_a_pipeline_run_sends_what_the_sdk_sends(case: str, root: Path) -> None:
    found = differences(masked_sdk(load(case)), pipeline_run(case, root))
    assert_only(case, found, {**EVERY_RUN, **DIFFERENCES.get(case, {}), **RUN_DIFFERENCES.get(case, {})})


@pytest.mark.parametrize("case", REFUSED_CASES)
def test_what_the_sdk_refuses_to_deploy_is_refused(case: str, root: Path) -> None:
    fixture = load(case)
    assert fixture["deploy"]["error"].startswith("NotImplementedError: Automatic deployment of Ray models")
    settings = deploy_settings(fixture)
    stack = new_stack(fixture)
    with sources(fixture, root / case), pytest.raises(RLConfigurationError, match="Automatic deployment of Ray"):
        job = RLTrainingJob(stack, "Train", **training_props(fixture["arguments"]))
        RLPipeline(stack, "Pipeline", training_job=job, **pipeline_props(settings, case))


# ---- RLModel + RLEndpoint: the CloudFormation properties --------------------------------------------------------

#: Where RLModel is told the model data and training code are (what an attached job's description names).
MODEL_DATA_URL = "s3://my-output/rl-job-1/output/model.tar.gz"
TRAINING_CODE_URL = "s3://my-code/rl-job-1/source/sourcedir.tar.gz"


def model_props(stack: cdk.Stack, fixture: dict[str, Any], settings: DeploySettings) -> dict[str, Any]:
    """RLModel's arguments for the fixture's job and deploy (a VPC given by ids is imported)."""
    arguments = fixture["arguments"]
    source_dir = arguments.get("source_dir", "")
    if settings.bare_model:  # Model(image_uri=...): the image and the model data, nothing of the job
        bare = {"model_data_url": MODEL_DATA_URL, "instance_type": settings.instance_type, **settings.serving}
        return {**bare, "model_name": settings.model_name} if settings.model_name is not None else bare
    props: dict[str, Any] = {
        "model_data_url": MODEL_DATA_URL,
        "instance_type": settings.instance_type,
        "entry_point": arguments["entry_point"],
        "submit_directory": source_dir if source_dir.startswith("s3://") else TRAINING_CODE_URL,
        **settings.serving,
    }
    if "image_uri" in arguments:
        props["training_image_uri"] = arguments["image_uri"]
    else:
        props.update({key: arguments[key] for key in ("toolkit", "toolkit_version", "framework")})
    if settings.model_name is not None:
        props["model_name"] = settings.model_name
    if "subnets" in arguments:
        props["vpc"] = ec2.Vpc.from_vpc_attributes(
            stack,
            "Vpc",
            vpc_id="vpc-0123abcd",
            availability_zones=["us-west-2a"],
            private_subnet_ids=arguments["subnets"],
        )
        props["security_groups"] = [
            ec2.SecurityGroup.from_security_group_id(stack, f"Group{i}", group)
            for i, group in enumerate(arguments["security_group_ids"])
        ]
    return props


def masked_template(template: dict[str, Any], model_logical_id: str) -> dict[str, Any]:
    """The Model and EndpointConfig properties as CreateModel / CreateEndpointConfig, filled and masked."""
    resources = template["Resources"]
    (model,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SageMaker::Model"]
    (config,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    reference = {"Fn::GetAtt": [model_logical_id, "ModelName"]}
    config = {
        **config,
        "ProductionVariants": [
            {**v, "ModelName": "<MODEL_NAME>"} if v["ModelName"] == reference else v
            for v in config["ProductionVariants"]
        ],
    }
    sent = fill({"CreateModel": model, "CreateEndpointConfig": config}, template)
    data = model["PrimaryContainer"].get("ModelDataUrl")
    repack = resources[data["Fn::GetAtt"][0]]["Properties"] if isinstance(data, dict) and "Fn::GetAtt" in data else None
    if repack is not None:  # Custom::RLModelRepack: the archive it writes at deploy time, and what goes in it
        container = {**sent["CreateModel"]["PrimaryContainer"], "ModelDataUrl": "<REPACKED AT DEPLOY TIME>"}
        sent["CreateModel"] = {**sent["CreateModel"], "PrimaryContainer": container}
        code = fill({"CodeUrl": repack["CodeUrl"]}, template)["CodeUrl"]
        sent["repacked_members"] = f"{repack['ModelDataUrl']} without code/, then {code} under code/"
    replacements: Replacements = [
        (MODEL_DATA_URL.removesuffix("model.tar.gz"), "<JOB_OUTPUT>/"),
        (TRAINING_CODE_URL, "<TRAINING_CODE>"),
        (CDK_ASSET, "<SERVING_CODE>"),
    ]
    return _mask_names(_replace(sent, replacements), lambda variant_model: variant_model == "<MODEL_NAME>")


@cache
def model_template(case: str, root: Path) -> dict[str, Any]:
    """The masked CreateModel / CreateEndpointConfig of the case's RLModel + RLEndpoint (one synth per case)."""
    fixture = load(case)
    settings = deploy_settings(fixture)
    stack = new_stack(fixture)
    with sources(fixture, root / f"model-{case}"):
        model = RLModel(stack, "Model", **model_props(stack, fixture, settings))
        RLEndpoint(
            stack,
            "Endpoint",
            model=model,
            instance_type=settings.instance_type,
            initial_instance_count=settings.instance_count,
            endpoint_name=settings.endpoint_name,
        )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    sent = masked_template(template, stack.get_logical_id(model.node.find_child("Resource")))  # type: ignore[arg-type]
    if model.serving_code is not None and "repacked_members" not in sent:  # read from S3: the archive downloaded
        sent["serving_archive_members"] = list(model.serving_code.members)
    return sent


@pytest.mark.parametrize("case", [case for case in SERVED_CASES if case not in MODEL_REFUSED])
def test_an_rl_model_and_endpoint_template_declares_what_the_sdk_sends(case: str, root: Path) -> None:
    fixture, sent = load(case), model_template(case, root)
    repacks = "repacked_members" in sent
    assert repacks == ("repacked_members" in fixture["deploy"]), "RLModel repacks exactly where the SDK repacked"
    expected = {**EVERY_TEMPLATE, **DIFFERENCES.get(case, {}), **TEMPLATE_DIFFERENCES.get(case, {})}
    assert_only(case, differences(masked_sdk(fixture), sent), {**expected, **(TEMPLATE_REPACK if repacks else {})})


@pytest.mark.parametrize("case", sorted(MODEL_REFUSED))
def test_an_rl_model_refuses_a_container_that_needs_a_repacked_archive(case: str, root: Path) -> None:
    fixture = load(case)
    assert "repacked_members" in fixture["deploy"]  # the SDK repacked: the code is read from the model archive
    settings = deploy_settings(fixture)
    stack = new_stack(fixture)
    with sources(fixture, root / f"model-{case}"), pytest.raises(RLConfigurationError, match=MODEL_REFUSED[case]):
        RLModel(stack, "Model", **model_props(stack, fixture, settings))


# ---- the lists stay true ----------------------------------------------------------------------------------------


def test_every_listed_case_is_a_recorded_deployment() -> None:
    tables = (
        NOT_EXPRESSIBLE, CLOSEST, PIPELINE_NOT_EXPRESSIBLE, MODEL_REFUSED, DIFFERENCES, RUN_DIFFERENCES,
        TEMPLATE_DIFFERENCES,
    )  # fmt: skip
    for table in tables:
        assert set(table) <= set(SERVED_CASES), sorted(set(table) - set(SERVED_CASES))
    # what both constructs send differs in DIFFERENCES; the pipeline's own differences are of deploys RLModel
    # refuses, that RLPipeline cannot say as the SDK does, or where each repacks in its own place
    repacked = {case for case in SERVED_CASES if "repacked_members" in load(case)["deploy"]}
    assert not set(RUN_DIFFERENCES) - set(MODEL_REFUSED) - set(PIPELINE_NOT_EXPRESSIBLE) - repacked


def test_the_deployments_of_the_notebooks_are_recorded() -> None:
    """One fixture per way the RL notebooks and using_rl.rst deploy (the recorder's cases)."""
    kinds = {
        "estimator.deploy(), Coach TensorFlow (TensorFlow Serving)": "catalog-coach-0.11.0-tensorflow-cpu",
        "estimator.deploy(), Coach MXNet (using_rl.rst)": "catalog-coach-0.11.0-mxnet-cpu",
        "estimator.deploy(entry_point=...), Coach MXNet": "deploy-coach-mxnet-serving-code",
        "estimator.deploy(entry_point=..., dependencies=...), Coach MXNet": "deploy-coach-mxnet-serving-dependencies",
        "MXNetModel 1.8 with an entry point": "deploy-mxnet-1.8-model-serving-code",
        "TensorFlowModel 2.5.1, Ray": "deploy-ray-tf-2.5.1-model",
        "TensorFlowModel 2.1.0, Ray 0.8": "deploy-ray-tf-2.1.0-model",
        "TensorFlowModel 1.x, Ray 0.6": "deploy-ray-tf-1.12-model",
        "PyTorchModel with an entry point, Ray PyTorch": "deploy-ray-pytorch-model-serving-code",
        "sagemaker.model.Model, Vowpal Wabbit": "deploy-vw-model",
        "custom image with a toolkit": "custom-image-with-toolkit",
        "custom image alone": "deploy-custom-image-alone",
        "custom image with serving code": "deploy-custom-image-serving-code",
        "estimator.deploy() in the job's VPC": "deploy-coach-vpc",
        "estimator.deploy(), Ray (refused)": "catalog-ray-1.6.0-tensorflow-cpu",
    }
    assert set(kinds.values()) <= set(DEPLOY_CASES), sorted(set(kinds.values()) - set(DEPLOY_CASES))
