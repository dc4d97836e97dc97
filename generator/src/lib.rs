//! Reads the Matrix specification (Swagger 2.0 and OpenAPI 3.1 releases) into one
//! intermediate representation and generates typed Rust from it.
