"""validate_request against botocore's SageMaker model: every constraint of every field the requests hold,
both sides of each boundary, generated from the model (botocore's ``ServiceModel`` and ``ParamValidator``
and the ``regex`` module's Java-compatible patterns are the oracles, not the code under test)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
import regex  # type: ignore[import-untyped]  # (a cfn-lint dependency) Java-style \p{L} classes, the oracle
from botocore.validate import ParamValidator

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.request_validation import (
    ARGUMENTS,
    MAX_ENVIRONMENT_BYTES,
    MAX_RUNTIME_SECONDS,
    is_deploy_time,
    validate_request,
)

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")
ROLE = "arn:aws:iam::111122223333:role/sagemaker"
KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NUMBER_TOKEN = -1.8881545897087626e289  # how aws-cdk-lib encodes a number token

#: One literal request per operation, with every section the constructs render.
SAMPLES: dict[str, dict[str, Any]] = {
    "CreateTrainingJob": {
        "TrainingJobName": "cartpole-1",
        "AlgorithmSpecification": {
            "TrainingImage": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3",
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "reward-training", "Regex": "^Training>.*Total reward=(.*?),"}],
        },
        "RoleArn": ROLE,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://data/train/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://models/out/", "KmsKeyId": KEY},
        "ResourceConfig": {
            "InstanceType": "ml.c5.2xlarge",
            "InstanceCount": 2,
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": KEY,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 86_400, "MaxWaitTimeInSeconds": 90_000},
        "HyperParameters": {"discount": "0.99"},
        "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]},
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "EnableManagedSpotTraining": True,
        "CheckpointConfig": {"S3Uri": "s3://ckpt/run/", "LocalPath": "/opt/ml/checkpoints"},
        "RetryStrategy": {"MaximumRetryAttempts": 3},
        "Environment": {"LOG_LEVEL": "info"},
        "Tags": [{"Key": "team", "Value": "rl"}],
    },
    "CreateModel": {
        "ModelName": "cartpole",
        "PrimaryContainer": {
            "Image": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu",
            "ModelDataUrl": "s3://models/out/job/output/model.tar.gz",
            "Environment": {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
        },
        "ExecutionRoleArn": ROLE,
        "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]},
        "EnableNetworkIsolation": True,
        "Tags": [{"Key": "team", "Value": "rl"}],
    },
    "CreateEndpointConfig": {
        "EndpointConfigName": "cartpole-config",
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": "cartpole",
                "InitialVariantWeight": 1,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
        "KmsKeyId": KEY,
        "DataCaptureConfig": {
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": "s3://captures/data-capture/",
            "KmsKeyId": KEY,
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        },
    },
    "CreateEndpoint": {"EndpointName": "cartpole", "EndpointConfigName": "cartpole-config"},
    "UpdateEndpoint": {"EndpointName": "cartpole", "EndpointConfigName": "cartpole-config"},
}


#: Fields whose valid range depends on another field (MaxWaitTimeInSeconds >= MaxRuntimeInSeconds).
CROSS_FIELD = {("StoppingCondition", "MaxWaitTimeInSeconds"), ("StoppingCondition", "MaxRuntimeInSeconds")}


def botocore_errors(operation: str, request: dict[str, Any]) -> bool:
    return bool(ParamValidator().validate(request, SAGEMAKER.operation_model(operation).input_shape).has_errors())


def leaves(shape: Any, value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any, Any]]:
    """(path, shape, value) of every field of the sample, containers included, by botocore's own model."""
    yield path, shape, value
    if shape.type_name == "structure":
        for name, member in value.items():
            yield from leaves(shape.members[name], member, (*path, name))
    elif shape.type_name == "list":
        for index, item in enumerate(value):
            yield from leaves(shape.member, item, (*path, index))
    elif shape.type_name == "map":
        for key, item in value.items():
            yield from leaves(shape.value, item, (*path, key))


def replaced(request: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(request)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


def dotted(path: tuple[Any, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")


def java_match(pattern: str, value: str) -> bool:
    return regex.fullmatch(pattern, value) is not None


def cases() -> Iterator[Any]:
    """One case per constraint of every field in the samples: (operation, path, bad or good value, ok?, rule)."""
    for operation, sample in SAMPLES.items():
        shape = SAGEMAKER.operation_model(operation).input_shape
        for path, field, value in leaves(shape, sample):
            if not path or path in CROSS_FIELD:
                continue  # its boundaries depend on another field: tested with the cross-field rules below
            meta = field.metadata
            kind = field.type_name
            name = f"{operation}:{dotted(path)}"
            enum = getattr(field, "enum", None)
            if kind == "string" and not enum:
                if "max" in meta:
                    at_max = value + value[-1] * (meta["max"] - len(value))
                    if java_match(meta.get("pattern", r"[\s\S]*"), at_max):
                        yield pytest.param(operation, path, at_max, True, "", id=f"{name}=max")
                    yield pytest.param(operation, path, at_max + value[-1], False, "at most", id=f"{name}>max")
                if meta.get("min", 0) > 0:
                    yield pytest.param(operation, path, value[: meta["min"] - 1], False, "at least", id=f"{name}<min")
                if "pattern" in meta and not java_match(meta["pattern"], value + "\n#"):
                    yield pytest.param(operation, path, value + "\n#", False, "pattern", id=f"{name}~pattern")
                yield pytest.param(operation, path, 7, False, "must be a string", id=f"{name}:type")
                yield pytest.param(operation, path, "${Token[TOKEN.12]}", True, "", id=f"{name}=token")
            elif enum:
                yield pytest.param(operation, path, "NotAValue", False, "must be one of", id=f"{name}~enum")
            elif kind in ("integer", "long"):
                for bound, step, rule in (("min", -1, "at least"), ("max", 1, "at most")):
                    if bound in meta:
                        yield pytest.param(operation, path, meta[bound], True, "", id=f"{name}={bound}")
                        yield pytest.param(operation, path, meta[bound] + step, False, rule, id=f"{name}~{bound}")
                yield pytest.param(operation, path, True, False, "must be an integer", id=f"{name}:bool")
                yield pytest.param(operation, path, "1", False, "must be an integer", id=f"{name}:type")
                yield pytest.param(operation, path, NUMBER_TOKEN, True, "", id=f"{name}=token")
            elif kind in ("float", "double"):
                yield pytest.param(operation, path, "1", False, "must be a number", id=f"{name}:type")
            elif kind == "boolean":
                yield pytest.param(operation, path, 1, False, "must be true or false", id=f"{name}:type")
            elif kind == "list":
                if "max" in meta:
                    yield pytest.param(operation, path, [value[0]] * meta["max"], True, "", id=f"{name}=max")
                    yield pytest.param(
                        operation, path, [value[0]] * (meta["max"] + 1), False, "at most", id=f"{name}>max"
                    )
                if meta.get("min", 0) > 0:
                    yield pytest.param(operation, path, [], False, "at least", id=f"{name}<min")
                yield pytest.param(operation, path, {"a": 1}, False, "must be a list", id=f"{name}:type")
            elif kind == "map":
                key, item = next(iter(value.items()))
                if "max" in meta:
                    full = {f"{key}{i}": item for i in range(meta["max"])}
                    yield pytest.param(operation, path, full, True, "", id=f"{name}=max")
                    yield pytest.param(operation, path, {**full, f"{key}x": item}, False, "at most", id=f"{name}>max")
                yield pytest.param(operation, path, [key], False, "must be an object", id=f"{name}:type")
            elif kind == "structure":
                for member in field.required_members:
                    smaller = {k: v for k, v in value.items() if k != member}
                    yield pytest.param(operation, path, smaller, False, "is required", id=f"{name}-{member}")
                yield pytest.param(operation, path, "{% $states.input.x %}", True, "", id=f"{name}=jsonata")


@pytest.mark.parametrize("operation", sorted(SAMPLES))
def test_the_samples_are_valid_for_botocore_and_for_the_validator(operation: str) -> None:
    assert not botocore_errors(operation, SAMPLES[operation])
    validate_request(operation, SAMPLES[operation])


@pytest.mark.parametrize(("operation", "path", "value", "ok", "rule"), list(cases()))
def test_every_constraint_of_every_field(
    operation: str, path: tuple[Any, ...], value: Any, ok: bool, rule: str
) -> None:
    request = replaced(SAMPLES[operation], path, value)
    if ok:
        validate_request(operation, request)
        return
    with pytest.raises(RLConfigurationError) as error:
        validate_request(operation, request)
    message = str(error.value)
    assert rule in message
    # The API path is in the message, and the argument is the construct's name for it, not the path.
    top = str(path[0])
    assert top in message
    assert error.value.argument in set(ARGUMENTS[operation].values()), message
    botocore_checks = ("is required", "must be a string", "must be an integer", "must be a list", "must be an object")
    if rule in botocore_checks and value is not True:  # botocore takes a bool for an int; SageMaker does not
        assert botocore_errors(operation, request), "botocore's own validator agrees"


def test_the_case_generator_covers_every_kind_of_rule() -> None:
    ids = [case.id for case in cases()]
    for suffix in (">max", "<min", "~pattern", ":type", "=token", "~enum", "~min", "~max", "=jsonata", ":bool"):
        assert any(suffix in case_id for case_id in ids), suffix
    assert len(ids) > 300


# ---- the rules the API reference states in prose ---------------------------------------------------------------


def training(**changes: Any) -> dict[str, Any]:
    request = copy.deepcopy(SAMPLES["CreateTrainingJob"])
    for key, value in changes.items():
        if value is None:
            request.pop(key, None)
        else:
            request[key] = value
    return request


@pytest.mark.parametrize(
    ("runtime", "wait", "ok"),
    [(3600, 3600, True), (3600, 3599, False), (MAX_RUNTIME_SECONDS, MAX_RUNTIME_SECONDS, True)],
)
def test_spot_training_waits_at_least_the_runtime(runtime: int, wait: int, ok: bool) -> None:
    request = training(StoppingCondition={"MaxRuntimeInSeconds": runtime, "MaxWaitTimeInSeconds": wait})
    if ok:
        validate_request("CreateTrainingJob", request)
    else:
        with pytest.raises(RLConfigurationError, match=r"^max_wait: .*at least MaxRuntimeInSeconds \(3600\)"):
            validate_request("CreateTrainingJob", request)


def test_spot_training_needs_max_wait_and_runtime_is_at_most_28_days() -> None:
    with pytest.raises(RLConfigurationError, match=r"^max_wait: .*is required with EnableManagedSpotTraining"):
        validate_request("CreateTrainingJob", training(StoppingCondition={"MaxRuntimeInSeconds": 60}))
    too_long = {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS + 1, "MaxWaitTimeInSeconds": MAX_RUNTIME_SECONDS + 1}
    with pytest.raises(RLConfigurationError, match=r"^max_run: .*at most 2419200 \(28 days\)"):
        validate_request("CreateTrainingJob", training(StoppingCondition=too_long))
    tokens = {"MaxRuntimeInSeconds": NUMBER_TOKEN, "MaxWaitTimeInSeconds": 60}
    validate_request("CreateTrainingJob", training(StoppingCondition=tokens))  # checked where it resolves


@pytest.mark.parametrize("key", ["aws:team", "AWS:team", "team#1", "team\n"])
def test_tag_keys_reserved_or_outside_the_pattern_are_refused(key: str) -> None:
    with pytest.raises(RLConfigurationError, match=r"^tags: Tags"):
        validate_request("CreateTrainingJob", training(Tags=[{"Key": key, "Value": "v"}]))


@pytest.mark.parametrize("key", ["team", "équipe rl", "a:b/c=d+e-f@g_h.i", "awsteam"])
def test_tag_keys_of_letters_spaces_and_the_documented_symbols_are_accepted(key: str) -> None:
    validate_request("CreateTrainingJob", training(Tags=[{"Key": key, "Value": "v"}]))


def test_a_container_environment_is_at_most_32_kb_combined() -> None:
    def model(size: int) -> dict[str, Any]:
        environment = {f"K{i:03d}": "v" * 1020 for i in range(size // 1024)}  # 1024 bytes per entry
        rest = size - 1024 * len(environment)
        if rest:
            environment["R"] = "v" * (rest - 1)
        container = {**SAMPLES["CreateModel"]["PrimaryContainer"], "Environment": environment}
        return {**SAMPLES["CreateModel"], "PrimaryContainer": container}

    validate_request("CreateModel", model(MAX_ENVIRONMENT_BYTES))
    with pytest.raises(RLConfigurationError, match=r"^environment: .*32769 bytes, at most 32768"):
        validate_request("CreateModel", model(MAX_ENVIRONMENT_BYTES + 1))


def test_instance_groups_replace_instance_type_and_count() -> None:
    groups = [{"InstanceGroupName": "learners", "InstanceType": "ml.c5.2xlarge", "InstanceCount": 2}]
    resources = {"InstanceGroups": groups, "VolumeSizeInGB": 30}
    validate_request("CreateTrainingJob", training(ResourceConfig=resources))
    with pytest.raises(RLConfigurationError, match=r"^instance_type: .*cannot be given with InstanceGroups"):
        validate_request("CreateTrainingJob", training(ResourceConfig={**resources, "InstanceType": "ml.c5.xlarge"}))
    with pytest.raises(RLConfigurationError, match=r"^instance_type: .*required unless InstanceGroups"):
        validate_request("CreateTrainingJob", training(ResourceConfig={"VolumeSizeInGB": 30}))


def test_a_relative_checkpoint_path_is_refused() -> None:
    request = training(CheckpointConfig={"S3Uri": "s3://ckpt/run/", "LocalPath": "opt/ml/checkpoints"})
    with pytest.raises(RLConfigurationError, match=r"^checkpoint_local_path: .*absolute path"):
        validate_request("CreateTrainingJob", request)


# ---- what is skipped, and how errors are named --------------------------------------------------------------------


def test_a_string_mixing_tokens_and_text_is_held_to_its_maximum_by_its_literal_part() -> None:
    near = "s3://${Token[TOKEN.3]}/" + "p" * (1024 - len("s3:///"))
    validate_request("CreateTrainingJob", training(OutputDataConfig={"S3OutputPath": near}))
    with pytest.raises(RLConfigurationError, match=r"^output_prefix: .*at least 1025 characters \(its literal part\)"):
        validate_request("CreateTrainingJob", training(OutputDataConfig={"S3OutputPath": near + "p"}))


def test_deploy_time_values_are_recognised() -> None:
    assert is_deploy_time("{% $states.input.TrainingJobName %}")
    assert is_deploy_time("arn:${Token[AWS.Partition.4]}:iam")
    assert is_deploy_time(NUMBER_TOKEN)
    assert is_deploy_time(["#{Token[TOKEN.9]}"])
    assert not is_deploy_time("cartpole") and not is_deploy_time(-1.5e10) and not is_deploy_time(["a"])


def test_the_caller_names_its_own_arguments_and_cloudformation_fills_names() -> None:
    request = copy.deepcopy(SAMPLES["CreateEndpointConfig"])
    request["KmsKeyId"] = "not a key!"
    with pytest.raises(RLConfigurationError, match=r"^endpoint_kms_key: KmsKeyId"):
        validate_request("CreateEndpointConfig", request, arguments={"KmsKeyId": "endpoint_kms_key"})
    del request["EndpointConfigName"]
    request["KmsKeyId"] = KEY
    with pytest.raises(RLConfigurationError, match=r"^endpoint_name: EndpointConfigName = None: is required"):
        validate_request("CreateEndpointConfig", request)
    validate_request("CreateEndpointConfig", request, filled_by_cloudformation=("EndpointConfigName",))


def test_a_member_the_api_does_not_have_is_refused() -> None:
    with pytest.raises(RLConfigurationError, match=r"Debuggerconfig: .*is not a member"):
        validate_request("CreateTrainingJob", training(Debuggerconfig={}))


def test_every_table_names_fields_the_api_has() -> None:
    for operation, table in ARGUMENTS.items():
        shape = SAGEMAKER.operation_model(operation).input_shape
        for path in table:
            current = shape
            for step in path.replace("[]", "").split("."):
                while current.type_name == "list":
                    current = current.member
                assert step in current.members, f"{operation}: {path}"
                current = current.members[step]


@pytest.mark.parametrize(
    ("operation", "limit"),
    [("CreateTrainingJob", 512), ("CreateModel", 1024)],  # TrainingEnvironmentValue / EnvironmentValue
)
def test_each_api_holds_the_environment_to_its_own_limit(operation: str, limit: int) -> None:
    """One check of a container environment, botocore's, with the limits of the API it is sent to."""

    def request(key: str, value: str) -> dict[str, Any]:
        sample = copy.deepcopy(SAMPLES[operation])
        container = sample["PrimaryContainer"] if operation == "CreateModel" else sample
        container["Environment"] = {key: value}
        return sample

    validate_request(operation, request("K" * limit, "v" * limit))
    with pytest.raises(RLConfigurationError, match=rf"^environment: .*at most {limit} characters, has {limit + 1}"):
        validate_request(operation, request("K", "v" * (limit + 1)))
    with pytest.raises(RLConfigurationError, match=rf"^environment: .*at most {limit} characters, has {limit + 1}"):
        validate_request(operation, request("K" * (limit + 1), "v"))
    with pytest.raises(RLConfigurationError, match=r"^environment: .*does not match the pattern"):
        validate_request(operation, request("1K", "v"))
