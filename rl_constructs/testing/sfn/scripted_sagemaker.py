"""A scripted SageMaker: a botocore-shaped client whose answers follow timelines the test writes.

Methods are the boto3 client's (snake_case, API keyword arguments, ``ResponseMetadata`` in every answer) and
failures are ``botocore.exceptions.ClientError`` (the modeled ones as the classes botocore builds from the
service model, e.g. ``ResourceLimitExceeded``), with the codes and messages the real API uses:

- ``DescribeTrainingJob``/``StopTrainingJob`` of a missing job: ValidationException ``Requested resource not
  found.``; ``Describe/Update/DeleteEndpoint`` of a missing endpoint: ValidationException ``Could not find
  endpoint "<arn>".``; ``CreateEndpoint(Config)`` on an existing name: ValidationException ``Cannot create
  already existing endpoint "<arn>".``; ``Update/DeleteEndpoint`` while Creating/Updating/RollingBack/...:
  ValidationException ``Cannot update in-progress endpoint "<arn>".``; ``CreateEndpointConfig`` naming a missing
  model: ValidationException ``Could not find model "<arn>".`` (texts from
  aws/amazon-sagemaker-operator-for-k8s ``controllers/clientwrapper`` and from botocore Stubber fixtures in
  public projects; SageMaker writes resource names lower-cased in ARNs).
- Every request is checked against botocore's SageMaker service model: ``ParamValidator`` (required members,
  types, unknown members, minimums) and the shape constraints it does not check (maximum lengths and values,
  patterns, enums), answering ValidationException ``1 validation error detected: Value '...' at '...' failed
  to satisfy constraint: ...`` as the API does.

Timelines: a training job is ``InProgress`` for ``polls`` describes, then ``Completed`` (``ModelArtifacts``,
``FinalMetricDataList``), ``Failed`` (``FailureReason``) or ``Stopped``. An endpoint is ``Creating`` for
``polls`` describes then ``InService`` or ``Failed``; ``Updating`` then ``InService`` with the new config,
or ``RollingBack`` then ``InService`` with the old one, or ``UpdateRollbackFailed``; ``Deleting`` then gone.
:meth:`ScriptedSageMaker.script_training_job` and :meth:`ScriptedSageMaker.script_endpoint` choose the next
outcome; :meth:`ScriptedSageMaker.fail` injects API errors; :attr:`ScriptedSageMaker.calls` records every
call in order.
"""

from __future__ import annotations

import copy
import datetime
import functools
import re
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import botocore.session
from botocore.errorfactory import ClientExceptionsFactory
from botocore.exceptions import ClientError
from botocore.model import ServiceModel, Shape
from botocore.validate import ParamValidator

ACCOUNT: Final = "111122223333"
REGION: Final = "us-west-2"
EPOCH: Final = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

#: Endpoint statuses in which Update/DeleteEndpoint are refused as "in-progress".
IN_PROGRESS: Final = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})

#: Default messages of the error codes tests inject most.
DEFAULT_MESSAGES: Final = {
    "ThrottlingException": "Rate exceeded",
    "ResourceLimitExceeded": "The account-level service limit has been exceeded.",
    "ValidationException": "Invalid request.",
    "InternalFailure": "An internal error occurred.",
    "ServiceUnavailable": "Service is unavailable.",
}

TrainingOutcome = Literal["Completed", "Failed", "Stopped"]
EndpointOutcome = Literal["InService", "Failed", "RollingBack", "UpdateRollbackFailed"]


@functools.cache
def _service_model() -> ServiceModel:
    """botocore's SageMaker model, loaded once (about 0.3 s)."""
    return botocore.session.get_session().get_service_model("sagemaker")


@functools.cache
def _exceptions() -> Any:
    return ClientExceptionsFactory().create_client_exceptions(_service_model())


@dataclass(frozen=True)
class Call:
    """One API call: operation name (``CreateModel``), its parameters, and the error code it got (or None)."""

    operation: str
    params: dict[str, Any]
    error: str | None = None


@dataclass
class _Fault:
    operation: str
    code: str
    message: str
    times: int
    status: int


@dataclass
class TrainingScript:
    """How the next (or a named) training job behaves."""

    polls: int
    status: TrainingOutcome = "Completed"
    failure_reason: str | None = None
    final_metrics: dict[str, float] | None = None


@dataclass
class EndpointScript:
    """How the next transition (create, update, delete) of an endpoint behaves."""

    polls: int
    outcome: EndpointOutcome = "InService"
    failure_reason: str | None = None


@dataclass
class TuningScript:
    """How the next (or a named) hyperparameter tuning job behaves."""

    polls: int
    status: TrainingOutcome = "Completed"
    best_objective: float = 1.0
    training_jobs: int = 1
    failure_reason: str | None = None


@dataclass
class TransformScript:
    """How the next (or a named) transform job behaves."""

    polls: int
    status: TrainingOutcome = "Completed"
    failure_reason: str | None = None


@dataclass
class _Transition:
    kind: Literal["create", "update", "delete", "capacity"]
    remaining: int
    outcome: EndpointOutcome
    failure_reason: str | None
    new_config: str | None = None
    new_variants: list[dict[str, Any]] | None = None
    rolled_back: bool = False


@dataclass
class _Endpoint:
    name: str
    arn: str
    config_name: str
    status: str
    created: datetime.datetime
    modified: datetime.datetime
    variants: list[dict[str, Any]] = field(default_factory=list)
    failure_reason: str | None = None
    deployment_config: dict[str, Any] | None = None
    transition: _Transition | None = None


class ScriptedService:
    """What every scripted AWS service shares: fault injection (:meth:`fail`), every request validated
    against the service's botocore model, errors raised as the modeled exception classes, and ``calls``.
    Subclasses set ``model``, ``exceptions``, ``calls``, ``_faults`` and ``_lock``, and answer
    :meth:`_metadata`."""

    model: ServiceModel
    exceptions: Any
    calls: list[Call]
    _faults: list[_Fault]
    _lock: threading.RLock

    def _metadata(self, status: int = 200) -> dict[str, Any]:
        raise NotImplementedError

    def fail(
        self,
        operation: str,
        *,
        code: str = "ThrottlingException",
        message: str | None = None,
        times: int = 1,
        status: int = 400,
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` (API name, e.g. ``CreateModel``) with ``code``."""
        if operation not in self.model.operation_names:
            raise ValueError(f"operation: {operation!r} is not a {self.model.service_id} operation")
        self._faults.append(_Fault(operation, code, message or DEFAULT_MESSAGES.get(code, code), times, status))

    def operations(self) -> list[str]:
        """The operation names of the recorded calls, in order."""
        return [call.operation for call in self.calls]

    def error(self, operation: str, code: str, message: str, status: int = 400) -> ClientError:
        """The exception botocore raises for ``code`` (the modeled class if SageMaker's model has one)."""
        response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": self._metadata(status)}
        exception: ClientError = self.exceptions.from_code(code)(response, operation)
        return exception

    def _call(
        self, operation: str, params: dict[str, Any], handler: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        with self._lock:
            params = copy.deepcopy(params)
            try:
                for fault in self._faults:
                    if fault.operation == operation and fault.times > 0:
                        fault.times -= 1
                        raise self.error(operation, fault.code, fault.message, fault.status)
                self._validate(operation, params)
                response = handler(params)
            except ClientError as error:
                self.calls.append(Call(operation, params, error.response["Error"]["Code"]))
                raise
            self.calls.append(Call(operation, params))
            response["ResponseMetadata"] = self._metadata()
            return copy.deepcopy(response)

    def _validate(self, operation: str, params: dict[str, Any]) -> None:
        shape = self.model.operation_model(operation).input_shape
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            raise self.error(operation, "ValidationException", report.generate_report())
        problems = list(_constraint_problems(params, shape, ""))
        if problems:
            count = len(problems)
            head = f"{count} validation error{'s' if count > 1 else ''} detected: "
            raise self.error(operation, "ValidationException", head + "; ".join(problems))


class ScriptedSageMaker(ScriptedService):
    """A SageMaker client for tests (see the module docstring). Thread-safe; state persists across runs.

    ``training_polls`` / ``endpoint_polls``: how many describes a job stays InProgress / an endpoint stays in a
    transitional status when no script says otherwise.
    """

    def __init__(
        self,
        *,
        region: str = REGION,
        account: str = ACCOUNT,
        training_polls: int = 1,
        endpoint_polls: int = 1,
    ) -> None:
        self.region = region
        self.account = account
        self.training_polls = training_polls
        self.endpoint_polls = endpoint_polls
        self.calls: list[Call] = []
        self.model = _service_model()
        self.exceptions = _exceptions()
        self._lock = threading.RLock()
        self._tick = 0
        self._request = 0
        self._faults: list[_Fault] = []
        self._training_scripts: dict[str | None, deque[TrainingScript]] = defaultdict(deque)
        self._endpoint_scripts: dict[str, deque[EndpointScript]] = defaultdict(deque)
        self._jobs: dict[str, dict[str, Any]] = {}
        self._job_scripts: dict[str, tuple[TrainingScript, list[int]]] = {}
        self._models: dict[str, dict[str, Any]] = {}
        self._configs: dict[str, dict[str, Any]] = {}
        self._endpoints: dict[str, _Endpoint] = {}
        self._tags: dict[str, dict[str, str]] = {}
        self._tuning_scripts: dict[str | None, deque[TuningScript]] = defaultdict(deque)
        self._tuning_jobs: dict[str, tuple[dict[str, Any], TuningScript, list[int]]] = {}
        self._transform_scripts: dict[str | None, deque[TransformScript]] = defaultdict(deque)
        self._transform_jobs: dict[str, tuple[dict[str, Any], TransformScript, list[int]]] = {}
        from .scripted_autoscaling import ScriptedApplicationAutoScaling

        #: The account's Application Auto Scaling (``aws-sdk:applicationautoscaling:*`` tasks).
        self.application_autoscaling = ScriptedApplicationAutoScaling(self)

    # ------------------------------------------------------------------ scripting

    def script_training_job(
        self,
        name: str | None = None,
        *,
        polls: int | None = None,
        status: TrainingOutcome = "Completed",
        failure_reason: str | None = None,
        final_metrics: dict[str, float] | None = None,
    ) -> None:
        """The job ``name`` (or the next job created, if None) stays InProgress for ``polls`` describes, then
        ends in ``status`` (Failed jobs carry ``failure_reason``; Completed ones ``final_metrics``)."""
        if status == "Failed" and not failure_reason:
            failure_reason = "AlgorithmError: ExecuteUserScriptError: scripted failure"
        script = TrainingScript(self.training_polls if polls is None else polls, status, failure_reason, final_metrics)
        self._training_scripts[name].append(script)

    def script_endpoint(
        self,
        name: str,
        *,
        polls: int | None = None,
        outcome: EndpointOutcome = "InService",
        failure_reason: str | None = None,
    ) -> None:
        """The next transition of endpoint ``name`` lasts ``polls`` describes and ends in ``outcome``:
        create -> InService | Failed; update -> InService | RollingBack (then InService on the old config) |
        UpdateRollbackFailed; delete -> gone and UpdateEndpointWeightsAndCapacities -> InService (``outcome``
        ignored). Scripts queue up in order, one per transition."""
        if outcome != "InService" and not failure_reason:
            failure_reason = (
                "The primary container for production variant AllTraffic did not pass the ping health check."
            )
        self._endpoint_scripts[name].append(
            EndpointScript(self.endpoint_polls if polls is None else polls, outcome, failure_reason)
        )

    def seed_endpoint(self, name: str, config_name: str, *, status: str = "InService", polls: int = 1) -> None:
        """Make endpoint ``name`` exist on ``config_name`` (which must exist) in ``status`` without recording a
        call, e.g. ``status="Updating"`` for "another run is updating it" (back to InService after ``polls``)."""
        with self._lock:
            config = self._configs.get(config_name)
            if config is None:
                raise ValueError(f"config_name: create the endpoint configuration {config_name!r} first")
            now = self._now()
            endpoint = _Endpoint(
                name, self._arn("endpoint", name), config_name, status, now, now, self._variants_of(config)
            )
            if status in IN_PROGRESS:
                endpoint.transition = _Transition("update", polls, "InService", None, config_name)
            self._endpoints[name] = endpoint

    def script_tuning_job(
        self,
        name: str | None = None,
        *,
        polls: int | None = None,
        status: TrainingOutcome = "Completed",
        best_objective: float = 1.0,
        training_jobs: int = 1,
        failure_reason: str | None = None,
    ) -> None:
        """The tuning job ``name`` (or the next one created) stays InProgress for ``polls`` describes, then ends
        in ``status`` after ``training_jobs`` training jobs: Completed with a best training job whose objective
        is ``best_objective`` (it also exists as a Completed training job), or Failed with every training job
        failed and SageMaker's reason ("No training job succeeded after N attempts...")."""
        if status == "Failed" and not failure_reason:
            failure_reason = (
                f"No training job succeeded after {training_jobs} attempts. Please take a look at the training "
                "job failures to get more details."
            )
        polls_ = self.training_polls if polls is None else polls
        self._tuning_scripts[name].append(TuningScript(polls_, status, best_objective, training_jobs, failure_reason))

    def script_transform_job(
        self,
        name: str | None = None,
        *,
        polls: int | None = None,
        status: TrainingOutcome = "Completed",
        failure_reason: str | None = None,
    ) -> None:
        """The transform job ``name`` (or the next one created) stays InProgress for ``polls`` describes, then
        ends in ``status`` (Failed ones carry ``failure_reason``)."""
        if status == "Failed" and not failure_reason:
            failure_reason = "ClientError: See job logs for more information"
        polls_ = self.training_polls if polls is None else polls
        self._transform_scripts[name].append(TransformScript(polls_, status, failure_reason))

    def reset_calls(self) -> None:
        """Forget the recorded calls (state is kept)."""
        with self._lock:
            self.calls.clear()

    # ------------------------------------------------------------------ plumbing

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{kind}/{name.lower()}"

    def _now(self) -> datetime.datetime:
        self._tick += 1
        return EPOCH + datetime.timedelta(seconds=self._tick)

    def _metadata(self, status: int = 200) -> dict[str, Any]:
        self._request += 1
        request_id = f"00000000-0000-4000-8000-{self._request:012d}"
        return {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": {"x-amzn-requestid": request_id, "content-type": "application/x-amz-json-1.1"},
            "RetryAttempts": 0,
        }

    def _missing(self, operation: str, what: str, arn: str) -> ClientError:
        return self.error(operation, "ValidationException", f'Could not find {what} "{arn}".')

    # ------------------------------------------------------------------ training jobs

    def create_training_job(self, **params: Any) -> dict[str, Any]:
        """CreateTrainingJob: the job starts InProgress (see :meth:`script_training_job`)."""
        return self._call("CreateTrainingJob", params, self._create_training_job)

    def _create_training_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["TrainingJobName"]
        arn = self._arn("training-job", name)
        if name in self._jobs:
            raise self.error(
                "CreateTrainingJob",
                "ResourceInUse",
                "Training job names must be unique within an AWS account and region, and a training job with "
                f"this name already exists ({arn})",
            )
        queue = self._training_scripts.get(name) or self._training_scripts.get(None)
        script = queue.popleft() if queue else TrainingScript(self.training_polls)
        now = self._now()
        self._jobs[name] = {
            **{k: v for k, v in p.items() if k != "Tags"},
            "TrainingJobArn": arn,
            "TrainingJobStatus": "InProgress",
            "SecondaryStatus": "Starting",
            "ModelArtifacts": {"S3ModelArtifacts": ""},
            "CreationTime": now,
            "LastModifiedTime": now,
            "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": now, "StatusMessage": "Starting"}],
        }
        self._job_scripts[name] = (script, [script.polls])
        self._tags[arn] = {t["Key"]: t["Value"] for t in p.get("Tags", [])}
        return {"TrainingJobArn": arn}

    def describe_training_job(self, **params: Any) -> dict[str, Any]:
        """DescribeTrainingJob: advances the job's timeline by one poll."""
        return self._call("DescribeTrainingJob", params, self._describe_training_job)

    def _describe_training_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["TrainingJobName"]
        job = self._jobs.get(name)
        if job is None:
            raise self.error("DescribeTrainingJob", "ValidationException", "Requested resource not found.")
        if job["TrainingJobStatus"] in ("InProgress", "Stopping"):
            script, remaining = self._job_scripts[name]
            if job["TrainingJobStatus"] == "Stopping":
                self._finish_job(job, TrainingScript(0, "Stopped"))
            elif remaining[0] <= 0:
                self._finish_job(job, script)
            else:
                remaining[0] -= 1
                if job["SecondaryStatus"] == "Starting":
                    job["SecondaryStatus"] = "Training"
                    job["TrainingStartTime"] = self._now()
        return dict(job)

    def _finish_job(self, job: dict[str, Any], script: TrainingScript) -> None:
        now = self._now()
        job.setdefault("TrainingStartTime", now)
        job["TrainingJobStatus"] = script.status
        job["SecondaryStatus"] = script.status
        job["TrainingEndTime"] = now
        job["LastModifiedTime"] = now
        job["SecondaryStatusTransitions"].append({"Status": script.status, "StartTime": now})
        seconds = int((now - job["TrainingStartTime"]).total_seconds()) or 1
        job["TrainingTimeInSeconds"] = seconds
        job["BillableTimeInSeconds"] = seconds
        if script.status == "Failed":
            job["FailureReason"] = script.failure_reason
            return
        output = job["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        job["ModelArtifacts"] = {"S3ModelArtifacts": f"{output}/{job['TrainingJobName']}/output/model.tar.gz"}
        if script.status == "Completed":
            metrics = script.final_metrics or {}
            job["FinalMetricDataList"] = [{"MetricName": k, "Value": v, "Timestamp": now} for k, v in metrics.items()]

    def stop_training_job(self, **params: Any) -> dict[str, Any]:
        """StopTrainingJob: InProgress -> Stopping -> (next describe) Stopped."""
        return self._call("StopTrainingJob", params, self._stop_training_job)

    def _stop_training_job(self, p: dict[str, Any]) -> dict[str, Any]:
        job = self._jobs.get(p["TrainingJobName"])
        if job is None:
            raise self.error("StopTrainingJob", "ValidationException", "Requested resource not found.")
        if job["TrainingJobStatus"] != "InProgress":
            raise self.error(
                "StopTrainingJob",
                "ValidationException",
                f"The request was rejected because the training job is in status {job['TrainingJobStatus']}.",
            )
        job["TrainingJobStatus"] = job["SecondaryStatus"] = "Stopping"
        return {}

    # ------------------------------------------------------------------ models and endpoint configs

    def create_model(self, **params: Any) -> dict[str, Any]:
        """CreateModel."""
        return self._call("CreateModel", params, lambda p: self._create("model", "ModelName", self._models, p))

    def create_endpoint_config(self, **params: Any) -> dict[str, Any]:
        """CreateEndpointConfig."""
        return self._call(
            "CreateEndpointConfig",
            params,
            lambda p: self._create("endpoint-config", "EndpointConfigName", self._configs, p),
        )

    _LABELS: Final = {"model": "model", "endpoint-config": "endpoint configuration", "endpoint": "endpoint"}
    _OPERATION: Final = {"model": "Model", "endpoint-config": "EndpointConfig", "endpoint": "Endpoint"}

    def _create(self, kind: str, key: str, store: dict[str, dict[str, Any]], p: dict[str, Any]) -> dict[str, Any]:
        name, arn = p[key], self._arn(kind, p[key])
        if name in store:
            raise self.error(
                f"Create{self._OPERATION[kind]}",
                "ValidationException",
                f'Cannot create already existing {self._LABELS[kind]} "{arn}".',
            )
        for variant in p.get("ProductionVariants", []) if kind == "endpoint-config" else []:
            if variant.get("ModelName") and variant["ModelName"] not in self._models:
                raise self._missing("CreateEndpointConfig", "model", self._arn("model", variant["ModelName"]))
        arn_key = key.replace("Name", "Arn")
        store[name] = {**{k: v for k, v in p.items() if k != "Tags"}, arn_key: arn, "CreationTime": self._now()}
        self._tags[arn] = {t["Key"]: t["Value"] for t in p.get("Tags", [])}
        return {arn_key: arn}

    def describe_model(self, **params: Any) -> dict[str, Any]:
        """DescribeModel."""
        return self._call("DescribeModel", params, lambda p: self._describe("model", self._models, p["ModelName"]))

    def describe_endpoint_config(self, **params: Any) -> dict[str, Any]:
        """DescribeEndpointConfig."""
        return self._call(
            "DescribeEndpointConfig",
            params,
            lambda p: self._describe("endpoint-config", self._configs, p["EndpointConfigName"]),
        )

    def _describe(self, kind: str, store: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
        if name not in store:
            raise self._missing(f"Describe{self._OPERATION[kind]}", self._LABELS[kind], self._arn(kind, name))
        return dict(store[name])

    def delete_model(self, **params: Any) -> dict[str, Any]:
        """DeleteModel."""
        return self._call("DeleteModel", params, lambda p: self._delete("model", self._models, p["ModelName"]))

    def delete_endpoint_config(self, **params: Any) -> dict[str, Any]:
        """DeleteEndpointConfig (allowed while an endpoint uses it, as the API allows)."""
        return self._call(
            "DeleteEndpointConfig",
            params,
            lambda p: self._delete("endpoint-config", self._configs, p["EndpointConfigName"]),
        )

    def _delete(self, kind: str, store: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
        arn = self._arn(kind, name)
        if name not in store:
            raise self._missing(f"Delete{self._OPERATION[kind]}", self._LABELS[kind], arn)
        del store[name]
        self._tags.pop(arn, None)
        return {}

    def list_models(self, **params: Any) -> dict[str, Any]:
        """ListModels (NameContains, CreationTime filters, SortBy Name|CreationTime, paging)."""
        return self._call(
            "ListModels",
            params,
            lambda p: self._list(
                p,
                "Models",
                self._models.values(),
                lambda m: {k: m[k] for k in ("ModelName", "ModelArn", "CreationTime")},
            ),
        )

    def list_endpoint_configs(self, **params: Any) -> dict[str, Any]:
        """ListEndpointConfigs (NameContains, CreationTime filters, SortBy Name|CreationTime, paging)."""
        return self._call(
            "ListEndpointConfigs",
            params,
            lambda p: self._list(
                p,
                "EndpointConfigs",
                self._configs.values(),
                lambda c: {k: c[k] for k in ("EndpointConfigName", "EndpointConfigArn", "CreationTime")},
            ),
        )

    def _list(
        self,
        p: dict[str, Any],
        key: str,
        items: Iterable[dict[str, Any]],
        summary: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        rows = [summary(item) for item in items]
        name_key = next(k for k in rows[0] if k.endswith("Name")) if rows else ""
        if "NameContains" in p:
            rows = [r for r in rows if p["NameContains"] in r[name_key]]
        if "CreationTimeBefore" in p:
            rows = [r for r in rows if r["CreationTime"] < _timestamp(p["CreationTimeBefore"])]
        if "CreationTimeAfter" in p:
            rows = [r for r in rows if r["CreationTime"] >= _timestamp(p["CreationTimeAfter"])]
        if "LastModifiedTimeBefore" in p:
            rows = [r for r in rows if r["LastModifiedTime"] < _timestamp(p["LastModifiedTimeBefore"])]
        if "LastModifiedTimeAfter" in p:
            rows = [r for r in rows if r["LastModifiedTime"] > _timestamp(p["LastModifiedTimeAfter"])]
        if "StatusEquals" in p:
            rows = [r for r in rows if r["EndpointStatus"] == p["StatusEquals"]]
        # API defaults: SortBy CreationTime, SortOrder Descending, MaxResults 10 (botocore model documentation).
        sort_by = {"Name": name_key, "CreationTime": "CreationTime", "Status": "EndpointStatus"}[
            p.get("SortBy", "CreationTime")
        ]
        rows.sort(
            key=lambda r: (r[sort_by], r.get(name_key, "")), reverse=p.get("SortOrder", "Descending") == "Descending"
        )
        start = 0
        if p.get("NextToken"):
            match = re.fullmatch(r"scripted-page-(\d+)", p["NextToken"])
            if match is None:
                raise self.error(f"List{key}", "ValidationException", "Invalid pagination token.")
            start = int(match[1])
        end = start + p.get("MaxResults", 10)
        answer: dict[str, Any] = {key: rows[start:end]}
        if end < len(rows):
            answer["NextToken"] = f"scripted-page-{end}"
        return answer

    # ------------------------------------------------------------------ endpoints

    def _variants_of(
        self,
        config: dict[str, Any],
        current: list[dict[str, Any]] | None = None,
        *,
        retain: bool = False,
        exclude: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        previous = {v["VariantName"]: v for v in current or []}
        excluded = set(exclude)
        variants = []
        for variant in config["ProductionVariants"]:
            count = variant.get("InitialInstanceCount", 1)
            weight = float(variant.get("InitialVariantWeight", 1.0))
            old = previous.get(variant["VariantName"])
            if retain and old is not None:
                if "DesiredInstanceCount" not in excluded and "DesiredInstanceCount" in old:
                    count = old["DesiredInstanceCount"]
                if "DesiredWeight" not in excluded:
                    weight = old["DesiredWeight"]
            model = self._models.get(variant.get("ModelName", ""), {})
            image = (model.get("PrimaryContainer") or {}).get("Image")
            serverless = variant.get("ServerlessConfig")
            # A serverless variant reports its ServerlessConfig instead of instance counts (DescribeEndpoint).
            capacity: dict[str, Any] = (
                {"CurrentServerlessConfig": dict(serverless), "DesiredServerlessConfig": dict(serverless)}
                if serverless is not None
                else {"CurrentInstanceCount": count, "DesiredInstanceCount": count}
            )
            variants.append(
                {
                    "VariantName": variant["VariantName"],
                    **({"DeployedImages": [{"SpecifiedImage": image, "ResolvedImage": image}]} if image else {}),
                    "CurrentWeight": weight,
                    "DesiredWeight": weight,
                    **capacity,
                }
            )
        return variants

    def _next_endpoint_script(self, name: str) -> EndpointScript:
        queue = self._endpoint_scripts.get(name)
        if queue:
            return queue.popleft()
        return EndpointScript(self.endpoint_polls)

    def create_endpoint(self, **params: Any) -> dict[str, Any]:
        """CreateEndpoint: Creating for the scripted polls, then InService (or Failed)."""
        return self._call("CreateEndpoint", params, self._create_endpoint)

    def _create_endpoint(self, p: dict[str, Any]) -> dict[str, Any]:
        name, arn = p["EndpointName"], self._arn("endpoint", p["EndpointName"])
        if name in self._endpoints:
            raise self.error(
                "CreateEndpoint", "ValidationException", f'Cannot create already existing endpoint "{arn}".'
            )
        config = self._configs.get(p["EndpointConfigName"])
        if config is None:
            arn_config = self._arn("endpoint-config", p["EndpointConfigName"])
            raise self._missing("CreateEndpoint", "endpoint configuration", arn_config)
        script = self._next_endpoint_script(name)
        now = self._now()
        endpoint = _Endpoint(name, arn, p["EndpointConfigName"], "Creating", now, now)
        endpoint.transition = _Transition(
            "create",
            script.polls,
            script.outcome,
            script.failure_reason,
            p["EndpointConfigName"],
            self._variants_of(config),
        )
        if p.get("DeploymentConfig"):
            endpoint.deployment_config = p["DeploymentConfig"]
        self._endpoints[name] = endpoint
        self._tags[arn] = {t["Key"]: t["Value"] for t in p.get("Tags", [])}
        return {"EndpointArn": arn}

    def describe_endpoint(self, **params: Any) -> dict[str, Any]:
        """DescribeEndpoint: advances the endpoint's timeline by one poll."""
        return self._call("DescribeEndpoint", params, self._describe_endpoint)

    def _describe_endpoint(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["EndpointName"]
        endpoint = self._endpoints.get(name)
        if endpoint is not None:
            self._advance(endpoint)
        if name not in self._endpoints:
            raise self._missing("DescribeEndpoint", "endpoint", self._arn("endpoint", name))
        return self._endpoint_view(self._endpoints[name])

    def _endpoint_view(self, endpoint: _Endpoint) -> dict[str, Any]:
        view: dict[str, Any] = {
            "EndpointName": endpoint.name,
            "EndpointArn": endpoint.arn,
            "EndpointConfigName": endpoint.config_name,
            "EndpointStatus": endpoint.status,
            "CreationTime": endpoint.created,
            "LastModifiedTime": endpoint.modified,
        }
        if endpoint.variants:
            view["ProductionVariants"] = copy.deepcopy(endpoint.variants)
        if endpoint.failure_reason:
            view["FailureReason"] = endpoint.failure_reason
        if endpoint.deployment_config:
            view["LastDeploymentConfig"] = copy.deepcopy(endpoint.deployment_config)
        transition = endpoint.transition
        if transition and transition.kind == "update" and transition.new_config and endpoint.status == "Updating":
            view["PendingDeploymentSummary"] = {
                "EndpointConfigName": transition.new_config,
                "ProductionVariants": [
                    {
                        "VariantName": v["VariantName"],
                        **{k: v[k] for k in ("DesiredInstanceCount", "DesiredServerlessConfig") if k in v},
                    }
                    for v in transition.new_variants or []
                ],
            }
        return view

    def _advance(self, endpoint: _Endpoint) -> None:
        transition = endpoint.transition
        if transition is None:
            return
        if transition.remaining > 0:
            transition.remaining -= 1
            return
        endpoint.modified = self._now()
        if transition.kind == "delete":
            del self._endpoints[endpoint.name]
            self._tags.pop(endpoint.arn, None)
            return
        endpoint.transition = None
        if transition.kind == "create":
            if transition.outcome == "Failed":
                endpoint.status, endpoint.failure_reason = "Failed", transition.failure_reason
            else:
                endpoint.status, endpoint.variants = "InService", transition.new_variants or []
            return
        if transition.kind == "capacity":
            for variant in endpoint.variants:
                variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]
                variant["CurrentWeight"] = variant["DesiredWeight"]
            endpoint.status = "InService"
            return
        # update
        if transition.rolled_back:
            endpoint.status = "InService"  # back on the old config; FailureReason tells what went wrong
        elif transition.outcome == "InService":
            endpoint.status, endpoint.failure_reason = "InService", None
            endpoint.config_name = transition.new_config or endpoint.config_name
            endpoint.variants = transition.new_variants if transition.new_variants is not None else endpoint.variants
        elif transition.outcome == "RollingBack":
            # One describe shows RollingBack, then the endpoint is back InService on the old config.
            endpoint.status, endpoint.failure_reason = "RollingBack", transition.failure_reason
            endpoint.transition = _Transition("update", 0, "InService", None, None, None, rolled_back=True)
        else:
            endpoint.status, endpoint.failure_reason = "UpdateRollbackFailed", transition.failure_reason

    def _endpoint_for_change(self, operation: str, name: str) -> _Endpoint:
        endpoint = self._endpoints.get(name)
        if endpoint is None:
            raise self._missing(operation, "endpoint", self._arn("endpoint", name))
        if endpoint.status in IN_PROGRESS:
            raise self.error(operation, "ValidationException", f'Cannot update in-progress endpoint "{endpoint.arn}".')
        return endpoint

    def endpoint_variants(self, name: str) -> list[str] | None:
        """The variant names of endpoint ``name`` (None when it does not exist)."""
        endpoint = self._endpoints.get(name)
        if endpoint is None:
            return None
        config = self._configs.get(endpoint.config_name, {})
        return [variant["VariantName"] for variant in config.get("ProductionVariants", [])]

    def _refuse_instance_type_change_of_autoscaled_variants(self, endpoint: _Endpoint, config: dict[str, Any]) -> None:
        """SageMaker refuses an update that changes the instance type of a variant registered with Application
        Auto Scaling (Developer Guide, "Update endpoints that use auto scaling"; the message is assumed)."""
        current = {
            v["VariantName"]: v for v in self._configs.get(endpoint.config_name, {}).get("ProductionVariants", [])
        }
        for variant in config["ProductionVariants"]:
            old = current.get(variant["VariantName"])
            resource = f"endpoint/{endpoint.name}/variant/{variant['VariantName']}"
            registered = ("sagemaker", resource, "sagemaker:variant:DesiredInstanceCount")
            if (
                old is not None
                and old.get("InstanceType") != variant.get("InstanceType")
                and registered in self.application_autoscaling.targets
            ):
                raise self.error(
                    "UpdateEndpoint",
                    "ValidationException",
                    f"The variant {variant['VariantName']} is registered with Application Auto Scaling; deregister "
                    "it before changing its instance type.",
                )

    def update_endpoint(self, **params: Any) -> dict[str, Any]:
        """UpdateEndpoint: refused while in progress; Retain*/Exclude*/DeploymentConfig honoured."""
        return self._call("UpdateEndpoint", params, self._update_endpoint)

    def _update_endpoint(self, p: dict[str, Any]) -> dict[str, Any]:
        endpoint = self._endpoint_for_change("UpdateEndpoint", p["EndpointName"])
        if endpoint.status == "Failed":
            # A Failed endpoint must be deleted; public code matches the API's text "Cannot update failed endpoint"
            # (e.g. terraform-provider-aws's skipped TestAccAWSSagemakerEndpoint_update); the ARN suffix is assumed.
            raise self.error(
                "UpdateEndpoint", "ValidationException", f'Cannot update failed endpoint "{endpoint.arn}".'
            )
        config = self._configs.get(p["EndpointConfigName"])
        if config is None:
            arn_config = self._arn("endpoint-config", p["EndpointConfigName"])
            raise self._missing("UpdateEndpoint", "endpoint configuration", arn_config)
        self._refuse_instance_type_change_of_autoscaled_variants(endpoint, config)
        exclude = [e["VariantPropertyType"] for e in p.get("ExcludeRetainedVariantProperties", [])]
        variants = self._variants_of(
            config, endpoint.variants, retain=bool(p.get("RetainAllVariantProperties")), exclude=exclude
        )
        script = self._next_endpoint_script(endpoint.name)
        endpoint.status, endpoint.modified, endpoint.failure_reason = "Updating", self._now(), None
        endpoint.transition = _Transition(
            "update", script.polls, script.outcome, script.failure_reason, p["EndpointConfigName"], variants
        )
        if p.get("DeploymentConfig"):
            endpoint.deployment_config = p["DeploymentConfig"]
        elif not p.get("RetainDeploymentConfig"):
            endpoint.deployment_config = None
        return {"EndpointArn": endpoint.arn}

    def update_endpoint_weights_and_capacities(self, **params: Any) -> dict[str, Any]:
        """UpdateEndpointWeightsAndCapacities (what autoscaling does): Updating, then the new desired values."""
        return self._call("UpdateEndpointWeightsAndCapacities", params, self._update_capacities)

    def _update_capacities(self, p: dict[str, Any]) -> dict[str, Any]:
        operation = "UpdateEndpointWeightsAndCapacities"
        endpoint = self._endpoint_for_change(operation, p["EndpointName"])
        by_name = {v["VariantName"]: v for v in endpoint.variants}
        for desired in p["DesiredWeightsAndCapacities"]:
            variant = by_name.get(desired["VariantName"])
            if variant is None:
                raise self.error(
                    operation,
                    "ValidationException",
                    f"The variant name(s) [{desired['VariantName']}] is/are not present in the endpoint.",
                )
            if "DesiredInstanceCount" in desired:
                variant["DesiredInstanceCount"] = desired["DesiredInstanceCount"]
            if "DesiredWeight" in desired:
                variant["DesiredWeight"] = float(desired["DesiredWeight"])
        script = self._next_endpoint_script(endpoint.name)
        endpoint.status, endpoint.modified = "Updating", self._now()
        endpoint.transition = _Transition("capacity", script.polls, "InService", None)
        return {"EndpointArn": endpoint.arn}

    def delete_endpoint(self, **params: Any) -> dict[str, Any]:
        """DeleteEndpoint: Deleting for the scripted polls, then gone."""
        return self._call("DeleteEndpoint", params, self._delete_endpoint)

    def _delete_endpoint(self, p: dict[str, Any]) -> dict[str, Any]:
        endpoint = self._endpoint_for_change("DeleteEndpoint", p["EndpointName"])
        # SageMaker deregisters the variants from Application Auto Scaling (the caller may, in tests).
        self.application_autoscaling.forget_endpoint(endpoint.name)
        script = self._next_endpoint_script(endpoint.name)
        endpoint.status, endpoint.modified = "Deleting", self._now()
        endpoint.transition = _Transition("delete", script.polls, "InService", None)
        if script.polls == 0:
            self._advance(endpoint)
        return {}

    def list_endpoints(self, **params: Any) -> dict[str, Any]:
        """ListEndpoints (NameContains, StatusEquals, CreationTime filters, SortBy, SortOrder, paging)."""
        return self._call(
            "ListEndpoints",
            params,
            lambda p: self._list(
                p,
                "Endpoints",
                [self._endpoint_view(e) for e in self._endpoints.values()],
                lambda e: {
                    k: e[k]
                    for k in ("EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime", "EndpointStatus")
                },
            ),
        )

    # ------------------------------------------------------------------ hyperparameter tuning jobs

    def create_hyper_parameter_tuning_job(self, **params: Any) -> dict[str, Any]:
        """CreateHyperParameterTuningJob: the job starts InProgress (see :meth:`script_tuning_job`)."""
        return self._call("CreateHyperParameterTuningJob", params, self._create_tuning_job)

    def _create_tuning_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["HyperParameterTuningJobName"]
        arn = self._arn("hyper-parameter-tuning-job", name)
        if name in self._tuning_jobs:
            raise self.error(
                "CreateHyperParameterTuningJob", "ResourceInUse", f"Hyperparameter tuning job {name} already exists."
            )
        queue = self._tuning_scripts.get(name) or self._tuning_scripts.get(None)
        script = queue.popleft() if queue else TuningScript(self.training_polls)
        job = {
            **{k: v for k, v in p.items() if k != "Tags"},
            "HyperParameterTuningJobArn": arn,
            "HyperParameterTuningJobStatus": "InProgress",
            "CreationTime": self._now(),
            "TrainingJobStatusCounters": {
                "Completed": 0,
                "InProgress": 0,
                "RetryableError": 0,
                "NonRetryableError": 0,
                "Stopped": 0,
            },
            "ObjectiveStatusCounters": {"Succeeded": 0, "Pending": 0, "Failed": 0},
        }
        self._tuning_jobs[name] = (job, script, [script.polls])
        self._tags[arn] = {t["Key"]: t["Value"] for t in p.get("Tags", [])}
        return {"HyperParameterTuningJobArn": arn}

    def describe_hyper_parameter_tuning_job(self, **params: Any) -> dict[str, Any]:
        """DescribeHyperParameterTuningJob: advances the job's timeline by one poll."""
        return self._call("DescribeHyperParameterTuningJob", params, self._describe_tuning_job)

    def _describe_tuning_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["HyperParameterTuningJobName"]
        if name not in self._tuning_jobs:
            raise self.error(
                "DescribeHyperParameterTuningJob",
                "ResourceNotFound",
                f"Amazon SageMaker can't find a tuning job with name {name}",
            )
        job, script, remaining = self._tuning_jobs[name]
        if job["HyperParameterTuningJobStatus"] == "Stopping":
            job["HyperParameterTuningJobStatus"] = "Stopped"
        elif job["HyperParameterTuningJobStatus"] == "InProgress":
            if remaining[0] > 0:
                remaining[0] -= 1
            else:
                self._finish_tuning_job(job, script)
        return copy.deepcopy(job)

    def _finish_tuning_job(self, job: dict[str, Any], script: TuningScript) -> None:
        now = self._now()
        job["HyperParameterTuningJobStatus"] = script.status
        job["HyperParameterTuningEndTime"] = job["LastModifiedTime"] = now
        counters, objectives = job["TrainingJobStatusCounters"], job["ObjectiveStatusCounters"]
        if script.status == "Failed":
            counters["NonRetryableError"] = objectives["Failed"] = script.training_jobs
            job["FailureReason"] = script.failure_reason
            return
        counters["Completed"] = objectives["Succeeded"] = script.training_jobs
        definition = job["TrainingJobDefinition"]
        ranges = job["HyperParameterTuningJobConfig"]["ParameterRanges"]
        tuned = {
            r["Name"]: r["MinValue"]
            for kind in ("ContinuousParameterRanges", "IntegerParameterRanges")
            for r in ranges.get(kind, [])
        }
        tuned.update({r["Name"]: r["Values"][0] for r in ranges.get("CategoricalParameterRanges", [])})
        best_name = f"{job['HyperParameterTuningJobName']}-{script.training_jobs:03d}-0a1b2c3d"
        best_arn = self._arn("training-job", best_name)
        metric = job["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"]
        output = definition["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        self._jobs[best_name] = {
            **{
                k: v
                for k, v in definition.items()
                if k not in ("StaticHyperParameters", "HyperParameterTuningResourceConfig")
            },
            "TrainingJobName": best_name,
            "TrainingJobArn": best_arn,
            "TuningJobArn": job["HyperParameterTuningJobArn"],
            "HyperParameters": {**definition.get("StaticHyperParameters", {}), **tuned},
            "ResourceConfig": definition.get("HyperParameterTuningResourceConfig", {}),
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": f"{output}/{best_name}/output/model.tar.gz"},
            "FinalMetricDataList": [{"MetricName": metric, "Value": script.best_objective, "Timestamp": now}],
            "CreationTime": now,
            "TrainingStartTime": now,
            "TrainingEndTime": now,
            "LastModifiedTime": now,
            "SecondaryStatusTransitions": [],
        }
        self._job_scripts[best_name] = (TrainingScript(0), [0])
        job["BestTrainingJob"] = {
            "TrainingJobName": best_name,
            "TrainingJobArn": best_arn,
            "TuningJobName": job["HyperParameterTuningJobName"],
            "CreationTime": now,
            "TrainingStartTime": now,
            "TrainingEndTime": now,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": tuned,
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": metric, "Value": script.best_objective},
            "ObjectiveStatus": "Succeeded",
        }

    def stop_hyper_parameter_tuning_job(self, **params: Any) -> dict[str, Any]:
        """StopHyperParameterTuningJob: InProgress -> Stopping -> (next describe) Stopped."""

        def handler(p: dict[str, Any]) -> dict[str, Any]:
            name = p["HyperParameterTuningJobName"]
            if name not in self._tuning_jobs:
                raise self.error(
                    "StopHyperParameterTuningJob",
                    "ResourceNotFound",
                    f"Amazon SageMaker can't find a tuning job with name {name}",
                )
            job = self._tuning_jobs[name][0]
            if job["HyperParameterTuningJobStatus"] == "InProgress":
                job["HyperParameterTuningJobStatus"] = "Stopping"
            return {}

        return self._call("StopHyperParameterTuningJob", params, handler)

    # ------------------------------------------------------------------ transform jobs

    def create_transform_job(self, **params: Any) -> dict[str, Any]:
        """CreateTransformJob: the model must exist; the job starts InProgress (see :meth:`script_transform_job`)."""
        return self._call("CreateTransformJob", params, self._create_transform_job)

    def _create_transform_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["TransformJobName"]
        arn = self._arn("transform-job", name)
        if name in self._transform_jobs:
            raise self.error(
                "CreateTransformJob",
                "ResourceInUse",
                "Job name must be unique within an AWS account and region, and a job with this name already "
                f"exists ({arn})",
            )
        if p["ModelName"] not in self._models:
            raise self._missing("CreateTransformJob", "model", self._arn("model", p["ModelName"]))
        queue = self._transform_scripts.get(name) or self._transform_scripts.get(None)
        script = queue.popleft() if queue else TransformScript(self.training_polls)
        job = {
            **{k: v for k, v in p.items() if k != "Tags"},
            "TransformJobArn": arn,
            "TransformJobStatus": "InProgress",
            "CreationTime": self._now(),
        }
        self._transform_jobs[name] = (job, script, [script.polls])
        self._tags[arn] = {t["Key"]: t["Value"] for t in p.get("Tags", [])}
        return {"TransformJobArn": arn}

    def describe_transform_job(self, **params: Any) -> dict[str, Any]:
        """DescribeTransformJob: advances the job's timeline by one poll."""

        def handler(p: dict[str, Any]) -> dict[str, Any]:
            name = p["TransformJobName"]
            if name not in self._transform_jobs:
                raise self.error(
                    "DescribeTransformJob", "ValidationException", f"Could not find requested job with name {name}"
                )
            job, script, remaining = self._transform_jobs[name]
            if job["TransformJobStatus"] == "Stopping":
                job["TransformJobStatus"] = "Stopped"
            elif job["TransformJobStatus"] == "InProgress":
                if remaining[0] > 0:
                    remaining[0] -= 1
                else:
                    now = self._now()
                    job["TransformJobStatus"] = script.status
                    job["TransformStartTime"] = job["TransformEndTime"] = now
                    if script.status == "Failed":
                        job["FailureReason"] = script.failure_reason
            return copy.deepcopy(job)

        return self._call("DescribeTransformJob", params, handler)

    def stop_transform_job(self, **params: Any) -> dict[str, Any]:
        """StopTransformJob: InProgress -> Stopping -> (next describe) Stopped."""

        def handler(p: dict[str, Any]) -> dict[str, Any]:
            name = p["TransformJobName"]
            if name not in self._transform_jobs:
                raise self.error(
                    "StopTransformJob", "ValidationException", f"Could not find requested job with name {name}"
                )
            job = self._transform_jobs[name][0]
            if job["TransformJobStatus"] == "InProgress":
                job["TransformJobStatus"] = "Stopping"
            return {}

        return self._call("StopTransformJob", params, handler)

    # ------------------------------------------------------------------ tags

    def add_tags(self, **params: Any) -> dict[str, Any]:
        """AddTags (overwrites existing keys)."""

        def handler(p: dict[str, Any]) -> dict[str, Any]:
            tags = self._tags.setdefault(p["ResourceArn"], {})
            tags.update({t["Key"]: t["Value"] for t in p["Tags"]})
            return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

        return self._call("AddTags", params, handler)

    def list_tags(self, **params: Any) -> dict[str, Any]:
        """ListTags (MaxResults, NextToken)."""

        def handler(p: dict[str, Any]) -> dict[str, Any]:
            tags = [{"Key": k, "Value": v} for k, v in self._tags.get(p["ResourceArn"], {}).items()]
            start = int(p["NextToken"].rsplit("-", 1)[-1]) if p.get("NextToken") else 0
            end = start + p.get("MaxResults", 50)
            answer: dict[str, Any] = {"Tags": tags[start:end]}
            if end < len(tags):
                answer["NextToken"] = f"scripted-page-{end}"
            return answer

        return self._call("ListTags", params, handler)

    def delete_tags(self, **params: Any) -> dict[str, Any]:
        """DeleteTags."""

        def handler(p: dict[str, Any]) -> dict[str, Any]:
            tags = self._tags.get(p["ResourceArn"], {})
            for key in p["TagKeys"]:
                tags.pop(key, None)
            return {}

        return self._call("DeleteTags", params, handler)


def _timestamp(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _member_path(path: str, key: str) -> str:
    name = key[:1].lower() + key[1:]
    return f"{path}.{name}" if path else name


def _constraint_problems(value: Any, shape: Shape, path: str) -> Iterable[str]:
    """The shape constraints botocore's ParamValidator leaves to the service: max, pattern, enum."""
    metadata = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        for key, item in value.items():
            if key in members:
                yield from _constraint_problems(item, members[key], _member_path(path, key))
    elif kind == "list" and isinstance(value, list):
        if "max" in metadata and len(value) > metadata["max"]:
            yield _problem(value, path, f"Member must have length less than or equal to {metadata['max']}")
        for index, item in enumerate(value, 1):
            yield from _constraint_problems(item, shape.member, f"{path}.{index}.member")
    elif kind == "map" and isinstance(value, dict):
        if "max" in metadata and len(value) > metadata["max"]:
            yield _problem(value, path, f"Member must have length less than or equal to {metadata['max']}")
        for key, item in value.items():
            yield from _constraint_problems(key, shape.key, f"{path}.{key}.key")
            yield from _constraint_problems(item, shape.value, f"{path}.{key}.value")
    elif kind == "string" and isinstance(value, str):
        if "max" in metadata and len(value) > metadata["max"]:
            yield _problem(value, path, f"Member must have length less than or equal to {metadata['max']}")
        enum = metadata.get("enum")
        if enum and value not in enum:
            yield _problem(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = metadata.get("pattern")
        if pattern and not _matches(pattern, value):
            yield _problem(value, path, f"Member must satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        yield from _range_problems(value, metadata, path)


def _range_problems(value: float, metadata: dict[str, Any], path: str) -> Iterable[str]:
    if "max" in metadata and value > metadata["max"]:
        yield _problem(value, path, f"Member must have value less than or equal to {metadata['max']}")


def _problem(value: Any, path: str, constraint: str) -> str:
    shown = value if isinstance(value, str | int | float) else "[...]"
    return f"Value '{shown}' at '{path}' failed to satisfy constraint: {constraint}"


_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def _matches(pattern: str, value: str) -> bool:
    """Java-style full match; a pattern Python's ``re`` cannot compile is not checked."""
    if pattern not in _PATTERNS:
        try:
            _PATTERNS[pattern] = re.compile(pattern, re.DOTALL)
        except re.error:
            _PATTERNS[pattern] = None
    compiled = _PATTERNS[pattern]
    return compiled is None or compiled.fullmatch(value) is not None
