//! The Matrix server-server (federation) API, generated at build time from the pinned spec version (or the
//! one named by `MATRIX_SPEC_VERSION` / `MATRIX_SPEC_DIR`): one module per operation with
//! its `Request`, `Response`, `Error` and `METADATA`, and the types they use.

include!(concat!(env!("OUT_DIR"), "/api.rs"));
