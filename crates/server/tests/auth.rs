//! Bearer authentication: access tokens (header or query), application service tokens with
//! their assertion, the homeserver token; missing, doubled, malformed and unknown credentials
//! are refused before any method runs.

mod common;

use common::{RawRequest, SERVER_NAME, case, count, run_table, send, serve};
use matrix_api_core::UserId;
use matrix_server::{
    Appservice, Assertion, AuthError, Authenticator, ServerConfig, TokenOwner, User,
};
use serde_json::Value;

/// Knows the tokens `alice` (a user), `expired` (soft-logged-out), `as` (an application
/// service) and `hs` (the homeserver's).
struct Tokens;

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

impl Authenticator for Tokens {
    async fn access_token(
        &self,
        token: &str,
        assertion: &Assertion,
    ) -> Result<TokenOwner, AuthError> {
        match token {
            "alice" => Ok(TokenOwner::User(User::new(
                user("@alice:example.org"),
                Some("DEVICE".into()),
            ))),
            "as" => self
                .appservice_token(token, assertion)
                .await
                .map(TokenOwner::Appservice),
            "expired" => Err(AuthError::UnknownToken { soft_logout: true }),
            _ => Err(AuthError::UnknownToken { soft_logout: false }),
        }
    }

    async fn appservice_token(
        &self,
        token: &str,
        assertion: &Assertion,
    ) -> Result<Appservice, AuthError> {
        if token != "as" {
            return Err(AuthError::UnknownToken { soft_logout: false });
        }
        let user_id = assertion
            .user_id
            .clone()
            .unwrap_or(user("@bridge:example.org"));
        if !user_id.localpart().starts_with("bridge") {
            return Err(AuthError::Forbidden("outside the namespace".into()));
        }
        Ok(Appservice::new(
            "bridge",
            user_id,
            assertion.device_id.clone(),
        ))
    }

    async fn homeserver_token(&self, token: &str) -> Result<(), AuthError> {
        match token {
            "hs" => Ok(()),
            _ => Err(AuthError::Forbidden("wrong hs_token".into())),
        }
    }
}

fn config() -> ServerConfig {
    ServerConfig::new(SERVER_NAME.parse().unwrap(), Tokens)
}

const HISTORY: &str = "/_matrix/client/v3/rooms/%21r%3Aa/history";
const PING: &str = "/_matrix/client/v1/appservice/bridge/ping";
const TRANSACTION: &str = "/_matrix/app/v1/transactions/1";

fn get(path: &str) -> RawRequest {
    RawRequest::new("GET", path)
}

#[tokio::test]
async fn refused_credentials_never_reach_the_method() {
    let (address, calls) = serve(config()).await;
    let cases = [
        case("missing", get(HISTORY), 401, "M_MISSING_TOKEN"),
        case(
            "unknown",
            get(HISTORY).token("mallory"),
            401,
            "M_UNKNOWN_TOKEN",
        ),
        case(
            "soft logout",
            get(HISTORY).token("expired"),
            401,
            "M_UNKNOWN_TOKEN",
        ),
        case(
            "unknown in query",
            get(&format!("{HISTORY}?access_token=mallory")),
            401,
            "M_UNKNOWN_TOKEN",
        ),
        case(
            "two headers",
            get(HISTORY).token("alice").token("alice"),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "two query tokens",
            get(&format!("{HISTORY}?access_token=alice&access_token=alice")),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "header and query differ",
            get(&format!("{HISTORY}?access_token=mallory")).token("alice"),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "not bearer",
            get(HISTORY).header("Authorization", "Basic YWxpY2U6cHc="),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "empty bearer",
            get(HISTORY).header("Authorization", "Bearer "),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "header not text",
            get(HISTORY).header("Authorization", b"Bearer \xff\xfe"),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "optional auth, unknown token",
            get("/_matrix/client/versions").token("mallory"),
            401,
            "M_UNKNOWN_TOKEN",
        ),
        case(
            "appservice endpoint, user token",
            RawRequest::new("POST", PING).token("alice").body("{}"),
            401,
            "M_UNKNOWN_TOKEN",
        ),
        case(
            "appservice outside its namespace",
            RawRequest::new("POST", &format!("{PING}?user_id=%40alice%3Aexample.org"))
                .token("as")
                .body("{}"),
            403,
            "M_FORBIDDEN",
        ),
        case(
            "assertion not a user ID",
            get(&format!("{HISTORY}?user_id=bridge")).token("as"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "assertion doubled",
            get(&format!(
                "{HISTORY}?user_id=%40bridge%3Aa&user_id=%40bridge%3Ab"
            ))
            .token("as"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "hs_token missing",
            RawRequest::new("PUT", TRANSACTION).body("{}"),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "hs_token wrong",
            RawRequest::new("PUT", TRANSACTION)
                .token("alice")
                .body("{}"),
            403,
            "M_FORBIDDEN",
        ),
    ];
    assert_eq!(run_table(address, &calls, &cases, None).await, 0);
    // `soft_logout` is passed on.
    let soft = send(address, &get(HISTORY).token("expired")).await;
    assert_eq!(soft.json()["soft_logout"], true);
}

#[tokio::test]
async fn accepted_credentials_reach_the_method_as_the_caller() {
    let (address, calls) = serve(config()).await;
    let ok = |response: common::RawResponse| -> Value {
        assert_eq!(response.status, 200, "{:?}", response.json());
        response.json()
    };
    let header = ok(send(address, &RawRequest::new("GET", HISTORY).token("alice")).await);
    assert_eq!(header["user_id"], "@alice:example.org");
    assert_eq!(header["device_id"], "DEVICE");
    let query = ok(send(
        address,
        &RawRequest::new("GET", &format!("{HISTORY}?access_token=alice")),
    )
    .await);
    assert_eq!(query["user_id"], "@alice:example.org");
    let both = RawRequest::new("GET", &format!("{HISTORY}?access_token=alice")).token("alice");
    assert_eq!(
        ok(send(address, &both).await)["user_id"],
        "@alice:example.org"
    );
    // An application service acting as one of its users, through an access-token endpoint.
    let asserted = RawRequest::new(
        "GET",
        &format!("{HISTORY}?user_id=%40bridge_1%3Aexample.org&device_id=D1"),
    )
    .token("as");
    let asserted = ok(send(address, &asserted).await);
    assert_eq!(asserted["user_id"], "@bridge_1:example.org");
    assert_eq!(asserted["device_id"], "D1");
    assert_eq!(asserted["appservice_id"], "bridge");
    let ping = ok(send(
        address,
        &RawRequest::new("POST", PING).token("as").body("{}"),
    )
    .await);
    assert_eq!(ping["user_id"], "@bridge:example.org");
    let transaction = RawRequest::new("PUT", TRANSACTION).token("hs").body("{}");
    assert_eq!(
        ok(send(address, &transaction).await)["caller"],
        "Homeserver"
    );
    // Optional auth without a token: anonymous.
    let versions = ok(send(address, &RawRequest::new("GET", "/_matrix/client/versions")).await);
    assert_eq!(versions["unstable_features"]["org.example.anonymous"], true);
    let versions = RawRequest::new("GET", "/_matrix/client/versions").token("alice");
    let versions = ok(send(address, &versions).await);
    assert_eq!(
        versions["unstable_features"]["org.example.anonymous"],
        false
    );
    assert_eq!(count(&calls), 8);
}

#[tokio::test]
async fn the_query_token_can_be_turned_off() {
    let (address, calls) = serve(config().query_access_token(false)).await;
    let response = send(
        address,
        &RawRequest::new("GET", &format!("{HISTORY}?access_token=alice")),
    )
    .await;
    assert_eq!(
        (response.status, response.errcode()),
        (401, Some("M_MISSING_TOKEN".into()))
    );
    assert_eq!(count(&calls), 0);
}

#[tokio::test]
async fn accept_anything_accepts_what_is_present_and_refuses_what_is_not() {
    let (address, calls) = serve(ServerConfig::accept_anything(SERVER_NAME.parse().unwrap())).await;
    let bob = send(address, &RawRequest::new("GET", HISTORY).token("bob")).await;
    assert_eq!(bob.json()["user_id"], "@bob:127.0.0.1:8448");
    let odd = send(
        address,
        &RawRequest::new("GET", HISTORY).token("not:a:localpart"),
    )
    .await;
    assert_eq!(odd.json()["user_id"], "@user:127.0.0.1:8448");
    let hs = send(
        address,
        &RawRequest::new("PUT", TRANSACTION).token("x").body("{}"),
    )
    .await;
    assert_eq!(hs.status, 200);
    assert_eq!(count(&calls), 3);
    for request in [
        RawRequest::new("GET", HISTORY),
        RawRequest::new("GET", HISTORY).token("a").token("b"),
        RawRequest::new("GET", HISTORY).header("Authorization", "Token a"),
        RawRequest::new("PUT", TRANSACTION).body("{}"),
    ] {
        let response = send(address, &request).await;
        assert_eq!(
            (response.status, response.errcode()),
            (401, Some("M_MISSING_TOKEN".into()))
        );
    }
    assert_eq!(count(&calls), 3);
}
