"""What each entry point loads: the catalog without jsii, a pipeline without the attach machinery.

Run in a fresh interpreter each, since this test process has long imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import rl_constructs


def loaded_after(statement: str, *modules: str) -> dict[str, bool]:
    probe = f"import json, sys\n{statement}\nprint(json.dumps({{m: m in sys.modules for m in {list(modules)!r}}}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ)
    loaded: dict[str, bool] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_the_catalog_loads_without_the_cdk() -> None:
    loaded = loaded_after(
        "from rl_constructs import RLToolkit, training_image; training_image('coach', '0.11.0', 'tensorflow')",
        "aws_cdk",
        "jsii",
        "botocore",
    )
    assert loaded == {"aws_cdk": False, "jsii": False, "botocore": False}


def test_a_pipeline_does_not_load_the_attach_or_l1_sagemaker_modules() -> None:
    loaded = loaded_after(
        "from rl_constructs import RLPipeline, RLTrainingJob",
        "aws_cdk.aws_stepfunctions",
        "aws_cdk.custom_resources",
        "aws_cdk.aws_lambda",
        "aws_cdk.aws_sagemaker",
        "botocore",
    )
    assert loaded == {
        "aws_cdk.aws_stepfunctions": True,
        "aws_cdk.custom_resources": False,
        "aws_cdk.aws_lambda": False,
        "aws_cdk.aws_sagemaker": False,
        "botocore": False,
    }


@pytest.mark.parametrize("name", rl_constructs.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(rl_constructs, name) is not None
    assert name in dir(rl_constructs)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="RLEstimator"):
        rl_constructs.RLEstimator  # type: ignore[attr-defined]  # noqa: B018
