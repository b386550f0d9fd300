"""Record what the SageMaker Python SDK itself sends, as the oracle of the training parity tests.

``python tools/record_sdk_fixtures.py`` (or ``make sdk-fixtures``) creates ``tools/.sdk-venv`` with the
pinned ``sagemaker<3`` and moto (PyPI is the only network it needs), then re-runs itself inside it. There,
for every case of :func:`cases`, it builds ``sagemaker.rl.RLEstimator(...)`` in a moto account (no AWS, no
network), calls ``fit(wait=False)`` and captures, through a botocore ``before-parameter-build`` hook, the
exact CreateTrainingJob request; for deployable cases it also calls ``deploy(wait=False)`` (or deploys an SDK
model class of the job's model data, as the RL notebooks do: see :func:`cases`) and captures CreateModel and
CreateEndpointConfig, and the members of the archive the SDK repacked for a deploy case. Each case becomes
one JSON file in ``tests/fixtures/sdk/``: the arguments, the source files the case used, the request, and the
members of the uploaded ``sourcedir.tar.gz``. Output is deterministic (sorted keys); the only varying parts
(the timestamp of the generated names, the default bucket, the code key, the role) are replaced by ``<...>``
placeholders.

The SDK is not a dependency of rl-constructs: the tests only read the fixtures.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "tools" / ".sdk-venv"
FIXTURES = ROOT / "tests" / "fixtures" / "sdk"
#: The oracle: the SDK version the reference facts were taken from, and the moto that fakes AWS for it.
REQUIREMENTS = ("sagemaker==2.257.7", "moto[s3,sagemaker]==5.2.5")

ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerRole"
KMS_KEY = "arn:aws:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}")

#: The source tree every case runs in (paths relative to the working directory of the case).
FILES = {
    "src/train.py": "print('train')\n",
    "src/lib/helper.py": "VALUE = 1\n",
    "common/sagemaker_rl/__init__.py": "",
    "common/sagemaker_rl/ray_launcher.py": "class SageMakerRayLauncher: ...\n",
    "shared/util.py": "def util(): ...\n",
    "train_alone.py": "print('alone')\n",
}

#: The SDK's supported toolkit x version x framework map (rlestimator-behaviour.md).
COMBINATIONS = [
    ("coach", "0.10", "tensorflow"),
    ("coach", "0.10.1", "tensorflow"),
    ("coach", "0.11", "tensorflow"),
    ("coach", "0.11", "mxnet"),
    ("coach", "0.11.0", "tensorflow"),
    ("coach", "0.11.0", "mxnet"),
    ("coach", "0.11.1", "tensorflow"),
    ("coach", "1.0.0", "tensorflow"),
    ("ray", "0.5", "tensorflow"),
    ("ray", "0.5.3", "tensorflow"),
    ("ray", "0.6", "tensorflow"),
    ("ray", "0.6.5", "tensorflow"),
    ("ray", "0.8.2", "tensorflow"),
    ("ray", "0.8.5", "tensorflow"),
    ("ray", "0.8.5", "pytorch"),
    ("ray", "1.6.0", "tensorflow"),
    ("ray", "1.6.0", "pytorch"),
]
CUSTOM_IMAGE = "123456789012.dkr.ecr.{region}.amazonaws.com/my-rl:latest"
#: The Vowpal Wabbit image of the SageMaker RL containers (not an RLToolkit of the SDK: passed as image_uri).
VW_IMAGE = "462105765813.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-vw-container:vw-8.7.0-cpu"
#: Serving code of the deploy cases (``deploy(entry_point=..., source_dir="serve")``); recorded only in those.
SERVING_FILES = {
    "serve/deploy-mxnet-coach.py": "def model_fn(model_dir): ...\n",
    "serve/lib/post.py": "def post(x): return x\n",
}


def _base(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "entry_point": "train.py",
        "source_dir": "src",
        "toolkit": "coach",
        "toolkit_version": "0.11.0",
        "framework": "tensorflow",
        "instance_type": "ml.c5.2xlarge",
        "instance_count": 1,
        "hyperparameters": {"discount": 0.99, "preset": "cartpole"},
    }
    arguments.update(overrides)
    return {key: value for key, value in arguments.items() if value is not None}


def cases() -> dict[str, dict[str, Any]]:
    """Case name -> {"region", "arguments" (RLEstimator's), "inputs" (fit's), "deploy"}."""
    found: dict[str, dict[str, Any]] = {}

    def add(name: str, arguments: dict[str, Any], region: str = "us-west-2", **extra: Any) -> None:
        found[name] = {"region": region, "arguments": arguments, "inputs": extra.get("inputs"), "deploy": False}
        found[name]["deploy"] = extra.get("deploy", False)

    for toolkit, version, framework in COMBINATIONS:
        for processor, instance_type in (("cpu", "ml.c5.2xlarge"), ("gpu", "ml.p3.2xlarge")):
            add(
                f"catalog-{toolkit}-{version}-{framework}-{processor}",
                _base(toolkit=toolkit, toolkit_version=version, framework=framework, instance_type=instance_type),
                deploy=processor == "cpu",
            )
    add("region-cn-north-1", _base(), region="cn-north-1", deploy=True)
    add("region-us-gov-west-1", _base(), region="us-gov-west-1")
    for region in ("ap-southeast-3", "eu-central-2", "us-gov-east-1"):  # Debugger and profiler left out
        add(f"region-{region}-custom-image", _base(image_uri=CUSTOM_IMAGE.format(region=region)), region=region)
    add("custom-image-with-toolkit", _base(image_uri=CUSTOM_IMAGE.format(region="us-west-2")), deploy=True)
    add(
        "custom-image-alone",
        _base(image_uri=CUSTOM_IMAGE.format(region="us-west-2"), toolkit=None, toolkit_version=None, framework=None),
    )
    add(
        "custom-image-ray-with-toolkit",
        _base(image_uri=CUSTOM_IMAGE.format(region="us-west-2"), toolkit="ray", toolkit_version="1.6.0"),
        deploy=True,
    )
    add(
        "custom-image-trainium",
        _base(
            image_uri=CUSTOM_IMAGE.format(region="us-west-2"),
            toolkit=None,
            toolkit_version=None,
            framework=None,
            instance_type="ml.trn1.2xlarge",
        ),
    )
    add("debugger-off", _base(debugger_hook_config=False))
    add("profiler-off", _base(disable_profiler=True))
    add("debugger-and-profiler-off", _base(debugger_hook_config=False, disable_profiler=True))
    add(
        "spot-checkpoints",
        _base(
            use_spot_instances=True,
            max_run=3600,
            max_wait=7200,
            checkpoint_s3_uri="s3://my-checkpoints/cartpole/",
            checkpoint_local_path="/opt/ml/checkpoints",
            instance_count=2,
        ),
    )
    add("vpc-by-ids", _base(subnets=["subnet-0a1b2c3d", "subnet-4e5f6a7b"], security_group_ids=["sg-0123abcd"]))
    add(
        "kms-keys",
        _base(volume_kms_key=KMS_KEY.format(region="us-west-2"), output_kms_key=KMS_KEY.format(region="us-west-2")),
    )
    add(
        "everything-else",
        _base(
            volume_size=100,
            max_run=7200,
            encrypt_inter_container_traffic=True,
            max_retry_attempts=3,
            environment={"MY_FLAG": "1"},
            tags=[{"Key": "team", "Value": "rl"}],
            output_path="s3://my-output/rl/",
            metric_definitions=[
                {"Name": "training_iteration", "Regex": "training_iteration: ([0-9]+)"},
                {"Name": "training_iteration", "Regex": "training_iteration: ([0-9]+)"},
            ],
        ),
    )
    add("network-isolation", _base(enable_network_isolation=True), deploy=True)
    add(
        "hyperparameters-every-kind",
        _base(
            hyperparameters={
                "float": 0.1,
                "small": 1e-07,
                "int": 100,
                "bool": True,
                "none": None,
                "text": "cart pole",
                "unicode": "Größe ∑",
                "list": [64, 64],
                "nested": {"a": [1, 2.5], "b": None},
            }
        ),
    )
    add("channel-uri", _base(), inputs={"train": "s3://my-data/train/"})
    add(
        "channel-training-input",
        _base(),
        inputs={
            "model": {"s3_data": "s3://my-data/model/", "content_type": "application/x-sagemaker-model"},
            "train": {
                "s3_data": "s3://my-data/train/manifest",
                "distribution": "ShardedByS3Key",
                "compression": "Gzip",
                "content_type": "application/x-recordio",
                "record_wrapping": "RecordIO",
                "s3_data_type": "ManifestFile",
                "input_mode": "Pipe",
                "shuffle_config": 42,
            },
            "augmented": {
                "s3_data": "s3://my-data/augmented.manifest",
                "s3_data_type": "AugmentedManifestFile",
                "attribute_names": ["source-ref", "label"],
                "input_mode": "FastFile",
            },
        },
    )
    add("source-s3", _base(source_dir="s3://my-code/cartpole/sourcedir.tar.gz"), deploy=True)
    add("source-entry-point-alone", _base(source_dir=None, entry_point="train_alone.py"))
    add("dependencies-trailing-slash", _base(dependencies=["common/"]))
    add("dependencies-folder-and-file", _base(dependencies=["common", "shared/util.py"]))
    add("base-job-name-short", _base(base_job_name="cartpole"))
    add("base-job-name-long", _base(base_job_name="rl-cartpole-coach-clipped-ppo-notebook-example-v2"))
    add("base-job-name-39", _base(base_job_name="a" * 39))
    # deploy(entry_point=..., source_dir=...): serving code apart from the training code (the RL notebooks' MXNet
    # deployments); the dict is deploy()'s extra arguments.
    add(
        "deploy-coach-mxnet-serving-code",
        _base(framework="mxnet"),
        deploy={"entry_point": "deploy-mxnet-coach.py", "source_dir": "serve"},
    )
    # ... with dependencies: MXNet 1.3 reads the serving code from S3, the sourcedir.tar.gz deploy() uploads (its
    # members recorded as "serving_archive_members"; a repacked archive puts dependencies under code/lib/ instead).
    add(
        "deploy-coach-mxnet-serving-dependencies",
        _base(framework="mxnet"),
        deploy={
            "entry_point": "deploy-mxnet-coach.py",
            "source_dir": "serve",
            "dependencies": ["common", "shared/util.py"],
        },
    )
    # MXNetModel(framework_version="1.8.0").deploy() of the job's model data with an entry point: the SDK repacks
    # model.tar.gz with the code under code/ (the recorded "repacked_members") and serves it from there.
    add(
        "deploy-mxnet-1.8-model-serving-code",
        _base(framework="mxnet"),
        deploy={
            "entry_point": "deploy-mxnet-coach.py",
            "source_dir": "serve",
            "model_class": "MXNetModel",
            "framework_version": "1.8.0",
            "py_version": "py37",
        },
    )
    # The RL notebooks' other deployments (amazon-sagemaker-examples, reinforcement_learning/). A dict deploy is
    # estimator.deploy()'s extra arguments, or with "model_class" that SDK class's arguments for
    # ``cls(model_data=estimator.model_data, role=...)``; "deploy_options" go to deploy(). Ray is refused by
    # RLEstimator.deploy(), so the Ray notebooks serve the SavedModel with TensorFlowModel (rl_cartpole_ray,
    # rl_roboschool_ray, rl_unity_ray, rl_mujoco_ray, rl_gamerserver_ray: 2.5.1; their Ray 0.8 versions: 2.1.0;
    # Ray 0.5/0.6: TensorFlow Serving 1.x).
    for toolkit_version, serving in (("1.6.0", "2.5.1"), ("0.8.5", "2.1.0"), ("0.6.5", "1.12")):
        add(
            f"deploy-ray-tf-{serving}-model",
            _base(toolkit="ray", toolkit_version=toolkit_version),
            deploy={"model_class": "TensorFlowModel", "framework_version": serving},
        )
    # Ray PyTorch: PyTorchModel with an inference script (pytorch-inference loads it from code/ in the repacked
    # model.tar.gz); with dependencies, which the SDK's repack puts under code/lib/.
    add(
        "deploy-ray-pytorch-model-serving-code",
        _base(toolkit="ray", toolkit_version="1.6.0", framework="pytorch"),
        deploy={
            "model_class": "PyTorchModel",
            "entry_point": "deploy-mxnet-coach.py",
            "source_dir": "serve",
            "dependencies": ["common"],
            "framework_version": "1.8.1",
            "py_version": "py3",
        },
    )
    # Vowpal Wabbit (bandits_movielens_testbed): trained with the VW image as image_uri, served by
    # sagemaker.model.Model(image_uri=vw_image_uri, name=..., model_data=...).deploy(endpoint_name="bandit").
    add(
        "deploy-vw-model",
        _base(image_uri=VW_IMAGE, toolkit=None, toolkit_version=None, framework=None),
        deploy={
            "model_class": "Model",
            "image_uri": VW_IMAGE,
            "name": "vw-model-1",
            "deploy_options": {"endpoint_name": "bandit"},
        },
    )
    # Custom images: estimator.deploy() serves the training image (a FrameworkModel: the SDK repacks the training
    # code into model.tar.gz), with the training code or with serving code.
    custom_alone = _base(image_uri=CUSTOM_IMAGE.format(region="us-west-2"), toolkit=None, toolkit_version=None,
                         framework=None)  # fmt: skip
    add("deploy-custom-image-alone", custom_alone, deploy={})
    add(
        "deploy-custom-image-serving-code",
        custom_alone,
        deploy={"entry_point": "deploy-mxnet-coach.py", "source_dir": "serve"},
    )
    # create_model() reuses the estimator's VPC (vpc_config=self.get_vpc_config()).
    add(
        "deploy-coach-vpc",
        _base(subnets=["subnet-0a1b2c3d", "subnet-4e5f6a7b"], security_group_ids=["sg-0123abcd"]),
        deploy={},
    )
    return found


# ---- inside the SDK's venv ----------------------------------------------------------------------------------


def _mask(value: Any, replacements: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {key: _mask(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item, replacements) for item in value]
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        return TIMESTAMP.sub("<TIMESTAMP>", value)
    return value


def _training_input(spec: Any) -> Any:
    from sagemaker.inputs import ShuffleConfig, TrainingInput

    if isinstance(spec, str):
        return spec
    kwargs = dict(spec)
    if "shuffle_config" in kwargs:
        kwargs["shuffle_config"] = ShuffleConfig(kwargs["shuffle_config"])
    return TrainingInput(**kwargs)


#: The SDK's model classes a deploy case may name as ``model_class`` (module, class).
MODEL_CLASSES = {
    "MXNetModel": ("sagemaker.mxnet", "MXNetModel"),
    "TensorFlowModel": ("sagemaker.tensorflow", "TensorFlowModel"),
    "PyTorchModel": ("sagemaker.pytorch", "PyTorchModel"),
    "Model": ("sagemaker.model", "Model"),
}


def _record_deploy(spec: bool | dict[str, Any], estimator: Any, sm_session: Any, s3: Any) -> dict[str, Any]:
    """Deploy the fitted job as ``spec`` says (see :func:`cases`); the CreateModel and CreateEndpointConfig
    requests, and, when the SDK repacked the model data, the members of the served archive (when it uploaded serving
    code that the container reads from S3, that archive's members)."""
    import importlib

    captured: dict[str, Any] = {}

    def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
        captured[model.name] = copy.deepcopy(params)

    for operation in ("CreateModel", "CreateEndpointConfig"):
        sm_session.sagemaker_client.meta.events.register(f"before-parameter-build.sagemaker.{operation}", capture)
    # moto's job has no model.tar.gz; code is repacked into it (custom images, serving code), so put one there:
    # a real archive of one member, as the repacked members show.
    model_data = estimator.model_data
    bucket, _, key = model_data[len("s3://") :].partition("/")
    archive_bytes = io.BytesIO()
    with tarfile.open(fileobj=archive_bytes, mode="w:gz") as archive:
        info = tarfile.TarInfo("model/policy.params")
        info.size = 6
        archive.addfile(info, io.BytesIO(b"params"))
    s3.put_object(Bucket=bucket, Key=key, Body=archive_bytes.getvalue())
    arguments = dict(spec) if isinstance(spec, dict) else {}
    model_class = arguments.pop("model_class", None)
    options = {"initial_instance_count": 1, "instance_type": "ml.m5.large", "wait": False}
    options.update(arguments.pop("deploy_options", {}))
    if model_class is None:
        estimator.deploy(**options, **arguments)
    else:
        module, attribute = MODEL_CLASSES[model_class]
        cls = getattr(importlib.import_module(module), attribute)
        model = cls(model_data=model_data, role=ROLE_ARN, sagemaker_session=sm_session, **arguments)
        model.deploy(**options)
    deploy = {"CreateModel": captured.get("CreateModel"), "CreateEndpointConfig": captured.get("CreateEndpointConfig")}
    container = captured["CreateModel"]["PrimaryContainer"]
    submit = container.get("Environment", {}).get("SAGEMAKER_SUBMIT_DIRECTORY", "")
    uploaded = getattr(estimator, "uploaded_code", None)
    if isinstance(spec, dict) and submit.startswith("s3://") and submit != getattr(uploaded, "s3_prefix", None):
        bucket, _, key = submit[len("s3://") :].partition("/")  # serving code deploy() uploaded, read from S3
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            deploy["serving_archive_members"] = sorted(m.name for m in archive.getmembers() if m.isfile())
    served = container["ModelDataUrl"]
    if served != model_data:  # repacked (with the code under code/)
        bucket, _, key = served[len("s3://") :].partition("/")
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            deploy["repacked_members"] = sorted(m.name for m in archive.getmembers() if m.isfile())
    return deploy


def record_case(name: str, case: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one case in a fresh moto account; return its fixture."""
    import boto3
    import sagemaker
    from moto import mock_aws
    from sagemaker.rl import RLEstimator, RLFramework, RLToolkit

    region = case["region"]
    captured: dict[str, Any] = {}

    def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
        captured[model.name] = copy.deepcopy(params)

    with mock_aws():
        session = boto3.Session(region_name=region)
        sm_session = sagemaker.Session(boto_session=session)
        sm_session.sagemaker_client.meta.events.register("before-parameter-build.sagemaker.CreateTrainingJob", capture)
        s3 = session.client("s3")
        for bucket in ("my-code", "my-data", "my-output", "my-checkpoints"):
            if region == "us-east-1":
                s3.create_bucket(Bucket=bucket)
            else:
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        arguments = copy.deepcopy(case["arguments"])
        if "toolkit" in arguments:  # the SDK takes its enums, not their values
            arguments["toolkit"] = RLToolkit(arguments["toolkit"])
        if "framework" in arguments:
            arguments["framework"] = RLFramework(arguments["framework"])
        estimator = RLEstimator(role=ROLE_ARN, sagemaker_session=sm_session, **arguments)
        inputs = case["inputs"]
        fit_inputs = {channel: _training_input(spec) for channel, spec in inputs.items()} if inputs else None
        estimator.fit(inputs=fit_inputs, wait=False, logs=False)
        request = captured["CreateTrainingJob"]
        default_bucket = sm_session.default_bucket()
        members: list[str] | None = None
        replacements = [(ROLE_ARN, "<ROLE_ARN>")]
        uploaded = getattr(estimator, "uploaded_code", None)
        code_uri = uploaded.s3_prefix if uploaded is not None else ""
        if code_uri and not code_uri.startswith("s3://my-code/"):  # packaged by the SDK, not given as S3
            bucket, _, key = code_uri[len("s3://") :].partition("/")
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
                members = sorted(member.name for member in archive.getmembers() if member.isfile())
            replacements.insert(0, (code_uri, "s3://<CODE_BUCKET>/<CODE_KEY>"))
        replacements.append((f"s3://{default_bucket}/", "s3://<OUTPUT_BUCKET>/"))
        deploy: dict[str, Any] | None = None
        if case["deploy"] is not False:  # True (deploy()), or a dict: a deploy case (see cases())
            try:
                deploy = _record_deploy(case["deploy"], estimator, sm_session, s3)
            except Exception as error:  # the SDK's refusal is a fact worth recording too
                deploy = {"error": f"{type(error).__name__}: {error}"}
    fixture = {
        "sdk": f"sagemaker {sagemaker.__version__}",
        "case": name,
        "region": region,
        "arguments": case["arguments"],
        # fit's inputs as [name, channel] pairs: their order is the order of InputDataConfig.
        "inputs": [[channel, spec] for channel, spec in inputs.items()] if inputs else None,
        "files": FILES,
        "archive_members": members,
        "request": request,
        "deploy": deploy,
    }
    if isinstance(case["deploy"], dict):
        fixture["deploy_arguments"] = case["deploy"]
        fixture["serving_files"] = SERVING_FILES
    return _mask(fixture, replacements)  # type: ignore[no-any-return]


#: Where the HyperparameterTuner cases go (a folder of their own: the training parity tests read ``sdk/*.json``).
TUNING_FIXTURES = FIXTURES / "tuning"
SHORT_TIMESTAMP = re.compile(r"\d{6}-\d{4}")


def tuning_cases() -> dict[str, dict[str, Any]]:
    """Case name -> {"region", "arguments" (RLEstimator's), "tuner" (HyperparameterTuner's; ranges as
    ``{"kind": "continuous"|"integer"|"categorical", ...}``, warm start as ``{"type", "parents"}``)}."""
    base = _base(hyperparameters={"discount": 0.99, "preset": "cartpole", "lr": 0.001, "epochs": 5})
    return {
        "tuning-ranges-every-kind": {
            "region": "us-west-2",
            "arguments": base,
            "tuner": {
                "objective_metric_name": "reward-training",
                "hyperparameter_ranges": {
                    "lr": {"kind": "continuous", "min_value": 0.0001, "max_value": 0.1, "scaling_type": "Logarithmic"},
                    "epochs": {"kind": "integer", "min_value": 1, "max_value": 10, "scaling_type": "Auto"},
                    "preset": {"kind": "categorical", "values": ["cartpole", "cartpole-dqn"]},
                },
                "strategy": "Bayesian",
                "objective_type": "Maximize",
                "max_jobs": 4,
                "max_parallel_jobs": 2,
                "early_stopping_type": "Auto",
                "base_tuning_job_name": "cartpole-tune",
                "metric_definitions": "toolkit-defaults",  # RLEstimator.default_metric_definitions(toolkit)
            },
        },
        "tuning-random-warm-start": {
            "region": "us-west-2",
            "arguments": _base(use_spot_instances=True, max_run=3600, max_wait=7200),
            "tuner": {
                "objective_metric_name": "reward-testing",
                "hyperparameter_ranges": {
                    "discount": {"kind": "continuous", "min_value": 0.9, "max_value": 0.999},
                },
                "strategy": "Random",
                "objective_type": "Minimize",
                "max_jobs": 10,
                "max_parallel_jobs": 5,
                "base_tuning_job_name": "cartpole-warm",
                "warm_start": {"type": "TransferLearning", "parents": ["parent-tuning-a"]},
            },
        },
    }


def record_tuning_case(name: str, case: dict[str, Any]) -> dict[str, Any]:
    """Run one tuner case in a fresh moto account: the CreateHyperParameterTuningJob request it sends."""
    import boto3
    import sagemaker
    from moto import mock_aws
    from sagemaker.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter
    from sagemaker.rl import RLEstimator, RLFramework, RLToolkit
    from sagemaker.tuner import HyperparameterTuner, WarmStartConfig, WarmStartTypes

    region = case["region"]
    captured: dict[str, Any] = {}

    def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
        captured[model.name] = copy.deepcopy(params)

    with mock_aws():
        session = boto3.Session(region_name=region)
        sm_session = sagemaker.Session(boto_session=session)
        event = "before-parameter-build.sagemaker.CreateHyperParameterTuningJob"
        sm_session.sagemaker_client.meta.events.register(event, capture)
        arguments = copy.deepcopy(case["arguments"])
        arguments["toolkit"] = RLToolkit(arguments["toolkit"])
        arguments["framework"] = RLFramework(arguments["framework"])
        estimator = RLEstimator(role=ROLE_ARN, sagemaker_session=sm_session, **arguments)
        tuner_args = copy.deepcopy(case["tuner"])
        kinds = {"continuous": ContinuousParameter, "integer": IntegerParameter}
        ranges: dict[str, Any] = {}
        for hp, spec in tuner_args.pop("hyperparameter_ranges").items():
            kind = spec.pop("kind")
            ranges[hp] = CategoricalParameter(spec["values"]) if kind == "categorical" else kinds[kind](**spec)
        if tuner_args.get("metric_definitions") == "toolkit-defaults":  # the tuner sends only its own
            tuner_args["metric_definitions"] = RLEstimator.default_metric_definitions(arguments["toolkit"])
        warm = tuner_args.pop("warm_start", None)
        if warm is not None:
            tuner_args["warm_start_config"] = WarmStartConfig(WarmStartTypes(warm["type"]), parents=warm["parents"])
        tuner = HyperparameterTuner(estimator, hyperparameter_ranges=ranges, **tuner_args)
        try:
            tuner.fit(wait=False)
        except Exception as error:  # moto may refuse what it does not implement: the request is captured before
            if "CreateHyperParameterTuningJob" not in captured:
                raise
            print(f"(moto after capture: {type(error).__name__})", file=sys.stderr)
        request = captured["CreateHyperParameterTuningJob"]
        default_bucket = sm_session.default_bucket()
        code_uri = estimator.uploaded_code.s3_prefix
    fixture = {
        "sdk": f"sagemaker {sagemaker.__version__}",
        "case": name,
        "region": region,
        "arguments": case["arguments"],
        "tuner": case["tuner"],
        "files": FILES,
        "request": request,
    }
    replacements = [
        (code_uri, "s3://<CODE_BUCKET>/<CODE_KEY>"),
        (ROLE_ARN, "<ROLE_ARN>"),
        (f"s3://{default_bucket}/", "s3://<OUTPUT_BUCKET>/"),
    ]
    masked = _mask(fixture, replacements)
    return json.loads(SHORT_TIMESTAMP.sub("<SHORT_TIMESTAMP>", json.dumps(masked)))  # type: ignore[no-any-return]


def record_all(only: list[str] | None) -> int:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
        }
    )
    FIXTURES.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config = workdir / "sdk-config.yaml"
        config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
        os.environ["SAGEMAKER_USER_CONFIG_OVERRIDE"] = str(config)
        for relative, text in {**FILES, **SERVING_FILES}.items():
            (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
            (workdir / relative).write_text(text)
        os.chdir(workdir)
        for name, case in cases().items():
            if only and name not in only:
                continue
            try:
                fixture = record_case(name, case, workdir)
            except Exception as error:
                failures += 1
                print(f"FAILED {name}: {type(error).__name__}: {error}", file=sys.stderr)
                continue
            path = FIXTURES / f"{name}.json"
            path.write_text(json.dumps(fixture, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
            print(f"recorded {path.relative_to(ROOT)}")
        TUNING_FIXTURES.mkdir(parents=True, exist_ok=True)
        for name, case in tuning_cases().items():
            if only and name not in only:
                continue
            try:
                fixture = record_tuning_case(name, case)
            except Exception as error:
                failures += 1
                print(f"FAILED {name}: {type(error).__name__}: {error}", file=sys.stderr)
                continue
            path = TUNING_FIXTURES / f"{name}.json"
            path.write_text(json.dumps(fixture, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
            print(f"recorded {path.relative_to(ROOT)}")
    return 1 if failures else 0


#: The oracle of the serving catalog: every URI ``sagemaker.image_uris.retrieve(..., image_scope="inference")``
#: returns for the serving images of ``rl_constructs/core/images.json`` (not read from that file's data: only
#: its (framework, version, python) keys are taken, the URIs come from the SDK): each version alias and each
#: release under it.
SERVING_IMAGES_FIXTURE = FIXTURES / "serving" / "images.json"
SERVING_IMAGES_CASE = "serving-images"


def record_serving_images() -> Path:
    """Write :data:`SERVING_IMAGES_FIXTURE`: for each serving (framework, version, py_version) of the catalog,
    the SDK's inference image URI for cpu and gpu in every region it supports, and the regions it refuses."""
    from sagemaker import image_uris

    catalog = json.loads((ROOT / "rl_constructs" / "core" / "images.json").read_text(encoding="utf-8"))
    records: list[dict[str, Any]] = []
    for framework, entry in catalog["serving"].items():
        if framework.startswith("_"):
            continue
        config = image_uris.config_for_framework(framework)["inference"]
        for alias, newest in entry["version_aliases"].items():
            # the alias (served as its newest release), then every release under it in the catalog
            under = [v for v in entry["versions"] if ".".join(v.split(".")[:2]) == alias and v != alias]
            for version, release in [(alias, newest), *((v, v) for v in under)]:
                spec = config["versions"][release]
                py_versions = entry["versions"][release].get("py_versions") or []
                py_version = "py3" if "py3" in py_versions else (py_versions[0] if py_versions else None)
                regions = spec["registries"] if "registries" in spec else spec[py_version]["registries"]
                uris = {
                    f"{region}/{processor}": image_uris.retrieve(
                        framework,
                        region,
                        version=version,
                        py_version=py_version,
                        instance_type="ml.c5.xlarge" if processor == "cpu" else "ml.p3.2xlarge",
                        image_scope="inference",
                    )
                    for region in sorted(regions)
                    for processor in ("cpu", "gpu")
                }
                records.append({"framework": framework, "version": version, "py_version": py_version, "uris": uris})
    SERVING_IMAGES_FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    fixture = {"sdk": "sagemaker " + __import__("sagemaker").__version__, "images": records}
    SERVING_IMAGES_FIXTURE.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
    return SERVING_IMAGES_FIXTURE


#: The oracle of the training catalog's registries: the URI ``sagemaker.image_uris.retrieve()`` returns (as
#: ``RLEstimator.training_image_uri()`` calls it) for a CPU instance in every region the SDK lists for each
#: training image of ``rl_constructs/core/images.json`` (only its (image, version) keys are taken from that file).
TRAINING_IMAGES_FIXTURE = FIXTURES / "training" / "images.json"
TRAINING_IMAGES_CASE = "training-images"


def record_training_images() -> Path:
    """Write :data:`TRAINING_IMAGES_FIXTURE`: for each training (image, version) of the catalog, the SDK's
    CPU training image URI in every region its table lists."""
    from sagemaker import image_uris

    catalog = json.loads((ROOT / "rl_constructs" / "core" / "images.json").read_text(encoding="utf-8"))
    records: list[dict[str, Any]] = []
    for framework, entry in catalog["training"].items():
        if framework.startswith("_"):
            continue
        config = image_uris.config_for_framework(framework)
        for version in entry["versions"]:
            uris = {
                region: image_uris.retrieve(framework, region, version=version, instance_type="ml.c5.xlarge")
                for region in sorted(config["versions"][version]["registries"])
            }
            records.append({"image": framework, "version": version, "uris": uris})
    TRAINING_IMAGES_FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    fixture = {"sdk": "sagemaker " + __import__("sagemaker").__version__, "images": records}
    TRAINING_IMAGES_FIXTURE.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
    return TRAINING_IMAGES_FIXTURE


# ---- outside: make the venv, run inside it -------------------------------------------------------------------


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    marker = VENV / ".requirements"
    if not python.exists():
        venv.create(VENV, with_pip=True)
    if not marker.exists() or marker.read_text() != "\n".join(REQUIREMENTS):
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS], check=True
        )
        marker.write_text("\n".join(REQUIREMENTS))
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "cases",
        nargs="*",
        help=f"record only these cases (default: all); {SERVING_IMAGES_CASE} or {TRAINING_IMAGES_CASE}: the catalog",
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        if args.cases == [SERVING_IMAGES_CASE]:
            print(f"recorded {record_serving_images().relative_to(ROOT)}")
            return 0
        if args.cases == [TRAINING_IMAGES_CASE]:
            print(f"recorded {record_training_images().relative_to(ROOT)}")
            return 0
        return record_all(args.cases)
    python = ensure_venv()
    return subprocess.run([str(python), str(Path(__file__).resolve()), "--inside", *args.cases], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
