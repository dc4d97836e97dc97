//! The `X-Matrix` Authorization header: parser quoting rules and request signatures.

use matrix_event_format::x_matrix::{Request, XMatrix, XMatrixError, sign_request, verify_request};
use matrix_event_format::{KeySet, SigningKey, VerifyError};
use serde_json::json;

fn key() -> SigningKey {
    SigningKey::from_seed(&[3; 32], "key1").unwrap()
}

fn keys() -> KeySet {
    KeySet::from([("ed25519:key1".to_owned(), key().verify_key().clone())])
}

#[test]
fn parses_the_spec_example() {
    let header = XMatrix::parse(
        r#"X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF...""#,
    )
    .unwrap();
    assert_eq!(
        header,
        XMatrix {
            origin: "origin.hs.example.com".into(),
            destination: Some("destination.hs.example.com".into()),
            key: "ed25519:key1".into(),
            sig: "ABCDEF...".into(),
        }
    );
    assert_eq!(XMatrix::parse(&header.to_header()), Ok(header));
}

#[test]
fn quoting_rules() {
    // Case-insensitive scheme and names, spaces and tabs around commas, unquoted tokens,
    // colons in unquoted values, backslash escapes, unknown parameters ignored.
    let header = XMatrix::parse(
        "x-matrix   ORIGIN=a.example:8448 ,\tKey=\"ed25519:k\" , unknown=\"x,y\" ,sig=\"s\\\"i\\\\g\",destination=b.example",
    )
    .unwrap();
    assert_eq!(header.origin, "a.example:8448");
    assert_eq!(header.key, "ed25519:k");
    assert_eq!(header.sig, "s\"i\\g");
    assert_eq!(header.destination.as_deref(), Some("b.example"));
    // Without destination (older servers).
    let old = XMatrix::parse("X-Matrix origin=a.example,key=\"ed25519:k\",sig=\"s\"").unwrap();
    assert_eq!(old.destination, None);
}

#[test]
fn rejects_malformed_headers() {
    let cases: [(&str, XMatrixError); 9] = [
        ("Bearer abc", XMatrixError::WrongScheme),
        ("X-Matrixorigin=a", XMatrixError::WrongScheme),
        ("X-Matrix origin=\"a.example", XMatrixError::Malformed(26)),
        ("X-Matrix origin", XMatrixError::Malformed(15)),
        (
            "X-Matrix origin=a.example key=\"k\"",
            XMatrixError::Malformed(26),
        ),
        (
            "X-Matrix origin=a/b,key=k,sig=s",
            XMatrixError::Malformed(17),
        ),
        (
            "X-Matrix key=\"k\",sig=\"s\"",
            XMatrixError::MissingParameter("origin"),
        ),
        (
            "X-Matrix origin=a.example,origin=b.example,key=k,sig=s",
            XMatrixError::DuplicateParameter("origin"),
        ),
        (
            "X-Matrix origin=\"bad host\",key=k,sig=s",
            XMatrixError::InvalidServerName("bad host".into()),
        ),
    ];
    for (header, expected) in cases {
        assert_eq!(XMatrix::parse(header), Err(expected), "{header}");
    }
    assert!(XMatrix::parse("X-Matrix origin=\"a\\\u{1}\",key=k,sig=s").is_err());
}

#[test]
fn signs_and_verifies_requests() {
    let content = json!({"edus": [], "pdus": [{"n": 1}]});
    let request = Request {
        method: "PUT",
        uri: "/_matrix/federation/v1/send/1?x=y",
        content: Some(&content),
    };
    let header = sign_request(&key(), "origin.example", "dest.example", request).unwrap();
    let parsed = XMatrix::parse(&header.to_header()).unwrap();
    assert_eq!(
        verify_request(&parsed, "dest.example", &keys(), request),
        Ok(())
    );

    // Anything signed changes the outcome.
    let other_content = json!({"edus": [], "pdus": []});
    for tampered in [
        Request {
            method: "POST",
            ..request
        },
        Request {
            uri: "/_matrix/federation/v1/send/2",
            ..request
        },
        Request {
            content: None,
            ..request
        },
        Request {
            content: Some(&other_content),
            ..request
        },
    ] {
        assert!(matches!(
            verify_request(&parsed, "dest.example", &keys(), tampered),
            Err(XMatrixError::Verify(VerifyError::BadSignature { .. }))
        ));
    }
    assert!(matches!(
        verify_request(&parsed, "other.example", &keys(), request),
        Err(XMatrixError::WrongDestination { .. })
    ));
    assert!(matches!(
        verify_request(&parsed, "dest.example", &KeySet::new(), request),
        Err(XMatrixError::Verify(VerifyError::NoKnownKey(_)))
    ));
    let garbled = XMatrix {
        sig: "!!".into(),
        ..parsed.clone()
    };
    assert!(matches!(
        verify_request(&garbled, "dest.example", &keys(), request),
        Err(XMatrixError::Verify(VerifyError::SignatureEncoding { .. }))
    ));

    // A header without destination is checked as addressed to us.
    let no_destination = XMatrix {
        destination: None,
        ..parsed
    };
    assert_eq!(
        verify_request(&no_destination, "dest.example", &keys(), request),
        Ok(())
    );
}

/// The signed JSON is the spec's request object: checked against `sign_json` on it.
#[test]
fn request_signature_covers_the_request_object() {
    let content = json!({"a": 1});
    let request = Request {
        method: "GET",
        uri: "/_matrix/key/v2/server",
        content: Some(&content),
    };
    let header = sign_request(&key(), "o.example", "d.example", request).unwrap();
    let mut object = json!({"method": "GET", "uri": "/_matrix/key/v2/server",
        "origin": "o.example", "destination": "d.example", "content": {"a": 1}});
    let object = object.as_object_mut().unwrap();
    matrix_event_format::sign_json(object, "o.example", &key()).unwrap();
    assert_eq!(
        object["signatures"]["o.example"]["ed25519:key1"],
        json!(header.sig)
    );
}
