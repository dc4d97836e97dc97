//! Tests only: see `tests/`. The generated crates are checked against every example in the
//! spec they were generated from, and against the reference implementations.
