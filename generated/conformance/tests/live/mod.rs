//! Shared by the live-coverage suites (`live_client_server.rs`, `live_identity.rs`): the
//! recording proxy, the report, and the small loopback helpers the peers need (a mail sink,
//! child processes stopped on drop).

#![allow(dead_code)] // Each suite uses a part.

pub mod recorder;
pub mod report;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process this test started, stopped (by its own handle) when dropped.
#[derive(Debug)]
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something listens on 127.0.0.1:`port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within 30 s");
}

/// The SMTP sink of `../shared/peers/identity` on a free loopback port: every mail becomes
/// one JSON line (`from`, `to`, `data`) in `file`.
#[derive(Debug)]
pub struct MailSink {
    pub port: u16,
    pub file: PathBuf,
    _process: Option<ChildGuard>,
}

impl MailSink {
    pub fn start(dir: &Path) -> MailSink {
        let port = crate::peers::free_port();
        let file = dir.join("mail.jsonl");
        let child = Command::new("python3")
            .arg(crate::peers::peers_dir().join("identity/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the SMTP sink");
        let process = ChildGuard(child);
        wait_for_port(port, "the SMTP sink");
        MailSink {
            port,
            file,
            _process: Some(process),
        }
    }

    /// The mails of a sink started by someone else, written to `file`.
    pub fn existing(file: &Path) -> MailSink {
        MailSink {
            port: 0,
            file: file.to_owned(),
            _process: None,
        }
    }

    /// The text of the last mail to `address` (its parts decoded), waiting up to 20 s.
    pub fn wait_for(&self, address: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&self.file).unwrap_or_default();
            let last = text
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .rfind(|mail| mail["to"].to_string().contains(address));
            if let Some(mail) = last {
                return decode_mail(mail["data"].as_str().unwrap_or_default());
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {address} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A mail's text: the headers, and every part's body decoded from base64 or
/// quoted-printable.
pub fn decode_mail(data: &str) -> String {
    let mut out = String::new();
    // Parts are separated by boundary lines; each part has headers, a blank line, a body.
    for part in data.split("\n--") {
        let part = part.replace("\r\n", "\n");
        let (headers, body) = part.split_once("\n\n").unwrap_or((&part, ""));
        let lower = headers.to_ascii_lowercase();
        out.push_str(headers);
        out.push('\n');
        if lower.contains("content-transfer-encoding: base64") {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let compact = compact.trim_end_matches('-');
            use base64::Engine;
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        } else if lower.contains("content-transfer-encoding: quoted-printable") {
            out.push_str(&decode_quoted_printable(body));
        } else {
            out.push_str(body);
        }
        out.push('\n');
    }
    out
}

fn decode_quoted_printable(body: &str) -> String {
    let mut bytes = Vec::new();
    let mut input = body.as_bytes().iter().copied().peekable();
    while let Some(b) = input.next() {
        if b != b'=' {
            bytes.push(b);
            continue;
        }
        let first = input.next();
        match first {
            Some(b'\n') | None => {}
            Some(h) => {
                let l = input.next().unwrap_or(b'0');
                let hex = [h, l];
                match std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
                {
                    Some(v) => bytes.push(v),
                    None => bytes.extend_from_slice(&[b'=', h, l]),
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The value of `key=` in the first URL query of `text` that has it (up to whitespace,
/// `&`, or a quote).
pub fn query_value(text: &str, key: &str) -> Option<String> {
    let needle = format!("{key}=");
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        let before = text[..start].chars().next_back();
        if matches!(before, Some('?') | Some('&')) {
            let value: String = text[start + needle.len()..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '&' | '"' | '\'' | '<' | '>'))
                .collect();
            return Some(value);
        }
        from = start + needle.len();
    }
    None
}

/// The value of a `key=value` line of `text`.
pub fn line_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.trim_start().strip_prefix(key)?.strip_prefix('='))
        .map(|value| value.trim().to_owned())
}

/// The first URL in `text` that starts with `prefix`.
pub fn find_url(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)?;
    Some(
        text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>'))
            .collect(),
    )
}

/// Seconds since `start`, for the timing line.
pub fn elapsed(start: Instant) -> String {
    format!("{:.1} s", start.elapsed().as_secs_f64())
}
