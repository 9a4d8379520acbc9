//! Group `spin`: the latency of `GET /` while N other requests of the same
//! server run a guest that never returns (`GET /spin`), for N = 0, 1, 2, 4,
//! `wasmtime-dapr serve hello.wasm` against `wasmtime serve hello.wasm`.
//!
//! Both servers run on this machine's cores; the spinning requests each
//! hold an instance for the whole measurement (the servers' timeouts are
//! longer than it), so the question is how fairly the remaining requests
//! get CPU time.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;

use super::{
    ChildGuard, LoadResult, WASMTIME_VERSION, describe, drive, env_usize, free_addr, guest, us,
    wasmtime_cli,
};

/// How a server under test is started on an address.
type Launcher<'a> = Box<dyn Fn(SocketAddr) -> Command + 'a>;

/// The numbers of spinning requests measured.
const SPINNERS: &[usize] = &[0, 1, 2, 4];

pub fn bench_spin() -> Result<()> {
    let secs = env_usize("BENCH_SPIN_SECS", 5).max(1) as u64;
    let hello = guest("hello")?;
    let wasmtime = wasmtime_cli();
    let dir = tempfile::tempdir()?;
    println!(
        "latency of GET / on one keep-alive connection, 1 s warm-up then {secs} s, \
         while N connections each wait on GET /spin (a guest looping forever)"
    );
    let servers: Vec<(&str, Launcher)> = vec![
        (
            "wasmtime-dapr serve",
            Box::new(|addr| {
                let mut command = Command::new(super::dapr_binary());
                command
                    .arg("serve")
                    .arg(&hello)
                    .args(["--timeout", "600", "--listen", &addr.to_string()])
                    .arg("--data-dir")
                    .arg(dir.path().join("data"))
                    .arg("--cache-dir")
                    .arg(dir.path().join("cache"));
                command
            }),
        ),
        (
            "wasmtime serve",
            Box::new(|addr| {
                let mut command = Command::new(&wasmtime);
                command
                    // Its guests yield (every 50 ms) only with a timeout.
                    .args(["serve", "-S", "cli=y", "-W", "timeout=600s"])
                    .args(["--addr", &addr.to_string()])
                    .arg(&hello);
                command
            }),
        ),
    ];
    if !wasmtime.is_file() {
        println!(
            "wasmtime serve SKIPPED: {} is missing (cargo install --locked wasmtime-cli@{WASMTIME_VERSION} --root target/bench-tools)",
            wasmtime.display()
        );
    }
    println!(
        "{:<22}  {:>2}  {:>9}  {:>6}  {:>10}  {:>10}",
        "server", "N", "requests", "errors", "p50 us", "p99 us"
    );
    for (name, command) in &servers {
        if *name == "wasmtime serve" && !wasmtime.is_file() {
            continue;
        }
        for &n in SPINNERS {
            let addr = free_addr()?;
            let command = command(addr);
            if n == 0 {
                println!("  ({})", describe(&command));
            }
            let log = dir
                .path()
                .join(format!("{}-{n}.log", name.replace(' ', "-")));
            let mut server = ChildGuard::spawn(command, log)?;
            server.wait_ready(addr, Duration::from_secs(120))?;
            let stop = Arc::new(AtomicBool::new(false));
            let spinners: Vec<_> = (0..n).map(|_| spin(addr, stop.clone())).collect();
            // Let the spinning requests reach their guests.
            std::thread::sleep(Duration::from_millis(500));
            let result: LoadResult = drive(addr, 1, 1, secs)?;
            stop.store(true, Ordering::Relaxed);
            drop(server);
            for spinner in spinners {
                let _ = spinner.join();
            }
            println!(
                "{:<22}  {:>2}  {:>9}  {:>6}  {:>10}  {:>10}",
                name,
                n,
                result.latency.n,
                result.errors,
                us(result.latency.p50),
                us(result.latency.p99)
            );
        }
    }
    Ok(())
}

/// A thread that keeps one `GET /spin` in flight until `stop` (or until the
/// server goes away).
fn spin(addr: SocketAddr, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let Ok(mut stream) = TcpStream::connect(addr) else {
                return;
            };
            let request = b"GET /spin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            if stream.write_all(request).is_err() {
                return;
            }
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
    })
}
