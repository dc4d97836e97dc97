//! Power level values read the way the reference implementation reads them: Python's `int()`
//! applied to the JSON value. Room versions 1–9 allow "stringy" levels (`" +0050 "`), versions
//! 1–5 also floats (truncated towards zero).

use serde_json::Value;

/// Why a JSON value is not a power level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NotAnInteger;

/// The first code point of each block of ten Unicode decimal digits (general category `Nd`,
/// Unicode 14.0, the version of the reference implementation's Python): Python's `int()` accepts
/// every one of them as a digit.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

fn decimal_value(c: char) -> Option<u32> {
    let code = u32::from(c);
    let index = DECIMAL_ZEROS.partition_point(|&zero| zero <= code);
    let zero = DECIMAL_ZEROS[index.checked_sub(1)?];
    (code - zero < 10).then_some(code - zero)
}

/// Python's `int(value)` for a JSON value: integers as they are, booleans as 0 and 1, floats
/// truncated, strings parsed as base-10 integers (surrounding whitespace, one sign, `_` between
/// digits, any Unicode decimal digit). Results beyond `i128` saturate; no valid event comes near.
pub(crate) fn python_int(value: &Value) -> Result<i128, NotAnInteger> {
    match value {
        Value::Bool(flag) => Ok(i128::from(*flag)),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                Ok(i128::from(int))
            } else if let Some(int) = number.as_u64() {
                Ok(i128::from(int))
            } else {
                let float = number.as_f64().ok_or(NotAnInteger)?;
                // `as` saturates, which keeps the order of huge values (Python's ints are exact).
                float
                    .is_finite()
                    .then(|| float.trunc() as i128)
                    .ok_or(NotAnInteger)
            }
        }
        Value::String(text) => parse_python_int(text),
        Value::Null | Value::Array(_) | Value::Object(_) => Err(NotAnInteger),
    }
}

fn parse_python_int(text: &str) -> Result<i128, NotAnInteger> {
    let text = text.trim_matches(char::is_whitespace);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i128 = 0;
    let mut previous_was_digit = false;
    let mut any_digit = false;
    for c in digits.chars() {
        if c == '_' {
            if !previous_was_digit {
                return Err(NotAnInteger);
            }
            previous_was_digit = false;
            continue;
        }
        let digit = decimal_value(c).ok_or(NotAnInteger)?;
        value = value.saturating_mul(10).saturating_add(i128::from(digit));
        previous_was_digit = true;
        any_digit = true;
    }
    if !any_digit || !previous_was_digit {
        return Err(NotAnInteger);
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn like_python() {
        let ok = [
            (json!(" 5 "), 5),
            (json!("+5"), 5),
            (json!("-0"), 0),
            (json!("1_0"), 10),
            (json!("05"), 5),
            (json!("\u{a0}5"), 5),
            (json!("\u{2028}5"), 5),
            (json!("１２"), 12),
            (json!("-٣"), -3),
            (json!(50.9), 50),
            (json!(-50.9), -50),
            (json!(true), 1),
            (json!(false), 0),
            (json!(u64::MAX), i128::from(u64::MAX)),
        ];
        for (value, expected) in ok {
            assert_eq!(python_int(&value), Ok(expected), "{value}");
        }
        for bad in [
            "\u{1c}5",
            "_10",
            "10_",
            "1__0",
            "0x10",
            "",
            " ",
            "+",
            "1.0",
            "5\0",
            "\u{200b}5",
            "--5",
        ] {
            assert_eq!(python_int(&json!(bad)), Err(NotAnInteger), "{bad:?}");
        }
        for bad in [json!(null), json!([]), json!({})] {
            assert_eq!(python_int(&bad), Err(NotAnInteger));
        }
    }
}
