"""The SDK's hyperparameter encoding: user values and the ``sagemaker_*`` keys, json.dumps-encoded."""

from __future__ import annotations

from typing import Any

import pytest

from rl_constructs.core import RLConfigurationError
from rl_constructs.core.training.hyperparameters import (
    encode_user_hyperparameters,
    sdk_hyperparameters,
)


def test_user_values_are_json_encoded_like_the_sdk() -> None:
    encoded = encode_user_hyperparameters(
        {"discount": 0.99, "name": "cartpole", "episodes": 100, "use_gpu": True, "nested": {"a": [1, 2]}}
    )
    assert encoded == {
        "discount": "0.99",
        "name": '"cartpole"',
        "episodes": "100",
        "use_gpu": "true",
        "nested": '{"a": [1, 2]}',
    }


def test_the_sdk_keys_are_encoded_the_same_way() -> None:
    assert sdk_hyperparameters(
        entry_point="train.py",
        submit_directory="s3://b/k.tar.gz",
        job_name="j-1",
        region="us-west-2",
        s3_output="s3://b/",
    ) == {
        "sagemaker_program": '"train.py"',
        "sagemaker_submit_directory": '"s3://b/k.tar.gz"',
        "sagemaker_container_log_level": "20",
        "sagemaker_job_name": '"j-1"',
        "sagemaker_region": '"us-west-2"',
        "sagemaker_s3_output": '"s3://b/"',
        "sagemaker_estimator": '"RLEstimator"',
    }


@pytest.mark.parametrize(
    ("hyperparameters", "argument", "fragment"),
    [
        ({"sagemaker_program": "x"}, "hyperparameters['sagemaker_program']", "reserved"),
        ({"x": object()}, "hyperparameters['x']", "not JSON-serializable"),
        ({"x": "v" * 2600}, "hyperparameters['x']", "SageMaker allows 2500"),
        ({"k" * 257: 1}, "hyperparameters['" + "k" * 257 + "']", "longer than 256"),
        ({f"k{i}": i for i in range(94)}, "hyperparameters", "exceed SageMaker's limit of 100"),
    ],
)
def test_bad_hyperparameters_name_the_key(hyperparameters: dict[str, Any], argument: str, fragment: str) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        encode_user_hyperparameters(hyperparameters)
    assert caught.value.argument == argument and fragment in str(caught.value)
