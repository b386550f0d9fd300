"""The training side of the core (no ``aws_cdk``): each construct's options, its request and its JSONata.

- ``options`` (``resolve_training_job``: every default and check of ``RLTrainingJob``; ``checks`` holds the
  checks one by one), ``request`` (the CreateTrainingJob renderer: its API-cased keys appear only there),
  ``job_request`` (a resolved job's request and Debugger settings), ``iam`` (the execution role's statements
  and the reason of each wildcard), ``hyperparameters`` and ``metrics`` (as the SDK encodes and defaults them);
- ``tuning`` (``resolve_tuning_job``), ``tuning_ranges``, ``tuning_request``, ``tuning_jsonata``;
- ``evaluation`` (``resolve_evaluation_job``, the reward gate), ``run_overrides`` (``resolve_run_overrides``
  and the JSONata that applies a run's overrides), ``attach`` (``resolve_attach``, the ``Serving`` property).
"""
