//! Resources, API versions and `Content-Type` / `Accept` negotiation
//! (`application/vnd.interoperability.{resource}+json;version=X.Y`).

use std::fmt;

use super::error::{ErrorCode, ErrorInformation};
use super::types::{Extension, ExtensionList};

/// An FSPIOP resource (the name used in URLs and media types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Resource {
    Participants,
    Parties,
    Quotes,
    Transfers,
    TransactionRequests,
    Authorizations,
    Transactions,
    BulkQuotes,
    BulkTransfers,
}

impl Resource {
    /// The name as used in paths and media types.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Participants => "participants",
            Self::Parties => "parties",
            Self::Quotes => "quotes",
            Self::Transfers => "transfers",
            Self::TransactionRequests => "transactionRequests",
            Self::Authorizations => "authorizations",
            Self::Transactions => "transactions",
            Self::BulkQuotes => "bulkQuotes",
            Self::BulkTransfers => "bulkTransfers",
        }
    }

    /// The highest 1.x minor version of this resource (API-Def v1.1 Table 6).
    pub fn latest_v1_minor(self) -> u16 {
        match self {
            Self::Authorizations | Self::Transactions => 0,
            _ => 1,
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API version `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl Version {
    /// 1.0
    pub const V1_0: Version = Version { major: 1, minor: 0 };
    /// 1.1
    pub const V1_1: Version = Version { major: 1, minor: 1 };
    /// 2.0
    pub const V2_0: Version = Version { major: 2, minor: 0 };

    /// Whether this layer speaks `self` for `resource`.
    pub fn supported_for(self, resource: Resource) -> bool {
        match self.major {
            1 => self.minor <= resource.latest_v1_minor(),
            2 => self.minor == 0,
            _ => false,
        }
    }

    /// The best supported version with this major for `resource`.
    pub fn best_for_major(major: u16, resource: Resource) -> Option<Version> {
        match major {
            1 => Some(Version {
                major: 1,
                minor: resource.latest_v1_minor(),
            }),
            2 => Some(Self::V2_0),
            _ => None,
        }
    }

    /// The media type for `resource` in this version.
    pub fn media_type(self, resource: Resource) -> String {
        format!("application/vnd.interoperability.{resource}+json;version={self}")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a media type header was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaTypeError {
    /// Not an FSPIOP media type for this resource (HTTP 400, 3101).
    Malformed,
    /// Well-formed but the version is not spoken here (HTTP 406, 3001).
    Unsupported,
}

fn parse_version(s: &str, require_minor: bool) -> Option<(u16, Option<u16>)> {
    let (major, minor) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None if require_minor => return None,
        None => (s, None),
    };
    let num = |t: &str| {
        (!t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let major = num(major)?;
    let minor = match minor {
        Some(m) => Some(num(m)?),
        None => None,
    };
    Some((major, minor))
}

/// Splits `application/vnd.interoperability.{resource}+json ; version=V` into the version text.
/// `Ok(None)` when no version parameter is present.
fn split_media(value: &str, resource: Resource) -> Result<Option<&str>, MediaTypeError> {
    let prefix = format!("application/vnd.interoperability.{resource}+json");
    let value = value.trim();
    let rest = value
        .strip_prefix(prefix.as_str())
        .ok_or(MediaTypeError::Malformed)?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Ok(None);
    }
    let rest = rest
        .strip_prefix(';')
        .ok_or(MediaTypeError::Malformed)?
        .trim_start();
    rest.strip_prefix("version=")
        .map(Some)
        .ok_or(MediaTypeError::Malformed)
}

/// Parses a `Content-Type`: the version must be `major.minor` and supported for `resource`.
pub fn parse_content_type(value: &str, resource: Resource) -> Result<Version, MediaTypeError> {
    let v = split_media(value, resource)?.ok_or(MediaTypeError::Malformed)?;
    let (major, minor) = parse_version(v, true).ok_or(MediaTypeError::Malformed)?;
    let version = Version {
        major,
        minor: minor.unwrap_or(0),
    };
    if version.supported_for(resource) {
        Ok(version)
    } else {
        Err(MediaTypeError::Unsupported)
    }
}

/// Picks the highest supported version from an `Accept` list (`version=1`, `version=1.0`, or no
/// version = any). `Unsupported` when every entry names a version not spoken here.
pub fn negotiate_accept(value: &str, resource: Resource) -> Result<Version, MediaTypeError> {
    let mut best: Option<Version> = None;
    for item in value.split(',') {
        let candidate = match split_media(item, resource)? {
            None => Version::best_for_major(2, resource),
            Some(v) => match parse_version(v, false).ok_or(MediaTypeError::Malformed)? {
                (major, None) => Version::best_for_major(major, resource),
                (major, Some(minor)) => {
                    Some(Version { major, minor }).filter(|v| v.supported_for(resource))
                }
            },
        };
        if let Some(c) = candidate {
            best = best.max(Some(c));
        }
    }
    best.ok_or(MediaTypeError::Unsupported)
}

/// The 3001 error listing the supported versions as `{key: major, value: minor}` extensions.
pub fn unacceptable_version(resource: Resource) -> ErrorInformation {
    let mut info = ErrorCode::UnacceptableVersion.info("Unacceptable version requested");
    let mut extension: Vec<Extension> = (0..=resource.latest_v1_minor())
        .map(|minor| Extension {
            key: "1".into(),
            value: minor.to_string(),
        })
        .collect();
    extension.push(Extension {
        key: "2".into(),
        value: "0".into(),
    });
    info.extension_list = Some(ExtensionList { extension });
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_requires_major_minor_and_matching_resource() {
        let r = Resource::Quotes;
        assert_eq!(
            parse_content_type(
                "application/vnd.interoperability.quotes+json;version=1.0",
                r
            ),
            Ok(Version::V1_0)
        );
        assert_eq!(
            parse_content_type(
                "application/vnd.interoperability.quotes+json ; version=1.1",
                r
            ),
            Ok(Version::V1_1)
        );
        assert_eq!(
            parse_content_type(
                "application/vnd.interoperability.quotes+json;version=2.0",
                r
            ),
            Ok(Version::V2_0)
        );
        assert_eq!(
            parse_content_type("application/vnd.interoperability.quotes+json;version=1", r),
            Err(MediaTypeError::Malformed)
        );
        assert_eq!(
            parse_content_type(
                "application/vnd.interoperability.parties+json;version=1.0",
                r
            ),
            Err(MediaTypeError::Malformed)
        );
        assert_eq!(
            parse_content_type("application/json", r),
            Err(MediaTypeError::Malformed)
        );
        assert_eq!(
            parse_content_type(
                "application/vnd.interoperability.quotes+json;version=3.0",
                r
            ),
            Err(MediaTypeError::Unsupported)
        );
        assert_eq!(
            parse_content_type(
                "application/vnd.interoperability.authorizations+json;version=1.1",
                Resource::Authorizations
            ),
            Err(MediaTypeError::Unsupported)
        );
    }

    #[test]
    fn accept_negotiation_picks_the_best_supported() {
        let r = Resource::Parties;
        assert_eq!(
            negotiate_accept("application/vnd.interoperability.parties+json;version=1", r),
            Ok(Version::V1_1)
        );
        assert_eq!(
            negotiate_accept(
                "application/vnd.interoperability.parties+json;version=1.0",
                r
            ),
            Ok(Version::V1_0)
        );
        assert_eq!(
            negotiate_accept(
                "application/vnd.interoperability.parties+json;version=3, application/vnd.interoperability.parties+json;version=1.0",
                r
            ),
            Ok(Version::V1_0)
        );
        assert_eq!(
            negotiate_accept("application/vnd.interoperability.parties+json;version=3", r),
            Err(MediaTypeError::Unsupported)
        );
        assert_eq!(
            negotiate_accept("text/html", r),
            Err(MediaTypeError::Malformed)
        );
        let info = unacceptable_version(r);
        assert_eq!(info.error_code, "3001");
        assert_eq!(info.extension_list.unwrap().extension.len(), 3);
    }
}
