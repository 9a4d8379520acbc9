//! When an actor's reminders and timers fire: Dapr's time forms read by the
//! shared parsers (`backend::schedule`) and followed as a job's times
//! (`jobs::Timing`), so reminders, timers and jobs agree on every format.

use chrono::Utc;

use super::backend::ActorRef;
use crate::backend::schedule::period;
use crate::blocks::jobs::{Job, Timing};
use crate::wit::Error;

/// `actor T/id`, as messages name an actor.
pub fn described(actor: &ActorRef) -> String {
    format!("actor `{}/{}`", actor.actor_type, actor.id)
}

/// The job named `name` that fires at `due_time` (empty: now), then every
/// `period` until `ttl`, carrying `data`; `invalid-argument` for a
/// malformed period.
pub fn job_of(
    name: &str,
    due_time: &str,
    period_text: Option<&str>,
    ttl: Option<&str>,
    data: Vec<u8>,
) -> Result<Job, Error> {
    let repeating = period_text
        .map(period)
        .transpose()
        .map_err(|e| Error::InvalidArgument(format!("{name}: {e:#}")))?;
    let due_time = match due_time.trim() {
        "" => "0s".to_string(),
        due => due.to_string(),
    };
    Ok(Job {
        name: name.to_string(),
        schedule: repeating.map(|(every, _)| format!("@every {}ms", every.as_millis())),
        due_time: Some(due_time),
        repeats: repeating.and_then(|(_, count)| count),
        ttl: ttl.map(str::to_string),
        data,
        failure_policy: None,
    })
}

/// The times of something named `label` (`timer `t` of actor ...`) that
/// fires at `due_time`, every `period` until `ttl`, from now.
pub fn times_of(
    label: &str,
    due_time: &str,
    period_text: Option<&str>,
    ttl: Option<&str>,
) -> Result<Timing, Error> {
    let job = job_of(label, due_time, period_text, ttl, Vec::new())?;
    checked(&job)
}

/// The times of `job` from now, its errors naming it as `job.name` does.
pub fn checked(job: &Job) -> Result<Timing, Error> {
    Timing::of(job, Utc::now()).map_err(|err| match err {
        Error::InvalidArgument(message) => {
            let prefix = format!("job `{}`: ", job.name);
            let reason = message.strip_prefix(&prefix).unwrap_or(&message);
            // The job's words, in a reminder's and a timer's terms.
            let reason = reason.replace("a job with a schedule", "one with a period");
            Error::InvalidArgument(format!("{}: {reason}", job.name))
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dapr_periods_as_job_schedules() {
        let job = job_of("r", "", Some("R3/PT2S"), None, Vec::new()).unwrap();
        assert_eq!(job.schedule.as_deref(), Some("@every 2000ms"));
        assert_eq!(job.repeats, Some(3));
        assert_eq!(job.due_time.as_deref(), Some("0s"));
        let once = job_of("r", "1m", None, None, Vec::new()).unwrap();
        assert!(once.schedule.is_none());
        let err = times_of("timer `t`", "1s", Some("soon"), None).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.starts_with("timer `t`")),
            "{err:?}"
        );
        let err = times_of("timer `t`", "1s", None, Some("1m")).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("TTL")),
            "{err:?}"
        );
    }
}
