//! Every JSON example in the spec the crates were generated from (request and response
//! examples of every operation, and every event example) deserialises into its generated
//! type and serialises back to JSON equal to the original.

use std::path::Path;

use matrix_codegen::SpecSource;
use matrix_codegen::ir::{Api, Body, Example, Spec};
use serde_json::Value;

type RoundTrip = fn(&str, &str, &Value) -> Option<Result<Value, String>>;
type EventRoundTrip = fn(&str, &Value) -> Option<Result<Value, String>>;

/// The spec the build script used: the same variables, read the same way.
fn spec() -> Spec {
    let source = match (
        std::env::var_os("MATRIX_SPEC_DIR"),
        std::env::var("MATRIX_SPEC_VERSION"),
    ) {
        (Some(dir), _) => SpecSource::dir(Path::new(&dir)),
        (None, Ok(version)) => SpecSource::version(&version),
        (None, Err(_)) => SpecSource::version(&matrix_codegen::source::default_version()),
    }
    .unwrap();
    let spec = matrix_codegen::load(&source).unwrap();
    assert_eq!(
        spec.version,
        matrix_client_server_api::examples::SPEC_VERSION,
        "crates built from another spec"
    );
    spec
}

fn registry(api: Api) -> (RoundTrip, EventRoundTrip) {
    match api {
        Api::ClientServer => (
            matrix_client_server_api::examples::round_trip,
            matrix_client_server_api::examples::round_trip_event,
        ),
        Api::ServerServer => (
            matrix_server_server_api::examples::round_trip,
            matrix_server_server_api::examples::round_trip_event,
        ),
        Api::ApplicationService => (
            matrix_application_service_api::examples::round_trip,
            matrix_application_service_api::examples::round_trip_event,
        ),
        Api::Identity => (
            matrix_identity_api::examples::round_trip,
            matrix_identity_api::examples::round_trip_event,
        ),
        Api::PushGateway => (
            matrix_push_gateway_api::examples::round_trip,
            matrix_push_gateway_api::examples::round_trip_event,
        ),
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The first difference between two JSON values, as a pointer and both sides.
fn difference(a: &Value, b: &Value, at: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return format!("{at}/{k} dropped"),
                    Some(w) if !same(v, w) => return difference(v, w, &format!("{at}/{k}")),
                    _ => {}
                }
            }
            match y.keys().find(|k| !x.contains_key(*k)) {
                Some(k) => format!("{at}/{k} added: {}", y[k]),
                None => format!("{at}: objects differ"),
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (v, w))| !same(v, w))
            .map(|(i, (v, w))| difference(v, w, &format!("{at}/{i}")))
            .unwrap_or_default(),
        _ => format!("{at}: {a} became {b}"),
    }
}

struct Tally {
    passed: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: String, example: &Example, result: Option<Result<Value, String>>) {
        let outcome = match result {
            None => Err("no generated type for this place".to_owned()),
            Some(Err(e)) => Err(format!("does not deserialise: {e}")),
            Some(Ok(back)) if same(&example.value, &back) => Ok(()),
            Some(Ok(back)) => Err(format!(
                "round trip differs: {}",
                difference(&example.value, &back, "")
            )),
        };
        match outcome {
            Ok(()) => self.passed += 1,
            Err(problem) => self.failures.push(format!(
                "{what} ({}): {problem}",
                example.location.display()
            )),
        }
    }
}

fn json_examples(body: &Body) -> impl Iterator<Item = &Example> {
    body.content
        .iter()
        .filter(|m| m.is_json())
        .flat_map(|m| m.examples.iter())
}

#[test]
fn every_example_round_trips() {
    let spec = spec();
    let mut tally = Tally {
        passed: 0,
        failures: Vec::new(),
    };
    for op in &spec.operations {
        let (round_trip, _) = registry(op.api);
        if let Some(body) = &op.request_body {
            for example in json_examples(body) {
                let result = round_trip(&op.operation_id, "request", &example.value);
                tally.check(
                    format!("{} {} request", op.api, op.operation_id),
                    example,
                    result,
                );
            }
        }
        for response in &op.responses {
            let place = response.status.to_string();
            for example in response.body.iter().flat_map(json_examples) {
                let result = round_trip(&op.operation_id, &place, &example.value);
                tally.check(
                    format!("{} {} {place}", op.api, op.operation_id),
                    example,
                    result,
                );
            }
        }
    }
    let (_, cs_events) = registry(Api::ClientServer);
    let (_, edus) = registry(Api::ServerServer);
    let overrides = matrix_codegen::emit::overrides::Overrides::load().unwrap();
    let schema_files: Vec<(String, String)> = spec
        .events
        .iter()
        .map(|e| {
            let file = e.location.file.display().to_string();
            let stem = e
                .location
                .file
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (stem, file)
        })
        .collect();
    let schema_of = |name: &str| {
        overrides.examples.get(name).cloned().or_else(|| {
            schema_files
                .iter()
                .find(|(stem, _)| stem == name)
                .map(|(_, f)| f.clone())
        })
    };
    for example in &spec.event_examples {
        // `m.room.member$third_party_invite` is an example of `m.room.member` when there is
        // no schema file of that name.
        let base = example.name.split(['$', '#']).next().unwrap_or_default();
        let file = schema_of(&example.name)
            .or_else(|| schema_of(base))
            .unwrap_or_default();
        let result = cs_events(&file, &example.value).or_else(|| edus(&file, &example.value));
        tally.check(format!("event {}", example.name), example, result);
    }
    for failure in &tally.failures {
        println!("FAILED {failure}");
    }
    println!(
        "{}: {} passed, {} failed",
        spec.version,
        tally.passed,
        tally.failures.len()
    );
    assert!(
        tally.failures.is_empty(),
        "{} examples failed",
        tally.failures.len()
    );
}
