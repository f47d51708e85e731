//! The wall chart and a structure test as pictures for a meeting: a self-contained HTML page
//! ([`html`]) and a PNG image for a projector ([`png`]).
//!
//! Both draw the same [`ChartPicture`] or [`TestPicture`], built here from core's results, so
//! the page and the image cannot disagree. Presentation only: the counts come from core.
//!
//! A structure test's names of who is missing are kept apart ([`MissingPeople`]) and only the
//! page takes them: the page stays on the laptop, the image may be projected.

pub(crate) mod html;
pub(crate) mod png;

use std::fs;
use std::io::Write;
use std::path::Path;

use groundwork_core::chart::structure::StructureResult;
use groundwork_core::chart::{ChartCounts, WallChart};

use crate::error::{CliError, Result};

/// A colour as the page and the image both write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub(crate) u8, pub(crate) u8, pub(crate) u8);

impl Rgb {
    /// `#rrggbb`.
    pub(crate) fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Dark text on light colours, white on dark ones (relative luminance, sRGB weights).
    pub(crate) fn text_on(self) -> Rgb {
        let l =
            0.2126 * f64::from(self.0) + 0.7152 * f64::from(self.1) + 0.0722 * f64::from(self.2);
        if l > 150.0 { INK } else { WHITE }
    }

    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

pub(crate) const INK: Rgb = Rgb(0x11, 0x11, 0x11);
pub(crate) const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
/// The empty part of a bar.
pub(crate) const TRACK: Rgb = Rgb(0xe8, 0xe8, 0xe8);
/// People never assessed.
pub(crate) const UNASSESSED: Rgb = Rgb(0xb0, 0xb0, 0xb0);
/// Supporter-or-better levels run from the strongest to the weakest of these blues, the other
/// levels from the light to the dark orange: blue is what counts toward the threshold, and blue
/// against orange stays apart for people who do not tell red from green.
const FOR_STRONG: Rgb = Rgb(0x08, 0x51, 0x9c);
const FOR_WEAK: Rgb = Rgb(0x6b, 0xae, 0xd6);
const AGAINST_WEAK: Rgb = Rgb(0xfd, 0xae, 0x6b);
const AGAINST_STRONG: Rgb = Rgb(0xd9, 0x48, 0x01);
/// Words that say a unit meets the threshold or not: darker than any level's colour, so text
/// never adds to a bar's colour in the image.
pub(crate) const GOOD_TEXT: Rgb = Rgb(0x05, 0x3a, 0x70);
pub(crate) const BAD_TEXT: Rgb = Rgb(0xa3, 0x3a, 0x00);
/// A unit that passes a structure test, and one that does not.
pub(crate) const PASS: Rgb = FOR_STRONG;
pub(crate) const FAIL: Rgb = AGAINST_STRONG;

/// One colour per level of the scale (strongest first), given which levels count as supporter
/// or better.
pub(crate) fn level_colours(supporter: &[bool]) -> Vec<Rgb> {
    let ramp = |i: usize, n: usize, from: Rgb, to: Rgb| {
        if n <= 1 {
            from
        } else {
            from.mix(to, i as f64 / (n - 1) as f64)
        }
    };
    let n_for = supporter.iter().filter(|s| **s).count();
    let n_against = supporter.len() - n_for;
    let (mut i_for, mut i_against) = (0, 0);
    supporter
        .iter()
        .map(|s| {
            if *s {
                i_for += 1;
                ramp(i_for - 1, n_for, FOR_STRONG, FOR_WEAK)
            } else {
                i_against += 1;
                ramp(i_against - 1, n_against, AGAINST_WEAK, AGAINST_STRONG)
            }
        })
        .collect()
}

/// A level of the legend: a level of the group's scale, or "not assessed" last.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Level {
    pub(crate) label: String,
    pub(crate) colour: Rgb,
    /// People at this level in the whole chart.
    pub(crate) total: u64,
}

/// One unit's line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChartLine {
    pub(crate) name: String,
    pub(crate) depth: u32,
    /// This device does not hold the whole unit.
    pub(crate) partial: bool,
    pub(crate) people: u64,
    /// People per level, in the order of [`ChartPicture::levels`].
    pub(crate) by_level: Vec<u64>,
    pub(crate) supporters: u64,
    pub(crate) committee: u64,
    pub(crate) with_organizer: u64,
}

/// The wall chart as the page and the image show it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChartPicture {
    pub(crate) group: String,
    /// The day it shows, `YYYY-MM-DD`.
    pub(crate) date: String,
    /// The supporter-or-better share each unit is read against (percent).
    pub(crate) threshold: u8,
    /// The scale's levels strongest first, then "not assessed".
    pub(crate) levels: Vec<Level>,
    pub(crate) lines: Vec<ChartLine>,
    pub(crate) people: u64,
    pub(crate) supporters: u64,
    pub(crate) committee: u64,
    pub(crate) committee_tag: String,
    pub(crate) partial: bool,
}

/// The label of people never assessed, the last level of the legend.
pub(crate) const NOT_ASSESSED: &str = "not assessed";
/// The line of contacts without a unit.
pub(crate) const NO_UNIT: &str = "(no unit)";
/// What the pictures say when some units are partial.
pub(crate) const PARTIAL_NOTE: &str = "Partial: this device holds only the part of the group its \
                                       grant covers; units marked partial may have more people \
                                       than shown.";

impl ChartPicture {
    pub(crate) fn new(chart: &WallChart, group: &str, date: &str, threshold: u8) -> Self {
        let flags: Vec<bool> = chart.scale.iter().map(|c| c.supporter_or_better).collect();
        let mut levels: Vec<Level> = chart
            .scale
            .iter()
            .zip(level_colours(&flags))
            .map(|(c, colour)| Level {
                label: c.label.clone(),
                colour,
                total: chart
                    .total
                    .by_assessment
                    .get(&c.value)
                    .copied()
                    .unwrap_or(0),
            })
            .collect();
        levels.push(Level {
            label: NOT_ASSESSED.into(),
            colour: UNASSESSED,
            total: chart.total.unassessed,
        });
        let line = |name: &str, depth: u32, partial: bool, c: &ChartCounts| ChartLine {
            name: name.to_owned(),
            depth,
            partial,
            people: c.contacts,
            by_level: chart
                .scale
                .iter()
                .map(|s| c.by_assessment.get(&s.value).copied().unwrap_or(0))
                .chain([c.unassessed])
                .collect(),
            supporters: c.supporter_or_better,
            committee: c.committee,
            with_organizer: c.with_organizer,
        };
        let mut lines: Vec<ChartLine> = chart
            .rows
            .iter()
            .map(|r| line(&r.name, r.depth, r.partial, &r.counts))
            .collect();
        if chart.unplaced.contacts > 0 {
            lines.push(line(NO_UNIT, 0, false, &chart.unplaced));
        }
        Self {
            group: group.to_owned(),
            date: date.to_owned(),
            threshold,
            levels,
            lines,
            people: chart.total.contacts,
            supporters: chart.total.supporter_or_better,
            committee: chart.total.committee,
            committee_tag: chart.committee_tag.clone(),
            partial: chart.partial,
        }
    }

    pub(crate) fn title(&self) -> String {
        format!("Wall chart: {}", self.group)
    }
}

/// One unit's result of a structure test, without names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TestLine {
    pub(crate) name: String,
    pub(crate) partial: bool,
    pub(crate) passed: bool,
    pub(crate) people: u64,
    pub(crate) meeting: u64,
    pub(crate) needed: u64,
}

impl TestLine {
    /// How many more people must reach the threshold for the unit to pass.
    pub(crate) fn short_by(&self) -> u64 {
        self.needed.saturating_sub(self.meeting)
    }
}

/// A structure test as the page and the image show it: counts only.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TestPicture {
    pub(crate) group: String,
    pub(crate) date: String,
    /// What each unit must reach, in words ("at least 65% supporter or better").
    pub(crate) what: String,
    pub(crate) percent: u8,
    pub(crate) lines: Vec<TestLine>,
    pub(crate) passed: bool,
    pub(crate) partial: bool,
}

impl TestPicture {
    pub(crate) fn new(
        result: &StructureResult,
        group: &str,
        date: &str,
        what: &str,
        percent: u8,
    ) -> Self {
        Self {
            group: group.to_owned(),
            date: date.to_owned(),
            what: what.to_owned(),
            percent,
            lines: result
                .units
                .iter()
                .map(|u| TestLine {
                    name: u.name.clone(),
                    partial: u.partial,
                    passed: u.passed,
                    people: u.contacts,
                    meeting: u.meeting,
                    needed: u.needed,
                })
                .collect(),
            passed: result.passed,
            partial: result.partial,
        }
    }

    pub(crate) fn title(&self) -> String {
        format!("Structure test: {}", self.group)
    }

    pub(crate) fn verdict(&self) -> String {
        let passing = self.lines.iter().filter(|l| l.passed).count();
        if self.passed {
            "Every unit passes.".into()
        } else {
            format!("{passing} of {} units pass.", self.lines.len())
        }
    }
}

/// Who is missing in each failing unit: names for the page only, never the image.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MissingPeople {
    pub(crate) unit: String,
    /// "Name (assessment)", strongest first, at most as many as asked for.
    pub(crate) names: Vec<String>,
    /// Missing people not listed.
    pub(crate) more: usize,
    pub(crate) do_not_contact: u64,
}

impl MissingPeople {
    /// The failing units of `result` with at most `show` names each.
    pub(crate) fn of(result: &StructureResult, show: usize) -> Vec<Self> {
        result
            .units
            .iter()
            .filter(|u| !u.passed)
            .map(|u| MissingPeople {
                unit: u.name.clone(),
                names: u
                    .missing
                    .iter()
                    .take(show)
                    .map(|m| match &m.assessment_label {
                        Some(l) => format!("{} ({l})", m.name),
                        None => format!("{} (not assessed)", m.name),
                    })
                    .collect(),
                more: u.missing.len().saturating_sub(show),
                do_not_contact: u.missing_do_not_contact,
            })
            .collect()
    }
}

/// `n` of `of` as a whole percentage, or `None` of nobody.
pub(crate) fn percent(n: u64, of: u64) -> Option<u64> {
    (of > 0).then(|| ((n as f64 * 100.0) / of as f64).round() as u64)
}

/// Writes a picture file, readable by its owner only (the page names people), replacing it
/// whole: written beside it first, then renamed.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let cannot = |e: std::io::Error| {
        CliError::user(format!("cannot write {}: {e}", path.display()))
            .hint("check that the folder exists and is writable")
    };
    let name = path
        .file_name()
        .ok_or_else(|| CliError::user(format!("{} is not a file name", path.display())))
        .map_err(|e| e.hint("give a file name such as chart.html"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(cannot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_gets_its_own_colour_blue_for_supporters() {
        let c = level_colours(&[true, true, false, false]);
        assert_eq!(c, vec![FOR_STRONG, FOR_WEAK, AGAINST_WEAK, AGAINST_STRONG]);
        let many = level_colours(&[true, true, true, false, false, false, false]);
        for (i, a) in many.iter().enumerate() {
            assert!(!many[i + 1..].contains(a), "{many:?}");
            assert_ne!(*a, UNASSESSED);
        }
        assert_eq!(level_colours(&[false]), vec![AGAINST_WEAK]);
        assert!(level_colours(&[]).is_empty());
    }

    #[test]
    fn text_is_readable_on_every_colour() {
        assert_eq!(FOR_STRONG.text_on(), WHITE);
        assert_eq!(AGAINST_WEAK.text_on(), INK);
        assert_eq!(UNASSESSED.text_on(), INK);
    }
}
