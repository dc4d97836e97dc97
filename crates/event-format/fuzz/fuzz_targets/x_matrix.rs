//! The X-Matrix header parser on arbitrary strings: no panics, and whatever parses formats
//! back to a header that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use matrix_event_format::XMatrix;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = XMatrix::parse(header) {
        assert_eq!(XMatrix::parse(&parsed.to_header()), Ok(parsed));
    }
});
