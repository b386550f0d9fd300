"""RLBatchTransform: score S3 data with a trained policy, as ``estimator.transformer(...).transform(...)``.

A state machine fragment chained after an :class:`RLTrainingJob` (``train.next(transform)``): it creates a
model from the job's artifacts as for deployment (``create_model()``'s serving container, a least-privilege
hosting role), runs ``createTransformJob.sync`` on it and deletes the model when the transform ends,
succeeded or failed. A failure ends the execution with ``RL.TransformFailed`` (step, original error and
cause in the cause). The options are resolved by ``core.serving.batch_transform``, the requests rendered by
``core.serving.transform`` and checked against botocore's model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, Size, SizeRoundingBehavior, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ._arns import family_arns, stack_environment, stack_of
from ._jsonata_task import JsonataTask
from ._metrics import TRANSFORM_INSTANCE_METRICS, TRANSFORM_METRICS_NAMESPACE, family_search
from ._nag import acknowledge_wildcards
from ._policy import (
    Statement,
    allow,
    kms_data_statement,
    kms_service_grant_statements,
    pass_role_to_sagemaker,
    policy_statements,
    sync_job_statements,
)
from ._states import add_retries
from .core.arguments import type_error, whole_number
from .core.request_validation import validate_request
from .core.serving import iam as serving_iam
from .core.serving import transform as x
from .core.serving.batch_transform import resolve
from .core.serving.transform import AssembleWith, BatchStrategy, CompressionType, DataType, JoinSource, SplitType
from .core.workflow import SDK_CALL_RETRIES, TRAINING_RETRIES, RetryPolicy
from .serving_container import ResolvedServing, hosting_role, resolve_serving
from .training_job import RLTrainingJob, _s3_prefix_arns

__all__ = [
    "AssembleWith",
    "BatchStrategy",
    "CompressionType",
    "DataType",
    "JoinSource",
    "RLBatchTransform",
    "SplitType",
]


class RLBatchTransform(sfn.StateMachineFragment):
    """Batch transform of S3 data with the model of the training job before it in the execution.

    Chain it after the job (``training_job.next(transform)``): it reads ``TrainingJob.ModelDataUrl`` from the
    state. The model and the transform job are named ``<base_transform_job_name>-<execution>`` (an execution's
    ``TransformJobName`` may name them within the family). The stage adds ``Transform`` (name, ARN, status,
    model name, output path, ``ModelDeleted``) to the state.

    :param training_job: the job whose model scores the data (its toolkit, image and code choose the serving
        container, as ``create_model()`` does).
    :param instance_type: transform instance type (SageMaker's transform instance types).
    :param data: ``s3://`` URI of the input (a prefix, or a manifest with ``data_type``).
    :param instance_count: instances. Default: 1.
    :param output_path: ``s3://`` URI the results go to. Default: ``<training output>/transform/<job name>``.
    :param data_type: ``DataType``. Default: S3Prefix.
    :param content_type: MIME type of the input. Default: none.
    :param compression_type: ``CompressionType``. Default: none.
    :param split_type: ``SplitType`` of the input files into records. Default: SageMaker's (None).
    :param strategy: ``BatchStrategy``. Default: SageMaker's.
    :param assemble_with: ``AssembleWith`` of the output records. Default: SageMaker's (None).
    :param accept: MIME type of the output. Default: none.
    :param max_concurrent_transforms: parallel requests per instance. Default: SageMaker's.
    :param max_payload: largest request, whole MB, at most 100 (with ``max_concurrent_transforms``, their
        product at most 100 MB). Default: SageMaker's (6 MB).
    :param input_filter: JSONPath applied to each input record. Default: none.
    :param output_filter: JSONPath applied to each output record. Default: none.
    :param join_source: ``JoinSource``: join each output with its input. Default: none.
    :param environment: container environment of the transform, at most 16. Default: none.
    :param output_kms_key: encrypts the results. Default: the bucket's encryption.
    :param volume_kms_key: encrypts the instances' storage volume. Default: AWS managed.
    :param model_role: the role the model (and the transform job) runs with. Default: a least-privilege hosting
        role that may also read ``data`` and write ``output_path``.
    :param serving_image_uri: serve with this image. Default: the SDK's ``create_model()`` rules.
    :param tensorflow_serving_version: for Ray with TensorFlow, serve with TensorFlow Serving. Default: none.
    :param tags: tags of the model and the transform job. Default: none.
    :param base_transform_job_name: name prefix, at most 39 characters. Default: from the stack and construct.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job: RLTrainingJob,
        instance_type: str,
        data: str,
        instance_count: int = 1,
        output_path: str | None = None,
        data_type: DataType | str = DataType.S3_PREFIX,
        content_type: str | None = None,
        compression_type: CompressionType | str | None = None,
        split_type: SplitType | str | None = None,
        strategy: BatchStrategy | str | None = None,
        assemble_with: AssembleWith | str | None = None,
        accept: str | None = None,
        max_concurrent_transforms: int | None = None,
        max_payload: Size | None = None,
        input_filter: str | None = None,
        output_filter: str | None = None,
        join_source: JoinSource | str | None = None,
        environment: Mapping[str, str] | None = None,
        output_kms_key: kms.IKey | None = None,
        volume_kms_key: kms.IKey | None = None,
        model_role: iam.IRole | None = None,
        serving_image_uri: str | None = None,
        tensorflow_serving_version: str | None = None,
        tags: Mapping[str, str] | None = None,
        base_transform_job_name: str | None = None,
    ) -> None:
        if not isinstance(training_job, RLTrainingJob):
            raise TypeError(f"training_job: expected an RLTrainingJob, got {type(training_job).__name__}.")
        stack = stack_of(scope)
        options = resolve(
            stack_name=stack.stack_name,
            construct_id=id,
            training_output_uri=(
                f"s3://{training_job.output_bucket.bucket_name}/{training_job.output_prefix}"
                if output_path is None
                else None
            ),
            instance_type=instance_type,
            data=data,
            instance_count=instance_count,
            output_path=output_path,
            environment=environment,
            tags=tags,
            base_transform_job_name=base_transform_job_name,
            max_payload_mb=_whole_megabytes(max_payload),
            data_type=data_type,
            strategy=strategy,
            assemble_with=assemble_with,
            split_type=split_type,
            compression_type=compression_type,
            join_source=join_source,
            content_type=content_type,
            accept=accept,
            max_concurrent_transforms=max_concurrent_transforms,
            input_filter=input_filter,
            output_filter=output_filter,
            output_kms_key_id=output_kms_key.key_arn if output_kms_key else None,
            volume_kms_key_id=volume_kms_key.key_arn if volume_kms_key else None,
        )
        super().__init__(scope, id)
        #: The checked options (``core.serving.batch_transform.BatchTransformOptions``).
        self.options = options
        self.spec = options.spec
        self.base_transform_job_name = options.base_transform_job_name
        self.training_job = training_job
        wildcard_reasons: dict[str, str] = {}
        self.serving: ResolvedServing = self._serving(serving_image_uri, tensorflow_serving_version)
        self.model_role: iam.IRole = model_role or self._hosting_role(wildcard_reasons)
        self._grant_data(data, output_kms_key, volume_kms_key, wildcard_reasons)
        families = self._states(stack)
        # The role's wildcards on the role (ours, or the one given), the state machine's on the stack: the
        # state machine role is outside this fragment.
        acknowledge_wildcards(self.model_role, wildcard_reasons, stack=stack)
        acknowledge_wildcards(stack, dict.fromkeys(families, serving_iam.TRANSFORM_FAMILY_REASON))

    def _serving(self, serving_image_uri: str | None, tensorflow_serving_version: str | None) -> ResolvedServing:
        """The serving container of the training job's model, as ``create_model()`` picks it."""
        job = self.training_job
        return resolve_serving(
            self,
            toolkit=job.toolkit,
            framework=job.framework,
            framework_version=job.framework_version,
            processor=self.options.processor,
            entry_point=job.entry_point,
            submit_directory=job.submit_directory,
            training_image_uri=None if job.toolkit else job.training_image_uri,
            serving_image_uri=serving_image_uri,
            tensorflow_serving_version=tensorflow_serving_version,
        )

    def _hosting_role(self, wildcard_reasons: dict[str, str]) -> iam.Role:
        """A least-privilege hosting role: the training job's model data, code and key."""
        job = self.training_job
        return hosting_role(
            self,
            "ModelRole",
            serving=self.serving,
            model_data_arns=[job.output_prefix_arn],
            inference_code_arns=[job.source_object_arn],
            kms_keys=[job.model_data_kms_key] if job.model_data_kms_key is not None else [],
            wildcard_reasons=wildcard_reasons,
        )

    def _grant_data(
        self,
        data: str,
        output_key: kms.IKey | None,
        volume_key: kms.IKey | None,
        wildcard_reasons: dict[str, str],
    ) -> None:
        """Let the model's role read the input, write the results and use the keys."""
        job = self.training_job
        output_objects = (
            job.output_bucket.arn_for_objects(f"{job.output_prefix}transform/*")
            if self.options.default_output
            else _objects_arn(self.spec.output_path)
        )
        role_statements = _transform_role_statements(
            data=data, output_objects=output_objects, output_key=output_key, volume_key=volume_key
        )
        for statement in policy_statements(role_statements):
            self.model_role.add_to_principal_policy(statement)
        wildcard_reasons[output_objects] = serving_iam.TRANSFORM_OUTPUT_REASON
        wildcard_reasons[_objects_arn(data)] = serving_iam.TRANSFORM_INPUT_REASON

    def _states(self, stack: Stack) -> list[str]:
        """Prepare -> create the model -> transform (.sync) -> delete the model; a failure deletes it and fails.
        Returns the ARN patterns of the stage's model and transform job families."""
        base, tagged = self.base_transform_job_name, bool(self.spec.tags)
        partition = stack_environment(stack).partition
        models = family_arns(stack, "model", base)
        jobs = family_arns(stack, "transform-job", base)
        create_model_request = x.create_model_request(
            role_arn=self.model_role.role_arn,
            image=self.serving.image_uri,
            environment=self.serving.environment,
            tags=self.options.request.get("Tags"),
        )
        validate_request("CreateModel", create_model_request, arguments=x.CREATE_MODEL_ARGUMENTS)
        failed = sfn.Fail(
            self,
            "Failed",
            query_language=sfn.QueryLanguage.JSONATA,
            error="{% $" + x.FAILURE_VARIABLE + ".Error %}",
            cause="{% $" + x.FAILURE_VARIABLE + ".Cause %}",
        )
        prepare = sfn.Pass(self, "Prepare", query_language=sfn.QueryLanguage.JSONATA, assign=x.run_assignment(base))
        create_model = _Call(
            self,
            "CreateModel",
            resource=f"arn:{partition}:states:::sagemaker:createModel",
            request=create_model_request,
            output="{% $states.input %}",
            policies=policy_statements(
                [
                    allow(["sagemaker:CreateModel", *(["sagemaker:AddTags"] if tagged else [])], models),
                    pass_role_to_sagemaker(self.model_role.role_arn),
                ]
            ),
            retries=TRAINING_RETRIES,  # an optimized integration: its errors are named as the .sync ones
        )
        create_model.add_catch(failed, assign=x.failure_assignment("Create model"))
        transform = _Call(
            self,
            "Transform",
            resource=f"arn:{partition}:states:::sagemaker:createTransformJob.sync",
            request=self.options.request,
            output=x.transform_result_expression(),
            policies=policy_statements(sync_job_statements(stack, "TransformJob", jobs, tagged=tagged)),
            retries=TRAINING_RETRIES,
        )
        delete = self._model_deletion(partition, models, transform, failed)
        prepare.next(create_model).next(transform).next(delete)
        self._start = prepare
        return models + jobs

    def _model_deletion(self, partition: str, models: list[str], transform: _Call, failed: sfn.Fail) -> sfn.IChainable:
        """Delete the stage's model after the transform: after a failure (then fail), or after success (a model
        left behind is reported in ``ModelDeleted``, not fatal)."""
        delete_policies = policy_statements([allow(["sagemaker:DeleteModel"], models)])
        delete_after_failure = _Call(
            self,
            "DeleteModelAfterFailure",
            resource=f"arn:{partition}:states:::aws-sdk:sagemaker:deleteModel",
            request={"ModelName": x.JOB_NAME},
            policies=delete_policies,
            retries=SDK_CALL_RETRIES,
        )
        delete_after_failure.next(failed)
        delete_after_failure.add_catch(failed)  # the transform's failure is the one reported
        transform.add_catch(delete_after_failure, assign=x.failure_assignment("Transform"))
        self._delete = _Call(
            self,
            "DeleteModel",
            resource=f"arn:{partition}:states:::aws-sdk:sagemaker:deleteModel",
            request={"ModelName": x.JOB_NAME},
            output=x.output_expression(deleted=True),
            policies=delete_policies,
            retries=SDK_CALL_RETRIES,
        )
        self._kept = sfn.Pass(
            self, "ModelKept", query_language=sfn.QueryLanguage.JSONATA, outputs=x.output_expression(deleted=False)
        )
        self._delete.add_catch(self._kept)  # the transform succeeded: a model left behind is reported, not fatal
        return self._delete

    @property
    def start_state(self) -> sfn.State:
        """The first state of the stage (it assigns the run's names)."""
        return self._start

    def metric(
        self, metric_name: str, *, statistic: str = "Average", period: Duration | None = None
    ) -> cloudwatch.SearchExpression:
        """An instance metric (``CPUUtilization``, ``MemoryUtilization``, ``DiskUtilization``, ``GPUUtilization``,
        ``GPUMemoryUtilization``) of every transform job of this stage's family: a ``SEARCH`` for dashboards."""
        return family_search(
            TRANSFORM_METRICS_NAMESPACE,
            metric_name,
            f"{self.base_transform_job_name}-",
            allowed=TRANSFORM_INSTANCE_METRICS,
            statistic=statistic,
            period=period,
        )

    def metric_cpu_utilization(self, *, period: Duration | None = None) -> cloudwatch.SearchExpression:
        """CPU use of the transform instances (percent, one line per job and instance)."""
        return self.metric("CPUUtilization", period=period)

    @property
    def end_states(self) -> list[sfn.INextable]:
        """Where the stage continues: after the model is deleted, or kept because deleting it failed."""
        return [self._delete, self._kept]


class _Call(JsonataTask):
    """One SageMaker call of the stage: its request, the state machine role's statements, its retries."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resource: str,
        request: Mapping[str, Any],
        policies: list[iam.PolicyStatement],
        retries: Sequence[RetryPolicy],
        output: str | None = None,
    ) -> None:
        self._request = dict(request)
        self._task_policies = list(policies)
        super().__init__(scope, id, resource=resource, output=output)
        add_retries(self, retries)


def _whole_megabytes(size: Size | None) -> int | None:
    """``max_payload`` in whole MB (the SDK's ``max_payload`` is an int of MB)."""
    if size is None:
        return None
    if not isinstance(size, Size):
        raise type_error("max_payload", "Size", size)
    return whole_number(size.to_mebibytes(rounding=SizeRoundingBehavior.NONE), "max_payload", "MB")


def _objects_arn(uri: str) -> str:
    """The objects under an ``s3://bucket/prefix`` URI (any object of any bucket for a run-time URI)."""
    return _s3_prefix_arns(uri)[1] if uri.startswith("s3://") else "*"


def _transform_role_statements(
    *, data: str, output_objects: str, output_key: kms.IKey | None, volume_key: kms.IKey | None
) -> list[Statement]:
    """What the transform job does with the model's role: read the input, write the results, use the keys."""
    statements = serving_iam.transform_role_statements(
        input_objects=_objects_arn(data),
        input_bucket=_s3_prefix_arns(data)[0] if data.startswith("s3://") else "*",
        output_objects=output_objects,
    )
    if output_key is not None:
        statements.append(kms_data_statement([output_key.key_arn], write=True, sid="EncryptTransformOutput"))
    if volume_key is not None:
        statements.extend(kms_service_grant_statements([volume_key.key_arn], sid="TransformVolumeKey"))
    return statements
