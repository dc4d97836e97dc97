//! The live-coverage report: every operation of one API of the spec the crates were built
//! from, with what the peer made of the generated client's requests.
//!
//! An operation is a `success` only when a typed response was parsed, a `documented-error`
//! only when the peer answered with one of the operation's documented error variants (a
//! variant of the generated `Error` other than `Other`), and `not-served` otherwise, with
//! the reason in `note`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use matrix_api_core::{EndpointError, OutgoingRequest};
use matrix_client::{ErrorOf, Pending, ResponseOf};
use matrix_codegen::SpecSource;
use matrix_codegen::ir::Api;
use serde_json::json;

use super::recorder::{Exchange, Recorder, excerpt};

/// What became of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    NotServed,
    DocumentedError,
    Success,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::DocumentedError => "documented-error",
            Outcome::NotServed => "not-served",
        }
    }
}

/// One operation's line in the report.
#[derive(Debug, Clone)]
pub struct Entry {
    pub method: String,
    pub path: String,
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    /// What the peer answered, when not a success; how the call was made, when it matters.
    pub observed: String,
    /// Whether a request was sent at all.
    pub attempted: bool,
}

/// The report of one live suite.
#[derive(Debug)]
pub struct Report {
    /// `client-server`, `identity`: the report's file name and label.
    name: &'static str,
    entries: BTreeMap<String, Entry>,
    /// Why an operation cannot succeed against this peer (written by the suite).
    reasons: BTreeMap<String, String>,
    /// Notes on how a successful call was made.
    notes: BTreeMap<String, String>,
    recorder: Recorder,
    /// Answers the generated code could not read: operation, status, error, body.
    pub parse_failures: Vec<String>,
}

/// The spec's operations of `api`: operationId → (method, path).
fn operations(api: Api) -> BTreeMap<String, (String, String)> {
    let spec = matrix_codegen::load(&SpecSource::from_env().unwrap()).unwrap();
    spec.operations
        .iter()
        .filter(|op| op.api == api)
        .map(|op| {
            (
                op.operation_id.clone(),
                (op.method.as_str().to_uppercase(), op.path.clone()),
            )
        })
        .collect()
}

impl Report {
    /// An empty report of every operation of `api`, reading answers from `recorder`.
    pub fn new(name: &'static str, api: Api, recorder: Recorder) -> Report {
        let entries = operations(api)
            .into_iter()
            .map(|(id, (method, path))| {
                let entry = Entry {
                    method,
                    path,
                    outcome: Outcome::NotServed,
                    http_status: None,
                    observed: "no request was sent".into(),
                    attempted: false,
                };
                (id, entry)
            })
            .collect();
        Report {
            name,
            entries,
            reasons: BTreeMap::new(),
            notes: BTreeMap::new(),
            recorder,
            parse_failures: Vec::new(),
        }
    }

    /// The proxy the client talks to.
    pub fn base(&self) -> &str {
        &self.recorder.base
    }

    /// Sends `pending`, records what became of it and returns the result. An operation
    /// called several times keeps its best outcome (the first of equal ones).
    pub async fn run<'c, R>(&mut self, pending: Pending<'c, R>) -> ResponseOf<R>
    where
        R: OutgoingRequest + Send + 'c,
        ErrorOf<R>: EndpointError + fmt::Debug,
    {
        let before = self.recorder.count();
        let result = pending.await;
        let exchange = self.recorder.last_after(before);
        self.record::<R>(&result, exchange.as_ref());
        result
    }

    fn record<R>(&mut self, result: &ResponseOf<R>, exchange: Option<&Exchange>)
    where
        R: OutgoingRequest,
        ErrorOf<R>: EndpointError + fmt::Debug,
    {
        let id = R::METADATA.operation_id;
        let answered = exchange.map(|e| e.status);
        let body = |limit| exchange.map(|e| e.excerpt(limit)).unwrap_or_default();
        let (outcome, http_status, observed) = match result {
            Ok(_) => (Outcome::Success, answered, String::new()),
            Err(matrix_client::Error::Api(error)) => {
                let documented = !format!("{error:?}").starts_with("Other");
                let outcome = match documented {
                    true => Outcome::DocumentedError,
                    false => Outcome::NotServed,
                };
                let status = error.status().as_u16();
                let observed = match error.matrix_error() {
                    Some(e) => format!(
                        "HTTP {status} {}: {}",
                        e.errcode.as_str(),
                        e.error.as_deref().unwrap_or_default()
                    ),
                    None => format!("HTTP {status}: {}", body(300)),
                };
                (outcome, Some(status), observed)
            }
            Err(matrix_client::Error::Deserialization(invalid)) => {
                let status = invalid.status.as_u16();
                let failure = format!(
                    "{id} ({} {}): HTTP {status}, {invalid}; body: {}",
                    R::METADATA.method,
                    exchange.map_or("?", |e| e.uri.as_str()),
                    body(2000)
                );
                self.parse_failures.push(failure);
                let observed = format!("the answer did not parse: {invalid}; body: {}", body(300));
                (Outcome::NotServed, Some(status), observed)
            }
            Err(matrix_client::Error::Unexpected(unexpected)) => (
                Outcome::NotServed,
                Some(unexpected.status.as_u16()),
                excerpt(unexpected.to_string().as_bytes(), 300),
            ),
            Err(other) => (Outcome::NotServed, answered, other.to_string()),
        };
        let entry = self.entries.entry(id.to_owned()).or_insert_with(|| Entry {
            method: R::METADATA.method.to_string(),
            path: R::METADATA.path.to_owned(),
            outcome: Outcome::NotServed,
            http_status: None,
            observed: String::new(),
            attempted: false,
        });
        if !entry.attempted || outcome > entry.outcome {
            entry.outcome = outcome;
            entry.http_status = http_status;
            entry.observed = observed;
            entry.attempted = true;
        }
    }

    /// Why `operation` cannot succeed against this peer; shown when it did not.
    pub fn reason(&mut self, operation: &str, why: &str) {
        self.reasons.insert(operation.to_owned(), why.to_owned());
    }

    /// How a successful call of `operation` was made (an unusual credential, an option).
    pub fn note(&mut self, operation: &str, note: &str) {
        self.notes.insert(operation.to_owned(), note.to_owned());
    }

    pub fn entries(&self) -> &BTreeMap<String, Entry> {
        &self.entries
    }

    /// The note of the report for `id`.
    fn note_of(&self, id: &str, entry: &Entry) -> String {
        match entry.outcome {
            Outcome::Success => self.notes.get(id).cloned().unwrap_or_default(),
            _ => match self.reasons.get(id) {
                Some(why) => format!("{why} (answer: {})", entry.observed),
                None => format!("unexplained: {}", entry.observed),
            },
        }
    }

    /// Fails unless every answer was read into the generated types, and every operation
    /// that did not succeed has a reason (the suite expects it to fail).
    pub fn assert_read_and_explained(&self) {
        assert!(
            self.parse_failures.is_empty(),
            "answers the generated code could not read:\n{}",
            self.parse_failures.join("\n")
        );
        let unexplained: Vec<String> = self
            .entries
            .iter()
            .filter(|(id, e)| e.outcome != Outcome::Success && !self.reasons.contains_key(*id))
            .map(|(id, e)| format!("{id}: {}", e.observed))
            .collect();
        assert!(
            unexplained.is_empty(),
            "operations that did not succeed, without a known reason:\n{}",
            unexplained.join("\n")
        );
    }

    /// Operations that were explained as failing but succeeded: the reason is stale.
    pub fn stale_reasons(&self) -> Vec<String> {
        self.reasons
            .keys()
            .filter(|id| {
                self.entries
                    .get(*id)
                    .is_none_or(|e| e.outcome == Outcome::Success)
            })
            .cloned()
            .collect()
    }

    /// `(success, documented error, not served, total)`.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let count = |o| self.entries.values().filter(|e| e.outcome == o).count();
        (
            count(Outcome::Success),
            count(Outcome::DocumentedError),
            count(Outcome::NotServed),
            self.entries.len(),
        )
    }

    /// The summary line: `client-server live: S success, E documented error, N not served of T`.
    pub fn summary(&self) -> String {
        let (s, e, n, total) = self.counts();
        format!(
            "{} live: {s} success, {e} documented error, {n} not served of {total}",
            self.name
        )
    }

    /// The report as JSON: an object keyed by operationId.
    pub fn to_json(&self) -> serde_json::Value {
        let map = self
            .entries
            .iter()
            .map(|(id, entry)| {
                let value = json!({
                    "method": entry.method,
                    "path": entry.path,
                    "status": entry.outcome.as_str(),
                    "http_status": entry.http_status,
                    "note": self.note_of(id, entry),
                });
                (id.clone(), value)
            })
            .collect::<serde_json::Map<_, _>>();
        serde_json::Value::Object(map)
    }

    /// Writes `live-coverage/<name>.json` under the target directory (or
    /// `$LIVE_COVERAGE_DIR`), prints every line and the summary, and returns the file.
    pub fn write(&self) -> PathBuf {
        let dir = match std::env::var_os("LIVE_COVERAGE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => target_dir().join("live-coverage"),
        };
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{}.json", self.name));
        let text = serde_json::to_string_pretty(&self.to_json()).unwrap();
        std::fs::write(&file, text + "\n").unwrap();
        for (id, entry) in &self.entries {
            let status = entry
                .http_status
                .map_or_else(|| "---".to_owned(), |s| s.to_string());
            println!(
                "{:<17} {status} {id:<42} {}",
                entry.outcome.as_str(),
                self.note_of(id, entry)
            );
        }
        println!("report: {}", file.display());
        println!("{}", self.summary());
        file
    }
}

/// The Cargo target directory of this build (the parent of `CARGO_TARGET_TMPDIR`).
fn target_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(PathBuf::from).unwrap_or(tmp)
}
