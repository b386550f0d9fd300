"""core.workflow: the retries per integration kind are bounded, and a failure's JSONata names the step, the
error and its cause, cut to Step Functions' limit."""

from __future__ import annotations

from rl_constructs.core.workflow import (
    AUTOSCALING_RETRIES,
    CAUSE_MAX,
    LAMBDA_INVOKE_RETRIES,
    SDK_BASE_ERROR,
    SDK_CALL_RETRIES,
    TRAINING_RETRIES,
    FailureName,
    RetryPolicy,
    failure_assignment,
    failure_from_input,
    failure_value,
    training_failure_assignment,
)


def test_the_worst_case_of_a_retry_policy_is_capped_by_its_max_delay() -> None:
    assert RetryPolicy(("E",), interval_seconds=1, max_attempts=4, max_delay_seconds=8).worst_case_seconds() == 15
    assert RetryPolicy(("E",), interval_seconds=2, max_attempts=4, max_delay_seconds=5).worst_case_seconds() == 16


def test_a_permanent_error_under_a_base_name_costs_seconds_not_minutes() -> None:
    for policies in (TRAINING_RETRIES, SDK_CALL_RETRIES, AUTOSCALING_RETRIES):
        assert policies[0].worst_case_seconds() <= 30
    assert LAMBDA_INVOKE_RETRIES[0].worst_case_seconds() <= 180  # transient Lambda service errors only
    assert SDK_BASE_ERROR == "SageMaker.SageMakerException"
    assert all(name.startswith("RL.") for name in FailureName)


def test_a_failure_names_the_step_and_keeps_the_cause_under_the_limit() -> None:
    value = failure_value("'RL.X'", "Create model")
    assert value.startswith("{'Error': 'RL.X', 'Cause': $substring('Create model failed with ' & $states.errorOutput")
    assert value.endswith(f", 0, {CAUSE_MAX})}}")
    assert failure_assignment("Transform", FailureName.TRANSFORM_FAILED, variable="transformFailure") == {
        "transformFailure": "{% " + failure_value("'RL.TransformFailed'", "Transform") + " %}"
    }
    assert "$states.input.Cause" in failure_from_input("Read endpoint", FailureName.DEPLOYMENT_FAILED)["failure"]
    training = training_failure_assignment("Train")["failure"]
    assert "'States.QueryEvaluationError' ? 'RL.InvalidInput' : 'RL.TrainingFailed'" in training
