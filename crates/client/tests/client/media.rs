//! Media: bytes and streams, both ways, headers kept.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use matrix_client::Error;
use matrix_client_server_api as cs;
use serde_json::json;

use crate::endpoints::{UploadThing, call};
use crate::server::{Reply, Server};
use crate::{client, matrix_error};

const MIB: usize = 1 << 20;

fn get_content(media_id: &str) -> cs::media::get_content_authed::Request {
    cs::media::get_content_authed::Request::new("example.org".parse().unwrap(), media_id.into())
}

#[tokio::test]
async fn a_100_mb_download_is_streamed_not_buffered() {
    // The server sends 1 MiB, then waits until the client has it before sending the other
    // 99: a client that read the whole body before returning would never get it.
    let received_first = Arc::new(tokio::sync::Notify::new());
    let gate = received_first.clone();
    let server = Server::start(move |_, _| {
        let gate = gate.clone();
        let chunk = Bytes::from(vec![7u8; MIB]);
        let chunks = futures_util::stream::unfold(0usize, move |sent| {
            let (gate, chunk) = (gate.clone(), chunk.clone());
            async move {
                if sent == 100 {
                    return None;
                }
                if sent == 1 {
                    gate.notified().await;
                }
                Some((Ok::<_, Infallible>(chunk), sent + 1))
            }
        });
        Reply::body(200, Body::from_stream(chunks))
            .header("content-type", "image/png")
            .header("content-disposition", "inline; filename=\"cat.png\"")
            .header("content-length", &(100 * MIB).to_string())
    });
    let client = client(&server);
    let received = tokio::time::timeout(Duration::from_secs(60), async {
        let mut download = client.request(get_content("cat")).stream().await.unwrap();
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.content_type(), Some("image/png"));
        assert_eq!(
            download.content_disposition(),
            Some("inline; filename=\"cat.png\"")
        );
        assert_eq!(download.content_length(), Some(100 * MIB as u64));
        let mut received = 0;
        let mut signalled = false;
        while let Some(chunk) = download.chunk().await.unwrap() {
            assert!(chunk.iter().all(|b| *b == 7));
            received += chunk.len();
            if received >= MIB && !signalled {
                received_first.notify_one();
                signalled = true;
            }
        }
        received
    })
    .await
    .expect("the first MiB arrives before the rest is sent");
    assert_eq!(received, 100 * MIB);
}

#[tokio::test]
async fn a_download_is_also_a_stream() {
    let server = Server::start(|_, _| {
        Reply::raw(200, "text/plain", "hello stream").header("content-disposition", "attachment")
    });
    let download = client(&server)
        .request(get_content("s"))
        .stream()
        .await
        .unwrap();
    assert_eq!(download.content_disposition(), Some("attachment"));
    let chunks: Vec<Bytes> = download.map(|chunk| chunk.unwrap()).collect().await;
    assert_eq!(chunks.concat(), b"hello stream");
}

#[tokio::test]
async fn a_failed_download_is_the_typed_error() {
    let server = Server::start(|_, _| matrix_error(404, "M_NOT_FOUND"));
    let error = client(&server)
        .request(get_content("missing"))
        .stream()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.errcode(), Some(&matrix_api_core::ErrorCode::NotFound));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn bytes_downloads_keep_the_content_headers() {
    let server = Server::start(|_, _| {
        Reply::raw(200, "image/png", vec![1u8, 2, 3])
            .header("content-disposition", "inline; filename=\"a.png\"")
    });
    let response = client(&server).send(get_content("a")).await.unwrap();
    match response {
        cs::media::get_content_authed::Response::Ok(ok) => {
            assert_eq!(ok.content_type.as_deref(), Some("image/png"));
            assert_eq!(
                ok.content_disposition.as_deref(),
                Some("inline; filename=\"a.png\"")
            );
            assert_eq!(ok.body, [1, 2, 3]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.hits()[0].path(),
        "/_matrix/client/v1/media/download/example.org/a"
    );
}

fn chunks(
    count: usize,
    size: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    futures_util::stream::iter((0..count).map(move |i| Ok(Bytes::from(vec![i as u8; size]))))
}

#[tokio::test]
async fn uploads_stream_with_their_length_and_type() {
    let server =
        Server::start(|_, _| Reply::json(200, json!({"content_uri": "mxc://example.org/abc"})));
    let mut request = cs::media::upload_content::Request::new(Vec::new());
    request.content_type = Some("text/plain".into());
    request.filename = Some("a.txt".into());
    let response = client(&server)
        .request(request)
        .body_stream(chunks(10, 1000), Some(10_000))
        .await
        .unwrap();
    assert_eq!(response.content_uri.to_string(), "mxc://example.org/abc");
    let hit = &server.hits()[0];
    assert_eq!(hit.header("content-type"), Some("text/plain"));
    assert_eq!(hit.header("content-length"), Some("10000"));
    assert_eq!(hit.query(), Some("filename=a.txt"));
    let expected: Vec<u8> = (0..10u8).flat_map(|i| vec![i; 1000]).collect();
    assert_eq!(hit.body, expected);
}

#[tokio::test]
async fn uploads_of_unknown_length_are_chunked_and_never_repeated() {
    let server = Server::start(|_, _| matrix_error(503, "M_UNKNOWN"));
    let error = client(&server)
        .request(call::<UploadThing>(&["example.org", "m1"]))
        .body_stream(chunks(3, 10), None)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let hits = server.hits();
    assert_eq!(hits.len(), 1, "a streamed body cannot be sent again");
    assert_eq!(hits[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(hits[0].body.len(), 30);
}

#[tokio::test]
async fn bytes_downloads_in_many_chunks_are_whole() {
    let server = Server::start(|_, n| {
        let parts = (0..8u8).map(|i| Ok::<_, Infallible>(Bytes::from(vec![i; MIB / 2])));
        let reply = Reply::body(200, Body::from_stream(futures_util::stream::iter(parts)))
            .header("content-type", "application/octet-stream")
            .header("content-disposition", "attachment");
        // With and without a Content-Length (chunked).
        match n {
            0 => reply.header("content-length", &(4 * MIB).to_string()),
            _ => reply,
        }
    });
    let client = client(&server);
    for _ in 0..2 {
        let cs::media::get_content_authed::Response::Ok(ok) =
            client.send(get_content("big")).await.unwrap()
        else {
            panic!("not the 200 answer");
        };
        assert_eq!(ok.body.len(), 4 * MIB);
        for (i, half) in ok.body.chunks(MIB / 2).enumerate() {
            assert!(half.iter().all(|b| usize::from(*b) == i));
        }
    }
}
