"""Delete what an RLPipeline's runs created, when the stack deletes the pipeline: the ``on_event`` handler of
a ``custom_resources.Provider``.

Create and Update do nothing and answer a stable physical id (Update keeps the current one, so no change of
properties ever replaces the resource and deletes resources of a live pipeline). Delete removes every
SageMaker endpoint, then endpoint config, then model whose name starts with one of ``NamePrefixes`` (or,
for endpoints, equals one of ``EndpointNames``) **and** that carries the tag ``PIPELINE_TAG_KEY`` with the
value ``PipelineTagValue``; a resource without that tag is never touched. Resources already gone are fine,
throttling is retried by botocore (adaptive mode), and the handler stops starting new work before the
function's timeout. Delete never fails: whatever could not be deleted is logged, and the answer is success
(a failed Delete would block the stack's deletion).

Property names come from ``rl_constructs.core.contracts`` (shared with ``rl_constructs/cleanup.py``). Only boto3 from
the Lambda runtime is used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from rl_constructs.core.contracts import PIPELINE_TAG_KEY, CleanupProperty

#: No new call starts when less than this is left of the function's time: one call, with its retries
#: (4 attempts of at most 5 s to connect and 15 s to read, plus backoff), ends well within it.
SAFETY_MARGIN_MS = 120_000
#: Page size of the List calls (the API's maximum).
PAGE_SIZE = 100
#: Error codes of a resource that no longer exists (SageMaker answers ValidationException "Could not find").
GONE_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException"})
GONE_MESSAGES = ("could not find", "does not exist", "not found")


class Kind(NamedTuple):
    """One kind of SageMaker resource a pipeline run creates, and how to list and delete it."""

    name: str
    list_operation: str
    list_key: str
    name_key: str
    arn_key: str
    delete_operation: str


#: In deletion order: an endpoint first (it uses a config), then its configs, then their models.
KINDS = (
    Kind("endpoint", "list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "delete_endpoint"),
    Kind(
        "endpoint-config",
        "list_endpoint_configs",
        "EndpointConfigs",
        "EndpointConfigName",
        "EndpointConfigArn",
        "delete_endpoint_config",
    ),
    Kind("model", "list_models", "Models", "ModelName", "ModelArn", "delete_model"),
)

_client: Any = None


def sagemaker() -> Any:
    """The SageMaker client, created on first use: adaptive retries (throttling, 5xx) and short timeouts."""
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client(
            "sagemaker",
            config=Config(retries={"mode": "adaptive", "total_max_attempts": 4}, connect_timeout=5, read_timeout=15),
        )
    return _client


def on_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Create: a stable physical id. Update: the current one. Delete: the cleanup; never fails."""
    request = event.get("RequestType")
    if request == "Create":
        return {"PhysicalResourceId": f"{PIPELINE_TAG_KEY}/{event.get('LogicalResourceId', 'cleanup')}"}
    physical_id = event.get("PhysicalResourceId")
    if request == "Delete":
        try:
            report = cleanup(event.get("ResourceProperties", {}), _remaining_ms(context))
            print(json.dumps({"request": "Delete", **report}))
        except Exception as error:  # Delete must answer success whatever happens; the log says why
            print(json.dumps({"request": "Delete", "error": f"{type(error).__name__}: {error}"}))
    return {"PhysicalResourceId": physical_id}


def cleanup(properties: dict[str, Any], remaining_ms: Callable[[], int]) -> dict[str, Any]:
    """Delete the pipeline's tagged endpoints, endpoint configs and models; return what happened to each.

    The report lists ``deleted`` and already ``gone`` resources, ``untagged`` ones left alone (names only
    matched), ``failed`` ones with the error, and ``not_reached`` ones when time ran out.
    """
    tag_value = str(properties.get(CleanupProperty.PIPELINE_TAG_VALUE) or "")
    prefixes = [str(p) for p in properties.get(CleanupProperty.NAME_PREFIXES) or [] if p]
    endpoint_names = [str(n) for n in properties.get(CleanupProperty.ENDPOINT_NAMES) or [] if n]
    report: dict[str, Any] = {"deleted": [], "gone": [], "untagged": [], "failed": [], "not_reached": []}
    if not tag_value or not (prefixes or endpoint_names):
        report["skipped"] = "no pipeline tag value or no names to match"
        return report
    for kind in KINDS:
        names = endpoint_names if kind.name == "endpoint" else []
        for name, arn in candidates(kind, prefixes, names, report, remaining_ms):
            label = f"{kind.name}/{name}"
            if remaining_ms() < SAFETY_MARGIN_MS:
                report["not_reached"].append(label)
                continue
            try:
                if not carries_tag(arn, tag_value):
                    report["untagged"].append(label)
                    continue
                getattr(sagemaker(), kind.delete_operation)(**{kind.name_key: name})
                report["deleted"].append(label)
            except Exception as error:
                if is_gone(error):
                    report["gone"].append(label)
                else:
                    report["failed"].append(f"{label}: {describe_error(error)}")
    return report


def candidates(
    kind: Kind, prefixes: list[str], names: list[str], report: dict[str, Any], remaining_ms: Callable[[], int]
) -> Iterator[tuple[str, str]]:
    """(name, ARN) of every resource of ``kind`` whose name starts with a prefix or equals a name, each once
    (all pages of the List call with ``NameContains``); a failed listing is reported, the others go on."""
    seen: set[str] = set()
    for text, exact in [(prefix, False) for prefix in prefixes] + [(name, True) for name in names]:
        if remaining_ms() < SAFETY_MARGIN_MS:
            report["not_reached"].append(f"list {kind.name} {text!r}")
            continue
        try:
            pages = (
                sagemaker()
                .get_paginator(kind.list_operation)
                .paginate(NameContains=text, PaginationConfig={"PageSize": PAGE_SIZE})
            )
            found = [
                (item[kind.name_key], item[kind.arn_key]) for page in pages for item in page.get(kind.list_key, [])
            ]
        except Exception as error:
            report["failed"].append(f"list {kind.name} {text!r}: {describe_error(error)}")
            continue
        for name, arn in found:
            if (name == text if exact else name.startswith(text)) and name not in seen:
                seen.add(name)
                yield name, arn


def carries_tag(arn: str, tag_value: str) -> bool:
    """Whether the resource carries ``PIPELINE_TAG_KEY`` with ``tag_value`` (all pages of ListTags)."""
    pages = sagemaker().get_paginator("list_tags").paginate(ResourceArn=arn, PaginationConfig={"PageSize": 100})
    return any(
        tag.get("Key") == PIPELINE_TAG_KEY and tag.get("Value") == tag_value
        for page in pages
        for tag in page.get("Tags", [])
    )


def is_gone(error: Exception) -> bool:
    """Whether ``error`` says the resource no longer exists."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code", "")
    message = str(response.get("Error", {}).get("Message", "")).lower()
    return code in GONE_CODES or (code == "ValidationException" and any(m in message for m in GONE_MESSAGES))


def describe_error(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"{response['Error'].get('Code', '')}: {response['Error'].get('Message', '')}"
    return f"{type(error).__name__}: {error}"


def _remaining_ms(context: Any) -> Callable[[], int]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        return lambda: int(remaining())
    return lambda: 15 * 60 * 1000  # no Lambda context (a test): the longest a function may run
