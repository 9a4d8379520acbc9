//! Seeds a state store and checks that the values read back unchanged.
//!
//! Saves `weapon` with one save and `planets` with a bulk save, reads both
//! back and prints `Test successfully!` (exit code 0) if they round-trip;
//! otherwise reports the difference on stderr (exit code 1). The store is
//! `statestore` unless given as the first argument.

use std::process::ExitCode;

use dapr_guest::state::{self, SaveItem};
use serde::{Deserialize, Serialize};

/// The value stored under `planets`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Planet {
    name: String,
    test: i64,
}

fn main() -> ExitCode {
    let store = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "statestore".to_owned());
    match run(&store) {
        Ok(problems) if problems.is_empty() => {
            println!("Test successfully!");
            ExitCode::SUCCESS
        }
        Ok(problems) => {
            for problem in problems {
                eprintln!("{problem}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("state store `{store}`: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Seeds `store` and returns what did not round-trip.
fn run(store: &str) -> dapr_guest::Result<Vec<String>> {
    let weapon = "Death Star".to_owned();
    let planet = Planet {
        name: "Tatooine".to_owned(),
        test: 123,
    };

    state::save_json(store, "weapon", &weapon)?;
    state::save_bulk(store, &[SaveItem::json("planets", &planet)?])?;

    let mut problems = Vec::new();
    check(
        &mut problems,
        "weapon",
        &weapon,
        state::get_json(store, "weapon")?,
    );
    check(
        &mut problems,
        "planets",
        &planet,
        state::get_json(store, "planets")?,
    );
    Ok(problems)
}

/// Records a problem unless `key` read back as `expected`.
fn check<T: PartialEq + std::fmt::Debug>(
    problems: &mut Vec<String>,
    key: &str,
    expected: &T,
    actual: Option<T>,
) {
    match actual {
        Some(actual) if actual == *expected => {}
        Some(actual) => problems.push(format!("`{key}`: expected {expected:?}, read {actual:?}")),
        None => problems.push(format!(
            "`{key}`: expected {expected:?}, but the key is missing"
        )),
    }
}
