"""Run Step Functions definitions in moto's engine, with the reference JSONata, a scripted SageMaker and
virtual time (see the package docstring for the API).

moto 5's Step Functions engine (a port of LocalStack's) interprets the definition: Retry, Catch, Choice,
Map, Parallel, Assign, Output, the size checks and the history events stay moto's. This module only
plugs in what moto leaves out, each by a patch that lasts one :func:`run_execution`:

- JSONata: moto composes ``($states:={...}; $var:=...; <expression>)`` and hands it to a stub evaluator
  (``asl/jsonata/jsonata.py: _eval_jsonata``); we evaluate it with the npm ``jsonata`` bridge, where the
  Step Functions functions are native (moto's JSONata stand-ins for ``$partition``/``$range``/``$hash``/
  ``$uuid``/``$parse`` are switched off). moto writes string variables as ``"<raw text>"``, which breaks on
  quotes, backslashes and newlines: we write them as JSON strings. Evaluation errors (``$error()``
  included) fail the state with ``States.QueryEvaluationError``, as Step Functions does.
- SageMaker: moto lists ``sagemaker`` as unsupported and has no ``.sync`` for it. :class:`SageMakerService`
  serves ``arn:<partition>:states:::sagemaker:<action>[.sync]`` from the :class:`ScriptedSageMaker`, and
  ``aws-sdk:sagemaker:*`` tasks get the same client instead of a boto3 one.
- Error names: optimized integration -> ``SageMaker.AmazonSageMakerException`` for SageMaker's unmodeled
  errors (Throttling, Validation...), ``SageMaker.<Modeled>Exception`` for modeled ones, with the Java SDK's
  cause text; ``aws-sdk:sagemaker:*`` -> ``SageMaker.<Modeled>Exception`` / ``SageMaker.SageMakerException``
  (moto's normaliser would write ``sagemaker.sagemakerException``: it only knows DynamoDb and Sfn, so we add
  ``sagemaker -> SageMaker``).
- Time: Wait states, Retry intervals and ``.sync`` polls advance a :class:`VirtualClock` instead of
  sleeping; the execution's ``TimeoutSeconds`` (or ``timeout_seconds=``) and a Task's ``TimeoutSeconds``
  on ``.sync`` jobs are measured on it.

Three fixes where moto's port differs from Step Functions, each with its source:

- a bare ``$`` (the context value, ``items[$ > 1]``) is legal; moto rejects it as an illegal variable
  reference (fixed upstream in LocalStack, issue #13579); ``$$`` stays illegal;
- ``States.ALL`` does not catch or retry ``States.Runtime`` and ``States.DataLimitExceeded`` (Developer Guide,
  "Handling errors in Step Functions workflows"); moto's ErrorEqualsDecl matched everything;
- a request field the SageMaker API does not have fails the optimized task with ``States.Runtime`` "The field
  "X" is not supported by Step Functions" before any call (aws/aws-step-functions-data-science-sdk-python
  issue #15).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast
from unittest import mock

import boto3
from botocore.exceptions import ClientError
from botocore.utils import parse_timestamp
from moto import mock_aws
from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.string import string_expression
from moto.stepfunctions.parser.asl.component.program import program
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils, state_task_factory
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_aws_sdk,
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval import states as states_module
from moto.stepfunctions.parser.asl.eval import variable_store
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.static_analyser import variable_references_static_analyser
from moto.stepfunctions.parser.asl.static_analyser.intrinsic import variable_names_intrinsic_static_analyser
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from ..asl import definition_of
from . import jsonata_bridge
from .scripted_sagemaker import Call, ScriptedSageMaker

ROLE_NAME: Final = "StateMachineRole"


# ---------------------------------------------------------------------------------------------- virtual time


class VirtualClock:
    """Seconds that Wait, Retry and ``.sync`` polls would have slept; times the execution out past ``limit``."""

    def __init__(self, limit: float | None = None) -> None:
        self.seconds = 0.0
        self.limit = limit
        self.env: Any = None
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        """Advance instead of sleeping (Parallel/Map branches add up: the clock is per execution)."""
        with self._lock:
            self.seconds += max(0.0, float(seconds))
            timed_out = self.limit is not None and self.seconds >= self.limit and self.env is not None
        if timed_out and self.env.is_running():
            self.env.set_timed_out()

    def time(self) -> float:
        """The virtual time, for code that measures elapsed time."""
        return self.seconds


class _VirtualTimeModule:
    """Stands in for the ``time`` module inside moto modules that sleep."""

    def __init__(self, clock: VirtualClock) -> None:
        self.sleep = clock.sleep
        self.time = time.time
        self.monotonic = time.monotonic


# ---------------------------------------------------------------------------------------------- SageMaker


@dataclass(frozen=True)
class SyncJob:
    """How a ``.sync`` SageMaker action is followed: Describe* by name until a terminal status."""

    describe: str
    name_key: str
    status_key: str
    succeeded: frozenset[str] = frozenset({"Completed"})
    failed: frozenset[str] = frozenset({"Failed", "Stopped"})


#: ``.sync`` actions the harness follows (each has its Create/Describe in ScriptedSageMaker).
SYNC_JOBS: Final[dict[str, SyncJob]] = {
    "createTrainingJob": SyncJob("describe_training_job", "TrainingJobName", "TrainingJobStatus"),
    "createHyperParameterTuningJob": SyncJob(
        "describe_hyper_parameter_tuning_job", "HyperParameterTuningJobName", "HyperParameterTuningJobStatus"
    ),
    "createTransformJob": SyncJob("describe_transform_job", "TransformJobName", "TransformJobStatus"),
}

_CURRENT: dict[str, Any] = {}


def _current_sagemaker() -> ScriptedSageMaker:
    sagemaker = _CURRENT.get("sagemaker")
    if sagemaker is None:  # pragma: no cover - only inside run_execution
        raise RuntimeError("no ScriptedSageMaker: SageMaker tasks only run inside run_execution()")
    return sagemaker  # type: ignore[no-any-return]


@dataclass(frozen=True)
class LambdaInvocation:
    """One ``lambda:invoke`` of an execution: the function name or ARN, the payload, and the error type (None
    when the function answered)."""

    function_name: str
    payload: Any
    error: str | None


class _LambdaClient:
    """A botocore-shaped Lambda client whose ``invoke`` runs a Python function in process (``run_execution``'s
    ``lambda_functions``), as the Lambda Python runtime would: a raised ``ClientError`` is a Lambda service error
    (Step Functions names it ``Lambda.<Code>``); any other exception is a function error (``FunctionError:
    Unhandled``, payload ``{"errorType", "errorMessage"}``: Step Functions names it after ``errorType``)."""

    def __init__(self, functions: Mapping[str, Callable[[Any], Any]], invocations: list[LambdaInvocation]) -> None:
        self.functions, self.invocations = functions, invocations

    def invoke(self, *, FunctionName: str, Payload: bytes | None = None, **_: Any) -> dict[str, Any]:
        matches = [f for key, f in self.functions.items() if key == FunctionName or key in FunctionName]
        if not matches and len(self.functions) == 1:
            matches = list(self.functions.values())
        if len(matches) != 1:
            raise AssertionError(f"lambda:invoke of {FunctionName}: no single function of {list(self.functions)}")
        payload = json.loads(Payload) if Payload else {}
        try:
            answer, error = matches[0](payload), None
        except ClientError as client_error:
            self.invocations.append(LambdaInvocation(FunctionName, payload, client_error.response["Error"]["Code"]))
            raise
        except Exception as failure:
            answer, error = {"errorType": type(failure).__name__, "errorMessage": str(failure)}, type(failure).__name__
        self.invocations.append(LambdaInvocation(FunctionName, payload, error))
        return {
            "StatusCode": 200,
            "ExecutedVersion": "$LATEST",
            "Payload": io.BytesIO(json.dumps(answer).encode()),
            **({"FunctionError": "Unhandled"} if error else {}),
        }


def _json_timestamps(value: Any, encode: Callable[[datetime.datetime], Any]) -> Any:
    """``value`` with botocore's datetimes made JSON values, as Step Functions hands results on."""
    if isinstance(value, datetime.datetime):
        return encode(value)
    if isinstance(value, dict):
        return {k: _json_timestamps(v, encode) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_timestamps(v, encode) for v in value]
    return value


def _epoch_millis(value: datetime.datetime) -> int:
    """Optimized integrations answer through the Java SDK: timestamps as epoch milliseconds (unverified)."""
    return round(value.timestamp() * 1000)


def _iso(value: datetime.datetime) -> str:
    """aws-sdk integrations: ISO 8601 text, as moto's engine encodes timestamps (unverified against AWS)."""
    return value.isoformat()


class _AwsSdkClient:
    """The ScriptedSageMaker as ``aws-sdk:sagemaker:*`` tasks see it: JSON timestamps."""

    def __init__(self, sagemaker: ScriptedSageMaker) -> None:
        self._sagemaker = sagemaker

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._sagemaker, name)

        def call(**params: Any) -> Any:
            return _json_timestamps(method(**params), _iso)

        return call


def _error_name(error: ClientError, unmodeled: str) -> str:
    code = error.response["Error"]["Code"]
    if type(error).__name__ == "ClientError":  # not in SageMaker's model: botocore's generic ClientError
        return unmodeled
    return f"SageMaker.{code if code.endswith('Exception') else code + 'Exception'}"


class SageMakerService(StateTaskServiceCallback):
    """``arn:<partition>:states:::sagemaker:<action>`` (request-response) and ``<action>.sync`` (SYNC_JOBS).

    ``.sync``: Create*, then Describe* every ``sync_poll_seconds`` (virtual) until a terminal status; the task's
    result is the final Describe* answer. A Failed or Stopped job fails the task with ``States.TaskFailed`` and
    the Describe* answer as JSON in the cause. No AWS page found states this for SageMaker: it is how Step
    Functions' ``.sync`` job integrations report a failed job (moto's port of LocalStack's Batch ``.sync``
    resolver, ``state_task_service_batch.py``, does the same), and Stopped counts as failed as in Airflow's
    SageMaker hook (apache/airflow PR #42423) although boto3's TrainingJobCompletedOrStopped waiter accepts it.
    Both are one-line changes here (``SyncJob.failed``) once checked on AWS.

    API errors are named as the optimized integration names them: ``SageMaker.AmazonSageMakerException`` for
    errors outside SageMaker's model, e.g. throttling (aws/aws-step-functions-data-science-sdk-python issue
    #191 / PR #162; the Developer Guide's SageMaker example retries it), and ``SageMaker.<Code>Exception`` for
    modeled ones (its example retries ``SageMaker.ResourceLimitExceededException``). The cause is the Java SDK
    v1 text ``<message> (Service: AmazonSageMaker; Status Code: 400; Error Code: <code>; Request ID: <id>;
    Proxy: null)`` (as in aws/amazon-kinesis-video-streams-parser-library issue #187's AmazonSageMakerRuntime
    error, and moto's Batch integration).
    """

    def __init__(self) -> None:
        # WaitForTaskToken listed only because moto's callback machinery needs its endpoint; it is refused below.
        patterns = cast("set[ResourceCondition]", {ResourceCondition.WaitForTaskToken, ResourceCondition.Sync})
        super().__init__(supported_integration_patterns=patterns)

    def _validate_service_integration_is_supported(self) -> None:
        condition = self.resource.condition
        if condition == ResourceCondition.WaitForTaskToken or (
            condition is not None and (condition != ResourceCondition.Sync or self.resource.api_action not in SYNC_JOBS)
        ):
            raise ValueError(
                f"The resource provided {self.resource.resource_arn} not recognized. The value is not a valid "
                "resource ARN, or the resource is not available in this region."
            )

    def _eval_service_task(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any], state_credentials: Any
    ) -> None:
        sagemaker = _current_sagemaker()
        self._refuse_unknown_fields(env, sagemaker, normalised_parameters)
        method = getattr(sagemaker, self._get_boto_service_action())
        response = _json_timestamps(method(**normalised_parameters), _epoch_millis)
        response.pop("ResponseMetadata", None)
        env.stack.append(response)

    def _refuse_unknown_fields(self, env: Any, sagemaker: ScriptedSageMaker, parameters: dict[str, Any]) -> None:
        """A field the API does not have stops the task before any call, with ``States.Runtime`` and the text
        Step Functions writes (aws/aws-step-functions-data-science-sdk-python issue #15: ``The Parameters '...'
        could not be used to start the Task: [The field "S3Operations" is not supported by Step Functions]``)."""
        api_action = self.resource.api_action
        shape = sagemaker.model.operation_model(api_action[:1].upper() + api_action[1:]).input_shape
        unknown = [key for key in parameters if key not in shape.members]
        if not unknown:
            return
        cause = (
            f"The Parameters '{to_json_str(parameters, separators=(',', ':'))}' could not be used to start the Task: "
            f'[The field "{unknown[0]}" is not supported by Step Functions]'
        )
        raise FailureEventException(
            FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(  # type: ignore[typeddict-item]  # moto's TypedDict is total
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=StatesErrorNameType.StatesRuntime.to_name(),
                        cause=cause,
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                    )
                ),
            )
        )

    def _build_sync_resolver(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any], state_credentials: Any
    ) -> Callable[[], Any]:
        job = SYNC_JOBS[self.resource.api_action]
        env.stack.pop()  # the Create* answer; the task's result is the final Describe* answer
        describe = getattr(_current_sagemaker(), job.describe)
        name = normalised_parameters[job.name_key]
        clock: VirtualClock = _CURRENT["clock"]
        timeout: float | None = None
        if not self.timeout.is_default_value():
            self.timeout.eval(env=env)
            timeout = float(env.stack.pop())
        started = clock.seconds

        def resolve() -> dict[str, Any] | None:
            if timeout is not None and clock.seconds - started >= timeout:
                raise TimeoutError(f"{job.describe} {name}: no terminal status within {timeout} s")
            answer = _json_timestamps(describe(**{job.name_key: name}), _epoch_millis)
            answer.pop("ResponseMetadata", None)
            status = answer[job.status_key]
            if status in job.succeeded:
                return answer  # type: ignore[no-any-return]
            if status in job.failed:
                raise FailureEventException(
                    FailureEvent(
                        env=env,
                        error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                        event_type=HistoryEventType.TaskFailed,
                        event_details=EventDetails(  # type: ignore[typeddict-item]  # moto's TypedDict is total
                            taskFailedEventDetails=TaskFailedEventDetails(
                                resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type(),
                                error=StatesErrorNameType.StatesTaskFailed.to_name(),
                                cause=to_json_str(answer),
                            )
                        ),
                    )
                )
            return None

        return resolve

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, ClientError):
            error = _error_name(ex, "SageMaker.AmazonSageMakerException")
            code, message = ex.response["Error"]["Code"], ex.response["Error"]["Message"]
            meta = ex.response["ResponseMetadata"]
            cause = (
                f"{message} (Service: AmazonSageMaker; Status Code: {meta['HTTPStatusCode']}; Error Code: {code}; "
                f"Request ID: {meta['RequestId']}; Proxy: null)"
            )
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(error),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(  # type: ignore[typeddict-item]  # moto's TypedDict is total
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=error,
                        cause=cause,
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                    )
                ),
            )
        return super()._from_error(env=env, ex=ex)


# ---------------------------------------------------------------------------------------------- JSONata


def _evaluate_for_moto(expression: str) -> Any:
    try:
        value = jsonata_bridge.evaluate(expression)
    except jsonata_bridge.JsonataError as error:
        raise moto_jsonata.JSONataException(error.code, error.message) from error
    return None if value is jsonata_bridge.UNDEFINED else value


def _encode_declarations(bindings: dict[str, Any]) -> str:
    """moto's ``encode_jsonata_variable_declarations`` with strings written as JSON (escaped) literals."""
    return "".join(f"{name}:={to_json_str(value, separators=(',', ':'))};" for name, value in bindings.items())


def _variable_references(jsonata_expression: str) -> set[str]:
    """moto's ``extract_jsonata_variable_references`` with LocalStack's later fix (localstack/localstack issue
    #13579, ``tests/unit/services/stepfunctions/test_jsonata_variable_references.py``): a bare ``$`` is
    JSONata's context value (``$states.input.items[$ > 1]``) and legal; ``$$`` stays illegal. moto's port
    rejects every bare ``$`` as an illegal reference (a ``States.Runtime`` with an empty cause)."""
    if not jsonata_expression:
        return set()
    found = moto_jsonata._PATTERN_VARIABLE_REFERENCE.findall(jsonata_expression)
    references = {reference for reference in found if reference and isinstance(reference, str) and reference != "$"}
    if "$$" in references:
        raise moto_jsonata.IllegalJSONataVariableReference(variable_reference="$$")
    return references


#: Developer Guide, "Handling errors in Step Functions workflows": States.ALL "cannot catch the
#: States.DataLimitExceeded terminal error or Runtime error types"; moto's ErrorEqualsDecl lets it match anything.
UNCATCHABLE_BY_STATES_ALL: Final = frozenset({"States.Runtime", "States.DataLimitExceeded"})


def _error_equals_eval_body(original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def eval_body(self: Any, env: Any) -> None:
        error_name = env.stack[-1]
        wildcard = any(getattr(name, "error_name", None) == "States.ALL" for name in self.error_names)
        if wildcard and getattr(error_name, "error_name", None) in UNCATCHABLE_BY_STATES_ALL:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    return eval_body


def _query_evaluation_failure(env: Any, expression: str, error: moto_jsonata.JSONataException) -> FailureEventException:
    cause = f"The JSONata expression '{expression}' threw an error during evaluation: {error.details}"
    name = StatesErrorNameType.StatesQueryEvaluationError
    failure = FailureEventException(
        FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=name),
            event_type=HistoryEventType.EvaluationFailed,
            event_details=EventDetails(  # type: ignore[typeddict-item]  # moto's TypedDict is total
                evaluationFailedEventDetails=EvaluationFailedEventDetails(error=name.to_name(), cause=cause)
            ),
        )
    )
    details = failure.get_evaluation_failed_event_details()
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.EvaluationFailed,
        event_details=EventDetails(evaluationFailedEventDetails=details),  # type: ignore[typeddict-item]
    )
    return failure


def _raising_query_errors(original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def eval_body(self: Any, env: Any) -> None:
        try:
            original(self, env)
        except moto_jsonata.JSONataException as error:
            raise _query_evaluation_failure(env, self.expression, error) from error

    return eval_body


# ---------------------------------------------------------------------------------------------- the engine

_ORIGINAL_PARSE: Final = AmazonStateLanguageParser.parse


@functools.lru_cache(maxsize=32)
def _parsed(definition: str) -> tuple[Any, Any]:
    return _ORIGINAL_PARSE(definition)


def _parse_once(definition: str) -> tuple[Any, Any]:
    """moto's ASL parse (ANTLR, ~0.5 s for a pipeline) done once per definition: CreateStateMachine validates
    by parsing and every execution parses again. Each caller gets its own deep copy of the evaluation
    components (an execution may keep state on them); the parse tree is only read."""
    program_, tree = _parsed(definition)
    return copy.deepcopy(program_), tree


@contextlib.contextmanager
def engine(
    sagemaker: ScriptedSageMaker,
    clock: VirtualClock,
    *,
    sync_poll_seconds: float = 60.0,
    lambda_client: _LambdaClient | None = None,
) -> Iterator[None]:
    """moto's Step Functions engine with every patch of this module, for one execution at a time."""
    original_lambda_client_for = getattr(lambda_eval_utils, "boto_client_for")  # noqa: B009 (not re-exported)
    original_service_for = getattr(state_task_factory, "state_task_service_for")  # noqa: B009 (not re-exported)
    original_client_for = getattr(state_task_service_aws_sdk, "boto_client_for")  # noqa: B009 (not re-exported)
    original_program_eval = program.Program.eval

    def service_for(service_name: str) -> Any:
        return SageMakerService() if service_name == "sagemaker" else original_service_for(service_name=service_name)

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if service == "sagemaker":
            return _AwsSdkClient(_current_sagemaker())
        if service in ("applicationautoscaling", "application-autoscaling"):
            return _AwsSdkClient(_current_sagemaker().application_autoscaling)  # type: ignore[arg-type]
        return original_client_for(region=region, service=service, state_credentials=state_credentials)

    def lambda_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if service == "lambda" and lambda_client is not None:
            return lambda_client
        return original_lambda_client_for(region=region, service=service, state_credentials=state_credentials)

    def program_eval(self: Any, env: Any) -> None:
        if clock.env is None:  # the execution's own program (Map/Parallel iterations come later)
            clock.env = env
            if clock.limit is None and self.timeout_seconds is not None:
                clock.limit = float(self.timeout_seconds.timeout_seconds)
        original_program_eval(self, env)

    def wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        if env.is_running():
            clock.sleep(wait_seconds)

    virtual_time = _VirtualTimeModule(clock)
    patches: list[Any] = [
        mock.patch.object(moto_jsonata, "_eval_jsonata", _evaluate_for_moto),
        mock.patch.object(states_module, "encode_jsonata_variable_declarations", _encode_declarations),
        mock.patch.object(variable_store, "encode_jsonata_variable_declarations", _encode_declarations),
        mock.patch.object(string_expression, "get_intrinsic_functions_declarations", lambda variable_references: ""),
        mock.patch.object(string_expression, "extract_jsonata_variable_references", _variable_references),
        mock.patch.object(
            variable_references_static_analyser, "extract_jsonata_variable_references", _variable_references
        ),
        mock.patch.object(
            variable_names_intrinsic_static_analyser, "extract_jsonata_variable_references", _variable_references
        ),
        mock.patch.object(
            string_expression.StringJSONata,
            "_eval_body",
            _raising_query_errors(string_expression.StringJSONata._eval_body),
        ),
        mock.patch.object(
            string_expression.StringVariableSample,
            "_eval_body",
            _raising_query_errors(string_expression.StringVariableSample._eval_body),
        ),
        mock.patch.object(state_task_factory, "state_task_service_for", service_for),
        mock.patch.object(AmazonStateLanguageParser, "parse", staticmethod(_parse_once)),
        mock.patch.object(state_task_service_aws_sdk, "boto_client_for", client_for),
        mock.patch.object(lambda_eval_utils, "boto_client_for", lambda_client_for),
        mock.patch.dict(
            state_task_service_aws_sdk._SERVICE_ERROR_NAMES,
            {"sagemaker": "SageMaker", "applicationautoscaling": "ApplicationAutoScaling"},
        ),
        mock.patch.object(program.Program, "eval", program_eval),
        mock.patch.object(
            error_equals_decl.ErrorEqualsDecl,
            "_eval_body",
            _error_equals_eval_body(error_equals_decl.ErrorEqualsDecl._eval_body),
        ),
        mock.patch.object(wait_function.WaitFunction, "_wait_interval", wait_interval),
        mock.patch.object(retrier_decl, "time", virtual_time),
        mock.patch.object(state_task_service_callback, "time", virtual_time),
        mock.patch.object(state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", sync_poll_seconds),
    ]
    engine_log = logging.getLogger("moto.stepfunctions.parser")
    with contextlib.ExitStack() as stack:
        # moto logs every caught task failure at ERROR with the whole state's repr: the Result says it better.
        stack.callback(engine_log.setLevel, engine_log.level)
        engine_log.setLevel(logging.CRITICAL)
        stack.enter_context(cast(Any, mock_aws(config={"stepfunctions": {"execute_state_machine": True}})))
        for patch in patches:
            stack.enter_context(patch)
        _CURRENT.update(sagemaker=sagemaker, clock=clock)
        try:
            yield
        finally:
            _CURRENT.clear()


# ---------------------------------------------------------------------------------------------- run_execution


@dataclass
class Result:
    """The outcome of one execution."""

    status: str
    output: Any
    error: str | None
    cause: str | None
    history: list[dict[str, Any]]
    calls: list[Call]
    virtual_seconds: float
    definition: dict[str, Any] = field(repr=False, default_factory=dict)
    #: The ``lambda:invoke`` calls this execution made (``run_execution``'s ``lambda_functions``), in order.
    lambda_invocations: list[LambdaInvocation] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        """How many history events the execution wrote (Step Functions caps this at 25,000)."""
        return len(self.history)

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The history events of ``event_type`` (e.g. ``TaskFailed``), in order."""
        return [event for event in self.history if event["type"] == event_type]

    @property
    def states_entered(self) -> list[str]:
        """The names of the states entered, in order."""
        return [
            event["stateEnteredEventDetails"]["name"] for event in self.history if "stateEnteredEventDetails" in event
        ]

    @property
    def operations(self) -> list[str]:
        """The SageMaker operations this execution called, in order."""
        return [call.operation for call in self.calls]


@functools.cache
def _stepfunctions_client(region: str) -> Any:
    """One boto3 client per region for the session (making one loads the service model: ~0.3 s)."""
    return boto3.client("stepfunctions", region_name=region)


def _backend_execution(region: str, execution_arn: str) -> Any:
    """moto's execution object (polling it costs nothing; DescribeExecution through boto3 ~5 ms a call)."""
    account = execution_arn.split(":")[4]
    return stepfunctions_parser_backends[account][region].describe_execution(execution_arn)


def _is_running(region: str, execution_arn: str) -> bool:
    status = getattr(_backend_execution(region, execution_arn), "exec_status", None)
    return str(getattr(status, "value", status)) == "RUNNING"


def _history(region: str, execution_arn: str) -> list[dict[str, Any]]:
    """GetExecutionHistory's events as boto3 returns them (``type`` a string, ``timestamp`` parsed by botocore),
    read from moto's backend: serializing and parsing them through the API was a third of an execution's time."""
    account = execution_arn.split(":")[4]
    events = stepfunctions_parser_backends[account][region].get_execution_history(execution_arn)["events"]
    history: list[dict[str, Any]] = []
    for event in copy.deepcopy([dict(event) for event in events]):
        event["type"] = str(getattr(event["type"], "value", event["type"]))
        event["timestamp"] = parse_timestamp(event["timestamp"])
        history.append(event)
    return history


def as_definition(definition: Mapping[str, Any] | str, state_machine: str | None = None) -> dict[str, Any]:
    """A definition from a dict, a JSON string, or a synthesized CloudFormation template (its state machine,
    or the one with logical id ``state_machine``, with intrinsics filled by ``rl_constructs.testing.asl.fill``)."""
    value = json.loads(definition) if isinstance(definition, str) else dict(definition)
    if "Resources" in value:
        return definition_of(value, state_machine)
    if "States" not in value:
        raise ValueError("definition: neither an ASL definition (States) nor a CloudFormation template (Resources)")
    return value


def run_execution(
    definition: Mapping[str, Any] | str,
    execution_input: Any,
    sagemaker: ScriptedSageMaker,
    *,
    name: str = "run-1",
    timeout_seconds: float | None = None,
    state_machine: str | None = None,
    sync_poll_seconds: float = 60.0,
    wall_clock_limit: float = 30.0,
    lambda_functions: Mapping[str, Callable[[Any], Any]] | None = None,
) -> Result:
    """Run ``definition`` once with ``execution_input`` against ``sagemaker`` and return its :class:`Result`.

    ``timeout_seconds`` times the execution out (TIMED_OUT) after that many virtual seconds (default: the
    definition's own ``TimeoutSeconds``). ``sync_poll_seconds`` is the virtual time between two Describe*
    polls of a ``.sync`` job. ``wall_clock_limit`` guards against a hung engine (real seconds).
    ``lambda_functions``: what ``arn:aws:states:::lambda:invoke`` tasks run, function name (or a part of the
    function ARN; the only one when there is one) -> a Python function of the payload (see ``_LambdaClient``).
    """
    asl = as_definition(definition, state_machine)
    clock = VirtualClock(timeout_seconds)
    first_call = len(sagemaker.calls)
    invocations: list[LambdaInvocation] = []
    lambda_client = _LambdaClient(lambda_functions, invocations) if lambda_functions else None
    with engine(sagemaker, clock, sync_poll_seconds=sync_poll_seconds, lambda_client=lambda_client):
        client = _stepfunctions_client(sagemaker.region)
        machine = client.create_state_machine(
            name="machine",
            definition=json.dumps(asl),
            roleArn=f"arn:aws:iam::{sagemaker.account}:role/{ROLE_NAME}",
        )["stateMachineArn"]
        execution = client.start_execution(stateMachineArn=machine, name=name, input=json.dumps(execution_input))[
            "executionArn"
        ]
        deadline = time.monotonic() + wall_clock_limit
        while _is_running(sagemaker.region, execution):
            if time.monotonic() > deadline:
                client.stop_execution(executionArn=execution, error="Harness.Hung", cause="wall-clock limit")
                raise AssertionError(f"execution still RUNNING after {wall_clock_limit} s of real time")
            time.sleep(0.001)
        described = client.describe_execution(executionArn=execution)
        history = _history(sagemaker.region, execution)
    # The output as the history's ExecutionSucceeded event holds it: moto's DescribeExecution returns a string
    # output unencoded (``moto/stepfunctions/responses.py``), so a JSON string output would not parse.
    succeeded = [e for e in history if e["type"] == "ExecutionSucceeded"]
    output = succeeded[-1]["executionSucceededEventDetails"].get("output") if succeeded else None
    return Result(
        status=described["status"],
        output=json.loads(output) if output is not None else None,
        error=described.get("error"),
        cause=described.get("cause"),
        history=history,
        calls=list(sagemaker.calls[first_call:]),
        virtual_seconds=clock.seconds,
        definition=asl,
        lambda_invocations=invocations,
    )
