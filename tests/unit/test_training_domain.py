"""Pure logic behind RLTrainingJob: SDK hyperparameter encoding, metrics, source archive, JSONata, request."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from rl_constructs.core import RLConfigurationError, RLToolkit
from rl_constructs.core.execution_input import (
    default_base_job_name,
    hyperparameters_expression,
    job_name_expression,
    output_expression,
    validate_base_job_name,
)
from rl_constructs.core.source_archive import build_source_bundle
from rl_constructs.core.training.hyperparameters import (
    encode_overrides,
    encode_user_hyperparameters,
    sdk_hyperparameters,
)
from rl_constructs.core.training.metrics import metric_definitions
from rl_constructs.core.training.request import InstanceGroupSpec, TrainingRequestSpec, render_create_training_job
from rl_constructs.testing.sfn.jsonata_bridge import evaluate as reference_jsonata

# ---- hyperparameters: the SDK's json.dumps encoding -------------------------------------------------------


def test_user_values_are_json_encoded_like_the_sdk() -> None:
    encoded = encode_user_hyperparameters(
        {"discount": 0.99, "name": "cartpole", "episodes": 100, "use_gpu": True, "nested": {"a": [1, 2]}}
    )
    assert encoded == {
        "discount": "0.99",
        "name": '"cartpole"',
        "episodes": "100",
        "use_gpu": "true",
        "nested": '{"a": [1, 2]}',
    }


def test_the_sdk_keys_are_encoded_the_same_way() -> None:
    assert sdk_hyperparameters(
        entry_point="train.py",
        submit_directory="s3://b/k.tar.gz",
        job_name="j-1",
        region="us-west-2",
        s3_output="s3://b/",
    ) == {
        "sagemaker_program": '"train.py"',
        "sagemaker_submit_directory": '"s3://b/k.tar.gz"',
        "sagemaker_container_log_level": "20",
        "sagemaker_job_name": '"j-1"',
        "sagemaker_region": '"us-west-2"',
        "sagemaker_s3_output": '"s3://b/"',
        "sagemaker_estimator": '"RLEstimator"',
    }


@pytest.mark.parametrize(
    ("hyperparameters", "argument", "fragment"),
    [
        ({"sagemaker_program": "x"}, "hyperparameters['sagemaker_program']", "reserved"),
        ({"x": object()}, "hyperparameters['x']", "not JSON-serializable"),
        ({"x": "v" * 2600}, "hyperparameters['x']", "SageMaker allows 2500"),
        ({"k" * 257: 1}, "hyperparameters['" + "k" * 257 + "']", "longer than 256"),
        ({f"k{i}": i for i in range(94)}, "hyperparameters", "exceed SageMaker's limit of 100"),
    ],
)
def test_bad_hyperparameters_name_the_key(hyperparameters: dict[str, Any], argument: str, fragment: str) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        encode_user_hyperparameters(hyperparameters)
    assert caught.value.argument == argument and fragment in str(caught.value)


# ---- metric definitions -----------------------------------------------------------------------------------


def test_default_metric_definitions_per_toolkit() -> None:
    assert metric_definitions(RLToolkit.COACH, None) == [
        {"Name": "reward-training", "Regex": "^Training>.*Total reward=(.*?),"},
        {"Name": "reward-testing", "Regex": "^Testing>.*Total reward=(.*?),"},
    ]
    float_re = "([-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?)"
    assert metric_definitions(RLToolkit.RAY, None) == [
        {"Name": "episode_reward_mean", "Regex": f"episode_reward_mean: {float_re}"},
        {"Name": "episode_reward_max", "Regex": f"episode_reward_max: {float_re}"},
    ]
    assert metric_definitions(RLToolkit.VW, None) == []
    assert metric_definitions(None, None) == []


def test_given_definitions_replace_the_defaults() -> None:
    given = [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]
    assert metric_definitions(RLToolkit.COACH, given) == given


def test_a_name_given_twice_is_passed_through_as_the_sdk_does() -> None:
    # A published SageMaker RL notebook defines training_iteration twice; the SDK sends both (recorded in
    # tests/fixtures/sdk/everything-else.json) and botocore's shape states no uniqueness rule.
    twice = [{"Name": "a", "Regex": "(x)"}, {"Name": "a", "Regex": "(y)"}]
    assert metric_definitions(RLToolkit.RAY, twice) == twice


@pytest.mark.parametrize(
    ("given", "argument", "fragment"),
    [
        ([{"Name": "a", "Regex": "(unclosed"}], "metric_definitions[0].Regex", "does not compile"),
        ([{"Name": "", "Regex": "(x)"}], "metric_definitions[0].Name", "non-empty"),
        ([{"Name": "a", "Regex": "x"}], "metric_definitions[0].Regex", "no capture group"),
        ([{"Name": "a"}], "metric_definitions[0]", "the SDK form"),
        ([{"Name": f"m{i}", "Regex": "(x)"} for i in range(41)], "metric_definitions", "allows 40"),
    ],
)
def test_bad_metric_definitions(given: list[dict[str, str]], argument: str, fragment: str) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        metric_definitions(RLToolkit.COACH, given)
    assert caught.value.argument == argument and fragment in str(caught.value)


# ---- source archive ---------------------------------------------------------------------------------------


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    (tmp_path / "src" / "presets").mkdir(parents=True)
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    (tmp_path / "src" / "presets" / "cartpole.py").write_text("PRESET = 1\n")
    (tmp_path / "src" / "__pycache__").mkdir()
    (tmp_path / "src" / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "lib" / "common").mkdir(parents=True)
    (tmp_path / "lib" / "common" / "util.py").write_text("X = 1\n")
    return tmp_path


def members(archive: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(archive, "r:gz") as tar:
        return tar.getmembers()


def test_source_dir_contents_at_the_root_dependencies_under_their_names(sources: Path) -> None:
    bundle = build_source_bundle(
        entry_point="train.py",
        source_dir=str(sources / "src"),
        dependencies=[str(sources / "lib" / "common")],
        staging_root=sources / "stage",
    )
    assert bundle.program == "train.py"
    assert [m.name for m in members(bundle.archive)] == ["common/util.py", "presets/cartpole.py", "train.py"]
    assert all(m.mtime == 0 and m.uid == 0 and m.uname == "" for m in members(bundle.archive))
    assert hashlib.sha256(bundle.archive.read_bytes()).hexdigest() == bundle.sha256


def test_without_source_dir_the_entry_point_alone(sources: Path) -> None:
    bundle = build_source_bundle(entry_point=str(sources / "src" / "train.py"), staging_root=sources / "stage")
    assert bundle.program == "train.py" and bundle.members == ("train.py",)


def test_the_archive_is_byte_for_byte_reproducible(sources: Path) -> None:
    first = build_source_bundle(entry_point="train.py", source_dir=str(sources / "src"), staging_root=sources / "a")
    (sources / "src" / "train.py").touch()  # a new mtime changes nothing
    second = build_source_bundle(entry_point="train.py", source_dir=str(sources / "src"), staging_root=sources / "b")
    assert first.archive.read_bytes() == second.archive.read_bytes()
    (sources / "src" / "train.py").write_text("print('changed')\n")
    third = build_source_bundle(entry_point="train.py", source_dir=str(sources / "src"), staging_root=sources / "c")
    assert third.sha256 != first.sha256
    with tarfile.open(fileobj=io.BytesIO(third.archive.read_bytes()), mode="r:gz") as tar:
        assert tar.extractfile("train.py").read() == b"print('changed')\n"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("entry_point", "source_dir", "argument", "fragment"),
    [
        ("missing.py", "src", "entry_point", "does not exist inside source_dir"),
        ("../lib/common/util.py", "src", "entry_point", "outside source_dir"),
        ("train.py", "nowhere", "source_dir", "is not a directory"),
        ("src/missing.py", None, "entry_point", "is not a file"),
    ],
)
def test_a_missing_entry_point_is_refused(
    sources: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry_point: str,
    source_dir: str | None,
    argument: str,
    fragment: str,
) -> None:
    monkeypatch.chdir(sources)
    with pytest.raises(RLConfigurationError) as caught:
        build_source_bundle(entry_point=entry_point, source_dir=source_dir, staging_root=sources / "stage")
    assert caught.value.argument == argument and fragment in str(caught.value)


# ---- JSONata run by the state machine, evaluated here -----------------------------------------------------

EXECUTION_NAME = "0f0e8d6c-1111-2222-3333-444455556666"
EXECUTION_ID = f"arn:aws:states:us-east-1:111122223333:execution:sm:{EXECUTION_NAME}"


def evaluate(expression: str, state_input: dict[str, Any], name: str = EXECUTION_NAME, result: Any = None) -> Any:
    """The expression's value by the reference JSONata (npm ``jsonata`` with Step Functions' functions such as
    ``$hash``), ``$states`` bound as Step Functions binds it."""
    states = {"input": state_input, "context": {"Execution": {"Name": name, "Id": EXECUTION_ID}}}
    if result is not None:
        states["result"] = result
    return reference_jsonata(expression, {"states": states})


def test_the_job_name_is_the_family_prefix_and_the_execution_name() -> None:
    assert evaluate(job_name_expression("rl-train"), {}) == f"rl-train-{EXECUTION_NAME}"


def test_an_execution_name_that_is_no_job_name_is_hashed() -> None:
    name = evaluate(job_name_expression("rl-train"), {}, name="nightly_run_42")
    assert name == "rl-train-" + hashlib.md5(EXECUTION_ID.encode()).hexdigest()
    assert len(name) <= 63


def test_the_input_may_name_the_job_within_the_family() -> None:
    assert evaluate(job_name_expression("rl-train"), {"TrainingJobName": "rl-train-v2"}) == "rl-train-v2"
    with pytest.raises(Exception, match="must begin with rl-train-"):
        evaluate(job_name_expression("rl-train"), {"TrainingJobName": "someone-else"})


@pytest.mark.parametrize(
    ("state_input", "name"), [({}, "run-1"), ({}, "nightly_run_42"), ({"TrainingJobName": "rl-train-v2"}, "x")]
)
def test_the_unvalidated_second_use_names_the_job_alike(state_input: dict[str, str], name: str) -> None:
    # sagemaker_job_name repeats the name without the check: it must agree with the validated one.
    unchecked = evaluate(job_name_expression("rl-train", validate=False), state_input, name=name)
    assert unchecked == evaluate(job_name_expression("rl-train"), state_input, name=name)


SYNTHESIZED = {"discount": "0.99", "preset": '"cartpole"'}
RESERVED = {"sagemaker_program": '"train.py"', "sagemaker_estimator": '"RLEstimator"'}


def test_absent_input_means_the_synthesized_hyperparameters() -> None:
    assert evaluate(hyperparameters_expression(SYNTHESIZED, RESERVED, "rl-train"), {}) == {
        **SYNTHESIZED,
        **RESERVED,
        "sagemaker_job_name": json.dumps(f"rl-train-{EXECUTION_NAME}"),
    }


OVERRIDES = {"discount": 0.5, "name": 'a"b', "gpu": True, "layers": [64, 64], "none": None, "u": "Größe", "f": 1e-07}


def test_input_hyperparameters_are_merged_as_the_client_encoded_them() -> None:
    # The client (rl-constructs train, runtime.execution_input) encodes with json.dumps, as fit() does.
    merged = evaluate(
        hyperparameters_expression(SYNTHESIZED, RESERVED, "rl-train"),
        {"TrainingJobName": "rl-train-x", "HyperParameters": encode_overrides(OVERRIDES)},
    )
    assert merged == {
        "discount": "0.5",
        "preset": '"cartpole"',
        "name": json.dumps('a"b'),
        "gpu": "true",
        "layers": "[64, 64]",
        "none": "null",
        "u": '"Gr\\u00f6\\u00dfe"',
        "f": "1e-07",
        **RESERVED,
        "sagemaker_job_name": '"rl-train-x"',
    }


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"layers": [64, 64]},
            "must be strings JSON-encoded like the SDK (json.dumps; rl-constructs train does it), not: layers",
        ),
        ({"a": "1", "n": None}, "not: n"),
        ("discount=0.5", "must be an object"),
    ],
)
def test_input_values_that_are_not_encoded_strings_stop_the_execution(overrides: Any, fragment: str) -> None:
    with pytest.raises(Exception, match=re.escape(fragment)):
        evaluate(hyperparameters_expression(SYNTHESIZED, RESERVED, "rl"), {"HyperParameters": overrides})


def test_the_expression_has_no_bare_context_reference_that_localstack_refuses() -> None:
    # moto's (LocalStack's) interpreter refuses `$` and `$$` as variable references.
    from moto.stepfunctions.parser.asl.jsonata.jsonata import extract_jsonata_variable_references

    for expression in (
        hyperparameters_expression(SYNTHESIZED, RESERVED, "rl"),
        job_name_expression("rl"),
        output_expression(),
    ):
        assert not {"$", "$$"} & extract_jsonata_variable_references(expression)


def test_input_may_not_set_reserved_hyperparameters() -> None:
    with pytest.raises(Exception, match="reserved"):
        evaluate(
            hyperparameters_expression(SYNTHESIZED, RESERVED, "rl"), {"HyperParameters": {"sagemaker_program": "x"}}
        )


def test_the_output_keeps_the_input_and_adds_the_job_summary() -> None:
    result = {
        "TrainingJobName": "j",
        "TrainingJobArn": "arn:j",
        "TrainingJobStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/j/output/model.tar.gz"},
        "HyperParameters": {"big": "x" * 1000},
    }
    assert evaluate(output_expression(), {"EndpointName": "e"}, result=result) == {
        "EndpointName": "e",
        "TrainingJob": {
            "TrainingJobName": "j",
            "TrainingJobArn": "arn:j",
            "TrainingJobStatus": "Completed",
            "ModelDataUrl": "s3://b/j/output/model.tar.gz",
        },
    }


def test_base_job_names() -> None:
    assert default_base_job_name("RLStack", "Train") == "RLStack-Train"
    with pytest.raises(RLConfigurationError, match=r"^base_job_name: "):
        validate_base_job_name("bad_name")
    with pytest.raises(TypeError, match=r"^base_job_name: "):
        validate_base_job_name(42)  # type: ignore[arg-type]


def test_a_long_base_job_name_is_trimmed_like_name_from_base() -> None:
    # name_from_base keeps base[:63 - 23 - 1] (tests/fixtures/sdk/base-job-name-long.json records it).
    given = "rl-cartpole-coach-clipped-ppo-notebook-example-v2"
    assert validate_base_job_name(given) == given[:39] == "rl-cartpole-coach-clipped-ppo-notebook-"
    name = evaluate(job_name_expression(validate_base_job_name(given)), {})
    assert name.startswith(given[:39] + "-") and len(name) == 63


def test_long_default_base_names_stay_distinct() -> None:
    first = default_base_job_name("A-Very-Long-Stack-Name-For-Training", "TrainCoach")
    second = default_base_job_name("A-Very-Long-Stack-Name-For-Training", "TrainRay")
    assert first != second and len(first) <= 39 and len(second) <= 39
    assert validate_base_job_name(first) == first


# ---- the request ------------------------------------------------------------------------------------------

BASE = TrainingRequestSpec(
    training_job_name="j",
    training_image="img",
    role_arn="arn:aws:iam::111122223333:role/r",
    s3_output_path="s3://b/",
    hyperparameters={"a": "1"},
    metric_definitions=[],
    volume_size_in_gb=30,
    max_runtime_in_seconds=86400,
    instance_type="ml.c5.2xlarge",
    instance_count=1,
)


def test_the_request_is_what_fit_sends_by_default() -> None:
    assert render_create_training_job(BASE) == {
        "TrainingJobName": "j",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::111122223333:role/r",
        "OutputDataConfig": {"S3OutputPath": "s3://b/"},
        "ResourceConfig": {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "HyperParameters": {"a": "1"},
    }


def test_heterogeneous_clusters_use_instance_groups() -> None:
    from dataclasses import replace

    spec = replace(
        BASE,
        instance_type=None,
        instance_count=None,
        instance_groups=[
            InstanceGroupSpec("learners", "ml.p3.2xlarge", 1),
            InstanceGroupSpec("actors", "ml.c5.xlarge", 4),
        ],
    )
    assert render_create_training_job(spec)["ResourceConfig"] == {
        "InstanceGroups": [
            {"InstanceGroupName": "learners", "InstanceType": "ml.p3.2xlarge", "InstanceCount": 1},
            {"InstanceGroupName": "actors", "InstanceType": "ml.c5.xlarge", "InstanceCount": 4},
        ],
        "VolumeSizeInGB": 30,
    }
