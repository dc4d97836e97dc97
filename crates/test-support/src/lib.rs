//! Test support shared by the tests and benchmarks of matrix-event-format, matrix-auth-rules and
//! matrix-state-res, and by the requests/s benchmarks of matrix-server and matrix-mock-server;
//! a dev-dependency only, never published.
//!
//! - [`Rng`]: a small seeded generator, so that every run checks the same cases;
//! - [`synapse_python`], [`peers_dir`], [`run_script`]: the Synapse peer for the cross-checks
//!   (tests fail, never skip, without it);
//! - [`interleaved`] (a [`round`] each), [`median`], [`median_duration`], [`range`]: benchmarks
//!   timing implementations against each other in one run;
//! - feature `auth`: [`verdict`], comparing verdicts with Synapse's;
//! - feature `rooms`: [`room_file`], rooms in the JSON format of the Synapse oracle;
//! - feature `http-load`: [`http_load`], the requests/s benchmarks' load generator and the
//!   hand-written axum handlers they compare with.

mod bench;
#[cfg(feature = "http-load")]
pub mod http_load;
mod rng;
#[cfg(feature = "rooms")]
pub mod room_file;
mod synapse;
#[cfg(feature = "auth")]
pub mod verdict;

pub use bench::{interleaved, median, median_duration, range, round};
pub use rng::Rng;
pub use synapse::{peers_dir, run_script, synapse_python};
