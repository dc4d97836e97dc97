//! The diff against the official changelogs: for each release checked, every endpoint the
//! changelog lists under "New Endpoints" or "Removed Endpoints" is added or removed in
//! the diff from the release before (or, where the changelog files a field removal under
//! "Removed Endpoints", the diff shows that field removed), and every operation the diff
//! adds or removes is explained by the changelog.
//!
//! The changelogs are read at test time from `<collection>/v1.19/content/changelog/`.

use matrix_codegen::diff::{self, Changed, Entry, OperationInfo, Options, Report, Rule, Segment};
use matrix_codegen::ir::{Api, Method};
use matrix_codegen::source::{self, SpecSource};

/// (release, the release before it).
const RELEASES: &[(&str, &str)] = &[("v1.17", "v1.16"), ("v1.18", "v1.17"), ("v1.19", "v1.18")];

/// Operations the changelog explains outside its endpoint lists: (release, API, method,
/// path, text of the changelog entry that explains it, which must be in that API's
/// section). v1.18 introduced policy servers as a module, without listing its endpoints.
const EXPLAINED_ELSEWHERE: &[(&str, Api, Method, &str, &str)] = &[
    (
        "v1.18",
        Api::ClientServer,
        Method::Get,
        "/.well-known/matrix/policy_server",
        "Add a \"Policy Servers\" module",
    ),
    (
        "v1.18",
        Api::ServerServer,
        Method::Post,
        "/_matrix/policy/v1/sign",
        "Add a concept of \"Policy Servers\"",
    ),
];

/// One bullet of a changelog.
#[derive(Debug)]
struct Bullet {
    api: Api,
    /// The bold heading it is under (`New Endpoints`).
    heading: String,
    text: String,
}

/// An endpoint a bullet names in backticks: a method and path, or a path alone.
#[derive(Debug)]
struct Mention {
    method: Option<Method>,
    path: String,
}

fn api_of_section(title: &str) -> Option<Api> {
    match title {
        "Client-Server API" => Some(Api::ClientServer),
        "Server-Server API" => Some(Api::ServerServer),
        "Application Service API" => Some(Api::ApplicationService),
        "Identity Service API" => Some(Api::Identity),
        "Push Gateway API" => Some(Api::PushGateway),
        _ => None,
    }
}

/// The bullets of the API sections of a changelog.
fn bullets(markdown: &str) -> Vec<Bullet> {
    let mut out: Vec<Bullet> = Vec::new();
    let (mut api, mut heading) = (None, String::new());
    for line in markdown.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            api = api_of_section(title.trim());
            heading.clear();
        } else if let Some(bold) = line.strip_prefix("**").and_then(|l| l.strip_suffix("**")) {
            heading = bold.to_owned();
        } else if let (Some(text), Some(api)) = (line.strip_prefix("- "), api) {
            out.push(Bullet {
                api,
                heading: heading.clone(),
                text: text.to_owned(),
            });
        } else if let (Some(last), true) = (out.last_mut(), line.starts_with("  ")) {
            last.text.push(' ');
            last.text.push_str(line.trim());
        }
    }
    out
}

fn method(text: &str) -> Option<Method> {
    Method::ALL.into_iter().find(|m| m.as_str() == text)
}

/// The endpoints named in backticks.
fn mentions(text: &str) -> Vec<Mention> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| {
            let (method, path) = match span.split_once(' ') {
                Some((m, p)) => (Some(method(m)?), p),
                None => (None, span),
            };
            path.starts_with('/').then(|| Mention {
                method,
                path: path.to_owned(),
            })
        })
        .collect()
}

/// The words in backticks (field names).
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Whether `path` names the operation: the full path, or a run of its segments
/// (`/v1/send_join` in `/_matrix/federation/v1/send_join/{roomId}/{eventId}`).
fn names(mention: &Mention, api: Api, op: &OperationInfo, mention_api: Api) -> bool {
    if api != mention_api || mention.method.is_some_and(|m| m != op.method) {
        return false;
    }
    if op.path == mention.path {
        return true;
    }
    let full = mention.path.starts_with("/_matrix") || mention.path.starts_with("/.well-known");
    if full {
        return false;
    }
    let want: Vec<&str> = mention.path.split('/').filter(|s| !s.is_empty()).collect();
    let have: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
    have.windows(want.len()).any(|w| w == want.as_slice())
}

fn changelog(release: &str) -> String {
    let file = source::collection_root()
        .join("v1.19/content/changelog")
        .join(format!("{release}.md"));
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("changelog {} unreadable: {e}", file.display()))
}

fn report(old: &str, new: &str) -> Report {
    let source = |v: &str| SpecSource::version(v).expect("spec collection present");
    diff::load_and_diff(&source(old), &source(new), &Options::default()).expect("both load")
}

/// A changed operation at the mentioned path that lost a field the bullet names.
fn field_removed<'r>(
    report: &'r Report,
    bullet: &Bullet,
    mention: &Mention,
) -> Option<(&'r Changed<OperationInfo>, String)> {
    let fields = code_spans(&bullet.text);
    report
        .operations
        .changed
        .iter()
        .filter(|c| names(mention, c.item.api, &c.item, bullet.api))
        .find_map(|c| {
            c.changes.iter().find_map(|change| {
                let removed = matches!(
                    change.rule,
                    Rule::RequestFieldRemoved | Rule::ResponseFieldRemoved
                );
                match change.location.0.last() {
                    Some(Segment::Key(name)) if removed && fields.contains(&name.as_str()) => {
                        Some((c, change.location.to_string()))
                    }
                    _ => None,
                }
            })
        })
}

fn describe(entry: &Entry<OperationInfo>) -> String {
    format!(
        "{} {} {}",
        entry.item.api, entry.item.method, entry.item.path
    )
}

#[test]
fn new_and_removed_endpoints_match_the_changelogs() {
    let (mut passed, mut failed) = (0, 0);
    let mut failures = Vec::new();
    for &(release, previous) in RELEASES {
        let report = report(previous, release);
        let bullets = bullets(&changelog(release));
        let ops = &report.operations;
        let mut check = |ok: bool, what: String| {
            if ok {
                passed += 1;
                println!("ok   {release}: {what}");
            } else {
                failed += 1;
                println!("FAIL {release}: {what}");
                failures.push(format!("{release}: {what}"));
            }
        };
        // Changelog → diff.
        for bullet in &bullets {
            let (list, adds) = match bullet.heading.as_str() {
                "New Endpoints" => (&ops.added, true),
                "Removed Endpoints" => (&ops.removed, false),
                _ => continue,
            };
            let found = mentions(&bullet.text);
            if found.is_empty() {
                println!(
                    "skip {release}: {} bullet names no endpoint: {}",
                    bullet.heading, bullet.text
                );
                continue;
            }
            for mention in &found {
                let hit = list
                    .iter()
                    .find(|e| names(mention, e.item.api, &e.item, bullet.api));
                let what = format!(
                    "{} `{}{}` is {} in the diff",
                    bullet.heading,
                    mention.method.map(|m| format!("{m} ")).unwrap_or_default(),
                    mention.path,
                    if adds { "added" } else { "removed" }
                );
                match hit {
                    Some(entry) => check(true, format!("{what} ({})", describe(entry))),
                    None if !adds => match field_removed(&report, bullet, mention) {
                        Some((op, field)) => check(
                            true,
                            format!(
                                "{} names a field removal: {} {} loses `{field}`",
                                bullet.heading, op.item.method, op.item.path
                            ),
                        ),
                        None => check(false, what),
                    },
                    None => check(false, what),
                }
            }
        }
        // Diff → changelog.
        for (entries, heading) in [
            (&ops.added, "New Endpoints"),
            (&ops.removed, "Removed Endpoints"),
        ] {
            for entry in entries {
                let listed = bullets.iter().any(|b| {
                    b.heading == heading
                        && mentions(&b.text)
                            .iter()
                            .any(|m| names(m, entry.item.api, &entry.item, b.api))
                });
                let elsewhere = bullets.iter().any(|b| {
                    mentions(&b.text)
                        .iter()
                        .any(|m| names(m, entry.item.api, &entry.item, b.api))
                });
                let mapped = EXPLAINED_ELSEWHERE
                    .iter()
                    .any(|&(r, api, method, path, text)| {
                        r == release
                            && api == entry.item.api
                            && method == entry.item.method
                            && path == entry.item.path
                            && bullets
                                .iter()
                                .any(|b| b.api == api && b.text.contains(text))
                    });
                let how = if listed {
                    format!("listed under {heading}")
                } else if elsewhere {
                    "named in another changelog entry".to_owned()
                } else if mapped {
                    "explained by a changelog entry mapped in this test".to_owned()
                } else {
                    "not explained by the changelog".to_owned()
                };
                check(
                    listed || elsewhere || mapped,
                    format!("diff {} {}: {how}", describe(entry), heading),
                );
            }
        }
    }
    println!("changelog cross-check: {passed} passed, {failed} failed");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert!(passed > 0);
}

#[test]
fn the_changelog_parser_reads_endpoint_lists() {
    let bullets = bullets(&changelog("v1.18"));
    let new: Vec<&Bullet> = bullets
        .iter()
        .filter(|b| b.heading == "New Endpoints")
        .collect();
    assert_eq!(new.len(), 4);
    assert!(new.iter().all(|b| b.api == Api::ClientServer));
    let m = mentions(&new[0].text);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].method, Some(Method::Get));
    assert_eq!(m[0].path, "/_matrix/client/v1/admin/suspend/{userId}");
    let removed_ss: Vec<&Bullet> = bullets
        .iter()
        .filter(|b| b.heading == "Removed Endpoints" && b.api == Api::ServerServer)
        .collect();
    assert_eq!(removed_ss.len(), 1);
    let paths: Vec<String> = mentions(&removed_ss[0].text)
        .into_iter()
        .map(|m| m.path)
        .collect();
    assert_eq!(paths, ["/v1/send_join", "/v1/send_leave"]);
}
