"""The domain package stays plain Python: no aws_cdk, constructs or jsii import anywhere in it."""

from __future__ import annotations

import ast
from pathlib import Path

import rl_constructs.core

FORBIDDEN = {"aws_cdk", "constructs", "jsii", "cdk_nag"}


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_of_the_domain_imports_the_cdk() -> None:
    folder = Path(rl_constructs.core.__file__).parent
    modules = sorted(folder.rglob("*.py"))
    assert modules
    for module in modules:
        assert imported_roots(module.read_text()) & FORBIDDEN == set(), module.name


def test_the_checker_sees_an_import() -> None:
    assert imported_roots("from aws_cdk import Stack\nimport jsii") == {"aws_cdk", "jsii"}
