//! Every JSON example in the spec the crates were generated from (request and response
//! examples of every operation, and every event example) deserialises into its generated
//! type, serialises back, and loses nothing on the way.
//!
//! A member of the example may be missing from what the type writes back only when it
//! carried the member's default: removing it from the example gives the same value, and
//! (unless it is `null` or an empty object or array, which carry no data) changing it
//! gives another value or an error, so the type does read it. Anything else that differs
//! is a failure: a member the type ignores, a value that changes, a member that appears.

use matrix_api_core::ExampleCheck;
use matrix_codegen::SpecSource;
use matrix_codegen::ir::{Api, Body, Example, Spec};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

type RoundTrip = fn(&str, &str, &Value, Lossless) -> Option<Result<(), String>>;
type EventRoundTrip = fn(&str, &Value, Lossless) -> Option<Result<(), String>>;

/// The spec the build script used: the same variables, read the same way.
fn spec() -> Spec {
    let spec = matrix_codegen::load(&SpecSource::from_env().unwrap()).unwrap();
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

/// The check: read, write back, read again, and account for every difference.
#[derive(Debug, Clone, Copy)]
struct Lossless;

impl ExampleCheck for Lossless {
    type Output = Result<(), String>;

    fn check<T>(self, json: &Value) -> Result<(), String>
    where
        T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let read = |json: &Value| serde_json::from_value::<T>(json.clone());
        let value = read(json).map_err(|e| format!("does not deserialise: {e}"))?;
        let back = serde_json::to_value(&value).map_err(|e| format!("does not serialise: {e}"))?;
        let again = read(&back).map_err(|e| format!("what it writes does not read back: {e}"))?;
        if again != value {
            return Err("what it writes reads back as another value".into());
        }
        let mut omitted = Vec::new();
        differences(json, &back, String::new(), &mut omitted)?;
        for pointer in omitted {
            let member = json.pointer(&pointer).cloned().unwrap_or(Value::Null);
            let without = edit(json, &pointer, None);
            if read(&without).ok().as_ref() != Some(&value) {
                return Err(format!("{pointer} dropped, and it is not the default"));
            }
            let carries_data = !matches!(&member, Value::Null)
                && !matches!(&member, Value::Object(o) if o.is_empty())
                && !matches!(&member, Value::Array(a) if a.is_empty());
            if carries_data {
                let changed = edit(json, &pointer, Some(perturb(&member)));
                if read(&changed).ok().as_ref() == Some(&value) {
                    return Err(format!("{pointer} dropped: the type ignores it ({member})"));
                }
            }
        }
        Ok(())
    }
}

/// Members of `a` missing from `b` (as JSON pointers); any other difference is an error.
fn differences(a: &Value, b: &Value, at: String, omitted: &mut Vec<String>) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x == y || x.as_f64() == y.as_f64() => Ok(()),
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match y.get(k) {
                    None => omitted.push(here),
                    Some(w) => differences(v, w, here, omitted)?,
                }
            }
            match y.keys().find(|k| !x.contains_key(*k)) {
                Some(k) => Err(format!("{at}/{k} added: {}", y[k])),
                None => Ok(()),
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, format!("{at}/{i}"), omitted)?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} became {b}")),
    }
}

/// `json` with the member at `pointer` removed (`None`) or replaced.
fn edit(json: &Value, pointer: &str, replacement: Option<Value>) -> Value {
    let mut json = json.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let key = key.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(object)) = json.pointer_mut(parent) {
        match replacement {
            Some(value) => {
                object.insert(key, value);
            }
            None => {
                object.remove(&key);
            }
        }
    }
    json
}

/// Another value of the same JSON type (or an array or object with one entry more).
fn perturb(value: &Value) -> Value {
    match value {
        Value::Bool(b) => Value::Bool(!b),
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap_or_default() + 1.0),
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Array(items) => {
            let mut items = items.clone();
            items.push(items.first().cloned().unwrap_or(Value::Null));
            Value::Array(items)
        }
        Value::Object(object) => {
            let mut object = object.clone();
            match object.iter().next().map(|(k, v)| (k.clone(), perturb(v))) {
                Some((k, v)) => {
                    object.insert(k, v);
                }
                None => {
                    object.insert("x".into(), Value::Null);
                }
            }
            Value::Object(object)
        }
        Value::Null => Value::Bool(true),
    }
}

struct Tally {
    passed: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: String, example: &Example, result: Option<Result<(), String>>) {
        let outcome = result.unwrap_or_else(|| Err("no generated type for this place".to_owned()));
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
                let result = round_trip(&op.operation_id, "request", &example.value, Lossless);
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
                let result = round_trip(&op.operation_id, &place, &example.value, Lossless);
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
    let overrides = matrix_codegen::items::ItemOverrides::load().unwrap();
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
    let has_file = |file: &str| {
        let file = file.trim_start_matches("[]");
        schema_files.iter().any(|(_, f)| f == file)
    };
    let schema_of = |name: &str| {
        let declared = overrides.examples.get(name).and_then(|candidates| {
            candidates
                .split('|')
                .find(|f| has_file(f))
                .map(str::to_owned)
        });
        declared.or_else(|| {
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
        let result = cs_events(&file, &example.value, Lossless)
            .or_else(|| edus(&file, &example.value, Lossless));
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

#[test]
fn the_check_catches_dropped_members() {
    // A member the type ignores fails; a default left out passes.
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Presence {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        currently_active: bool,
    }
    let dropped = serde_json::json!({"currently_active": true, "sender": "@a:b"});
    let err = Lossless.check::<Presence>(&dropped).unwrap_err();
    assert!(err.contains("/sender dropped"), "{err}");
    let default = serde_json::json!({"currently_active": false});
    assert_eq!(Lossless.check::<Presence>(&default), Ok(()));
}
