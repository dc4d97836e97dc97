//! The `X-Matrix` Authorization header: parser quoting rules and request signatures.

use matrix_event_format::x_matrix::{
    Request, XMatrix, XMatrixError, sign_request, verify_request, verify_request_with_pdus,
};
use matrix_event_format::{
    JsonObject, KeySet, RoomVersion, SigningKey, VerifyError, signed_bytes_and_content_hash,
};
use serde_json::{Value, json};

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

/// A transaction's PDUs, each with what [`signed_bytes_and_content_hash`] gives it: taken from
/// the request's encoding, or encoded anew where the version's rules differ (lenient rules, or
/// a float, which the request's rules write as an integer and strict rules refuse).
#[test]
fn transaction_pdus_get_the_encodings_of_their_own_checks() {
    let v10 = RoomVersion::from_id("10").unwrap();
    let v1 = RoomVersion::from_id("1").unwrap();
    let pdu = |body: Value| {
        json!({"type": "m.room.message", "sender": "@a:o.example", "room_id": "!r:o.example",
            "content": {"body": body, "msgtype": "m.text"}, "hashes": {"sha256": "x"},
            "signatures": {"o.example": {"ed25519:key1": "y"}}, "unsigned": {"age": 1},
            "auth_events": ["$a", "$b"], "prev_events": ["$p"], "depth": 3,
            "origin_server_ts": 5, "origin": "o.example", "extra": "\u{1}é\"\\"})
    };
    let pdus = [
        (pdu(json!("hi")), Some(v10)),
        (pdu(json!(2.0)), Some(v10)),
        (pdu(json!(2.0)), Some(v1)),
        (pdu(json!("no type")), Some(v10)),
        (pdu(json!("unknown room")), None),
        (json!("not an object"), Some(v10)),
    ];
    let mut pdus = pdus;
    pdus[4].0.as_object_mut().unwrap().remove("type");
    let content =
        json!({"origin": "o.example", "pdus": pdus.iter().map(|(p, _)| p).collect::<Vec<_>>()});
    let request = Request {
        method: "PUT",
        uri: "/_matrix/federation/v1/send/1",
        content: Some(&content),
    };
    let header = sign_request(&key(), "o.example", "d.example", request).unwrap();
    let mut versions = pdus.iter().map(|(_, version)| *version);
    let mut version_of = |_: &JsonObject| versions.next().unwrap();
    let encodings =
        verify_request_with_pdus(&header, "d.example", &keys(), request, &mut version_of).unwrap();
    assert_eq!(encodings.len(), pdus.len());
    for ((pdu, version), encoding) in pdus.iter().zip(encodings) {
        let expected = match (pdu.as_object(), version) {
            (Some(pdu), Some(version)) => {
                Some((*version, signed_bytes_and_content_hash(pdu, version)))
            }
            _ => None,
        };
        assert_eq!(encoding, expected, "{pdu}");
    }

    // The same request checks as `verify_request` checks it.
    assert_eq!(
        verify_request(&header, "d.example", &keys(), request),
        Ok(())
    );
    let other = json!({"origin": "o.example", "pdus": [pdu(json!("changed"))]});
    let tampered = Request {
        content: Some(&other),
        ..request
    };
    assert!(matches!(
        verify_request_with_pdus(&header, "d.example", &keys(), tampered, &mut |_| Some(v10)),
        Err(XMatrixError::Verify(VerifyError::BadSignature { .. }))
    ));
    // No canonical form for the request: refused before any PDU is checked.
    let unsigned = json!({"origin": "o.example", "pdus": [pdu(json!(0.5))]});
    let unencodable = Request {
        content: Some(&unsigned),
        ..request
    };
    assert!(matches!(
        verify_request_with_pdus(&header, "d.example", &keys(), unencodable, &mut |_| Some(
            v10
        )),
        Err(XMatrixError::Event(_))
    ));
}
