//! Client overhead per request: `Client::send` of a typed request (JSON body built, sent,
//! answer read and parsed into the typed response) against plain `reqwest` sending the same
//! bytes and reading the answer's bytes, through the same `reqwest::Client`, to a loopback
//! server that answers at once.
//!
//! Criterion measures both; then the two are measured in alternating rounds (robust to the
//! machine's load drifting) and the ratios of their medians are printed: wall time, and the
//! CPU time of the client's thread.

// Shared with the tests, which use more of them.
#[allow(dead_code)]
#[path = "../tests/client/endpoints.rs"]
mod endpoints;
#[allow(dead_code)]
#[path = "../tests/client/server.rs"]
mod server;

use std::time::{Duration, Instant};

use criterion::Criterion;
use endpoints::{PutThing, call};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use matrix_client::Client;
use serde_json::json;
use server::{Reply, Server};

const TOKEN: &str = "syt_benchmark_token";

struct Bench {
    runtime: tokio::runtime::Runtime,
    client: Client,
    http: reqwest::Client,
    url: String,
    body: bytes::Bytes,
    _server: Server,
}

impl Bench {
    fn new() -> Self {
        let server = Server::start(|_, _| Reply::json(200, json!({"value": "$event:example.org"})));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let http = matrix_client::http_client_builder().build().unwrap();
        let client = Client::builder(&server.base)
            .access_token(TOKEN)
            .http_client(http.clone())
            .build()
            .unwrap();
        Bench {
            runtime,
            client,
            http,
            url: format!("{}/_matrix/client/v3/things/txn1", server.base),
            body: serde_json::to_vec(&message()).unwrap().into(),
            _server: server,
        }
    }

    async fn plain(&self) {
        let response = self
            .http
            .put(&self.url)
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(CONTENT_TYPE, "application/json")
            .body(self.body.clone())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap();
    }

    async fn ours(&self) {
        let request = call::<PutThing>(&["txn1"]).body(message());
        self.client.send(request).await.unwrap();
    }

    /// Per-request wall and client-thread CPU times of `count` requests of each kind, in
    /// alternating rounds.
    fn interleaved(&self, rounds: usize, count: u32) -> [Vec<Sample>; 2] {
        let mut samples = [Vec::new(), Vec::new()];
        for _ in 0..rounds {
            for (ours, samples) in samples.iter_mut().enumerate() {
                let (started, cpu) = (Instant::now(), thread_cpu());
                self.runtime.block_on(async {
                    for _ in 0..count {
                        if ours == 1 {
                            self.ours().await
                        } else {
                            self.plain().await
                        }
                    }
                });
                samples.push(Sample {
                    wall: started.elapsed() / count,
                    cpu: cpu.zip(thread_cpu()).map(|(a, b)| (b - a) / count),
                });
            }
        }
        samples
    }
}

/// One round's time per request.
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
}

/// The CPU time of this thread so far (Linux), which the machine's load does not inflate as
/// much as the wall time.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn message() -> serde_json::Value {
    json!({"msgtype": "m.text", "body": "hello from the benchmark"})
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let bench = Bench::new();
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("per_request");
    group.bench_function("reqwest", |b| {
        b.to_async(&bench.runtime).iter(|| bench.plain())
    });
    group.bench_function("matrix_client", |b| {
        b.to_async(&bench.runtime).iter(|| bench.ours())
    });
    group.finish();
    criterion.final_summary();

    // Under `cargo test` the benchmark only checks that it runs.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let (rounds, count) = if measuring { (21, 500) } else { (1, 10) };
    let [plain, ours] = bench.interleaved(rounds, count);
    let report = |what: &str, plain: Vec<Duration>, ours: Vec<Duration>| {
        if plain.is_empty() || ours.is_empty() {
            return;
        }
        let (plain, ours) = (median(plain), median(ours));
        println!(
            "{what}: reqwest {plain:?}, matrix-client {ours:?}, ratio {:.3}",
            ours.as_secs_f64() / plain.as_secs_f64()
        );
    };
    println!("medians of {rounds} alternating rounds of {count} requests:");
    let wall = |s: &[Sample]| s.iter().map(|s| s.wall).collect();
    let cpu = |s: &[Sample]| s.iter().filter_map(|s| s.cpu).collect();
    report("wall time per request", wall(&plain), wall(&ours));
    report("client CPU per request", cpu(&plain), cpu(&ours));
}
