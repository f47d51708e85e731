//! What a command prints: a human text and a JSON value, one of which goes to stdout.

use std::io::{self, IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::Value;

use crate::error::{CliError, Result};

/// A command's result: the text for a person and the JSON for a program.
pub(crate) struct Report {
    pub(crate) human: String,
    pub(crate) json: Value,
    /// The JSON goes out as one line (for commands that print JSON lines as they go).
    pub(crate) json_line: bool,
}

impl Report {
    pub(crate) fn new(human: String, json: Value) -> Self {
        Self {
            human,
            json,
            json_line: false,
        }
    }

    /// A report whose JSON is one line, after lines printed earlier with [`json_line`].
    pub(crate) fn line(human: String, json: Value) -> Self {
        Self {
            human,
            json,
            json_line: true,
        }
    }
}

/// Appends a formatted line to a `String`.
macro_rules! outln {
    ($dst:expr) => {
        $dst.push('\n')
    };
    ($dst:expr, $($arg:tt)*) => {{
        $dst.push_str(&format!($($arg)*));
        $dst.push('\n');
    }};
}
pub(crate) use outln;

/// Writes the report to stdout. A closed pipe (`groundwork … | head`) is not an error.
pub(crate) fn emit(report: &Report, json: bool) -> Result<()> {
    let mut text = if json {
        if report.json_line {
            serde_json::to_string(&report.json)
        } else {
            serde_json::to_string_pretty(&report.json)
        }
        .map_err(|e| CliError::failure(format!("cannot write JSON: {e}")))?
    } else {
        report.human.clone()
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes text to stdout at once (for commands that report as they go), flushing it.
pub(crate) fn print_now(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    let mut text = text.to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes one JSON value as one line on stdout at once (JSON Lines), flushing it.
pub(crate) fn json_line(v: &Value) -> Result<()> {
    let text = serde_json::to_string(v)
        .map_err(|e| CliError::failure(format!("cannot write JSON: {e}")))?;
    print_now(&text)
}

/// Whether stdout is a terminal (for QR codes and other things only a person reads).
pub(crate) fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// A line on stderr for the person at the terminal (notes, warnings, progress).
pub(crate) fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}

/// Progress on stderr, rewritten in place; only when stderr is a terminal.
pub(crate) struct Progress {
    on: bool,
    label: &'static str,
}

impl Progress {
    pub(crate) fn new(label: &'static str) -> Self {
        Self {
            on: io::stderr().is_terminal(),
            label,
        }
    }

    pub(crate) fn update(&self, done: usize, total: usize) {
        if self.on {
            let pct = (done * 100).checked_div(total).unwrap_or(100);
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r{}: {done}/{total} documents ({pct}%)", self.label);
            let _ = err.flush();
        }
    }

    pub(crate) fn finish(&self) {
        if self.on {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// A progress bar on stderr for imports: drawn only for a person at a terminal (stdout and
/// stderr both terminals, no `--json`), so scripts and pipes get clean output.
pub(crate) struct ProgressBar(Option<indicatif::ProgressBar>);

impl ProgressBar {
    pub(crate) fn new(label: &str, json: bool) -> Self {
        let shown = !json && io::stdout().is_terminal() && io::stderr().is_terminal();
        Self(shown.then(|| {
            let style = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} records ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
            let bar = indicatif::ProgressBar::new(0).with_style(style);
            bar.set_message(label.to_owned());
            bar
        }))
    }

    pub(crate) fn update(&self, done: usize, total: usize) {
        if let Some(bar) = &self.0 {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// A table with a header row.
pub(crate) fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    for row in rows {
        t.add_row(row);
    }
    t.to_string()
}

/// The first characters of an id, for tables.
pub(crate) fn short_id(id: &impl std::fmt::Display) -> String {
    let s = id.to_string();
    s.chars().take(8).collect()
}

/// Serializes a core value; they all derive `Serialize`.
pub(crate) fn to_json(v: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| CliError::failure(format!("cannot write JSON: {e}")))
}
