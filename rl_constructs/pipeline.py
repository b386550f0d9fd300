"""RLPipeline: train -> model -> endpoint config -> endpoint (create, update or replace) -> in service.

A Standard state machine in JSONata mode. The serving container follows ``RLEstimator.create_model()``
(``core.serving.container``); its options are resolved by ``core.serving.pipeline``, and what the deployment
states send, retry, wait for and name their failures is decided in ``core.serving`` and ``core.workflow`` and only
wired here (the states, built as data with ``core.state_graph``: ``_deployment_states.py``). In short:

- every SageMaker call retries what Step Functions reports for throttling, internal and capacity errors of
  its integration kind (``core.workflow.TRAINING_RETRIES`` / ``SDK_CALL_RETRIES``), with jitter, bounded;
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ._arguments import whole_seconds
from ._arns import remember_stack, stack_arn, stack_of
from ._endpoint_settings import EndpointAutoscaling, ServerlessInference, scaling_settings, serverless_settings
from ._nag import acknowledge_wildcards
from ._pipeline_base import PipelineBase
from ._pipeline_inputs import job_stages, synth_seconds
from ._pipeline_serving import run_resources_cleanup, serving_states
from ._states import DataDefinition
from .core import state_graph as g
from .core.serving import iam as serving_iam
from .core.serving import pipeline as pipeline_options
from .core.serving.blue_green import BlueGreenSettings, TrafficRouting
from .core.serving.pipeline import DEFAULT_KEEP_LAST, PipelineOptions
from .core.serving.tags import pipeline_tag_value, pipeline_tags
from .core.training.evaluation import MetricCondition, gate_failure
from .core.workflow import TRAINING_RETRIES, FailureName, failure_assignment, training_failure_assignment
from .data_capture import DataCapture, resolve_data_capture
from .evaluation import RLEvaluationJob
from .model_vpc import ModelVpc, vpc_choice
from .serving_container import ResolvedServing, ServingCodeAsset
from .training_job import RLTrainingJob
from .tuning_job import RLTuningJob

if TYPE_CHECKING:
    from .cleanup import PipelineResourceCleanup
    from .repack import ModelRepack

__all__ = ["BlueGreenDeployment", "RLPipeline"]


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

    def settings(self) -> BlueGreenSettings:
        """The policy as plain values (seconds, alarm names) for ``core.serving.blue_green``."""
        return BlueGreenSettings(
            routing=self.routing,
            wait_interval_seconds=synth_seconds(self.wait_interval, "deployment.wait_interval", default=0),
            step_percent=self.percent,
            step_instances=self.instances,
            termination_wait_seconds=synth_seconds(self.termination_wait, "deployment.termination_wait", default=0),
            maximum_execution_timeout_seconds=(
                None
                if self.maximum_execution_timeout is None
                else synth_seconds(self.maximum_execution_timeout, "deployment.maximum_execution_timeout")
            ),
            alarm_names=tuple(alarm.alarm_name for alarm in self.rollback_alarms),
        )


class RLPipeline(PipelineBase):
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
    :param model_name_prefix: name each run's model and endpoint config (and per-run endpoint)
        ``<model_name_prefix>-<suffix>``, the suffix unique per execution (the execution's name when it fits,
        else a hash of its ARN); the declarative ``Model(name=...)``: every run makes a new model. At most 39
        letters, digits and hyphens (a run adds ``-`` and at least 23 characters). The pipeline's role may
        create and delete only models and endpoint configs named ``<model_name_prefix>-*``; ``keep_last`` and the
        cleanup at ``cdk destroy`` follow the prefix. Default: None, named after the run's training job.
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
    :param vpc_config_override: the model's VPC (``create_model(vpc_config_override=...)``): ``ModelVpc(...)``
        replaces the training job's, ``ModelVpc.none()`` drops it. Default: None, the training job's VPC.
    :param enable_network_isolation: True sets ``EnableNetworkIsolation`` on the model; a container that would
        download its code from S3 then reads it from the repacked model archive (the repack step). Default: None,
        not set (SDK 2.257.7's ``RLEstimator.create_model()`` does not pass the job's isolation on).
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
        model_name_prefix: str | None = None,
        serving_image_uri: str | None = None,
        tensorflow_serving_version: str | None = None,
        serving_framework_version: str | None = None,
        serving_entry_point: str | None = None,
        serving_source_dir: str | None = None,
        serving_dependencies: Sequence[str] | None = None,
        model_environment: Mapping[str, str] | None = None,
        vpc_config_override: ModelVpc | None = None,
        enable_network_isolation: bool | None = None,
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
        options = pipeline_options.resolve(
            **job_stages(training_job, evaluation_job, tuning_job, deploy_if),
            deploy_if=deploy_if,
            deploy_instance_type=deploy_instance_type,
            serverless=serverless_settings(serverless) if serverless is not None else None,
            autoscaling=scaling_settings(autoscaling) if autoscaling is not None else None,
            initial_instance_count=initial_instance_count,
            endpoint_name=endpoint_name,
            model_name_prefix=model_name_prefix,
            serving_settings=bool(
                serving_image_uri or tensorflow_serving_version or serving_framework_version or serving_entry_point
            ),
            model_environment=model_environment,
            model_vpc=vpc_choice(vpc_config_override),
            enable_network_isolation=enable_network_isolation,
            tags=tags,
            endpoint_kms_key=endpoint_kms_key is not None,
            data_capture=resolve_data_capture(data_capture) if data_capture is not None else None,
            retain_instance_counts=retain_instance_counts,
            blue_green=deployment.settings() if deployment is not None else None,
            keep_last=keep_last,
            retain_previous_endpoints=retain_previous_endpoints,
            poll_seconds=whole_seconds(poll_interval, "poll_interval"),
            endpoint_wait_seconds=whole_seconds(endpoint_wait_timeout, "endpoint_wait_timeout"),
            timeout_seconds=whole_seconds(timeout, "timeout"),
        )
        super().__init__(scope, id)
        self._wire(scope, options, training_job, evaluation_job, tuning_job, endpoint_kms_key, data_capture)
        first = self._first_state()
        then: g.Chainable
        if options.deploy:
            then = serving_states(
                self,
                options,
                failed=self._failed,
                wildcard_reasons=self._wildcard_reasons,
                serving_image_uri=serving_image_uri,
                tensorflow_serving_version=tensorflow_serving_version,
                serving_framework_version=serving_framework_version,
                serving_entry_point=serving_entry_point,
                serving_source_dir=serving_source_dir,
                serving_dependencies=serving_dependencies,
                model_role=model_role,
                rollback_alarms=list(deployment.rollback_alarms) if deployment is not None else [],
                vpc_config_override=vpc_config_override,
            )
        else:
            then = g.Succeed("Trained")
        definition = first.next(self._evaluated(then))
        if options.deploy:
            self.resource_cleanup: PipelineResourceCleanup = run_resources_cleanup(self, removal_policy)
        self._state_machine(definition, state_machine_name=state_machine_name, log_execution_data=log_execution_data)

    def _wire(
        self,
        scope: Construct,
        options: PipelineOptions,
        training_job: RLTrainingJob,
        evaluation_job: RLEvaluationJob | None,
        tuning_job: RLTuningJob | None,
        endpoint_kms_key: kms.IKey | None,
        data_capture: DataCapture | None,
    ) -> None:
        """Claim the job states (each is one state of one state machine) and set the pipeline's attributes."""
        path = self.node.path
        for job in (training_job, evaluation_job, tuning_job):
            if job is not None:
                setattr(job, "_rl_pipeline", path)  # noqa: B010 (not an attribute of its class)
        #: The checked options (``core.serving.pipeline.PipelineOptions``).
        self.options = options
        self.evaluation_job = evaluation_job
        self.deploy_if = options.deploy_if
        self.tuning_job = tuning_job
        #: The name prefix of what the runs create: the training job family, or the tuning job family (the
        #: best training job, named after its tuning job, names the model, config and endpoint).
        self.family_base = tuning_job.base_tuning_job_name if tuning_job is not None else training_job.base_job_name
        #: What the names of the runs' models and endpoint configs (and per-run endpoints) begin with, before
        #: ``-``: ``model_name_prefix``, else ``family_base``.
        self.run_name_prefix = options.names_prefix(self.family_base)
        self.training_job = training_job
        self.endpoint_name = options.endpoint_name
        self.endpoint_kms_key = endpoint_kms_key
        self.data_capture = data_capture
        #: The wait budget: poll interval and the most polls a run makes.
        self.wait_budget = options.wait_budget
        #: The value of the ``rl-constructs:pipeline`` tag on every SageMaker resource the runs create.
        self.tag_value = pipeline_tag_value(path)
        #: The ``Tags`` of every resource the runs create: the pipeline tag, then ``tags``.
        self.resource_tags: list[dict[str, str]] = pipeline_tags(self.tag_value) + [dict(t) for t in options.tags]
        #: Container variables set over the serving environment.
        self.model_environment: dict[str, str] = dict(options.model_environment)
        stack = stack_of(scope)
        remember_stack(self, stack)
        self._stack = stack
        self._family_arns: list[str] = []
        #: Why each wildcard resource of the pipeline's roles is needed: acknowledged together, at the end.
        self._wildcard_reasons: dict[str, str] = {"*": serving_iam.PIPELINE_NO_RESOURCE_TYPE_REASON}
        self.serving: ResolvedServing | None = None
        #: The serving code (None: the training code serves, as with ``create_model()`` alone).
        self.serving_code: ServingCodeAsset | None = None
        #: The model repack step (``repack.ModelRepack``), when the serving container reads code from the archive.
        self.model_repack: ModelRepack | None = None
        #: The role SageMaker hosting assumes (a deploying pipeline's).
        self.model_role: iam.IRole
        #: The model's ``VpcConfig`` (the training job's unless ``vpc_config_override``), None outside a VPC.
        self.model_vpc_config: dict[str, list[str]] | None = None

    def _first_state(self) -> g.State:
        """The training (or tuning) job, with its retries and its catch into the pipeline's Fail state."""
        training_job, tuning_job = self.training_job, self.tuning_job
        self._failed = g.Fail("Pipeline failed", error="{% $failure.Error %}", cause="{% $failure.Cause %}")
        if tuning_job is None:
            state = training_job.graph_state().add_retries(TRAINING_RETRIES)
            return state.add_catch(self._failed, assign=training_failure_assignment(state.name))
        state = tuning_job.graph_state()  # (a tuning job has the same retries of its own)
        return state.add_catch(self._failed, assign=failure_assignment(state.name, FailureName.TUNING_FAILED))

    def _state_machine(
        self, definition: g.Chainable, *, state_machine_name: str | None, log_execution_data: bool
    ) -> None:
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        data = DataDefinition(self, g.Graph(definition.start_state), timeout_seconds=self.options.timeout_seconds)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            query_language=sfn.QueryLanguage.JSONATA,
            definition_body=data.body,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=log_execution_data
            ),
        )
        #: The ``CfnStateMachine``, with the definition built as data (``core.state_graph``).
        self.state_machine_resource = data.apply(self.state_machine)
        # One acknowledgment for the state machine role and the hosting role (each call is a jsii round trip).
        reasons = {**self._wildcard_reasons, **dict.fromkeys(self._family_arns, serving_iam.FAMILY_REASON)}
        acknowledge_wildcards(self, reasons, stack=self._stack)

    # --- the evaluation stage and its gate ------------------------------------------------------------
    def _evaluated(self, then: g.Chainable) -> g.Chainable:
        """``then``, preceded by the evaluation job and the reward gate when the pipeline has them."""
        if self.evaluation_job is None:
            return then
        job = self.evaluation_job.graph_state().add_retries(TRAINING_RETRIES)
        job.add_catch(self._failed, assign=failure_assignment(job.name, FailureName.EVALUATION_FAILED))
        if self.deploy_if is None:
            return job.next(then)
        gate_condition = self.deploy_if
        rejected = g.Pass("Reward below threshold", assign=gate_failure(gate_condition)).next(self._failed)
        gate = g.Choice(f"Reward gate: {gate_condition.describe()}"[:80])
        gate.when(gate_condition.holds_expression(), then)
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
