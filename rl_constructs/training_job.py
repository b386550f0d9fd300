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
from typing import TYPE_CHECKING, Any, cast

from aws_cdk import (
    Annotations,
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
from constructs import Construct

from ._arguments import whole_gibibytes, whole_seconds
from ._arns import family_arns, has_token, remember_stack, stack_arn, stack_environment, stack_of
from ._jsonata_task import JsonataTask
from ._metrics import TRAINING_METRICS_NAMESPACE, family_search
from ._nag import acknowledge_wildcards
from ._policy import (
    Statement,
    allow,
    image_repository_arns,
    kms_data_statement,
    kms_service_grant_statements,
    policy_document,
    policy_statements,
    service_principal,
    shared_policy,
    sync_job_statements,
)
from .core import execution_input
from .core.arguments import check_bool, check_int, check_mapping, check_sequence, check_str, type_error
from .core.errors import RLConfigurationError
from .core.images import training_image, validate_image_uri
from .core.instances import training_instance
from .core.request_validation import is_deploy_time, validate_request
from .core.source_archive import SourceBundle, build_source_bundle, is_s3_source, s3_source_program
from .core.toolkits import Processor, RLFramework, RLToolkit, coerce_enum
from .core.training.hyperparameters import encode_user_hyperparameters, sdk_hyperparameters
from .core.training.metrics import metric_definitions as choose_metric_definitions
from .core.training.request import (
    CODE_CHANNEL,
    CODE_CHANNEL_ARCHIVE,
    DEBUGGER_UNSUPPORTED_REGIONS,
    InstanceGroupSpec,
    TrainingInput,
    TrainingRequestSpec,
    debugger_supported,
    is_run_time,
    profiler_supported,
    render_create_training_job,
    training_input,
)
from .core.training.run_overrides import OverrideBounds
from .image_uris import require_debugger_region, resolve_image
from .run_overrides import RunOverrides, apply_run_overrides

if TYPE_CHECKING:
    from .attach import AttachedTrainingJob

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


class RLTrainingJob(JsonataTask):
    """A chainable Step Functions task that trains an RL policy on SageMaker, as ``RLEstimator.fit()``.

    Give the training code (``entry_point``, optionally ``source_dir`` and ``dependencies``) and either
    ``toolkit`` + ``toolkit_version`` + ``framework`` (the image comes from the catalog, cpu or gpu from
    ``instance_type``) or ``image_uri``. The request matches what the SDK sends for the same arguments:
    SDK-encoded hyperparameters plus its ``sagemaker_*`` keys, the toolkit's default metric definitions,
    30 GB volume, one day maximum runtime, ``File`` input mode, the Debugger hook and profiler defaults
    (``tests/fixtures/sdk/`` holds the SDK's own requests, which the tests compare key by key).

    An execution's input may set ``TrainingJobName`` (it must start with ``<base_job_name>-``) and
    ``HyperParameters`` (string values, JSON-encoded like the SDK by the client: ``rl-constructs train`` or
    ``rl_constructs.runtime.execution_input``; merged over the synthesized ones). The task adds
    ``TrainingJob`` (``TrainingJobName``, ``TrainingJobArn``, ``TrainingJobStatus``, ``ModelDataUrl``) to
    the state for the states that follow.

    :param entry_point: the training script; a path inside ``source_dir`` when that is given.
    :param source_dir: directory packaged as ``sourcedir.tar.gz`` with the entry point, or the ``s3://`` URI of
        a ``.tar.gz`` already uploaded (used as it is, like the SDK). Default: the entry point alone.
    :param dependencies: directories or files added to the archive as the SDK adds them, under
        ``os.path.basename(path)``: ``"lib/common"`` as ``common/``, ``"lib/common/"`` (trailing slash) with
        the folder's contents at the root. Default: none.
    :param toolkit: ``RLToolkit`` (or its value). Required unless ``image_uri``.
    :param toolkit_version: e.g. ``"0.11.0"``. Required unless ``image_uri``.
    :param framework: ``RLFramework``; not used for Vowpal Wabbit. Required unless ``image_uri``.
    :param image_uri: a custom training image. As in the SDK, toolkit/version/framework are then ignored (a
        warning says so when given): no default metric definitions, and ``RLPipeline`` serves this image.
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
    :param removal_policy: what ``cdk destroy`` does with the output bucket created here: ``RETAIN`` keeps it
        and the model artifacts; ``DESTROY`` empties and deletes it (the CDK's auto-delete custom resource).
        Not with ``output_bucket`` (a bucket you pass keeps its own policy). Default: ``RETAIN``.
    :param run_overrides: what an execution may change with its input's ``Overrides`` (instance type and
        count, ``MaxRuntimeInSeconds``, spot on/off with ``MaxWaitTimeInSeconds``), within these bounds; the
        state machine checks them with the synth rules and fails the run naming the field. Default: none.
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
    :param subnets: subnet ids, the SDK's way (1-16), with ``security_group_ids``; instead of ``vpc``.
    :param security_group_ids: security group ids (1-5), with ``subnets``.
    :param enable_network_isolation: no network access from the containers. Default: False.
    :param encrypt_inter_container_traffic: encrypt traffic between instances. Default: False.
    :param volume_kms_key: KMS key for the ML storage volume; the role may create grants on it for AWS
        resources only (``kms:GrantIsForAWSResource``). Default: AWS managed.
    :param output_kms_key: KMS key for the model artifacts. Default: the bucket's encryption. Either way the
        role may write with the artifacts' key (``model_data_kms_key``: this key, else the bucket's KMS key).
    :param environment: container environment variables. Default: none.
    :param tags: tags of the training job. Default: none.
    :param inputs: input channels, name -> ``s3://`` URI, bucket, ``TrainingInput`` (content type, input mode,
        distribution, manifest data types, compression, record wrapping, shuffle, attribute names) or a mapping
        of TrainingInput's arguments; a run-time URI, e.g. ``other_job.model_data_input()``, for a job chained
        after another. Default: none (RL jobs rarely need one).
    :param base_job_name: job-name prefix; longer than 39 characters it is trimmed like the SDK's
        ``name_from_base``. Default: from the stack and construct names (distinct per job, at most 39).
    :param debugger_hook_config: send the SDK's default ``DebugHookConfig`` (output path, no collections);
        False, as in the SDK, sends none. Default: True, except in the regions where the SDK sends none.
    :param disable_profiler: send ``ProfilerConfig {DisableProfiler: true}`` instead of the SDK's default
        (profiler on, output path). Default: False; the profiler is off in the Debugger-less regions and on
        Trainium, as in the SDK. In a region-agnostic stack, a CloudFormation rule stops deployments to the
        Debugger-less regions unless both are opted out.
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
        subnets: Sequence[str] | None = None,
        security_group_ids: Sequence[str] | None = None,
        enable_network_isolation: bool = False,
        encrypt_inter_container_traffic: bool = False,
        volume_kms_key: kms.IKey | None = None,
        output_kms_key: kms.IKey | None = None,
        environment: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        inputs: Mapping[str, str | s3.IBucket | TrainingInput | Mapping[str, Any]] | None = None,
        base_job_name: str | None = None,
        debugger_hook_config: bool = True,
        disable_profiler: bool = False,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        run_overrides: RunOverrides | None = None,
    ) -> None:
        if not isinstance(removal_policy, RemovalPolicy):
            raise type_error("removal_policy", "RemovalPolicy", removal_policy)
        if output_bucket is not None and removal_policy is not RemovalPolicy.RETAIN:
            raise RLConfigurationError(
                "removal_policy", "applies to the output bucket created here; set it on the output_bucket you pass."
            )
        # Pure validation first: bad input fails before any construct is made.
        _check_types(
            instance_count=instance_count,
            hyperparameters=hyperparameters,
            metric_definitions=metric_definitions,
            max_retry_attempts=max_retry_attempts,
            flags={
                "use_spot_instances": use_spot_instances,
                "enable_network_isolation": enable_network_isolation,
                "encrypt_inter_container_traffic": encrypt_inter_container_traffic,
                "debugger_hook_config": debugger_hook_config,
                "disable_profiler": disable_profiler,
            },
            strings={
                "entry_point": entry_point,
                "output_prefix": output_prefix,
                "checkpoint_s3_uri": checkpoint_s3_uri,
                "checkpoint_local_path": checkpoint_local_path,
            },
            environment=environment,
            tags=tags,
            inputs=inputs,
            dependencies=dependencies,
        )
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
        if enable_network_isolation and CODE_CHANNEL in (inputs or {}):
            raise RLConfigurationError(
                f"inputs[{CODE_CHANNEL!r}]", "with enable_network_isolation the SDK's code channel has this name."
            )
        channels = {name: _channel(source, f"inputs[{name!r}]") for name, source in (inputs or {}).items()}
        if checkpoint_local_path is not None and checkpoint_s3_uri is None:
            raise RLConfigurationError("checkpoint_local_path", "needs checkpoint_s3_uri.")
        if vpc is None and (vpc_subnets is not None or security_groups):
            raise RLConfigurationError("vpc", "vpc_subnets and security_groups need a vpc.")
        if security_groups is not None and not 1 <= len(security_groups) <= 5:
            raise RLConfigurationError("security_groups", f"SageMaker takes 1 to 5, got {len(security_groups)}.")
        subnet_ids = self._subnets(vpc, vpc_subnets)
        vpc_ids = _vpc_ids(subnets, security_group_ids, vpc)
        if vpc_ids is not None:
            subnet_ids = vpc_ids[0]
        s3_source = is_s3_source(source_dir)
        bundle = (
            None
            if s3_source
            else build_source_bundle(entry_point=entry_point, source_dir=source_dir, dependencies=dependencies)
        )

        #: The CreateTrainingJob request, rendered once the role, asset and bucket exist (below).
        self._request: dict[str, Any] = {}
        stack = stack_of(scope)
        stack_env = stack_environment(stack)
        super().__init__(
            scope,
            id,
            resource=f"arn:{stack_env.partition}:states:::sagemaker:createTrainingJob.sync",
            output=execution_input.jsonata(execution_input.output_expression()),
        )
        remember_stack(self, stack)
        if image_uri is not None and (toolkit, toolkit_version, framework) != (None, None, None):
            Annotations.of(self).add_warning_v2(
                "rl-constructs:image-uri-ignores-toolkit",
                "image_uri is given: toolkit, toolkit_version and framework are ignored, as by RLEstimator (no "
                "default metric definitions; the image itself serves the model).",
            )
        self.base_job_name = execution_input.validate_base_job_name(
            base_job_name or execution_input.default_base_job_name(stack.stack_name, id)
        )
        #: The packaged code (None when ``source_dir`` is code already in S3).
        self.source: SourceBundle | None = bundle
        #: The ``sourcedir.tar.gz`` asset (None when ``source_dir`` is code already in S3).
        self.source_asset: s3_assets.Asset | None = None
        if bundle is None:
            assert source_dir is not None
            self.entry_point = s3_source_program(entry_point, source_dir, dependencies)
            source_bucket, _, source_key = source_dir[len("s3://") :].partition("/")
        else:
            self.entry_point = bundle.program
            self.source_asset = s3_assets.Asset(self, "Source", path=str(bundle.archive))
            # The asset's s3_object_url and its bucket's arn_for_objects(), from two reads instead of four.
            source_bucket, source_key = self.source_asset.s3_bucket_name, self.source_asset.s3_object_key
        #: ``s3://`` URI of the source archive (``sagemaker_submit_directory``, unless network-isolated).
        self.submit_directory: str = f"s3://{source_bucket}/{source_key}"
        #: The ARN of the source archive (``sourcedir.tar.gz``) in the assets bucket.
        self.source_object_arn: str = f"arn:{stack_env.partition}:s3:::{source_bucket}/{source_key}"

        if image_uri is not None:
            self.training_image_uri = image_uri if Token.is_unresolved(image_uri) else validate_image_uri(image_uri)
            # Exactly its repository: parsed from the URI, rebuilt from a token's parts, or any ("*") when
            # the image is only known at deploy time.
            repository_arns = list(image_repository_arns(stack, image_uri))
        else:
            assert self.toolkit is not None
            row = training_image(self.toolkit, self.toolkit_version, self.framework)
            image_regions: Sequence[str] = row.image.regions
            resolved = resolve_image(stack, row.image, processor)
            self.training_image_uri = resolved.image_uri
            repository_arns = [resolved.repository_arn]
        self.processor = processor

        self.output_bucket = output_bucket or _private_bucket(self, "Output", removal_policy)
        private_bucket = output_bucket is None
        self.output_kms_key = output_kms_key
        #: The longest the job can take: max_wait with spot training, max_run otherwise (seconds).
        self.max_training_seconds = max_wait_s or max_run_s
        self.output_prefix = output_prefix
        self.s3_output_path = f"s3://{self.output_bucket.bucket_name}/{output_prefix}"
        if enable_network_isolation:  # the SDK passes the code as a channel: the container cannot reach S3
            channels[CODE_CHANNEL] = TrainingInput(s3_data=self.submit_directory)
        # What the role may read: each channel's URI, or for a run-time one the prefix it lies under.
        channel_uris = {
            name: channel.s3_data_scope or channel.s3_data for name, channel in channels.items() if name != CODE_CHANNEL
        }

        self.security_groups: list[ec2.ISecurityGroup] = list(security_groups or [])
        if vpc is not None and not self.security_groups:
            self.security_groups.append(
                ec2.SecurityGroup(
                    self, "SecurityGroup", vpc=vpc, description="RL training job instances", allow_all_outbound=True
                )
            )
        security_group_ids = (
            vpc_ids[1] if vpc_ids is not None else [group.security_group_id for group in self.security_groups]
        )
        if vpc_ids is not None:  # the SDK's way (ids): the same groups, for connections
            self.security_groups = [
                ec2.SecurityGroup.from_security_group_id(self, f"SecurityGroup{index}", group_id)
                for index, group_id in enumerate(vpc_ids[1])
            ]
        #: Security-group rules of the job's instances, an ``ec2.IConnectable``: ``job.connections.allow_to(
        #: database, ec2.Port.tcp(5432))``, ``database.connections.allow_default_port_from(job.connections)``
        #: (the job itself is a state, not a connectable). No groups without a VPC.
        self.connections = ec2.Connections(security_groups=self.security_groups)
        #: The job's ``VpcConfig`` (``{"SecurityGroupIds": [...], "Subnets": [...]}``), None outside a VPC: what
        #: ``create_model()`` reuses for the model, and so does ``RLPipeline``'s deployment.
        self.vpc_config: dict[str, list[str]] | None = (
            {"SecurityGroupIds": list(security_group_ids), "Subnets": list(subnet_ids)} if subnet_ids else None
        )
        #: The ARN of the objects under the output prefix: where the model artifacts of every job go.
        self.output_prefix_arn: str = self.output_bucket.arn_for_objects(f"{output_prefix}*")
        prefix_arns = [
            arn
            for uri in [*channel_uris.values(), *([checkpoint_s3_uri] if checkpoint_s3_uri else [])]
            for arn in _s3_prefix_arns(uri)
            if arn.endswith("*")
        ]
        log_groups_arn = stack_arn(stack, "logs", TRAINING_LOG_GROUPS)
        statements = _execution_role_statements(
            log_groups_arn=log_groups_arn,
            source_object_arn=self.source_object_arn,
            output_prefix_arn=self.output_prefix_arn,
            checkpoint_s3_uri=checkpoint_s3_uri,
            channels=channel_uris,
            repository_arns=repository_arns,
            in_vpc=bool(subnet_ids),
            common=role is not None,  # a role of ours attaches the stack's common policy instead
        )
        #: The KMS key the model artifacts are encrypted with: ``output_kms_key``, else the default key of a
        #: KMS-encrypted ``output_bucket`` (None: S3-managed). Whoever reads the model data needs to decrypt it.
        self.model_data_kms_key: kms.IKey | None = output_kms_key or (
            None if private_bucket else self.output_bucket.encryption_key
        )
        statements.extend(
            _kms_statements(
                volume_key=volume_kms_key,
                artifacts_key=self.model_data_kms_key,
                input_key_arns=[
                    *(key.key_arn for source in (inputs or {}).values() if (key := _bucket_key(source)) is not None),
                    *(c.s3_data_kms_key_arn for c in channels.values() if c.s3_data_kms_key_arn is not None),
                ],
            )
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
            *([_TOKEN_IMAGE_REASON] if "*" in repository_arns else []),
        ]
        if role is not None:
            wildcard_reasons[log_groups_arn] = _LOG_GROUPS_REASON
        if any_resource:
            wildcard_reasons["*"] = " ".join(any_resource)
        _acknowledge_inherent_findings(
            self, stack, wildcard_reasons, own_role=role is None, private_bucket=private_bucket
        )

        role_arn = self.role.role_arn
        reserved = sdk_hyperparameters(
            entry_point=self.entry_point,
            # Network-isolated, the code arrives as the "code" channel (the SDK's way): its path in the container.
            submit_directory=CODE_CHANNEL_ARCHIVE if enable_network_isolation else self.submit_directory,
            job_name="",  # set per execution by the JSONata expression
            region=stack_env.region,  # a token (``AWS::Region``) in a region-agnostic stack
            s3_output=self.s3_output_path,
        )
        reserved.pop("sagemaker_job_name")
        #: The ``sagemaker_*`` hyperparameters the SDK adds, encoded, except ``sagemaker_job_name`` (set per job).
        self.reserved_hyperparameters: dict[str, str] = dict(reserved)
        self.hyperparameters: dict[str, str] = user_hyperparameters
        debug_hook, profiler = self._debugger_and_profiler(
            stack,
            debugger_hook_config,
            disable_profiler,
            instance_types=[g.instance_type for g in groups],
            image_regions=None if image_uri is not None else image_regions,
        )
        self._request = render_create_training_job(
            TrainingRequestSpec(
                training_job_name=execution_input.jsonata(execution_input.job_name_expression(self.base_job_name)),
                training_image=self.training_image_uri,
                role_arn=role_arn,
                s3_output_path=self.s3_output_path,
                hyperparameters=execution_input.jsonata(
                    execution_input.hyperparameters_expression(
                        user_hyperparameters,
                        reserved,
                        self.base_job_name,
                        synthesized_object=_readable_object(
                            execution_input.hyperparameter_members(user_hyperparameters)
                        ),
                    )
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
                debug_hook_config=debug_hook,
                profiler=profiler,
            )
        )
        #: The bounds an execution's ``Overrides`` are checked against (None: the job takes none).
        self.run_overrides: OverrideBounds | None = None
        if run_overrides is not None:
            self._request, self.run_overrides = apply_run_overrides(
                stack,
                run_overrides,
                self._request,
                catalog=None if image_uri is not None else (self.toolkit, self.toolkit_version, self.framework),
                image_uri=self.training_image_uri,
                grouped=instance_groups is not None,
                max_run_seconds=max_run_s,
                max_wait_seconds=max_wait_s,
            )
            self.max_training_seconds = self.run_overrides.longest_seconds()
        # Every literal field against botocore's SageMaker model (the JSONata and token values where they resolve).
        validate_request("CreateTrainingJob", self._request)
        self._task_policies = policy_statements(
            _state_machine_statements(stack, self.base_job_name, role_arn, tagged=bool(tags))
        )

    @property
    def task_policies(self) -> list[iam.PolicyStatement]:
        """What the state machine role may do for this task: this job family only, and pass this role."""
        return list(self._task_policies)

    @property
    def request(self) -> dict[str, Any]:
        """The CreateTrainingJob request (JSONata where a value is per execution), e.g. for a tuning job."""
        return self._request

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

    def model_data_input(
        self, *, content_type: str | None = None, input_mode: str | None = None, compression: str | None = None
    ) -> TrainingInput:
        """A channel of a later training job in the same execution that reads this job's model data
        (``model.tar.gz``), e.g. an evaluation job chained after this one: its URI is the state's
        ``TrainingJob.ModelDataUrl`` that this task adds, and the reading role may read this job's output
        prefix only, and decrypt it with ``model_data_kms_key`` when the model data is KMS-encrypted."""
        return TrainingInput(
            s3_data=execution_input.jsonata(f"$states.input.{execution_input.OUTPUT_KEY}.ModelDataUrl"),
            s3_data_scope=self.s3_output_path,
            s3_data_kms_key_arn=self.model_data_kms_key.key_arn if self.model_data_kms_key is not None else None,
            content_type=content_type,
            input_mode=input_mode,
            compression=compression,
        )

    def metric(
        self, metric_name: str, *, statistic: str = "Average", period: Duration | None = None
    ) -> cloudwatch.SearchExpression:
        """A CloudWatch graph of one of the job's metric definitions (e.g. ``"reward-training"``) for every
        job of this family: a ``SEARCH`` on the ``Host`` dimension (``<job name>/algo-<n>``, a new value per
        run). For dashboards only (``GraphWidget(left=[job.metric("reward-training")])``): CloudWatch alarms
        cannot watch a SEARCH, and a run's own metric is not known before the run; alarm on the pipeline's
        ``metric_failed()`` or an ``RLPipeline(deploy_if=...)`` reward gate instead."""
        return family_search(
            TRAINING_METRICS_NAMESPACE,
            metric_name,
            f"{self.base_job_name}-",
            allowed=[d["Name"] for d in self.metric_definitions],
            statistic=statistic,
            period=period,
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
        # With image_uri, the SDK ignores toolkit, toolkit_version and framework: no default metric
        # definitions, and create_model() serves the image itself. Given values are still checked.
        if toolkit is not None:
            coerce_enum(RLToolkit, toolkit, "toolkit")
        if framework is not None:
            coerce_enum(RLFramework, framework, "framework")
        return None, None, None, None

    def _debugger_and_profiler(
        self,
        stack: Stack,
        debugger_hook_config: bool,
        disable_profiler: bool,
        *,
        instance_types: Sequence[str],
        image_regions: Sequence[str] | None,
    ) -> tuple[bool, bool]:
        """(send DebugHookConfig, profiler on), as ``fit()`` decides them for the stack's region. In a
        region-agnostic stack that can deploy to a Debugger-less region (a custom image, or a catalog image
        published there), a ``Rules`` assertion stops such a deployment unless both are opted out."""
        region = stack_environment(stack).region
        trainium_only = not profiler_supported("us-east-1", instance_types)
        if not has_token(region):
            return (
                debugger_hook_config and debugger_supported(region),
                not disable_profiler and profiler_supported(region, instance_types),
            )
        debug_hook, profiler = debugger_hook_config, not disable_profiler and not trainium_only
        reachable = DEBUGGER_UNSUPPORTED_REGIONS if image_regions is None else tuple(image_regions)
        if (debug_hook or profiler) and any(not debugger_supported(r) for r in reachable):
            require_debugger_region(stack, DEBUGGER_UNSUPPORTED_REGIONS)
        return debug_hook, profiler

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
        if not is_deploy_time(instance_count) and instance_count < 1:
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
    """VolumeSizeInGB, MaxRuntimeInSeconds and MaxWaitTimeInSeconds, in whole units (number tokens pass
    through, checked where they resolve)."""
    volume_gb = whole_gibibytes(volume_size, "volume_size", default=30)  # the SDK's default
    assert volume_gb is not None
    if not is_deploy_time(volume_gb) and volume_gb < 1:
        raise RLConfigurationError("volume_size", "must be at least 1 GiB.")
    max_run_s = whole_seconds(max_run, "max_run", default=86_400)  # the SDK's default, one day
    assert max_run_s is not None
    if not is_deploy_time(max_run_s) and not 1 <= max_run_s <= MAX_RUN_SECONDS:
        raise RLConfigurationError("max_run", f"must be between 1 second and 28 days, got {max_run_s} s.")
    if not use_spot:
        if max_wait is not None:
            raise RLConfigurationError("max_wait", "only applies with use_spot_instances=True.")
        return volume_gb, max_run_s, None
    if max_wait is None:
        raise RLConfigurationError("max_wait", "managed spot training (use_spot_instances) needs max_wait.")
    max_wait_s = whole_seconds(max_wait, "max_wait")
    assert max_wait_s is not None
    if not is_deploy_time(max_wait_s) and not is_deploy_time(max_run_s) and max_wait_s < max_run_s:
        raise RLConfigurationError(
            "max_wait", f"must be at least max_run ({max_run_s} s) for spot training, got {max_wait_s} s."
        )
    return volume_gb, max_run_s, max_wait_s


def _check_types(
    *,
    instance_count: object,
    hyperparameters: object,
    metric_definitions: object,
    max_retry_attempts: object,
    flags: Mapping[str, object],
    strings: Mapping[str, object],
    environment: object,
    tags: object,
    inputs: object,
    dependencies: object,
) -> None:
    """Wrong types raise ``TypeError`` naming the argument, before anything else looks at them."""
    check_int(instance_count, "instance_count")
    check_int(max_retry_attempts, "max_retry_attempts", optional=True)
    check_mapping(hyperparameters, "hyperparameters")
    check_sequence(metric_definitions, "metric_definitions", items=Mapping, items_name="mapping")
    for name, flag in flags.items():
        check_bool(flag, name)
    for name, text in strings.items():
        check_str(text, name, optional=name != "entry_point" and name != "output_prefix")
    check_mapping(environment, "environment", values=str, values_name="str")
    check_mapping(tags, "tags", values=str, values_name="str")
    for name, source in (check_mapping(inputs, "inputs") or {}).items():
        if not isinstance(source, str | TrainingInput | Mapping) and not hasattr(source, "bucket_name"):
            # (IBucket is a Protocol: checked by its attribute)
            raise type_error(f"inputs[{name!r}]", "str (an s3:// URI), s3.IBucket, TrainingInput or mapping", source)
    check_sequence(dependencies, "dependencies", items=str, items_name="str")


def _bucket_key(source: object) -> kms.IKey | None:
    """The default KMS key of an input channel given as a bucket (a URI or TrainingInput names no key)."""
    key = getattr(source, "encryption_key", None) if hasattr(source, "bucket_name") else None
    return cast("kms.IKey | None", key)


def _kms_statements(
    *, volume_key: kms.IKey | None, artifacts_key: kms.IKey | None, input_key_arns: Sequence[str]
) -> list[Statement]:
    """The execution role's KMS permissions, explicit actions only: SageMaker creates grants on the volume
    key for the instances' volumes (``kms:GrantIsForAWSResource``), writes the model artifacts with
    their key, and reads input channels with theirs."""
    statements: list[Statement] = []
    if volume_key is not None:
        statements.extend(kms_service_grant_statements([volume_key.key_arn], sid="VolumeKey"))
    if artifacts_key is not None:
        statements.append(kms_data_statement([artifacts_key.key_arn], write=True, sid="EncryptModelArtifacts"))
    if input_key_arns:
        statements.append(
            kms_data_statement(list(dict.fromkeys(input_key_arns)), write=False, sid="DecryptInputChannels")
        )
    return statements


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


def _channel(source: object, argument: str) -> TrainingInput:
    """An input channel: a bucket is its root, anything else is read like ``fit(inputs=...)`` reads it."""
    if hasattr(source, "bucket_name"):
        return TrainingInput(s3_data=f"s3://{source.bucket_name}/")
    channel = training_input(source, argument)
    if is_run_time(channel.s3_data):
        return channel
    if not Token.is_unresolved(channel.s3_data) and not channel.s3_data.startswith("s3://"):
        raise RLConfigurationError(f"{argument}.s3_data", f"{channel.s3_data!r} is not an s3:// URI.")
    return channel


def _vpc_ids(
    subnets: Sequence[str] | None, security_group_ids: Sequence[str] | None, vpc: ec2.IVpc | None
) -> tuple[list[str], list[str]] | None:
    """(subnets, security group ids) given as ids, the SDK's way; both or neither (the SDK silently drops
    a VpcConfig that lacks one), and not with ``vpc``."""
    if subnets is None and security_group_ids is None:
        return None
    if vpc is not None:
        raise RLConfigurationError(
            "subnets", "give either vpc (with vpc_subnets/security_groups) or subnets and security_group_ids, not both."
        )
    if subnets is None or security_group_ids is None:
        missing = "subnets" if subnets is None else "security_group_ids"
        raise RLConfigurationError(missing, "subnets and security_group_ids go together (a VpcConfig needs both).")
    for argument, ids, most in (("subnets", subnets, 16), ("security_group_ids", security_group_ids, 5)):
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise TypeError(f"{argument}: expected a list of ids, got {type(ids).__name__}.")
        if not 1 <= len(ids) <= most:
            raise RLConfigurationError(argument, f"SageMaker takes 1 to {most}, got {len(ids)}.")
        for index, value in enumerate(ids):
            if not isinstance(value, str):
                raise TypeError(f"{argument}[{index}]: expected a str, got {type(value).__name__}.")
            if not Token.is_unresolved(value) and not re.fullmatch(r"[-0-9a-zA-Z]{1,32}", value):
                raise RLConfigurationError(
                    f"{argument}[{index}]", f"{value!r} is not an id ([-0-9a-zA-Z], at most 32)."
                )
    return list(subnets), list(security_group_ids)


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
_TOKEN_IMAGE_REASON = "The training image is only known at deploy time, so is its ECR repository."


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
            family_arns(stack, "training-job", job.base_job_name),
            "The state machine creates one training job per execution, named per execution within this job "
            "family; the policy is scoped to the family prefix.",
        ),
    )


@functools.cache
def _block_all() -> s3.BlockPublicAccess:
    return s3.BlockPublicAccess.BLOCK_ALL  # a static read of the jsii runtime: once per process


def _private_bucket(scope: Construct, id: str, removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> s3.Bucket:
    destroy = removal_policy is RemovalPolicy.DESTROY
    bucket = s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=_block_all(),
        versioned=True,
        removal_policy=removal_policy,
        auto_delete_objects=destroy,  # a versioned bucket must be emptied (every version) before deletion
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
    """The state machine role: run this job family (``.sync``) and pass the SageMaker role to SageMaker only."""
    return sync_job_statements(
        stack,
        "TrainingJob",
        family_arns(stack, "training-job", base_job_name),
        tagged=tagged,
        passed_role_arn=role_arn,
    )


def _readable_object(members: Sequence[str]) -> str | None:
    """A JSON object of ``members`` whose members stay apart in the template: an ``Fn::Join`` on ``,`` (aws-cdk-lib
    splices only joins on ``""`` into the definition's), so that ``cdk diff`` shows a changed hyperparameter as
    its own line (``"discount":"0.99"`` -> ``"discount":"0.9"``) instead of the whole expression. The definition
    CloudFormation resolves is the same text. None (plain JSON) without members."""
    if not members:
        return None
    return "{" + Token.as_string({"Fn::Join": [",", list(members)]}) + "}"
