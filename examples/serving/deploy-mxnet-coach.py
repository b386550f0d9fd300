"""Inference code for a Coach MXNet policy, served by the SageMaker MXNet 1.3 container.

The container imports this file (SAGEMAKER_PROGRAM) from the serving code archive (SAGEMAKER_SUBMIT_DIRECTORY)
and calls ``model_fn`` once, then ``transform_fn`` per request: JSON observations in, JSON action
probabilities out.
"""

import json
import os

import mxnet as mx


def model_fn(model_dir):
    """Load the policy network Coach exported into model.tar.gz (``model-symbol.json`` + ``model-0000.params``)."""
    symbol = os.path.join(model_dir, "model-symbol.json")
    params = os.path.join(model_dir, "model-0000.params")
    return mx.gluon.SymbolBlock.imports(symbol, ["data"], params, ctx=mx.cpu())


def transform_fn(net, data, input_content_type, output_content_type):
    """Observations (a JSON list of lists) -> the policy's action probabilities (a JSON list of lists)."""
    observations = mx.nd.array(json.loads(data))
    return json.dumps(net(observations).asnumpy().tolist()), output_content_type
