"""RLTrainingJob: a Step Functions task that runs the training job ``RLEstimator.fit()`` would start.

The task is ``arn:aws:states:::sagemaker:createTrainingJob.sync`` in JSONata mode: Step Functions waits for
the job and stops it when the execution is aborted. aws-cdk-lib's ``SageMakerCreateTrainingJob`` lacks
spot training, checkpoints, retries, heterogeneous clusters and inter-container encryption, and its
internal ``_renderTask`` cannot be overridden from Python, so this is a ``JsonataTask`` (a ``CustomState``).
The construct wires: ``core.training.options`` resolves and checks its arguments, ``_training_resources``
makes the bucket, security groups and role (``core.training.iam`` decides the statements), and
``core.training.request`` renders the request the state sends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations, Aws, Duration, RemovalPolicy, Size, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from . import _training_resources as resources
from ._arguments import whole_gibibytes, whole_seconds
from ._arns import family_arns, remember_stack, stack_environment, stack_of
from ._jsonata_task import JsonataTask
from ._metrics import TRAINING_METRICS_NAMESPACE, family_search
from ._policy import policy_statements, sync_job_statements
from .core import execution_input
from .core.arguments import type_error
from .core.request_validation import validate_request
from .core.source_archive import SourceBundle
from .core.toolkits import RLFramework, RLToolkit
from .core.training.iam import s3_prefix_arns
from .core.training.job_request import JobResources, debugger_settings, reserved_hyperparameters, training_request
from .core.training.options import InstanceGroup, TrainingJobOptions, resolve_training_job
from .core.training.request import (
    DEBUGGER_UNSUPPORTED_REGIONS,
    TrainingInput,
    render_vpc_config,
)
from .core.training.run_overrides import OverrideBounds
from .image_uris import require_debugger_region
from .run_overrides import RunOverrides, apply_run_overrides

if TYPE_CHECKING:
    from .attach import AttachedTrainingJob

__all__ = ["InstanceGroup", "RLTrainingJob"]


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
        stack = stack_of(scope)
        # Every check first: bad input fails before any construct is made.
        options = resolve_training_job(
            entry_point=entry_point,
            source_dir=source_dir,
            dependencies=dependencies,
            toolkit=toolkit,
            toolkit_version=toolkit_version,
            framework=framework,
            image_uri=image_uri,
            instance_type=instance_type,
            instance_count=instance_count,
            instance_groups=instance_groups,
            hyperparameters=hyperparameters,
            metric_definitions=metric_definitions,
            output_prefix=output_prefix,
            volume_size_gb=whole_gibibytes(volume_size, "volume_size"),
            max_run_seconds=whole_seconds(max_run, "max_run"),
            use_spot_instances=use_spot_instances,
            max_wait_seconds=whole_seconds(max_wait, "max_wait"),
            checkpoint_s3_uri=checkpoint_s3_uri,
            checkpoint_local_path=checkpoint_local_path,
            max_retry_attempts=max_retry_attempts,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            subnets=subnets,
            security_group_ids=security_group_ids,
            enable_network_isolation=enable_network_isolation,
            encrypt_inter_container_traffic=encrypt_inter_container_traffic,
            environment=environment,
            tags=tags,
            inputs=resources.input_channels(inputs),
            base_job_name=base_job_name,
            name_parts=() if base_job_name else (stack.stack_name, id),  # a jsii round trip: only when needed
            debugger_hook_config=debugger_hook_config,
            disable_profiler=disable_profiler,
            output_bucket_given=output_bucket is not None,
            retain_output_bucket=removal_policy is RemovalPolicy.RETAIN,
        )
        subnet_ids = resources.select_subnets(vpc, vpc_subnets) if vpc is not None else None
        #: The CreateTrainingJob request, rendered once the role, asset and bucket exist (below).
        self._request: dict[str, Any] = {}
        super().__init__(
            scope,
            id,
            resource=f"arn:{stack_environment(stack).partition}:states:::sagemaker:createTrainingJob.sync",
            output=execution_input.jsonata(execution_input.output_expression()),
        )
        remember_stack(self, stack)
        if options.ignores_toolkit:
            Annotations.of(self).add_warning_v2(
                "rl-constructs:image-uri-ignores-toolkit",
                "image_uri is given: toolkit, toolkit_version and framework are ignored, as by RLEstimator (no "
                "default metric definitions; the image itself serves the model).",
            )
        self._adopt(options)
        repository_arns = self._add_code_and_image(stack, options)
        self._add_output(output_bucket, removal_policy, output_kms_key)
        self._add_network(vpc, security_groups, options, subnet_ids)
        key_arns = (  # (volume, output) KMS key ARNs
            volume_kms_key.key_arn if volume_kms_key is not None else None,
            output_kms_key.key_arn if output_kms_key is not None else None,
        )
        self._add_role(stack, options, role, repository_arns, key_arns[0])
        role_arn = self.role.role_arn
        self._render(stack, options, role_arn, key_arns)
        if run_overrides is not None:
            self._apply_run_overrides(stack, options, run_overrides)
        # Every literal field against botocore's SageMaker model (the JSONata and token values where they resolve).
        validate_request("CreateTrainingJob", self._request)
        self._task_policies = policy_statements(
            sync_job_statements(
                stack,
                "TrainingJob",
                family_arns(stack, "training-job", self.base_job_name),
                tagged=bool(options.tags),
                passed_role_arn=role_arn,
            )
        )

    # --- wiring, in the order the resources are made ------------------------------------------------------
    def _adopt(self, options: TrainingJobOptions) -> None:
        """The resolved options the job exposes as attributes."""
        self.toolkit, self.toolkit_version = options.toolkit, options.toolkit_version
        self.framework, self.framework_version = options.framework, options.framework_version
        self.processor = options.processor
        self.base_job_name = options.base_job_name
        self.metric_definitions: list[dict[str, str]] = [dict(d) for d in options.metric_definitions]
        self.hyperparameters: dict[str, str] = dict(options.hyperparameters)
        self.entry_point = options.program
        self.output_prefix = options.output_prefix
        #: The longest the job can take: max_wait with spot training, max_run otherwise (seconds).
        self.max_training_seconds = options.longest_seconds
        #: The packaged code (None when ``source_dir`` is code already in S3).
        self.source: SourceBundle | None = options.source
        #: The bounds an execution's ``Overrides`` are checked against (None: the job takes none).
        self.run_overrides: OverrideBounds | None = None

    def _add_code_and_image(self, stack: Stack, options: TrainingJobOptions) -> list[str]:
        """The code asset (unless the code is in S3) and the training image; the image's ECR repositories."""
        code = resources.source_code(self, stack, options)
        #: The ``sourcedir.tar.gz`` asset (None when ``source_dir`` is code already in S3).
        self.source_asset: s3_assets.Asset | None = code.asset
        #: ``s3://`` URI of the source archive (``sagemaker_submit_directory``, unless network-isolated).
        self.submit_directory: str = code.submit_directory
        #: The ARN of the source archive (``sourcedir.tar.gz``) in the assets bucket.
        self.source_object_arn: str = code.object_arn
        image = resources.training_image(stack, options)
        self.training_image_uri: str = image.image_uri
        return image.repository_arns

    def _add_output(
        self, output_bucket: s3.IBucket | None, removal_policy: RemovalPolicy, output_kms_key: kms.IKey | None
    ) -> None:
        """The output bucket (made here unless given), its path and the key of the model artifacts."""
        self.output_bucket = output_bucket or resources.output_bucket(self, "Output", removal_policy)
        self._bucket_made_here = output_bucket is None
        self.output_kms_key = output_kms_key
        self.s3_output_path = f"s3://{self.output_bucket.bucket_name}/{self.output_prefix}"
        #: The KMS key the model artifacts are encrypted with: ``output_kms_key``, else the default key of a
        #: KMS-encrypted ``output_bucket`` (None: S3-managed). Whoever reads the model data needs to decrypt it.
        self.model_data_kms_key: kms.IKey | None = output_kms_key or (
            None if self._bucket_made_here else self.output_bucket.encryption_key
        )

    def _add_network(
        self,
        vpc: ec2.IVpc | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
        options: TrainingJobOptions,
        subnet_ids: list[str] | None,
    ) -> None:
        """Security groups (made here in ``vpc`` unless given), connections and the ``VpcConfig``."""
        given_ids = options.vpc_ids  # the SDK's way: (subnets, security group ids)
        self.security_groups, group_ids = resources.security_groups(
            self, vpc, security_groups, given_ids[1] if given_ids is not None else None
        )
        self._vpc_ids = (list(given_ids[0]) if given_ids is not None else subnet_ids or [], group_ids)
        #: Security-group rules of the job's instances, an ``ec2.IConnectable``: ``job.connections.allow_to(
        #: database, ec2.Port.tcp(5432))``, ``database.connections.allow_default_port_from(job.connections)``
        #: (the job itself is a state, not a connectable). No groups without a VPC.
        self.connections = ec2.Connections(security_groups=self.security_groups)
        #: The job's ``VpcConfig`` (``{"SecurityGroupIds": [...], "Subnets": [...]}``), None outside a VPC: what
        #: ``create_model()`` reuses for the model, and so does ``RLPipeline``'s deployment.
        self.vpc_config: dict[str, list[str]] | None = render_vpc_config(*self._vpc_ids)

    def _add_role(
        self,
        stack: Stack,
        options: TrainingJobOptions,
        role: iam.IRole | None,
        repository_arns: list[str],
        volume_key_arn: str | None,
    ) -> None:
        """The execution role (made here unless given) with the job's statements, and the acknowledgments."""
        #: The ARN of the objects under the output prefix: where the model artifacts of every job go.
        self.output_prefix_arn: str = self.output_bucket.arn_for_objects(f"{self.output_prefix}*")
        self.role: iam.IRole = resources.job_role(
            self,
            stack,
            options,
            role,
            repository_arns=repository_arns,
            volume_key_arn=volume_key_arn,
            bucket_made_here=self._bucket_made_here,
        )

    def _render(
        self, stack: Stack, options: TrainingJobOptions, role_arn: str, key_arns: tuple[str | None, str | None]
    ) -> None:
        """The request: the options and the resources made, per-execution values as JSONata."""
        region = stack_environment(stack).region  # a token (``AWS::Region``) in a region-agnostic stack
        made = JobResources(
            training_image=self.training_image_uri,
            role_arn=role_arn,
            s3_output_path=self.s3_output_path,
            submit_directory=self.submit_directory,
            region=region,
            subnet_ids=self._vpc_ids[0],
            security_group_ids=self._vpc_ids[1],
            volume_kms_key_id=key_arns[0],
            output_kms_key_id=key_arns[1],
        )
        #: The ``sagemaker_*`` hyperparameters the SDK adds, encoded, except ``sagemaker_job_name`` (set per job).
        self.reserved_hyperparameters: dict[str, str] = reserved_hyperparameters(options, made)
        debugger = debugger_settings(options, region)
        if debugger.needs_region_rule:
            require_debugger_region(stack, DEBUGGER_UNSUPPORTED_REGIONS)
        members = execution_input.hyperparameter_members(self.hyperparameters)
        self._request = training_request(options, made, debugger=debugger, synthesized_object=_readable_object(members))

    def _apply_run_overrides(self, stack: Stack, options: TrainingJobOptions, run_overrides: RunOverrides) -> None:
        self._request, self.run_overrides = apply_run_overrides(
            stack, run_overrides, self._request, job=options, image_uri=self.training_image_uri
        )
        self.max_training_seconds = self.run_overrides.longest_seconds()

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


def _s3_prefix_arns(uri: str) -> tuple[str, str]:
    """(bucket ARN, objects-under-prefix ARN) of an ``s3://bucket/prefix`` URI, in the stack's partition (a
    token); for ``batch_transform``, until it names the core's :func:`~core.training.iam.s3_prefix_arns`."""
    return s3_prefix_arns(Aws.PARTITION, uri)


def _readable_object(members: Sequence[str]) -> str | None:
    """A JSON object of ``members`` whose members stay apart in the template: an ``Fn::Join`` on ``,`` (aws-cdk-lib
    splices only joins on ``""`` into the definition's), so that ``cdk diff`` shows a changed hyperparameter as
    its own line (``"discount":"0.99"`` -> ``"discount":"0.9"``) instead of the whole expression. The definition
    CloudFormation resolves is the same text. None (plain JSON) without members."""
    if not members:
        return None
    return "{" + Token.as_string({"Fn::Join": [",", list(members)]}) + "}"
