//! Bounds on what a record may hold. Everything from a caller, a file or a peer passes here first.

use crate::error::{Problem, ValidationError};

/// Names, labels, tags and other one-line values.
pub const SHORT_MAX: usize = 200;
/// Free text: notes, a conversation step, a reflection.
pub const TEXT_MAX: usize = 20_000;
/// Entries in one list of a record (phones, tags, tactics, units …).
pub const LIST_MAX: usize = 500;
/// Conversations (with corrections) kept in one contact's document.
pub const CONVERSATIONS_MAX: usize = 5_000;

/// A required one-line value: trimmed, non-empty, bounded, no control characters.
pub(crate) fn required(field: &str, value: &str) -> Result<String, ValidationError> {
    let v = optional(field, value)?;
    if v.is_empty() {
        return Err(ValidationError::new(field, Problem::Empty));
    }
    Ok(v)
}

/// An optional one-line value (may be empty).
pub(crate) fn optional(field: &str, value: &str) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.chars().count() > SHORT_MAX {
        return Err(ValidationError::new(
            field,
            Problem::TooLong { max: SHORT_MAX },
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ValidationError::bad_format(
            field,
            "control characters are not allowed",
        ));
    }
    Ok(v.to_owned())
}

/// Free text: may be empty and span lines; bounded.
pub(crate) fn text(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.chars().count() > TEXT_MAX {
        return Err(ValidationError::new(
            field,
            Problem::TooLong { max: TEXT_MAX },
        ));
    }
    if value.contains('\0') {
        return Err(ValidationError::bad_format(
            field,
            "NUL characters are not allowed",
        ));
    }
    Ok(())
}

/// A relay's address as members' devices dial it: an `http` or `https` URL with a host and
/// nothing else (no user, query or fragment), normalised the way iroh writes it. `http` is for a
/// relay on a network the group controls (a test host, a meeting's own router); a relay on the
/// internet should have TLS.
pub fn relay_url(value: &str) -> Result<String, ValidationError> {
    const FIELD: &str = "relay";
    let v = required(FIELD, value)?;
    let url = url::Url::parse(&v)
        .map_err(|e| ValidationError::bad_format(FIELD, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ValidationError::bad_format(
            FIELD,
            "a relay's URL starts with https:// (or http:// on a network the group controls)",
        ));
    }
    if url.host().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(ValidationError::bad_format(
            FIELD,
            "a relay's URL is a scheme, a host and an optional port",
        ));
    }
    Ok(url.to_string())
}

/// A list about to grow to `len` entries.
pub(crate) fn list_len(field: &str, len: usize, max: usize) -> Result<(), ValidationError> {
    if len > max {
        return Err(ValidationError::new(field, Problem::TooMany { max }));
    }
    Ok(())
}

/// A phone number: digits and the usual punctuation; kept as written (leading zeros matter).
pub(crate) fn phone(field: &str, value: &str) -> Result<String, ValidationError> {
    let v = required(field, value)?;
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-().#*/x".contains(c) || c == 'X';
    if digits < 3 || !v.chars().all(allowed) {
        return Err(ValidationError::bad_format(field, "not a phone number"));
    }
    Ok(v)
}

/// An email address, checked loosely (something@something).
pub(crate) fn email(field: &str, value: &str) -> Result<String, ValidationError> {
    let v = required(field, value)?;
    match v.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !v.contains(' ') => {
            Ok(v)
        }
        _ => Err(ValidationError::bad_format(field, "not an email address")),
    }
}

/// The digits of a phone number, for duplicate detection and lookup.
pub fn phone_key(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// A name folded for prefix search: lowercase, whitespace collapsed.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_long_and_control() {
        assert_eq!(
            required("name", "  ").expect_err("must fail").problem,
            Problem::Empty
        );
        let long = "x".repeat(SHORT_MAX + 1);
        assert!(matches!(
            required("name", &long).expect_err("must fail").problem,
            Problem::TooLong { .. }
        ));
        assert!(matches!(
            required("name", "a\u{7}b").expect_err("must fail").problem,
            Problem::BadFormat(_)
        ));
        assert!(text("notes", &"y".repeat(TEXT_MAX + 1)).is_err());
    }

    #[test]
    fn phones_keep_leading_zeros() {
        assert_eq!(
            phone("phone", " 0044 20 7946 0000 ").expect("valid"),
            "0044 20 7946 0000"
        );
        assert_eq!(phone_key("0044 (20) 7946-0000"), "00442079460000");
        assert!(phone("phone", "call me").is_err());
        assert!(email("email", "no-at-sign").is_err());
    }
}
