"""RLBatchTransform: score S3 data with a trained policy, as ``estimator.transformer(...).transform(...)``.

A state machine fragment chained after an :class:`RLTrainingJob` (``train.next(transform)``): it creates a
model from the job's artifacts as for deployment (``create_model()``'s serving container, a least-privilege
hosting role), runs ``createTransformJob.sync`` on it and deletes the model when the transform ends,
succeeded or failed. A failure ends the execution with ``RL.TransformFailed`` (step, original error and
cause in the cause). Requests are rendered by ``domain.transform`` and checked against botocore's model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, Size, SizeRoundingBehavior
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
from .core import execution_input
from .core.arguments import check_mapping, type_error, whole_number
from .core.errors import RLConfigurationError
from .core.instances import hosting_instance
from .core.request_validation import validate_request
from .core.serving import transform as x
from .core.serving.deployment import SDK_CALL_RETRIES, TRAINING_RETRIES, RetryPolicy
from .core.serving.transform import AssembleWith, BatchStrategy, CompressionType, DataType, JoinSource, SplitType
from .serving_container import ResolvedServing, hosting_role, resolve_serving
from .training_job import RLTrainingJob, _s3_prefix_arns
from .tuning_job import add_retries

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
        check_mapping(environment, "environment", values=str, values_name="str")
        check_mapping(tags, "tags", values=str, values_name="str")
        hosting = hosting_instance(instance_type, "instance_type")
        stack = stack_of(scope)
        base = execution_input.validate_base_job_name(
            base_transform_job_name or execution_input.default_base_job_name(stack.stack_name, id)
        )
        if base_transform_job_name is not None and base != base_transform_job_name:
            raise RLConfigurationError(
                "base_transform_job_name", f"at most {execution_input.BASE_JOB_NAME_MAX} characters."
            )
        job_name = "{% $" + x.VARIABLE + ".job %}"
        default_output = output_path is None
        results = (
            execution_input.jsonata(
                f"'s3://{training_job.output_bucket.bucket_name}/{training_job.output_prefix}transform/' & "
                f"${x.VARIABLE}.job"
            )
            if output_path is None
            else output_path
        )
        payload_mb = _whole_megabytes(max_payload)
        self.spec = x.transform_spec(
            instance_type=instance_type,
            instance_count=instance_count,
            data=data,
            output_path=results,
            data_type=data_type,
            strategy=strategy,
            assemble_with=assemble_with,
            split_type=split_type,
            compression_type=compression_type,
            join_source=join_source,
            content_type=content_type,
            accept=accept,
            max_concurrent_transforms=max_concurrent_transforms,
            max_payload_mb=payload_mb,
            input_filter=input_filter,
            output_filter=output_filter,
            environment=environment,
            output_kms_key_id=output_kms_key.key_arn if output_kms_key else None,
            volume_kms_key_id=volume_kms_key.key_arn if volume_kms_key else None,
            tags=tags,
        )
        request = x.render_create_transform_job(self.spec, job_name=job_name, model_name=job_name)
        validate_request("CreateTransformJob", request, arguments=x.ARGUMENTS)
        super().__init__(scope, id)
        self.base_transform_job_name = base
        self.training_job = training_job
        self.serving: ResolvedServing = resolve_serving(
            self,
            toolkit=training_job.toolkit,
            framework=training_job.framework,
            framework_version=training_job.framework_version,
            processor=hosting.processor,
            entry_point=training_job.entry_point,
            submit_directory=training_job.submit_directory,
            training_image_uri=None if training_job.toolkit else training_job.training_image_uri,
            serving_image_uri=serving_image_uri,
            tensorflow_serving_version=tensorflow_serving_version,
        )
        wildcard_reasons: dict[str, str] = {}
        self.model_role: iam.IRole = model_role or hosting_role(
            self,
            "ModelRole",
            serving=self.serving,
            model_data_arns=[training_job.output_prefix_arn],
            inference_code_arns=[training_job.source_object_arn],
            kms_keys=[training_job.model_data_kms_key] if training_job.model_data_kms_key is not None else [],
            wildcard_reasons=wildcard_reasons,
        )
        output_objects = (
            training_job.output_bucket.arn_for_objects(f"{training_job.output_prefix}transform/*")
            if default_output
            else _objects_arn(results)
        )
        role_statements = _transform_role_statements(
            data=data, output_objects=output_objects, output_key=output_kms_key, volume_key=volume_kms_key
        )
        for statement in policy_statements(role_statements):
            self.model_role.add_to_principal_policy(statement)
        wildcard_reasons[output_objects] = "Each transform run writes its results under this prefix."
        wildcard_reasons[_objects_arn(data)] = "The transform reads every object of its input prefix."

        partition = stack_environment(stack).partition
        models = family_arns(stack, "model", base)
        jobs = family_arns(stack, "transform-job", base)
        tagged = bool(self.spec.tags)
        create_model_request: dict[str, Any] = {
            "ModelName": job_name,
            "ExecutionRoleArn": self.model_role.role_arn,
            "PrimaryContainer": {
                "Image": self.serving.image_uri,
                "ModelDataUrl": "{% $" + x.VARIABLE + ".modelData %}",
                **({"Environment": dict(self.serving.environment)} if self.serving.environment else {}),
            },
            **({"Tags": request["Tags"]} if tagged else {}),
        }
        validate_request("CreateModel", create_model_request, arguments={"PrimaryContainer.Image": "serving_image_uri"})

        failed = sfn.Fail(
            self,
            "Failed",
            query_language=sfn.QueryLanguage.JSONATA,
            error="{% $transformFailure.Error %}",
            cause="{% $transformFailure.Cause %}",
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
            request=request,
            output=x.transform_result_expression(),
            policies=policy_statements(
                [
                    *sync_job_statements(stack, "TransformJob", jobs, tagged=tagged),
                ]
            ),
            retries=TRAINING_RETRIES,
        )
        delete_policies = policy_statements([allow(["sagemaker:DeleteModel"], models)])
        delete_after_failure = _Call(
            self,
            "DeleteModelAfterFailure",
            resource=f"arn:{partition}:states:::aws-sdk:sagemaker:deleteModel",
            request={"ModelName": job_name},
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
            request={"ModelName": job_name},
            output=x.output_expression(deleted=True),
            policies=delete_policies,
            retries=SDK_CALL_RETRIES,
        )
        self._kept = sfn.Pass(
            self, "ModelKept", query_language=sfn.QueryLanguage.JSONATA, outputs=x.output_expression(deleted=False)
        )
        self._delete.add_catch(self._kept)  # the transform succeeded: a model left behind is reported, not fatal
        prepare.next(create_model).next(transform).next(self._delete)
        self._start = prepare
        # The role's wildcards on the role (ours, or the one given), the state machine's on the stack: the
        # state machine role is outside this fragment.
        acknowledge_wildcards(self.model_role, wildcard_reasons, stack=stack)
        acknowledge_wildcards(
            stack,
            dict.fromkeys(
                models + jobs,
                "One model and one transform job per execution, named within this stage's family prefix.",
            ),
        )

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
    statements = [
        allow(["s3:GetObject"], [_objects_arn(data)], sid="ReadTransformInput"),
        allow(
            ["s3:ListBucket"], [_s3_prefix_arns(data)[0] if data.startswith("s3://") else "*"], sid="ListTransformInput"
        ),
        allow(["s3:PutObject", "s3:AbortMultipartUpload"], [output_objects], sid="WriteTransformOutput"),
    ]
    if output_key is not None:
        statements.append(kms_data_statement([output_key.key_arn], write=True, sid="EncryptTransformOutput"))
    if volume_key is not None:
        statements.extend(kms_service_grant_statements([volume_key.key_arn], sid="TransformVolumeKey"))
    return statements
