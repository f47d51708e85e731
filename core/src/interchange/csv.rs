//! CSV in and out, with the `csv` crate doing the quoting.
//!
//! Reading: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8" writes one), CRLF or
//! LF, quoted cells spanning lines, a comma, semicolon or tab as separator (guessed from the
//! header line). Every cell is text: `01234` stays `01234`.
//!
//! Writing: UTF-8 with a byte-order mark (so Excel reads accents right), CRLF, cells quoted when
//! needed. **Formula injection**: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@`
//! (and, in some, a tab or carriage return) as a formula, so a contact named
//! `=HYPERLINK("http://…")` could act when the file is opened. Every such cell is written with a
//! single quote before it (`'=HYPERLINK(…)`, `'+44 20 7946 0000`), which spreadsheets show as
//! text (OWASP, "CSV Injection"). Reading strips that quote again when it stands before one of
//! those characters, so an export imports back unchanged.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use super::columns::{self, AddressPart, ColumnMapping, Field, Tool};
use super::{Format, InterchangeError, MAX_IMPORT_FILE, SourceRecord};
use crate::ids::{ContactId, UnitId};
use crate::model::{AssessmentScale, Contact, FollowUp, NewContact};

/// What [`read_contacts`] found.
pub struct CsvContacts {
    pub tool: Option<Tool>,
    pub columns: Vec<ColumnMapping>,
    pub records: Vec<SourceRecord>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn bad(line: u64, problem: impl Into<String>) -> InterchangeError {
    InterchangeError::BadFile {
        format: Format::Csv,
        line,
        problem: problem.into(),
    }
}

/// Guesses the separator from the header line: the most frequent of `,` `;` tab outside quotes.
fn separator(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &c in bytes {
        if !quoted && (c == b'\n' || c == b'\r') {
            break;
        }
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    seps[best]
}

/// Undoes the export's formula neutralisation (see the module docs).
fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// One line of text: line breaks and runs of spaces become one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a list cell on commas and semicolons.
fn list(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split([',', ';'])
        .map(one_line)
        .filter(|s| !s.is_empty())
}

/// Reads `label: value; label: value` (Groundwork's own multi-value cells). A value alone gets
/// `default` as its label. Addresses contain commas, so only `;` separates entries.
fn labelled_list(cell: &str, default: &str) -> Vec<(String, String)> {
    cell.split(';')
        .map(one_line)
        .filter(|s| !s.is_empty())
        .map(|entry| match entry.split_once(": ") {
            Some((l, v)) if !l.trim().is_empty() && !l.contains(',') => {
                (l.trim().to_owned(), v.trim().to_owned())
            }
            _ => (default.to_owned(), entry),
        })
        .collect()
}

fn truthy(cell: &str) -> bool {
    matches!(
        cell.trim().to_lowercase().as_str(),
        "1" | "yes" | "y" | "true" | "x" | "t"
    )
}

/// Reads a CSV file of contacts: detects the tool, maps the columns, turns each row into a
/// contact. Cell values are not validated here (the plan does that, per row).
pub fn read_contacts(
    bytes: &[u8],
    overrides: &[(String, Field)],
) -> Result<CsvContacts, InterchangeError> {
    if bytes.len() > MAX_IMPORT_FILE {
        return Err(InterchangeError::TooLarge {
            max: MAX_IMPORT_FILE,
            what: "bytes",
        });
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(bad(
            1,
            "the file is UTF-16; save it as \"CSV UTF-8\" and import that",
        ));
    }
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(separator(bytes))
        .has_headers(false)
        .flexible(false)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let mut lines = Lines::new(bytes);
    let header = match records.next() {
        None => return Err(InterchangeError::Empty(Format::Csv)),
        Some(r) => r.map_err(|e| csv_error(&e, &mut lines))?,
    };
    let headers = text_cells(&header, 1)?;
    let profile = columns::detect(&headers);
    let mapping = columns::map_headers(&headers, profile, overrides)?;
    let useful = mapping.iter().any(|m| {
        matches!(
            m.field,
            Field::Name
                | Field::GivenName
                | Field::FamilyName
                | Field::Phone(_)
                | Field::Phones
                | Field::Email(_)
                | Field::Emails
        )
    });
    if !useful {
        return Err(InterchangeError::NothingToImport { headers });
    }
    let mut out = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(&e, &mut lines))?;
        let line = lines.of(record.position());
        let cells = text_cells(&record, line)?;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.push(SourceRecord {
            line,
            contact: row_contact(&mapping, &cells),
        });
    }
    if out.is_empty() {
        return Err(InterchangeError::Empty(Format::Csv));
    }
    Ok(CsvContacts {
        tool: profile.map(|p| p.tool),
        columns: mapping,
        records: out,
    })
}

/// Line numbers from byte offsets. The `csv` crate's own line count lags one line behind in
/// CRLF files (a record's position is taken before the previous record's `\n` is consumed), so
/// lines are counted here, forward only, from where the record's first byte is.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            line: 1,
        }
    }

    fn of(&mut self, pos: Option<&::csv::Position>) -> u64 {
        let Some(pos) = pos else { return self.line };
        let mut start = usize::try_from(pos.byte())
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start >= self.at {
            self.line += self.bytes[self.at..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.at = start;
        }
        self.line
    }
}

fn csv_error(e: &::csv::Error, lines: &mut Lines<'_>) -> InterchangeError {
    let line = lines.of(e.position());
    match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => bad(
            line,
            format!(
                "this row has {len} cells where the header has {expected_len} (a missing or extra separator, or an unclosed quote above?)"
            ),
        ),
        _ => bad(line, e.to_string()),
    }
}

fn text_cells(record: &::csv::ByteRecord, line: u64) -> Result<Vec<String>, InterchangeError> {
    record
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            std::str::from_utf8(cell)
                .map(|s| unneutralise(s).to_owned())
                .map_err(|_| {
                    bad(
                        line,
                        format!(
                            "cell {} is not UTF-8 text; save the file as \"CSV UTF-8\" and import that",
                            i + 1
                        ),
                    )
                })
        })
        .collect()
}

/// One row as a contact, per the mapping.
fn row_contact(mapping: &[ColumnMapping], cells: &[String]) -> NewContact {
    let mut c = NewContact::default();
    let (mut given, mut middle, mut family) = (String::new(), String::new(), String::new());
    let (mut phone_label, mut email_label) = (String::new(), String::new());
    // Unlabelled phones/emails wait for the row's type column, wherever it is.
    let mut phones: Vec<(Cow<'_, str>, String)> = Vec::new();
    let mut emails: Vec<(Cow<'_, str>, String)> = Vec::new();
    let mut addresses: BTreeMap<&str, BTreeMap<AddressPart, String>> = BTreeMap::new();
    let mut address_order: Vec<&str> = Vec::new();
    for (m, cell) in mapping.iter().zip(cells) {
        let value = cell.trim();
        if value.is_empty() {
            continue;
        }
        match &m.field {
            Field::Name => c.name = one_line(value),
            Field::GivenName => given = one_line(value),
            Field::MiddleName => middle = one_line(value),
            Field::FamilyName => family = one_line(value),
            Field::Phone(l) => phones.push((Cow::Borrowed(l.as_ref()), one_line(value))),
            Field::Phones => c.phones.extend(labelled_list(value, "mobile")),
            Field::Email(l) => emails.push((Cow::Borrowed(l.as_ref()), one_line(value))),
            Field::Emails => c.emails.extend(labelled_list(value, "personal")),
            Field::PhoneLabel => phone_label = one_line(value).to_lowercase(),
            Field::EmailLabel => email_label = one_line(value).to_lowercase(),
            Field::Address(part, label) => {
                let label = label.as_ref();
                if !address_order.contains(&label) {
                    address_order.push(label);
                }
                addresses
                    .entry(label)
                    .or_default()
                    .insert(*part, one_line(value));
            }
            Field::Addresses => c.addresses.extend(labelled_list(value, "home")),
            Field::Tags => c.tags.extend(list(value)),
            Field::Notes => {
                if !c.notes.is_empty() {
                    c.notes.push_str("\n\n");
                }
                c.notes.push_str(&value.replace("\r\n", "\n"));
            }
            Field::Organizers => c.organizers.extend(list(value)),
            Field::Custom(key) => c.custom.push((key.to_string(), one_line(value))),
            Field::DoNotContact => c.do_not_contact |= truthy(value),
            Field::Ignore => {}
        }
    }
    let or = |l: &str, row: &str, default: &str| -> String {
        if !l.is_empty() {
            l.to_owned()
        } else if !row.is_empty() {
            row.to_owned()
        } else {
            default.to_owned()
        }
    };
    c.phones.extend(
        phones
            .into_iter()
            .map(|(l, v)| (or(&l, &phone_label, "mobile"), v)),
    );
    c.emails.extend(
        emails
            .into_iter()
            .map(|(l, v)| (or(&l, &email_label, "personal"), v)),
    );
    for label in address_order {
        if let Some(parts) = addresses.get(label) {
            c.addresses
                .push((or(label, "", "home"), compose_address(parts)));
        }
    }
    if c.name.is_empty() {
        c.name = [given, middle, family]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    if c.name.is_empty() {
        // A contact needs a name; the address or number it was known by stands in.
        c.name = c
            .emails
            .first()
            .or(c.phones.first())
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
    }
    c
}

/// `12 Maple St, Apt 3, Springfield, IL 62704, USA`.
fn compose_address(parts: &BTreeMap<AddressPart, String>) -> String {
    let get = |p| parts.get(&p).map(String::as_str).unwrap_or("");
    let region_zip = [get(AddressPart::Region), get(AddressPart::PostalCode)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    [
        get(AddressPart::Street).to_owned(),
        get(AddressPart::Street2).to_owned(),
        get(AddressPart::City).to_owned(),
        region_zip,
        get(AddressPart::Country).to_owned(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

// --- writing ----------------------------------------------------------------------------------

/// A cell as written: with a single quote before it when a spreadsheet would run it as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

struct Out<W: Write> {
    w: ::csv::Writer<W>,
}

fn write_error(e: impl std::fmt::Display) -> InterchangeError {
    InterchangeError::Write {
        format: Format::Csv,
        reason: e.to_string(),
    }
}

impl<W: Write> Out<W> {
    fn new(mut inner: W) -> Result<Self, InterchangeError> {
        inner.write_all(BOM).map_err(write_error)?;
        Ok(Self {
            w: ::csv::WriterBuilder::new()
                .terminator(::csv::Terminator::CRLF)
                .from_writer(inner),
        })
    }
    fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> Result<(), InterchangeError> {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.w.write_record(&cells).map_err(write_error)
    }
    fn finish(mut self) -> Result<(), InterchangeError> {
        self.w.flush().map_err(write_error)
    }
}

fn join_labelled<'a>(items: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    items
        .map(|(l, v)| format!("{l}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn time(t: Option<&crate::model::Timestamp>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The columns of a contacts export (the Groundwork profile in [`columns::PROFILES`] reads them
/// back); the group's own fields follow as `custom:KEY` columns.
pub const CONTACT_COLUMNS: &[&str] = &[
    "id",
    "name",
    "phones",
    "emails",
    "addresses",
    "tags",
    "unit",
    "organizers",
    "do_not_contact",
    "assessment",
    "last_conversation_at",
    "notes",
];

/// Writes contacts, one row each.
pub fn write_contacts(
    out: impl Write,
    contacts: &[Contact],
    units: &HashMap<UnitId, String>,
    scale: &AssessmentScale,
) -> Result<(), InterchangeError> {
    let custom_keys: BTreeSet<&str> = contacts
        .iter()
        .flat_map(|c| c.custom.keys().map(String::as_str))
        .collect();
    let mut w = Out::new(out)?;
    w.row(
        CONTACT_COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .chain(custom_keys.iter().map(|k| format!("custom:{k}"))),
    )?;
    for c in contacts {
        let labelled = |l: &[crate::model::Labelled]| {
            join_labelled(l.iter().map(|e| (e.label.as_str(), e.value.as_str())))
        };
        let assessment = c
            .assessment
            .map(|a| scale.label(a).map_or_else(|| a.to_string(), str::to_owned))
            .unwrap_or_default();
        let mut row = vec![
            c.id.to_string(),
            c.name.clone(),
            labelled(&c.phones),
            labelled(&c.emails),
            labelled(&c.addresses),
            c.tags.iter().cloned().collect::<Vec<_>>().join(", "),
            c.unit
                .and_then(|u| units.get(&u).cloned())
                .unwrap_or_default(),
            c.organizers.iter().cloned().collect::<Vec<_>>().join(", "),
            if c.do_not_contact { "yes" } else { "" }.to_owned(),
            assessment,
            time(c.last_conversation_at.as_ref()),
            c.notes.clone(),
        ];
        row.extend(
            custom_keys
                .iter()
                .map(|k| c.custom.get(*k).cloned().unwrap_or_default()),
        );
        w.row(row)?;
    }
    w.finish()
}

/// Writes every revision of every conversation, one row each; returns how many.
pub fn write_conversations(
    out: impl Write,
    contacts: &[Contact],
) -> Result<usize, InterchangeError> {
    let mut w = Out::new(out)?;
    w.row([
        "id",
        "revision",
        "contact_id",
        "contact_name",
        "at",
        "organizer",
        "channel",
        "place",
        "door",
        "story",
        "vision",
        "obstacles",
        "ask",
        "answer",
        "assessment",
        "next_steps",
    ])?;
    let mut n = 0;
    for c in contacts {
        for cv in &c.conversations {
            let s = &cv.steps;
            w.row([
                cv.id.to_string(),
                cv.revision.to_string(),
                c.id.to_string(),
                c.name.clone(),
                time(Some(&cv.at)),
                cv.organizer.clone(),
                cv.channel.as_str().to_owned(),
                cv.place.clone(),
                s.door.clone(),
                s.story.clone(),
                s.vision.clone(),
                s.obstacles.clone(),
                s.ask.clone(),
                s.answer.clone(),
                cv.assessment.map(|a| a.to_string()).unwrap_or_default(),
                cv.next_steps.clone(),
            ])?;
            n += 1;
        }
    }
    w.finish()?;
    Ok(n)
}

/// Writes follow-ups, one row each.
pub fn write_follow_ups(
    out: impl Write,
    follow_ups: &[FollowUp],
    names: &HashMap<ContactId, String>,
) -> Result<(), InterchangeError> {
    let mut w = Out::new(out)?;
    w.row([
        "id",
        "kind",
        "title",
        "status",
        "due",
        "assignee",
        "partner",
        "contact_id",
        "contact_name",
        "plan_id",
        "note",
        "created_at",
    ])?;
    for f in follow_ups {
        w.row([
            f.id.to_string(),
            f.kind.as_str().to_owned(),
            f.title.clone(),
            f.status.as_str().to_owned(),
            time(f.due.as_ref()),
            f.assignee.clone(),
            f.partner.clone().unwrap_or_default(),
            f.contact.map(|c| c.to_string()).unwrap_or_default(),
            f.contact
                .and_then(|c| names.get(&c).cloned())
                .unwrap_or_default(),
            f.plan.map(|p| p.to_string()).unwrap_or_default(),
            f.note.clone(),
            time(Some(&f.created_at)),
        ])?;
    }
    w.finish()
}
