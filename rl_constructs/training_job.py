"""RLTrainingJob: a Step Functions task that runs the training job ``RLEstimator.fit()`` would start.

The task is ``arn:aws:states:::sagemaker:createTrainingJob.sync`` in JSONata mode: Step Functions waits for
the job and stops it when the execution is aborted. aws-cdk-lib's ``SageMakerCreateTrainingJob`` lacks
spot training, checkpoints, retries, heterogeneous clusters and inter-container encryption, and its
internal ``_renderTask`` cannot be overridden from Python, so this is a ``CustomState`` whose request is
rendered by ``domain.training_request`` and whose IAM statements are registered with the state graph
when the task is bound to it (``_when_bound_to_graph``), exactly like a ``TaskStateBase`` does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import (
    Aws,
    Duration,
    RemovalPolicy,
    Size,
    Stack,
    Token,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ._arns import remember_stack, stack_arn, stack_environment, stack_of
from ._nag import acknowledge_wildcards
from ._policy import Statement, allow, policy_document, policy_statements, service_principal, shared_policy
from .domain import execution_input
from .domain.errors import RLConfigurationError
from .domain.hyperparameters import encode_user_hyperparameters, sdk_hyperparameters
from .domain.images import parse_ecr_uri, training_image, validate_image_uri
from .domain.instances import training_instance
from .domain.metrics import metric_definitions as choose_metric_definitions
from .domain.source_archive import SourceBundle, build_source_bundle
from .domain.toolkits import Processor, RLFramework, RLToolkit, coerce_enum
from .domain.training_request import InstanceGroupSpec, TrainingRequestSpec, render_create_training_job
from .image_uris import resolve_image

if TYPE_CHECKING:
    from .attach import AttachedTrainingJob

#: The namespace SageMaker publishes training metric definitions to (dimension ``Host``: ``<job>/algo-N``).
TRAINING_METRICS_NAMESPACE = "/aws/sagemaker/TrainingJobs"
#: SageMaker's longest MaxRuntimeInSeconds: 28 days.
MAX_RUN_SECONDS = 28 * 86_400
#: Where SageMaker writes the logs of training jobs (one stream per job and instance).
TRAINING_LOG_GROUPS = "log-group:/aws/sagemaker/TrainingJobs*"
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")
_ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,511}$")


@dataclass(frozen=True)
class InstanceGroup:
    """A group of a heterogeneous training cluster (the SDK's ``sagemaker.instance_group.InstanceGroup``)."""

    instance_group_name: str
    instance_type: str
    instance_count: int = 1


class RLTrainingJob(sfn.CustomState):
    """A chainable Step Functions task that trains an RL policy on SageMaker, as ``RLEstimator.fit()``.

    Give the training code (``entry_point``, optionally ``source_dir`` and ``dependencies``) and either
    ``toolkit`` + ``toolkit_version`` + ``framework`` (the image comes from the catalog, cpu or gpu from
    ``instance_type``) or ``image_uri``. The request matches what the SDK sends for the same arguments:
    SDK-encoded hyperparameters plus its ``sagemaker_*`` keys, the toolkit's default metric definitions,
    30 GB volume, one day maximum runtime, ``File`` input mode.

    An execution's input may set ``TrainingJobName`` (it must start with ``<base_job_name>-``) and
    ``HyperParameters`` (merged over the synthesized ones, values JSON-encoded like the SDK). The task adds
    ``TrainingJob`` (``TrainingJobName``, ``TrainingJobArn``, ``TrainingJobStatus``, ``ModelDataUrl``) to
    the state for the states that follow.

    :param entry_point: the training script; a path inside ``source_dir`` when that is given.
    :param source_dir: directory packaged as ``sourcedir.tar.gz`` with the entry point. Default: the entry point alone.
    :param dependencies: directories or files added at the archive root under their own names. Default: none.
    :param toolkit: ``RLToolkit`` (or its value). Required unless ``image_uri``.
    :param toolkit_version: e.g. ``"0.11.0"``. Required unless ``image_uri``.
    :param framework: ``RLFramework``; not used for Vowpal Wabbit. Required unless ``image_uri``.
    :param image_uri: a custom training image; toolkit/version/framework are then ignored for the image.
    :param role: the SageMaker execution role; the job's permissions are added to it. Default: a least-privilege
        role created here, which also attaches the stack's ``RLTrainingJobCommonPolicy`` (training logs,
        metrics, ECR login: one policy for every job of the stack).
    :param instance_type: training instance type, e.g. ``"ml.c5.2xlarge"``. Required unless ``instance_groups``.
    :param instance_count: instances (> 1: distributed training). Default: 1.
    :param instance_groups: a heterogeneous cluster instead of ``instance_type``/``instance_count``.
    :param hyperparameters: JSON-serializable values; encoded like the SDK. Default: none.
    :param metric_definitions: ``[{"Name": ..., "Regex": ...}]``. Default: the toolkit's SDK defaults.
    :param output_bucket: where model artifacts go. Default: an encrypted, SSL-only, private bucket created here.
    :param output_prefix: key prefix in ``output_bucket``. Default: none (``s3://<bucket>/``, as the SDK).
    :param volume_size: ML storage volume. Default: 30 GiB.
    :param max_run: maximum training time, at most 28 days. Default: 1 day.
    :param use_spot_instances: managed spot training. Default: False.
    :param max_wait: with spot, the longest wait for capacity plus training (>= ``max_run``). Required with spot.
    :param checkpoint_s3_uri: S3 URI (tokens allowed) the job syncs checkpoints to. Default: none.
    :param checkpoint_local_path: container path of the checkpoints. Default: SageMaker's ``/opt/ml/checkpoints``.
    :param max_retry_attempts: SageMaker retries of an internal failure, 1-30. Default: none.
    :param vpc: run the job in this VPC. Default: no VPC.
    :param vpc_subnets: subnets of ``vpc``. Default: the VPC's default selection (private subnets).
    :param security_groups: up to 5. Default: one created, with all outbound traffic allowed.
    :param enable_network_isolation: no network access from the containers. Default: False.
    :param encrypt_inter_container_traffic: encrypt traffic between instances. Default: False.
    :param volume_kms_key: KMS key for the ML storage volume. Default: AWS managed.
    :param output_kms_key: KMS key for the model artifacts. Default: the bucket's encryption.
    :param environment: container environment variables. Default: none.
    :param tags: tags of the training job. Default: none.
    :param inputs: input channels, name -> ``s3://`` URI or bucket. Default: none (RL jobs rarely need one).
    :param base_job_name: job-name prefix (at most 26 characters). Default: from the stack and construct names.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        entry_point: str,
        source_dir: str | None = None,
        dependencies: Sequence[str] = (),
        toolkit: RLToolkit | str | None = None,
        toolkit_version: str | None = None,
        framework: RLFramework | str | None = None,
        image_uri: str | None = None,
        role: iam.IRole | None = None,
        instance_type: str | None = None,
        instance_count: int = 1,
        instance_groups: Sequence[InstanceGroup] | None = None,
        hyperparameters: Mapping[str, Any] | None = None,
        metric_definitions: Sequence[Mapping[str, str]] | None = None,
        output_bucket: s3.IBucket | None = None,
        output_prefix: str = "",
        volume_size: Size | None = None,
        max_run: Duration | None = None,
        use_spot_instances: bool = False,
        max_wait: Duration | None = None,
        checkpoint_s3_uri: str | None = None,
        checkpoint_local_path: str | None = None,
        max_retry_attempts: int | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        enable_network_isolation: bool = False,
        encrypt_inter_container_traffic: bool = False,
        volume_kms_key: kms.IKey | None = None,
        output_kms_key: kms.IKey | None = None,
        environment: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        inputs: Mapping[str, str | s3.IBucket] | None = None,
        base_job_name: str | None = None,
    ) -> None:
        # Pure validation first: bad input fails before any construct is made.
        self.toolkit, self.toolkit_version, self.framework, self.framework_version = self._choose_toolkit(
            toolkit, toolkit_version, framework, image_uri
        )
        groups = self._instance_groups(instance_type, instance_count, instance_groups)
        processor = self._choose_processor(groups, image_uri)
        user_hyperparameters = encode_user_hyperparameters(hyperparameters)
        self.metric_definitions = choose_metric_definitions(self.toolkit, metric_definitions)
        volume_gb, max_run_s, max_wait_s = _limits(volume_size, max_run, use_spot_instances, max_wait)
        if max_retry_attempts is not None and not 1 <= max_retry_attempts <= 30:
            raise RLConfigurationError("max_retry_attempts", f"must be 1 to 30, got {max_retry_attempts}.")
        _check_environment(environment)
        _check_tags(tags)
        if inputs is not None and not 1 <= len(inputs) <= 20:
            raise RLConfigurationError("inputs", f"SageMaker takes 1 to 20 input channels, got {len(inputs)}.")
        for channel in inputs or {}:
            if not _CHANNEL_NAME.match(channel):
                raise RLConfigurationError(f"inputs[{channel!r}]", "channel names are 1-64 of [A-Za-z0-9.-_].")
        if checkpoint_local_path is not None and checkpoint_s3_uri is None:
            raise RLConfigurationError("checkpoint_local_path", "needs checkpoint_s3_uri.")
        if vpc is None and (vpc_subnets is not None or security_groups):
            raise RLConfigurationError("vpc", "vpc_subnets and security_groups need a vpc.")
        if security_groups is not None and not 1 <= len(security_groups) <= 5:
            raise RLConfigurationError("security_groups", f"SageMaker takes 1 to 5, got {len(security_groups)}.")
        subnet_ids = self._subnets(vpc, vpc_subnets)
        bundle = build_source_bundle(entry_point=entry_point, source_dir=source_dir, dependencies=dependencies)

        #: The CreateTrainingJob request, rendered once the role, asset and bucket exist (below).
        self._request: dict[str, Any] = {}
        self._catch_fields: list[tuple[list[str], str, dict[str, Any]]] = []
        stack = stack_of(scope)
        stack_env = stack_environment(stack)
        super().__init__(
            scope,
            id,
            state_json={
                "Type": "Task",
                "QueryLanguage": "JSONata",
                "Resource": f"arn:{stack_env.partition}:states:::sagemaker:createTrainingJob.sync",
                "Arguments": {},  # to_state_json puts the request here
                "Output": execution_input.jsonata(execution_input.output_expression()),
            },
        )
        remember_stack(self, stack)
        self.base_job_name = execution_input.validate_base_job_name(
            base_job_name or execution_input.default_base_job_name(stack.stack_name, id)
        )
        self.source: SourceBundle = bundle
        self.entry_point = bundle.program
        self.source_asset = s3_assets.Asset(self, "Source", path=str(bundle.archive))
        # The asset's s3_object_url and its bucket's arn_for_objects(), from two reads instead of four.
        source_bucket, source_key = self.source_asset.s3_bucket_name, self.source_asset.s3_object_key
        self.submit_directory: str = f"s3://{source_bucket}/{source_key}"
        #: The ARN of the source archive (``sourcedir.tar.gz``) in the assets bucket.
        self.source_object_arn: str = f"arn:{stack_env.partition}:s3:::{source_bucket}/{source_key}"

        if image_uri is not None:
            self.training_image_uri = image_uri if Token.is_unresolved(image_uri) else validate_image_uri(image_uri)
            ecr = None if Token.is_unresolved(image_uri) else parse_ecr_uri(image_uri)
            repository_arns = (
                [f"arn:{Aws.PARTITION}:ecr:{ecr.region}:{ecr.account}:repository/{ecr.repository}"] if ecr else []
            )
        else:
            assert self.toolkit is not None
            row = training_image(self.toolkit, self.toolkit_version, self.framework)
            resolved = resolve_image(stack, row.image, processor)
            self.training_image_uri = resolved.image_uri
            repository_arns = [resolved.repository_arn]
        self.processor = processor

        self.output_bucket = output_bucket or _private_bucket(self, "Output")
        private_bucket = output_bucket is None
        self.output_kms_key = output_kms_key
        #: The longest the job can take: max_wait with spot training, max_run otherwise (seconds).
        self.max_training_seconds = max_wait_s or max_run_s
        self.output_prefix = output_prefix
        self.s3_output_path = f"s3://{self.output_bucket.bucket_name}/{output_prefix}"
        channels = {name: _s3_uri(source) for name, source in (inputs or {}).items()}

        self.security_groups: list[ec2.ISecurityGroup] = list(security_groups or [])
        if vpc is not None and not self.security_groups:
            self.security_groups.append(
                ec2.SecurityGroup(
                    self, "SecurityGroup", vpc=vpc, description="RL training job instances", allow_all_outbound=True
                )
            )
        security_group_ids = [group.security_group_id for group in self.security_groups]
        #: The ARN of the objects under the output prefix: where the model artifacts of every job go.
        self.output_prefix_arn: str = self.output_bucket.arn_for_objects(f"{output_prefix}*")
        prefix_arns = [
            arn
            for uri in [*channels.values(), *([checkpoint_s3_uri] if checkpoint_s3_uri else [])]
            for arn in _s3_prefix_arns(uri)
            if arn.endswith("*")
        ]
        log_groups_arn = stack_arn(stack, "logs", TRAINING_LOG_GROUPS)
        statements = _execution_role_statements(
            log_groups_arn=log_groups_arn,
            source_object_arn=self.source_object_arn,
            output_prefix_arn=self.output_prefix_arn,
            checkpoint_s3_uri=checkpoint_s3_uri,
            channels=channels,
            repository_arns=repository_arns,
            in_vpc=bool(subnet_ids),
            common=role is not None,  # a role of ours attaches the stack's common policy instead
        )
        if role is None:
            # The role's own inline policy: it exists as soon as the role does (no separate Policy resource
            # to wait for), and it is one jsii call instead of one per statement.
            self.role: iam.IRole = iam.Role(
                self,
                "SageMakerRole",
                assumed_by=service_principal(stack, "sagemaker.amazonaws.com"),
                description="SageMaker execution role of an RL training job (rl-constructs): least privilege",
                managed_policies=[_common_training_policy(stack, log_groups_arn)],
                inline_policies={"RLTrainingJob": policy_document(statements)},
            )
        else:
            self.role = role
            for statement in policy_statements(statements):
                self.role.add_to_principal_policy(statement)
        # Why each wildcard of the role's own policy is needed (the common policy's are acknowledged on it).
        wildcard_reasons = {
            self.output_prefix_arn: "Model artifacts are written under the job's output prefix, one key per job name.",
            **dict.fromkeys(prefix_arns, "Checkpoints and input channels are whole prefixes the job syncs or reads."),
        }
        any_resource = [
            *([_NO_RESOURCE_TYPE_REASON] if role is not None else []),  # the common statements are in its policy
            *([_VPC_REASON] if subnet_ids else []),
        ]
        if role is not None:
            wildcard_reasons[log_groups_arn] = _LOG_GROUPS_REASON
        if any_resource:
            wildcard_reasons["*"] = " ".join(any_resource)
        _acknowledge_inherent_findings(
            self, stack, wildcard_reasons, own_role=role is None, private_bucket=private_bucket
        )
        if output_kms_key is not None:
            output_kms_key.grant_encrypt_decrypt(self.role)
        if volume_kms_key is not None:
            volume_kms_key.grant(self.role, "kms:CreateGrant")

        role_arn = self.role.role_arn
        reserved = sdk_hyperparameters(
            entry_point=self.entry_point,
            submit_directory=self.submit_directory,
            job_name="",  # set per execution by the JSONata expression
            region=stack_env.region,  # a token (``AWS::Region``) in a region-agnostic stack
            s3_output=self.s3_output_path,
        )
        reserved.pop("sagemaker_job_name")
        self.hyperparameters: dict[str, str] = user_hyperparameters
        self._request = render_create_training_job(
            TrainingRequestSpec(
                training_job_name=execution_input.jsonata(execution_input.job_name_expression(self.base_job_name)),
                training_image=self.training_image_uri,
                role_arn=role_arn,
                s3_output_path=self.s3_output_path,
                hyperparameters=execution_input.jsonata(
                    execution_input.hyperparameters_expression(user_hyperparameters, reserved, self.base_job_name)
                ),
                metric_definitions=self.metric_definitions,
                volume_size_in_gb=volume_gb,
                max_runtime_in_seconds=max_run_s,
                instance_type=groups[0].instance_type if instance_groups is None else None,
                instance_count=groups[0].instance_count if instance_groups is None else None,
                instance_groups=groups if instance_groups is not None else (),
                max_wait_time_in_seconds=max_wait_s,
                use_spot_instances=use_spot_instances,
                checkpoint_s3_uri=checkpoint_s3_uri,
                checkpoint_local_path=checkpoint_local_path,
                max_retry_attempts=max_retry_attempts,
                subnet_ids=subnet_ids,
                security_group_ids=security_group_ids,
                enable_network_isolation=enable_network_isolation,
                encrypt_inter_container_traffic=encrypt_inter_container_traffic,
                volume_kms_key_id=volume_kms_key.key_arn if volume_kms_key else None,
                output_kms_key_id=output_kms_key.key_arn if output_kms_key else None,
                environment=dict(environment or {}),
                tags=dict(tags or {}),
                channels=channels,
            )
        )
        self._task_policies = policy_statements(
            _state_machine_statements(stack, self.base_job_name, role_arn, tagged=bool(tags))
        )

    # --- the state graph asks for IAM when the task joins a state machine -------------------------------
    def _when_bound_to_graph(self, graph: sfn.StateGraph) -> None:
        super()._when_bound_to_graph(graph)
        for statement in self._task_policies:
            graph.register_policy_statement(statement)

    @property
    def task_policies(self) -> list[iam.PolicyStatement]:
        """What the state machine role may do for this task: this job family only, and pass this role."""
        return list(self._task_policies)

    # --- CustomState renders Catch without Output/Assign (aws-cdk-lib 2.275); keep them and put them back -----
    def add_catch(
        self,
        handler: sfn.IChainable,
        *,
        assign: Mapping[str, Any] | None = None,
        errors: Sequence[str] | None = None,
        outputs: Any = None,
        result_path: str | None = None,
    ) -> RLTrainingJob:
        """Catch ``errors`` (default: all) into ``handler``, with JSONata ``outputs``/``assign`` kept."""
        super().add_catch(handler, assign=assign, errors=errors, result_path=result_path)
        extra = {key: value for key, value in (("Output", outputs), ("Assign", assign)) if value is not None}
        # A state is its own start state: one read instead of two.
        target = handler if isinstance(handler, sfn.State) else handler.start_state
        self._catch_fields.append((list(errors or ["States.ALL"]), target.state_id, extra))
        return self

    def to_state_json(self, query_language: sfn.QueryLanguage | None = None) -> Mapping[Any, Any]:
        state = dict(super().to_state_json(query_language))
        # The request needs the role, asset and bucket, made after the state itself: it is put here. (A Lazy
        # in state_json would not survive the trip of the state through Python.)
        state["Arguments"] = self._request
        catches = [dict(catch) for catch in state.get("Catch", [])]
        for catch in catches:
            for errors, next_state, extra in self._catch_fields:
                if catch.get("ErrorEquals") == errors and catch.get("Next") == next_state:
                    catch.update(extra)
        if catches:
            state["Catch"] = catches
        return state

    @staticmethod
    def attach(
        scope: Construct,
        id: str,
        *,
        training_job_name: str,
        query_interval: Duration | None = None,
        total_timeout: Duration | None = None,
    ) -> AttachedTrainingJob:
        """Attach to an existing training job at deploy time, like ``RLEstimator.attach(job_name)``.

        Returns an :class:`~rl_constructs.attach.AttachedTrainingJob`: its attributes (model data, image,
        toolkit read back from the image...) resolve when the stack deploys, and ``deploy()`` serves the
        job's model. See that class for the parameters.
        """
        from .attach import AttachedTrainingJob

        return AttachedTrainingJob(
            scope, id, training_job_name=training_job_name, query_interval=query_interval, total_timeout=total_timeout
        )

    def metric(
        self, metric_name: str, *, statistic: str = "Average", period: Duration | None = None
    ) -> cloudwatch.MathExpression:
        """A CloudWatch metric of one of the job's metric definitions (e.g. ``"reward-training"``), over
        every job of this family: a ``SEARCH`` on the ``Host`` dimension, which starts with the job name."""
        names = [d["Name"] for d in self.metric_definitions]
        if metric_name not in names:
            raise RLConfigurationError(
                "metric_name", f"{metric_name!r} is not a metric definition of this job.", allowed=names
            )
        seconds = int((period or Duration.minutes(5)).to_seconds())
        search = (
            f'SEARCH(\'{{{TRAINING_METRICS_NAMESPACE},Host}} MetricName="{metric_name}" '
            f"Host=\"{self.base_job_name}-\"', '{statistic}', {seconds})"
        )
        return cloudwatch.MathExpression(
            expression=search, period=Duration.seconds(seconds), label=f"{self.base_job_name} {metric_name}"
        )

    # --- validation helpers ------------------------------------------------------------------------------
    @staticmethod
    def _choose_toolkit(
        toolkit: RLToolkit | str | None,
        toolkit_version: str | None,
        framework: RLFramework | str | None,
        image_uri: str | None,
    ) -> tuple[RLToolkit | None, str | None, RLFramework | None, str | None]:
        if image_uri is None:
            row = training_image(toolkit, toolkit_version, framework)
            return row.toolkit, row.toolkit_version, row.framework, row.framework_version
        # With image_uri the toolkit only picks metric defaults and serving rules, as in the SDK.
        coerced_toolkit = coerce_enum(RLToolkit, toolkit, "toolkit") if toolkit is not None else None
        coerced_framework = coerce_enum(RLFramework, framework, "framework") if framework is not None else None
        framework_version = None
        if coerced_toolkit is not None and toolkit_version is not None and coerced_framework is not None:
            framework_version = training_image(coerced_toolkit, toolkit_version, coerced_framework).framework_version
        return coerced_toolkit, toolkit_version, coerced_framework, framework_version

    @staticmethod
    def _instance_groups(
        instance_type: str | None, instance_count: int, instance_groups: Sequence[InstanceGroup] | None
    ) -> list[InstanceGroupSpec]:
        if instance_groups is not None:
            if instance_type is not None:
                raise RLConfigurationError("instance_groups", "give either instance_type or instance_groups, not both.")
            if not 1 <= len(instance_groups) <= 5:
                raise RLConfigurationError(
                    "instance_groups", f"SageMaker takes 1 to 5 groups, got {len(instance_groups)}."
                )
            names = [g.instance_group_name for g in instance_groups]
            if len(set(names)) != len(names):
                raise RLConfigurationError("instance_groups", f"group names must be unique: {names}.")
            specs = []
            for index, group in enumerate(instance_groups):
                if not re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}", group.instance_group_name):
                    raise RLConfigurationError(
                        f"instance_groups[{index}].instance_group_name", "1-64 letters, digits and hyphens."
                    )
                training_instance(group.instance_type, f"instance_groups[{index}].instance_type")
                if group.instance_count < 1:
                    raise RLConfigurationError(f"instance_groups[{index}].instance_count", "must be at least 1.")
                specs.append(InstanceGroupSpec(group.instance_group_name, group.instance_type, group.instance_count))
            return specs
        if instance_type is None:
            raise RLConfigurationError("instance_type", "required (or instance_groups for a heterogeneous cluster).")
        training_instance(instance_type, "instance_type")
        if not isinstance(instance_count, int) or instance_count < 1:
            raise RLConfigurationError("instance_count", f"must be an integer of at least 1, got {instance_count!r}.")
        return [InstanceGroupSpec("", instance_type, instance_count)]

    def _choose_processor(self, groups: list[InstanceGroupSpec], image_uri: str | None) -> Processor:
        processors = {training_instance(g.instance_type).processor for g in groups}
        if len(processors) > 1 and image_uri is None:
            raise RLConfigurationError(
                "instance_groups",
                "mixes cpu and gpu instance types, but a job has one training image; pass image_uri for a "
                "mixed cluster.",
            )
        processor = processors.pop()
        if image_uri is None and self.toolkit is not None:
            # The image must have this processor's variant (Vowpal Wabbit is cpu only): fail at synth.
            training_image(self.toolkit, self.toolkit_version, self.framework).image.tag(processor)
        return processor

    @staticmethod
    def _subnets(vpc: ec2.IVpc | None, vpc_subnets: ec2.SubnetSelection | None) -> list[str]:
        if vpc is None:
            return []
        try:
            subnet_ids = list(vpc.select_subnets(**_selection_kwargs(vpc_subnets)).subnet_ids)
        except RuntimeError as error:  # the VPC construct's own message, e.g. no subnet of that type
            raise RLConfigurationError("vpc_subnets", f"the selection has no subnets: {error}") from None
        if not subnet_ids:
            raise RLConfigurationError("vpc_subnets", "the selection has no subnets: a VPC job needs 1 to 16.")
        if len(subnet_ids) > 16:
            raise RLConfigurationError("vpc_subnets", f"SageMaker takes at most 16 subnets, got {len(subnet_ids)}.")
        return subnet_ids


def _selection_kwargs(selection: ec2.SubnetSelection | None) -> dict[str, Any]:
    if selection is None:
        return {}
    return {
        key: getattr(selection, key)
        for key in ("availability_zones", "one_per_az", "subnet_filters", "subnet_group_name", "subnets", "subnet_type")
        if getattr(selection, key) is not None
    }


def _limits(
    volume_size: Size | None, max_run: Duration | None, use_spot: bool, max_wait: Duration | None
) -> tuple[int, int, int | None]:
    volume_gb = 30 if volume_size is None else int(volume_size.to_gibibytes())  # the SDK's default
    if volume_gb < 1:
        raise RLConfigurationError("volume_size", "must be at least 1 GiB.")
    max_run_s = 86_400 if max_run is None else int(max_run.to_seconds())  # the SDK's default, one day
    if not 1 <= max_run_s <= MAX_RUN_SECONDS:
        raise RLConfigurationError("max_run", f"must be between 1 second and 28 days, got {max_run_s} s.")
    if not use_spot:
        if max_wait is not None:
            raise RLConfigurationError("max_wait", "only applies with use_spot_instances=True.")
        return volume_gb, max_run_s, None
    if max_wait is None:
        raise RLConfigurationError("max_wait", "managed spot training (use_spot_instances) needs max_wait.")
    max_wait_s = int(max_wait.to_seconds())
    if max_wait_s < max_run_s:
        raise RLConfigurationError(
            "max_wait", f"must be at least max_run ({max_run_s} s) for spot training, got {max_wait_s} s."
        )
    return volume_gb, max_run_s, max_wait_s


def _check_environment(environment: Mapping[str, str] | None) -> None:
    if environment is None:
        return
    if len(environment) > 100:
        raise RLConfigurationError("environment", f"SageMaker takes at most 100 variables, got {len(environment)}.")
    for key, value in environment.items():
        if not _ENV_KEY.match(key):
            raise RLConfigurationError(f"environment[{key!r}]", "names are [a-zA-Z_][a-zA-Z0-9_]*, at most 512.")
        if not isinstance(value, str) or len(value) > 512:
            raise RLConfigurationError(f"environment[{key!r}]", "values are strings of at most 512 characters.")


def _check_tags(tags: Mapping[str, str] | None) -> None:
    if tags is None:
        return
    if len(tags) > 50:
        raise RLConfigurationError("tags", f"SageMaker takes at most 50 tags, got {len(tags)}.")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or not isinstance(value, str) or len(value) > 256:
            raise RLConfigurationError(f"tags[{key!r}]", "keys are 1-128 characters, values at most 256.")


def _s3_uri(source: str | s3.IBucket) -> str:
    if isinstance(source, str):
        if not source.startswith("s3://"):
            raise RLConfigurationError("inputs", f"{source!r} is not an s3:// URI.")
        return source
    return f"s3://{source.bucket_name}/"


def _s3_prefix_arns(uri: str) -> tuple[str, str]:
    """(bucket ARN, objects-under-prefix ARN) of an ``s3://bucket/prefix`` URI; tokens pass through."""
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    return f"arn:{Aws.PARTITION}:s3:::{bucket}", f"arn:{Aws.PARTITION}:s3:::{bucket}/{prefix}*"


_LOG_GROUPS_REASON = "SageMaker names the job's log streams per job and instance under /aws/sagemaker/TrainingJobs."
_NO_RESOURCE_TYPE_REASON = (
    "ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource type; PutMetricData is limited to "
    "the SageMaker namespaces by condition."
)
_VPC_REASON = "The network interfaces SageMaker manages in the VPC are not resource-scoped."


def _acknowledge_inherent_findings(
    job: RLTrainingJob, stack: Stack, wildcards: Mapping[str, str], *, own_role: bool, private_bucket: bool
) -> None:
    """Acknowledge, each with its reason, the findings that least privilege cannot remove: ``wildcards``
    maps a wildcard resource of the role's policy to the reason it is needed. With the job's own role and
    bucket, one acknowledgment on the job covers both (each call is a jsii round trip)."""
    bucket_findings = {"AwsSolutions::AwsSolutions-S1": _NO_ACCESS_LOGS} if private_bucket else {}
    if own_role:
        acknowledge_wildcards(job, wildcards, stack=stack, others=bucket_findings)
    else:
        acknowledge_wildcards(job.role, wildcards, stack=stack)
        acknowledge_wildcards(job, {}, stack=stack, others=bucket_findings)
    acknowledge_wildcards(
        stack,
        dict.fromkeys(
            _job_family_arns(stack, job.base_job_name),
            "The state machine creates one training job per execution, named per execution within this job "
            "family; the policy is scoped to the family prefix.",
        ),
    )


def _job_family_arns(stack: Stack, base_job_name: str) -> list[str]:
    """ARN patterns of every job of the family. SageMaker has returned resource names lower-cased in ARNs
    (``RL-Train-1`` as ``...:training-job/rl-train-1``) and IAM compares ARNs case-sensitively, so both
    spellings are allowed when they differ."""
    names = dict.fromkeys([f"{base_job_name}-*", f"{base_job_name.lower()}-*"])
    return [stack_arn(stack, "sagemaker", f"training-job/{name}") for name in names]


@functools.cache
def _block_all() -> s3.BlockPublicAccess:
    return s3.BlockPublicAccess.BLOCK_ALL  # a static read of the jsii runtime: once per process


def _private_bucket(scope: Construct, id: str) -> s3.Bucket:
    bucket = s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=_block_all(),
        versioned=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    return bucket  # its AwsSolutions-S1 finding is acknowledged with the job's (_acknowledge_inherent_findings)


_NO_ACCESS_LOGS = (
    "Model artifacts bucket written only by SageMaker with this job's role; object-level access is audited "
    "with CloudTrail data events rather than a second server-access-log bucket."
)


def _execution_role_statements(
    *,
    log_groups_arn: str,
    source_object_arn: str,
    output_prefix_arn: str,
    checkpoint_s3_uri: str | None,
    channels: Mapping[str, str],
    repository_arns: Sequence[str],
    in_vpc: bool,
    common: bool,
) -> list[Statement]:
    """The SageMaker execution role: read the code asset and inputs, write output and checkpoints, pull
    the image, (manage ENIs in a VPC), and, with ``common``, write logs and metrics. Nothing else."""
    statements = [
        allow(["s3:GetObject"], [source_object_arn], sid="ReadTrainingCode"),
        allow(["s3:PutObject", "s3:AbortMultipartUpload"], [output_prefix_arn], sid="WriteModelArtifacts"),
        *(_common_training_statements(log_groups_arn) if common else []),
    ]
    if repository_arns:
        statements.append(
            allow(
                ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                repository_arns,
                sid="PullTrainingImage",
            )
        )
    if channels:
        buckets, prefixes = zip(*(_s3_prefix_arns(uri) for uri in channels.values()), strict=True)
        statements.append(allow(["s3:GetObject"], prefixes, sid="ReadInputChannels"))
        statements.append(allow(["s3:ListBucket"], sorted(set(buckets)), sid="ListInputChannels"))
    if checkpoint_s3_uri is not None:
        if not checkpoint_s3_uri.startswith("s3://"):
            raise RLConfigurationError("checkpoint_s3_uri", f"{checkpoint_s3_uri!r} is not an s3:// URI.")
        bucket_arn, prefix_arn = _s3_prefix_arns(checkpoint_s3_uri)
        statements.append(
            allow(
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                [prefix_arn],
                sid="SyncCheckpoints",
            )
        )
        statements.append(allow(["s3:ListBucket"], [bucket_arn], sid="ListCheckpoints"))
    if in_vpc:
        statements.append(
            allow(
                [
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                ],
                ["*"],  # ENI actions SageMaker performs are not resource-scoped
                sid="TrainInVpc",
            )
        )
    return statements


def _common_training_statements(log_groups_arn: str) -> list[Statement]:
    """What every training job's role needs, whatever the job: write the SageMaker training logs and
    metrics, and log in to ECR (its image pull is granted per repository)."""
    return [
        allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [log_groups_arn],
            sid="WriteTrainingLogs",
        ),
        allow(
            ["cloudwatch:PutMetricData"],
            ["*"],  # PutMetricData has no resource type; the namespace condition scopes it
            sid="PublishTrainingMetrics",
            conditions={"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}},
        ),
        allow(["ecr:GetAuthorizationToken"], ["*"], sid="AuthenticateToEcr"),  # it has no resource type
    ]


def _common_training_policy(stack: Stack, log_groups_arn: str) -> iam.ManagedPolicy:
    """The stack's one policy of :func:`_common_training_statements`, attached to every job role made here."""
    return shared_policy(
        stack,
        "RLTrainingJobCommonPolicy",
        description="What every RL training job's SageMaker role needs: training logs, metrics, ECR login "
        "(rl-constructs)",
        statements=_common_training_statements(log_groups_arn),
        wildcard_reasons={"*": _NO_RESOURCE_TYPE_REASON, log_groups_arn: _LOG_GROUPS_REASON},
    )


def _state_machine_statements(stack: Stack, base_job_name: str, role_arn: str, *, tagged: bool) -> list[Statement]:
    """The state machine role: create/describe/stop this job family and read (and set) its tags, pass the
    SageMaker role to SageMaker only, and the managed EventBridge rule that ``.sync`` uses."""
    job_actions = ["CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob", "ListTags"]
    return [
        allow(
            [f"sagemaker:{action}" for action in [*job_actions, *(["AddTags"] if tagged else [])]],
            _job_family_arns(stack, base_job_name),
        ),
        allow(
            ["iam:PassRole"],
            [role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
        allow(
            ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            [stack_arn(stack, "events", "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule")],
        ),
    ]
