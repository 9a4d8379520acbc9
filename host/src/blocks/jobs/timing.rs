//! When a job triggers, as Dapr's scheduler decides it: checked once for
//! every backend (so a malformed job is `invalid-argument` everywhere) and
//! followed by the embedded scheduler.

use chrono::{DateTime, Utc};

use super::backend::{ConstantRetry, FailurePolicy, Job};
use crate::backend::schedule::{CronFields, Schedule, point_in_time};
use crate::wit::Error;

/// The failure policy of a job that sets none: retry every second, at most
/// three times (Dapr's default).
pub const DEFAULT_FAILURE_POLICY: FailurePolicy = FailurePolicy::Constant(ConstantRetry {
    interval_ms: 1000,
    max_retries: Some(3),
});

/// A job's times.
#[derive(Clone, Debug)]
pub struct Timing {
    schedule: Option<Schedule>,
    /// The first trigger.
    pub first: DateTime<Utc>,
    /// No trigger after this.
    pub expires: Option<DateTime<Utc>>,
    /// At most this many triggers.
    pub repeats: Option<u32>,
}

impl Timing {
    /// The times of `job` scheduled at `now`; a job Dapr would refuse is
    /// `invalid-argument` saying why.
    pub fn of(job: &Job, now: DateTime<Utc>) -> Result<Timing, Error> {
        let invalid = |what: String| Error::InvalidArgument(format!("job `{}`: {what}", job.name));
        let schedule = job
            .schedule
            .as_deref()
            .map(|s| Schedule::parse(s, CronFields::Six))
            .transpose()
            .map_err(|e| invalid(format!("{e:#}")))?;
        if schedule.is_none() {
            if job.due_time.is_none() {
                return Err(invalid("a job needs a schedule or a due time".into()));
            }
            if job.repeats.is_some_and(|r| r > 1) {
                return Err(invalid("only a job with a schedule can repeat".into()));
            }
            if job.ttl.is_some() {
                return Err(invalid("only a job with a schedule can have a TTL".into()));
            }
        }
        if job.repeats == Some(0) {
            return Err(invalid("repeats must be at least 1".into()));
        }
        if let Some(FailurePolicy::Constant(ConstantRetry { interval_ms: 0, .. })) =
            job.failure_policy
        {
            return Err(invalid("a constant retry interval must be positive".into()));
        }
        let due = job
            .due_time
            .as_deref()
            .map(|t| point_in_time(t, now))
            .transpose()
            .map_err(|e| invalid(format!("due time: {e:#}")))?;
        let expires = job
            .ttl
            .as_deref()
            .map(|t| point_in_time(t, due.unwrap_or(now)))
            .transpose()
            .map_err(|e| invalid(format!("ttl: {e:#}")))?;
        if let (Some(due), Some(expires)) = (due, expires)
            && due > expires
        {
            return Err(invalid("the TTL ends before the due time".into()));
        }
        let first = match (due, &schedule) {
            (Some(due), _) => due,
            (None, Some(schedule)) => schedule
                .next_after(now)
                .ok_or_else(|| invalid("the schedule never triggers".into()))?,
            (None, None) => unreachable!("checked above"),
        };
        Ok(Timing {
            schedule,
            first,
            expires,
            repeats: job.repeats,
        })
    }

    /// The trigger after the `count`th, which happened at `last`; `None`
    /// when the job is done (its repeats used up, past its TTL, or a one-shot).
    /// A job whose times passed while nothing ran triggers once, not once
    /// per missed time.
    pub fn next(&self, count: u32, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.repeats.is_some_and(|r| count >= r) {
            return None;
        }
        let next = self.schedule.as_ref()?.next_after(last)?;
        match self.expires {
            Some(expires) if next > expires => None,
            _ => Some(next),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(
        schedule: Option<&str>,
        due: Option<&str>,
        repeats: Option<u32>,
        ttl: Option<&str>,
    ) -> Job {
        Job {
            name: "j".into(),
            schedule: schedule.map(Into::into),
            due_time: due.map(Into::into),
            repeats,
            ttl: ttl.map(Into::into),
            data: Vec::new(),
            failure_policy: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn refuses_what_dapr_refuses() {
        let now = at("2026-12-02T10:00:00Z");
        let refused = |j: Job, why: &str| {
            let err = Timing::of(&j, now).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(m) if m.contains(why)),
                "{err:?}"
            );
        };
        refused(job(None, None, None, None), "a schedule or a due time");
        refused(
            job(None, Some("1s"), Some(2), None),
            "only a job with a schedule can repeat",
        );
        refused(
            job(None, Some("1s"), None, Some("1m")),
            "only a job with a schedule",
        );
        refused(job(Some("@every 1s"), None, Some(0), None), "at least 1");
        refused(job(Some("* * * * *"), None, None, None), "six are needed");
        refused(job(Some("@every 1s"), Some("soon"), None, None), "due time");
        refused(
            job(
                Some("@every 1s"),
                Some("10m"),
                None,
                Some("2026-12-02T10:05:00Z"),
            ),
            "before the due time",
        );
        assert!(Timing::of(&job(None, Some("1s"), Some(1), None), now).is_ok());
    }

    #[test]
    fn follows_the_schedule_until_repeats_or_ttl() {
        let now = at("2026-12-02T10:00:00Z");
        let every = Timing::of(&job(Some("@every 10s"), None, Some(3), None), now).unwrap();
        assert_eq!(every.first, at("2026-12-02T10:00:10Z"));
        assert_eq!(every.next(1, every.first), Some(at("2026-12-02T10:00:20Z")));
        assert_eq!(every.next(3, every.first), None);
        let due = Timing::of(&job(Some("@every 10s"), Some("1m"), None, Some("25s")), now).unwrap();
        assert_eq!(due.first, at("2026-12-02T10:01:00Z"));
        assert_eq!(due.next(1, due.first), Some(at("2026-12-02T10:01:10Z")));
        assert_eq!(due.next(3, at("2026-12-02T10:01:20Z")), None);
        let once = Timing::of(&job(None, Some("2026-12-24T18:00:00Z"), None, None), now).unwrap();
        assert_eq!(once.first, at("2026-12-24T18:00:00Z"));
        assert_eq!(once.next(1, once.first), None);
    }

    #[test]
    fn missed_times_trigger_once() {
        let now = at("2026-12-02T10:00:00Z");
        let every = Timing::of(&job(Some("@every 10s"), None, None, None), now).unwrap();
        // The host was down for an hour: the trigger that runs late is followed
        // by the schedule's next time after it, not by the missed ones.
        let late = at("2026-12-02T11:00:03Z");
        assert_eq!(every.next(1, late), Some(at("2026-12-02T11:00:13Z")));
    }
}
