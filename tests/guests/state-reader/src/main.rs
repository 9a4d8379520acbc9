//! `state-reader KEY [STORE]`: reads `KEY` from `STORE` (default
//! `statestore`) through `dapr:runtime/state` and prints its bytes in
//! hexadecimal, or `missing`; exits 1 with the error otherwise.

use std::process::ExitCode;

use dapr_guest::state;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(key) = args.get(1) else {
        eprintln!("usage: state-reader KEY [STORE]");
        return ExitCode::FAILURE;
    };
    let store = args.get(2).map_or("statestore", String::as_str);
    match state::get(store, key) {
        Ok(Some(bytes)) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            println!("{hex}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("missing");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot read {key:?}: {err}");
            ExitCode::FAILURE
        }
    }
}
