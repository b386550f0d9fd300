"""The deploy-time model repack of ``RLModel`` and ``attach().deploy()``: a ``Custom::RLModelRepack``
resource per model, served by one provider per stack (``attach().deploy()``'s passes the model data through
when the container the attach handler chose reads no code from the archive: its ``Repack`` property).

``core.serving.deploy_repack`` decides (when to repack, where the archive goes, the resource's contract); this
module wires. The provider is one Python function (``_lambda/repack_model``'s ``on_event``: the same streaming
repack as RLPipeline's step, ``repack.ModelRepack``) behind aws-cdk-lib's ``custom_resources.Provider``. Its
role writes its logs; each resource adds exactly what it needs: read its model archive and code archive, write
and delete under its ``repacked/`` prefix, and use the model data's KMS key. Bound: Lambda's 15-minute
timeout (the handler gets 14, the Provider framework's function answers CloudFormation within its own 15).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import CustomResource, Duration, Fn, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._arns import has_token, known_nag_name, remember_nag_name, s3_uri_arn
from ._handler_provider import handler_provider, one_per_stack, python_handler
from ._nag import acknowledge_provider, acknowledge_wildcards
from ._policy import add_statements, allow, kms_data_statement
from .core.serving.deploy_repack import (
    HANDLER_TIMEOUT_MINUTES,
    REPACKED_FOLDER,
    RESOURCE_TYPE,
    RepackAttribute,
    RepackProperty,
    destination_prefix,
)
from .serving_container import s3_object_arn

#: Why the repack function's role writes under a prefix.
REPACKED_PREFIX_REASON = (
    "The repacked archive's key holds a digest of the resource's inputs, computed when the stack deploys; "
    "the role writes and deletes under the model's repacked/ prefix only."
)


class ModelRepackProvider(Construct):
    """The stack's provider of ``Custom::RLModelRepack`` resources. Use :meth:`of`."""

    #: Its id, as a child of the stack.
    ID = "RLModelRepackProvider"

    def __init__(self, scope: Construct, id: str) -> None:
        from .repack import MEMORY_MIB  # the pipeline step's memory (gzip's CPU share); loads Step Functions

        super().__init__(scope, id)
        # The handler's role: its logs; each resource adds its objects and key (:meth:`allow`).
        self.function, self.role = python_handler(
            self,
            "Handler",
            handler_dir="repack_model",
            handler="index.on_event",
            role_description=(
                "rl-constructs model repack at deploy time: read model data and code, write the repacked model"
            ),
            description="rl-constructs: repack a model archive with its inference code under code/ (deploy time)",
            timeout=Duration.minutes(HANDLER_TIMEOUT_MINUTES),
            memory_size=MEMORY_MIB,
        )
        self.provider = handler_provider(self, self.function)
        acknowledge_provider(self, wildcard_reasons={})

    @classmethod
    def of(cls, scope: Construct) -> ModelRepackProvider:
        """The provider of ``scope``'s stack, created on first use."""
        return one_per_stack(scope, cls, cls.ID, lambda stack: cls(stack, cls.ID))

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def allow(self, *, model_data_arn: str, code_arn: str, prefix_arn: str, kms_key: kms.IKey | None) -> None:
        """Let the handler read ``model_data_arn`` and ``code_arn``, write and delete under ``prefix_arn``
        (an object ARN pattern ending in ``*``), and use ``kms_key`` for both."""
        statements = [
            allow(["s3:GetObject"], [model_data_arn, code_arn]),
            # CreateMultipartUpload, UploadPart and CompleteMultipartUpload are authorized as s3:PutObject.
            allow(["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"], [prefix_arn]),
        ]
        if kms_key is not None:
            # No Sid: several models share this role's policy, where Sids must be unique.
            key = kms_data_statement([kms_key.key_arn], write=True, sid="ModelDataKey")
            statements.append({name: value for name, value in key.items() if name != "Sid"})
        add_statements(self.role, statements)
        if has_token(prefix_arn) and known_nag_name(self, prefix_arn) is None:
            remember_nag_name(self, prefix_arn, _flattened(Stack.of(self).resolve(prefix_arn)))
        acknowledge_wildcards(self.role, {prefix_arn: REPACKED_PREFIX_REASON})


def _flattened(value: Any) -> str:
    """A resolved ARN as cdk-nag's ``flattenCfnReference`` writes it in a finding id (a prefix split from an
    attribute in the template holds ``Fn::Select``, which it writes as JSON)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_flattened(part) for part in parts)
    if isinstance(value, dict) and "Fn::Sub" in value:
        return _flattened(value["Fn::Sub"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        return f"<{_flattened(resource)}.{_flattened(attribute)}>"
    if isinstance(value, dict) and "Fn::ImportValue" in value:
        return _flattened(value["Fn::ImportValue"])
    if isinstance(value, dict) and "Ref" in value:
        return f"<{_flattened(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


class ModelArchiveRepack(Construct):
    """One ``Custom::RLModelRepack``: ``model_data_url`` repacked with the code archive ``code_url`` under
    ``code/``, written beside it as ``repacked/<digest>/model.tar.gz`` (:attr:`model_data_url`, a GetAtt).

    :param model_data_url: ``s3://`` URI of ``model.tar.gz`` (tokens allowed; a URI that is a token as a whole
        is split in the template at ``model.tar.gz``, the SageMaker layout).
    :param code_url: ``s3://`` URI of the code archive (the serving code asset, or the training code).
    :param kms_key: the model data's key: the repacked archive is written with it (SSE-KMS).
    :param repack: the ``Repack`` property (a token: the attach resource's answer); ``"false"`` passes the model
        data through. Default: absent, always repack.
    :param code_arn: the ARN the handler reads the code archive at. Default: split from ``code_url``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model_data_url: str,
        code_url: str,
        kms_key: kms.IKey | None = None,
        repack: str | None = None,
        code_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        prefix = destination_prefix(model_data_url)
        if prefix is None:  # a token as a whole (an attached job's model data): split where CloudFormation resolves it
            prefix = Fn.join("", [Fn.select(0, Fn.split("model.tar.gz", model_data_url)), f"{REPACKED_FOLDER}/"])
        self.provider = ModelRepackProvider.of(self)
        self.provider.allow(
            model_data_arn=s3_object_arn(model_data_url),
            code_arn=code_arn if code_arn is not None else s3_object_arn(code_url),
            prefix_arn=s3_uri_arn(self, prefix, suffix="*", split_in_template=True, pseudo_partition=True),
            kms_key=kms_key,
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties={
                RepackProperty.MODEL_DATA_URL: model_data_url,
                RepackProperty.CODE_URL: code_url,
                RepackProperty.DESTINATION_PREFIX: prefix,
                **({RepackProperty.KMS_KEY_ID: kms_key.key_arn} if kms_key is not None else {}),
                **({RepackProperty.REPACK: repack} if repack is not None else {}),
            },
        )
        #: ``s3://`` URI of the repacked archive (``Fn::GetAtt``).
        self.model_data_url: str = self.resource.get_att_string(RepackAttribute.MODEL_DATA_URL)
        #: The prefix the archive is written under (a string or a token).
        self.destination_prefix = prefix
