//! [`MatrixVersion`]: a release of the Matrix specification, as `/versions` advertises it.

use std::fmt;
use std::str::FromStr;

/// A release of the Matrix specification: `r0.6.1` (the client-server releases before
/// Matrix 1.1) or `v1.19`. Ordered by release: every `r0.x.y` is older than every `v1.x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatrixVersion {
    major: u16,
    minor: u16,
    patch: u16,
}

impl MatrixVersion {
    /// `r0.MINOR.PATCH` when `major` is 0, else `vMAJOR.MINOR`.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        MatrixVersion {
            major,
            minor,
            patch,
        }
    }

    /// Whether this is an `r0.x.y` release.
    pub const fn is_r0(self) -> bool {
        self.major == 0
    }
}

/// A string that names no Matrix release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Matrix version (`v1.19`, `r0.6.1`)")]
pub struct UnknownVersion(pub String);

impl FromStr for MatrixVersion {
    type Err = UnknownVersion;

    /// Reads `v1.19`, `1.19` and `r0.6.1` (the forms the spec and `/versions` use).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UnknownVersion(s.to_owned());
        let (r0, rest) = match s.as_bytes().first() {
            Some(b'r') => (true, &s[1..]),
            Some(b'v') => (false, &s[1..]),
            _ => (false, s),
        };
        let mut parts = rest.split('.').map(|p| p.parse::<u16>().map_err(|_| bad()));
        let major = parts.next().ok_or_else(bad)??;
        let minor = parts.next().ok_or_else(bad)??;
        let patch = parts.next().transpose()?.unwrap_or(0);
        if parts.next().is_some() || r0 != (major == 0) {
            return Err(bad());
        }
        Ok(MatrixVersion::new(major, minor, patch))
    }
}

impl fmt::Display for MatrixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_r0() {
            write!(f, "r0.{}.{}", self.minor, self.patch)
        } else if self.patch == 0 {
            write!(f, "v{}.{}", self.major, self.minor)
        } else {
            write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_releases() {
        let v = |s: &str| s.parse::<MatrixVersion>().unwrap();
        assert!(v("r0.6.1") < v("v1.1"));
        assert!(v("v1.2") < v("v1.10"));
        assert_eq!(v("1.19"), v("v1.19"));
        assert_eq!(v("r0.4.0").to_string(), "r0.4.0");
        assert_eq!(v("v1.19").to_string(), "v1.19");
        for bad in ["", "v", "r1.1", "v0.1", "x1.2", "v1.2.3.4", "v1.a"] {
            assert!(bad.parse::<MatrixVersion>().is_err(), "{bad}");
        }
    }
}
