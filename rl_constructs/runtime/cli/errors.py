"""The command's exit codes and its one-line errors: :class:`CommandError`, and the AWS failures mapped to it."""

from __future__ import annotations

from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_AWS_SETUP, EXIT_AWS_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
#: ClientError codes that mean the credentials themselves are unusable (a set-up problem, exit code 3).
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
    }
)
#: ClientError codes that mean the named thing does not exist (bad input, exit code 2).
NOT_FOUND_CODES = frozenset({"ExecutionDoesNotExist", "StateMachineDoesNotExist", "ResourceNotFound"})
#: What to do when no region is configured (whether the command or botocore notices first).
NO_REGION_MESSAGE = "no AWS region: pass --region or set AWS_REGION or AWS_DEFAULT_REGION"


class CommandError(Exception):
    """A user-facing error: printed as ``rl-constructs: <message>`` with its exit code (default 2)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def command_error(error: Exception) -> Exception:
    """The one-line ``CommandError`` for an expected AWS failure; anything else unchanged (a bug: traceback)."""
    from botocore import exceptions

    if isinstance(error, CommandError):
        return error
    if isinstance(error, exceptions.NoRegionError):
        return CommandError(NO_REGION_MESSAGE, EXIT_AWS_SETUP)
    if isinstance(
        error,
        exceptions.NoCredentialsError
        | exceptions.PartialCredentialsError
        | exceptions.ProfileNotFound
        | exceptions.CredentialRetrievalError
        | exceptions.SSOError,
    ):
        return CommandError(
            f"no usable AWS credentials ({error}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "or run `aws configure` / `aws sso login`",
            EXIT_AWS_SETUP,
        )
    if isinstance(error, exceptions.EndpointConnectionError | exceptions.ConnectTimeoutError):
        return CommandError(f"cannot reach AWS: {error}", EXIT_AWS_SETUP)
    if isinstance(error, exceptions.ClientError):
        return _refusal(error.operation_name, error.response.get("Error", {}))
    if isinstance(error, exceptions.BotoCoreError):
        return CommandError(f"AWS request failed: {error}", EXIT_AWS_ERROR)
    return error


def _refusal(operation: str, details: dict[str, Any]) -> CommandError:
    """``Operation: Code: Message``, with the exit code its error code means (set-up, bad input or refusal)."""
    code = str(details.get("Code", "Unknown"))
    message = f"{operation}: {code}: {details.get('Message', '')}".rstrip(": ")
    if code in CREDENTIAL_ERROR_CODES:
        return CommandError(f"AWS rejected the credentials: {message}", EXIT_AWS_SETUP)
    return CommandError(message, EXIT_USAGE if code in NOT_FOUND_CODES else EXIT_AWS_ERROR)
