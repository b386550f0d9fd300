"""The deployment half of an RLPipeline's state machine: prepare -> (repack) -> model -> endpoint config ->
endpoint (created per run, or the stable one created, replaced or updated) -> in service.

What the states send, retry, wait for and name their failures is decided in ``core.serving`` (``requests``,
``jsonata``, ``wait_budget``, ``blue_green``, ``iam``) and ``core.workflow``; this module and its two
neighbours only wire it: ``_endpoint_states.py`` (reading, updating and waiting for the endpoint, autoscaling)
and ``_run_cleanup.py`` (what a failed run deletes, what a successful one cleans up).

The states are data (``core.state_graph``: each SageMaker call a ``Task`` as ``CallAwsService.jsonata`` renders
it, with the IAM statements it needs), not aws-cdk-lib objects: building them costs no jsii round trip; the
pipeline hands the whole definition to its ``StateMachine`` at once (``_states.DataDefinition``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import IResolvable, IStableAnyProducer, Lazy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_stepfunctions as sfn

from ._endpoint_states import stable_endpoint, wait_for_endpoint
from ._run_cleanup import failure_cleanup
from ._states import sdk_resource
from .core import state_graph as g
from .core.iam import Statement, allow, kms_service_grant_statements
from .core.request_validation import validate_request
from .core.serving import iam as serving_iam
from .core.serving import jsonata as j
from .core.serving import requests as r
from .core.serving.pipeline import PipelineOptions
from .core.serving.tags import with_applied_tags
from .core.workflow import SDK_CALL_RETRIES, FailureName, failure_assignment
from .data_capture import grant_data_capture
from .serving_container import ResolvedServing

if TYPE_CHECKING:
    from .pipeline import RLPipeline

DEPLOYMENT_FAILED = FailureName.DEPLOYMENT_FAILED
#: The state name of the model repack step.
REPACK_STATE = "Repack model"


class DeploymentStates:
    """The states after training, built once per pipeline."""

    def __init__(
        self,
        pipeline: RLPipeline,
        options: PipelineOptions,
        *,
        failed: g.Fail,
        rollback_alarms: Sequence[cloudwatch.IAlarm],
        wildcard_reasons: dict[str, str],
    ) -> None:
        assert pipeline.serving is not None
        self.p = pipeline
        self.options = options
        #: The pipeline's Fail state (``$failure``), where every failure cleanup ends.
        self.failed = failed
        #: Why each wildcard resource of the pipeline's roles is needed (the pipeline acknowledges them at the end).
        self.wildcard_reasons = wildcard_reasons
        self.serving: ResolvedServing = pipeline.serving
        self.rollback_alarms = rollback_alarms
        self.budget = options.wait_budget
        base = pipeline.run_name_prefix
        #: What the names of the runs' models and endpoint configs begin with (before ``-``).
        self.base = base
        #: JSONata of the name of this run's model and endpoint config (``$run.job`` or ``$run.name``).
        self.run_name = options.run_name
        endpoint_patterns = [options.endpoint_name] if options.endpoint_name else [f"{base}-*"]
        # Every SageMaker call is granted the same resources: the runs' models and endpoint configs and the
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
        self.failure_cleanup: g.Chainable
        self._run_tags: IResolvable | None = None

    # --- the chain ------------------------------------------------------------------------------------------
    def chain(self) -> g.Chainable:
        """Prepare, (repack,) create the model and the endpoint config, then the endpoint and the wait."""
        p = self.p
        self.failure_cleanup = failure_cleanup(self)
        prepare = g.Pass("Prepare deployment", assign=j.run_assignment(p.endpoint_name, self.options.model_name_prefix))
        create_model = self._create_model()
        create_config = self._create_config()
        wait = wait_for_endpoint(self)
        create_endpoint = self.call(
            "CreateEndpoint",
            "Create endpoint",
            r.create_endpoint_request(self.tags, self.run_name),
            assign=j.created(endpoint=True),
            catch_unmodeled=None,
        )
        create_endpoint.next(wait)
        if p.endpoint_name is None:
            create_endpoint.add_catch(
                self.failure_cleanup, assign=failure_assignment("Create endpoint", DEPLOYMENT_FAILED)
            )
            entry: g.Chainable = create_endpoint
        else:
            entry = stable_endpoint(self, create_endpoint, wait)
        if self.serving.code_in_model_archive:
            return prepare.next(self._repack()).next(create_model).next(create_config).next(entry)
        return prepare.next(create_model).next(create_config).next(entry)

    def _create_model(self) -> g.Task:
        p = self.p
        request = r.create_model_request(
            role_arn=p.model_role.role_arn,
            image=self.serving.image_uri,
            environment={**self.serving.environment, **p.model_environment},
            tags=self.tags,
            vpc_config=p.model_vpc_config,
            enable_network_isolation=self.options.enable_network_isolation,
            name=self.run_name,
        )
        extra = serving_iam.run_resource_statements(p.model_role.role_arn, self.resources)
        return self.call("CreateModel", "Create model", request, assign=j.created(model=True), extra=extra)

    def _create_config(self) -> g.Task:
        options, key = self.options, self.p.endpoint_kms_key
        request = r.endpoint_config_request(
            instance_type=options.instance_type,
            instance_count=options.initial_instance_count,
            serverless=r.serverless_config(options.serverless) if options.serverless is not None else None,
            tags=self.tags,
            kms_key_id=key.key_arn if key is not None else None,
            data_capture=self._data_capture(),
            name=self.run_name,
        )
        # SageMaker creates grants on the key with the caller's credentials when it creates the endpoint.
        extra = kms_service_grant_statements([key.key_arn], sid="EndpointKey") if key is not None else []
        return self.call(
            "CreateEndpointConfig", "Create endpoint config", request, assign=j.created(config=True), extra=extra
        )

    def _data_capture(self) -> dict[str, Any] | None:
        capture, options = self.p.data_capture, self.options.data_capture
        if capture is None or options is None:
            return None
        uri = grant_data_capture(capture, self.p.model_role, options)
        return options.config(destination_uri=uri, kms_key_id=capture.kms_key.key_arn if capture.kms_key else None)

    def _repack(self) -> g.State:
        """Repack this run's model archive with the serving code (or, without serving code, the training code,
        as the SDK's ``create_model()`` does) under ``code/`` (``repack.ModelRepack``; ``core.serving.repack``)."""
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
        serving_iam.add_reason(self.wildcard_reasons, job.output_prefix_arn, serving_iam.REPACKED_MODEL_REASON)
        self.wildcard_reasons[f"{repack.function.function_arn}:*"] = serving_iam.REPACK_INVOKE_REASON
        task = repack.task(
            "Repack",
            code_url=code.s3_uri if code else job.submit_directory,
            kms_key_id=key.key_arn if key else None,
            state_name=REPACK_STATE,
        )
        state = g.Rendered(
            REPACK_STATE,
            json=lambda state: state.splice(task.to_state_json(sfn.QueryLanguage.JSONATA)),
            kind="task",
            query_language=g.JSONATA,
            policies=task._task_policies or [],
        )
        return state.add_catch(
            self.failure_cleanup, assign=failure_assignment(REPACK_STATE, FailureName.MODEL_REPACK_FAILED)
        )

    # --- one SageMaker call ----------------------------------------------------------------------------
    def call(
        self,
        action: str,
        state_name: str,
        arguments: Mapping[str, Any],
        *,
        catch_unmodeled: FailureName | None = DEPLOYMENT_FAILED,
        outputs: str | None = None,
        assign: Mapping[str, str] | None = None,
        resources: Sequence[str] | None = None,
        extra: Sequence[Statement] = (),
    ) -> g.Task:
        """An ``aws-sdk:sagemaker`` task (as ``CallAwsService.jsonata`` renders it) with the SDK-integration
        retries. With ``catch_unmodeled`` (the default), any error left after the retries goes to the failure
        cleanup as that failure; with None, the caller adds the catches."""
        if action in r.PIPELINE_ARGUMENTS:
            validate_request(action, arguments, arguments=r.PIPELINE_ARGUMENTS[action])
        if "Tags" in arguments:  # the tags known now, validated; Tags.of(...) ones are added at synth
            arguments = {**arguments, "Tags": self.run_tags()}
        call = g.Task(
            state_name,
            resource=sdk_resource("sagemaker", action[0].lower() + action[1:]),
            arguments=arguments,
            output=outputs,
            assign=dict(assign) if assign else None,
            policies=[allow([f"sagemaker:{action}"], list(resources or self.resources)), *extra],
        )
        call.add_retries(SDK_CALL_RETRIES)
        if catch_unmodeled is not None:
            call.add_catch(self.failure_cleanup, assign=failure_assignment(state_name, catch_unmodeled))
        return call

    def goto_cleanup(self, name: str, assign: Mapping[str, str] | None = None) -> g.Pass:
        """A named step into the failure cleanup (the Choice branch before it records the failure)."""
        step = g.Pass(name, assign=assign)
        step.next(self.failure_cleanup)
        return step

    def alarm_statements(self) -> list[Statement]:
        """SageMaker reads the rollback alarms' state with the caller's permissions during the rollout."""
        return serving_iam.rollback_alarm_statements([alarm.alarm_arn for alarm in self.rollback_alarms])

    def run_tags(self) -> IResolvable:
        """The ``Tags`` of what a run creates, resolved at synth (:class:`_RunTags`): one token for every call."""
        if self._run_tags is None:
            self._run_tags = Lazy.any(_RunTags(self.p), omit_empty_array=False)
        return self._run_tags


@jsii.implements(IStableAnyProducer)
class _RunTags:
    """The ``Tags`` of the resources a run creates, resolved at synth, after the ``Tags.of(...)`` aspects ran:
    the pipeline's ``resource_tags`` and the tags applied to its state machine (``core.serving.tags``)."""

    def __init__(self, pipeline: RLPipeline) -> None:
        self.pipeline = pipeline

    def produce(self) -> Any:
        rendered = self.pipeline.state_machine_resource.tags.render_tags()
        # CfnStateMachine renders its tags as the L1 property's {"key", "value"} entries.
        applied = [
            {"Key": tag.get("key", tag.get("Key")), "Value": tag.get("value", tag.get("Value"))}
            for tag in rendered or []
        ]
        return with_applied_tags(self.pipeline.resource_tags, applied)
