"""``arn:aws:states:::lambda:invoke`` in the interpreter: moto's Lambda integration (its error naming and
payload handling, not ours) with the function run in process (``run_execution(lambda_functions=...)``)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution

FUNCTION = "arn:aws:lambda:us-west-2:111122223333:function:repack"


def invoke(**extra: Any) -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Invoke",
        "States": {
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": FUNCTION, "Payload": {"n": "{% $states.input.n %}"}},
                "Output": "{% $states.result.Payload %}",
                "End": True,
                **extra,
            }
        },
    }


def test_the_function_gets_the_payload_and_its_answer_is_the_result_payload() -> None:
    result = run_execution(
        invoke(), {"n": 2}, ScriptedSageMaker(), lambda_functions={"repack": lambda p: {"twice": p["n"] * 2}}
    )
    assert (result.status, result.output) == ("SUCCEEDED", {"twice": 4})
    (call,) = result.lambda_invocations
    assert (call.function_name, call.payload, call.error) == (FUNCTION, {"n": 2}, None)


def test_a_raised_exception_is_a_function_error_named_after_its_type() -> None:
    class RepackError(Exception):
        pass

    def broken(payload: Any) -> Any:
        raise RepackError("bad archive")

    result = run_execution(invoke(), {"n": 1}, ScriptedSageMaker(), lambda_functions={"repack": broken})
    assert (result.status, result.error) == ("FAILED", "RepackError")
    assert '"errorMessage":"bad archive"' in (result.cause or "")


def test_a_service_error_is_lambda_code_and_can_be_retried() -> None:
    answers: list[str] = []

    def throttled_once(payload: Any) -> Any:
        answers.append("x")
        if len(answers) == 1:
            raise ClientError(
                {
                    "Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"},
                    "ResponseMetadata": {"HTTPStatusCode": 429, "RequestId": "r"},
                },
                "Invoke",
            )
        return {"ok": True}

    retry = {"Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 2}]}
    result = run_execution(invoke(**retry), {"n": 1}, ScriptedSageMaker(), lambda_functions={"repack": throttled_once})
    assert (result.status, result.output) == ("SUCCEEDED", {"ok": True})
    assert [c.error for c in result.lambda_invocations] == ["TooManyRequestsException", None]

    answers.clear()
    result = run_execution(invoke(), {"n": 1}, ScriptedSageMaker(), lambda_functions={"repack": throttled_once})
    assert (result.status, result.error) == ("FAILED", "Lambda.TooManyRequestsException")
    assert "Service: AWSLambda; Status Code: 429" in (result.cause or "")
