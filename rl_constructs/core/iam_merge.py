"""IAM statements merged as aws-cdk-lib merges a policy's statements (``@aws-cdk/aws-iam:minimizePolicies``),
so that a construct hands over a few statements instead of one per call (each statement handed to aws-cdk-lib
is a jsii round trip). Pure: no ``aws_cdk`` import.

aws-cdk-lib merges them again with the rest of the policy when it renders it: statements merged here are the
ones it would merge, so the rendered policy is the same. (Its size limit on a merged statement, 2,000
characters as it estimates them, is not applied here: the statements merged here stay far below it.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from .iam import Statement

T = TypeVar("T")


def merge_statements(statements: Iterable[Statement | T]) -> list[Statement | T]:
    """Merge, as aws-cdk-lib's ``mergeStatements`` does, statements of the same effect and conditions, without
    ``Sid`` nor principals, that have the same actions or the same resources: each later statement into the
    first one it merges with, actions and resources then sorted; repeated until nothing merges. Items that
    are not statements as data (aws-cdk-lib's objects, handed over as they are) keep their place and merge
    with nothing."""
    merged = [dict(item) if isinstance(item, dict) else item for item in statements]
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(merged):
            j = i + 1
            while j < len(merged):
                combined = _combined(merged[i], merged[j])
                if combined is None:
                    j += 1
                    continue
                merged[i] = combined
                del merged[j]
                changed = True
            i += 1
    return merged


def _combined(a: object, b: object) -> Statement | None:
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return None
    if not (_mergeable(a) and _mergeable(b)) or a.get("Effect", "Allow") != b.get("Effect", "Allow"):
        return None
    if json.dumps(a.get("Condition")) != json.dumps(b.get("Condition")):
        return None
    actions_a, actions_b = _values(a, "Action"), _values(b, "Action")
    resources_a, resources_b = _values(a, "Resource"), _values(b, "Resource")
    if set(actions_a) != set(actions_b) and set(resources_a) != set(resources_b):
        return None
    return {
        **a,
        "Action": sorted(dict.fromkeys([*actions_a, *actions_b])),
        "Resource": sorted(dict.fromkeys([*resources_a, *resources_b])),
    }


def _mergeable(statement: Statement) -> bool:
    return not any(key in statement for key in ("Sid", "Principal", "NotPrincipal", "NotAction", "NotResource"))


def _values(statement: Statement, key: str) -> Sequence[Any]:
    value = statement.get(key, [])
    return [value] if isinstance(value, str) else list(value)
