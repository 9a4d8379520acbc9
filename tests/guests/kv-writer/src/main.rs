//! `kv-writer KEY HEX [BUCKET]`: opens `BUCKET` (default `default`) with
//! `wasi:keyvalue@0.2.0-draft2`, sets `KEY` to the bytes `HEX` spells and
//! prints `saved N bytes`; exits 1 with the error otherwise.

use std::process::ExitCode;

wit_bindgen::generate!({
    inline: "
        package test:kv-writer;
        world writer {
            import wasi:keyvalue/store@0.2.0-draft2;
        }
    ",
    path: ["../../../wit/deps/keyvalue-0.2.0-draft2"],
    world: "test:kv-writer/writer",
    generate_all,
});

use wasi::keyvalue::store;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(key), Some(hex)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: kv-writer KEY HEX [BUCKET]");
        return ExitCode::FAILURE;
    };
    let bucket = args.get(3).map_or("default", String::as_str);
    let Some(bytes) = decode_hex(hex) else {
        eprintln!("{hex:?} is not hexadecimal");
        return ExitCode::FAILURE;
    };
    match store::open(bucket).and_then(|b| b.set(key, &bytes)) {
        Ok(()) => {
            println!("saved {} bytes", bytes.len());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot save {key:?}: {err:?}");
            ExitCode::FAILURE
        }
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}
