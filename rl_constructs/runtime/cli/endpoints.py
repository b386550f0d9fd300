"""``rl-constructs endpoints`` and ``predict``: list the SageMaker endpoints, send JSON to one."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from .errors import EXIT_AWS_ERROR, EXIT_OK, EXIT_USAGE, CommandError
from .follower import Clock, Sleep

#: InvokeEndpoint error codes that mean the endpoint does not exist or refused the input (bad input).
BAD_INPUT_CODES = frozenset({"ValidationError", "ResourceNotFound"})


def endpoints_command(args: argparse.Namespace, session: Any, out: TextIO, sleep: Sleep, clock: Clock) -> int:
    """One line per endpoint, in name order: name, status, creation time."""
    sagemaker = session.client("sagemaker")
    rows = []
    for page in sagemaker.get_paginator("list_endpoints").paginate(SortBy="Name", SortOrder="Ascending"):
        for endpoint in page["Endpoints"]:
            rows.append((endpoint["EndpointName"], endpoint["EndpointStatus"], endpoint["CreationTime"].isoformat()))
    if not rows:
        print("No endpoints.", file=out)
        return EXIT_OK
    width = max(len(name) for name, _, _ in rows)
    for name, status, created in rows:
        print(f"{name:<{width}}  {status:<14}  {created}", file=out)
    return EXIT_OK


def predict_command(args: argparse.Namespace, session: Any, out: TextIO, sleep: Sleep, clock: Clock) -> int:
    """Send ``DATA_JSON`` to the endpoint with :class:`~rl_constructs.runtime.Predictor`; print its JSON answer."""
    from ..predictor import PredictionError, Predictor

    try:
        data = json.loads(args.data)
    except ValueError as error:
        raise CommandError(f"DATA_JSON is not JSON: {error}") from None
    predictor = Predictor(args.endpoint, client=session.client("sagemaker-runtime"))
    try:
        print(json.dumps(predictor.predict(data)), file=out)
    except PredictionError as error:
        code = EXIT_USAGE if error.code in BAD_INPUT_CODES else EXIT_AWS_ERROR
        raise CommandError(str(error), code) from None
    return EXIT_OK
