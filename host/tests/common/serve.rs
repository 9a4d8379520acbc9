//! A `wasmtime-dapr serve` child process and a minimal HTTP/1.1 client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// A running `wasmtime-dapr serve` on a free loopback port, killed when
/// dropped.
pub struct Serve {
    child: Child,
    /// The HTTP address, if the server serves an HTTP app.
    pub addr: Option<SocketAddr>,
    /// The log lines printed before it served.
    pub startup: Vec<String>,
    log: Receiver<String>,
}

impl Serve {
    /// Starts `serve` with `args` (Dapr's sidecar variables removed) and
    /// waits until it serves: its HTTP address, or the line saying it has
    /// no HTTP app.
    pub fn start(args: &[&str]) -> Serve {
        Self::try_start(args).unwrap_or_else(|log| panic!("serve did not start:\n{log}"))
    }

    /// Like [`Serve::start`]; if `serve` exits (or has not started within a
    /// minute), its log and exit status instead.
    pub fn try_start(args: &[&str]) -> Result<Serve, String> {
        Self::try_start_with_env(args, &[])
    }

    /// Like [`Serve::start`], with the environment variables `env` set.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Serve {
        Self::try_start_with_env(args, env)
            .unwrap_or_else(|log| panic!("serve did not start:\n{log}"))
    }

    /// Like [`Serve::try_start`], with the environment variables `env` set.
    pub fn try_start_with_env(args: &[&str], env: &[(&str, &str)]) -> Result<Serve, String> {
        let mut child = Command::new(super::bin())
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("DAPR_GRPC_ENDPOINT")
            .env_remove("DAPR_GRPC_PORT")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting wasmtime-dapr serve");
        let (tx, log) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // A bound on start-up, not a timing: a cold compile of a 13–18 MB
        // JavaScript or Python component takes 20–60 s on a 2-core machine,
        // more when other tests compile beside it.
        let deadline = Instant::now() + Duration::from_secs(300);
        let mut seen = Vec::new();
        loop {
            let Ok(line) = log.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            else {
                // The log closed (the process exited) or the time is up.
                let _ = child.kill();
                let status = child.wait();
                seen.push(format!("({status:?})"));
                return Err(seen.join("\n"));
            };
            // With `--log-format json`, the line is the message of a record.
            let json: Option<serde_json::Value> = serde_json::from_str(&line).ok();
            let message = json
                .as_ref()
                .and_then(|record| record["fields"]["message"].as_str())
                .unwrap_or(&line);
            if let Some(rest) = message.strip_prefix("Serving HTTP on http://") {
                let addr = rest.split('/').next().unwrap().parse().expect("an address");
                return Ok(Serve {
                    child,
                    addr: Some(addr),
                    startup: seen,
                    log,
                });
            }
            if message.starts_with("No HTTP app") {
                return Ok(Serve {
                    child,
                    addr: None,
                    startup: seen,
                    log,
                });
            }
            seen.push(line);
        }
    }

    /// The address of the metrics and health listener (`--metrics`).
    pub fn metrics_addr(&self) -> SocketAddr {
        self.startup
            .iter()
            .find_map(|line| {
                let json: Option<serde_json::Value> = serde_json::from_str(line).ok();
                let message = json.as_ref().and_then(|r| r["fields"]["message"].as_str());
                let rest = message
                    .unwrap_or(line)
                    .strip_prefix("Serving metrics and health probes on http://")?;
                Some(rest.to_string())
            })
            .and_then(|rest| rest.split('/').next()?.parse().ok())
            .expect("serve prints its metrics address")
    }

    /// The HTTP address (panics for a server without an HTTP app).
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("an HTTP app")
    }

    /// One HTTP request to the server.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        http(self.addr(), method, path, body)
    }

    /// Sends `signal` and waits for the exit; returns the log lines after start.
    pub fn stop(mut self, signal: &str) -> (ExitStatus, String) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.log.try_iter().collect();
        (status, rest.join("\n"))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request (its own connection, JSON content type); `None` if
/// nothing answered.
pub fn try_http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let length = format!("content-length: {}\r\n", body.len());
    let (status, _, body) = exchange(addr, method, path, &length, body)?;
    Some((status, body))
}

/// One HTTP/1.1 request with `headers` (each line ending in `\r\n`) over
/// its own connection: the status, the response head (lowercase) and the
/// (de-chunked) body; `None` if nothing answered.
pub fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> Option<(u16, String, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\n{headers}\r\n"
    );
    stream.write_all(head.as_bytes()).ok()?;
    // The server may answer (and close) before reading a refused body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Some((status, head, body))
}

/// One HTTP/1.1 request that must be answered.
pub fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    try_http(addr, method, path, body).unwrap_or_else(|| panic!("no HTTP answer from {addr}{path}"))
}

/// Decodes an HTTP/1.1 chunked body.
pub fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let Ok(size) = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
        else {
            break;
        };
        data = &data[line_end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}
