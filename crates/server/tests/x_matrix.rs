//! `X-Matrix` authentication with real signatures (keys of `matrix_event_format`): the
//! security table. Every refused request is refused before the method runs.

mod common;

use common::{Case, RawRequest, SERVER_NAME, count, run_table, send, serve};
use matrix_api_core::ServerName;
use matrix_event_format::{Request, SigningKey, XMatrix, sign_request};
use matrix_server::{
    AuthError, Authenticator, InMemoryKeyStore, KeySet, KeyStore, KeyStoreError, ServerConfig,
};
use serde_json::{Value, json};

const FAR_FUTURE: u64 = 32_503_680_000_000; // year 3000
const PAST: u64 = 1_000_000_000_000; // 2001

fn key(seed: u8, version: &str) -> SigningKey {
    SigningKey::from_seed(&[seed; 32], version).unwrap()
}

fn name(server: &str) -> ServerName {
    server.parse().unwrap()
}

/// The in-memory keys, and a server whose key server is down.
struct TestKeys(InMemoryKeyStore);

impl KeyStore for TestKeys {
    async fn verify_keys(
        &self,
        origin: &ServerName,
        key_ids: &[&str],
    ) -> Result<KeySet, KeyStoreError> {
        if origin.as_str() == "down.test" {
            let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
            return Err(KeyStoreError::Unavailable {
                origin: origin.clone(),
                source: Box::new(refused),
            });
        }
        self.0.verify_keys(origin, key_ids).await
    }
}

fn key_store() -> TestKeys {
    let store = InMemoryKeyStore::new();
    for (server, seed) in [
        ("remote.test", 1),
        ("other.test", 2),
        ("denied.test", 3),
        ("down.test", 4),
    ] {
        let valid = key(seed, "1")
            .verify_key()
            .clone()
            .with_valid_until_ts(FAR_FUTURE);
        store.insert(name(server), "ed25519:1", valid);
    }
    let expired = key(9, "old").verify_key().clone().with_valid_until_ts(PAST);
    store.insert(name("remote.test"), "ed25519:old", expired);
    TestKeys(store)
}

/// Allows every server but `denied.test`.
struct DenyList;

impl Authenticator for DenyList {
    async fn server(&self, origin: &ServerName) -> Result<(), AuthError> {
        match origin.as_str() {
            "denied.test" => Err(AuthError::Forbidden("server denied".into())),
            _ => Ok(()),
        }
    }
}

/// The header `remote.test` makes with its key `ed25519:1` for this server.
fn by_remote(method: &str, uri: &str, content: Option<&Value>) -> XMatrix {
    header(
        &key(1, "1"),
        "remote.test",
        SERVER_NAME,
        method,
        uri,
        content,
    )
}

/// The header `key` of `origin` makes for this request.
fn header(
    key: &SigningKey,
    origin: &str,
    destination: &str,
    method: &str,
    uri: &str,
    content: Option<&Value>,
) -> XMatrix {
    sign_request(
        key,
        origin,
        destination,
        Request {
            method,
            uri,
            content,
        },
    )
    .unwrap()
}

fn request(method: &str, uri: &str, body: Option<&Value>, header: impl AsRef<[u8]>) -> RawRequest {
    let request = RawRequest::new(method, uri).header("Authorization", header);
    match body {
        Some(body) => request.json(body),
        None => request,
    }
}

const ECHO: &str = "/_matrix/federation/v1/echo/x";

#[tokio::test]
async fn security_table() {
    let config = ServerConfig::new(name(SERVER_NAME), DenyList).key_store(key_store());
    let (address, calls) = serve(config).await;
    let body = json!({"a": 1});
    let remote = key(1, "1");
    let signed = by_remote("PUT", ECHO, Some(&body));
    let sign = |key: &SigningKey, origin: &str, destination: &str| {
        header(key, origin, destination, "PUT", ECHO, Some(&body)).to_header()
    };

    // Accepted first: each of these must reach the method.
    let mut no_destination = by_remote("PUT", ECHO, Some(&body));
    no_destination.destination = None;
    let with_query = format!("{ECHO}?limit=10&from=a%20b");
    let transaction = json!({"origin": "remote.test", "origin_server_ts": 1, "pdus": []});
    let accepted = [
        request("PUT", ECHO, Some(&body), signed.to_header()),
        request("PUT", ECHO, Some(&body), no_destination.to_header()),
        request(
            "PUT",
            &with_query,
            Some(&body),
            by_remote("PUT", &with_query, Some(&body)).to_header(),
        ),
        request(
            "POST",
            ECHO,
            None,
            by_remote("POST", ECHO, None).to_header(),
        ),
        request(
            "PUT",
            "/_matrix/federation/v1/send/t1",
            Some(&transaction),
            by_remote("PUT", "/_matrix/federation/v1/send/t1", Some(&transaction)).to_header(),
        ),
    ];
    for request in &accepted {
        let response = send(address, request).await;
        assert_eq!(
            response.status,
            200,
            "{} {}: {:?}",
            request.method,
            request.target,
            response.json()
        );
        if request.target.contains("/echo/") {
            assert_eq!(response.json()["origin"], "remote.test");
        }
    }
    assert_eq!(count(&calls), accepted.len());

    let mut duplicated = signed.to_header();
    duplicated.push_str(",origin=\"remote.test\"");
    let mut no_sig = signed.clone();
    no_sig.sig = String::new();
    let no_sig = no_sig.to_header().replace(",sig=\"\"", "");
    let no_origin = signed.to_header().replace("origin=\"remote.test\",", "");
    let mut claims_other = signed.clone();
    claims_other.origin = "other.test".into();
    let mut bad_origin = signed.clone();
    bad_origin.origin = "not a server".into();
    let mut not_base64 = signed.clone();
    not_base64.sig = "!!!".into();
    let float = json!({"a": 1.5});
    let unauthorized = |name, request| Case {
        name,
        request,
        status: 401,
        errcode: "M_UNAUTHORIZED",
    };
    let cases = [
        unauthorized(
            "forged signature (another key, same key ID)",
            request(
                "PUT",
                ECHO,
                Some(&body),
                sign(&key(7, "1"), "remote.test", SERVER_NAME),
            ),
        ),
        unauthorized(
            "replayed on another path",
            request(
                "PUT",
                "/_matrix/federation/v1/echo/y",
                Some(&body),
                signed.to_header(),
            ),
        ),
        unauthorized(
            "replayed with another method",
            request("POST", ECHO, Some(&body), signed.to_header()),
        ),
        unauthorized(
            "replayed with another body",
            request("PUT", ECHO, Some(&json!({"a": 2})), signed.to_header()),
        ),
        unauthorized(
            "replayed without the body",
            request("PUT", ECHO, None, signed.to_header()),
        ),
        unauthorized(
            "replayed with a query",
            request(
                "PUT",
                &format!("{ECHO}?a=1"),
                Some(&body),
                signed.to_header(),
            ),
        ),
        unauthorized(
            "wrong destination",
            request(
                "PUT",
                ECHO,
                Some(&body),
                sign(&remote, "remote.test", "elsewhere.test"),
            ),
        ),
        unauthorized(
            "signed by one server, claimed by another",
            request("PUT", ECHO, Some(&body), claims_other.to_header()),
        ),
        unauthorized(
            "unknown key ID",
            request(
                "PUT",
                ECHO,
                Some(&body),
                sign(&key(1, "2"), "remote.test", SERVER_NAME),
            ),
        ),
        unauthorized(
            "key past its valid_until_ts",
            request(
                "PUT",
                ECHO,
                Some(&body),
                sign(&key(9, "old"), "remote.test", SERVER_NAME),
            ),
        ),
        unauthorized(
            "origin whose key server is down",
            request(
                "PUT",
                ECHO,
                Some(&body),
                sign(&key(4, "1"), "down.test", SERVER_NAME),
            ),
        ),
        unauthorized(
            "origin nobody knows",
            request(
                "PUT",
                ECHO,
                Some(&body),
                sign(&remote, "nobody.test", SERVER_NAME),
            ),
        ),
        unauthorized(
            "duplicate parameter",
            request("PUT", ECHO, Some(&body), duplicated),
        ),
        unauthorized("missing sig", request("PUT", ECHO, Some(&body), no_sig)),
        unauthorized(
            "missing origin",
            request("PUT", ECHO, Some(&body), no_origin),
        ),
        unauthorized(
            "origin not a server name",
            request("PUT", ECHO, Some(&body), bad_origin.to_header()),
        ),
        unauthorized(
            "sig not base64",
            request("PUT", ECHO, Some(&body), not_base64.to_header()),
        ),
        unauthorized(
            "no Authorization header",
            RawRequest::new("PUT", ECHO).json(&body),
        ),
        unauthorized(
            "two X-Matrix headers",
            request("PUT", ECHO, Some(&body), signed.to_header())
                .header("Authorization", signed.to_header()),
        ),
        unauthorized(
            "a bearer token instead",
            RawRequest::new("PUT", ECHO).token("abc").json(&body),
        ),
        unauthorized(
            "X-Matrix without parameters",
            request("PUT", ECHO, Some(&body), "X-Matrix "),
        ),
        Case {
            name: "a server the authenticator denies",
            request: request(
                "PUT",
                ECHO,
                Some(&body),
                sign(&key(3, "1"), "denied.test", SERVER_NAME),
            ),
            status: 403,
            errcode: "M_FORBIDDEN",
        },
        Case {
            name: "a body without canonical form (a float)",
            request: request(
                "PUT",
                ECHO,
                Some(&float),
                sign(&remote, "remote.test", SERVER_NAME),
            ),
            status: 400,
            errcode: "M_BAD_JSON",
        },
        Case {
            name: "a body that is not JSON",
            request: request("PUT", ECHO, None, signed.to_header()).body("{\"a\":"),
            status: 400,
            errcode: "M_NOT_JSON",
        },
    ];
    assert_eq!(run_table(address, &calls, &cases, None).await, 0);
    assert_eq!(count(&calls), accepted.len());
}

#[tokio::test]
async fn without_a_key_store_every_signature_is_refused() {
    let (address, calls) = serve(ServerConfig::new(name(SERVER_NAME), DenyList)).await;
    let body = json!({});
    let signed = by_remote("PUT", ECHO, Some(&body));
    let response = send(
        address,
        &request("PUT", ECHO, Some(&body), signed.to_header()),
    )
    .await;
    assert_eq!(
        (response.status, response.errcode()),
        (401, Some("M_UNAUTHORIZED".into()))
    );
    assert_eq!(count(&calls), 0);
}

#[tokio::test]
async fn accept_anything_trusts_well_formed_headers_for_this_server() {
    let (address, calls) = serve(ServerConfig::accept_anything(name(SERVER_NAME))).await;
    let body = json!({});
    let unchecked = header(
        &key(42, "any"),
        "anyone.test",
        SERVER_NAME,
        "PUT",
        "/elsewhere",
        None,
    );
    let response = send(
        address,
        &request("PUT", ECHO, Some(&body), unchecked.to_header()),
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["origin"], "anyone.test");
    let elsewhere = header(
        &key(42, "any"),
        "anyone.test",
        "other.test",
        "PUT",
        ECHO,
        Some(&body),
    );
    for header in [elsewhere.to_header(), "X-Matrix origin=a".to_owned()] {
        let response = send(address, &request("PUT", ECHO, Some(&body), header)).await;
        assert_eq!(
            (response.status, response.errcode()),
            (401, Some("M_UNAUTHORIZED".into()))
        );
    }
    assert_eq!(count(&calls), 1);
}

#[tokio::test]
async fn accept_anything_for_any_destination_trusts_every_well_formed_header() {
    let config = ServerConfig::accept_anything_for_any_destination(name(SERVER_NAME));
    let (address, calls) = serve(config).await;
    let body = json!({});
    let elsewhere = header(
        &key(42, "any"),
        "anyone.test",
        "other.test",
        "PUT",
        ECHO,
        Some(&body),
    );
    let response = send(
        address,
        &request("PUT", ECHO, Some(&body), elsewhere.to_header()),
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["origin"], "anyone.test");
    assert_eq!(count(&calls), 1);
    // Missing and malformed ones are still refused: no origin, an origin or destination that
    // is no server name.
    let mut bad_destination = elsewhere.clone();
    bad_destination.destination = Some("not a server".into());
    let mut bad_origin = elsewhere.clone();
    bad_origin.origin = "not a server".into();
    for header in [
        "X-Matrix origin=a".to_owned(),
        "X-Matrix key=\"ed25519:1\",sig=\"abc\"".to_owned(),
        bad_destination.to_header(),
        bad_origin.to_header(),
    ] {
        let response = send(address, &request("PUT", ECHO, Some(&body), &header)).await;
        assert_eq!(
            (response.status, response.errcode()),
            (401, Some("M_UNAUTHORIZED".into())),
            "{header}"
        );
    }
    let missing = send(address, &RawRequest::new("PUT", ECHO).json(&body)).await;
    assert_eq!(
        (missing.status, missing.errcode()),
        (401, Some("M_UNAUTHORIZED".into()))
    );
    assert_eq!(count(&calls), 1);
}
