"""The tags of what a pipeline's runs create: the pipeline's own tag, the user's ``tags``, and the tags applied
with ``Tags.of(...)``. Pure: no ``aws_cdk`` import.

Every model, endpoint config and endpoint a run creates carries ``PIPELINE_TAG_KEY`` with the pipeline's value:
the cleanup after a run and at ``cdk destroy`` deletes only what carries it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..arguments import check_mapping
from ..contracts import PIPELINE_TAG_KEY
from ..errors import RLConfigurationError

#: SageMaker's tag value limit.
TAG_VALUE_MAX = 256


def pipeline_tag_value(construct_path: str) -> str:
    """The tag value naming a pipeline: its construct path, shortened (keeping its end) to SageMaker's limit."""
    return construct_path if len(construct_path) <= TAG_VALUE_MAX else construct_path[-TAG_VALUE_MAX:]


def pipeline_tags(tag_value: str) -> list[dict[str, str]]:
    """The ``Tags`` of every resource a run creates."""
    return [{"Key": PIPELINE_TAG_KEY, "Value": tag_value}]


def is_reserved(key: str) -> bool:
    """The pipeline's own key and AWS's ``aws:`` keys: never the user's."""
    return key == PIPELINE_TAG_KEY or key.lower().startswith("aws:")


def user_tags(tags: Mapping[str, str] | None) -> tuple[dict[str, str], ...]:
    """``tags`` as SageMaker ``Tags``; the pipeline's own key and the reserved ``aws:`` prefix are refused
    (lengths and characters are checked against botocore's model with each request)."""
    checked = check_mapping(tags, "tags", values=str, values_name="str") or {}
    for key in checked:
        if is_reserved(key):
            raise RLConfigurationError(
                "tags", f"{key!r} is reserved ({PIPELINE_TAG_KEY} marks what the runs create; aws: is AWS's)."
            )
    return tuple({"Key": key, "Value": value} for key, value in checked.items())


def with_applied_tags(
    resource_tags: Sequence[Mapping[str, str]], applied: Sequence[Mapping[str, str]] | None
) -> list[dict[str, str]]:
    """The ``Tags`` of what a run creates: ``resource_tags`` (the pipeline tag, then ``tags=``), then the tags
    applied to the pipeline with ``Tags.of(...)`` (read from its state machine at synth) whose keys are not
    among them; the pipeline's own key and AWS's ``aws:`` keys are never taken from ``applied``."""
    merged = [dict(tag) for tag in resource_tags]
    taken = {tag["Key"] for tag in merged}
    for tag in applied or ():
        key = tag["Key"]
        if key in taken or is_reserved(key):
            continue
        taken.add(key)
        merged.append({"Key": key, "Value": tag["Value"]})
    return merged
