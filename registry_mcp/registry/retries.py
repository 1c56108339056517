"""When to ask the registry again, and how long to wait first.

Reads (get, list, list gateways) are retried on connection errors, timeouts, 429 (waiting as long
as its Retry-After says) and 502/503/504. Writes are retried only when the connection failed, so
the request cannot have reached the registry and nothing is ever written twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    """Attempts in all, the first included; 1 means never retry."""
    backoff: float = 0.25
    """Seconds before the first retry; each later one waits up to twice as long."""
    max_backoff: float = 4.0
    max_retry_after: float = 30.0
    """A Retry-After longer than this is not waited for: the error is reported instead."""

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (from 1), or None to give up."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        # Jitter spreads the retries of many clients that failed together.
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (not cryptographic)


DEFAULT_RETRIES = RetryPolicy()
NO_RETRIES = RetryPolicy(attempts=1)
