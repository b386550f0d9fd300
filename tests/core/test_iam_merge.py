"""core.iam_merge: statements merged as aws-cdk-lib merges them (``tests/constructs/test_state_graph.py``
compares a role's policy with aws-cdk-lib's own)."""

from __future__ import annotations

from rl_constructs.core.iam import allow
from rl_constructs.core.iam_merge import merge_statements


def test_statements_with_the_same_resources_or_actions_merge_into_the_first_sorted() -> None:
    statements = [
        allow(["s:B"], ["r1", "r2"]),
        allow(["s:X"], ["other"]),
        allow(["s:A"], ["r2", "r1"]),
        allow(["s:A", "s:B"], ["r3"]),  # the same actions as the merged first one: merged in the next pass
    ]
    assert merge_statements(statements) == [
        {"Effect": "Allow", "Action": ["s:A", "s:B"], "Resource": ["r1", "r2", "r3"]},
        {"Effect": "Allow", "Action": ["s:X"], "Resource": ["other"]},
    ]


def test_sids_conditions_and_objects_keep_their_place_unmerged() -> None:
    marker = object()
    statements = [
        allow(["s:A"], ["r"], sid="Named"),
        marker,
        allow(["s:B"], ["r"], conditions={"StringEquals": {"k": "v"}}),
        allow(["s:C"], ["r"]),
        allow(["s:D"], ["r"], conditions={"StringEquals": {"k": "v"}}),
    ]
    merged = merge_statements(statements)
    assert merged[:2] == [statements[0], marker]
    assert merged[2] == {**allow(["s:B", "s:D"], ["r"]), "Condition": {"StringEquals": {"k": "v"}}}
    assert merged[3] == allow(["s:C"], ["r"])
