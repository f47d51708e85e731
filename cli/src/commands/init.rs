//! `groundwork init`: a new encrypted store with a first group.

use serde_json::json;

use crate::args::InitArgs;
use crate::commands::Ctx;
use crate::error::Result;
use crate::output::{Report, outln};
use crate::store_open;

pub(crate) fn run(ctx: &Ctx, args: &InitArgs) -> Result<Report> {
    // Refuse before asking for a passphrase.
    if store_open::store_exists(&ctx.store)? {
        return Err(crate::error::CliError::user(format!(
            "there is already a store at {}",
            ctx.store.display()
        ))
        .hint("use it as it is, or choose another file with --store"));
    }
    let passphrase = store_open::new_passphrase(&ctx.store)?;
    let repo = store_open::create(&ctx.store, &passphrase)?;
    drop(passphrase);
    let group = repo.create_group(&args.group_name)?;
    let name = group.settings()?.name;
    let device = repo.device_id();
    let kdf = store_open::kdf_path(&ctx.store);

    let mut human = String::new();
    outln!(
        human,
        "Created an encrypted store at {}",
        ctx.store.display()
    );
    outln!(
        human,
        "Key derivation settings: {} (keep it next to the store: without it the store cannot be opened)",
        kdf.display()
    );
    outln!(human, "Group:       {name}");
    outln!(human, "Group id:    {}", group.id());
    outln!(human, "This device: {device}");
    let json = json!({
        "store": ctx.store,
        "kdf_file": kdf,
        "group": { "id": group.id(), "name": name },
        "device_id": device,
    });
    Ok(Report::new(human, json))
}
