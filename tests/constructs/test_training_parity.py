"""RLTrainingJob against the SageMaker SDK itself: every key of the CreateTrainingJob request.

The fixtures in ``tests/fixtures/sdk/`` are what ``RLEstimator(...).fit()`` of sagemaker 2.257.7 sent, run
offline under moto by ``tools/record_sdk_fixtures.py`` (``make sdk-fixtures``). Each case is rebuilt here
with the same arguments in RLTrainingJob's spelling; the synthesized request is evaluated as Step Functions
would (template values filled, JSONata run) and must equal the SDK's, key for key. Only the job name, the
code and output locations and the role are masked, as they differ by construction. The SDK is not
imported: only its recorded requests are read.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn

from rl_constructs import RLConfigurationError, RLTrainingJob, TrainingInput, default_metric_definitions
from rl_constructs.core.training.request import (
    CHANNEL_ENUMS,
    DEBUGGER_UNSUPPORTED_REGIONS,
    debugger_supported,
    profiler_supported,
)
from rl_constructs.testing.asl import EXECUTION, REGION
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution
from tests.cdk_support import role_statements
from tests.constructs.test_training_job import ACCOUNT, request_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sdk"
CASES = sorted(path.stem for path in FIXTURES.glob("*.json"))
#: Arguments spelled alike by RLEstimator and RLTrainingJob.
SAME = {
    "entry_point",
    "source_dir",
    "dependencies",
    "toolkit",
    "toolkit_version",
    "framework",
    "image_uri",
    "instance_type",
    "instance_count",
    "hyperparameters",
    "metric_definitions",
    "use_spot_instances",
    "checkpoint_s3_uri",
    "checkpoint_local_path",
    "max_retry_attempts",
    "subnets",
    "security_group_ids",
    "enable_network_isolation",
    "encrypt_inter_container_traffic",
    "environment",
    "base_job_name",
    "debugger_hook_config",
    "disable_profiler",
}


def load(case: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{case}.json").read_text())  # type: ignore[no-any-return]


def channel(spec: str | dict[str, Any]) -> str | TrainingInput:
    if isinstance(spec, str):
        return spec
    spec = dict(spec)
    seed = spec.pop("shuffle_config", None)  # the SDK's ShuffleConfig(seed)
    return TrainingInput(**spec, shuffle_seed=seed)


def job_kwargs(stack: cdk.Stack, arguments: dict[str, Any], inputs: list[list[Any]] | None) -> dict[str, Any]:
    """RLEstimator's arguments (and fit's inputs) in RLTrainingJob's spelling; every one is translated."""
    kwargs = {key: value for key, value in arguments.items() if key in SAME}
    rest = {key: value for key, value in arguments.items() if key not in SAME}
    if "volume_size" in rest:
        kwargs["volume_size"] = cdk.Size.gibibytes(rest.pop("volume_size"))
    for key in ("max_run", "max_wait"):
        if key in rest:
            kwargs[key] = cdk.Duration.seconds(rest.pop(key))
    if "tags" in rest:
        kwargs["tags"] = {tag["Key"]: tag["Value"] for tag in rest.pop("tags")}
    if "output_path" in rest:
        bucket, _, prefix = rest.pop("output_path")[len("s3://") :].partition("/")
        kwargs["output_bucket"] = s3.Bucket.from_bucket_name(stack, "Output", bucket)
        kwargs["output_prefix"] = prefix
    for key in ("volume_kms_key", "output_kms_key"):
        if key in rest:
            kwargs[key] = kms.Key.from_key_arn(stack, key, rest.pop(key))
    assert not rest, f"untranslated RLEstimator arguments: {sorted(rest)}"
    if inputs:
        kwargs["inputs"] = {name: channel(spec) for name, spec in inputs}
    return kwargs


CODE_URI = re.compile(r"s3://cdk-[a-z0-9]+-assets-[^/\"]+/[0-9a-f]{64}\.gz")


def masked(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: masked(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item, replacements) for item in value]
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
        return CODE_URI.sub("s3://<CODE_BUCKET>/<CODE_KEY>", value)
    return value


def build(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, agnostic: bool = False
) -> tuple[dict[str, Any], RLTrainingJob, cdk.Stack]:
    fixture = load(case)
    for relative, text in fixture["files"].items():  # the source tree the SDK packaged, where it packaged it
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    env = None if agnostic else cdk.Environment(account=ACCOUNT, region=fixture["region"])
    stack = cdk.Stack(cdk.App(), "Parity", env=env)
    job = RLTrainingJob(stack, "Train", **job_kwargs(stack, fixture["arguments"], fixture["inputs"]))
    return fixture, job, stack


def compare(fixture: dict[str, Any], request: dict[str, Any]) -> None:
    """Every key of ``request`` against the SDK's, job name, code, output bucket and role masked."""
    expected = fixture["request"]
    ours, theirs = request["TrainingJobName"], expected["TrainingJobName"]
    if "base_job_name" in fixture["arguments"]:
        # Trimmed like name_from_base: the same base, then the per-execution suffix instead of a timestamp.
        assert ours == theirs.replace("<TIMESTAMP>", EXECUTION["Name"])
    replacements = {ours: "<JOB_NAME>", request["RoleArn"]: "<ROLE_ARN>"}
    if "output_path" not in fixture["arguments"]:  # the SDK's default bucket, and the job's own bucket
        bucket = request["OutputDataConfig"]["S3OutputPath"][len("s3://") :].split("/")[0]
        replacements[f"s3://{bucket}/"] = "s3://<OUTPUT_BUCKET>/"
    actual = masked(request, replacements)
    assert actual == masked(expected, {theirs: "<JOB_NAME>"})


#: Cases RLTrainingJob refuses on purpose, with the reason (the SDK accepts them).
REFUSED = {
    # instances.py: the RL images are built for CPU and NVIDIA GPU; a custom image on Trainium is refused too.
    "custom-image-trainium": "Trainium",
}


@pytest.mark.parametrize("case", CASES)
def test_the_request_is_what_the_sdk_sends(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if case in REFUSED:
        with pytest.raises(RLConfigurationError, match=REFUSED[case]):
            build(case, tmp_path, monkeypatch)
        return
    fixture, job, stack = build(case, tmp_path, monkeypatch)
    compare(fixture, request_of(stack, job))
    # The archive holds what the SDK's holds, under the same names (dependencies by os.path.basename).
    members = list(job.source.members) if job.source is not None else None
    assert members == fixture["archive_members"]


@pytest.mark.parametrize(
    "case", ["catalog-coach-0.11.0-tensorflow-cpu", "custom-image-alone", "everything-else", "debugger-off"]
)
def test_a_region_agnostic_stack_sends_the_same_request(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture, job, stack = build(case, tmp_path, monkeypatch, agnostic=True)
    assert fixture["region"] == REGION  # the region the filled template stands for
    compare(fixture, request_of(stack, job))


def test_the_fixtures_cover_the_matrix_the_issue_asks_for() -> None:
    cases = {case: load(case) for case in CASES}
    assert len([c for c in cases if c.startswith("catalog-")]) == 34  # 17 combinations x cpu/gpu
    regions = {fixture["region"] for fixture in cases.values()}
    assert {"cn-north-1", "us-gov-west-1", "us-gov-east-1", "ap-southeast-3"} <= regions
    assert all(fixture["sdk"] == "sagemaker 2.257.7" for fixture in cases.values())


# ---- behaviours around the recorded cases ------------------------------------------------------------------


def coach_job(stack: cdk.Stack, id: str = "Train", **overrides: Any) -> RLTrainingJob:
    props: dict[str, Any] = {
        "entry_point": "train.py",
        "source_dir": "src",
        "toolkit": "coach",
        "toolkit_version": "0.11.0",
        "framework": "tensorflow",
        "instance_type": "ml.c5.2xlarge",
        **overrides,
    }
    return RLTrainingJob(stack, id, **props)


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for relative, text in load("catalog-coach-0.11.0-tensorflow-cpu")["files"].items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rules_of(stack: cdk.Stack) -> dict[str, Any]:
    return cdk.assertions.Template.from_stack(stack).to_json().get("Rules", {})  # type: ignore[no-any-return]


def test_a_region_agnostic_stack_stops_deployments_where_debugger_is_missing(sources: Path) -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    coach_job(stack)  # coach 0.11.0 images are published in us-iso-east-1, a Debugger-less region
    coach_job(stack, "Second")
    (rule,) = rules_of(stack)["RLDebuggerRegion"]["Assertions"]
    assert rule["Assert"] == {
        "Fn::Not": [{"Fn::Contains": [list(DEBUGGER_UNSUPPORTED_REGIONS), {"Ref": "AWS::Region"}]}]
    }
    assert "debugger_hook_config=False and disable_profiler=True" in rule["AssertDescription"]


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"debugger_hook_config": False, "disable_profiler": True}, False),  # opted out: nothing to stop
        ({"debugger_hook_config": False}, True),  # the profiler still on
        ({"toolkit": "coach", "toolkit_version": "1.0.0"}, False),  # published only where Debugger is
    ],
)
def test_the_rule_is_there_only_when_a_deployment_could_send_what_the_region_lacks(
    sources: Path, overrides: dict[str, Any], rule: bool
) -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    coach_job(stack, **overrides)
    assert ("RLDebuggerRegion" in rules_of(stack)) is rule


def test_the_opt_outs_send_what_the_sdk_sends(sources: Path) -> None:
    stack = cdk.Stack(cdk.App(), "Optout", env=cdk.Environment(account=ACCOUNT, region=REGION))
    request = request_of(stack, coach_job(stack, debugger_hook_config=False, disable_profiler=True))
    assert "DebugHookConfig" not in request
    assert request["ProfilerConfig"] == load("debugger-and-profiler-off")["request"]["ProfilerConfig"]


def test_with_image_uri_the_toolkit_arguments_are_ignored_with_a_warning(sources: Path) -> None:
    stack = cdk.Stack(cdk.App(), "Custom", env=cdk.Environment(account=ACCOUNT, region=REGION))
    job = coach_job(stack, image_uri=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/my-rl:latest")
    assert (job.toolkit, job.toolkit_version, job.framework, job.framework_version) == (None, None, None, None)
    assert job.metric_definitions == []  # no toolkit defaults, as in the SDK
    warnings = cdk.assertions.Annotations.from_stack(stack).find_warning("*", cdk.assertions.Match.any_value())
    assert any("toolkit, toolkit_version and framework are ignored" in str(w.entry.data) for w in warnings)


def test_two_jobs_of_a_long_named_stack_keep_distinct_job_families(sources: Path) -> None:
    stack = cdk.Stack(cdk.App(), "RLCartPoleCoachNotebookExampleStack")
    first, second = coach_job(stack, "TrainCoach"), coach_job(stack, "TrainCoachAgain")
    assert first.base_job_name != second.base_job_name
    assert not first.base_job_name.startswith(second.base_job_name)
    assert max(len(first.base_job_name), len(second.base_job_name)) <= 39


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"subnets": ["subnet-1"]}, RLConfigurationError, "^security_group_ids: subnets and security_group_ids go"),
        ({"subnets": [], "security_group_ids": ["sg-1"]}, RLConfigurationError, "^subnets: SageMaker takes 1 to 16"),
        ({"subnets": ["subnet_1"], "security_group_ids": ["sg-1"]}, RLConfigurationError, r"^subnets\[0\]: "),
        ({"subnets": "subnet-1", "security_group_ids": ["sg-1"]}, TypeError, "^subnets: expected a list"),
        (
            {"inputs": {"train": {"s3_data": "s3://b/p", "distribution": "Sharded"}}},
            RLConfigurationError,
            r"^inputs\['train'\]\.distribution: 'Sharded' is not supported",
        ),
        ({"inputs": {"train": {"uri": "s3://b/p"}}}, RLConfigurationError, r"^inputs\['train'\]: a channel given as a"),
        ({"inputs": {"train": {"s3_data": "data/"}}}, RLConfigurationError, r"^inputs\['train'\]\.s3_data: 'data/'"),
        ({"inputs": {"train": 42}}, TypeError, r"^inputs\['train'\]"),
        ({"source_dir": "s3://my-code/code/"}, RLConfigurationError, "^source_dir: .*a .tar.gz archive"),
        (
            {"source_dir": "s3://my-code/sourcedir.tar.gz", "dependencies": ["common"]},
            RLConfigurationError,
            "^dependencies: cannot be added",
        ),
        (
            {"enable_network_isolation": True, "inputs": {"code": "s3://b/c"}},
            RLConfigurationError,
            r"^inputs\['code'\]",
        ),
        ({"debugger_hook_config": "yes"}, TypeError, "^debugger_hook_config"),
    ],
)
def test_bad_parity_arguments_are_refused_naming_them(
    sources: Path, overrides: dict[str, Any], error: type[Exception], message: str
) -> None:
    stack = cdk.Stack(cdk.App(), "Bad", env=cdk.Environment(account=ACCOUNT, region=REGION))
    with pytest.raises(error, match=message):
        coach_job(stack, **overrides)


def test_a_channel_given_as_a_mapping_is_a_training_input(sources: Path) -> None:
    stack = cdk.Stack(cdk.App(), "Mapping", env=cdk.Environment(account=ACCOUNT, region=REGION))
    spec = {"s3_data": "s3://my-data/model/", "content_type": "application/x-sagemaker-model"}
    request = request_of(stack, coach_job(stack, inputs={"model": spec}))
    (channel,) = request["InputDataConfig"]
    expected = dict(load("channel-training-input")["inputs"])["model"]
    assert channel["ContentType"] == expected["content_type"]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == expected["s3_data"]


def test_channel_enums_are_botocores() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    source = model.shape_for("S3DataSource").members
    assert set(CHANNEL_ENUMS["distribution"]) == set(source["S3DataDistributionType"].enum)
    assert set(CHANNEL_ENUMS["s3_data_type"]) == set(source["S3DataType"].enum)
    assert set(CHANNEL_ENUMS["compression"]) == set(model.shape_for("CompressionType").enum)
    assert set(CHANNEL_ENUMS["record_wrapping"]) == set(model.shape_for("RecordWrapper").enum)
    assert set(CHANNEL_ENUMS["input_mode"]) == set(model.shape_for("TrainingInputMode").enum)
    channel_fields = {field.name for field in dataclasses.fields(TrainingInput)}
    assert channel_fields == {
        "s3_data", "distribution", "compression", "content_type", "record_wrapping", "s3_data_type",
        "instance_groups", "input_mode", "attribute_names", "shuffle_seed",
        "s3_data_scope",  # not in the request: the IAM scope of a run-time s3_data
        "s3_data_kms_key_arn",  # not in the request: the key the role may decrypt the data with
    }  # fmt: skip


def test_the_profiler_rule_matches_the_trainium_case_the_sdk_recorded() -> None:
    # RLTrainingJob refuses Trainium (REFUSED above); the domain rule still follows the SDK's.
    fixture = load("custom-image-trainium")
    assert fixture["request"]["ProfilerConfig"] == {"DisableProfiler": True}
    assert not profiler_supported(fixture["region"], [fixture["arguments"]["instance_type"]])
    assert profiler_supported(fixture["region"], ["ml.c5.2xlarge"])
    for case in CASES:
        region = load(case)["region"]
        assert ("DebugHookConfig" in load(case)["request"]) == (
            debugger_supported(region) and load(case)["arguments"].get("debugger_hook_config", True)
        )


# ---- a channel known at run time: train, then evaluate the model just trained, in one execution ------------


def test_an_evaluation_job_reads_the_model_data_of_the_job_before_it(sources: Path) -> None:
    stack = cdk.Stack(cdk.App(), "TrainEvaluate", env=cdk.Environment(account=ACCOUNT, region=REGION))
    train = coach_job(stack, "Train")
    evaluate = coach_job(
        stack,
        "Evaluate",
        hyperparameters={"evaluate_only": True},
        inputs={"model": train.model_data_input(content_type="application/x-sagemaker-model")},
    )
    sfn.StateMachine(stack, "SM", definition_body=sfn.DefinitionBody.from_chainable(train.next(evaluate)))
    template = cdk.assertions.Template.from_stack(stack).to_json()
    sm = ScriptedSageMaker()
    result = run_execution(template, {}, sm)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    first, second = [call.params for call in result.calls if call.operation == "CreateTrainingJob"]
    model_data = sm.describe_training_job(TrainingJobName=first["TrainingJobName"])["ModelArtifacts"][
        "S3ModelArtifacts"
    ]
    assert "InputDataConfig" not in first
    assert second["InputDataConfig"] == [
        {
            "ChannelName": "model",
            "ContentType": "application/x-sagemaker-model",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": model_data,
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
        }
    ]
    assert second["TrainingJobName"] != first["TrainingJobName"]
    # The evaluation role reads the training job's output prefix, nothing wider.
    statements = role_statements(template, "EvaluateSageMakerRole")
    reads = [s for s in statements if s.get("Sid") == "ReadInputChannels"]
    assert len(reads) == 1 and json.dumps(reads[0]["Resource"]).count("TrainOutput") == 1


def test_a_run_time_channel_without_a_scope_is_refused(sources: Path) -> None:
    stack = cdk.Stack(cdk.App(), "NoScope", env=cdk.Environment(account=ACCOUNT, region=REGION))
    with pytest.raises(RLConfigurationError, match=r"^inputs\['model'\]\.s3_data_scope: "):
        coach_job(stack, inputs={"model": TrainingInput(s3_data="{% $states.input.uri %}")})


@pytest.mark.parametrize("case", [case for case in CASES if case.startswith("catalog-")])
def test_default_metric_definitions_are_the_sdks(case: str) -> None:
    fixture = load(case)
    expected = fixture["request"]["AlgorithmSpecification"]["MetricDefinitions"]
    assert default_metric_definitions(fixture["arguments"]["toolkit"]) == expected


def test_the_fixtures_are_exactly_the_recorders_cases() -> None:
    # A case added to tools/record_sdk_fixtures.py without `make sdk-fixtures` (or a stale fixture) fails here.
    spec = importlib.util.spec_from_file_location(
        "record_sdk_fixtures", FIXTURES.parents[2] / "tools" / "record_sdk_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    recorder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recorder)
    cases = recorder.cases()
    assert sorted(cases) == CASES
    for name, case in cases.items():
        fixture = load(name)
        assert (fixture["arguments"], fixture["region"]) == (case["arguments"], case["region"])
        assert fixture["files"] == recorder.FILES


def test_an_evaluation_job_may_decrypt_the_model_data_of_an_encrypted_training_job(sources: Path) -> None:
    from aws_cdk import aws_kms as kms

    stack = cdk.Stack(cdk.App(), "TrainEvaluate", env=cdk.Environment(account=ACCOUNT, region=REGION))
    key = kms.Key(stack, "ArtifactsKey", enable_key_rotation=True)
    train = coach_job(stack, "Train", output_kms_key=key)
    coach_job(stack, "Evaluate", inputs={"model": train.model_data_input()})
    template = cdk.assertions.Template.from_stack(stack).to_json()
    decrypts = [s for s in role_statements(template, "EvaluateSageMakerRole") if s.get("Sid") == "DecryptInputChannels"]
    assert [s["Action"] for s in decrypts] == ["kms:Decrypt"]
    (resource,) = decrypts[0]["Resource"] if isinstance(decrypts[0]["Resource"], list) else [decrypts[0]["Resource"]]
    assert resource["Fn::GetAtt"][0].startswith("ArtifactsKey")
