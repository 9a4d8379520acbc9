//! {{name}}: a command that checks the state store round trip.
//!
//! Saves two values to the state store, reads them back and prints
//! `Test successfully!` (exit code 0) when both come back unchanged;
//! otherwise it says on stderr what went wrong (exit code 1). The store is
//! `statestore`, or the one named by the first argument.
//!
//! `wasmtime-dapr run` runs `main` once with the Dapr imports; on the
//! embedded backend `statestore` is a SQLite file in `--data-dir`.

use std::fmt::Debug;
use std::process::ExitCode;

use dapr_guest::state;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A structured value: anything serde can write as JSON can be stored.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Profile {
    name: String,
    languages: Vec<String>,
}

fn main() -> ExitCode {
    let store = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "statestore".to_owned());
    match round_trip(&store) {
        Ok(()) => {
            println!("Test successfully!");
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("{problem}");
            ExitCode::FAILURE
        }
    }
}

/// Saves a text and a record to `store` and checks that both read back.
fn round_trip(store: &str) -> Result<(), String> {
    let greeting = "Hello from {{name}}!".to_owned();
    let profile = Profile {
        name: "{{name}}".to_owned(),
        languages: vec!["rust".to_owned(), "wasm".to_owned()],
    };
    save(store, "greeting", &greeting)?;
    save(store, "profile", &profile)?;
    read_back(store, "greeting", &greeting)?;
    read_back(store, "profile", &profile)
}

/// Saves `value` as JSON under `key`.
fn save<T: Serialize>(store: &str, key: &str, value: &T) -> Result<(), String> {
    state::save_json(store, key, value).map_err(|e| format!("saving `{key}` to `{store}`: {e}"))
}

/// Reads `key` back and compares it with what was saved.
fn read_back<T>(store: &str, key: &str, saved: &T) -> Result<(), String>
where
    T: DeserializeOwned + PartialEq + Debug,
{
    match state::get_json::<T>(store, key) {
        Ok(Some(value)) if value == *saved => Ok(()),
        Ok(Some(value)) => Err(format!("`{key}`: saved {saved:?}, read back {value:?}")),
        Ok(None) => Err(format!("`{key}`: saved {saved:?}, but it is missing")),
        Err(e) => Err(format!("reading `{key}` from `{store}`: {e}")),
    }
}
