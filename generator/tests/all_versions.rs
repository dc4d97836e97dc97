//! Every release in the spec collection loads without error, with the operation counts
//! that are facts of the input.

use std::collections::BTreeSet;

use matrix_codegen::ir::{Api, Method, ParamLocation};
use matrix_codegen::source::{self, SpecSource};

/// (version, client-server, server-server, application-service, identity, push-gateway).
const COUNTS: &[(&str, [usize; 5])] = &[
    ("r0.4.0", [117, 26, 8, 16, 1]),
    ("r0.6.1", [120, 31, 8, 39, 1]),
    ("v1.1", [138, 33, 8, 23, 1]),
    ("v1.7", [150, 35, 9, 23, 1]),
    ("v1.8", [150, 35, 9, 23, 1]),
    ("v1.16", [160, 37, 9, 23, 1]),
    ("v1.18", [165, 36, 9, 23, 1]),
    ("v1.19", [166, 36, 9, 23, 1]),
];

fn versions_in_collection() -> Vec<String> {
    let root = source::collection_root();
    let mut versions: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("spec collection {} unreadable: {e}", root.display()))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('r') || name.starts_with('v'))
        .collect();
    versions.sort();
    versions
}

#[test]
fn every_release_loads_with_the_expected_counts() {
    let versions = versions_in_collection();
    assert_eq!(
        versions.len(),
        21,
        "the collection holds r0.4.0, r0.6.1 and v1.1 … v1.19"
    );
    let (mut passed, mut failed) = (0, 0);
    let mut problems = Vec::new();
    for version in &versions {
        let spec = match SpecSource::version(version).and_then(|s| matrix_codegen::load(&s)) {
            Ok(spec) => spec,
            Err(e) => {
                failed += 1;
                problems.push(format!("{version}: {e}"));
                continue;
            }
        };
        let counts: Vec<usize> = Api::ALL
            .iter()
            .map(|&api| spec.operations_of(api).count())
            .collect();
        match COUNTS.iter().find(|(v, _)| v == version) {
            Some((_, expected)) if counts != expected => {
                failed += 1;
                problems.push(format!(
                    "{version}: counts {counts:?}, expected {expected:?}"
                ));
            }
            _ => passed += 1,
        }
    }
    println!("{passed} passed, {failed} failed");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (version, _) in COUNTS {
        assert!(versions.contains(&version.to_string()), "{version} missing");
    }
}

#[test]
fn trailing_space_pairs_stay_distinct_operations() {
    let spec = matrix_codegen::load(&SpecSource::version("v1.19").unwrap()).unwrap();
    let ids = |method: Method, path: &str| -> BTreeSet<String> {
        spec.operations
            .iter()
            .filter(|op| op.method == method && op.path == path)
            .map(|op| op.operation_id.clone())
            .collect()
    };
    assert_eq!(
        ids(Method::Get, "/_matrix/client/v3/events"),
        BTreeSet::from(["getEvents".to_owned(), "peekEvents".to_owned()])
    );
    assert_eq!(
        ids(Method::Post, "/_matrix/client/v3/rooms/{roomId}/invite"),
        BTreeSet::from(["inviteBy3PID".to_owned(), "inviteUser".to_owned()])
    );
    let peek = spec
        .operations
        .iter()
        .find(|op| op.operation_id == "peekEvents")
        .unwrap();
    assert_eq!(peek.path_key, "/events ");
}

#[test]
fn version_keys_keep_their_spelling() {
    let spec = matrix_codegen::load(&SpecSource::version("v1.19").unwrap()).unwrap();
    let report = spec
        .operations
        .iter()
        .find(|op| op.operation_id == "reportEvent")
        .unwrap();
    let versions: Vec<&str> = report
        .changed_in
        .iter()
        .map(|n| n.version.as_str())
        .collect();
    assert_eq!(versions, ["1.8", "1.18"]);
}

#[test]
fn swagger_features_are_read() {
    let spec = matrix_codegen::load(&SpecSource::version("v1.7").unwrap()).unwrap();
    let upload = spec
        .operations
        .iter()
        .find(|op| op.operation_id == "uploadContent")
        .unwrap();
    assert_eq!(upload.path, "/_matrix/media/v3/upload");
    let body = upload.request_body.as_ref().unwrap();
    assert!(body.json().is_none(), "upload takes raw bytes");
    assert!(
        upload
            .parameters_in(ParamLocation::Header)
            .any(|p| p.name == "Content-Type")
    );
    let r0 = matrix_codegen::load(&SpecSource::version("r0.4.0").unwrap()).unwrap();
    assert!(
        r0.operations
            .iter()
            .any(|op| op.path == "/_matrix/client/r0/sync")
    );
    let synthesised: Vec<_> = r0
        .operations
        .iter()
        .filter(|op| op.operation_id_synthesised)
        .map(|op| op.path.as_str())
        .collect();
    assert_eq!(synthesised, ["/_matrix/federation/v1/version"]);
}

#[test]
fn security_is_classified() {
    use matrix_codegen::ir::{AuthKind, SchemeKind};
    let spec = matrix_codegen::load(&SpecSource::version("v1.19").unwrap()).unwrap();
    let auth = |id: &str, api: Api| {
        spec.operations
            .iter()
            .find(|op| op.operation_id == id && op.api == api)
            .unwrap()
            .security
            .auth()
    };
    assert_eq!(
        auth("getVersions", Api::ClientServer),
        AuthKind::Optional(SchemeKind::AccessToken)
    );
    assert_eq!(
        auth("sync", Api::ClientServer),
        AuthKind::Required(SchemeKind::AccessToken)
    );
    assert_eq!(
        auth("sendTransaction", Api::ServerServer),
        AuthKind::Required(SchemeKind::XMatrix)
    );
    assert_eq!(
        auth("sendTransaction", Api::ApplicationService),
        AuthKind::Required(SchemeKind::HomeserverToken)
    );
    assert_eq!(auth("getWellknown", Api::ClientServer), AuthKind::None);
    // Named fix-ups: the federation scheme on a client endpoint, a client scheme on a
    // federation endpoint.
    assert_eq!(
        auth("getRoomSummary", Api::ClientServer),
        AuthKind::Optional(SchemeKind::AccessToken)
    );
    assert_eq!(
        auth("getEventByTimestamp", Api::ServerServer),
        AuthKind::Required(SchemeKind::XMatrix)
    );
}

#[test]
fn every_fixup_applies_somewhere() {
    let mut applied = BTreeSet::new();
    for version in versions_in_collection() {
        let spec = matrix_codegen::load(&SpecSource::version(&version).unwrap()).unwrap();
        applied.extend(spec.fixups_applied);
    }
    let all: BTreeSet<String> = matrix_codegen::fixups::all()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    let unused: Vec<_> = all.difference(&applied).collect();
    assert!(
        unused.is_empty(),
        "fix-ups that apply to no release: {unused:?}"
    );
}

#[test]
fn the_path_history_table_is_current() {
    // Oldest first, as `matrix-codegen history` reads them.
    let specs: Vec<matrix_codegen::Spec> = source::known_versions()
        .iter()
        .map(|v| matrix_codegen::load(&SpecSource::version(&v.name).unwrap()).unwrap())
        .collect();
    let computed = matrix_codegen::items::history::History::compute(&specs);
    let compiled = matrix_codegen::items::history::History::compiled_in().unwrap();
    assert!(
        computed == compiled,
        "api-defs/history.toml is stale: run `matrix-codegen history --out api-defs/history.toml`"
    );
}

#[test]
fn dispatch_overrides_name_members_of_their_schemas() {
    let spec = matrix_codegen::load(&SpecSource::version("v1.19").unwrap()).unwrap();
    let overrides = matrix_codegen::items::ItemOverrides::load().unwrap();
    overrides.check_schemas(&spec).unwrap();
}

#[test]
fn loading_is_deterministic() {
    let source = SpecSource::version("v1.19").unwrap();
    let a = matrix_codegen::load(&source).unwrap();
    let b = matrix_codegen::load(&source).unwrap();
    let names = |spec: &matrix_codegen::Spec| -> Vec<String> {
        Api::ALL
            .into_iter()
            .flat_map(|api| {
                let items = matrix_codegen::items::build(spec, api).unwrap();
                let types: Vec<String> = (0..items.types.len())
                    .map(|i| items.type_path(matrix_codegen::items::TypeId(i)))
                    .collect();
                let ops: Vec<String> = (0..items.operations.len())
                    .map(|i| items.operation_path(i))
                    .collect();
                types.into_iter().chain(ops)
            })
            .collect()
    };
    assert_eq!(names(&a), names(&b));
    let ops = |spec: &matrix_codegen::Spec| -> Vec<String> {
        spec.operations
            .iter()
            .map(|op| format!("{} {} {}", op.method, op.path, op.operation_id))
            .collect()
    };
    assert_eq!(ops(&a), ops(&b));
}
