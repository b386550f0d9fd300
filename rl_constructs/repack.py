"""The model repack step of RLPipeline: ``_lambda/repack_model`` and the ``lambda:invoke`` task that runs it.

``core.serving.repack`` decides (retries, payload, where the repacked archive goes, what the run serves after it);
this module wires: a Python function (the newest Lambda runtime, 15-minute timeout, its own log group) whose
role may only read the model data and the serving code, write the repacked key and use the model data's KMS
key, and the JSONata task that invokes it.

Limits the handler relies on: Lambda's 15-minute timeout only. It streams (one 8 MiB upload part in memory,
no ``/tmp``), so memory and ephemeral storage do not bound the archive size; its throughput (gzip at level 6 on
the function's vCPU share, ``MEMORY_MIB``) does: several GB of model archive fit in 15 minutes.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ._handler_provider import newest_python_runtime
from ._policy import allow, kms_data_statement, policy_document
from ._states import add_retries
from .core.serving.repack import repack_payload, repacked_assignment
from .core.workflow import LAMBDA_INVOKE_RETRIES
from .handler_code import stage_handler

#: The function's memory (MiB): the handler needs ~50 MiB; more memory buys the CPU share gzip runs on
#: (1,769 MiB is one full vCPU).
MEMORY_MIB = 1769
#: Lambda's longest timeout: the bound on the archive size the step can repack.
TIMEOUT = Duration.minutes(15)


class ModelRepack(Construct):
    """The function that repacks a model archive with its serving code under ``code/`` (as the SDK's
    ``repack_model``), with a least-privilege role.

    :param model_data_arns: S3 object ARNs (patterns allowed) of the model archives to read, e.g. the training
        job's ``output_prefix_arn``.
    :param code_object_arn: the serving code archive's object ARN.
    :param destination_arns: S3 object ARNs (patterns allowed) the repacked archives are written to.
    :param kms_keys: keys the model data and the repacked archive are encrypted with (read and write).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model_data_arns: Sequence[str],
        code_object_arn: str,
        destination_arns: Sequence[str],
        kms_keys: Sequence[kms.IKey] = (),
    ) -> None:
        super().__init__(scope, id)
        log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        statements = [
            allow(["logs:CreateLogStream", "logs:PutLogEvents"], [log_group.log_group_arn], sid="WriteOwnLogs"),
            allow(["s3:GetObject"], [*model_data_arns, code_object_arn], sid="ReadModelDataAndCode"),
            # CreateMultipartUpload, UploadPart and CompleteMultipartUpload are authorized as s3:PutObject.
            allow(["s3:PutObject", "s3:AbortMultipartUpload"], list(destination_arns), sid="WriteRepackedModel"),
        ]
        if kms_keys:
            statements.append(kms_data_statement([key.key_arn for key in kms_keys], write=True, sid="ModelDataKey"))
        #: The function's role (inline policy, created with the role).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="rl-constructs model repack: read the model data and serving code, write the repacked model",
            inline_policies={"RLModelRepack": policy_document(statements)},
        )
        #: The repack function (``_lambda/repack_model``).
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=newest_python_runtime(),
            handler="index.handler",
            code=lambda_.Code.from_asset(str(stage_handler("repack_model"))),
            role=self.role,
            timeout=TIMEOUT,
            memory_size=MEMORY_MIB,
            description="rl-constructs: repack a model archive with its serving code under code/ (as the SDK does)",
            log_group=log_group,
        )

    def task(
        self, id: str, *, code_url: str, kms_key_id: str | None, state_name: str = "Repack model"
    ) -> tasks.LambdaInvoke:
        """A JSONata ``lambda:invoke`` task (in this construct's scope) that repacks ``$run.modelData`` with
        ``code_url`` and makes the run serve the repacked archive, with the Developer Guide's Lambda retries."""
        task = tasks.LambdaInvoke.jsonata(
            self,
            id,
            lambda_function=self.function,
            payload=sfn.TaskInput.from_object(repack_payload(code_url=code_url, kms_key_id=kms_key_id)),
            retry_on_service_exceptions=False,  # ours below: the guide's list plus throttling
            state_name=state_name,
            assign=repacked_assignment(),
            outputs="{% $states.input %}",
            task_timeout=sfn.Timeout.duration(TIMEOUT.plus(Duration.minutes(1))),
        )
        add_retries(task, LAMBDA_INVOKE_RETRIES)
        return task
