//! A small federation peer on the generated server-server API, `matrix-server` and the
//! handwritten crates: named `127.0.0.1:PORT`, serving its keys and the federation API over TLS
//! (a self-signed certificate made at start). It verifies and counter-signs invites, and
//! verifies, authorizes and applies the PDUs of rooms it has joined, fetching what it misses
//! from the sender (`get_missing_events`, `/event`, `/state_ids`); it prints what it sees.
//! `tests/live_federation` drives it against Synapse.
//!
//! ```text
//! cargo run -p matrix-federation --example federation-peer -- PORT [NAME=BASE_URL]...
//! ```
//!
//! `NAME=BASE_URL` reaches the server `NAME` at `BASE_URL` (e.g. a Synapse's plain-HTTP
//! listener); other servers are reached by their name (IP literal and port, or port 8448).

mod peer;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use matrix_api_core::ServerName;
use matrix_federation::{Connector, ServerIdentity, default_base_url};

/// Reads the arguments: the port and the base URLs given for server names.
fn arguments() -> Result<(u16, HashMap<ServerName, String>), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: federation-peer PORT [NAME=BASE_URL]...";
    let port = args
        .next()
        .and_then(|port| port.parse().ok())
        .ok_or(usage)?;
    let mut bases = HashMap::new();
    for arg in args {
        let (name, base) = arg.split_once('=').ok_or(usage)?;
        let name = name
            .parse()
            .map_err(|_| format!("{name:?} is not a server name"))?;
        bases.insert(name, base.to_owned());
    }
    Ok((port, bases))
}

#[tokio::main]
async fn main() {
    let (port, bases) = match arguments() {
        Ok(found) => found,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let name: ServerName = match format!("127.0.0.1:{port}").parse() {
        Ok(name) => name,
        Err(_) => std::process::exit(2),
    };
    let identity = match ServerIdentity::generate(name.clone(), "peer1") {
        Ok(identity) => identity,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let http = match matrix_client::http_client_builder().build() {
        Ok(http) => http,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let known: Vec<ServerName> = bases.keys().cloned().collect();
    let connector = Connector::new(http).with_resolver(move |server| {
        bases
            .get(server)
            .cloned()
            .unwrap_or_else(|| default_base_url(server))
    });
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("127.0.0.1:{port}: {error}");
            std::process::exit(1);
        }
    };
    let peer = peer::Peer::new(identity, connector);
    peer::serve(Arc::clone(&peer), listener);
    println!("federation peer {name} on https://{name}");
    for server in &known {
        println!("reaching {server} at {}", peer.connector.base_url(server));
    }
    loop {
        let changed = peer.changed.notified();
        changed.await;
        let seen = peer.seen.lock().map(|seen| {
            format!(
                "{} invites, {} PDUs received ({} accepted, {} fetched for gaps), problems: {:?}",
                seen.invites.len(),
                seen.received.len(),
                seen.received.values().filter(|o| *o == "accepted").count(),
                seen.fetched.len(),
                seen.problems
            )
        });
        println!(
            "{}; {} transactions, {} key fetches",
            seen.unwrap_or_default(),
            peer.transactions.load(Ordering::SeqCst),
            peer.key_fetches.load(Ordering::SeqCst)
        );
    }
}
