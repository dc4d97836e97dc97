//! Matrix event format: canonical JSON, hashes, signatures, redaction and event IDs.
