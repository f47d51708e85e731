//! Child process of the crash test: writes records into a store and prints one line per
//! acknowledged write (after the call returned, i.e. after the commit), until it is killed.
//!
//! Usage: crash-writer STORE KEY-HEX GROUP-ID HOT-CONTACT-ID START
//! Lines: `contact <n> <id>` for a new contact; then `tag <n>` for an edit of the hot contact
//! that added tag `t<n>` and set its one email to `e<n>@example.org` (its document is compacted
//! every few dozen edits, so kills also land mid-compaction). Once the hot contact has
//! [`TAGS_MAX`] tags, the edit only sets the email and the line is `edit <n>`: the store caps a
//! contact's lists, and a writer that hit the cap would die on its own, not by the test's kill.

use std::io::Write;

use groundwork_core::ids::{ContactId, GroupId};
use groundwork_core::model::{ContactEdit, ContactList, NewContact, Update};
use groundwork_core::{Repo, StoreKey};

/// Tags the hot contact gets, under the store's limit on a contact's tags (500).
const TAGS_MAX: usize = 400;

fn main() {
    if let Err(e) = run() {
        eprintln!("crash-writer: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, key, group, hot, start] = args.as_slice() else {
        return Err("usage: crash-writer STORE KEY-HEX GROUP-ID HOT-CONTACT-ID START".into());
    };
    let key = StoreKey::from_bytes(&hex::decode(key)?)?;
    let repo = Repo::open(path, &key)?;
    let group = repo.group(GroupId::parse(group)?)?;
    let hot = ContactId::parse(hot)?;
    let start: u64 = start.parse()?;
    let before = group.contact(hot)?;
    let mut tags = before.tags.len();
    let mut email = before.emails.first().map(|e| e.id);
    let stdout = std::io::stdout();
    for n in start.. {
        let mut new = NewContact::named(format!("Crash {n}"));
        new.phones.push(("mobile".into(), format!("555 {n:06}")));
        let contact = group.create_contact(&new)?;
        writeln!(stdout.lock(), "contact {n} {}", contact.id)?;
        let value = format!("e{n}@example.org");
        let mut edits = vec![match &email {
            Some(id) => ContactEdit::EditEntry {
                list: ContactList::Emails,
                id: *id,
                label: "x".into(),
                value,
            },
            None => ContactEdit::AddEntry {
                list: ContactList::Emails,
                label: "x".into(),
                value,
            },
        }];
        let tagged = tags < TAGS_MAX;
        if tagged {
            edits.push(ContactEdit::AddTag(format!("t{n}")));
        }
        let updated = group.update_contact(hot, &Update::new(edits))?;
        if email.is_none() {
            email = updated.emails.first().map(|e| e.id);
        }
        if tagged {
            tags += 1;
            writeln!(stdout.lock(), "tag {n}")?;
        } else {
            writeln!(stdout.lock(), "edit {n}")?;
        }
    }
    Ok(())
}
