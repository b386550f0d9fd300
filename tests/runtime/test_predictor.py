"""runtime.Predictor: the InvokeEndpoint request it sends, serializers, model errors (botocore Stubber, moto)."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from rl_constructs.runtime.predictor import (
    BytesDeserializer,
    CSVSerializer,
    JSONDeserializer,
    JSONSerializer,
    PredictionError,
    Predictor,
)


def body(payload: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(payload), len(payload))


@pytest.fixture
def runtime() -> Any:
    return boto3.client("sagemaker-runtime", region_name="us-west-2")


def test_predict_sends_json_and_reads_json(runtime: Any) -> None:
    with Stubber(runtime) as stub:
        stub.add_response(
            "invoke_endpoint",
            {"Body": body(b'{"predictions": [[0.1, 0.9]]}'), "ContentType": "application/json"},
            {
                "EndpointName": "cartpole",
                "Body": '{"instances": [[0.0, 0.1, 0.0, -0.1]]}',
                "ContentType": "application/json",
                "Accept": "application/json",
            },
        )
        result = Predictor("cartpole", client=runtime).predict({"instances": [[0.0, 0.1, 0.0, -0.1]]})
    assert result == {"predictions": [[0.1, 0.9]]}


def test_serializers_and_extra_arguments_are_pluggable(runtime: Any) -> None:
    with Stubber(runtime) as stub:
        stub.add_response(
            "invoke_endpoint",
            {"Body": body(b"raw"), "ContentType": "application/octet-stream"},
            {
                "EndpointName": "cartpole",
                "Body": "1,2\n3,4",
                "ContentType": "text/csv",
                "Accept": "*/*",
                "TargetVariant": "AllTraffic",
            },
        )
        predictor = Predictor("cartpole", client=runtime, serializer=CSVSerializer(), deserializer=BytesDeserializer())
        assert predictor.predict([[1, 2], [3, 4]], initial_args={"TargetVariant": "AllTraffic"}) == b"raw"


def test_a_model_error_names_the_endpoint_and_carries_the_models_message(runtime: Any) -> None:
    with Stubber(runtime) as stub:
        stub.add_client_error(
            "invoke_endpoint",
            service_error_code="ModelError",
            service_message="Received client error (400) from primary",
            http_status_code=424,
        )
        with pytest.raises(PredictionError, match=r"cartpole: ModelError: Received client error \(400\)"):
            Predictor("cartpole", client=runtime).predict([1])


def test_the_builtin_serializers() -> None:
    assert JSONSerializer().serialize({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert JSONSerializer().serialize('{"already": "json"}') == '{"already": "json"}'
    assert CSVSerializer().serialize([1, 2, 3]) == "1,2,3"
    assert JSONDeserializer().deserialize(io.BytesIO(b"[1, 2]"), "application/json") == [1, 2]
    with pytest.raises(ValueError, match="endpoint_name"):
        Predictor("")


def test_against_moto_the_default_client_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    with mock_aws():
        predictor = Predictor("cartpole", deserializer=BytesDeserializer())
        answer = predictor.predict({"state": [0, 0, 0, 0]})  # moto answers a canned body
        assert isinstance(answer, bytes)
        assert json.loads(JSONSerializer().serialize({"state": [0, 0, 0, 0]})) == {"state": [0, 0, 0, 0]}


class NdarrayLike:
    """What the serializer relies on in numpy arrays and scalars: ``tolist()`` (numpy is not a dependency)."""

    def __init__(self, values: Any) -> None:
        self.values = values

    def tolist(self) -> Any:
        return self.values


def test_numpy_arrays_are_sent_as_lists_like_the_sdks_json_serializer() -> None:
    # The SDK's JSONSerializer sends ndarray.tolist(); arrays inside dicts and lists too.
    assert JSONSerializer().serialize(NdarrayLike([[0.0, 0.1]])) == "[[0.0, 0.1]]"
    assert JSONSerializer().serialize({"instances": NdarrayLike([[1, 2]])}) == '{"instances": [[1, 2]]}'
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        JSONSerializer().serialize(object())


def test_real_numpy_arrays_when_numpy_is_installed() -> None:
    numpy = pytest.importorskip("numpy")
    data = numpy.array([[0.0, 0.1, 0.0, -0.1]])
    assert JSONSerializer().serialize(data) == json.dumps(data.tolist())
    assert JSONSerializer().serialize({"x": numpy.float32(0.5)}) == '{"x": 0.5}'
