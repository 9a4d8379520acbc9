"""Scheduled jobs (Dapr's Jobs API): work handed back to this app at a time or
on a schedule, through the handler registered with :meth:`App.job`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _wit
from ._wit import Data, call, json_bytes, to_bytes

__all__ = ["ConstantRetry", "DROP", "Job", "schedule", "get", "delete"]


@dataclass(frozen=True)
class ConstantRetry:
    """Failure policy: retry a failed trigger every ``interval_ms``
    milliseconds, at most ``max_retries`` times (``None``: no limit)."""

    interval_ms: int
    max_retries: int | None = None


DROP = "drop"
"""Failure policy: never retry a failed trigger."""

FailurePolicy = ConstantRetry | str | None
""":data:`DROP`, a :class:`ConstantRetry`, or ``None`` for Dapr's default
(retry every second, at most three times)."""


@dataclass
class Job(_wit.Payload):
    """A job: when it triggers and what it carries (``schedule``, ``due_time``
    or both). ``schedule`` is a six-field cron expression (seconds first),
    ``@every 30s``, ``@daily``...; ``due_time`` and ``ttl`` are RFC 3339
    times or Go or ISO 8601 durations from now."""

    name: str
    schedule: str | None = None
    due_time: str | None = None
    repeats: int | None = None
    ttl: str | None = None
    data: Data = b""
    failure_policy: FailurePolicy = None

    @staticmethod
    def with_json(name: str, value: Any, **fields: Any) -> Job:
        """A job carrying ``value`` as JSON."""
        return Job(name, data=json_bytes(value), **fields)

    def _to_wit(self) -> Any:
        jobs = _wit.jobs
        policy = self.failure_policy
        if policy is None:
            wit_policy = None
        elif policy == DROP:
            wit_policy = jobs.FailurePolicy_Drop()
        elif isinstance(policy, ConstantRetry):
            wit_policy = jobs.FailurePolicy_Constant(
                jobs.ConstantRetry(policy.interval_ms, policy.max_retries)
            )
        else:
            raise TypeError(f"a failure policy is DROP, a ConstantRetry or None, not {policy!r}")
        return jobs.Job(
            self.name,
            self.schedule,
            self.due_time,
            self.repeats,
            self.ttl,
            to_bytes(self.data),
            wit_policy,
        )

    @staticmethod
    def _from_wit(job: Any) -> Job:
        policy: FailurePolicy = None
        if job.failure_policy is not None:
            value = getattr(job.failure_policy, "value", None)
            policy = DROP if value is None else ConstantRetry(value.interval_ms, value.max_retries)
        return Job(
            job.name, job.schedule, job.due_time, job.repeats, job.ttl, job.data, policy
        )


def schedule(job: Job, overwrite: bool = False) -> None:
    """Schedules ``job``; a job of the same name is replaced only if
    ``overwrite`` (otherwise :class:`~dapr_wasm.EtagMismatch`)."""
    call(_wit.jobs.schedule, job._to_wit(), overwrite)


def get(name: str) -> Job | None:
    """The job ``name`` as scheduled, or ``None`` when there is none."""
    job = call(_wit.jobs.get, name)
    return None if job is None else Job._from_wit(job)


def delete(name: str) -> None:
    """Deletes the job ``name`` (succeeding when there is none)."""
    call(_wit.jobs.delete, name)
