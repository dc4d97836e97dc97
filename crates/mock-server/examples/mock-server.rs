//! The mock homeserver as a program: all five Matrix APIs on one port, every operation
//! answered with the spec's example response.
//!
//! `cargo run --release -p matrix-mock-server --example mock-server -- --listen 127.0.0.1:8008`
//! prints `listening on http://127.0.0.1:8008` once it accepts connections.

use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str = "usage: mock-server [--listen ADDRESS:PORT]  (default 127.0.0.1:8008)";

/// The address to listen on, from the command line.
fn listen_address() -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:8008".to_owned();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?,
            "-h" | "--help" => return Err(String::new()),
            other => match other.strip_prefix("--listen=") {
                Some(value) => listen = value.to_owned(),
                None => return Err(format!("unknown argument {other:?}")),
            },
        }
    }
    listen
        .parse()
        .map_err(|error| format!("{listen:?} is not an address and port: {error}"))
}

fn main() -> ExitCode {
    let address = match listen_address() {
        Ok(address) => address,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("{problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address).await?;
        println!("listening on http://{}", listener.local_addr()?);
        matrix_mock_server::serve(listener).await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mock-server on {address}: {error}");
            ExitCode::FAILURE
        }
    }
}
