"""Checks the serving options share: counts, durations known at synth, S3 URIs, CDK tokens.

Each raises ``TypeError`` or :class:`RLConfigurationError` naming the construct argument. A value that is a
CDK token (``${Token[...]}`` in a string, a number token) is known at deploy time only: the checks that read
its value let it through (it is checked where it resolves), except where a value is needed at synth. Pure.
"""

from __future__ import annotations

from ..arguments import NUMBER_TOKEN_BELOW
from ..errors import RLConfigurationError


def is_token(value: str) -> bool:
    """Whether a string holds a CDK token (``${Token[...]}``): its value is known at deploy time only."""
    return "${Token[" in value


def is_number_token(value: object) -> bool:
    """Whether a number is a CDK number token (a float aws-cdk-lib resolves at synth)."""
    return isinstance(value, float) and value < NUMBER_TOKEN_BELOW


def check_count(argument: str, value: object, *, low: int) -> int:
    """``value``, an ``int`` of at least ``low`` (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument}: expected an int, got {type(value).__name__}.")
    if value < low:
        raise RLConfigurationError(argument, f"must be at least {low}, got {value}.")
    return value


def known_seconds(argument: str, seconds: int | float | None, *, default: int | None = None) -> int:
    """Whole seconds (a Duration the construct converted, or None for ``default``) that must be known at synth:
    a wait budget or a timeout check is computed from them."""
    if seconds is None:
        seconds = default
    if seconds is None:
        raise RLConfigurationError(argument, "is required.")
    if is_number_token(seconds) or not isinstance(seconds, int):
        raise RLConfigurationError(argument, "must be known at synth (a Duration of whole seconds, not a token).")
    return seconds


def check_s3_object_uri(uri: str, argument: str) -> str:
    """``uri``, an ``s3://bucket/key`` URI of at most 1024 characters (a token passes)."""
    if is_token(uri):
        return uri
    if not uri.startswith("s3://") or len(uri) > 1024 or "/" not in uri[5:] or uri.endswith("/"):
        raise RLConfigurationError(argument, f"{uri!r} is not an s3://bucket/key URI of at most 1024 characters.")
    return uri
