"""AWS facts the library relies on, each written once: SageMaker names, partitions, S3 URIs and ARNs.

Pure functions of strings (no AWS CDK import); values that may be CloudFormation tokens are the construct
layer's business (``rl_constructs._arns``).
"""

from __future__ import annotations

import re

from .errors import RLConfigurationError

#: The longest name of a SageMaker resource (training job, endpoint, endpoint config, model, transform job).
NAME_MAX_LENGTH = 63
#: What SageMaker accepts as a resource name (botocore's ``EntityName``, ``TrainingJobName``, ...): letters,
#: digits and hyphens, starting and ending with a letter or digit. The length is checked apart.
NAME_PATTERN = "[a-zA-Z0-9](-*[a-zA-Z0-9])*"
#: The longest instance group name of a heterogeneous cluster (botocore's ``InstanceGroupName``: 1 to 64 of any
#: character; the library keeps the resource-name alphabet above).
INSTANCE_GROUP_NAME_MAX_LENGTH = 64
#: What ``NameContains`` of the SageMaker List calls accepts as a name prefix (letters, digits, hyphens,
#: at most 63, starting with a letter or digit).
NAME_PREFIX_PATTERN = "[a-zA-Z0-9][a-zA-Z0-9-]{0,62}"

_NAME = re.compile(NAME_PATTERN)

#: AWS partitions by region-name prefix (longest first); every other region is in ``aws``.
_PARTITIONS = (
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
)


def is_valid_name(name: str, *, max_length: int = NAME_MAX_LENGTH) -> bool:
    """Whether ``name`` is a valid SageMaker resource name of at most ``max_length`` characters."""
    return len(name) <= max_length and _NAME.fullmatch(name) is not None


def check_name(argument: str, name: str, *, what: str, max_length: int = NAME_MAX_LENGTH) -> str:
    """``name`` when it is a valid SageMaker ``what`` name (see :func:`is_valid_name`), else an
    :class:`RLConfigurationError` naming ``argument``, the value and the rule."""
    if not is_valid_name(name, max_length=max_length):
        raise RLConfigurationError(
            argument,
            f"{name!r} is not a valid SageMaker {what}: 1 to {max_length} letters, digits and hyphens, "
            "starting and ending with a letter or digit.",
        )
    return name


def partition(region: str) -> str:
    """The AWS partition of ``region`` (``aws-cn`` for ``cn-north-1``...), as ARNs in it begin."""
    return next((name for prefix, name in _PARTITIONS if region.startswith(prefix)), "aws")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key`` (the key may be empty); ``ValueError`` for any other URI."""
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"{uri!r} names no bucket")
    return bucket, key


def s3_arn(partition: str, bucket: str, key: str = "") -> str:
    """The ARN of ``bucket`` (no ``key``) or of the object(s) ``key`` in it (``key`` may end in ``*``)."""
    return f"arn:{partition}:s3:::{bucket}/{key}" if key else f"arn:{partition}:s3:::{bucket}"
