//! What the fuzz targets share.

use std::sync::atomic::{AtomicU64, Ordering};

static CONTAINED: AtomicU64 = AtomicU64::new(0);

/// libFuzzer's panic hook aborts on every panic, even one the code under test catches. The app
/// runs Automerge and negentropy on peer bytes under `catch_unwind` on purpose (both are known to
/// panic on crafted input), so a panic raised inside those crates is let unwind to the app's
/// guard. So is a panic raised on those crates' behalf while one of them is on the stack: by the
/// standard library (a sort whose comparison is not a total order, an index out of bounds) or by
/// a crate they are built on (Automerge's column storage, `hexane`). Any other panic —
/// Groundwork's own code, or one that escapes the guard (it then aborts in libFuzzer's
/// non-unwinding entry point, as a panic while unwinding does) — still ends the run and is
/// reported as a crash.
pub fn contain_panics_of(crates: &'static [&'static str]) {
    let abort_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let file = info.location().map(|l| l.file()).unwrap_or_default();
        let in_crate = crates.iter().any(|c| file.contains(&format!("/{c}-")));
        // The standard library's own files (`/rustc/…/library/core/src/…`) also hold a
        // `core/src/`: a panic raised there on a crate's behalf is not Groundwork's.
        let ours = !file.starts_with("/rustc/")
            && (file.contains("core/src/") || file.contains("proto/src/"));
        let for_crate = !in_crate && !ours && {
            let trace = std::backtrace::Backtrace::force_capture().to_string();
            crates.iter().any(|c| trace.contains(&format!("{c}::")))
        };
        if in_crate || for_crate {
            if CONTAINED.fetch_add(1, Ordering::Relaxed) < 3 {
                eprintln!("contained a panic inside {file} (the app's catch_unwind guard)");
            }
            return;
        }
        abort_hook(info);
    }));
}
