"""ARNs in the stack's partition, region and account, written compactly in the template.

``Stack.format_arn`` (and any f-string over ``Aws.PARTITION``...) renders an ARN of a region-agnostic
stack as an ``Fn::Join`` of three ``Ref``s: about 350 bytes of indented template for each. IAM
policies name a dozen such ARNs per pipeline, which is what kept 50 pipelines from fitting one template.
Here the same ARN is one ``Fn::Sub`` (``arn:${AWS::Partition}:sagemaker:${AWS::Region}:...``), which
CloudFormation resolves to the same value; with a concrete environment it is a plain string, as
``format_arn`` writes it. cdk-nag names both forms alike (``<AWS::Region>``), so acknowledgments match.

The stack's partition, region and account are read once per stack (each read is a jsii round trip), and
the name cdk-nag gives each ARN made here is remembered, so acknowledging it needs no token resolution: both
are kept by the stack's context (``_context.py``).
"""

from __future__ import annotations

from aws_cdk import Aws, Fn
from constructs import IConstruct

from ._context import StackEnvironment as StackEnvironment  # re-exported: importers of this module use them
from ._context import remember_stack as remember_stack
from ._context import stack_context
from ._context import stack_of as stack_of
from .core.iam import Resource, StackArn


def has_token(value: str) -> bool:
    """``Token.is_unresolved`` for a string, without the jsii round trip: the CDK encodes every token in
    a string as ``${Token[...]}``."""
    return "${Token[" in value


def stack_environment(scope: IConstruct) -> StackEnvironment:
    """The partition, region and account of ``scope``'s stack (tokens in a region-agnostic stack), read once
    per stack (its context keeps them)."""
    return stack_context(scope).environment


def stack_arn(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` of ``scope``'s stack (region and account
    empty when not ``regional``, as for S3). ``resource`` is written as given (``training-job/name-*``,
    ``log-group:/aws/sagemaker/TrainingJobs*``); it may hold tokens, then the ARN is concatenated instead."""
    context = stack_context(scope)
    partition, region, account = context.environment
    if not regional:
        region = account = ""
    if has_token(resource) or "${" in resource:  # not expressible as one Fn::Sub: let the CDK concatenate
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"
    made = context.arns
    key = (service, resource, regional)
    if key not in made:
        variables = [
            "${AWS::Partition}" if has_token(partition) else partition,
            "${AWS::Region}" if has_token(region) else region,
            "${AWS::AccountId}" if has_token(account) else account,
        ]
        arn = "arn:{}:{service}:{}:{}:{resource}".format(*variables, service=service, resource=resource)
        if "${AWS::" in arn:
            made[key] = Fn.sub(arn)
            # cdk-nag's flattenCfnReference writes Fn::Sub's ``${X}`` as ``<X>``.
            context.nag_names[made[key]] = arn.replace("${", "<").replace("}", ">")
        else:
            made[key] = arn
    return made[key]


def known_nag_name(scope: IConstruct, arn: str) -> str | None:
    """How cdk-nag names ``arn`` in a finding, when ``stack_arn`` made it or it was named before in ``scope``'s
    stack; else None."""
    return stack_context(scope).nag_names.get(arn)


def remember_nag_name(scope: IConstruct, arn: str, name: str) -> None:
    """Record how cdk-nag names ``arn`` (a token string) in ``scope``'s stack, once resolved."""
    stack_context(scope).nag_names[arn] = name


def resource_arn(scope: IConstruct, resource: Resource) -> str:
    """A statement's resource as a string: a :class:`~rl_constructs.core.iam.StackArn` made by :func:`stack_arn`
    in ``scope``'s stack, any other as given."""
    if isinstance(resource, StackArn):
        return stack_arn(scope, resource.service, resource.resource, regional=resource.regional)
    return resource


def family_arns(scope: IConstruct, resource_type: str, base_name: str) -> list[str]:
    """ARN patterns of every SageMaker ``resource_type`` (``training-job``, ``model``...) named
    ``<base_name>-*``. SageMaker has returned names lower-cased in ARNs (``RL-Train-1`` as
    ``...:training-job/rl-train-1``) and IAM compares ARNs case-sensitively, so both spellings are allowed
    when they differ."""
    names = dict.fromkeys([f"{base_name}-*", f"{base_name.lower()}-*"])
    return [stack_arn(scope, "sagemaker", f"{resource_type}/{name}") for name in names]


def s3_uri_arn(
    scope: IConstruct, uri: str, *, suffix: str = "", split_in_template: bool = False, pseudo_partition: bool = False
) -> str:
    """The ARN of what the ``s3://bucket/key`` URI ``uri`` names (its bucket for ``s3://bucket``), followed by
    ``suffix`` (``*``: every object under the prefix), in the partition of ``scope``'s stack. ``uri`` may hold
    tokens:

    - its ``s3://`` literal (``s3://bucket/key``, ``f"s3://{bucket.bucket_name}/prefix"``): split here, as
      ``arn:<partition>:s3:::<bucket/key><suffix>`` with its tokens concatenated (``Fn::Join``);
    - a token as a whole (``Fn.join(...)``, a resource attribute): split by CloudFormation, the text after the
      first ``s3://`` (``Fn::Select(1, Fn::Split("s3://", uri))``);
    - with ``split_in_template``, any ``uri`` holding a token is split by CloudFormation (a literal ``uri`` is
      still split here).

    The partition is the stack's: a literal where the stack's region is known (with the
    ``@aws-cdk/core:enablePartitionLiterals`` flag), else ``{"Ref": "AWS::Partition"}``; with
    ``pseudo_partition``, always the ``Ref`` (``Aws.PARTITION``). The model data, serving code, input channel
    and attach ARNs have been written with ``pseudo_partition`` (and the first two with ``split_in_template``):
    keep those to keep their templates. Raises ``ValueError`` for a literal that is not an ``s3://`` URI.
    """
    context = stack_context(scope)
    if pseudo_partition:
        partition = context.remember(_PSEUDO_PARTITION, lambda: Aws.PARTITION)
    else:
        partition = context.environment.partition
    if not has_token(uri) or (uri.startswith("s3://") and not split_in_template):
        if not uri.startswith("s3://"):
            raise ValueError(f"{uri!r} is not an s3:// URI")
        return f"arn:{partition}:s3:::{uri[len('s3://') :]}{suffix}"
    split = Fn.select(1, Fn.split("s3://", uri))
    return Fn.join("", ["arn:", partition, ":s3:::", split, *([suffix] if suffix else [])])


#: The context's memo key of ``Aws.PARTITION`` (a static of the jsii runtime: one round trip to read).
_PSEUDO_PARTITION = "AWS::Partition"
