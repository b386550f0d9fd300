"""RLTuningJob: the CreateHyperParameterTuningJob request against the SDK's own, IAM, refusals, the ASL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from rl_constructs import RLConfigurationError, RLTrainingJob
from rl_constructs.testing.asl import EXECUTION, fill, run_jsonata
from rl_constructs.testing.sfn import ScriptedSageMaker, as_definition, run_execution
from rl_constructs.tuning_job import (
    CategoricalParameter,
    ContinuousParameter,
    IntegerParameter,
    RLTuningJob,
    TuningStrategy,
    WarmStartConfig,
)
from tests.cdk_support import nag_findings, new_app, role_statements, synth, user_state_machine
from tests.constructs.test_training_parity import job_kwargs, masked

ACCOUNT = "111122223333"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sdk" / "tuning"
CASES = sorted(path.stem for path in FIXTURES.glob("*.json"))


def load(case: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{case}.json").read_text())  # type: ignore[no-any-return]


def parameter(spec: dict[str, Any]) -> Any:
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind == "categorical":
        return CategoricalParameter(spec["values"])
    return {"continuous": ContinuousParameter, "integer": IntegerParameter}[kind](**spec)


def tuner_kwargs(tuner: dict[str, Any]) -> dict[str, Any]:
    """HyperparameterTuner's arguments in RLTuningJob's spelling; every one is translated."""
    rest = dict(tuner)
    kwargs: dict[str, Any] = {
        "hyperparameter_ranges": {name: parameter(spec) for name, spec in rest.pop("hyperparameter_ranges").items()}
    }
    for key in ("objective_metric_name", "strategy", "objective_type", "max_jobs", "max_parallel_jobs"):
        if key in rest:
            kwargs[key] = rest.pop(key)
    if "early_stopping_type" in rest:
        kwargs["early_stopping_type"] = rest.pop("early_stopping_type")
    if "base_tuning_job_name" in rest:
        kwargs["base_tuning_job_name"] = rest.pop("base_tuning_job_name")
    if "warm_start" in rest:
        warm = rest.pop("warm_start")
        kwargs["warm_start_config"] = WarmStartConfig(warm["type"], warm["parents"])
    # The SDK's tuner sends only the metric definitions given to it; RLTuningJob sends the job's, which the
    # recorded case gives the tuner explicitly (RLEstimator.default_metric_definitions(toolkit)).
    rest.pop("metric_definitions", None)
    assert not rest, f"untranslated tuner arguments: {sorted(rest)}"
    return kwargs


def state_machine(stack: cdk.Stack, chain: sfn.IChainable) -> dict[str, Any]:
    sfn.StateMachine(
        stack,
        "SM",
        definition_body=sfn.DefinitionBody.from_chainable(chain),
        tracing_enabled=True,
        logs=sfn.LogOptions(destination=logs.LogGroup(stack, "Logs"), level=sfn.LogLevel.ALL),
    )
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def definition_of(template: dict[str, Any]) -> dict[str, Any]:
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    return json.loads(fill(machine["Properties"]["DefinitionString"], template))  # type: ignore[no-any-return]


def build(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], dict[str, Any]]:
    fixture = load(case)
    for relative, text in fixture["files"].items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.chdir(tmp_path)
    stack = cdk.Stack(new_app(), "Parity", env=cdk.Environment(account=ACCOUNT, region=fixture["region"]))
    train = RLTrainingJob(stack, "Train", **job_kwargs(stack, fixture["arguments"], None))
    tune = RLTuningJob(stack, "Tune", training_job=train, **tuner_kwargs(fixture["tuner"]))
    state = definition_of(state_machine(stack, tune))["States"]["Tune"]
    return fixture, run_jsonata(state["Arguments"], {})


@pytest.mark.parametrize("case", CASES)
def test_the_request_is_what_the_sdks_tuner_sends(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixture, request = build(case, tmp_path, monkeypatch)
    expected = fixture["request"]
    ours, theirs = request["HyperParameterTuningJobName"], expected["HyperParameterTuningJobName"]
    # Same family prefix, then the execution's name instead of the SDK's short timestamp.
    assert ours == theirs.replace("<SHORT_TIMESTAMP>", EXECUTION["Name"])
    definition = request["TrainingJobDefinition"]
    static = definition["StaticHyperParameters"]
    # The SDK names the job of a tuner's estimator after the image and a timestamp; here, the tuning job.
    assert static["sagemaker_job_name"] == json.dumps(ours)
    assert expected["TrainingJobDefinition"]["StaticHyperParameters"]["sagemaker_job_name"].startswith(
        '"sagemaker-rl-tensorflow-'
    )
    bucket = definition["OutputDataConfig"]["S3OutputPath"][len("s3://") :].split("/")[0]
    replacements = {
        json.dumps(ours): "<JOB_NAME>",  # (before the bare name, which it contains)
        ours: "<NAME>",
        definition["RoleArn"]: "<ROLE_ARN>",
        f"s3://{bucket}/": "s3://<OUTPUT_BUCKET>/",
    }
    expected = json.loads(json.dumps(expected))
    expected["HyperParameterTuningJobName"] = "<NAME>"
    expected["TrainingJobDefinition"]["StaticHyperParameters"]["sagemaker_job_name"] = "<JOB_NAME>"
    algorithm = expected["TrainingJobDefinition"]["AlgorithmSpecification"]
    if "metric_definitions" not in fixture["tuner"]:
        # The one deliberate difference: the SDK's tuner sends only the definitions given to the tuner, none
        # here, and SageMaker then has no way to read the objective of an RL image; the job's are sent.
        assert "MetricDefinitions" not in algorithm
        algorithm["MetricDefinitions"] = definition["AlgorithmSpecification"]["MetricDefinitions"]
    assert masked(request, replacements) == expected


def test_the_fixtures_are_exactly_the_recorders_tuning_cases() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "record_sdk_fixtures", FIXTURES.parents[3] / "tools" / "record_sdk_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    recorder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recorder)
    cases = recorder.tuning_cases()
    assert sorted(cases) == CASES
    for name, case in cases.items():
        fixture = load(name)
        assert (fixture["arguments"], fixture["tuner"], fixture["region"]) == (
            case["arguments"],
            case["tuner"],
            case["region"],
        )
        assert fixture["sdk"] == "sagemaker 2.257.7"


# ---- a stack with a tuning state machine ----------------------------------------------------------------------


@pytest.fixture
def src(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    return tmp_path / "src"


def training(stack: cdk.Stack, src: Path, **overrides: Any) -> RLTrainingJob:
    props: dict[str, Any] = {
        "entry_point": "train.py",
        "source_dir": str(src),
        "toolkit": "coach",
        "toolkit_version": "0.11.0",
        "framework": "tensorflow",
        "instance_type": "ml.c5.2xlarge",
        "hyperparameters": {"discount": 0.99, "preset": "cartpole", "lr": 0.001},
        **overrides,
    }
    return RLTrainingJob(stack, "Train", **props)


RANGES = {"lr": ContinuousParameter(0.0001, 0.1, "Logarithmic"), "preset": CategoricalParameter(["a", "b"])}


def tuning_app(src: Path, *, fail_state: bool = True, **tuner: Any) -> tuple[cdk.App, cdk.Stack, RLTuningJob]:
    app = new_app()
    stack = cdk.Stack(app, "RLTuning", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    tune = RLTuningJob(
        stack, "Tune", training_job=training(stack, src), hyperparameter_ranges=RANGES, max_jobs=4, **tuner
    )
    if fail_state:
        tune.add_failure_state()
    user_state_machine(stack, tune)
    return app, stack, tune


def template_of(src: Path, **tuner: Any) -> dict[str, Any]:
    _, stack, _ = tuning_app(src, **tuner)
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def module_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``src`` of the same content, once for the module's shared templates (same asset hash)."""
    src = tmp_path_factory.mktemp("tuning") / "src"
    src.mkdir()
    (src / "train.py").write_text("print('train')\n")
    return src


@pytest.fixture(scope="module")
def default_template(module_src: Path) -> dict[str, Any]:
    """:func:`template_of` with the default tuner, synthesized once for the tests that only read or run it."""
    return template_of(module_src)


def test_the_state_machine_role_may_run_this_tuning_family_only(src: Path) -> None:
    template = template_of(src, base_tuning_job_name="Cart-Tune")
    statements = role_statements(template, "SMRole")
    sagemaker = [s for s in statements if any(a.startswith("sagemaker:") for a in _list(s["Action"]))]
    assert len(sagemaker) == 1
    assert sorted(_list(sagemaker[0]["Action"])) == [
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:ListTags",
        "sagemaker:StopHyperParameterTuningJob",
    ]
    resources = [fill(json.dumps(r), template) for r in _list(sagemaker[0]["Resource"])]
    assert sorted(json.loads(r) for r in resources) == [
        f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:hyper-parameter-tuning-job/Cart-Tune-*",
        f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:hyper-parameter-tuning-job/cart-tune-*",
    ]
    (pass_role,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert "TrainSageMakerRole" in json.dumps(pass_role["Resource"])
    (events,) = [s for s in statements if "events:PutRule" in _list(s["Action"])]
    assert json.loads(fill(json.dumps(events["Resource"]), template)) == (
        f"arn:aws:events:us-west-2:{ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTuningJobsRule"
    )
    # No training-job or other SageMaker permissions: SageMaker's tuning service starts the training jobs.
    assert not any("training-job" in json.dumps(s) for s in statements if s is not pass_role)


def test_tags_add_the_add_tags_permission(src: Path) -> None:
    template = template_of(src, tags={"team": "rl"})
    actions = [a for s in role_statements(template, "SMRole") for a in _list(s["Action"])]
    assert "sagemaker:AddTags" in actions


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_nag_is_clean(src: Path) -> None:
    app, _, _ = tuning_app(src)
    result = synth(app)
    assert nag_findings(result) == [] and nag_findings(result, "warning") == []


def test_the_task_retries_and_catches_as_the_pipeline_does(default_template: dict[str, Any]) -> None:
    state = definition_of(default_template)["States"]["Tune"]
    assert state["Resource"] == "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync"
    assert [r["ErrorEquals"] for r in state["Retry"]] == [
        ["SageMaker.AmazonSageMakerException"],
        ["SageMaker.ResourceLimitExceededException"],
    ]
    assert state["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "TuningFailed"}]


# ---- runs in the independent interpreter ------------------------------------------------------------------------


def run(template: dict[str, Any], sagemaker: ScriptedSageMaker, execution_input: dict[str, Any] | None = None) -> Any:
    return run_execution(template, execution_input or {}, sagemaker)


def test_a_tuning_run_hands_on_the_best_training_job(default_template: dict[str, Any]) -> None:
    sm = ScriptedSageMaker(training_polls=2)
    sm.script_tuning_job(best_objective=187.5, training_jobs=4)
    result = run(default_template, sm)
    assert result.status == "SUCCEEDED", result.cause
    assert sm.operations() == ["CreateHyperParameterTuningJob"] + ["DescribeHyperParameterTuningJob"] * 3
    tuning = result.output["TuningJob"]
    name = "RLTuning-Tune-run-1"
    assert tuning["HyperParameterTuningJobName"] == name
    assert tuning["HyperParameterTuningJobStatus"] == "Completed"
    assert tuning["TrainingJobStatusCounters"]["Completed"] == 4
    best = tuning["BestTrainingJob"]
    assert best["ObjectiveValue"] == 187.5
    assert best["TunedHyperParameters"] == {"lr": "0.0001", "preset": '"a"'}
    # The best job in the training task's shape, its model where SageMaker wrote it (the scripted job agrees).
    output_path = sm.calls[0].params["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"]
    assert result.output["TrainingJob"] == {
        "TrainingJobName": best["TrainingJobName"],
        "TrainingJobArn": best["TrainingJobArn"],
        "TrainingJobStatus": "Completed",
        "ModelDataUrl": f"{output_path.rstrip('/')}/{best['TrainingJobName']}/output/model.tar.gz",
    }
    described = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert described["ModelArtifacts"]["S3ModelArtifacts"] == result.output["TrainingJob"]["ModelDataUrl"]
    static = sm.calls[0].params["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["sagemaker_job_name"] == json.dumps(name) and "lr" not in static and "preset" not in static


def test_a_tuning_job_whose_training_jobs_all_failed_ends_as_rl_tuning_failed(default_template: dict[str, Any]) -> None:
    sm = ScriptedSageMaker()
    sm.script_tuning_job(status="Failed", training_jobs=5)
    result = run(default_template, sm)
    assert (result.status, result.error) == ("FAILED", "RL.TuningFailed")
    assert result.cause.startswith("Tuning (States.TaskFailed): ")
    assert "No training job succeeded after 5 attempts" in result.cause


def test_throttling_is_retried(default_template: dict[str, Any]) -> None:
    sm = ScriptedSageMaker()
    sm.fail("CreateHyperParameterTuningJob", code="ThrottlingException", times=2)
    result = run(default_template, sm)
    assert result.status == "SUCCEEDED", result.cause
    assert [c.error for c in sm.calls[:3]] == ["ThrottlingException", "ThrottlingException", None]


def test_an_execution_may_name_its_tuning_job_within_the_family(default_template: dict[str, Any]) -> None:
    sm = ScriptedSageMaker()
    result = run(default_template, sm, {"HyperParameterTuningJobName": "RLTuning-Tune-exp7"})
    assert result.status == "SUCCEEDED", result.cause
    assert sm.calls[0].params["HyperParameterTuningJobName"] == "RLTuning-Tune-exp7"
    refused = run(default_template, ScriptedSageMaker(), {"HyperParameterTuningJobName": "other-exp7"})
    assert (refused.status, refused.error) == ("FAILED", "RL.TuningFailed")
    assert "HyperParameterTuningJobName must begin with RLTuning-Tune-" in refused.cause


def test_a_long_execution_name_is_hashed_into_32_characters(default_template: dict[str, Any]) -> None:
    sm = ScriptedSageMaker()
    result = run_execution(default_template, {}, sm, name="a-very-long-execution-name-for-an-experiment")
    assert result.status == "SUCCEEDED", result.cause
    name = sm.calls[0].params["HyperParameterTuningJobName"]
    assert name.startswith("RLTuning-Tune-") and len(name) <= 32


# ---- refused at synth, naming the argument -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tuner", "argument"),
    [
        ({"hyperparameter_ranges": {}}, "hyperparameter_ranges"),
        ({"hyperparameter_ranges": {"sagemaker_program": CategoricalParameter(["x"])}}, "hyperparameter_ranges"),
        ({"hyperparameter_ranges": {"lr": ContinuousParameter(0.5, 0.1)}}, "hyperparameter_ranges['lr']"),
        ({"hyperparameter_ranges": {"lr": ContinuousParameter(0.0, 0.1, "Logarithmic")}}, "scaling_type"),
        ({"hyperparameter_ranges": {"lr": ContinuousParameter(0.5, 1.5, "ReverseLogarithmic")}}, "scaling_type"),
        ({"hyperparameter_ranges": {"n": IntegerParameter(0, 1, "ReverseLogarithmic")}}, "scaling_type"),
        ({"hyperparameter_ranges": {"lr": ContinuousParameter(0.1, 0.2, "Cubic")}}, "scaling_type"),
        ({"hyperparameter_ranges": {"p": CategoricalParameter([])}}, "values"),
        ({"hyperparameter_ranges": {"p": CategoricalParameter(list(range(31)))}}, "values"),
        ({"objective_metric_name": "loss"}, "objective_metric_name"),
        ({"objective_type": "Biggest"}, "objective_type"),
        ({"strategy": "Genetic"}, "strategy"),
        ({"strategy": "Grid"}, "hyperparameter_ranges"),
        ({"strategy": "Hyperband", "early_stopping_type": "Auto"}, "early_stopping_type"),
        ({"hyperband_min_resource": 1}, "hyperband_min_resource"),
        ({"max_jobs": 0}, "max_jobs"),
        ({"max_parallel_jobs": 5, "max_jobs": 2}, "max_parallel_jobs"),
        ({"max_runtime": cdk.Duration.seconds(60)}, "max_runtime"),
        ({"warm_start_config": WarmStartConfig("TransferLearning", [])}, "warm_start_config.parents"),
        ({"warm_start_config": WarmStartConfig("Cold", ["p"])}, "warm_start_config.warm_start_type"),
        ({"base_tuning_job_name": "a-name-longer-than-twenty"}, "base_tuning_job_name"),
        ({"base_tuning_job_name": "bad_name"}, "base_tuning_job_name"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(src: Path, tuner: dict[str, Any], argument: str) -> None:
    stack = cdk.Stack(new_app(), "Bad", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    kwargs = {"hyperparameter_ranges": RANGES, "max_jobs": 4, **tuner}
    with pytest.raises(RLConfigurationError) as raised:
        RLTuningJob(stack, "Tune", training_job=training(stack, src), **kwargs)
    assert argument in raised.value.argument


def test_wrong_types_raise_type_error(src: Path) -> None:
    stack = cdk.Stack(new_app(), "Bad", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    job = training(stack, src)
    with pytest.raises(TypeError, match="training_job"):
        RLTuningJob(stack, "A", training_job="Train", hyperparameter_ranges=RANGES)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"hyperparameter_ranges\['lr'\]"):
        RLTuningJob(stack, "B", training_job=job, hyperparameter_ranges={"lr": (0.1, 0.2)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="min_value"):
        RLTuningJob(stack, "C", training_job=job, hyperparameter_ranges={"n": IntegerParameter(0.5, 2)})  # type: ignore[arg-type]


def test_heterogeneous_clusters_cannot_be_tuned(src: Path) -> None:
    from rl_constructs.training_job import InstanceGroup

    stack = cdk.Stack(new_app(), "Bad", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    job = training(
        stack,
        src,
        instance_type=None,
        instance_groups=[InstanceGroup("a", "ml.c5.2xlarge"), InstanceGroup("b", "ml.c5.xlarge")],
    )
    with pytest.raises(RLConfigurationError, match="instance_groups"):
        RLTuningJob(stack, "Tune", training_job=job, hyperparameter_ranges=RANGES)


def test_a_custom_image_without_a_reward_metric_needs_an_objective(src: Path) -> None:
    stack = cdk.Stack(new_app(), "Bad", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    job = training(
        stack, src, toolkit=None, toolkit_version=None, framework=None,
        image_uri="123456789012.dkr.ecr.us-west-2.amazonaws.com/my-rl:latest",
        metric_definitions=[{"Name": "score", "Regex": "score=([0-9.]+)"}],
    )  # fmt: skip
    with pytest.raises(RLConfigurationError, match=r"objective_metric_name.*Allowed values: score"):
        RLTuningJob(stack, "Tune", training_job=job, hyperparameter_ranges=RANGES)
    tune = RLTuningJob(stack, "Tune2", training_job=job, hyperparameter_ranges=RANGES, objective_metric_name="score")
    assert tune.request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] == {
        "MetricName": "score",
        "Type": "Maximize",
    }


def test_every_strategy_option_reaches_the_request(src: Path) -> None:
    stack = cdk.Stack(new_app(), "Opts", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    job = training(stack, src)
    tune = RLTuningJob(
        stack, "Tune", training_job=job,
        hyperparameter_ranges={"lr": ContinuousParameter(0.0, 0.5, "ReverseLogarithmic")},
        strategy="hyperband", hyperband_min_resource=2, hyperband_max_resource=50, random_seed=7,
        max_runtime=cdk.Duration.hours(6), max_jobs=20, max_parallel_jobs=4,
        warm_start_config=WarmStartConfig("IdenticalDataAndAlgorithm", ["parent-a", "parent-b"]),
    )  # fmt: skip
    request = tune.request
    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Hyperband"
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 2, "MaxResource": 50}}
    assert config["RandomSeed"] == 7
    assert config["ResourceLimits"] == {
        "MaxParallelTrainingJobs": 4,
        "MaxNumberOfTrainingJobs": 20,
        "MaxRuntimeInSeconds": 21600,
    }
    assert request["WarmStartConfig"] == {
        "ParentHyperParameterTuningJobs": [
            {"HyperParameterTuningJobName": "parent-a"},
            {"HyperParameterTuningJobName": "parent-b"},
        ],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    grid = RLTuningJob(
        stack, "Grid", training_job=job, hyperparameter_ranges={"preset": CategoricalParameter(["a", "b"])},
        strategy=TuningStrategy.GRID,
    )  # fmt: skip
    assert "MaxNumberOfTrainingJobs" not in grid.request["HyperParameterTuningJobConfig"]["ResourceLimits"]


# ---- RLPipeline from a tuning job: the best training job is deployed ---------------------------------------------


def tuned_pipeline(src: Path, **pipeline: Any) -> dict[str, Any]:
    from rl_constructs import RLPipeline

    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    train = training(stack, src)
    tune = RLTuningJob(stack, "Tune", training_job=train, hyperparameter_ranges=RANGES, max_jobs=4, max_parallel_jobs=2)
    RLPipeline(stack, "Pipeline", training_job=train, tuning_job=tune, deploy_instance_type="ml.m5.large", **pipeline)
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def tuned_template(module_src: Path) -> dict[str, Any]:
    """:func:`tuned_pipeline` with its defaults, synthesized once for the tests that only read or run it."""
    return tuned_pipeline(module_src)


def test_a_pipeline_deploys_the_best_training_job_of_its_tuning_job(tuned_template: dict[str, Any]) -> None:
    sm = ScriptedSageMaker()
    sm.script_tuning_job(best_objective=190.0, training_jobs=4)
    result = run_execution(tuned_template, {}, sm, name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (tuning,) = [c.params for c in result.calls if c.operation == "CreateHyperParameterTuningJob"]
    best = f"{tuning['HyperParameterTuningJobName']}-004-0a1b2c3d"
    described = sm.describe_training_job(TrainingJobName=best)
    (model,) = [c.params for c in result.calls if c.operation == "CreateModel"]
    assert model["ModelName"] == best
    assert model["PrimaryContainer"]["ModelDataUrl"] == described["ModelArtifacts"]["S3ModelArtifacts"]
    assert "CreateTrainingJob" not in result.operations
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == [best]


def test_a_failed_tuning_job_ends_the_pipeline_as_rl_tuning_failed_before_anything_is_created(
    tuned_template: dict[str, Any],
) -> None:
    sm = ScriptedSageMaker()
    sm.script_tuning_job(status="Failed", training_jobs=4)
    result = run_execution(tuned_template, {}, sm, name="run-1")
    assert (result.status, result.error) == ("FAILED", "RL.TuningFailed")
    assert "No training job succeeded after 4 attempts" in result.cause
    assert sm.list_models()["Models"] == []


def test_the_pipeline_may_create_models_of_the_tuning_family_and_waits_for_every_wave(
    tuned_template: dict[str, Any],
) -> None:
    template = tuned_template
    text = json.dumps(template)
    # The best training job is named after the tuning job: the models are of the tuning family, not the training's.
    assert "model/RL-Tune-*" in text and "model/RL-Train-*" not in text
    # 4 jobs, 2 at a time: 2 waves of the training job's longest (1 day) before the deployment.
    assert as_definition(template)["TimeoutSeconds"] >= 2 * 86_400


def test_the_tuning_job_must_tune_the_pipelines_training_job(src: Path) -> None:
    from rl_constructs import RLPipeline

    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    train = training(stack, src)
    other = RLTrainingJob(
        stack, "Other", entry_point="train.py", source_dir=str(src), toolkit="coach", toolkit_version="0.11.0",
        framework="tensorflow", instance_type="ml.c5.2xlarge",
    )  # fmt: skip
    tune = RLTuningJob(stack, "Tune", training_job=other, hyperparameter_ranges=RANGES, max_jobs=2)
    with pytest.raises(RLConfigurationError, match="tuning_job: tunes RL/Other"):
        RLPipeline(stack, "Pipeline", training_job=train, tuning_job=tune)


def test_the_tuned_metric_is_a_search_over_the_training_jobs_the_tuning_family_launches(src: Path) -> None:
    _, _, tuner = tuning_app(src)
    metric = tuner.metric("reward-training", statistic="Maximum")
    assert metric.expression == (
        f'SEARCH(\'{{/aws/sagemaker/TrainingJobs,Host}} MetricName="reward-training" '
        f"Host=\"{tuner.base_tuning_job_name}-\"', 'Maximum', 300)"
    )
    with pytest.raises(RLConfigurationError, match="metric_name: 'loss' is not a metric of this job"):
        tuner.metric("loss")
