//! Dapr's time formats: schedules (`@every 1m30s`, cron expressions,
//! `@daily`...), Go durations and points in time (RFC 3339, or a Go or ISO
//! 8601 duration from now). The cron binding keeps time with them, and the
//! jobs block checks every job with them whichever backend serves it.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Months, Utc};

/// When something repeats.
#[derive(Clone, Debug)]
pub enum Schedule {
    /// At a fixed interval from the previous time.
    Every(Duration),
    /// At the times a cron expression matches.
    Cron(Box<cron::Schedule>),
}

/// Which cron expressions [`Schedule::parse`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CronFields {
    /// Six fields, seconds first, as Dapr's jobs take them.
    Six,
    /// Five fields (minutes first) or six, as the cron binding takes them.
    FiveOrSix,
}

impl Schedule {
    /// Parses `@every <Go duration>`, a descriptor (`@yearly`, `@annually`,
    /// `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`) or a cron
    /// expression with the fields `fields` allows.
    pub fn parse(text: &str, fields: CronFields) -> Result<Self> {
        let text = text.trim();
        if let Some(every) = text.strip_prefix("@every") {
            let every = go_duration(every.trim())?;
            if every.is_zero() {
                bail!("`@every` needs a positive duration");
            }
            return Ok(Schedule::Every(every));
        }
        let expression = match text {
            "@yearly" | "@annually" => "0 0 0 1 1 *".to_string(),
            "@monthly" => "0 0 0 1 * *".to_string(),
            "@weekly" => "0 0 0 * * Sun".to_string(),
            "@daily" | "@midnight" => "0 0 0 * * *".to_string(),
            "@hourly" => "0 0 * * * *".to_string(),
            _ if text.starts_with('@') => bail!("unknown schedule `{text}`"),
            _ => match (text.split_whitespace().count(), fields) {
                (6, _) => text.to_string(),
                (5, CronFields::FiveOrSix) => format!("0 {text}"),
                (n, CronFields::Six) => bail!(
                    "invalid cron schedule `{text}`: {n} fields; six are needed (seconds minutes hours day-of-month month day-of-week)"
                ),
                (n, CronFields::FiveOrSix) => {
                    bail!("invalid cron schedule `{text}`: {n} fields; five or six are needed")
                }
            },
        };
        let schedule = cron::Schedule::from_str(&expression)
            .with_context(|| format!("invalid cron schedule `{text}`"))?;
        Ok(Schedule::Cron(Box::new(schedule)))
    }

    /// The first time after `after` (`None` if there is none).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Every(every) => {
                after.checked_add_signed(chrono::TimeDelta::from_std(*every).ok()?)
            }
            Schedule::Cron(schedule) => schedule.after(&after).next(),
        }
    }

    /// How long until the next time, from now.
    pub fn next_delay(&self) -> Option<Duration> {
        let now = Utc::now();
        let next = self.next_after(now)?;
        Some((next - now).to_std().unwrap_or(Duration::ZERO))
    }
}

/// Parses a Go duration such as `1h30m`, `15s` or `250ms`.
pub fn go_duration(text: &str) -> Result<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        bail!("missing duration");
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let number: f64 = number
            .parse()
            .with_context(|| format!("invalid duration `{text}`"))?;
        let unit = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit);
        let seconds = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => bail!("invalid duration `{text}`: unknown unit `{unit}`"),
        };
        let too_long = || anyhow::anyhow!("duration `{text}` is too long");
        let part = Duration::try_from_secs_f64(number * seconds).map_err(|_| too_long())?;
        total = total.checked_add(part).ok_or_else(too_long)?;
        rest = tail;
    }
    Ok(total)
}

/// A point in time as Dapr reads a job's due time or TTL: an RFC 3339 time,
/// or a Go duration (`90s`, `1.5s`) or non-repeating ISO 8601 duration of
/// whole numbers (`PT1M30S`, `P1DT2H`) added to `from`.
pub fn point_in_time(text: &str, from: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let too_late = || anyhow::anyhow!("`{text}` is too far in the future");
    if let Ok(duration) = go_duration(text) {
        let delta = chrono::TimeDelta::from_std(duration).map_err(|_| too_late())?;
        return from.checked_add_signed(delta).ok_or_else(too_late);
    }
    if text.starts_with('R') {
        bail!("`{text}` repeats; a due time or TTL is one point in time");
    }
    let (months, days, duration) = iso8601_duration(text).with_context(|| {
        format!("`{text}` is not an RFC 3339 time, a Go duration or an ISO 8601 duration")
    })?;
    let delta = chrono::TimeDelta::from_std(duration).map_err(|_| too_late())?;
    from.checked_add_months(Months::new(months))
        .and_then(|t| t.checked_add_days(chrono::Days::new(days)))
        .and_then(|t| t.checked_add_signed(delta))
        .ok_or_else(too_late)
}

/// A repeating interval as Dapr reads an actor reminder's or timer's
/// period: a Go duration (`10s`), an ISO 8601 duration of fixed length
/// (`PT10S`, `P1D`; no months or years) or an ISO 8601 repetition
/// (`R5/PT10S`: five times in all). Gives the interval and, for a
/// repetition, the count.
pub fn period(text: &str) -> Result<(Duration, Option<u32>)> {
    let text = text.trim();
    let (count, every) = match text.strip_prefix('R') {
        Some(repeated) => {
            let (count, every) = repeated
                .split_once('/')
                .with_context(|| format!("`{text}` is not a repetition such as R5/PT10S"))?;
            let count: u32 = count
                .parse()
                .with_context(|| format!("`{text}`: the repetition count is not a whole number"))?;
            (Some(count), every)
        }
        None => (None, text),
    };
    let interval = match go_duration(every) {
        Ok(interval) => interval,
        Err(_) => {
            let (months, days, rest) = iso8601_duration(every).with_context(|| {
                format!("`{text}` is not a Go duration, an ISO 8601 duration or a repetition")
            })?;
            if months > 0 {
                bail!("period `{text}` counts months or years, which have no fixed length");
            }
            Duration::from_secs(days.saturating_mul(86_400)).saturating_add(rest)
        }
    };
    if interval.is_zero() {
        bail!("period `{text}` must be positive");
    }
    if count == Some(0) {
        bail!("period `{text}` repeats zero times");
    }
    Ok((interval, count))
}

/// Parses an ISO 8601 duration `PnYnMnWnDTnHnMnS` (whole numbers, as Dapr
/// reads them) into months, days and the rest.
fn iso8601_duration(text: &str) -> Result<(u32, u64, Duration)> {
    let body = text
        .strip_prefix('P')
        .context("an ISO 8601 duration starts with `P`")?;
    let (date, time) = body.split_once('T').unwrap_or((body, ""));
    if body.is_empty() || body.ends_with('T') {
        bail!("empty ISO 8601 duration");
    }
    let (mut months, mut days, mut seconds) = (0u64, 0u64, 0u64);
    for (part, in_time) in [(date, false), (time, true)] {
        let mut rest = part;
        while !rest.is_empty() {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .context("a number without a unit")?;
            let (number, tail) = rest.split_at(end);
            let mut chars = tail.chars();
            let unit = chars.next().context("a number without a unit")?;
            rest = chars.as_str();
            let value: u64 = number
                .parse()
                .context("each part is a whole number and a unit")?;
            let (total, scale) = match (unit, in_time) {
                ('Y', false) => (&mut months, 12),
                ('M', false) => (&mut months, 1),
                ('W', false) => (&mut days, 7),
                ('D', false) => (&mut days, 1),
                ('H', true) => (&mut seconds, 3600),
                ('M', true) => (&mut seconds, 60),
                ('S', true) => (&mut seconds, 1),
                _ => bail!("unknown unit `{unit}`"),
            };
            *total = value
                .checked_mul(scale)
                .and_then(|v| total.checked_add(v))
                .context("too long")?;
        }
    }
    let months = u32::try_from(months).context("too many months")?;
    Ok((months, days, Duration::from_secs(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(go_duration("15s").unwrap(), Duration::from_secs(15));
        assert_eq!(go_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(go_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(go_duration("5 parsecs").is_err());
        assert!(go_duration("").is_err());
        let err = go_duration("99999999999999999999h").unwrap_err();
        assert!(err.to_string().contains("too long"), "{err}");
        assert!(go_duration("10000000000000000000s10000000000000000000s").is_err());
    }

    #[test]
    fn parses_schedules() {
        let parse = |s| Schedule::parse(s, CronFields::FiveOrSix);
        assert!(
            matches!(parse("@every 2s").unwrap(), Schedule::Every(d) if d == Duration::from_secs(2))
        );
        assert!(matches!(parse("*/5 * * * * *").unwrap(), Schedule::Cron(_)));
        assert!(matches!(parse("30 * * * *").unwrap(), Schedule::Cron(_)));
        assert!(parse("@every 0s").is_err());
        assert!(parse("@every 99999999999999999999h").is_err());
        assert!(parse("not a schedule").is_err());
        assert!(parse("@fortnightly").is_err());
        assert!(parse("*/5 * * * * *").unwrap().next_delay().unwrap() <= Duration::from_secs(5));
        let six = |s| Schedule::parse(s, CronFields::Six);
        let err = six("30 * * * *").unwrap_err().to_string();
        assert!(err.contains("six are needed"), "{err}");
        for descriptor in [
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
        ] {
            assert!(six(descriptor).is_ok(), "{descriptor}");
        }
    }

    #[test]
    fn finds_the_next_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T10:00:07Z")
            .unwrap()
            .with_timezone(&Utc);
        let hourly = Schedule::parse("@hourly", CronFields::Six).unwrap();
        assert_eq!(
            hourly.next_after(at).unwrap().to_rfc3339(),
            "2026-12-02T11:00:00+00:00"
        );
        let every = Schedule::parse("@every 1m30s", CronFields::Six).unwrap();
        assert_eq!(
            every.next_after(at).unwrap().to_rfc3339(),
            "2026-12-02T10:01:37+00:00"
        );
    }

    #[test]
    fn parses_periods() {
        assert_eq!(period("10s").unwrap(), (Duration::from_secs(10), None));
        assert_eq!(period("PT1M").unwrap(), (Duration::from_secs(60), None));
        assert_eq!(period("P1D").unwrap(), (Duration::from_secs(86_400), None));
        assert_eq!(
            period("R5/PT10S").unwrap(),
            (Duration::from_secs(10), Some(5))
        );
        for bad in ["", "0s", "R0/PT1S", "R/PT1S", "R5", "P1M", "soon"] {
            assert!(period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_points_in_time() {
        let now = DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |s| point_in_time(s, now).map(|t| t.to_rfc3339());
        assert_eq!(
            at("2026-12-24T18:00:00Z").unwrap(),
            "2026-12-24T18:00:00+00:00"
        );
        assert_eq!(
            at("2026-12-24T19:00:00+01:00").unwrap(),
            "2026-12-24T18:00:00+00:00"
        );
        assert_eq!(at("90s").unwrap(), "2026-01-31T10:01:30+00:00");
        assert_eq!(at("PT1M30S").unwrap(), "2026-01-31T10:01:30+00:00");
        assert_eq!(at("P1DT2H").unwrap(), "2026-02-01T12:00:00+00:00");
        assert_eq!(at("P1M").unwrap(), "2026-02-28T10:00:00+00:00");
        assert_eq!(at("P1W").unwrap(), "2026-02-07T10:00:00+00:00");
        assert!(at("R5/PT1M").unwrap_err().to_string().contains("repeats"));
        assert!(at("tomorrow").is_err());
        assert!(at("P").is_err());
        assert!(at("PT").is_err());
        assert!(at("P1.5D").is_err());
        assert!(at("PT2.5S").is_err());
    }
}
