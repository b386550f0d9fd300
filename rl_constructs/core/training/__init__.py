"""The training side of the core: the training request, hyperparameters, metrics, tuning, evaluation and
run-time overrides (options, checks, API-cased requests and JSONata, no ``aws_cdk``)."""
