//! The command line, as clap sees it. Doc comments here are the `--help` text.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use groundwork_core::interchange::Field;
use groundwork_core::model::{Channel, Timestamp};

use crate::when;

const AFTER_HELP: &str = "\
The passphrase is read from GROUNDWORK_PASSPHRASE when it is set, otherwise asked for.
The store key is derived from it with Argon2id; the salt is kept in <store>.kdf next to the store.

Exit codes: 0 done, 1 a problem with the input, the passphrase or the store's state,
2 a usage error, 3 the store or the file system failed.";

/// Groundwork: contacts, organizing conversations, follow-ups and plans for tenant unions and
/// worker committees, kept in an encrypted store on this computer.
#[derive(Parser, Debug)]
#[command(name = "groundwork", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// The encrypted store file [default: $XDG_DATA_HOME/groundwork/store.db, or
    /// ~/.local/share/groundwork/store.db]
    #[arg(
        long,
        global = true,
        env = "GROUNDWORK_STORE",
        value_name = "PATH",
        help_heading = "Global options"
    )]
    pub(crate) store: Option<PathBuf>,

    /// The group to work in, by id or name [default: the only group, or the first]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "GROUNDWORK_GROUP",
        value_name = "ID-OR-NAME"
    )]
    pub(crate) group: Option<String>,

    /// Print machine-readable JSON on stdout instead of tables
    #[arg(long, global = true, help_heading = "Global options")]
    pub(crate) json: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Create a new encrypted store with a first group
    Init(InitArgs),
    /// Fill a new demo group with a generated organizing drive (2,000 contacts at scale 1)
    Demo(DemoArgs),
    /// Add, show, list and edit contacts
    #[command(subcommand)]
    Contact(ContactCommand),
    /// Record an organizing conversation (a one-on-one) with a contact
    Talk(TalkArgs),
    /// List the open follow-ups that are due
    Followups(FollowupsArgs),
    /// List the groups on this device, or create one
    Groups(GroupsArgs),
    /// Create a group, invite a device in person, join with an invite, manage members
    #[command(subcommand)]
    Group(GroupCommand),
    /// Serve this device's groups to peers until Ctrl-C (or --for SECONDS)
    #[command(long_about = SERVE_ABOUT)]
    Serve(ServeArgs),
    /// Sync the group with its members' devices (every known peer, or those given)
    Sync(SyncArgs),
    /// This device, its groups, what the store holds and the peers it knows
    Status,
    /// Import contacts from a spreadsheet (CSV) or an address book (vCard)
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export contacts, conversations or follow-ups (CSV), contacts (vCard), follow-ups (iCalendar)
    #[command(subcommand)]
    Export(ExportCommand),
}

const IMPORT_CSV_ABOUT: &str = "\
Import contacts from a CSV file.

The columns are recognised for the exports of Action Network, NGP VAN / EveryAction, Action
Builder and Mobilize, and by common names (name, first name, phone, email, zip …) otherwise;
--map sets or corrects a column. A row with the same phone number (digits compared) or email
(case ignored) as a contact of the group, or as an earlier row, is merged: the contact gains the
phones, emails and tags it lacks; its name is never changed. A row whose values are not valid
(a phone number with letters …) is skipped, and the report says why.

Nothing is written with --dry-run: the report shows what would be created and merged, row by
row. Otherwise the contacts are stored in batches of 250, each contact whole; running the same
import again merges instead of duplicating.

FIELD is one of: name, first_name, middle_name, last_name, phone[:LABEL], email[:LABEL],
phone_type, email_type, street|street2|city|region|zip|country[:LABEL] (one address per label),
address[:LABEL], tags, notes, organizers, custom:KEY, do_not_contact, ignore.";

const EXPORT_CSV_ABOUT: &str = "\
Export contacts, conversations or follow-ups as CSV (UTF-8 with a byte-order mark, CRLF).

Cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) are written with a single quote in front, so opening the file never runs anything;
`groundwork import csv` takes the quote off again. The file holds personal data: keep it safe,
delete it when done.";

const EXPORT_ICAL_ABOUT: &str = "\
Export the open follow-ups as an iCalendar file for a calendar app.

Each dated follow-up becomes an event at its due time with an alarm 15 minutes before (many
calendar apps, Google Calendar among them, ignore to-dos); --todo writes to-dos instead (with
due date, status and priority; undated follow-ups included). Calendars are synced to servers and
shown on lock screens, so a reminder says only \"Groundwork follow-up\": no name, no title, no
note. --with-names adds the contact's name.";

#[derive(Subcommand, Debug)]
pub(crate) enum ImportCommand {
    /// Import contacts from a CSV file (Action Network, VAN/EveryAction, Action Builder,
    /// Mobilize exports, or any spreadsheet)
    #[command(long_about = IMPORT_CSV_ABOUT)]
    Csv(ImportCsvArgs),
    /// Import contacts from a vCard file (a phone's address book export; 2.1, 3.0 or 4.0)
    Vcard(ImportVcardArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ImportCsvArgs {
    /// The CSV file
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Read column COLUMN as FIELD (e.g. --map "Cell Phone=phone:mobile"); repeatable
    #[arg(long = "map", value_name = "COLUMN=FIELD", value_parser = parse_mapping)]
    pub(crate) map: Vec<ColumnMap>,
    /// Show what would be created and merged; write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ImportVcardArgs {
    /// The vCard file (.vcf), one card or many
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Show what would be created and merged; write nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// A `--map COLUMN=FIELD`.
#[derive(Debug, Clone)]
pub(crate) struct ColumnMap {
    pub(crate) column: String,
    pub(crate) field: Field,
}

/// What `export csv` writes.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportWhat {
    Contacts,
    Conversations,
    Followups,
}

/// A vCard version.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VcardVersionArg {
    /// vCard 3.0: what most phones read
    #[value(name = "3")]
    V3,
    /// vCard 4.0
    #[value(name = "4")]
    V4,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExportCommand {
    /// Contacts, conversations or follow-ups as CSV
    #[command(long_about = EXPORT_CSV_ABOUT)]
    Csv(ExportCsvArgs),
    /// Contacts as vCard, for a phone's address book
    Vcard(ExportVcardArgs),
    /// Open follow-ups as calendar reminders (iCalendar)
    #[command(long_about = EXPORT_ICAL_ABOUT)]
    Ical(ExportIcalArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ExportCsvArgs {
    /// What to export
    #[arg(value_enum, value_name = "WHAT")]
    pub(crate) what: ExportWhat,
    /// Write to this file (created readable by you only) [default: standard output]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct ExportVcardArgs {
    /// Write to this file (created readable by you only) [default: standard output]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// The vCard version
    #[arg(
        long = "vcard-version",
        value_enum,
        default_value = "3",
        value_name = "3|4"
    )]
    pub(crate) version: VcardVersionArg,
}

#[derive(Args, Debug)]
pub(crate) struct ExportIcalArgs {
    /// Write to-dos (VTODO) instead of events with alarms
    #[arg(long)]
    pub(crate) todo: bool,
    /// Put the contact's name in each reminder (by default reminders carry no contact content)
    #[arg(long)]
    pub(crate) with_names: bool,
    /// Write to this file (created readable by you only) [default: standard output]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

const SERVE_ABOUT: &str = "\
Serve this device's groups to peers until Ctrl-C (or --for SECONDS).

While it runs, members' devices can sync with this one (`groundwork sync` there). Peers reach
this device at the address it had in an invite ticket, or the one they saw in a previous sync:
keep a fixed port with --listen (e.g. --listen 0.0.0.0:7878) so that address stays valid.
Discovery on the local network (meeting mode, mDNS) does not exist yet.

Only one groundwork command can use the store at a time: stop `serve` before running others.";

const INVITE_ABOUT: &str = "\
Invite a device in person: shows a QR code and a ticket, waits until a device joins.

The other device runs `groundwork group join TICKET`. Both screens then show the same
fingerprint: compare them before trusting the new device. The command ends once the new device
has received the group's records. The invite works once, and only while this command runs.

With --json, two lines of JSON: {\"ticket\", \"expires_at\", \"group\"} at once, and a summary
once the device has joined. The invite expiring with nobody joining is an error (exit 1).";

/// Where this device listens on the network.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct NetArgs {
    /// Listen on this IP address and UDP port (e.g. 0.0.0.0:7878, to keep a fixed port)
    /// [default: every local interface, a free port]
    #[arg(long, value_name = "IP:PORT", conflicts_with = "loopback")]
    pub(crate) listen: Option<SocketAddr>,
    /// Listen on 127.0.0.1 only, a free port (for peers on this computer)
    #[arg(long)]
    pub(crate) loopback: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum GroupCommand {
    /// Create a new group on this device (it becomes its first admin)
    Create(GroupCreateArgs),
    /// Invite a device in person: shows a QR code and a ticket, waits until a device joins
    #[command(long_about = INVITE_ABOUT)]
    Invite(InviteArgs),
    /// Join a group with an invite ticket (creates the store first on a new computer)
    Join(JoinArgs),
    /// List the group's member devices, their roles and what they may see
    Members,
    /// Change what a member device may see (and its role)
    Grant(GrantArgs),
    /// Remove a device from the group: it gets nothing new from members who know
    Remove(RemoveArgs),
}

#[derive(Args, Debug)]
pub(crate) struct GroupCreateArgs {
    /// The group's name
    #[arg(value_name = "NAME")]
    pub(crate) name: String,
}

/// A member's role.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleArg {
    /// Reads and writes the records its grant covers
    Member,
    /// Also adds, changes and removes devices; sees everything
    Admin,
}

#[derive(Args, Debug)]
pub(crate) struct InviteArgs {
    /// How long the invite stays valid, in minutes (at most 10)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub(crate) minutes: u32,
    /// The role of the device that joins
    #[arg(long, value_enum, default_value_t = RoleArg::Member)]
    pub(crate) role: RoleArg,
    /// Let the device see this terrain unit and the units below it (id or name); repeatable
    /// [default: everything]
    #[arg(long = "unit", value_name = "UNIT")]
    pub(crate) units: Vec<String>,
    /// Let the device see this contact (id or name); repeatable [default: everything]
    #[arg(long = "contact", value_name = "CONTACT")]
    pub(crate) contacts: Vec<String>,
    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Args, Debug)]
pub(crate) struct JoinArgs {
    /// The ticket `groundwork group invite` shows (gwinvite1…), or - to read it from stdin
    #[arg(value_name = "TICKET")]
    pub(crate) ticket: String,
    /// This device's name, as the group's members will see it [default: the host name]
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,
    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Args, Debug)]
pub(crate) struct GrantArgs {
    /// The device: its id, the first characters of it (at least 4), or its name
    #[arg(value_name = "DEVICE")]
    pub(crate) device: String,
    /// It may see this terrain unit and the units below it (id or name); repeatable
    #[arg(long = "unit", value_name = "UNIT")]
    pub(crate) units: Vec<String>,
    /// It may see this contact (id or name); repeatable
    #[arg(long = "contact", value_name = "CONTACT")]
    pub(crate) contacts: Vec<String>,
    /// It may see every record
    #[arg(long, conflicts_with_all = ["units", "contacts"])]
    pub(crate) everything: bool,
    /// Also make it an admin or a plain member
    #[arg(long, value_enum)]
    pub(crate) role: Option<RoleArg>,
}

#[derive(Args, Debug)]
pub(crate) struct RemoveArgs {
    /// The device: its id, the first characters of it (at least 4), or its name
    #[arg(value_name = "DEVICE")]
    pub(crate) device: String,
}

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) net: NetArgs,
    /// Stop after this many seconds [default: run until Ctrl-C]
    #[arg(long = "for", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) for_secs: Option<u64>,
}

/// A peer typed as `DEVICE@IP:PORT[,IP:PORT…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeerArg {
    /// A device id, its start, or a member's name.
    pub(crate) device: String,
    pub(crate) addrs: Vec<SocketAddr>,
}

#[derive(Args, Debug)]
pub(crate) struct SyncArgs {
    /// Sync with this member device at this address (DEVICE is its id, the start of it, or its
    /// name); repeatable [default: every member device whose address is known]
    #[arg(long = "peer", value_name = "DEVICE@IP:PORT", value_parser = parse_peer)]
    pub(crate) peers: Vec<PeerArg>,
    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    /// The name of the first group
    #[arg(long, value_name = "NAME", default_value = "My group")]
    pub(crate) group_name: String,
}

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Size relative to the meeting-size group (1 = 2,000 contacts, 10,000 conversations)
    #[arg(long, value_name = "F", default_value_t = 1.0, value_parser = parse_scale)]
    pub(crate) scale: f64,
    /// Seed of the generator: the same seed and day give the same people [default: 2026]
    #[arg(long, value_name = "N")]
    pub(crate) seed: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ContactCommand {
    /// Add a contact; prints it, id first
    Add(ContactAddArgs),
    /// Show a contact with its conversations, assessments and any conflicts
    Show(ContactShowArgs),
    /// List contacts, filtered
    List(ContactListArgs),
    /// Change some of a contact's fields; prints the contact as merged
    Edit(ContactEditArgs),
}

/// A labelled entry typed as `LABEL:VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelledArg {
    pub(crate) label: String,
    pub(crate) value: String,
}

/// A custom field typed as `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyValue {
    pub(crate) key: String,
    pub(crate) value: String,
}

#[derive(Args, Debug)]
pub(crate) struct ContactAddArgs {
    /// Their name
    #[arg(long)]
    pub(crate) name: String,
    /// A phone number, kept as written (e.g. mobile:0612 345 678); repeatable
    #[arg(long = "phone", value_name = "LABEL:NUMBER", value_parser = parse_phone)]
    pub(crate) phones: Vec<LabelledArg>,
    /// An email address (e.g. work:ana@example.org); repeatable
    #[arg(long = "email", value_name = "LABEL:ADDR", value_parser = parse_email)]
    pub(crate) emails: Vec<LabelledArg>,
    /// A postal address (e.g. "home:12 Maple St, Apt 3"); repeatable
    #[arg(long = "address", value_name = "LABEL:TEXT", value_parser = parse_address)]
    pub(crate) addresses: Vec<LabelledArg>,
    /// A tag; repeatable
    #[arg(long = "tag", value_name = "T")]
    pub(crate) tags: Vec<String>,
    /// Where they are in the terrain: a unit's id or name
    #[arg(long, value_name = "UNIT-ID-OR-NAME")]
    pub(crate) unit: Option<String>,
    /// An organizer responsible for this relationship; repeatable
    #[arg(long = "organizer", value_name = "O")]
    pub(crate) organizers: Vec<String>,
    /// Shared notes
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: Option<String>,
    /// One of the group's own fields; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) custom: Vec<KeyValue>,
    /// Never contact this person
    #[arg(long)]
    pub(crate) do_not_contact: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ContactShowArgs {
    /// The contact's id (or the first characters of it), or the start of their name
    #[arg(value_name = "ID-OR-NAME")]
    pub(crate) contact: String,
}

#[derive(Args, Debug)]
pub(crate) struct ContactListArgs {
    /// Names starting with this (case-insensitive)
    #[arg(long, value_name = "P")]
    pub(crate) prefix: Option<String>,
    /// Contacts with this tag
    #[arg(long, value_name = "T")]
    pub(crate) tag: Option<String>,
    /// Contacts in this unit or the units below it (id or name)
    #[arg(long, value_name = "U")]
    pub(crate) unit: Option<String>,
    /// A label or number on the group's scale (comma-separated for several),
    /// `supporter-or-better` or `unassessed`
    #[arg(long, value_name = "A")]
    pub(crate) assessment: Option<String>,
    /// Contacts this organizer is responsible for
    #[arg(long, value_name = "O")]
    pub(crate) organizer: Option<String>,
    /// Show at most this many (at most 10000)
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) limit: u32,
}

#[derive(Args, Debug)]
pub(crate) struct ContactEditArgs {
    /// The contact's id (or the first characters of it), or the start of their name
    #[arg(value_name = "ID-OR-NAME")]
    pub(crate) contact: String,
    /// A new name
    #[arg(long, value_name = "N")]
    pub(crate) name: Option<String>,
    /// Add a tag; repeatable
    #[arg(long = "add-tag", value_name = "T")]
    pub(crate) add_tags: Vec<String>,
    /// Remove a tag; repeatable
    #[arg(long = "remove-tag", value_name = "T")]
    pub(crate) remove_tags: Vec<String>,
    /// Add a phone number; repeatable
    #[arg(long = "add-phone", value_name = "LABEL:NUMBER", value_parser = parse_phone)]
    pub(crate) add_phones: Vec<LabelledArg>,
    /// Remove a phone by its entry id (as `contact show` prints it) or its number; repeatable
    #[arg(long = "remove-phone", value_name = "ENTRY-ID")]
    pub(crate) remove_phones: Vec<String>,
    /// Add an email address; repeatable
    #[arg(long = "add-email", value_name = "LABEL:ADDR", value_parser = parse_email)]
    pub(crate) add_emails: Vec<LabelledArg>,
    /// Remove an email by its entry id or the address; repeatable
    #[arg(long = "remove-email", value_name = "ENTRY-ID")]
    pub(crate) remove_emails: Vec<String>,
    /// Add a postal address; repeatable
    #[arg(long = "add-address", value_name = "LABEL:TEXT", value_parser = parse_address)]
    pub(crate) add_addresses: Vec<LabelledArg>,
    /// Remove a postal address by its entry id; repeatable
    #[arg(long = "remove-address", value_name = "ENTRY-ID")]
    pub(crate) remove_addresses: Vec<String>,
    /// Move them to a unit (id or name), or `none`
    #[arg(long, value_name = "U|none")]
    pub(crate) unit: Option<String>,
    /// Add an organizer; repeatable
    #[arg(long = "add-organizer", value_name = "O")]
    pub(crate) add_organizers: Vec<String>,
    /// Remove an organizer; repeatable
    #[arg(long = "remove-organizer", value_name = "O")]
    pub(crate) remove_organizers: Vec<String>,
    /// Mark or unmark them as never to be contacted
    #[arg(long, value_name = "true|false", value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) do_not_contact: Option<bool>,
    /// Add a paragraph at the end of the shared notes
    #[arg(long, value_name = "TEXT")]
    pub(crate) append_note: Option<String>,
    /// Set one of the group's own fields; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) set: Vec<KeyValue>,
    /// Remove one of the group's own fields; repeatable
    #[arg(long = "unset", value_name = "KEY")]
    pub(crate) unset: Vec<String>,
}

/// Where a conversation took place.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelArg {
    Door,
    Phone,
    Workplace,
    Event,
}

impl From<ChannelArg> for Channel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Door => Channel::Door,
            ChannelArg::Phone => Channel::Phone,
            ChannelArg::Workplace => Channel::Workplace,
            ChannelArg::Event => Channel::Event,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct TalkArgs {
    /// The contact's id (or the first characters of it), or the start of their name
    #[arg(value_name = "CONTACT")]
    pub(crate) contact: String,
    /// Who held the conversation
    #[arg(long, env = "GROUNDWORK_ORGANIZER", value_name = "O")]
    pub(crate) organizer: Option<String>,
    /// Where it took place
    #[arg(long, value_enum, default_value = "door")]
    pub(crate) channel: ChannelArg,
    /// The place (break room, front door …)
    #[arg(long, value_name = "P")]
    pub(crate) place: Option<String>,
    /// When: RFC 3339, "YYYY-MM-DD HH:MM" (local time), YYYY-MM-DD (noon), today or yesterday
    /// [default: now]
    #[arg(long, value_name = "WHEN", value_parser = when::parse_at)]
    pub(crate) at: Option<Timestamp>,
    /// 1. Getting in the door: how the conversation opened
    #[arg(long, value_name = "T")]
    pub(crate) door: Option<String>,
    /// 2. Their story: what they care about, the issues they raised
    #[arg(long, value_name = "T")]
    pub(crate) story: Option<String>,
    /// 3. The vision proposed
    #[arg(long, value_name = "T")]
    pub(crate) vision: Option<String>,
    /// 4. Obstacles raised and how you addressed them
    #[arg(long, value_name = "T")]
    pub(crate) obstacles: Option<String>,
    /// 5. The ask you made
    #[arg(long, value_name = "T")]
    pub(crate) ask: Option<String>,
    /// 5. Their answer to the ask
    #[arg(long, value_name = "T")]
    pub(crate) answer: Option<String>,
    /// Your assessment: a label or number on the group's scale (e.g. leader, supporter,
    /// undecided, pass)
    #[arg(long, value_name = "LABEL")]
    pub(crate) assessment: Option<String>,
    /// Next steps agreed
    #[arg(long, value_name = "T")]
    pub(crate) next_steps: Option<String>,
    /// Also create a follow-up due then: a date (end of that day) or a time, as for --at
    #[arg(long, value_name = "DATE", value_parser = when::parse_due)]
    pub(crate) follow_up_due: Option<Timestamp>,
    /// Who does the follow-up [default: the organizer]
    #[arg(long, value_name = "A", requires = "follow_up_due")]
    pub(crate) follow_up_assignee: Option<String>,
    /// Never ask for missing steps, even in a terminal
    #[arg(long)]
    pub(crate) no_prompt: bool,
}

/// Which due follow-ups to list.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// Due before now
    Overdue,
    /// Due before the end of today, overdue included
    Today,
    /// Due in the next 7 days, overdue included
    Week,
    /// Every open follow-up, undated ones too
    All,
}

#[derive(Args, Debug)]
pub(crate) struct FollowupsArgs {
    /// Only those assigned to this person
    #[arg(long, value_name = "A")]
    pub(crate) assignee: Option<String>,
    /// Which ones
    #[arg(long, value_enum, default_value_t = When::Today)]
    pub(crate) when: When,
    /// Show at most this many (at most 10000)
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) limit: u32,
}

#[derive(Args, Debug)]
pub(crate) struct GroupsArgs {
    /// Create a group with this name (it becomes the first group only if there is none)
    #[arg(long, value_name = "NAME")]
    pub(crate) create: Option<String>,
}

fn parse_peer(s: &str) -> Result<PeerArg, String> {
    let (device, addrs) = s
        .split_once('@')
        .ok_or_else(|| "write DEVICE@IP:PORT (e.g. 3f2a…@192.168.1.20:7878)".to_owned())?;
    let device = device.trim();
    if device.is_empty() {
        return Err("the device is missing before @".into());
    }
    let addrs = addrs
        .split(',')
        .map(|a| {
            a.trim()
                .parse::<SocketAddr>()
                .map_err(|_| format!("`{}` is not an IP:PORT address", a.trim()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PeerArg {
        device: device.to_owned(),
        addrs,
    })
}

fn parse_scale(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if !f.is_finite() || f <= 0.0 || f > 100.0 {
        return Err("the scale must be above 0 and at most 100".into());
    }
    Ok(f)
}

fn parse_labelled(s: &str, default_label: &str) -> LabelledArg {
    match s.split_once(':') {
        Some((label, value)) if !label.trim().is_empty() => LabelledArg {
            label: label.trim().to_owned(),
            value: value.trim().to_owned(),
        },
        Some((_, value)) => LabelledArg {
            label: default_label.to_owned(),
            value: value.trim().to_owned(),
        },
        None => LabelledArg {
            label: default_label.to_owned(),
            value: s.trim().to_owned(),
        },
    }
}

fn non_empty(l: LabelledArg, what: &str) -> Result<LabelledArg, String> {
    if l.value.is_empty() {
        return Err(format!("the {what} is empty (write LABEL:VALUE)"));
    }
    Ok(l)
}

fn parse_phone(s: &str) -> Result<LabelledArg, String> {
    non_empty(parse_labelled(s, "mobile"), "number")
}

fn parse_email(s: &str) -> Result<LabelledArg, String> {
    non_empty(parse_labelled(s, "personal"), "address")
}

fn parse_address(s: &str) -> Result<LabelledArg, String> {
    non_empty(parse_labelled(s, "home"), "address")
}

fn parse_mapping(s: &str) -> Result<ColumnMap, String> {
    // The column may itself contain `=`; the field never does, so split at the last one.
    let (column, field) = s
        .rsplit_once('=')
        .filter(|(c, _)| !c.trim().is_empty())
        .ok_or_else(|| "write COLUMN=FIELD (e.g. \"Cell Phone=phone:mobile\")".to_owned())?;
    let field = Field::parse(field).map_err(|e| {
        format!("{e}; fields are name, first_name, last_name, phone[:LABEL], email[:LABEL], zip, city, tags, notes, custom:KEY, ignore … (see --help)")
    })?;
    Ok(ColumnMap {
        column: column.trim().to_owned(),
        field,
    })
}

fn parse_key_value(s: &str) -> Result<KeyValue, String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok(KeyValue {
            key: k.trim().to_owned(),
            value: v.trim().to_owned(),
        }),
        _ => Err("write KEY=VALUE".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn labelled_values_keep_their_text() {
        let p = parse_phone("home:0044 20 7946 0000").expect("parses");
        assert_eq!(p.label, "home");
        assert_eq!(p.value, "0044 20 7946 0000");
        let p = parse_phone("0612345678").expect("parses");
        assert_eq!(p.label, "mobile");
        assert!(parse_phone("work:").is_err());
        let a = parse_address("home:12 Maple St: rear").expect("parses");
        assert_eq!(a.value, "12 Maple St: rear");
        assert!(parse_key_value("=x").is_err());
        assert_eq!(
            parse_key_value("language=Spanish").expect("parses").value,
            "Spanish"
        );
        assert!(parse_scale("0").is_err());
        let p = parse_peer("abcd@127.0.0.1:7878,10.0.0.2:7878").expect("parses");
        assert_eq!(p.device, "abcd");
        assert_eq!(p.addrs.len(), 2);
        assert!(parse_peer("abcd").is_err());
        assert!(parse_peer("@127.0.0.1:1").is_err());
        assert!(parse_peer("abcd@nowhere").is_err());
        assert!(parse_scale("NaN").is_err());
        let m = parse_mapping("Cell Phone=phone:mobile").expect("parses");
        assert_eq!(m.column, "Cell Phone");
        assert_eq!(m.field.to_string(), "phone:mobile");
        assert_eq!(parse_mapping("a=b=zip").expect("parses").column, "a=b");
        assert!(parse_mapping("Shoe=size").is_err());
        assert!(parse_mapping("=name").is_err());
    }
}
