"""The client side: query what you deployed and run it (no ``aws_cdk`` import, loads fast in notebooks).

- :class:`Predictor` calls InvokeEndpoint as the SageMaker SDK's ``Predictor`` does (``predictor.py``).
- :func:`execution_input` builds a pipeline execution's input as ``RLEstimator.fit()`` encodes it
  (``executions.py``).
- ``cli/`` is the ``rl-constructs`` command (train, follow, stop, metrics, endpoints, predict).
"""

from .executions import execution_input
from .predictor import (
    BytesDeserializer,
    CSVSerializer,
    Deserializer,
    JSONDeserializer,
    JSONSerializer,
    PredictionError,
    Predictor,
    Serializer,
)

__all__ = [
    "BytesDeserializer",
    "CSVSerializer",
    "Deserializer",
    "JSONDeserializer",
    "JSONSerializer",
    "PredictionError",
    "Predictor",
    "Serializer",
    "execution_input",
]
