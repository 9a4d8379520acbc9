//! Opening the SQLite databases of the embedded components.

use std::time::Duration;

use anyhow::Context;
use rusqlite::{Connection, OpenFlags};

/// Opens (creating if needed) the database `target` (a path or `file:`
/// URI) in WAL mode, waiting up to `busy_timeout` for other writers, with
/// `synchronous` (`NORMAL`, `FULL`...).
pub fn open(target: &str, busy_timeout: Duration, synchronous: &str) -> anyhow::Result<Connection> {
    let flags = OpenFlags::default() | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(target, flags)
        .with_context(|| format!("cannot open SQLite database {target:?}"))?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", synchronous)?;
    Ok(conn)
}
