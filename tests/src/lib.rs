//! Helpers shared by the multi-replica, crash and erasure tests.

use groundwork_core::{Group, ImportOutcome};

/// How a simulated exchange between two replicas treats the changes it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Everything, in order.
    All,
    /// Every change whose position hashes to a dropped slot is lost.
    Drop(u8),
    /// Everything twice.
    Duplicate,
    /// Everything, newest first.
    Reverse,
}

/// Sends the membership log, every document's changes and every erasure from `from` to `to`, as
/// `delivery` says.
/// Errors other than "this record was erased" fail the caller's test.
pub fn exchange(from: &Group, to: &Group, delivery: Delivery) -> Result<(), String> {
    let keep = |i: usize, salt: u8| -> bool {
        match delivery {
            Delivery::Drop(seed) => {
                !(i as u64 * 31 + u64::from(seed) * 7 + u64::from(salt)).is_multiple_of(3)
            }
            _ => true,
        }
    };
    to.apply_membership_ops(&from.membership_ops().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    for (n, d) in from
        .document_versions()
        .map_err(|e| e.to_string())?
        .into_iter()
        .enumerate()
    {
        let mut changes = from
            .export_signed_changes(d.id)
            .map_err(|e| e.to_string())?;
        match delivery {
            Delivery::Drop(_) => {
                changes = changes
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| keep(*i, n as u8))
                    .map(|(_, c)| c)
                    .collect();
            }
            Delivery::Duplicate => {
                changes = changes.iter().chain(changes.iter()).cloned().collect()
            }
            Delivery::Reverse => changes.reverse(),
            Delivery::All => {}
        }
        match to.import_signed_changes(d.id, &changes) {
            Ok(
                ImportOutcome::Applied
                | ImportOutcome::AlreadyHad
                | ImportOutcome::MissingDependencies,
            ) => {}
            Err(groundwork_core::Error::Erased { .. }) => {}
            Err(e) => return Err(format!("import of {} failed: {e}", d.id)),
        }
    }
    for (i, t) in from
        .erasures()
        .map_err(|e| e.to_string())?
        .into_iter()
        .enumerate()
    {
        if keep(i, 200) {
            to.import_erasure(&t).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Starts `n` replicas of a new group: the first device creates it and admits the others as
/// admins, and each joins with the membership log.
pub fn replicas(n: usize, name: &str) -> Vec<(groundwork_core::Repo, Group)> {
    use groundwork_core::proto::membership::{Grant, Role};
    let repos: Vec<groundwork_core::Repo> = (0..n)
        .map(|_| groundwork_core::Repo::open_in_memory().expect("store"))
        .collect();
    let origin = repos[0].create_group(name).expect("group");
    for (i, r) in repos.iter().enumerate().skip(1) {
        origin
            .add_device(
                r.device(),
                &format!("device {i}"),
                Role::Admin,
                Grant::everything(),
            )
            .expect("admit");
    }
    let ops = origin.membership_ops().expect("ops");
    repos
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let g = if i == 0 {
                origin.clone()
            } else {
                r.join_group(&ops).expect("join")
            };
            (r, g)
        })
        .collect()
}

/// The crash writer's acknowledgements (`src/bin/crash_writer.rs` prints one line per write
/// after its commit returned), and the check that each survived.
pub mod acks {
    use groundwork_core::Group;
    use groundwork_core::ids::ContactId;

    /// What a writer acknowledged before it was killed.
    #[derive(Debug, Default)]
    pub struct Acks {
        /// New contacts, by number (named `Crash <n>`, each with one phone).
        pub contacts: Vec<(u64, ContactId)>,
        /// Tags `t<n>` added to the hot contact (whose document is compacted now and then).
        pub tags: Vec<u64>,
        /// The highest edit of the hot contact (each sets its email to `e<n>@…`).
        pub last_edit: Option<u64>,
    }

    impl Acks {
        /// Reads the writer's lines; an unknown line fails the test.
        pub fn parse(lines: &[String]) -> Acks {
            let mut acks = Acks::default();
            for line in lines {
                let parts: Vec<&str> = line.split_whitespace().collect();
                match parts.as_slice() {
                    ["contact", n, id] => acks.contacts.push((
                        n.parse().expect("contact number"),
                        ContactId::parse(id).expect("contact id"),
                    )),
                    ["tag", n] => {
                        let n = n.parse().expect("tag number");
                        acks.tags.push(n);
                        acks.last_edit = acks.last_edit.max(Some(n));
                    }
                    ["edit", n] => acks.last_edit = acks.last_edit.max(n.parse().ok()),
                    _ => panic!("unexpected line from the writer: {line:?}"),
                }
            }
            acks
        }

        /// Adds a later round's acknowledgements.
        pub fn extend(&mut self, later: Acks) {
            self.contacts.extend(later.contacts);
            self.tags.extend(later.tags);
            self.last_edit = self.last_edit.max(later.last_edit);
        }

        /// The next contact number no round has used.
        pub fn next_number(&self) -> u64 {
            self.contacts.iter().map(|(n, _)| n + 1).max().unwrap_or(0)
        }

        /// Whether the hot contact was edited often enough for its document to be compacted
        /// (the store compacts a document after 32 increments) at least once.
        pub fn went_through_compaction(&self) -> bool {
            self.tags.len() > 32
        }

        /// Whether a test that must run `rounds` rounds may stop after `done`: the writers,
        /// killed at random moments, write less on a loaded machine, so a test runs on (up to
        /// five times as many rounds) until the hot document went through compaction.
        pub fn enough_rounds(&self, done: usize, rounds: usize) -> bool {
            done >= rounds && (self.went_through_compaction() || done >= rounds * 5)
        }

        /// Fails the test unless the writers made progress over `rounds` rounds: a contact a
        /// round at least, and enough tags that the hot document went through compaction.
        pub fn assert_progress(&self, rounds: usize) {
            assert!(
                self.contacts.len() >= rounds,
                "the writer made progress ({} acks)",
                self.contacts.len()
            );
            assert!(
                self.went_through_compaction(),
                "the hot document went through compaction ({} tags)",
                self.tags.len()
            );
        }

        /// Fails the test, naming `round`, unless every acknowledged write is in `group`.
        pub fn assert_present(&self, group: &Group, hot: ContactId, round: usize) {
            for (n, id) in &self.contacts {
                let c = group.contact(*id).unwrap_or_else(|e| {
                    panic!("round {round}: acknowledged contact {n} ({id}) lost: {e}")
                });
                assert_eq!(c.name, format!("Crash {n}"), "round {round}");
                assert_eq!(c.phones.len(), 1, "round {round}: contact {n}'s phone");
            }
            let hot_contact = group.contact(hot).expect("the hot contact");
            for n in &self.tags {
                assert!(
                    hot_contact.tags.contains(&format!("t{n}")),
                    "round {round}: acknowledged tag t{n} lost"
                );
            }
            if let Some(n) = self.last_edit {
                let email = hot_contact.emails.first().map(|e| e.value.as_str());
                let at = email
                    .and_then(|e| e.strip_prefix('e'))
                    .and_then(|e| e.split('@').next())
                    .and_then(|e| e.parse::<u64>().ok());
                assert!(
                    at.is_some_and(|m| m >= n),
                    "round {round}: acknowledged edit {n} of the hot contact lost (email {email:?})"
                );
            }
        }
    }
}

/// Runs the crash writer (`src/bin/crash_writer.rs`) and kills it: the part the SIGKILL and the
/// power-loss tests share.
pub mod writer {
    use std::io::{BufRead, BufReader, Read};
    use std::os::unix::process::ExitStatusExt;
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::time::Duration;

    use groundwork_core::ids::{ContactId, GroupId};
    use groundwork_core::model::NewContact;
    use groundwork_core::{Repo, StoreKey};

    /// What the writer writes into: a store holding one group with its hot contact.
    pub struct Target {
        pub key: StoreKey,
        pub group: GroupId,
        pub hot: ContactId,
    }

    impl Target {
        /// Creates the store at `store` (a new random key), its group and the hot contact, and
        /// closes it again.
        pub fn create(store: &Path, group_name: &str) -> Target {
            let key = StoreKey::random();
            let repo = Repo::open(store, &key).expect("create the store");
            let group = repo.create_group(group_name).expect("group");
            let hot = group
                .create_contact(&NewContact::named("Hot contact"))
                .expect("hot contact")
                .id;
            Target {
                key,
                group: group.id(),
                hot,
            }
        }

        /// The writer's command line: `program` (the test's `CARGO_BIN_EXE_crash-writer`)
        /// writing into the store at `store`, numbering its new contacts from `first`.
        pub fn command(&self, program: &str, store: &Path, first: u64) -> Command {
            let mut cmd = Command::new(program);
            cmd.args([
                store.to_str().expect("utf-8 path"),
                &hex::encode(self.key.as_bytes()),
                &self.group.to_string(),
                &self.hot.to_string(),
                &first.to_string(),
            ]);
            cmd
        }
    }

    /// Starts `cmd`, sends it SIGKILL after `delay` and returns what it printed (one line per
    /// acknowledged write). Fails the test, naming `round` and quoting the writer's errors, if it
    /// ended on its own before the kill.
    pub fn kill_after(cmd: &mut Command, delay: Duration, round: usize) -> Vec<String> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let lines = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        let errors = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        std::thread::sleep(delay);
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        let lines = lines.join().expect("stdout reader");
        let errors = errors.join().expect("stderr reader");
        assert_eq!(
            status.signal(),
            Some(9),
            "round {round}: the writer ended before it was killed ({status}): {errors}"
        );
        lines
    }
}
