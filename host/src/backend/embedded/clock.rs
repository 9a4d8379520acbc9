//! Time sources in unix milliseconds, injectable so expiry is testable.

use std::fmt;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A source of "now" in unix milliseconds.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The system wall clock (persisted expiry times use it).
    pub fn system() -> Self {
        Clock(Arc::new(system_now_ms))
    }

    /// A clock that starts at the wall clock and then only moves forward
    /// (for in-process leases).
    pub fn monotonic() -> Self {
        let (base, start) = (system_now_ms(), Instant::now());
        Clock(Arc::new(move || {
            base.saturating_add(i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX))
        }))
    }

    /// A clock that reads (and is moved through) the returned cell.
    pub fn manual(start_ms: i64) -> (Self, Arc<std::sync::atomic::AtomicI64>) {
        use std::sync::atomic::{AtomicI64, Ordering};
        let cell = Arc::new(AtomicI64::new(start_ms));
        let reader = cell.clone();
        (Clock(Arc::new(move || reader.load(Ordering::SeqCst))), cell)
    }

    /// The current time in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Formats unix milliseconds as RFC 3339 UTC with second precision
/// (`2024-01-31T12:00:00Z`), like Go's `time.RFC3339`.
pub fn rfc3339_utc(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Converts days since 1970-01-01 to a (year, month, day) civil date
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_706_702_400_999), "2024-01-31T12:00:00Z");
    }

    #[test]
    fn manual_clock_moves() {
        let (clock, cell) = Clock::manual(5);
        assert_eq!(clock.now_ms(), 5);
        cell.store(9, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(clock.now_ms(), 9);
    }
}
