//! Which spreadsheet column goes into which contact field: the fields, the `--map` syntax, and
//! the one table of column names used by the organizing tools whose exports people bring.
//!
//! A header is matched after [`normalise_header`] (case, spaces, `_`, `-` and `.` ignored), so
//! `first_name`, `First Name` and `FIRST-NAME` are one column name. Detection picks the tool
//! whose signature columns the header has most of; each header is then looked up in that tool's
//! columns, then in the generic names, and anything left is reported as not imported (the caller
//! can map it with an override).

use std::borrow::Cow;
use std::fmt;

use super::InterchangeError;

/// A part of a postal address. Parts with the same label make one address, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressPart {
    Street,
    Street2,
    City,
    Region,
    PostalCode,
    Country,
}

impl AddressPart {
    fn as_str(self) -> &'static str {
        match self {
            AddressPart::Street => "street",
            AddressPart::Street2 => "street2",
            AddressPart::City => "city",
            AddressPart::Region => "region",
            AddressPart::PostalCode => "zip",
            AddressPart::Country => "country",
        }
    }
}

/// Where a column's cells go in a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// The whole name.
    Name,
    GivenName,
    MiddleName,
    FamilyName,
    /// One phone number with this label (empty: the row's phone-type column, else "mobile").
    Phone(Cow<'static, str>),
    /// Several phones in one cell, `label: number; label: number` (Groundwork's own export).
    Phones,
    /// One email address with this label (empty: the row's email-type column, else "personal").
    Email(Cow<'static, str>),
    /// Several emails in one cell, as for [`Field::Phones`].
    Emails,
    /// The label of the row's unlabelled phones ("Cell", "Home" …).
    PhoneLabel,
    /// The label of the row's unlabelled emails.
    EmailLabel,
    /// A part of the postal address with this label (empty: "home").
    Address(AddressPart, Cow<'static, str>),
    /// Several whole addresses in one cell, as for [`Field::Phones`].
    Addresses,
    /// Tags, separated by commas or semicolons.
    Tags,
    /// Shared notes (may span lines).
    Notes,
    /// Organizers responsible, separated by commas or semicolons.
    Organizers,
    /// One of the group's own fields.
    Custom(Cow<'static, str>),
    /// Never contact this person (yes/true/1/x).
    DoNotContact,
    /// Not imported.
    Ignore,
}

const fn b(s: &'static str) -> Cow<'static, str> {
    Cow::Borrowed(s)
}

impl Field {
    /// Reads the `--map COLUMN=FIELD` form: `name`, `first_name`, `middle_name`, `last_name`,
    /// `phone[:LABEL]`, `phones`, `phone_type`, `email[:LABEL]`, `emails`, `email_type`,
    /// `street|street2|city|region|zip|country[:LABEL]`, `address[:LABEL]` (a whole one-line
    /// address), `addresses`, `tags`, `notes`, `organizers`, `custom:KEY`, `do_not_contact`,
    /// `ignore`.
    pub fn parse(s: &str) -> Result<Field, InterchangeError> {
        let s = s.trim();
        let (head, label) = match s.split_once(':') {
            Some((h, l)) => (h.trim(), Some(l.trim().to_owned())),
            None => (s, None),
        };
        let label_or = |d: &'static str| label.clone().map_or(b(d), Cow::Owned);
        let part = |p| Field::Address(p, label_or(""));
        let field = match normalise_header(head).as_str() {
            "name" | "full name" => Field::Name,
            "first name" | "given name" | "first" => Field::GivenName,
            "middle name" | "middle" => Field::MiddleName,
            "last name" | "family name" | "surname" | "last" => Field::FamilyName,
            "phone" | "mobile" | "cell" | "tel" => Field::Phone(label_or("")),
            "phones" => Field::Phones,
            "phone type" | "phone label" => Field::PhoneLabel,
            "email" | "e mail" => Field::Email(label_or("")),
            "emails" => Field::Emails,
            "email type" | "email label" => Field::EmailLabel,
            "street" | "address" | "address line 1" => part(AddressPart::Street),
            "street2" | "address line 2" => part(AddressPart::Street2),
            "city" => part(AddressPart::City),
            "region" | "state" | "province" => part(AddressPart::Region),
            "zip" | "postal code" | "postcode" => part(AddressPart::PostalCode),
            "country" => part(AddressPart::Country),
            "addresses" => Field::Addresses,
            "tags" | "tag" => Field::Tags,
            "notes" | "note" => Field::Notes,
            "organizers" | "organizer" => Field::Organizers,
            "custom" | "set" => match label.filter(|l| !l.is_empty()) {
                Some(key) => Field::Custom(Cow::Owned(key)),
                None => return Err(InterchangeError::UnknownField(s.to_owned())),
            },
            "do not contact" | "dnc" => Field::DoNotContact,
            "ignore" | "skip" => Field::Ignore,
            _ => return Err(InterchangeError::UnknownField(s.to_owned())),
        };
        Ok(field)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labelled = |f: &mut fmt::Formatter<'_>, head: &str, label: &str| {
            if label.is_empty() {
                f.write_str(head)
            } else {
                write!(f, "{head}:{label}")
            }
        };
        match self {
            Field::Name => f.write_str("name"),
            Field::GivenName => f.write_str("first_name"),
            Field::MiddleName => f.write_str("middle_name"),
            Field::FamilyName => f.write_str("last_name"),
            Field::Phone(l) => labelled(f, "phone", l),
            Field::Phones => f.write_str("phones"),
            Field::Email(l) => labelled(f, "email", l),
            Field::Emails => f.write_str("emails"),
            Field::PhoneLabel => f.write_str("phone_type"),
            Field::EmailLabel => f.write_str("email_type"),
            Field::Address(p, l) => labelled(f, p.as_str(), l),
            Field::Addresses => f.write_str("addresses"),
            Field::Tags => f.write_str("tags"),
            Field::Notes => f.write_str("notes"),
            Field::Organizers => f.write_str("organizers"),
            Field::Custom(k) => write!(f, "custom:{k}"),
            Field::DoNotContact => f.write_str("do_not_contact"),
            Field::Ignore => f.write_str("ignore"),
        }
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A tool whose exports are recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    ActionNetwork,
    /// NGP VAN and EveryAction (one company's two CRMs; their exports share column names).
    NgpVan,
    ActionBuilder,
    Mobilize,
    /// `groundwork export csv contacts`.
    Groundwork,
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tool::ActionNetwork => "Action Network",
            Tool::NgpVan => "NGP VAN / EveryAction",
            Tool::ActionBuilder => "Action Builder",
            Tool::Mobilize => "Mobilize",
            Tool::Groundwork => "Groundwork",
        })
    }
}

/// One tool's export: where its column names were learnt, how to recognise it, where each goes.
pub struct Profile {
    pub tool: Tool,
    /// The documents the column names come from.
    pub sources: &'static [&'static str],
    /// Column names found in this tool's exports and rarely elsewhere.
    pub signature: &'static [&'static str],
    /// How many of the signature columns a header needs to be taken for this tool's export.
    pub min_signature: usize,
    pub columns: &'static [(&'static str, Field)],
}

use AddressPart::{City, Country, PostalCode, Region, Street, Street2};

/// THE table of known export columns. When a tool's export changes, change it here (and its
/// source line); the detection, the mapping and the tests read only this.
pub const PROFILES: &[Profile] = &[
    Profile {
        tool: Tool::ActionNetwork,
        sources: &[
            // Core fields and that phone numbers are custom fields there:
            "help.actionnetwork.org, \"Action Network General Concepts\" and \"File formats for list uploads\"",
            // The report/export column names (uuid, can2_* …): a public script that reads
            // Action Network activist exports ("export-…-csv_report_….csv"):
            "SURJ Bay Area, Action Network → EveryAction sync script (GitHub, Apache-2.0), docstring listing the export's columns",
        ],
        signature: &[
            "uuid",
            "zip_code",
            "can2_phone",
            "can2_user_tags",
            "can2_subscription_status",
            "can2_sms_status",
        ],
        min_signature: 2,
        columns: &[
            ("first_name", Field::GivenName),
            ("last_name", Field::FamilyName),
            ("email", Field::Email(b(""))),
            ("can2_phone", Field::Phone(b(""))),
            ("zip_code", Field::Address(PostalCode, b(""))),
            ("can2_user_address", Field::Address(Street, b(""))),
            ("can2_user_city", Field::Address(City, b(""))),
            ("can2_state_abbreviated", Field::Address(Region, b(""))),
            ("can2_country", Field::Address(Country, b(""))),
            ("can2_user_tags", Field::Tags),
            ("uuid", Field::Custom(b("action_network_id"))),
            ("can2_subscription_status", Field::Ignore),
            ("can2_sms_status", Field::Ignore),
        ],
    },
    Profile {
        tool: Tool::NgpVan,
        sources: &[
            "developers.ngpvan.com, \"Guidelines\" (VAN and EveryAction are one CRM family)",
            // VAN's export files (Export → Standard Text) as read by public canvassing and
            // texting tools: \"Voter File VANID\", Zip5, mAddress/mZip5 (mailing), \"Cell Phone\".
            "column names as read from VAN export files by public campaign tools on GitHub (canvass-result sheets, voter texting apps, a VAN enrichment migration)",
            // Checked 2026-12 against a VAN export's full header row (a public SQL script that
            // renames every column of a VAN voter export, GitHub): FirstName, MiddleName,
            // LastName, Suffix, City, State, Zip5, Zip4, mAddress, mCity, mState, mZip5, mZip4,
            // \"Cell Phone\", \"Home Phone\", \"Preferred Phone\" are as named; added here:
            // \"Preferred Phone\", mZip4, Suffix. Emails were not in that export; \"Preferred
            // Email\" stays from the tools above.
            "a public SQL script renaming the columns of a VAN voter export (GitHub), its full header list",
        ],
        signature: &[
            "Voter File VANID",
            "VANID",
            "Zip5",
            "mAddress",
            "mZip5",
            "Cell Phone",
            "Home Phone",
            "Preferred Email",
        ],
        min_signature: 2,
        columns: &[
            ("Voter File VANID", Field::Custom(b("van_id"))),
            ("VANID", Field::Custom(b("van_id"))),
            ("FirstName", Field::GivenName),
            ("MiddleName", Field::MiddleName),
            ("LastName", Field::FamilyName),
            ("Address", Field::Address(Street, b("home"))),
            ("City", Field::Address(City, b("home"))),
            ("State", Field::Address(Region, b("home"))),
            ("Zip5", Field::Address(PostalCode, b("home"))),
            ("mAddress", Field::Address(Street, b("mailing"))),
            ("mCity", Field::Address(City, b("mailing"))),
            ("mState", Field::Address(Region, b("mailing"))),
            ("mZip5", Field::Address(PostalCode, b("mailing"))),
            ("Cell Phone", Field::Phone(b("mobile"))),
            ("Home Phone", Field::Phone(b("home"))),
            ("Phone", Field::Phone(b(""))),
            ("Preferred Phone", Field::Phone(b(""))),
            ("Preferred Email", Field::Email(b(""))),
            ("Email", Field::Email(b(""))),
            ("Zip4", Field::Ignore),
            ("mZip4", Field::Ignore),
            ("Suffix", Field::Custom(b("name_suffix"))),
        ],
    },
    Profile {
        tool: Tool::ActionBuilder,
        sources: &[
            "actionbuilder.zendesk.com, \"Entity Uploads\" (the columns an entity file may have; Action Builder's CSV downloads use the same names)",
            "actionbuilder.zendesk.com, \"How to Upload Multiple Phone Numbers and Email Addresses\"",
        ],
        signature: &[
            "Phone Number Type",
            "Phone Number Extension",
            "Email Type",
            "Address Line 1",
            "Preferred Language",
            "Assessment",
            "Nickname",
        ],
        min_signature: 2,
        columns: &[
            ("First Name", Field::GivenName),
            ("Middle Name", Field::MiddleName),
            ("Last Name", Field::FamilyName),
            ("Full Name", Field::Name),
            ("Nickname", Field::Custom(b("nickname"))),
            ("Email", Field::Email(b(""))),
            ("Email Type", Field::EmailLabel),
            ("Phone Number", Field::Phone(b(""))),
            ("Phone Number Type", Field::PhoneLabel),
            ("Phone Number Extension", Field::Ignore),
            ("Address Line 1", Field::Address(Street, b(""))),
            ("City", Field::Address(City, b(""))),
            ("State", Field::Address(Region, b(""))),
            ("Zip", Field::Address(PostalCode, b(""))),
            ("Preferred Language", Field::Custom(b("language"))),
            // An Action Builder assessment is not a Groundwork conversation: kept as a field.
            ("Assessment", Field::Custom(b("action_builder_assessment"))),
            ("Latitude", Field::Ignore),
            ("Longitude", Field::Ignore),
            ("Date of Birth", Field::Ignore),
            ("Age", Field::Ignore),
        ],
    },
    Profile {
        tool: Tool::Mobilize,
        sources: &[
            "help.mobilize.us, \"Volunteer-facing dashboard instructions\" (Shifts and Signups → Export signups, a CSV)",
            // Checked 2026-12: the export's own headers, lower case with spaces, as read by a
            // public script that turns Mobilize event-attendance exports into Action Network
            // uploads (GitHub): `first name`, `last name`, `email`, `zip`, `phone`, `event id`,
            // `event name`, `start`, `event organization name`. The API's person fields
            // (given_name, family_name, email_address, phone_number, postal_code), which this
            // table listed before, are not the CSV's column names.
            "a public Mobilize-export → Action Network upload script (GitHub), the export's header row",
        ],
        signature: &["event id", "event name", "event organization name", "start"],
        min_signature: 2,
        columns: &[
            ("first name", Field::GivenName),
            ("last name", Field::FamilyName),
            ("email", Field::Email(b(""))),
            ("phone", Field::Phone(b(""))),
            ("zip", Field::Address(PostalCode, b(""))),
            // One row per signup: the event is the signup's, not the person's.
            ("event id", Field::Ignore),
            ("event name", Field::Ignore),
            ("start", Field::Ignore),
            ("event organization name", Field::Ignore),
        ],
    },
    Profile {
        tool: Tool::Groundwork,
        sources: &[
            "this crate: interchange::csv::CONTACT_COLUMNS (groundwork export csv contacts)",
        ],
        signature: &[
            "id",
            "phones",
            "emails",
            "addresses",
            "do_not_contact",
            "organizers",
        ],
        min_signature: 3,
        columns: &[
            ("name", Field::Name),
            ("phones", Field::Phones),
            ("emails", Field::Emails),
            ("addresses", Field::Addresses),
            ("tags", Field::Tags),
            ("organizers", Field::Organizers),
            ("do_not_contact", Field::DoNotContact),
            ("notes", Field::Notes),
            // Ids, units and derived values are this group's own: a new contact gets new ones.
            ("id", Field::Ignore),
            ("unit", Field::Ignore),
            ("assessment", Field::Ignore),
            ("last_conversation_at", Field::Ignore),
        ],
    },
];

/// Column names any spreadsheet may use, tried after the detected tool's.
pub const GENERIC: &[(&str, Field)] = &[
    ("name", Field::Name),
    ("full name", Field::Name),
    ("display name", Field::Name),
    ("contact name", Field::Name),
    ("first name", Field::GivenName),
    ("firstname", Field::GivenName),
    ("given name", Field::GivenName),
    ("middle name", Field::MiddleName),
    ("last name", Field::FamilyName),
    ("lastname", Field::FamilyName),
    ("surname", Field::FamilyName),
    ("family name", Field::FamilyName),
    ("phone", Field::Phone(b(""))),
    ("phone number", Field::Phone(b(""))),
    ("telephone", Field::Phone(b(""))),
    ("mobile", Field::Phone(b("mobile"))),
    ("mobile phone", Field::Phone(b("mobile"))),
    ("mobile number", Field::Phone(b("mobile"))),
    ("cell", Field::Phone(b("mobile"))),
    ("cell phone", Field::Phone(b("mobile"))),
    ("home phone", Field::Phone(b("home"))),
    ("work phone", Field::Phone(b("work"))),
    ("email", Field::Email(b(""))),
    ("e mail", Field::Email(b(""))),
    ("email address", Field::Email(b(""))),
    ("address", Field::Address(Street, b(""))),
    ("street", Field::Address(Street, b(""))),
    ("street address", Field::Address(Street, b(""))),
    ("address 1", Field::Address(Street, b(""))),
    ("address line 1", Field::Address(Street, b(""))),
    ("address 2", Field::Address(Street2, b(""))),
    ("address line 2", Field::Address(Street2, b(""))),
    ("apartment", Field::Address(Street2, b(""))),
    ("unit number", Field::Address(Street2, b(""))),
    ("city", Field::Address(City, b(""))),
    ("town", Field::Address(City, b(""))),
    ("state", Field::Address(Region, b(""))),
    ("province", Field::Address(Region, b(""))),
    ("region", Field::Address(Region, b(""))),
    ("zip", Field::Address(PostalCode, b(""))),
    ("zip code", Field::Address(PostalCode, b(""))),
    ("zipcode", Field::Address(PostalCode, b(""))),
    ("postcode", Field::Address(PostalCode, b(""))),
    ("postal code", Field::Address(PostalCode, b(""))),
    ("country", Field::Address(Country, b(""))),
    ("tags", Field::Tags),
    ("tag", Field::Tags),
    ("notes", Field::Notes),
    ("note", Field::Notes),
    ("comments", Field::Notes),
    ("organizer", Field::Organizers),
    ("organizers", Field::Organizers),
    ("language", Field::Custom(b("language"))),
];

/// A header as compared: no BOM, lowercase, `_ - .` as spaces, whitespace collapsed.
pub fn normalise_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .map(|c| match c {
            '_' | '-' | '.' => ' ',
            c => c,
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The tool whose export this header is, if one matches clearly.
pub fn detect(headers: &[String]) -> Option<&'static Profile> {
    let present: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    PROFILES
        .iter()
        .map(|p| {
            let score = p
                .signature
                .iter()
                .filter(|s| present.contains(&normalise_header(s)))
                .count();
            (p, score)
        })
        .filter(|(p, score)| *score >= p.min_signature)
        // The most signature columns wins; on a tie, the earlier profile.
        .fold(None, |best: Option<(&Profile, usize)>, (p, s)| match best {
            Some((_, bs)) if bs >= s => best,
            _ => Some((p, s)),
        })
        .map(|(p, _)| p)
}

/// How a column came to its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MappedBy {
    /// The detected tool's column table.
    Tool,
    /// A generic column name.
    Generic,
    /// The caller's override.
    Override,
    /// Nothing matched: not imported.
    Unmapped,
}

/// One column of the file and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnMapping {
    pub header: String,
    pub field: Field,
    pub by: MappedBy,
}

/// Maps each header: overrides first, then the tool's table, then generic names.
pub fn map_headers(
    headers: &[String],
    profile: Option<&Profile>,
    overrides: &[(String, Field)],
) -> Result<Vec<ColumnMapping>, InterchangeError> {
    let keys: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    for (column, _) in overrides {
        if !keys.contains(&normalise_header(column)) {
            return Err(InterchangeError::NoSuchColumn {
                column: column.clone(),
                headers: headers.to_vec(),
            });
        }
    }
    let lookup = |table: &[(&str, Field)], key: &str| {
        table
            .iter()
            .find(|(h, _)| normalise_header(h) == key)
            .map(|(_, f)| f.clone())
    };
    Ok(headers
        .iter()
        .zip(&keys)
        .map(|(header, key)| {
            let over = overrides
                .iter()
                .rev()
                .find(|(c, _)| normalise_header(c) == *key)
                .map(|(_, f)| f.clone());
            let own = header
                .trim()
                .split_once(':')
                .filter(|(h, k)| h.eq_ignore_ascii_case("custom") && !k.trim().is_empty())
                .map(|(_, k)| Field::Custom(Cow::Owned(k.trim().to_owned())));
            let (field, by) = if let Some(f) = over {
                (f, MappedBy::Override)
            } else if let Some(f) = own {
                // `custom:KEY`, as Groundwork's own export names the group's fields.
                (f, MappedBy::Generic)
            } else if let Some(f) = profile.and_then(|p| lookup(p.columns, key)) {
                (f, MappedBy::Tool)
            } else if let Some(f) = lookup(GENERIC, key) {
                (f, MappedBy::Generic)
            } else {
                (Field::Ignore, MappedBy::Unmapped)
            };
            ColumnMapping {
                header: header.trim_start_matches('\u{feff}').to_owned(),
                field,
                by,
            }
        })
        .collect())
}
