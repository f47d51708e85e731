//! One module per command; each returns a [`Report`] that `main` prints.

mod backup;
mod chart;
mod contact;
mod demo;
mod followup;
mod followups;
mod group;
mod groups;
pub(crate) mod history;
mod init;
mod interchange;
mod invite;
mod net;
mod onboarding;
mod plan;
mod serve;
mod status;
mod sync;
mod talk;
mod turf;
mod view;

use std::path::PathBuf;

use groundwork_core::{Group, Repo};

use crate::args::{
    BackupCommand, BenchmarkCommand, ChartCommand, Cli, Command, ContactCommand, ExportCommand,
    FollowupCommand, GroupCommand, ImportCommand, PlanCommand, TurfCommand,
};
use crate::error::{CliError, Result};
use crate::output::Report;
use crate::{resolve, store_open};

/// What every command needs: where the store is and which group was asked for.
pub(crate) struct Ctx {
    pub(crate) store: PathBuf,
    pub(crate) group: Option<String>,
    /// `--json`: machine-readable output, so no progress bars.
    pub(crate) json: bool,
}

impl Ctx {
    /// Opens the existing store (asking for the passphrase if needed).
    pub(crate) fn repo(&self) -> Result<Repo> {
        store_open::open(&self.store)
    }

    /// Opens the store and picks the group.
    pub(crate) fn group(&self) -> Result<(Group, String)> {
        let repo = self.repo()?;
        resolve::group(&repo, self.group.as_deref())
    }
}

/// Runs the command the user typed.
pub(crate) fn run(cli: Cli) -> Result<Report> {
    let store = match cli.store {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => default_store_path()?,
    };
    let json = cli.json;
    let ctx = Ctx {
        store,
        group: cli.group,
        json,
    };
    match cli.command {
        Command::Init(a) => init::run(&ctx, &a),
        Command::Demo(a) => demo::run(&ctx, &a),
        Command::Contact(ContactCommand::Add(a)) => contact::add(&ctx, &a),
        Command::Contact(ContactCommand::Show(a)) => contact::show(&ctx, &a),
        Command::Contact(ContactCommand::List(a)) => contact::list(&ctx, &a),
        Command::Contact(ContactCommand::Edit(a)) => contact::edit(&ctx, &a),
        Command::Talk(a) => talk::run(&ctx, &a),
        Command::Followups(a) => followups::run(&ctx, &a),
        Command::Followup(FollowupCommand::Add(a)) => followup::add(&ctx, &a),
        Command::Followup(FollowupCommand::Snooze(a)) => followup::snooze(&ctx, &a),
        Command::Followup(FollowupCommand::Reassign(a)) => followup::reassign(&ctx, &a),
        Command::Followup(FollowupCommand::Done(a)) => followup::done(&ctx, &a),
        Command::Plan(PlanCommand::Add(a)) => plan::add(&ctx, &a),
        Command::Plan(PlanCommand::List) => plan::list(&ctx),
        Command::Plan(PlanCommand::Show(a)) => plan::show(&ctx, &a),
        Command::Plan(PlanCommand::Tactic(a)) => plan::tactic(&ctx, &a),
        Command::Plan(PlanCommand::Reflect(a)) => plan::reflect(&ctx, &a),
        Command::Plan(PlanCommand::Benchmark(BenchmarkCommand::Add(a))) => {
            plan::benchmark_add(&ctx, &a)
        }
        Command::Plan(PlanCommand::Benchmark(BenchmarkCommand::List(a))) => {
            plan::benchmark_list(&ctx, &a)
        }
        Command::Turf(TurfCommand::Cut(a)) => turf::cut(&ctx, &a),
        Command::Turf(TurfCommand::List(a)) => turf::list(&ctx, &a),
        Command::Turf(TurfCommand::Show(a)) => turf::show(&ctx, &a),
        Command::Turf(TurfCommand::Knock(a)) => turf::knock(&ctx, &a),
        Command::Turf(TurfCommand::Return(a)) => turf::take_back(&ctx, &a),
        Command::Chart(a) => match &a.command {
            Some(ChartCommand::Test(t)) => chart::test(&ctx, t),
            None => chart::show(&ctx, &a.show),
        },
        Command::Groups(a) => groups::run(&ctx, &a),
        Command::Group(GroupCommand::Create(a)) => group::create(&ctx, &a),
        Command::Group(GroupCommand::Invite(a)) => invite::invite(&ctx, &a, json),
        Command::Group(GroupCommand::Join(a)) => invite::join(&ctx, &a),
        Command::Group(GroupCommand::Members) => group::members(&ctx),
        Command::Group(GroupCommand::Grant(a)) => group::grant(&ctx, &a),
        Command::Group(GroupCommand::Remove(a)) => group::remove(&ctx, &a),
        Command::Group(GroupCommand::Relay(a)) => group::relay(&ctx, &a),
        Command::Serve(a) => serve::run(&ctx, &a, json),
        Command::Sync(a) => sync::run(&ctx, &a),
        Command::Status => status::run(&ctx),
        Command::Import(ImportCommand::Csv(a)) => interchange::import_csv(&ctx, &a),
        Command::Import(ImportCommand::Vcard(a)) => interchange::import_vcard(&ctx, &a),
        Command::Import(ImportCommand::Jsonl(a)) => interchange::import_jsonl(&ctx, &a),
        Command::Export(ExportCommand::Csv(a)) => interchange::export_csv(&ctx, &a),
        Command::Export(ExportCommand::Vcard(a)) => interchange::export_vcard(&ctx, &a),
        Command::Export(ExportCommand::Ical(a)) => interchange::export_ical(&ctx, &a),
        Command::Export(ExportCommand::Jsonl(a)) => interchange::export_jsonl(&ctx, &a),
        Command::Backup(BackupCommand::Create(a)) => backup::create(&ctx, &a),
        Command::Backup(BackupCommand::Restore(a)) => backup::restore(&ctx, &a),
        Command::History(a) => history::show(&ctx, &a),
        Command::Undo(a) => history::undo(&ctx, &a),
        Command::Onboarding(c) => onboarding::run(&ctx, &c),
    }
}

/// `${XDG_DATA_HOME:-$HOME/.local/share}/groundwork/store.db`.
fn default_store_path() -> Result<PathBuf> {
    let xdg = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = match xdg {
        Some(p) => p,
        None => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".local").join("share"))
            .ok_or_else(|| {
                CliError::user("cannot tell where the store is: HOME is not set")
                    .hint("give the store's path with --store or GROUNDWORK_STORE")
            })?,
    };
    Ok(base.join("groundwork").join("store.db"))
}
