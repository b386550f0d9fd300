"""RLPipeline: train -> model -> endpoint config -> endpoint (create, update or replace) -> in service.

A Standard state machine in JSONata mode. The serving container follows ``RLEstimator.create_model()``
(``domain.serving``); what the deployment states send, retry, wait for and name their failures is decided
in ``domain.deployment`` and only wired here. In short:

- every SageMaker call retries what Step Functions reports for throttling, internal and capacity errors of
  its integration kind (``domain.deployment.TRAINING_RETRIES`` / ``SDK_CALL_RETRIES``), with jitter, bounded;
- a run ends with a namespaced error (``RL.TrainingFailed``, ``RL.DeploymentFailed``, ``RL.EndpointFailed``,
  ``RL.EndpointUpdateRolledBack``, ``RL.EndpointUpdateRollbackFailed``, ``RL.EndpointTimeout``,
  ``RL.InvalidInput``), the step, original error and cause in the cause, after deleting what it created;
- a stable endpoint is looked up with DescribeEndpoint, replaced when Failed, waited for while another run
  (or SageMaker) changes it, and updated keeping its current instance counts (or blue/green, rolled back on
  alarms);
- a run that deployed deletes the family's older models and endpoint configs past ``keep_last`` (and, with
  per-run endpoints, the previous runs' endpoints), only those tagged as this pipeline's;
- ``cdk destroy`` deletes every SageMaker resource the runs created (``cleanup.PipelineResourceCleanup``)
  unless ``removal_policy`` is RETAIN.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Duration, IStableAnyProducer, Lazy, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ._arguments import whole_seconds
from ._arns import has_token, remember_stack, stack_arn, stack_environment, stack_of
from ._endpoint_settings import (
    EndpointAutoscaling,
    ServerlessInference,
    check_autoscaling,
    check_serverless,
    serverless_request,
)
from ._nag import acknowledge_wildcards
from ._policy import allow, kms_service_grant_statements, policy_statements
from .core.arguments import check_mapping
from .core.contracts import PIPELINE_TAG_KEY
from .core.errors import RLConfigurationError
from .core.instances import hosting_instance
from .core.request_validation import validate_request
from .core.serving import deployment as d
from .core.serving.deployment import FailureName, RetryPolicy, TrafficRouting
from .core.toolkits import Processor
from .core.training.evaluation import MetricCondition, gate_failure
from .data_capture import DataCapture, check_data_capture, grant_data_capture
from .evaluation import RLEvaluationJob
from .serving_container import (
    HOSTING_VPC_ACTIONS,
    ResolvedServing,
    ServingCodeAsset,
    hosting_role,
    resolve_serving,
)
from .training_job import RLTrainingJob
from .tuning_job import RLTuningJob

if TYPE_CHECKING:
    from .repack import ModelRepack

#: Default time a run waits for its endpoint (the SDK's ``EndpointInService`` waiter: 30 s x 120).
_DEFAULT_ENDPOINT_WAIT = 3600
#: Default number of earlier runs whose model and endpoint config a successful run keeps (rollback material).
DEFAULT_KEEP_LAST = 3
_DEPLOYMENT = FailureName.DEPLOYMENT_FAILED


@dataclass(frozen=True)
class BlueGreenDeployment:
    """Roll a new policy out to a stable endpoint blue/green, rolled back automatically when an alarm fires
    (SageMaker's ``DeploymentConfig``; neither aws-cdk-lib's tasks nor ``RLEstimator`` offer it).

    Make one with :meth:`all_at_once`, :meth:`canary` or :meth:`linear`.

    :param routing: how traffic moves to the new fleet.
    :param wait_interval: between traffic shifts (canary/linear), or before all of it (all at once). Default: 0.
    :param percent: canary size or linear step, as a percentage of capacity (or give ``instances``).
    :param instances: canary size or linear step, as an instance count.
    :param termination_wait: how long the old fleet is kept after all traffic moved. Default: 0.
    :param maximum_execution_timeout: SageMaker's limit on the whole rollout (10 minutes to 8 hours).
        Default: SageMaker's.
    :param rollback_alarms: CloudWatch alarms watched during the rollout (at most 10); any in ALARM rolls back.
    """

    routing: TrafficRouting
    wait_interval: Duration | None = None
    percent: int | None = None
    instances: int | None = None
    termination_wait: Duration | None = None
    maximum_execution_timeout: Duration | None = None
    rollback_alarms: Sequence[cloudwatch.IAlarm] = field(default_factory=tuple)

    @classmethod
    def all_at_once(cls, **options: Any) -> BlueGreenDeployment:
        """Shift all traffic to the new fleet at once (after ``wait_interval``)."""
        return cls(TrafficRouting.ALL_AT_ONCE, **options)

    @classmethod
    def canary(cls, **options: Any) -> BlueGreenDeployment:
        """Shift ``percent`` (or ``instances``) first, the rest after ``wait_interval``."""
        return cls(TrafficRouting.CANARY, **options)

    @classmethod
    def linear(cls, **options: Any) -> BlueGreenDeployment:
        """Shift ``percent`` (or ``instances``) every ``wait_interval`` until all traffic moved."""
        return cls(TrafficRouting.LINEAR, **options)

    def settings(self) -> d.BlueGreenSettings:
        """The policy as plain values (seconds, alarm names) for ``domain.deployment``."""
        return d.BlueGreenSettings(
            routing=self.routing,
            wait_interval_seconds=_whole_seconds(self.wait_interval, "deployment.wait_interval", default=0),
            step_percent=self.percent,
            step_instances=self.instances,
            termination_wait_seconds=_whole_seconds(self.termination_wait, "deployment.termination_wait", default=0),
            maximum_execution_timeout_seconds=(
                None
                if self.maximum_execution_timeout is None
                else _whole_seconds(self.maximum_execution_timeout, "deployment.maximum_execution_timeout")
            ),
            alarm_names=tuple(alarm.alarm_name for alarm in self.rollback_alarms),
        )


class RLPipeline(Construct):
    """The whole RL workflow as a state machine users start: train, then (optionally) deploy.

    :param training_job: the ``RLTrainingJob`` that starts the workflow (one pipeline per job).
    :param deploy_instance_type: endpoint instance type. Default: None, a training-only pipeline (unless
        ``serverless``).
    :param serverless: serve with serverless inference instead of instances (``deploy(serverless_inference_config=
        ...)``; cpu images; exclusive with ``deploy_instance_type``, ``initial_instance_count``, ``data_capture``,
        ``endpoint_kms_key`` and a training job in a VPC, which SageMaker's serverless endpoints do not support).
        Default: instances.
    :param autoscaling: target tracking of the stable endpoint's instance count (``RLEndpoint``'s): each run
        that deployed registers the variant with Application Auto Scaling and puts the policy (idempotent); an
        update that changes the instance type deregisters it first (SageMaker refuses it otherwise). Needs
        ``endpoint_name``; not with ``serverless``. A failure to set it ends the run with
        ``RL.AutoscalingFailed`` and keeps the deployment. Default: none.
    :param initial_instance_count: endpoint instances when the endpoint is created, at least 1. Default: 1.
    :param endpoint_name: a stable endpoint name: each run rolls its model out to that endpoint (created when
        absent, replaced when Failed). Default: a new endpoint per run, named after the training job, which
        replaces the previous run's endpoint once it is in service (see ``retain_previous_endpoints``).
    :param serving_image_uri: serve with this image (entry-point environment). Default: the SDK's rules.
    :param tensorflow_serving_version: for Ray with TensorFlow, serve the exported SavedModel with this
        TensorFlow Serving version. Default: none (Ray deployment is refused, as in the SDK).
    :param serving_framework_version: the serving framework version for any framework (as ``RLModel``'s):
        it must serve the trained version, else it is refused with the versions that can. Default: the SDK's.
    :param serving_entry_point: the inference script the model is served with instead of the training entry
        point (``create_model(entry_point=...)``), packaged with ``serving_source_dir`` and
        ``serving_dependencies`` as a reproducible asset. Default: none, the training code serves.
    :param serving_source_dir: the directory of ``serving_entry_point``, or an ``s3://`` ``.tar.gz``.
        Default: the script alone.
    :param serving_dependencies: directories added to the serving code archive. Default: none.
    :param model_environment: container variables set over the serving container's environment (``RLModel``'s
        ``environment``; checked against CreateModel's limits). Default: none.
    :param tags: tags of every model, endpoint config and endpoint the runs create, besides the
        ``rl-constructs:pipeline`` tag (which they cannot replace). Default: none.
    :param model_role: the role SageMaker hosting assumes. Default: a least-privilege role created here, which
        also attaches the stack's ``RLHostingCommonPolicy``.
    :param endpoint_kms_key: encrypts the endpoint instances' storage volume. Default: AWS managed.
    :param data_capture: capture endpoint requests/responses to S3. Default: none.
    :param retain_instance_counts: an update keeps the endpoint's current desired instance count and weight
        (autoscaling's or an operator's) instead of resetting it to ``initial_instance_count``. Default: True.
    :param deployment: roll updates of the stable endpoint out blue/green with automatic rollback. Default:
        SageMaker's default update.
    :param keep_last: the newest runs whose model and endpoint config a successful run keeps (the current one
        included; older ones of this pipeline are deleted). Default: 3.
    :param retain_previous_endpoints: with per-run endpoints, keep the earlier runs' endpoints (and their models
        and configs) instead of deleting them once the new one is in service. Default: False.
    :param removal_policy: what ``cdk destroy`` does with the models, endpoint configs and endpoints the runs
        created: DESTROY deletes them, RETAIN keeps them. Default: DESTROY.
    :param poll_interval: how often the endpoint status is read. Default: 30 seconds.
    :param endpoint_wait_timeout: how long a run waits for its endpoint before it gives up, cleans up and fails
        with ``RL.EndpointTimeout``. Default: 1 hour (plus the blue/green rollout's longest).
    :param timeout: the execution's time limit. Default: the training job's longest run plus the endpoint wait
        and cleanup (so the wait's own bound ends a run first); a shorter one is refused.
    :param log_execution_data: include execution input/output in the logs. Default: False.
    :param state_machine_name: Default: generated by CloudFormation.
    :param evaluation_job: an :class:`~rl_constructs.evaluation.RLEvaluationJob` of ``training_job`` run after
        it: its final metrics go to the state as ``Evaluation.Metrics``; its failure ends the run with
        ``RL.EvaluationFailed``. Default: none.
    :param tuning_job: start from this :class:`~rl_constructs.tuning_job.RLTuningJob` of ``training_job``
        instead of training once, and deploy (evaluate, gate) the best training job it found; a failed tuning
        job ends the run with ``RL.TuningFailed``. Default: none.
    :param deploy_if: with ``evaluation_job``, continue (deploy) only when this condition on its final metrics
        holds, e.g. ``RewardAtLeast("reward-testing", 150)``; otherwise the run ends with
        ``RL.RewardBelowThreshold`` (``RL.EvaluationFailed`` when the metric was not reported) before anything
        is created. Default: none (no gate).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job: RLTrainingJob,
        deploy_instance_type: str | None = None,
        serverless: ServerlessInference | None = None,
        autoscaling: EndpointAutoscaling | None = None,
        initial_instance_count: int = 1,
        endpoint_name: str | None = None,
        serving_image_uri: str | None = None,
        tensorflow_serving_version: str | None = None,
        serving_framework_version: str | None = None,
        serving_entry_point: str | None = None,
        serving_source_dir: str | None = None,
        serving_dependencies: Sequence[str] | None = None,
        model_environment: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        model_role: iam.IRole | None = None,
        endpoint_kms_key: kms.IKey | None = None,
        data_capture: DataCapture | None = None,
        retain_instance_counts: bool = True,
        deployment: BlueGreenDeployment | None = None,
        keep_last: int = DEFAULT_KEEP_LAST,
        retain_previous_endpoints: bool = False,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        poll_interval: Duration | None = None,
        endpoint_wait_timeout: Duration | None = None,
        timeout: Duration | None = None,
        log_execution_data: bool = False,
        state_machine_name: str | None = None,
        evaluation_job: RLEvaluationJob | None = None,
        deploy_if: MetricCondition | None = None,
        tuning_job: RLTuningJob | None = None,
    ) -> None:
        if not isinstance(training_job, RLTrainingJob):
            raise TypeError(f"training_job: expected an RLTrainingJob, got {type(training_job).__name__}.")
        _check_evaluation(training_job, evaluation_job, deploy_if)
        _check_tuning(training_job, tuning_job)
        started: str | None = getattr(training_job, "_rl_pipeline", None)
        if started is not None:
            raise RLConfigurationError(
                "training_job",
                f"{training_job.node.path} already starts the pipeline {started}; a training job is one state of "
                "one state machine: make a second RLTrainingJob for a second pipeline.",
            )
        deploy = deploy_instance_type is not None or serverless is not None
        settings = deployment.settings() if deployment is not None else None
        serverless_config = (
            _serverless_request(serverless, training_job, initial_instance_count, endpoint_kms_key, data_capture)
            if serverless is not None
            else None
        )
        scaling = _scaling_settings(autoscaling, serverless, endpoint_name, deploy, initial_instance_count)
        processor = Processor.CPU
        if deploy_instance_type is not None:
            if serverless is not None:
                raise RLConfigurationError(
                    "serverless", "serves without instances: give deploy_instance_type or serverless, not both."
                )
            processor = hosting_instance(deploy_instance_type, "deploy_instance_type").processor
        elif not deploy and (
            endpoint_name
            or serving_image_uri
            or tensorflow_serving_version
            or serving_framework_version
            or serving_entry_point
            or model_environment
            or tags
            or endpoint_kms_key
            or data_capture
        ):
            raise RLConfigurationError(
                "deploy_instance_type",
                "endpoint settings were given for a training-only pipeline; set deploy_instance_type (or serverless).",
            )
        _check_count("initial_instance_count", initial_instance_count, low=1)
        _check_count("keep_last", keep_last, low=1)
        if endpoint_name is not None and not has_token(endpoint_name):
            d.validate_endpoint_name(endpoint_name)
        if settings is not None and endpoint_name is None:
            raise RLConfigurationError(
                "deployment", "a blue/green rollout updates a stable endpoint: set endpoint_name as well."
            )
        if retain_previous_endpoints and endpoint_name is not None:
            raise RLConfigurationError(
                "retain_previous_endpoints", "only applies to per-run endpoints (without endpoint_name)."
            )
        poll_seconds = _whole_seconds(poll_interval, "poll_interval", default=30)
        default_wait = _DEFAULT_ENDPOINT_WAIT + (settings.longest_seconds() if settings is not None else 0)
        wait_seconds = _whole_seconds(endpoint_wait_timeout, "endpoint_wait_timeout", default=default_wait)
        budget = d.wait_budget(poll_seconds, wait_seconds)
        deploy_seconds = budget.wait_seconds + budget.cleanup_seconds if deploy else 0
        least_seconds = (
            tuning_job.longest_seconds() if tuning_job is not None else training_job.max_training_seconds
        ) + deploy_seconds
        if evaluation_job is not None:
            least_seconds += evaluation_job.max_training_seconds
        timeout_seconds = _whole_seconds(timeout, "timeout", default=least_seconds + 1800)
        if timeout_seconds < least_seconds:
            raise RLConfigurationError(
                "timeout",
                f"{timeout_seconds} s is shorter than the longest run ({least_seconds} s: the training job's "
                f"{training_job.max_training_seconds} s"
                + (f", {budget.wait_seconds} s endpoint wait, {budget.cleanup_seconds} s cleanup" if deploy else "")
                + "); the execution would time out before the run can end and clean up.",
            )
        if data_capture is not None:
            check_data_capture(data_capture)
        checked_environment = check_mapping(model_environment, "model_environment", values=str, values_name="str")
        user_tags = _user_tags(tags)
        super().__init__(scope, id)
        setattr(training_job, "_rl_pipeline", self.node.path)  # noqa: B010 (not an attribute of its class)
        if evaluation_job is not None:
            setattr(evaluation_job, "_rl_pipeline", self.node.path)  # noqa: B010
        self.evaluation_job = evaluation_job
        self.deploy_if = deploy_if
        self.tuning_job = tuning_job
        if tuning_job is not None:
            setattr(tuning_job, "_rl_pipeline", self.node.path)  # noqa: B010
        #: The name prefix of what the runs create: the training job family, or the tuning job family (the
        #: best training job, named after its tuning job, names the model, config and endpoint).
        self.family_base = tuning_job.base_tuning_job_name if tuning_job is not None else training_job.base_job_name
        self.training_job = training_job
        self.endpoint_name = endpoint_name
        self.endpoint_kms_key = endpoint_kms_key
        self.data_capture = data_capture
        #: The wait budget: poll interval and the most polls a run makes.
        self.wait_budget = budget
        #: The value of the ``rl-constructs:pipeline`` tag on every SageMaker resource the runs create.
        self.tag_value = d.pipeline_tag_value(self.node.path)
        #: The ``Tags`` of every resource the runs create: the pipeline tag, then ``tags``.
        self.resource_tags: list[dict[str, str]] = d.pipeline_tags(self.tag_value) + user_tags
        #: Container variables set over the serving environment.
        self.model_environment: dict[str, str] = dict(checked_environment or {})
        stack = stack_of(scope)
        remember_stack(self, stack)
        self._stack = stack
        self._family_arns: list[str] = []
        #: Why each wildcard resource of the pipeline's roles is needed: acknowledged together, at the end.
        self._wildcard_reasons: dict[str, str] = {"*": "CloudWatch Logs delivery and X-Ray have no resource type."}

        first: RLTrainingJob | RLTuningJob = training_job if tuning_job is None else tuning_job
        if tuning_job is None:  # (a tuning job has the same retries of its own)
            for policy in d.TRAINING_RETRIES:
                training_job.add_retry(**_retry_props(policy))
        self._failed = sfn.Fail(
            self, "Failed", state_name="Pipeline failed", error="{% $failure.Error %}", cause="{% $failure.Cause %}"
        )
        if tuning_job is None:
            training_job.add_catch(self._failed, assign=d.training_failure_assignment(training_job.state_id))
        else:
            tuning_job.add_catch(
                self._failed, assign=d.failure_assignment(tuning_job.state_id, FailureName.TUNING_FAILED)
            )

        definition: sfn.IChainable
        self.serving: ResolvedServing | None = None
        #: The model repack step (``repack.ModelRepack``), when the serving container reads code from the archive.
        self.model_repack: ModelRepack | None = None
        if not deploy:
            definition = first.next(self._evaluated(sfn.Succeed(self, "Trained", state_name="Trained")))
        else:
            code = ServingCodeAsset.package(
                self,
                serving_entry_point=serving_entry_point,
                serving_source_dir=serving_source_dir,
                serving_dependencies=serving_dependencies,
            )
            #: The serving code (None: the training code serves, as with ``create_model()`` alone).
            self.serving_code = code
            self.serving = resolve_serving(
                self,
                toolkit=training_job.toolkit,
                framework=training_job.framework,
                framework_version=training_job.framework_version,
                processor=processor,
                entry_point=code.program if code else training_job.entry_point,
                submit_directory=code.s3_uri if code else training_job.submit_directory,
                training_image_uri=None if training_job.toolkit else training_job.training_image_uri,
                serving_image_uri=serving_image_uri,
                tensorflow_serving_version=tensorflow_serving_version,
                serving_framework_version=serving_framework_version,
                has_serving_code=code is not None,
                can_repack=True,  # the repack step (_DeploymentStates._repack) puts the code in the archive
            )
            self.model_role = model_role or self._model_role(training_job, self.serving)
            states = _DeploymentStates(
                self,
                instance_type=deploy_instance_type,
                instance_count=initial_instance_count,
                serverless=serverless_config,
                scaling=scaling,
                retain_instance_counts=retain_instance_counts,
                blue_green=settings,
                keep_last=keep_last,
                retain_previous_endpoints=retain_previous_endpoints,
                rollback_alarms=list(deployment.rollback_alarms) if deployment is not None else [],
            )
            definition = first.next(self._evaluated(states.chain()))
            from .cleanup import PipelineResourceCleanup  # loads Lambda and custom resources: only when deploying

            family = f"{self.family_base}-"
            self.resource_cleanup = PipelineResourceCleanup(
                self,
                "RunResources",
                pipeline_tag_value=self.tag_value,
                name_prefixes=list(dict.fromkeys([family, family.lower()])),
                endpoint_names=[endpoint_name] if endpoint_name else [],
                removal_policy=removal_policy,
            )

        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            query_language=sfn.QueryLanguage.JSONATA,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=_seconds(timeout_seconds),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=log_execution_data
            ),
        )
        # One acknowledgment for the state machine role and the hosting role (each call is a jsii round trip).
        acknowledge_wildcards(
            self,
            {
                **self._wildcard_reasons,
                **dict.fromkeys(
                    self._family_arns,
                    "Models, endpoint configs and endpoints are created per execution, named after its training "
                    "job; the policy is scoped to the job family's name prefix.",
                ),
            },
            stack=stack,
        )

    # --- metrics ----------------------------------------------------------------------------------------
    def metric_failed(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed executions (alarm-ready: Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_failed(period=period or Duration.minutes(5), statistic="Sum")

    def metric_succeeded(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Succeeded executions (Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_succeeded(period=period or Duration.minutes(5), statistic="Sum")

    def metric_started(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Started executions (Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_started(period=period or Duration.minutes(5), statistic="Sum")

    def metric_aborted(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Executions stopped by hand (``rl-constructs stop``, StopExecution): Sum over ``period`` (5 minutes)."""
        return self.state_machine.metric_aborted(period=period or Duration.minutes(5), statistic="Sum")

    def metric_timed_out(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Executions that ran out of the state machine's timeout (Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_timed_out(period=period or Duration.minutes(5), statistic="Sum")

    def metric_time(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """How long executions ran, in milliseconds (Average over ``period``, default 5 minutes)."""
        return self.state_machine.metric_time(period=period or Duration.minutes(5), statistic="Average")

    # --- grants ---------------------------------------------------------------------------------------
    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start runs (``states:StartExecution``; ``rl-constructs train``)."""
        return self.state_machine.grant_start_execution(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` follow runs: list and describe executions and their history (``rl-constructs
        follow``), as ``StateMachine.grant_read`` does."""
        return self.state_machine.grant_read(grantee)

    def grant_stop_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` stop runs (``states:StopExecution`` on this state machine's executions)."""
        return self.state_machine.grant_execution(grantee, "states:StopExecution")

    # --- the evaluation stage and its gate ------------------------------------------------------------
    def _evaluated(self, then: sfn.IChainable) -> sfn.IChainable:
        """``then``, preceded by the evaluation job and the reward gate when the pipeline has them."""
        job = self.evaluation_job
        if job is None:
            return then
        for policy in d.TRAINING_RETRIES:
            job.add_retry(**_retry_props(policy))
        job.add_catch(self._failed, assign=d.failure_assignment(job.state_id, FailureName.EVALUATION_FAILED))
        if self.deploy_if is None:
            return job.next(then)
        condition = self.deploy_if
        rejected = sfn.Pass(
            self, "RewardRejected", state_name="Reward below threshold", assign=gate_failure(condition)
        ).next(self._failed)
        gate = sfn.Choice(self, "RewardGate", state_name=f"Reward gate: {condition.describe()}"[:80])
        gate.when(sfn.Condition.jsonata("{% " + condition.holds_expression() + " %}"), then)
        gate.otherwise(rejected)
        return job.next(gate)

    # --- helpers the deployment states use ----------------------------------------------------------------
    def arns(self, resource: str, names: Sequence[str]) -> list[str]:
        """SageMaker ARNs of ``resource`` for each name pattern, in the given and the lower-cased spelling
        (SageMaker has returned ARNs with lower-cased names; IAM compares case-sensitively)."""
        spellings = dict.fromkeys(spelling for name in names for spelling in (name, name.lower()))
        arns = {name: stack_arn(self._stack, "sagemaker", f"{resource}/{name}") for name in spellings}
        wildcards = [arn for name, arn in arns.items() if "*" in name and arn not in self._family_arns]
        self._family_arns.extend(wildcards)
        return list(arns.values())

    def _model_role(self, job: RLTrainingJob, serving: ResolvedServing) -> iam.Role:
        if job.vpc_config:  # the model runs in the job's VPC (create_model() reuses it): network interfaces
            self._wildcard_reasons["*"] += (
                " The network interfaces SageMaker manages in the VPC are not resource-scoped."
            )
        role = hosting_role(
            self,
            "ModelRole",
            serving=serving,
            model_data_arns=[job.output_prefix_arn],
            inference_code_arns=[self.serving_code.object_arn if self.serving_code else job.source_object_arn],
            kms_keys=[job.model_data_kms_key] if job.model_data_kms_key is not None else [],
            wildcard_reasons=self._wildcard_reasons,
        )
        if job.vpc_config:
            role.add_to_policy(
                iam.PolicyStatement(sid="VpcNetworkInterfaces", actions=HOSTING_VPC_ACTIONS, resources=["*"])
            )
        return role


class _DeploymentStates:
    """The states after training, built once per pipeline (see the module docstring for the flow)."""

    def __init__(
        self,
        pipeline: RLPipeline,
        *,
        instance_type: str | None,
        instance_count: int,
        serverless: Mapping[str, int] | None,
        scaling: d.ScalingSettings | None,
        retain_instance_counts: bool,
        blue_green: d.BlueGreenSettings | None,
        keep_last: int,
        retain_previous_endpoints: bool,
        rollback_alarms: Sequence[cloudwatch.IAlarm],
    ) -> None:
        self.p = pipeline
        self.rollback_alarms = rollback_alarms
        self.instance_type = instance_type
        self.instance_count = instance_count
        self.serverless = serverless
        self.scaling = scaling
        # A serverless variant has no instance counts to keep (and retaining its properties would keep the old
        # ServerlessConfig over this run's).
        self.retain_instance_counts = retain_instance_counts and serverless is None
        self.blue_green = blue_green
        self.keep_last = keep_last
        self.retain_previous_endpoints = retain_previous_endpoints
        self.budget = pipeline.wait_budget
        base = pipeline.family_base
        self.base = base
        endpoint_patterns = [pipeline.endpoint_name] if pipeline.endpoint_name else [f"{base}-*"]
        # Every SageMaker call is granted the same resources: the family's models and endpoint configs and the
        # endpoint(s). Each action is authorized only against its own resource types (CreateModel against model
        # ARNs...), so this grants nothing more than one statement per call would, and the identical resource
        # lists let aws-cdk-lib merge the calls' statements into one (@aws-cdk/aws-iam:minimizePolicies).
        self.resources = list(
            dict.fromkeys(
                pipeline.arns("model", [f"{base}-*"])
                + pipeline.arns("endpoint-config", [f"{base}-*"])
                + pipeline.arns("endpoint", endpoint_patterns)
            )
        )
        self.tags = pipeline.resource_tags

    # --- the chain ------------------------------------------------------------------------------------------
    def chain(self) -> sfn.IChainable:
        p = self.p
        failure_cleanup = self._failure_cleanup()
        self.failure_cleanup = failure_cleanup
        prepare = sfn.Pass(p, "Prepare", state_name="Prepare deployment", assign=d.run_assignment(p.endpoint_name))
        create_model = self._call(
            "CreateModel",
            "Create model",
            d.create_model_request(
                role_arn=p.model_role.role_arn,
                image=_serving(p).image_uri,
                environment={**_serving(p).environment, **p.model_environment},
                tags=self.tags,
                vpc_config=p.training_job.vpc_config,
            ),
            assign=d.created(model=True),
            extra=self._pass_role_and_tag_statements(),
        )
        create_config = self._call(
            "CreateEndpointConfig",
            "Create endpoint config",
            d.endpoint_config_request(
                instance_type=self.instance_type,
                instance_count=self.instance_count,
                serverless=self.serverless,
                tags=self.tags,
                kms_key_id=p.endpoint_kms_key.key_arn if p.endpoint_kms_key is not None else None,
                data_capture=self._data_capture(),
            ),
            assign=d.created(config=True),
            extra=self._kms_statements(),
        )
        wait = self._wait_for_endpoint()
        create_endpoint = self._call(
            "CreateEndpoint",
            "Create endpoint",
            d.create_endpoint_request(self.tags),
            assign=d.created(endpoint=True),
            catch_unmodeled=None,
        )
        create_endpoint.next(wait)
        if p.endpoint_name is None:
            create_endpoint.add_catch(failure_cleanup, assign=d.failure_assignment("Create endpoint", _DEPLOYMENT))
            entry: sfn.IChainable = create_endpoint
        else:
            entry = self._stable_endpoint(create_endpoint, wait)
        if _serving(p).code_in_model_archive:
            return prepare.next(self._repack()).next(create_model).next(create_config).next(entry)
        return prepare.next(create_model).next(create_config).next(entry)

    def _repack(self) -> sfn.IChainable:
        """Repack this run's model archive with the serving code (or, without serving code, the training code,
        as the SDK's ``create_model()`` does) under ``code/`` (``repack.ModelRepack``; ``domain.repack``)."""
        from .repack import ModelRepack

        p, job = self.p, self.p.training_job
        code = p.serving_code
        key = job.model_data_kms_key
        repack = ModelRepack(
            p,
            "ModelRepack",
            model_data_arns=[job.output_prefix_arn],
            code_object_arn=code.object_arn if code else job.source_object_arn,
            destination_arns=[job.output_prefix_arn],
            kms_keys=[key] if key is not None else [],
        )
        #: The repack step's function and role (a pipeline whose container reads code from the model archive).
        p.model_repack = repack
        reasons = p._wildcard_reasons
        reasons[job.output_prefix_arn] = "; ".join(
            dict.fromkeys(
                filter(None, [reasons.get(job.output_prefix_arn), "Model artifacts are written per training job."])
            )
        )
        reasons[f"{repack.function.function_arn}:*"] = "lambda:InvokeFunction on the repack function's versions."
        task = repack.task(
            "Repack", code_url=code.s3_uri if code else job.submit_directory, kms_key_id=key.key_arn if key else None
        )
        task.add_catch(
            self.failure_cleanup, assign=d.failure_assignment("Repack model", FailureName.MODEL_REPACK_FAILED)
        )
        return task

    def _stable_endpoint(self, create_endpoint: tasks.CallAwsService, wait: sfn.IChainable) -> sfn.IChainable:
        """Read the endpoint; create it when absent, replace it when Failed, wait while it changes, update it
        when in service. A create or update refused with an unmodeled error (another run got there first, or
        a real validation error) goes back to reading, at most ``ENDPOINT_ATTEMPTS`` times."""
        p = self.p
        settle = sfn.Wait(
            p, "Settle", state_name="Wait for endpoint to settle", time=_wait_time(self.budget.poll_seconds)
        )
        read = self._call(
            "DescribeEndpoint",
            "Read endpoint",
            {"EndpointName": "{% $run.endpoint %}"},
            outputs=d.describe_output(),
            assign=d.count_poll(),
            catch_unmodeled=None,
        )
        missing = sfn.Choice(p, "Missing", state_name="Endpoint missing?")
        read.add_catch(missing, errors=[d.SDK_BASE_ERROR], outputs=d.caught_error())
        read.add_catch(self.failure_cleanup, assign=d.failure_assignment("Read endpoint", _DEPLOYMENT))
        missing.when(_condition(d.cause_contains(d.ENDPOINT_NOT_FOUND)), create_endpoint).otherwise(
            self._goto_cleanup("ReadFailed", "Endpoint unreadable", d.failure_from_input("Read endpoint", _DEPLOYMENT))
        )
        update = self._call(
            "UpdateEndpoint",
            "Update endpoint",
            d.update_endpoint_request(
                retain_instance_counts=self.retain_instance_counts,
                deployment_config=d.deployment_config(self.blue_green) if self.blue_green else None,
            ),
            catch_unmodeled=None,
            extra=self._alarm_statements(),
        )
        update.next(wait)
        retry_or_fail = (
            sfn.Choice(p, "Again", state_name="Try the endpoint again?")
            .when(_condition(d.attempts_left()), settle)
            .otherwise(
                self._goto_cleanup(
                    "GaveUp", "Endpoint refused", d.failure_from_last_error("Create or update endpoint", _DEPLOYMENT)
                )
            )
        )
        for call, step in ((create_endpoint, "Create endpoint"), (update, "Update endpoint")):
            call.add_catch(retry_or_fail, errors=[d.SDK_BASE_ERROR], assign=d.record_attempt())
            call.add_catch(self.failure_cleanup, assign=d.failure_assignment(step, _DEPLOYMENT))
        delete_failed = self._call(
            "DeleteEndpoint",
            "Delete failed endpoint",
            {"EndpointName": "{% $run.endpoint %}"},
            catch_unmodeled=_DEPLOYMENT,
        )
        delete_failed.next(settle)
        ready = (
            sfn.Choice(p, "Ready", state_name="Endpoint ready for update?")
            .when(_condition(d.status_is("InService", "UpdateRollbackFailed")), self._before_update(update))
            .when(_condition(d.status_is("Failed", "OutOfService")), delete_failed)
            .when(
                _condition(f"$not({d.polls_left(self.budget.max_polls)})"),
                self._goto_cleanup(
                    "SettleTimeout", "Endpoint never settled", d.timeout_failure(self.budget.wait_seconds)
                ),
            )
            .otherwise(settle)
        )
        settle.next(read)
        read.next(ready)
        return read

    # --- autoscaling of the stable endpoint ------------------------------------------------------------------
    def _autoscaled(self, then: sfn.IChainable) -> sfn.IChainable:
        """With ``autoscaling``: register the variant and put its policy (both idempotent), then ``then``."""
        if self.scaling is None:
            return then
        register = self._scaling_call(
            "RegisterScalableTarget", "Register autoscaling", d.register_scalable_target_request(self.scaling)
        )
        policy = self._scaling_call("PutScalingPolicy", "Put scaling policy", d.scaling_policy_request(self.scaling))
        register.next(policy).next(then)
        return register

    def _before_update(self, update: sfn.IChainable) -> sfn.IChainable:
        """With ``autoscaling``: an update to another instance type deregisters the variant first (SageMaker
        refuses it otherwise; the run registers it again once deployed). Without: ``update``."""
        if self.scaling is None:
            return update
        p = self.p
        assert self.instance_type is not None
        current = self._call(
            "DescribeEndpointConfig",
            "Read serving config",
            {"EndpointConfigName": "{% $states.input.EndpointConfigName %}"},
            outputs="{% {'Changes': " + d.instance_type_changes(self.instance_type) + "} %}",
            resources=["*"],  # the serving config may predate this family's names
        )
        deregister = self._scaling_call(
            "DeregisterScalableTarget", "Deregister autoscaling", d.deregister_scalable_target_request(), catch=False
        )
        deregister.add_catch(update, errors=[d.AUTOSCALING_NOT_REGISTERED])  # not registered: nothing to do
        deregister.add_catch(self.failure_cleanup, assign=d.failure_assignment("Deregister autoscaling", _DEPLOYMENT))
        deregister.next(update)
        changes = (
            sfn.Choice(p, "TypeChanges", state_name="Instance type changes?")
            .when(_condition("$states.input.Changes"), deregister)
            .otherwise(update)
        )
        current.next(changes)
        return current

    def _scaling_call(
        self, action: str, state_name: str, arguments: Mapping[str, Any], *, catch: bool = True
    ) -> tasks.CallAwsService:
        """An ``aws-sdk:applicationautoscaling`` task with its retries; by default a failure keeps what the run
        deployed and ends it with ``RL.AutoscalingFailed``."""
        call = tasks.CallAwsService.jsonata(
            self.p,
            state_name.replace(" ", ""),
            service="applicationautoscaling",
            action=action[0].lower() + action[1:],
            iam_action=f"application-autoscaling:{action}",
            iam_resources=["*"],  # scalable targets have generated ids, not the endpoint's name
            additional_iam_statements=self._scaling_statements(action),
            parameters=dict(arguments),
            state_name=state_name,
            outputs="{% $states.input %}",
        )
        for policy in d.AUTOSCALING_RETRIES:
            call.add_retry(**_retry_props(policy))
        if catch:
            call.add_catch(self.failure_cleanup, assign=d.autoscaling_failure_assignment(state_name))
        return call

    def _scaling_statements(self, action: str) -> list[iam.PolicyStatement] | None:
        """What registering a SageMaker variant and putting a target-tracking policy need besides the call
        (Developer Guide, "Auto scaling prerequisites"): Application Auto Scaling's service-linked role, reading
        and scaling the endpoint, and the policy's CloudWatch alarms."""
        if action != "RegisterScalableTarget":
            return None
        endpoint_arns = self.p.arns("endpoint", [self.p.endpoint_name or f"{self.base}-*"])
        stack = self.p._stack
        partition, _, account = stack_environment(stack)
        alarms = stack_arn(stack, "cloudwatch", "alarm:TargetTracking*")
        self.p._wildcard_reasons[alarms] = (
            "Application Auto Scaling names the target-tracking policy's alarms TargetTracking-<generated>."
        )
        self.p._wildcard_reasons["*"] += (
            " Application Auto Scaling's scalable targets have generated ids; DescribeEndpointConfig reads the"
            " config the endpoint serves, whatever its name; DescribeAlarms has no resource type."
        )
        return policy_statements(
            [
                allow(
                    ["iam:CreateServiceLinkedRole"],
                    [
                        f"arn:{partition}:iam::{account}:role/aws-service-role/"
                        "sagemaker.application-autoscaling.amazonaws.com/"
                        "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
                    ],
                    conditions={
                        "StringLike": {"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"}
                    },
                ),
                allow(["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"], endpoint_arns),
                allow(["sagemaker:DescribeEndpointConfig", "cloudwatch:DescribeAlarms"], ["*"]),
                allow(
                    ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
                    [alarms],
                ),
            ]
        )

    def _wait_for_endpoint(self) -> sfn.IChainable:
        """Wait, read the endpoint, decide: deployed, failed (each way), out of polls, or wait again."""
        p = self.p
        wait = sfn.Wait(p, "Wait", state_name="Wait for endpoint", time=_wait_time(self.budget.poll_seconds))
        check = self._call(
            "DescribeEndpoint",
            "Check endpoint",
            {"EndpointName": "{% $run.endpoint %}"},
            outputs=d.describe_output(),
            assign=d.count_poll(),
            catch_unmodeled=_DEPLOYMENT,
        )
        failed = self._goto_cleanup("EndpointFailed", "Endpoint failed")
        rolled_back = self._goto_cleanup("RolledBack", "Update rolled back")
        rollback_failed = self._goto_cleanup("RollbackFailed", "Rollback failed")
        timed_out = self._goto_cleanup("TimedOut", "Endpoint wait timed out")
        status = (
            sfn.Choice(p, "Status", state_name="Endpoint in service?")
            .when(_condition(d.serves_this_run()), self._autoscaled(self._success()))
            .when(
                _condition(d.status_is("Failed", "OutOfService")),
                failed,
                assign=d.endpoint_outcome_failure(FailureName.ENDPOINT_FAILED, "failed"),
            )
            .when(
                _condition(d.status_is("UpdateRollbackFailed")),
                rollback_failed,
                assign=d.rollback_failed_assignment(),
            )
            .when(
                _condition(d.serves_another_config()),
                rolled_back,
                assign=d.endpoint_outcome_failure(
                    FailureName.UPDATE_ROLLED_BACK, "rolled the update back to the previous endpoint config"
                ),
            )
            .when(
                _condition(f"$not({d.polls_left(self.budget.max_polls)})"),
                timed_out,
                assign=d.timeout_assignment(self.budget.wait_seconds),
            )
            .otherwise(wait)
        )
        wait.next(check).next(status)
        return wait

    def _goto_cleanup(self, id: str, name: str, assign: Mapping[str, str] | None = None) -> sfn.Pass:
        """A named step into the failure cleanup (the Choice branch before it records the failure)."""
        step = sfn.Pass(self.p, id, state_name=name, assign=dict(assign) if assign else None)
        step.next(self.failure_cleanup)
        return step

    # --- success: clean up earlier runs ----------------------------------------------------------------------
    def _success(self) -> sfn.IChainable:
        p = self.p
        per_run = p.endpoint_name is None
        find = self._call(
            "ListEndpointConfigs",
            "Find earlier runs",
            {"NameContains": self.base, "SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 100},
            outputs=d.old_runs_expression(
                self.base,
                self.keep_last,
                delete_endpoints=per_run and not self.retain_previous_endpoints,
                delete_configs=not (per_run and self.retain_previous_endpoints),
            ),
            resources=["*"],  # ListEndpointConfigs has no resource type
            catch_unmodeled=None,
        )
        deployed = sfn.Succeed(p, "Deployed", state_name="Deployed", outputs=d.succeeded_output())
        # Cleaning up is best effort: a run that deployed succeeds even when an old resource resists.
        find.add_catch(deployed)
        item = "$states.input"
        tags = self._call(
            "ListTags",
            "Read run tags",
            {"ResourceArn": f"{{% {item}.Arn %}}"},
            outputs=f"{{% $merge([{item}, {{'Ours': {d.tagged_by(p.tag_value)}}}]) %}}",
            catch_unmodeled=None,
        )
        delete_endpoint = self._cleanup_call("DeleteEndpoint", "Delete earlier endpoint", "EndpointName")
        delete_config = self._cleanup_call("DeleteEndpointConfig", "Delete earlier config", "EndpointConfigName")
        delete_model = self._cleanup_call("DeleteModel", "Delete earlier model", "ModelName")
        done = sfn.Pass(p, "Cleaned", state_name="Earlier run cleaned")
        config_choice = (
            sfn.Choice(p, "DeleteConfig?", state_name="Delete its config?")
            .when(_condition(f"{item}.DeleteConfig"), delete_config.next(delete_model).next(done))
            .otherwise(done)
        )
        delete_endpoint.next(config_choice)
        # Each deletion is best effort: an old resource that resists is left for the next run (or cdk destroy).
        delete_endpoint.add_catch(config_choice, outputs="{% $states.input %}")  # the item, not the error
        delete_config.add_catch(done)
        delete_model.add_catch(done)
        ours = (
            sfn.Choice(p, "Ours?", state_name="Created by this pipeline?")
            .when(
                _condition(f"{item}.Ours and {item}.DeleteEndpoint"),
                delete_endpoint,
            )
            .when(_condition(f"{item}.Ours"), config_choice)
            .otherwise(done)
        )
        tags.add_catch(done)
        tags.next(ours)
        clean = sfn.Map(
            p,
            "CleanEarlier",
            state_name="Clean up earlier runs",
            items=sfn.ProvideItems.jsonata("{% $states.input %}"),
            max_concurrency=2,
            outputs="{% $states.input %}",
        )
        clean.item_processor(tags)
        clean.add_catch(deployed)
        find.next(clean).next(deployed)
        return find

    def _cleanup_call(self, action: str, state_name: str, key: str) -> tasks.CallAwsService:
        call = self._call(
            action,
            state_name,
            {key: "{% $states.input.Name %}"},
            outputs="{% $states.input %}",
            catch_unmodeled=None,
        )
        return call

    # --- failure: delete what this run created, then fail ------------------------------------------------
    def _failure_cleanup(self) -> sfn.IChainable:
        p = self.p
        delete_endpoint = self._call(
            "DeleteEndpoint",
            "Delete run endpoint",
            {"EndpointName": "{% $run.endpoint %}"},
            outputs="{% $states.input %}",
            catch_unmodeled=None,
        )
        delete_config = self._call(
            "DeleteEndpointConfig",
            "Delete run config",
            {"EndpointConfigName": "{% $run.job %}"},
            outputs="{% $states.input %}",
            catch_unmodeled=None,
        )
        delete_model = self._call(
            "DeleteModel",
            "Delete run model",
            {"ModelName": "{% $run.job %}"},
            outputs="{% $states.input %}",
            catch_unmodeled=None,
        )
        model_choice = (
            sfn.Choice(p, "ModelCreated?", state_name="Delete the run's model?")
            .when(_condition("$created.model"), delete_model)
            .otherwise(p._failed)
        )
        delete_model.next(p._failed)
        delete_model.add_catch(p._failed)
        config_choice = (
            sfn.Choice(p, "ConfigCreated?", state_name="Delete the run's config?")
            .when(_condition("$created.config"), delete_config)
            .otherwise(model_choice)
        )
        delete_config.next(model_choice)
        delete_config.add_catch(model_choice)
        # SageMaker refuses to delete an endpoint while it is Creating or Updating: read it every
        # DELETE_RETRY_SECONDS until it can be deleted (a bounded number of times); gone already is done;
        # what cannot be deleted is reported in the cause.
        leftover = sfn.Pass(p, "Leftover", state_name="Endpoint left over", assign=d.leftover_endpoint())
        leftover.next(config_choice)
        delete_wait = sfn.Wait(
            p, "DeleteWait", state_name="Wait to delete the endpoint", time=_wait_time(d.DELETE_RETRY_SECONDS)
        )
        delete_read = self._call(
            "DescribeEndpoint",
            "Read endpoint to delete",
            {"EndpointName": "{% $run.endpoint %}"},
            outputs=d.describe_output(),
            assign=d.count_delete_try(),
            catch_unmodeled=None,
        )
        delete_wait.next(delete_read)
        in_progress = d.status_is(*d.IN_PROGRESS_STATUSES)
        delete_ready = (
            sfn.Choice(p, "DeleteReady?", state_name="Endpoint deletable now?")
            .when(_condition(d.status_is("Deleting")), config_choice)
            .when(_condition(f"{in_progress} and {d.delete_tries_left()}"), delete_wait)
            .when(_condition(in_progress), leftover)
            .otherwise(delete_endpoint)
        )
        delete_read.next(delete_ready)
        deletable = (
            sfn.Choice(p, "DeleteLater?", state_name="Endpoint deletable later?")
            .when(_condition(d.cause_contains(d.ENDPOINT_NOT_FOUND)), config_choice)
            .when(_condition(d.delete_tries_left()), delete_wait)
            .otherwise(leftover)
        )
        delete_endpoint.add_catch(deletable, outputs=d.caught_error())
        delete_read.add_catch(deletable, outputs=d.caught_error())
        delete_endpoint.next(config_choice)
        return (
            sfn.Choice(p, "EndpointCreated?", state_name="Delete the run's endpoint?")
            .when(_condition("$created.endpoint"), delete_endpoint)
            .otherwise(config_choice)
        )

    # --- one SageMaker call ----------------------------------------------------------------------------
    def _call(
        self,
        action: str,
        state_name: str,
        arguments: Mapping[str, Any],
        *,
        catch_unmodeled: FailureName | None = _DEPLOYMENT,
        outputs: str | None = None,
        assign: Mapping[str, str] | None = None,
        resources: Sequence[str] | None = None,
        extra: Sequence[iam.PolicyStatement] = (),
    ) -> tasks.CallAwsService:
        """An ``aws-sdk:sagemaker`` task with the SDK-integration retries. With ``catch_unmodeled`` (the
        default), any error left after the retries goes to the failure cleanup as that failure; with None,
        the caller adds the catches."""
        if action in _VALIDATED:
            validate_request(action, arguments, arguments=_VALIDATED[action])
        if "Tags" in arguments:  # the tags known now, validated; Tags.of(...) ones are added at synth
            arguments = {**arguments, "Tags": Lazy.any(_RunTags(self.p), omit_empty_array=False)}
        call = tasks.CallAwsService.jsonata(
            self.p,
            state_name.replace(" ", "").replace("'", ""),
            service="sagemaker",
            action=action[0].lower() + action[1:],
            iam_action=f"sagemaker:{action}",
            iam_resources=list(resources or self.resources),
            additional_iam_statements=list(extra) or None,
            parameters=dict(arguments),
            state_name=state_name,
            outputs=outputs,
            assign=dict(assign) if assign else None,
        )
        for policy in d.SDK_CALL_RETRIES:
            call.add_retry(**_retry_props(policy))
        if catch_unmodeled is not None:
            call.add_catch(self.failure_cleanup, assign=d.failure_assignment(state_name, catch_unmodeled))
        return call

    # --- IAM of the calls ----------------------------------------------------------------------------------
    def _pass_role_and_tag_statements(self) -> list[iam.PolicyStatement]:
        """Pass the hosting role to SageMaker only, tag what the runs create (tags are set at creation,
        which SageMaker authorizes as ``sagemaker:AddTags``), and read the tags of earlier runs."""
        return policy_statements(
            [
                allow(
                    ["iam:PassRole"],
                    [self.p.model_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                ),
                allow(["sagemaker:AddTags", "sagemaker:ListTags"], self.resources),
                allow(["sagemaker:ListEndpointConfigs"], ["*"]),
            ]
        )

    def _kms_statements(self) -> list[iam.PolicyStatement]:
        key = self.p.endpoint_kms_key
        if key is None:
            return []
        # SageMaker creates grants on the key with the caller's credentials when it creates the endpoint.
        return policy_statements(kms_service_grant_statements([key.key_arn], sid="EndpointKey"))

    def _alarm_statements(self) -> list[iam.PolicyStatement]:
        if not self.rollback_alarms:
            return []
        # SageMaker reads the rollback alarms' state with the caller's permissions during the rollout.
        return policy_statements(
            [allow(["cloudwatch:DescribeAlarms"], [alarm.alarm_arn for alarm in self.rollback_alarms])]
        )

    def _data_capture(self) -> dict[str, Any] | None:
        capture = self.p.data_capture
        if capture is None:
            return None
        uri, modes = grant_data_capture(capture, self.p.model_role)
        return {
            "EnableCapture": True,
            "InitialSamplingPercentage": capture.sampling_percentage,
            "DestinationS3Uri": uri,
            "CaptureOptions": [{"CaptureMode": mode} for mode in modes],
            **({"KmsKeyId": capture.kms_key.key_arn} if capture.kms_key else {}),
        }


#: The requests checked against botocore's model at synth, with the argument each field comes from (values
#: computed at run time, ``{% ... %}``, and tokens are checked where they resolve).
_VALIDATED: dict[str, dict[str, str]] = {
    "CreateModel": {
        "PrimaryContainer.Image": "serving_image_uri",
        "PrimaryContainer.Environment": "model_environment",
        "ExecutionRoleArn": "model_role",
        "Tags": "tags",
    },
    "CreateEndpointConfig": {
        "Tags": "tags",
        "ProductionVariants[].InstanceType": "deploy_instance_type",
        "ProductionVariants[].InitialInstanceCount": "initial_instance_count",
        "ProductionVariants[].ServerlessConfig": "serverless",
        "KmsKeyId": "endpoint_kms_key",
        "DataCaptureConfig": "data_capture",
    },
    "CreateEndpoint": {"EndpointName": "endpoint_name", "Tags": "tags"},
    "UpdateEndpoint": {"DeploymentConfig": "deployment"},
}


@jsii.implements(IStableAnyProducer)
class _RunTags:
    """The ``Tags`` of the resources a run creates, resolved at synth, after the ``Tags.of(...)`` aspects ran:
    the pipeline's ``resource_tags`` and the tags applied to its state machine
    (``domain.deployment.with_applied_tags``)."""

    def __init__(self, pipeline: RLPipeline) -> None:
        self.pipeline = pipeline

    def produce(self) -> Any:
        resource = self.pipeline.state_machine.node.default_child
        rendered = resource.tags.render_tags() if isinstance(resource, sfn.CfnStateMachine) else None
        # CfnStateMachine renders its tags as the L1 property's {"key", "value"} entries.
        applied = [
            {"Key": tag.get("key", tag.get("Key")), "Value": tag.get("value", tag.get("Value"))}
            for tag in rendered or []
        ]
        return d.with_applied_tags(self.pipeline.resource_tags, applied)


def _user_tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    """``tags`` as SageMaker ``Tags``; the pipeline's own key and the reserved ``aws:`` prefix are refused
    (lengths and characters are checked against botocore's model with each request)."""
    checked = check_mapping(tags, "tags", values=str, values_name="str") or {}
    for key in checked:
        if key == PIPELINE_TAG_KEY or key.lower().startswith("aws:"):
            raise RLConfigurationError(
                "tags", f"{key!r} is reserved ({PIPELINE_TAG_KEY} marks what the runs create; aws: is AWS's)."
            )
    return [{"Key": key, "Value": value} for key, value in checked.items()]


def _serverless_request(
    serverless: ServerlessInference,
    training_job: RLTrainingJob,
    initial_instance_count: int,
    endpoint_kms_key: kms.IKey | None,
    data_capture: DataCapture | None,
) -> dict[str, int]:
    """``ServerlessConfig`` of the variant (``endpoint.py``'s checks), refusing what SageMaker's serverless
    endpoints do not support (Developer Guide, "Serverless Inference", feature exclusions: VPC configuration,
    data capture; there is no instance storage volume for ``KmsKeyId`` to encrypt)."""
    if not isinstance(serverless, ServerlessInference):
        raise TypeError(f"serverless: expected a ServerlessInference, got {type(serverless).__name__}.")
    check_serverless(serverless, None, None)
    refused = {
        "initial_instance_count": initial_instance_count != 1,
        "endpoint_kms_key": endpoint_kms_key is not None,
        "data_capture": data_capture is not None,
    }
    for argument, given in refused.items():
        if given:
            raise RLConfigurationError(argument, "does not apply to serverless inference; leave it unset.")
    if training_job.vpc_config:
        raise RLConfigurationError(
            "serverless",
            "the model would run in the training job's VPC (as create_model() makes it), which serverless inference "
            "does not support; deploy on instances (deploy_instance_type).",
        )
    return serverless_request(serverless)


def _scaling_settings(
    autoscaling: EndpointAutoscaling | None,
    serverless: ServerlessInference | None,
    endpoint_name: str | None,
    deploy: bool,
    initial_instance_count: int,
) -> d.ScalingSettings | None:
    """``autoscaling`` as plain values, checked as ``RLEndpoint`` checks it; only for a stable endpoint on
    instances (a per-run endpoint would leave a scalable target per run behind)."""
    if autoscaling is None:
        return None
    if not isinstance(autoscaling, EndpointAutoscaling):
        raise TypeError(f"autoscaling: expected an EndpointAutoscaling, got {type(autoscaling).__name__}.")
    if not deploy:
        raise RLConfigurationError("autoscaling", "scales an endpoint: set deploy_instance_type as well.")
    if serverless is not None:
        raise RLConfigurationError("autoscaling", "does not apply to serverless inference (it scales by itself).")
    if endpoint_name is None:
        raise RLConfigurationError(
            "autoscaling", "scales a stable endpoint: set endpoint_name (per-run endpoints are replaced every run)."
        )
    check_autoscaling(autoscaling, initial_instance_count)
    return d.ScalingSettings(
        min_capacity=autoscaling.min_capacity,
        max_capacity=autoscaling.max_capacity,
        target_invocations_per_instance=autoscaling.target_invocations_per_instance,
        scale_in_cooldown_seconds=whole_seconds(autoscaling.scale_in_cooldown, "autoscaling.scale_in_cooldown"),
        scale_out_cooldown_seconds=whole_seconds(autoscaling.scale_out_cooldown, "autoscaling.scale_out_cooldown"),
    )


def _serving(p: RLPipeline) -> ResolvedServing:
    assert p.serving is not None
    return p.serving


def _check_evaluation(
    training_job: RLTrainingJob, evaluation_job: RLEvaluationJob | None, deploy_if: MetricCondition | None
) -> None:
    """The evaluation job evaluates this pipeline's training job; the gate reads one of its metrics."""
    if evaluation_job is None:
        if deploy_if is not None:
            raise RLConfigurationError("deploy_if", "a reward gate reads an evaluation's metrics: set evaluation_job.")
        return
    if not isinstance(evaluation_job, RLEvaluationJob):
        raise TypeError(f"evaluation_job: expected an RLEvaluationJob, got {type(evaluation_job).__name__}.")
    if evaluation_job.trained is not training_job:
        raise RLConfigurationError(
            "evaluation_job", f"evaluates {evaluation_job.trained.node.path}, not this pipeline's training_job."
        )
    if getattr(evaluation_job, "_rl_pipeline", None) is not None:
        raise RLConfigurationError("evaluation_job", "already belongs to another pipeline.")
    if deploy_if is not None:
        evaluation_job.check_condition(deploy_if)


def _check_tuning(training_job: RLTrainingJob, tuning_job: RLTuningJob | None) -> None:
    """The tuning job tunes this pipeline's training job, and starts no other pipeline."""
    if tuning_job is None:
        return
    if not isinstance(tuning_job, RLTuningJob):
        raise TypeError(f"tuning_job: expected an RLTuningJob, got {type(tuning_job).__name__}.")
    if tuning_job.training_job is not training_job:
        raise RLConfigurationError(
            "tuning_job", f"tunes {tuning_job.training_job.node.path}, not this pipeline's training_job."
        )
    if getattr(tuning_job, "_rl_pipeline", None) is not None:
        raise RLConfigurationError("tuning_job", "already starts another pipeline.")


def _retry_props(policy: RetryPolicy) -> dict[str, Any]:
    return {
        "errors": list(policy.errors),
        "interval": _seconds(policy.interval_seconds),
        "max_attempts": policy.max_attempts,
        "max_delay": _seconds(policy.max_delay_seconds),
        "jitter_strategy": sfn.JitterType.FULL,
    }


def _check_count(argument: str, value: object, *, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument}: expected an int, got {type(value).__name__}.")
    if value < low:
        raise RLConfigurationError(argument, f"must be at least {low}, got {value}.")


def _whole_seconds(value: Duration | None, argument: str, *, default: int | None = None) -> int:
    """A Duration as whole seconds (``_arguments.whole_seconds``), required to be known at synth: the wait
    budget and the timeout checks are computed from it."""
    seconds = whole_seconds(value, argument, default=default)
    if seconds is None:
        raise RLConfigurationError(argument, "is required.")
    if has_token(str(seconds)) or not isinstance(seconds, int):
        raise RLConfigurationError(argument, "must be known at synth (a Duration of whole seconds, not a token).")
    return seconds


# Durations, wait times and conditions are immutable: one object per value serves every pipeline of the
# process (each is a jsii round trip to make).
@functools.cache
def _seconds(seconds: int) -> Duration:
    return Duration.seconds(seconds)


@functools.cache
def _wait_time(seconds: int) -> sfn.WaitTime:
    return sfn.WaitTime.duration(_seconds(seconds))


@functools.cache
def _condition(expression: str) -> sfn.Condition:
    return sfn.Condition.jsonata("{% " + expression + " %}")


__all__ = ["BlueGreenDeployment", "RLPipeline"]
