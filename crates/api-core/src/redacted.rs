//! [`Redacted`]: how generated `Debug` impls show credentials.

use std::fmt;

/// Shows a credential in `Debug` output as `<redacted>` (`Some(<redacted>)` or `None` for
/// an optional one), so that passwords and tokens stay out of logs.
pub struct Redacted<'a, T: ?Sized>(pub &'a T);

impl fmt::Debug for Redacted<'_, String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Debug for Redacted<'_, Option<String>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(<redacted>)"),
            None => f.write_str("None"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show() {
        let secret = String::from("hunter2");
        assert_eq!(format!("{:?}", Redacted(&secret)), "<redacted>");
        assert_eq!(format!("{:?}", Redacted(&Some(secret))), "Some(<redacted>)");
        assert_eq!(format!("{:?}", Redacted(&None::<String>)), "None");
    }
}
