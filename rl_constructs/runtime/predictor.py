"""Query a deployed RL endpoint, like the SageMaker SDK's ``Predictor``: JSON in, JSON out.

``Predictor(endpoint_name).predict(data)`` serializes ``data``, calls ``sagemaker-runtime``
InvokeEndpoint and deserializes the answer. Serializers and deserializers are pluggable (anything with
``content_type``/``serialize`` and ``accept``/``deserialize``), as in the SDK. No CDK import: this module
loads fast in notebooks and scripts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, Protocol


class Serializer(Protocol):
    """Turns request data into the body of InvokeEndpoint."""

    content_type: str

    def serialize(self, data: Any) -> bytes | str: ...


class Deserializer(Protocol):
    """Turns the body of an InvokeEndpoint answer into data."""

    accept: str

    def deserialize(self, stream: Any, content_type: str) -> Any: ...


def _to_json_value(value: Any) -> Any:
    """``json.dumps``' fallback: numpy arrays and scalars (anything with ``tolist()``) become lists and
    numbers, as the SDK's JSON serializer sends them; numpy itself is not needed."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class JSONSerializer:
    """``application/json``: data as JSON; ``str`` and ``bytes`` are sent as they are (already JSON).

    numpy arrays (also inside dicts and lists) are sent as ``array.tolist()``, like the SDK's serializer.
    """

    content_type = "application/json"

    def serialize(self, data: Any) -> bytes | str:
        if isinstance(data, bytes | str):
            return data
        if hasattr(data, "read"):  # a file-like object: its content, as the SDK sends it
            return data.read()  # type: ignore[no-any-return]
        return json.dumps(data, default=_to_json_value)


class CSVSerializer:
    """``text/csv``: a row (list of values) or rows (list of lists), one CSV line per row."""

    content_type = "text/csv"

    def serialize(self, data: Any) -> bytes | str:
        if isinstance(data, bytes | str):
            return data
        rows = data if data and isinstance(data[0], list | tuple) else [data]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue().rstrip("\n")


class JSONDeserializer:
    """``application/json``: the body parsed as JSON."""

    accept = "application/json"

    def deserialize(self, stream: Any, content_type: str) -> Any:
        body = stream.read() if hasattr(stream, "read") else stream
        try:
            return json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
        finally:
            if hasattr(stream, "close"):
                stream.close()


class BytesDeserializer:
    """Any content type: the body as bytes."""

    accept = "*/*"

    def deserialize(self, stream: Any, content_type: str) -> Any:
        body = stream.read() if hasattr(stream, "read") else stream
        return bytes(body)


class PredictionError(RuntimeError):
    """The endpoint answered with an error (the model's own message is included), or with a body the
    deserializer cannot read. ``code`` is the InvokeEndpoint error code (``ModelError``, ``ValidationError``
    for an unknown endpoint...), or ``"UnreadableResponse"``."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class Predictor:
    """Make predictions against a SageMaker endpoint.

    :param endpoint_name: the endpoint (``RLEndpoint.endpoint_name`` or the pipeline's ``endpoint_name``).
    :param serializer: Default: ``JSONSerializer()``.
    :param deserializer: Default: ``JSONDeserializer()``.
    :param client: a ``sagemaker-runtime`` boto3 client. Default: one from the default session.
    :param region: the client's region when none is given. Default: the session's.
    """

    def __init__(
        self,
        endpoint_name: str,
        *,
        serializer: Serializer | None = None,
        deserializer: Deserializer | None = None,
        client: Any = None,
        region: str | None = None,
    ) -> None:
        if not endpoint_name:
            raise ValueError("endpoint_name: give the name of a SageMaker endpoint.")
        self.endpoint_name = endpoint_name
        self.serializer: Serializer = serializer or JSONSerializer()
        self.deserializer: Deserializer = deserializer or JSONDeserializer()
        self._client = client
        self._region = region

    @property
    def client(self) -> Any:
        """The ``sagemaker-runtime`` client (created on first use)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("sagemaker-runtime", region_name=self._region)
        return self._client

    def predict(self, data: Any, *, initial_args: Mapping[str, Any] | None = None) -> Any:
        """Serialize ``data``, invoke the endpoint, deserialize the answer.

        ``initial_args`` adds or overrides InvokeEndpoint arguments (``TargetVariant``, ``CustomAttributes``...).
        """
        from botocore.exceptions import ClientError

        request = {
            "EndpointName": self.endpoint_name,
            "Body": self.serializer.serialize(data),
            "ContentType": self.serializer.content_type,
            "Accept": self.deserializer.accept,
            **(initial_args or {}),
        }
        try:
            response = self.client.invoke_endpoint(**request)
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "")
            message = error.response.get("OriginalMessage") or details.get("Message", "")
            raise PredictionError(f"{self.endpoint_name}: {code}: {message}", code=code) from error
        content_type = response.get("ContentType", self.deserializer.accept)
        try:
            return self.deserializer.deserialize(response["Body"], content_type)
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError: the model answered something else
            raise PredictionError(
                f"{self.endpoint_name}: the answer ({content_type}) is not what "
                f"{type(self.deserializer).__name__} reads: {error}",
                code="UnreadableResponse",
            ) from error
