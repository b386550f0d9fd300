"""How long a run waits for its endpoint, bounded by Step Functions' history quota.

A Standard workflow fails when its history reaches 25,000 events, without running its Catch: a run that polls
its endpoint for too long would end without deleting what it created. The budget counts the events of one run
and refuses a wait that could reach the quota. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import RLConfigurationError

#: Standard workflows fail when their history reaches 25,000 events (Step Functions quotas).
HISTORY_EVENT_LIMIT = 25_000
#: Events of one endpoint poll: Wait (entered, exited), DescribeEndpoint task (entered, scheduled, started,
#: succeeded, exited), Choice (entered, exited).
EVENTS_PER_POLL = 9
#: Events of the states outside the polls: training, the create/update calls, failure cleanup, with margin.
EVENTS_FIXED = 400
#: Events of the cleanup after a successful run per resource examined (Map iteration, tags, choice, three
#: deletions), and how many resources one run examines at most (one ListEndpointConfigs page).
EVENTS_PER_CLEANED_RUN = 32
CLEANUP_PAGE = 100
#: A run that gives up on an endpoint it created deletes it; SageMaker refuses to delete an endpoint while it
#: is Creating, so the run waits for that (this many tries, this far apart) before it reports the leftover.
DELETE_RETRY_SECONDS = 120
DELETE_TRIES = 45
#: The default time a run waits for its endpoint (the SDK's ``EndpointInService`` waiter: 30 s x 120).
DEFAULT_ENDPOINT_WAIT_SECONDS = 3600
#: The default time between two reads of the endpoint's status.
DEFAULT_POLL_SECONDS = 30


@dataclass(frozen=True)
class WaitBudget:
    """How long a run waits for its endpoint, as a number of polls, checked against the history quota."""

    poll_seconds: int
    max_polls: int

    @property
    def wait_seconds(self) -> int:
        return self.poll_seconds * self.max_polls

    @property
    def cleanup_seconds(self) -> int:
        """The longest a run that gives up waits to delete the endpoint it created."""
        return DELETE_RETRY_SECONDS * DELETE_TRIES

    def history_events(self) -> int:
        """An upper bound of the events of one run: stays under :data:`HISTORY_EVENT_LIMIT` by construction."""
        return EVENTS_FIXED + EVENTS_PER_POLL * (self.max_polls + DELETE_TRIES) + EVENTS_PER_CLEANED_RUN * CLEANUP_PAGE


def wait_budget(poll_seconds: int, wait_seconds: int) -> WaitBudget:
    """The polls of ``wait_seconds`` at one per ``poll_seconds``; refused when a run could reach the history
    quota before the wait ends (the execution would fail without cleaning up)."""
    if poll_seconds < 1:
        raise RLConfigurationError("poll_interval", f"must be at least 1 second, got {poll_seconds} s.")
    if wait_seconds < poll_seconds:
        raise RLConfigurationError(
            "endpoint_wait_timeout", f"must be at least poll_interval ({poll_seconds} s), got {wait_seconds} s."
        )
    budget = WaitBudget(poll_seconds, math.ceil(wait_seconds / poll_seconds))
    if budget.history_events() >= HISTORY_EVENT_LIMIT:
        most = (HISTORY_EVENT_LIMIT - 1 - EVENTS_FIXED - EVENTS_PER_CLEANED_RUN * CLEANUP_PAGE) // EVENTS_PER_POLL
        most -= DELETE_TRIES
        raise RLConfigurationError(
            "endpoint_wait_timeout",
            f"{wait_seconds} s at one poll every {poll_seconds} s is {budget.max_polls} polls; a run may poll at "
            f"most {most} times to stay under Step Functions' {HISTORY_EVENT_LIMIT} history events. Raise "
            "poll_interval or lower endpoint_wait_timeout.",
        )
    return budget
