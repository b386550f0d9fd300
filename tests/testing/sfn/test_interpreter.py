"""The harness itself: reference JSONata, Step Functions' functions and error names, virtual time."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

import jsonata as jsonata_python
import pytest

from rl_constructs.testing.sfn import ScriptedSageMaker, jsonata_bridge, run_execution
from rl_constructs.testing.sfn.jsonata_bridge import JsonataBridge, JsonataError, evaluate

ROOT = Path(__file__).resolve().parents[3]
ROLE = "arn:aws:iam::111122223333:role/Hosting"
TRAINING = {
    "TrainingJobName": "{% $states.input.name %}",
    "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
    "RoleArn": ROLE,
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.c5.2xlarge", "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
}
MODEL = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "serve:1"}}


def machine(*states: tuple[str, dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A JSONata state machine of ``states`` in order (each goes to the next; the last ends)."""
    body: dict[str, Any] = {}
    for index, (name, state) in enumerate(states):
        if state["Type"] not in ("Succeed", "Fail", "Choice") and "Next" not in state and "End" not in state:
            state = {**state, **({"Next": states[index + 1][0]} if index + 1 < len(states) else {"End": True})}
        body[name] = state
    return {"QueryLanguage": "JSONata", "StartAt": states[0][0], "States": body, **top}


def task(resource: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": f"arn:aws:states:::{resource}", "Arguments": arguments, **extra}


CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "Next": "Caught", "Output": "{% $states.errorOutput %}"}]
CAUGHT = ("Caught", {"Type": "Pass", "End": True})


# ---------------------------------------------------------------------------------------------- the bridge


def test_the_bridge_runs_the_jsonata_version_step_functions_documents() -> None:
    # Developer Guide, "Transforming data with JSONata in Step Functions": "Step Functions implements JSONata
    # based on the 2.0.6 specification".
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["jsonata"]
    installed = json.loads((ROOT / "node_modules" / "jsonata" / "package.json").read_text())["version"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/jsonata"]["version"]
    assert pinned == installed == locked == "2.0.6"


def test_the_bridge_is_the_reference_where_jsonata_python_differs() -> None:
    expression = '$string({"name": "é", "n": 1/3})'
    assert evaluate(expression) == '{"name":"é","n":0.333333333333333}'
    assert jsonata_python.Jsonata(expression).evaluate(None) != evaluate(expression)  # why the bridge exists
    assert evaluate("$x & '!'", {"x": 'a"b\\c\n'}) == 'a"b\\c\n!'
    assert evaluate("missing") is jsonata_bridge.UNDEFINED


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"])
def test_hash_computes_the_documented_algorithms(algorithm: str) -> None:
    text = "rl-constructs é"
    expected = hashlib.new(algorithm.replace("-", "").lower(), text.encode()).hexdigest()
    assert evaluate("$hash($t, $a)", {"t": text, "a": algorithm}) == expected


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("$partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)", [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),  # the guide's example
        ("$partition([1, 2, 3, 4, 5], 2)", [[1, 2], [3, 4], [5]]),
        ("$range(0, 10, 2)", [0, 2, 4, 6, 8, 10]),  # the guide's example
        ("$range(3, 1, -1)", [3, 2, 1]),
        ("$parse('{\"a\": [1, true]}')", {"a": [1, True]}),
        ("$random(7) = $random(7)", True),
        ("$random() >= 0 and $random() < 1", True),
    ],
)
def test_step_functions_functions_exist_as_documented(expression: str, value: Any) -> None:
    assert evaluate(expression) == value


def test_uuid_is_a_version_4_uuid_and_eval_is_not_available() -> None:
    first, second = evaluate("$uuid()"), evaluate("$uuid()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)
    assert first != second
    with pytest.raises(JsonataError, match="eval"):
        evaluate("$eval('1 + 1')")  # "$eval is not available - use $parse instead"


def test_errors_come_back_as_errors() -> None:
    with pytest.raises(JsonataError) as raised:
        evaluate("$error('boom')")
    assert (raised.value.code, raised.value.message) == ("D3137", "boom")
    with pytest.raises(JsonataError, match="T2001"):
        evaluate("'a' + 1")
    with pytest.raises(JsonataError, match="valid JSON"):
        evaluate("$parse('{nope')")


def test_a_missing_jsonata_fails_naming_the_install_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(jsonata_bridge.NODE_MODULES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(jsonata_bridge, "CACHE_DIR", tmp_path / "cache")
    with pytest.raises(jsonata_bridge.BridgeUnavailableError) as raised:
        JsonataBridge().evaluate("1")
    assert "run python -m rl_constructs.testing.sfn install-jsonata" in str(raised.value)
    assert str(tmp_path / "cache" / "node_modules") in str(raised.value)
    monkeypatch.setenv(jsonata_bridge.NODE_MODULES_ENV, str(tmp_path))
    with pytest.raises(jsonata_bridge.BridgeUnavailableError, match=r"RL_CONSTRUCTS_NODE_MODULES=.*does not hold"):
        jsonata_bridge.find_node_modules()


def _fake_node_modules(directory: Path) -> Path:
    (directory / "node_modules" / "jsonata").mkdir(parents=True)
    (directory / "node_modules" / "jsonata" / "package.json").write_text('{"version": "2.0.6"}')
    return directory / "node_modules"


def test_jsonata_is_found_in_the_environment_then_upward_then_in_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(jsonata_bridge.NODE_MODULES_ENV, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setattr(jsonata_bridge, "CACHE_DIR", cache)
    cached = _fake_node_modules(cache)
    project = tmp_path / "project"
    (project / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(project / "src" / "deep")
    assert jsonata_bridge.find_node_modules() == cached.resolve()
    upward = _fake_node_modules(project)
    assert jsonata_bridge.find_node_modules() == upward.resolve()
    configured = _fake_node_modules(tmp_path / "elsewhere")
    monkeypatch.setenv(jsonata_bridge.NODE_MODULES_ENV, str(configured))
    assert jsonata_bridge.find_node_modules() == configured.resolve()


def test_this_repository_pins_the_same_jsonata_as_the_shipped_lock() -> None:
    shipped = json.loads((jsonata_bridge.NODE_PROJECT / "package-lock.json").read_text())
    repository = json.loads((ROOT / "package-lock.json").read_text())
    package = shipped["packages"]["node_modules/jsonata"]
    assert package["version"] == jsonata_bridge.JSONATA_VERSION
    assert package["integrity"] == repository["packages"]["node_modules/jsonata"]["integrity"]
    assert json.loads((jsonata_bridge.NODE_PROJECT / "package.json").read_text())["dependencies"] == {
        "jsonata": jsonata_bridge.JSONATA_VERSION
    }


def test_install_jsonata_runs_npm_ci_from_the_shipped_lock_and_the_bridge_uses_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reaches the npm registry once (a package registry: allowed); ~2 s."""
    from rl_constructs.testing.sfn.__main__ import main

    assert main(["install-jsonata", "--target", str(tmp_path / "jsonata")]) == 0
    node_modules = (tmp_path / "jsonata" / "node_modules").resolve()
    assert f"jsonata 2.0.6 in {node_modules}" in capsys.readouterr().out
    installed = json.loads((node_modules / "jsonata" / "package.json").read_text())
    assert installed["version"] == "2.0.6"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jsonata"]  # no scratch directory left behind
    assert jsonata_bridge.install_jsonata(tmp_path / "jsonata") == node_modules  # kept, not reinstalled
    monkeypatch.setenv(jsonata_bridge.NODE_MODULES_ENV, str(node_modules))
    bridge = JsonataBridge()
    try:
        assert bridge.evaluate("$sum([1, 2]) & $partition([1, 2, 3], 2)[1][0]") == "33"
    finally:
        bridge.close()


# ---------------------------------------------------------------------------------------------- moto's engine


def test_states_is_bound_as_step_functions_binds_it() -> None:
    definition = machine(
        (
            "Look",
            {
                "Type": "Pass",
                "Output": "{% {'input': $states.input, 'execution': $states.context.Execution.Name,"
                " 'state': $states.context.State.Name, 'machine': $states.context.StateMachine.Name} %}",
            },
        )
    )
    result = run_execution(definition, {"a": [1, "é"]}, ScriptedSageMaker(), name="run-7")
    assert result.status == "SUCCEEDED"
    assert result.output == {"input": {"a": [1, "é"]}, "execution": "run-7", "state": "Look", "machine": "machine"}


def test_step_functions_functions_work_inside_the_engine() -> None:
    # moto declares stand-ins for them ("Function $hash is currently not supported"); the bridge's must win.
    expression = (
        "{% {'hash': $hash('abc', 'SHA-256'), 'partition': $partition([1, 2, 3], 2), 'uuid': $length($uuid()),"
        " 'range': $range(1, 3, 1), 'parse': $parse('[1]')} %}"
    )
    result = run_execution(machine(("Use", {"Type": "Pass", "Output": expression})), {}, ScriptedSageMaker())
    assert result.output == {
        "hash": hashlib.sha256(b"abc").hexdigest(),
        "partition": [[1, 2], [3]],
        "uuid": 36,
        "range": [1, 2, 3],
        "parse": [1],
    }


def test_variables_keep_quotes_backslashes_and_newlines() -> None:
    # moto writes string variables as "<raw text>" into the expression; the harness writes JSON strings.
    definition = machine(
        ("Keep", {"Type": "Pass", "Assign": {"text": "{% $states.input.text %}"}}),
        ("Use", {"Type": "Pass", "Output": "{% {'text': $text, 'length': $length($text)} %}"}),
    )
    text = 'say "hi"\\n\nnext line'
    result = run_execution(definition, {"text": text}, ScriptedSageMaker())
    assert result.output == {"text": text, "length": len(text)}


def test_a_bare_dollar_is_the_context_value_inside_a_predicate() -> None:
    definition = machine(
        ("Filter", {"Type": "Pass", "Output": "{% $states.input.keys[$substring($, 0, 3) = 'sm_'] %}"})
    )
    result = run_execution(definition, {"keys": ["sm_a", "b", "sm_c"]}, ScriptedSageMaker())
    assert (result.status, result.output) == ("SUCCEEDED", ["sm_a", "sm_c"])


def test_an_error_in_an_expression_fails_the_state_with_query_evaluation_error() -> None:
    definition = machine(("Check", {"Type": "Pass", "Output": "{% $states.input.ok ? 1 : $error('name is bad') %}"}))
    result = run_execution(definition, {"ok": False}, ScriptedSageMaker())
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause is not None and result.cause.endswith("name is bad")
    assert [e["type"] for e in result.history][-2:] == ["EvaluationFailed", "ExecutionFailed"]
    assert run_execution(definition, {"ok": True}, ScriptedSageMaker()).output == 1


def test_wait_and_retry_advance_virtual_time_instead_of_sleeping() -> None:
    sm = ScriptedSageMaker()
    sm.fail("DescribeEndpoint", code="ThrottlingException", times=3)
    retry = [
        {"ErrorEquals": ["SageMaker.SageMakerException"], "IntervalSeconds": 10, "MaxAttempts": 3, "BackoffRate": 2}
    ]
    definition = machine(
        ("Nap", {"Type": "Wait", "Seconds": 3600}),
        ("Look", task("aws-sdk:sagemaker:describeEndpoint", {"EndpointName": "ep"}, Retry=retry, Catch=CATCH_ALL)),
        CAUGHT,
    )
    started = time.monotonic()
    result = run_execution(definition, {}, sm)
    assert time.monotonic() - started < 5
    assert result.virtual_seconds == 3600 + 10 + 20 + 40
    assert result.operations == ["DescribeEndpoint"] * 4
    assert result.output["Error"] == "SageMaker.SageMakerException"  # the 4th answer: endpoint not found


def test_the_execution_times_out_in_virtual_time() -> None:
    definition = machine(("Nap", {"Type": "Wait", "Seconds": 7200}), TimeoutSeconds=3600)
    result = run_execution(definition, {}, ScriptedSageMaker())
    assert result.status == "TIMED_OUT"
    assert [e["type"] for e in result.history][-1] == "ExecutionTimedOut"
    assert (
        run_execution(
            machine(("Nap", {"Type": "Wait", "Seconds": 60})), {}, ScriptedSageMaker(), timeout_seconds=30
        ).status
        == "TIMED_OUT"
    )


# ---------------------------------------------------------------------------------------------- SageMaker tasks


@pytest.mark.parametrize(
    ("code", "error"),
    [
        # Developer Guide, "AWS SDK service integrations": errors are ServiceName.ErrorNameException; SageMaker's
        # modeled errors keep their names, unmodeled ones (throttling, validation) are the SDK's base exception.
        ("ThrottlingException", "SageMaker.SageMakerException"),
        ("ValidationException", "SageMaker.SageMakerException"),
        ("ResourceLimitExceeded", "SageMaker.ResourceLimitExceededException"),
    ],
)
def test_aws_sdk_sagemaker_errors_carry_the_documented_names(code: str, error: str) -> None:
    sm = ScriptedSageMaker()
    sm.fail("CreateModel", code=code, message="Rate exceeded")
    result = run_execution(
        machine(("Create", task("aws-sdk:sagemaker:createModel", MODEL, Catch=CATCH_ALL)), CAUGHT), {}, sm
    )
    assert result.output["Error"] == error
    # The AWS SDK's text: message, then (Service, Status Code, Request ID); the code itself is not repeated.
    assert re.fullmatch(
        r"Rate exceeded \(Service: SageMaker, Status Code: 400, Request ID: [0-9a-f-]{36}\)", result.output["Cause"]
    )
    failed = result.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert (failed["error"], failed["resourceType"], failed["resource"]) == (error, "aws-sdk:sagemaker", "createModel")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ThrottlingException", "SageMaker.AmazonSageMakerException"),
        ("ResourceLimitExceeded", "SageMaker.ResourceLimitExceededException"),
    ],
)
def test_optimized_sagemaker_errors_carry_the_names_step_functions_uses(code: str, error: str) -> None:
    sm = ScriptedSageMaker()
    sm.fail("CreateModel", code=code, message="Rate exceeded")
    result = run_execution(machine(("Create", task("sagemaker:createModel", MODEL))), {}, sm)
    assert (result.status, result.error) == ("FAILED", error)
    assert result.cause is not None
    assert re.fullmatch(
        rf"Rate exceeded \(Service: AmazonSageMaker; Status Code: 400; Error Code: {code}; Request ID: [0-9a-f-]{{36}};"
        r" Proxy: null\)",
        result.cause,
    )


def test_an_invalid_request_is_refused_by_the_model_and_retried_never() -> None:
    sm = ScriptedSageMaker()
    bad = {**MODEL, "ModelName": "{% 'bad_' & $states.input.name %}"}
    retry = [{"ErrorEquals": ["SageMaker.ResourceLimitExceededException"], "MaxAttempts": 3}]
    result = run_execution(machine(("Create", task("sagemaker:createModel", bad, Retry=retry))), {"name": "x"}, sm)
    assert (result.status, result.error) == ("FAILED", "SageMaker.AmazonSageMakerException")
    assert "Value 'bad_x' at 'modelName' failed to satisfy constraint" in (result.cause or "")
    assert [(c.operation, c.error) for c in result.calls] == [("CreateModel", "ValidationException")]


def test_a_completed_sync_job_returns_the_describe_answer_after_polling() -> None:
    sm = ScriptedSageMaker(training_polls=3)
    sm.script_training_job(final_metrics={"reward-training": 200.0})
    definition = machine(("Train", task("sagemaker:createTrainingJob.sync", TRAINING)))
    result = run_execution(definition, {"name": "job-1"}, sm)
    assert result.status == "SUCCEEDED"
    assert result.operations == ["CreateTrainingJob"] + ["DescribeTrainingJob"] * 4
    assert result.virtual_seconds == 3 * 60
    assert result.output["TrainingJobStatus"] == "Completed"
    assert result.output["ModelArtifacts"] == {"S3ModelArtifacts": "s3://bucket/out/job-1/output/model.tar.gz"}
    assert result.output["FinalMetricDataList"][0]["MetricName"] == "reward-training"
    assert isinstance(result.output["CreationTime"], int)  # epoch milliseconds through the optimized integration
    assert result.calls[0].params["TrainingJobName"] == "job-1"


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_a_sync_job_that_fails_or_stops_fails_the_task_with_states_task_failed(status: str) -> None:
    sm = ScriptedSageMaker(training_polls=1)
    sm.script_training_job(status=status, failure_reason="AlgorithmError: boom" if status == "Failed" else None)
    definition = machine(("Train", task("sagemaker:createTrainingJob.sync", TRAINING)))
    result = run_execution(definition, {"name": "job-2"}, sm)
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    described = json.loads(result.cause or "")
    assert (described["TrainingJobName"], described["TrainingJobStatus"]) == ("job-2", status)
    assert described.get("FailureReason") == ("AlgorithmError: boom" if status == "Failed" else None)


def test_hundreds_of_polls_take_well_under_two_seconds() -> None:
    sm = ScriptedSageMaker(training_polls=300)
    started = time.monotonic()
    result = run_execution(machine(("Train", task("sagemaker:createTrainingJob.sync", TRAINING))), {"name": "j"}, sm)
    assert time.monotonic() - started < 2
    assert (result.status, result.virtual_seconds) == ("SUCCEEDED", 300 * 60)


def test_a_sync_task_times_out_in_virtual_time() -> None:
    sm = ScriptedSageMaker(training_polls=100)
    train = task("sagemaker:createTrainingJob.sync", TRAINING, TimeoutSeconds=600)
    result = run_execution(machine(("Train", train)), {"name": "j"}, sm)
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    assert result.virtual_seconds == 600


def test_sequential_executions_share_the_sagemaker_state() -> None:
    sm = ScriptedSageMaker(endpoint_polls=0)
    sm.create_model(**{k: v for k, v in MODEL.items()})
    sm.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
    )
    create = machine(
        (
            "Create",
            task("sagemaker:createEndpoint", {"EndpointName": "ep", "EndpointConfigName": "cfg"}, Catch=CATCH_ALL),
        ),
        CAUGHT,
    )
    assert run_execution(create, {}, sm).output == {
        "EndpointArn": "arn:aws:sagemaker:us-west-2:111122223333:endpoint/ep"
    }
    again = run_execution(create, {}, sm, name="run-2")
    assert again.output["Error"] == "SageMaker.AmazonSageMakerException"
    assert again.output["Cause"].startswith(
        'Cannot create already existing endpoint "arn:aws:sagemaker:us-west-2:111122223333:endpoint/ep".'
    )
    look = run_execution(machine(("Look", task("aws-sdk:sagemaker:describeEndpoint", {"EndpointName": "ep"}))), {}, sm)
    assert look.output["EndpointStatus"] == "InService"
    assert isinstance(look.output["CreationTime"], str)  # ISO 8601 through aws-sdk, as moto encodes timestamps


def test_a_cloudformation_template_is_run_with_its_intrinsics_filled() -> None:
    head = '{"QueryLanguage":"JSONata","StartAt":"Look","States":{"Look":{"Type":"Pass","Output":"'
    join = {"Fn::Join": ["", [head, {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, '","End":true}}}']]}
    template = {
        "Resources": {
            "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": join}},
        }
    }
    result = run_execution(template, {}, ScriptedSageMaker())
    assert (result.status, result.output) == ("SUCCEEDED", "us-west-2:111122223333")
    assert run_execution(json.dumps(result.definition), {}, ScriptedSageMaker()).output == "us-west-2:111122223333"


def test_wait_for_task_token_is_refused_for_sagemaker_as_by_step_functions() -> None:
    definition = machine(("Create", task("sagemaker:createModel.waitForTaskToken", MODEL)))
    with pytest.raises(Exception, match="not recognized"):
        run_execution(definition, {}, ScriptedSageMaker())


def test_states_all_does_not_catch_a_result_over_the_payload_quota() -> None:
    # Developer Guide, "Handling errors in Step Functions workflows": States.ALL cannot catch the
    # States.DataLimitExceeded terminal error (a result over 256 KiB) or States.Runtime; moto's engine would.
    sm = ScriptedSageMaker()
    environment = {f"KEY_{index}": "x" * 1024 for index in range(100)}
    containers = [{"Image": "serve:1", "Environment": environment}] * 3  # about 310 KB described
    sm.create_model(ModelName="big", ExecutionRoleArn=ROLE, Containers=containers)
    describe = task("aws-sdk:sagemaker:describeModel", {"ModelName": "big"}, Catch=CATCH_ALL)
    result = run_execution(machine(("Describe", describe), CAUGHT), {}, sm)
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    assert "Caught" not in result.states_entered
    small = run_execution(machine(("Describe", {**describe, "Arguments": {"ModelName": "none"}}), CAUGHT), {}, sm)
    assert (small.status, small.states_entered) == ("SUCCEEDED", ["Describe", "Caught"])


def test_a_field_the_api_lacks_is_a_runtime_error_that_states_all_does_not_catch() -> None:
    sm = ScriptedSageMaker()
    create = task("sagemaker:createModel", {**MODEL, "S3Operations": {"S3Upload": []}}, Catch=CATCH_ALL)
    result = run_execution(machine(("Create", create), CAUGHT), {}, sm)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert result.cause is not None
    assert re.match(
        r"An error occurred while executing the state 'Create' \(entered at the event id #\d+\)\. ", result.cause
    )
    assert result.cause.endswith('[The field "S3Operations" is not supported by Step Functions]')
    assert result.calls == [] and "Caught" not in result.states_entered
