//! vCard in and out, with Stalwart's `calcard` crate doing the syntax.
//!
//! Why `calcard`: it reads what phones' contact apps write (vCard 2.1 with QUOTED-PRINTABLE and
//! CHARSET, 3.0, 4.0; folded lines; many cards in one file) leniently, and writes 3.0 or 4.0 with
//! folding and escaping; it is maintained as part of a mail server. `vcard4` reads 4.0 only (iOS
//! and Android export 3.0 and 2.1), and `ical` has not had a release in a long time and writes
//! nothing.
//!
//! What is read: FN (or N), every TEL, EMAIL and ADR with its TYPE as the label, ORG and TITLE
//! (as the group's own fields `organization` and `job_title`), NOTE, CATEGORIES (as tags).
//! Photos, birthdays and the rest are left out: the group's records do not hold them.

use std::io::Write;

use calcard::vcard::{
    VCard, VCardEntry, VCardParameter, VCardParameterName, VCardParameterValue, VCardProperty,
    VCardValue,
};
use calcard::{Entry, Parser};

use super::{Format, InterchangeError, MAX_IMPORT_FILE, MAX_IMPORT_RECORDS, SourceRecord};
use crate::model::{Contact, NewContact};

/// Which vCard version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum VCardVersion {
    /// What most phones import and export (RFC 2426).
    #[default]
    V3,
    /// RFC 6350.
    V4,
}

fn bad(line: u64, problem: impl Into<String>) -> InterchangeError {
    InterchangeError::BadFile {
        format: Format::VCard,
        line,
        problem: problem.into(),
    }
}

/// The 1-based line of each `BEGIN:VCARD`, checking that each card ends before the next
/// begins (a folded line never starts with BEGIN or END, so looking at line starts is exact).
/// The parser is lenient and would take a cut-short last card as whole; a cut-short file
/// should be noticed, since the rest of it is missing.
fn card_lines(text: &str) -> Result<Vec<u64>, InterchangeError> {
    let mut starts = Vec::new();
    let mut open: Option<u64> = None;
    let unterminated = |line| bad(line, "this card has no END:VCARD (the file is cut short?)");
    for (i, l) in text.lines().enumerate() {
        let l = l.trim_start_matches('\u{feff}').trim_end();
        if l.eq_ignore_ascii_case("BEGIN:VCARD") {
            if let Some(line) = open {
                return Err(unterminated(line));
            }
            open = Some(i as u64 + 1);
            starts.push(i as u64 + 1);
        } else if l.eq_ignore_ascii_case("END:VCARD") {
            open = None;
        }
    }
    match open {
        Some(line) => Err(unterminated(line)),
        None => Ok(starts),
    }
}

/// The line holding `needle`, searching from line `from` on (for the parser's invalid lines,
/// which it reports by content).
fn line_of(text: &str, needle: &str, from: u64) -> u64 {
    let needle = needle.trim();
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1) as usize)
        .find(|(_, l)| !needle.is_empty() && l.contains(needle))
        .map_or(from.max(1), |(i, _)| i as u64 + 1)
}

/// Reads every card of a file.
pub fn read_contacts(bytes: &[u8]) -> Result<Vec<SourceRecord>, InterchangeError> {
    if bytes.len() > MAX_IMPORT_FILE {
        return Err(InterchangeError::TooLarge {
            max: MAX_IMPORT_FILE,
            what: "bytes",
        });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
                + 1;
            return Err(bad(
                line,
                "not UTF-8 text (export the contacts again as vCard 3.0, or convert the file to UTF-8)",
            ));
        }
    };
    let starts = card_lines(text)?;
    let mut parser = Parser::new(text);
    let mut out = Vec::new();
    loop {
        let card_line = starts.get(out.len()).copied().unwrap_or(0);
        match parser.entry() {
            Entry::Eof => break,
            Entry::VCard(card) => {
                if out.len() >= MAX_IMPORT_RECORDS {
                    return Err(InterchangeError::TooLarge {
                        max: MAX_IMPORT_RECORDS,
                        what: "records",
                    });
                }
                out.push(SourceRecord {
                    line: card_line,
                    contact: card_contact(&card),
                });
            }
            Entry::InvalidLine(l) => {
                let after = out.last().map_or(1, |r: &SourceRecord| r.line);
                return Err(bad(
                    line_of(text, &l, after),
                    format!("not a vCard line: {:?}", truncate(&l, 60)),
                ));
            }
            Entry::UnterminatedComponent(_) => {
                return Err(bad(
                    card_line.max(1),
                    "this card has no END:VCARD (the file is cut short?)",
                ));
            }
            Entry::ICalendar(_) | Entry::UnexpectedComponentEnd { .. } => {
                return Err(bad(
                    card_line.max(1),
                    "a calendar entry, not a contact card",
                ));
            }
            _ => return Err(bad(card_line.max(1), "too many nested components")),
        }
    }
    if out.is_empty() {
        return Err(InterchangeError::Empty(Format::VCard));
    }
    Ok(out)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn texts(e: &VCardEntry) -> Vec<String> {
    e.values
        .iter()
        .flat_map(|v| match v {
            VCardValue::Component(parts) => parts.clone(),
            other => other.as_text().map(str::to_owned).into_iter().collect(),
        })
        .collect()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The label a TYPE parameter gives: the first type that says where or what (not "voice",
/// "pref", "internet", which every number or address has).
fn label(e: &VCardEntry, default: &str) -> String {
    e.parameters(&VCardParameterName::Type)
        .map(|p| p.clone().into_text().to_lowercase())
        .flat_map(|t| {
            t.split(',')
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|t| !matches!(t.as_str(), "voice" | "pref" | "internet" | "x400" | ""))
        .map(|t| match t.as_str() {
            "cell" => "mobile".to_owned(),
            other => other.trim_start_matches("x-").to_owned(),
        })
        .next()
        .unwrap_or_else(|| default.to_owned())
}

/// One card as a contact (values are checked later, with the plan).
fn card_contact(card: &VCard) -> NewContact {
    let mut c = NewContact::default();
    let first_text = |p: &VCardProperty| {
        card.property(p)
            .map(|e| one_line(&texts(e).join(" ")))
            .filter(|s| !s.is_empty())
    };
    c.name = first_text(&VCardProperty::Fn)
        .or_else(|| {
            // N is family;given;additional;prefix;suffix.
            card.property(&VCardProperty::N).map(|e| {
                let parts = texts(e);
                let get = |i: usize| parts.get(i).cloned().unwrap_or_default();
                one_line(&[get(3), get(1), get(2), get(0), get(4)].join(" "))
            })
        })
        .unwrap_or_default();
    for e in card.properties(&VCardProperty::Tel) {
        let v = one_line(&texts(e).join(" "));
        let v = v.strip_prefix("tel:").unwrap_or(&v).to_owned();
        if !v.is_empty() {
            c.phones.push((label(e, "mobile"), v));
        }
    }
    for e in card.properties(&VCardProperty::Email) {
        let v = one_line(&texts(e).join(" "));
        if !v.is_empty() {
            c.emails.push((label(e, "personal"), v));
        }
    }
    for e in card.properties(&VCardProperty::Adr) {
        // ADR is PO box;extended;street;locality;region;postal code;country.
        let parts: Vec<String> = texts(e).iter().map(|p| one_line(p)).collect();
        let get = |i: usize| parts.get(i).map(String::as_str).unwrap_or("");
        let region_zip = [get(4), get(5)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let address = [get(0), get(1), get(2), get(3), &region_zip, get(6)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        if !address.is_empty() {
            c.addresses.push((label(e, "home"), address));
        }
    }
    for e in card.properties(&VCardProperty::Categories) {
        for t in texts(e).iter().flat_map(|t| t.split(',')) {
            let t = one_line(t);
            if !t.is_empty() && !c.tags.contains(&t) {
                c.tags.push(t);
            }
        }
    }
    if let Some(org) = card.property(&VCardProperty::Org) {
        let org = texts(org)
            .iter()
            .map(|p| one_line(p))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        if !org.is_empty() {
            c.custom.push(("organization".into(), org));
        }
    }
    if let Some(title) = first_text(&VCardProperty::Title) {
        c.custom.push(("job_title".into(), title));
    }
    let notes: Vec<String> = card
        .properties(&VCardProperty::Note)
        .map(|e| texts(e).join(","))
        .filter(|n| !n.trim().is_empty())
        .collect();
    c.notes = notes.join("\n\n");
    if c.name.is_empty() {
        c.name = c
            .emails
            .first()
            .or(c.phones.first())
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
    }
    c
}

// --- writing ----------------------------------------------------------------------------------

fn text(s: impl Into<String>) -> VCardValue {
    VCardValue::Text(s.into())
}

fn type_param(label: &str) -> VCardParameter {
    let t = match label.to_lowercase().as_str() {
        "mobile" | "cell" => "cell".to_owned(),
        other => other.to_owned(),
    };
    VCardParameter::new(VCardParameterName::Type, VCardParameterValue::Text(t))
}

/// One contact as a card.
fn contact_card(c: &Contact) -> VCard {
    let mut entries = Vec::new();
    let mut push = |name: VCardProperty, params: Vec<VCardParameter>, values: Vec<VCardValue>| {
        entries.push(
            VCardEntry::new(name)
                .with_params(params)
                .with_values(values),
        );
    };
    push(VCardProperty::Fn, vec![], vec![text(&c.name)]);
    // N is required in 3.0; the last word is taken as the family name (FN keeps the whole name).
    let (given, family) = match c.name.rsplit_once(' ') {
        Some((g, f)) => (g.to_owned(), f.to_owned()),
        None => (String::new(), c.name.clone()),
    };
    push(
        VCardProperty::N,
        vec![],
        vec![text(family), text(given), text(""), text(""), text("")],
    );
    push(VCardProperty::Uid, vec![], vec![text(c.id.to_string())]);
    for p in &c.phones {
        push(
            VCardProperty::Tel,
            vec![type_param(&p.label)],
            vec![text(&p.value)],
        );
    }
    for e in &c.emails {
        push(
            VCardProperty::Email,
            vec![type_param(&e.label)],
            vec![text(&e.value)],
        );
    }
    for a in &c.addresses {
        // A Groundwork address is one line: it goes in the street part.
        push(
            VCardProperty::Adr,
            vec![type_param(&a.label)],
            vec![
                text(""),
                text(""),
                text(&a.value),
                text(""),
                text(""),
                text(""),
                text(""),
            ],
        );
    }
    if !c.tags.is_empty() {
        push(
            VCardProperty::Categories,
            vec![],
            c.tags.iter().map(text).collect(),
        );
    }
    if let Some(org) = c.custom.get("organization") {
        push(VCardProperty::Org, vec![], vec![text(org)]);
    }
    if let Some(title) = c.custom.get("job_title") {
        push(VCardProperty::Title, vec![], vec![text(title)]);
    }
    if !c.notes.is_empty() {
        push(VCardProperty::Note, vec![], vec![text(&c.notes)]);
    }
    VCard { entries }
}

/// Writes contacts as cards, one after the other, CRLF line ends and folded lines.
pub fn write_contacts(
    mut out: impl Write,
    contacts: &[Contact],
    version: VCardVersion,
) -> Result<(), InterchangeError> {
    let version = match version {
        VCardVersion::V3 => calcard::vcard::VCardVersion::V3_0,
        VCardVersion::V4 => calcard::vcard::VCardVersion::V4_0,
    };
    let failed = |reason: String| InterchangeError::Write {
        format: Format::VCard,
        reason,
    };
    for c in contacts {
        let mut s = String::new();
        contact_card(c)
            .write_to(&mut s, version)
            .map_err(|e| failed(e.to_string()))?;
        out.write_all(s.as_bytes())
            .map_err(|e| failed(e.to_string()))?;
    }
    out.flush().map_err(|e| failed(e.to_string()))
}
