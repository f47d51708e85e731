//! The command line, as clap sees it. Doc comments here are the `--help` text.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// List the open follow-ups that are due: overdue, today, this week
    Followups(FollowupsArgs),
    /// Add a follow-up, snooze it, hand it to someone else, or mark it done
    #[command(subcommand)]
    Followup(FollowupCommand),
    /// Plans and their benchmarks, with progress counted from the records
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Turf: contacts handed to an organizer for canvassing (their devices get exactly those),
    /// door knocks, and the canvass's progress
    #[command(subcommand)]
    Turf(TurfCommand),
    /// The wall chart: each unit's people by assessment, committee members, organizers;
    /// `chart test` runs a structure test
    #[command(after_help = CHART_HELP)]
    Chart(ChartArgs),
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
    /// Export contacts, conversations or follow-ups (CSV), contacts (vCard), follow-ups
    /// (iCalendar), or the whole group (JSON lines, for leaving Groundwork)
    #[command(subcommand)]
    Export(ExportCommand),
    /// Who changed what in a record, and when (newest first)
    History(HistoryArgs),
    /// Undo one change of a record by a new change (see `groundwork history`)
    #[command(long_about = UNDO_ABOUT)]
    Undo(UndoArgs),
    /// Onboarding templates, starting a new member's onboarding, and everyone's progress
    #[command(subcommand)]
    Onboarding(OnboardingCommand),
    /// An encrypted backup of the whole store (every group, this device's key, all history),
    /// and restoring it on a new computer
    #[command(subcommand, long_about = BACKUP_ABOUT)]
    Backup(BackupCommand),
}

const BACKUP_ABOUT: &str = "\
An encrypted backup of the whole store, and restoring it.

A backup is the store as it is on disk: every group, this device's key, every record with its full
history, still encrypted with the store's passphrase (the Argon2id salt travels in the backup). It
is for a lost or broken laptop: restored on a new one, it is the same device to the group, and
syncing with the other members' devices duplicates nothing. Restore it in place of the lost
laptop, never beside a laptop still in use with the same store: two copies of one device
would both write as that device.

To leave Groundwork, or read the records with another program, use `groundwork export jsonl`.";

#[derive(Subcommand, Debug)]
pub(crate) enum BackupCommand {
    /// Write an encrypted backup of the whole store to FILE (the store may be in use)
    Create(BackupCreateArgs),
    /// Restore a backup as the store given by --store (refuses an existing store unless --force)
    Restore(BackupRestoreArgs),
}

#[derive(Args, Debug)]
pub(crate) struct BackupCreateArgs {
    /// The backup file to write
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Replace FILE if it exists
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Args, Debug)]
pub(crate) struct BackupRestoreArgs {
    /// The backup file
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Replace the store at --store if there is one (it must not be open)
    #[arg(long)]
    pub(crate) force: bool,
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
    /// Import a whole group from `groundwork export jsonl` into a new, empty group
    #[command(long_about = IMPORT_JSONL_ABOUT)]
    Jsonl(ImportJsonlArgs),
}

const IMPORT_JSONL_ABOUT: &str = "\
Import a portable export (`groundwork export jsonl`) into a new, empty group.

Make the group first (`groundwork init --group-name NAME` on a new store, or `groundwork group
create NAME`), then import into it: it takes the file's name, assessment scale, onboarding
templates, terrain, contacts with their conversations, plans and follow-ups, with their ids. The
whole file is checked before anything is written; a bad line is named with its number. Records
are stored in batches, each record whole.";

#[derive(Args, Debug)]
pub(crate) struct ImportJsonlArgs {
    /// The JSON lines file
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
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
    /// The whole group as JSON lines, unencrypted, for leaving Groundwork (needs --plaintext)
    #[command(long_about = EXPORT_JSONL_ABOUT)]
    Jsonl(ExportJsonlArgs),
}

const EXPORT_JSONL_ABOUT: &str = "\
Export the whole group as JSON lines (one record per line; the schema is docs/portable-export.md):
its settings, terrain, contacts with their conversations, plans and follow-ups.

This is for leaving Groundwork or reading the records with another program. The file is NOT
encrypted and names people, so it is written only with --plaintext. For a copy to keep, use
`groundwork backup create` instead: it stays encrypted and keeps the history.";

#[derive(Args, Debug)]
pub(crate) struct ExportJsonlArgs {
    /// Write to this file (created readable by you only) [default: standard output]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Yes, write the group's records unencrypted
    #[arg(long)]
    pub(crate) plaintext: bool,
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

With --meeting[=DURATION], member devices on the same network find each other without any
address: each announces, by mDNS, an id that changes every ten minutes and that only members of
its groups can recognise (never its device id or a group id), and this device syncs with each
member it finds. Meeting mode turns itself off after DURATION (default 60m, at most 4h); a fixed
--listen port would let others link announcements, so leave the port free for meetings.

Only one groundwork command can use the store at a time: stop `serve` before running others.";

const INVITE_ABOUT: &str = "\
Invite a device in person: shows a QR code and a ticket, waits until a device joins.

The other device runs `groundwork group join TICKET`. Both screens then show the same
fingerprint: compare them before trusting the new device. The command ends once the new device
has received the group's records. The invite works once, and only while this command runs.

With --json, two lines of JSON: {\"ticket\", \"expires_at\", \"group\"} at once, and a summary
once the device has joined. The invite expiring with nobody joining is an error (exit 1).";

const RELAY_ABOUT: &str = "\
Show or set the relay the group runs itself.

Devices on one network (a meeting's Wi-Fi) reach each other directly. Members in different
places reach each other through a relay: iroh's own relay server, run by the group on a machine
it controls (see the README's \"A relay the group runs\"). The relay passes end-to-end encrypted
packets between member devices; it sees which devices talk and when, never what they say.

Only an admin sets it. Members' devices learn it at their next sync, and new devices from their
invite ticket; each then also syncs through the relay when a member is not reachable directly.
With no relay set (the default) a device contacts nothing but member devices.";

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
    /// Show or set the relay the group runs itself, for members on different networks
    #[command(long_about = RELAY_ABOUT)]
    Relay(RelayArgs),
}

#[derive(Args, Debug)]
pub(crate) struct RelayArgs {
    /// The relay's URL (https://relay.example.org, or http://IP:PORT on a network the group
    /// controls) [default: show the group's relay]
    #[arg(value_name = "URL")]
    pub(crate) url: Option<String>,
    /// Stop using a relay: devices meet only directly again
    #[arg(long, conflicts_with = "url")]
    pub(crate) clear: bool,
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
    /// Meeting mode: for DURATION, announce this device on the local network under an id only
    /// members recognise, and sync with each member device found (90m, 2h, 30s; a bare number
    /// is minutes; at most 4h) [default: 60m]
    #[arg(
        long,
        value_name = "DURATION",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "60m",
        value_parser = parse_meeting
    )]
    pub(crate) meeting: Option<Duration>,
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
    /// Make the follow-up a recurring check-in every N days (e.g. 14 for a leader)
    #[arg(long, value_name = "DAYS", requires = "follow_up_due", value_parser = clap::value_parser!(u32).range(1..=366))]
    pub(crate) follow_up_every: Option<u32>,
    /// Never ask for missing steps, even in a terminal
    #[arg(long)]
    pub(crate) no_prompt: bool,
}

/// Which due follow-ups to list.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// Due before now
    Overdue,
    /// Overdue, then due before the end of today
    Today,
    /// Overdue, then due today or in the next six days
    Week,
    /// Every open follow-up, undated ones too
    All,
}

#[derive(Args, Debug)]
pub(crate) struct FollowupsArgs {
    /// Which ones (also as a word: `groundwork followups week`)
    #[arg(value_enum, value_name = "WHEN", conflicts_with = "when_flag")]
    pub(crate) when: Option<When>,
    /// Which ones
    #[arg(long = "when", id = "when_flag", value_enum, value_name = "WHEN")]
    pub(crate) when_flag: Option<When>,
    /// Only those assigned to this organizer (--organizer "" for everyone's)
    #[arg(
        long,
        visible_alias = "assignee",
        env = "GROUNDWORK_ORGANIZER",
        value_name = "O"
    )]
    pub(crate) organizer: Option<String>,
    /// Show at most this many (at most 10000)
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) limit: u32,
}

#[derive(Subcommand, Debug)]
pub(crate) enum FollowupCommand {
    /// Add a follow-up by hand (one from a conversation: `groundwork talk --follow-up-due`)
    Add(FollowupAddArgs),
    /// Move an open follow-up's due date
    Snooze(FollowupSnoozeArgs),
    /// Hand an open follow-up to another organizer
    Reassign(FollowupReassignArgs),
    /// Mark an open follow-up done, with what happened; a recurring check-in schedules the next
    Done(FollowupDoneArgs),
}

#[derive(Args, Debug)]
pub(crate) struct FollowupAddArgs {
    /// What to do ("Call Ana about the meeting")
    #[arg(value_name = "TITLE")]
    pub(crate) title: String,
    /// Who does it
    #[arg(
        long,
        visible_alias = "assignee",
        env = "GROUNDWORK_ORGANIZER",
        value_name = "O"
    )]
    pub(crate) organizer: Option<String>,
    /// Who it is about: a contact's id or name
    #[arg(long, value_name = "CONTACT")]
    pub(crate) contact: Option<String>,
    /// When it is due: a date (end of that day) or a time, as for `talk --at`
    #[arg(long, value_name = "DATE", value_parser = when::parse_due)]
    pub(crate) due: Option<Timestamp>,
    /// A recurring check-in every N days (e.g. 14 for a leader); done schedules the next
    #[arg(long, value_name = "DAYS", requires = "due", value_parser = clap::value_parser!(u32).range(1..=366))]
    pub(crate) every: Option<u32>,
    /// An onboarding task for a new member (the contact)
    #[arg(long)]
    pub(crate) onboarding: bool,
    /// For onboarding: the experienced member paired with the new one
    #[arg(long, value_name = "NAME", requires = "onboarding")]
    pub(crate) partner: Option<String>,
    /// A note
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct FollowupSnoozeArgs {
    /// The follow-up's id (the first characters are enough)
    #[arg(value_name = "ID")]
    pub(crate) id: String,
    /// The new due date: a date (end of that day), a time, tomorrow …
    #[arg(value_name = "UNTIL", value_parser = when::parse_due)]
    pub(crate) until: Timestamp,
}

#[derive(Args, Debug)]
pub(crate) struct FollowupReassignArgs {
    /// The follow-up's id (the first characters are enough)
    #[arg(value_name = "ID")]
    pub(crate) id: String,
    /// The organizer who takes it over
    #[arg(value_name = "ORGANIZER")]
    pub(crate) to: String,
}

#[derive(Args, Debug)]
pub(crate) struct FollowupDoneArgs {
    /// The follow-up's id (the first characters are enough)
    #[arg(value_name = "ID")]
    pub(crate) id: String,
    /// What happened, added to its note
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PlanCommand {
    /// Start a plan (a campaign or project)
    Add(PlanAddArgs),
    /// The plans, with how many benchmarks each has met
    List,
    /// A plan: goals, strategy, tactics, benchmarks with progress, reflections
    Show(PlanShowArgs),
    /// Add a tactic with who carries it out and when
    Tactic(PlanTacticArgs),
    /// After an action: what worked, what didn't, what next, and what to celebrate
    Reflect(PlanReflectArgs),
    /// Benchmarks: targets counted from the records
    #[command(subcommand)]
    Benchmark(BenchmarkCommand),
}

#[derive(Args, Debug)]
pub(crate) struct PlanAddArgs {
    /// The plan's title
    #[arg(value_name = "TITLE")]
    pub(crate) title: String,
    /// A terrain unit the plan is about (id or name); repeatable
    #[arg(long = "unit", value_name = "U")]
    pub(crate) units: Vec<String>,
    /// The strategy, in a few sentences
    #[arg(long, value_name = "TEXT")]
    pub(crate) strategy: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct PlanShowArgs {
    /// The plan: its title (or part of it) or id
    #[arg(value_name = "PLAN")]
    pub(crate) plan: String,
}

#[derive(Args, Debug)]
pub(crate) struct PlanTacticArgs {
    /// The plan: its title (or part of it) or id
    #[arg(value_name = "PLAN")]
    pub(crate) plan: String,
    /// The tactic ("Deliver the petition to the manager")
    #[arg(value_name = "TACTIC")]
    pub(crate) description: String,
    /// Who carries it out
    #[arg(long, value_name = "O")]
    pub(crate) owner: Option<String>,
    /// When
    #[arg(long, value_name = "DATE", value_parser = when::parse_at)]
    pub(crate) date: Option<Timestamp>,
    /// Mark an existing tactic (by the start of its id or description) done instead
    #[arg(long, conflicts_with_all = ["owner", "date"])]
    pub(crate) done: bool,
}

#[derive(Args, Debug)]
pub(crate) struct PlanReflectArgs {
    /// The plan: its title (or part of it) or id
    #[arg(value_name = "PLAN")]
    pub(crate) plan: String,
    /// The action reflected on; a tactic of the plan (the start of its description or id)
    /// links the reflection to it
    #[arg(long, value_name = "ACTION")]
    pub(crate) action: String,
    /// What worked
    #[arg(long, value_name = "TEXT")]
    pub(crate) worked: Option<String>,
    /// What didn't
    #[arg(long, value_name = "TEXT")]
    pub(crate) didnt: Option<String>,
    /// What next
    #[arg(long, value_name = "TEXT")]
    pub(crate) next: Option<String>,
    /// What the group celebrates
    #[arg(long, value_name = "TEXT")]
    pub(crate) celebrate: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum BenchmarkCommand {
    /// Add a benchmark: a target over a count of contacts, conversations or follow-ups
    #[command(after_help = BENCHMARK_HELP)]
    Add(BenchmarkAddArgs),
    /// Every benchmark (or one plan's) with its progress
    List(BenchmarkListArgs),
}

const BENCHMARK_HELP: &str = "\
Examples:
  groundwork plan benchmark add Overtime --description \"20 one-on-ones in Dept. B since Feb 1\" \\
      --target 20 --count conversations --unit \"Dept. B\" --since 2026-02-01
  groundwork plan benchmark add Overtime --description \"40 supporters in Building 3\" \\
      --target 40 --count contacts --unit \"Building 3\" --assessment supporter-or-better
  groundwork plan benchmark add Overtime --description \"5 new members take a task\" \\
      --target 5 --count contacts --tag new-member --follow-up-kind onboarding --done";

/// What a benchmark counts.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CountArg {
    Contacts,
    Conversations,
    Followups,
}

/// A follow-up's kind.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FollowUpKindArg {
    FollowUp,
    Onboarding,
}

#[derive(Args, Debug)]
pub(crate) struct BenchmarkAddArgs {
    /// The plan: its title (or the start of it) or id
    #[arg(value_name = "PLAN")]
    pub(crate) plan: String,
    /// How the group says it
    #[arg(long, value_name = "TEXT")]
    pub(crate) description: String,
    /// The number to reach
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) target: u64,
    /// By when: a date or time
    #[arg(long, value_name = "DATE", value_parser = when::parse_due)]
    pub(crate) deadline: Option<Timestamp>,
    /// What is counted
    #[arg(long, value_enum, value_name = "WHAT")]
    pub(crate) count: CountArg,
    /// Only in this unit and the units below it (id or name)
    #[arg(long, value_name = "U")]
    pub(crate) unit: Option<String>,
    /// Assessed at least this (a label or number on the scale, or supporter-or-better)
    #[arg(long, value_name = "A")]
    pub(crate) assessment: Option<String>,
    /// Only since this date: conversations held, contacts talked to, follow-ups made (or done,
    /// with --done)
    #[arg(long, value_name = "DATE", value_parser = when::parse_at)]
    pub(crate) since: Option<Timestamp>,
    /// Only contacts with this tag
    #[arg(long, value_name = "T")]
    pub(crate) tag: Option<String>,
    /// Only this organizer's (their contacts, conversations held, follow-ups assigned)
    #[arg(long, value_name = "O")]
    pub(crate) organizer: Option<String>,
    /// Follow-ups (or contacts with a follow-up) of this kind
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) follow_up_kind: Option<FollowUpKindArg>,
    /// Only done follow-ups
    #[arg(long, conflicts_with = "open")]
    pub(crate) done: bool,
    /// Only open follow-ups
    #[arg(long)]
    pub(crate) open: bool,
}

#[derive(Args, Debug)]
pub(crate) struct BenchmarkListArgs {
    /// Only this plan's (its title, the start of it, or its id)
    #[arg(value_name = "PLAN")]
    pub(crate) plan: Option<String>,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct ChartArgs {
    #[command(subcommand)]
    pub(crate) command: Option<ChartCommand>,
    #[command(flatten)]
    pub(crate) show: ChartShowArgs,
}

#[derive(Args, Debug)]
pub(crate) struct ChartShowArgs {
    /// Only this unit and the units below it (id or name)
    #[arg(long, value_name = "U")]
    pub(crate) unit: Option<String>,
    /// The tag that marks committee members
    #[arg(long, value_name = "T", default_value = "committee")]
    pub(crate) committee_tag: String,
    /// Also write the chart as one self-contained HTML page (opens offline in any browser)
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Also write the chart as a PNG image for a projector (1920 pixels wide)
    #[arg(long, value_name = "FILE")]
    pub(crate) png: Option<PathBuf>,
    /// The supporter-or-better share the page and the image mark on every unit's bar
    #[arg(long, value_name = "PERCENT", default_value = "65%", value_parser = parse_percent)]
    pub(crate) threshold: u8,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ChartCommand {
    /// A structure test: does every unit reach the threshold? Lists who is missing
    #[command(after_help = STRUCTURE_HELP)]
    Test(ChartTestArgs),
}

const CHART_HELP: &str = "\
Examples:
  groundwork chart --unit \"Maple Court Apartments\"
  groundwork chart --png chart.png --html chart.html   # for the meeting's projector

The page and the image show a bar per unit, people by assessment strongest first, with a mark
at --threshold (65% supporter or better unless given).";

const STRUCTURE_HELP: &str = "\
Examples:
  groundwork chart test --min-supporters 65%              # each top unit, before an escalation
  groundwork chart test --min-committee 10% --level department
  groundwork chart test --min-assessment leader:5% --unit \"Dept. B\"
  groundwork chart test --min-supporters 65% --png test.png --html test.html

The PNG has counts only and may be projected; the HTML page also names who is missing in each
failing unit, so it stays on this laptop.";

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("threshold").required(true)))]
pub(crate) struct ChartTestArgs {
    /// Supporters or better must be at least this share of each unit (e.g. 65%)
    #[arg(long, value_name = "PERCENT", group = "threshold", value_parser = parse_percent)]
    pub(crate) min_supporters: Option<u8>,
    /// Committee members must be at least this share of each unit (e.g. 10%)
    #[arg(long, value_name = "PERCENT", group = "threshold", value_parser = parse_percent)]
    pub(crate) min_committee: Option<u8>,
    /// People assessed at least LEVEL must be this share (e.g. leader:5%)
    #[arg(long, value_name = "LEVEL:PERCENT", group = "threshold")]
    pub(crate) min_assessment: Option<String>,
    /// Test the units at this level (department, floor …) [default: the top units, or those
    /// directly under --unit]
    #[arg(long, value_name = "LEVEL")]
    pub(crate) level: Option<String>,
    /// Only units within this one (id or name)
    #[arg(long, value_name = "U")]
    pub(crate) unit: Option<String>,
    /// The tag that marks committee members
    #[arg(long, value_name = "T", default_value = "committee")]
    pub(crate) committee_tag: String,
    /// List at most this many missing people per unit
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub(crate) show: usize,
    /// Also write the result as an HTML page that names who is missing: it names people, so
    /// keep it on this laptop and project the PNG instead
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Also write the result as a PNG image for a projector: pass or fail and how many are
    /// missing per unit, no names
    #[arg(long, value_name = "FILE")]
    pub(crate) png: Option<PathBuf>,
}

/// A share typed as `65%`, `65` or `0.65`.
pub(crate) fn parse_percent(s: &str) -> Result<u8, String> {
    let t = s.trim().trim_end_matches('%').trim();
    let v: f64 = t
        .parse()
        .map_err(|_| format!("`{s}` is not a percentage (write e.g. 65%)"))?;
    let v = if !s.contains('%') && v > 0.0 && v < 1.0 {
        v * 100.0
    } else {
        v
    };
    if !(1.0..=100.0).contains(&v) {
        return Err("a percentage between 1% and 100%".into());
    }
    Ok(v.round() as u8)
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

/// A meeting-mode duration: `30s`, `90m`, `2h`, or a bare number of minutes; 1 s to 4 h.
fn parse_meeting(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], s[i..].trim()),
        None => (s, "m"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration: write 30s, 90m or 2h"))?;
    let secs = match unit {
        "s" => n,
        "m" | "min" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{s}` is not a duration: write 30s, 90m or 2h")),
    };
    let max = groundwork_core::node::MAX_MEETING;
    if secs == 0 || secs > max.as_secs() {
        return Err(format!(
            "meeting mode runs from 1 second to {} hours",
            max.as_secs() / 3600
        ));
    }
    Ok(Duration::from_secs(secs))
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
        assert_eq!(parse_percent("65%"), Ok(65));
        assert_eq!(parse_percent("10"), Ok(10));
        assert_eq!(parse_percent("0.9"), Ok(90));
        assert!(parse_percent("0%").is_err());
        assert!(parse_percent("150%").is_err());
    }

    #[test]
    fn meeting_durations() {
        assert_eq!(parse_meeting("90"), Ok(Duration::from_secs(90 * 60)));
        assert_eq!(parse_meeting("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_meeting("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_meeting("4h"), Ok(Duration::from_secs(4 * 3600)));
        for bad in ["0", "5h", "241m", "ten", "10d", "", "-1s"] {
            assert!(parse_meeting(bad).is_err(), "{bad}");
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum TurfCommand {
    /// Cut a turf from a unit, a tag or a query and hand it to an organizer's devices (an
    /// admin's act: each device's grant gains the turf's contacts)
    #[command(long_about = TURF_CUT_ABOUT)]
    Cut(TurfCutArgs),
    /// Every turf with its canvass counts
    List(TurfListArgs),
    /// A turf's walk list: its contacts door to door (by unit, then address), each with where
    /// it stands
    Show(TurfShowArgs),
    /// Record a door knock: not-home, refused or contacted (a conversation: `groundwork talk`)
    Knock(TurfKnockArgs),
    /// Take a turf back (an admin's act): its contacts leave the organizer's devices at their
    /// next sync
    Return(TurfReturnArgs),
}

const TURF_CUT_ABOUT: &str = "\
Cut a turf and hand it to an organizer's devices.

The turf holds the contacts the filters select now (people who arrive later are not added;
people marked do-not-contact are left out), at most 1000: a device's grant holds no more. Each
device named gains those contacts in its grant, so a phone that holds nothing else carries
exactly its turf. `groundwork turf return` takes it back: contacts the device did not hold
before, and that no other turf of its holds, leave it at its next sync.";

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("selection").required(true).multiple(true)
    .args(["unit", "tag", "assessment", "since", "contacts_of"])))]
pub(crate) struct TurfCutArgs {
    /// What organizers call it: "Building 3, floors 1-4"
    #[arg(value_name = "NAME")]
    pub(crate) name: String,
    /// Who canvasses it
    #[arg(long, value_name = "O")]
    pub(crate) organizer: String,
    /// The organizer's device (id, start of it, or name); repeatable
    #[arg(long = "device", value_name = "DEVICE", required = true)]
    pub(crate) devices: Vec<String>,
    /// Contacts in this unit and the units below it (id or name)
    #[arg(long, value_name = "U")]
    pub(crate) unit: Option<String>,
    /// Contacts with this tag
    #[arg(long, value_name = "T")]
    pub(crate) tag: Option<String>,
    /// Contacts assessed at least this (a label or number on the scale, or supporter-or-better)
    #[arg(long, value_name = "A")]
    pub(crate) assessment: Option<String>,
    /// Contacts talked to since this date
    #[arg(long, value_name = "DATE", value_parser = when::parse_at)]
    pub(crate) since: Option<Timestamp>,
    /// Contacts this organizer is responsible for
    #[arg(long, value_name = "O")]
    pub(crate) contacts_of: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct TurfListArgs {
    /// Only this organizer's turfs
    #[arg(long, value_name = "O")]
    pub(crate) organizer: Option<String>,
    /// Only turfs still out (not returned)
    #[arg(long)]
    pub(crate) out: bool,
}

#[derive(Args, Debug)]
pub(crate) struct TurfShowArgs {
    /// The turf: its name (or the start of it) or id
    #[arg(value_name = "TURF")]
    pub(crate) turf: String,
}

/// What happened at the door.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KnockArg {
    /// Nobody opened
    NotHome,
    /// They would not talk
    Refused,
    /// They opened and talked briefly
    Contacted,
}

#[derive(Args, Debug)]
pub(crate) struct TurfKnockArgs {
    /// The contact: a name (or the start of it), an id, a phone number or an email
    #[arg(value_name = "CONTACT")]
    pub(crate) contact: String,
    /// What happened
    #[arg(value_enum, value_name = "OUTCOME")]
    pub(crate) outcome: KnockArg,
    /// A word about it ("come back after 6")
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub(crate) note: String,
    /// Who knocked
    #[arg(long, env = "GROUNDWORK_ORGANIZER", value_name = "O")]
    pub(crate) organizer: String,
    /// When [default: now]
    #[arg(long, value_name = "TIME", value_parser = when::parse_at)]
    pub(crate) at: Option<Timestamp>,
}

#[derive(Args, Debug)]
pub(crate) struct TurfReturnArgs {
    /// The turf: its name (or the start of it) or id
    #[arg(value_name = "TURF")]
    pub(crate) turf: String,
}

// --- history, undo and onboarding ------------------------------------------------------------

const RECORD_HELP: &str = "The record: a contact (id or name), a follow-up (id, the first \
characters are enough) or a plan (id or title); `contact:`, `followup:` or `plan:` in front \
says which";

const UNDO_ABOUT: &str = "\
Undo one change of a record by a new change.

The fields that change touched get back what they held before it; later edits of other fields
stay. If a later change touched one of the same fields, nothing is written and the command says
which changes did: undo anyway with --force (the later value then stays beside the restored one
as a conflict to settle with `contact show`). The undo is an ordinary edit: it syncs like any
other. A conversation stays in the log: undoing a correction records a further correction that
brings back the earlier words.";

#[derive(Args, Debug)]
pub(crate) struct HistoryArgs {
    #[arg(value_name = "RECORD", help = RECORD_HELP)]
    pub(crate) record: String,
    /// Show at most this many changes (at most 500)
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub(crate) limit: u32,
    /// Skip this many of the newest changes (for the next page)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) offset: u32,
}

#[derive(Args, Debug)]
pub(crate) struct UndoArgs {
    #[arg(value_name = "RECORD", help = RECORD_HELP)]
    pub(crate) record: String,
    /// The change to undo: its hash as `groundwork history` shows it (8 or more characters)
    #[arg(value_name = "CHANGE")]
    pub(crate) change: String,
    /// Undo it even though later changes touched the same fields
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum OnboardingCommand {
    /// The group's onboarding templates and their tasks
    Templates,
    /// Add or remove a template
    #[command(subcommand)]
    Template(OnboardingTemplateCommand),
    /// Start a new member's onboarding: one task per step of a template, with a partner
    Start(OnboardingStartArgs),
    /// How each new member is getting on: partner, tasks done, the next task
    Progress(OnboardingProgressArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum OnboardingTemplateCommand {
    /// Add a template: a checklist of small, discrete tasks (an admin's act)
    Add(OnboardingTemplateAddArgs),
}

#[derive(Args, Debug)]
pub(crate) struct OnboardingTemplateAddArgs {
    /// The template's name ("New tenant member")
    #[arg(value_name = "NAME")]
    pub(crate) name: String,
    /// A task, in order; repeatable ("Come to a building meeting")
    #[arg(long = "task", value_name = "TASK", required = true)]
    pub(crate) tasks: Vec<String>,
}

/// Who takes an onboarding's tasks.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TasksFor {
    /// The new member takes them; the partner helps
    Member,
    /// The partner takes them, with the new member
    Partner,
}

#[derive(Args, Debug)]
pub(crate) struct OnboardingStartArgs {
    /// The new member: a contact's id or name
    #[arg(value_name = "CONTACT")]
    pub(crate) contact: String,
    /// The template, by name
    #[arg(long, value_name = "NAME")]
    pub(crate) template: String,
    /// The experienced member paired with the new one
    #[arg(long, value_name = "ORGANIZER")]
    pub(crate) partner: String,
    /// Who takes the tasks
    #[arg(long, value_enum, default_value = "member", value_name = "WHO")]
    pub(crate) tasks_for: TasksFor,
    /// When the first task is due: a date (end of that day) or a time
    #[arg(long, value_name = "DATE", value_parser = when::parse_due)]
    pub(crate) due: Option<Timestamp>,
    /// Days between one task's due date and the next's
    #[arg(long, value_name = "DAYS", requires = "due", value_parser = clap::value_parser!(u32).range(1..=366))]
    pub(crate) every: Option<u32>,
}

#[derive(Args, Debug)]
pub(crate) struct OnboardingProgressArgs {
    /// Only this new member: a contact's id or name
    #[arg(value_name = "CONTACT")]
    pub(crate) contact: Option<String>,
}
