"""``PipelineResourceCleanup``'s options: the tag value, name prefixes and endpoint names whose resources are
deleted at ``cdk destroy``, and the removal policy, each checked in :func:`resolve`; and what the handler may
delete (the SageMaker resources of each kind, in both spellings). Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..aws import NAME_MAX_LENGTH, NAME_PATTERN, NAME_PREFIX_PATTERN
from ..contracts import PIPELINE_TAG_KEY
from ..errors import RLConfigurationError
from .checks import is_token

#: SageMaker's tag value pattern (``[\p{L}\p{Z}\p{N}_.:/=+\-@]*``, at most 256 characters).
_TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]{1,256}")
_PREFIX = re.compile(NAME_PREFIX_PATTERN)
_ENDPOINT_NAME = re.compile(NAME_PATTERN)
#: The removal policies a custom resource takes (``RemovalPolicy`` names).
REMOVAL_POLICIES = ("DESTROY", "RETAIN")
#: What the handler may do to each kind of resource: read its tags, and delete it.
DELETE_ACTIONS = {
    "endpoint": "sagemaker:DeleteEndpoint",
    "endpoint-config": "sagemaker:DeleteEndpointConfig",
    "model": "sagemaker:DeleteModel",
}


@dataclass(frozen=True)
class CleanupOptions:
    """``PipelineResourceCleanup``'s checked options."""

    pipeline_tag_value: str
    #: Without repeats, in the order given.
    name_prefixes: tuple[str, ...]
    endpoint_names: tuple[str, ...]
    #: ``DESTROY`` or ``RETAIN``.
    removal_policy: str


def resolve(
    *,
    pipeline_tag_value: str,
    name_prefixes: Sequence[str],
    endpoint_names: Sequence[str] = (),
    removal_policy: str = "DESTROY",
) -> CleanupOptions:
    """The cleanup's options; ``removal_policy``: the ``RemovalPolicy``'s name."""
    _check_tag_value(pipeline_tag_value)
    prefixes = _names("name_prefixes", name_prefixes, _PREFIX, "letters, digits and hyphens")
    if not prefixes:
        raise RLConfigurationError("name_prefixes", "give at least one name prefix of the pipeline's resources.")
    names = _names("endpoint_names", endpoint_names, _ENDPOINT_NAME, "a valid SageMaker endpoint name")
    if removal_policy not in REMOVAL_POLICIES:
        raise RLConfigurationError(
            "removal_policy",
            f"RemovalPolicy.{removal_policy} does not apply to a custom resource.",
            allowed=list(REMOVAL_POLICIES),
        )
    return CleanupOptions(pipeline_tag_value, tuple(prefixes), tuple(names), removal_policy)


def deletable_resources(name_prefixes: Sequence[str], endpoint_names: Sequence[str]) -> dict[str, list[str]]:
    """Per kind (``endpoint``, ``endpoint-config``, ``model``), the resources (``<kind>/<name>``) the handler
    may read the tags of and delete: those named ``<prefix>*``, and the endpoints named in ``endpoint_names``,
    each in its given and lower-cased spelling (SageMaker has written ARNs of both)."""
    resources = {kind: [f"{kind}/{prefix}*" for prefix in spellings(name_prefixes)] for kind in DELETE_ACTIONS}
    resources["endpoint"] += [f"endpoint/{name}" for name in spellings(endpoint_names)]
    return resources


def spellings(names: Sequence[str]) -> list[str]:
    """Each name as given and lower-cased (a token only as given), without repeats."""
    return list(dict.fromkeys(s for name in names for s in ([name] if is_token(name) else [name, name.lower()])))


def _check_tag_value(value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"pipeline_tag_value: expected a str, got {type(value).__name__}")
    if not is_token(value) and not _TAG_VALUE.fullmatch(value):
        raise RLConfigurationError(
            "pipeline_tag_value",
            f"{value!r} is not a SageMaker tag value for {PIPELINE_TAG_KEY}: 1 to 256 letters, digits, spaces "
            "and _ . : / = + - @.",
        )


def _names(argument: str, values: Sequence[str], pattern: re.Pattern[str], rule: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise TypeError(f"{argument}: expected a sequence of str, got {type(values).__name__}")
    names: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"{argument}: expected a sequence of str, got an item of type {type(value).__name__}")
        if not is_token(value) and (len(value) > NAME_MAX_LENGTH or not pattern.fullmatch(value)):
            raise RLConfigurationError(argument, f"{value!r} is not {rule} of at most {NAME_MAX_LENGTH} characters.")
        if value not in names:
            names.append(value)
    return names
