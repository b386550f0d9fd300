"""The JSONata of a tuning task: its job's name per execution and the output it adds to the state.

Pure string builders (no ``aws_cdk`` import); the tests evaluate them with a JSONata engine.
"""

from __future__ import annotations

from .. import execution_input
from .tuning import TUNING_JOB_NAME_MAX

#: Input key an execution may set to name its tuning job (it must keep the ``<base>-`` prefix).
INPUT_TUNING_JOB_NAME = "HyperParameterTuningJobName"
#: Key the tuning task adds to the state: the tuning job and its best training job.
OUTPUT_KEY = "TuningJob"


def tuning_job_name_expression(base: str, *, validate: bool = True) -> str:
    """JSONata naming the execution's tuning job: the input's ``HyperParameterTuningJobName`` (with the
    family prefix), else ``<base>-<execution name>`` when it fits in 32, else ``<base>-<MD5 of the execution>``."""
    return execution_input.job_name_expression(
        base, validate=validate, input_key=INPUT_TUNING_JOB_NAME, max_length=TUNING_JOB_NAME_MAX
    )


def encoded_job_name_expression(base: str) -> str:
    """JSONata of ``sagemaker_job_name``: the tuning job's name, JSON-encoded (a string in quotes)."""
    return f"'\"' & {tuning_job_name_expression(base, validate=False)} & '\"'"


def output_expression() -> str:
    """JSONata for the tuning task's output: its input plus ``TuningJob`` (name, ARN, status, counters, the best
    training job and its objective value) and ``TrainingJob``, the best training job in the shape the
    training task gives (name, ARN, status, ``ModelDataUrl``), so the states that deploy a trained model
    take either. SageMaker writes a job's model to ``<S3OutputPath>/<job name>/output/model.tar.gz``."""
    best = "$states.result.BestTrainingJob"
    output = "$states.result.TrainingJobDefinition.OutputDataConfig.S3OutputPath"
    model = f"$replace({output}, /\\/$/, '') & '/' & {best}.TrainingJobName & '/output/model.tar.gz'"
    return (
        f"$merge([$states.input, {{'{OUTPUT_KEY}': {{"
        "'HyperParameterTuningJobName': $states.result.HyperParameterTuningJobName, "
        "'HyperParameterTuningJobArn': $states.result.HyperParameterTuningJobArn, "
        "'HyperParameterTuningJobStatus': $states.result.HyperParameterTuningJobStatus, "
        "'TrainingJobStatusCounters': $states.result.TrainingJobStatusCounters, "
        f"'BestTrainingJob': {best}.{{'TrainingJobName': TrainingJobName, 'TrainingJobArn': TrainingJobArn, "
        "'TunedHyperParameters': TunedHyperParameters, "
        "'ObjectiveValue': FinalHyperParameterTuningJobObjectiveMetric.Value}}, "
        f"'{execution_input.OUTPUT_KEY}': {{'TrainingJobName': {best}.TrainingJobName, "
        f"'TrainingJobArn': {best}.TrainingJobArn, 'TrainingJobStatus': {best}.TrainingJobStatus, "
        f"'ModelDataUrl': {model}}}}}])"
    )
