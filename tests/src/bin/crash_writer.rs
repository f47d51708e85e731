//! Child process of the crash test: writes records into a store and prints one line per
//! acknowledged write (after the call returned, i.e. after the commit), until it is killed.
//!
//! Usage: crash-writer STORE KEY-HEX GROUP-ID HOT-CONTACT-ID START
//! Lines: `contact <n> <id>` for a new contact, `tag <n>` for a tag added to the hot contact
//! (whose document is compacted every few dozen edits, so kills also land mid-compaction).

use std::io::Write;

use groundwork_core::ids::{ContactId, GroupId};
use groundwork_core::model::{ContactEdit, ContactList, NewContact, Update};
use groundwork_core::{Repo, StoreKey};

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
    let stdout = std::io::stdout();
    for n in start.. {
        let mut new = NewContact::named(format!("Crash {n}"));
        new.phones.push(("mobile".into(), format!("555 {n:06}")));
        let contact = group.create_contact(&new)?;
        writeln!(stdout.lock(), "contact {n} {}", contact.id)?;
        let edits = vec![
            ContactEdit::AddTag(format!("t{n}")),
            ContactEdit::AddEntry {
                list: ContactList::Emails,
                label: "x".into(),
                value: format!("e{n}@example.org"),
            },
        ];
        group.update_contact(hot, &Update::new(edits))?;
        writeln!(stdout.lock(), "tag {n}")?;
    }
    Ok(())
}
