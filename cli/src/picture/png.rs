//! The chart and a structure test as a PNG for a projector, drawn with plotters into a pixel
//! buffer and encoded with `png`.
//!
//! Text uses DejaVu Sans embedded in the binary (through plotters' `ab_glyph` backend) rather
//! than the system's fonts: a laptop with no fonts installed, or a different set, draws the same
//! image. A structure test's image has counts only, never names: it is meant to be projected.

use std::sync::OnceLock;

use plotters::backend::BitMapBackend;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontStyle, IntoFont, RGBColor, TextStyle, register_font};

use super::{
    BAD_TEXT, ChartPicture, FAIL, GOOD_TEXT, INK, PARTIAL_NOTE, PASS, Rgb, TRACK, TestPicture,
    WHITE, percent,
};
use crate::error::{CliError, Result};

/// 16:9 at 1080p, what most projectors and meeting-room screens show; a long chart grows taller.
pub(crate) const WIDTH: u32 = 1920;
pub(crate) const MIN_HEIGHT: u32 = 1080;

const FAMILY: &str = "groundwork-dejavu-sans";
const MARGIN: i32 = 48;
const RIGHT: i32 = WIDTH as i32 - MARGIN;
const ROW: i32 = 64;
const BAR_HEIGHT: i32 = 44;
const TEXT: f64 = 32.0;
const SMALL: f64 = 26.0;
const GREY: Rgb = Rgb(0x44, 0x44, 0x44);

// The wall chart's columns (x in pixels).
const NAME_X: i32 = MARGIN;
const NAME_END: i32 = 600;
const PEOPLE_RIGHT: i32 = 700;
/// Where each bar starts and how wide a whole unit is.
pub(crate) const BAR_X: i32 = 730;
pub(crate) const BAR_WIDTH: i32 = 580;
/// Where the first unit's row starts, and where its bar starts within the row.
pub(crate) const FIRST_ROW_Y: i32 = 236;
pub(crate) const BAR_TOP_IN_ROW: i32 = (ROW - BAR_HEIGHT) / 2;
const SUPPORTERS_RIGHT: i32 = 1530;
const COMMITTEE_RIGHT: i32 = 1710;
const ORGANIZER_RIGHT: i32 = RIGHT;

// The structure test's columns.
const RESULT_X: i32 = 620;
const TEST_BAR_X: i32 = 790;
const TEST_BAR_WIDTH: i32 = 560;
const MEETING_RIGHT: i32 = 1600;
const NEEDED_RIGHT: i32 = 1730;
const SHORT_RIGHT: i32 = RIGHT;

/// Registers the embedded font once per process.
fn fonts() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(CliError::failure("the embedded font cannot be read"))
    }
}

fn drawing_error(e: impl std::fmt::Display) -> CliError {
    CliError::failure(format!("cannot draw the image: {e}"))
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// A drawing area with the few operations the pictures need.
struct Canvas<'a> {
    area: DrawingArea<BitMapBackend<'a>, Shift>,
}

impl Canvas<'_> {
    fn style(size: f64, bold: bool, colour: Rgb, anchor: Pos) -> TextStyle<'static> {
        let style = if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        (FAMILY, size)
            .into_font()
            .style(style)
            .color(&rgb(colour))
            .pos(anchor)
    }

    fn width_of(&self, text: &str, size: f64, bold: bool) -> Result<i32> {
        let style = Self::style(size, bold, INK, Pos::new(HPos::Left, VPos::Top));
        let (w, _) = self
            .area
            .estimate_text_size(text, &style)
            .map_err(drawing_error)?;
        Ok(i32::try_from(w).unwrap_or(i32::MAX))
    }

    /// `text`, cut with "…" to fit in `max` pixels.
    fn fit(&self, text: &str, size: f64, bold: bool, max: i32) -> Result<String> {
        if self.width_of(text, size, bold)? <= max {
            return Ok(text.to_owned());
        }
        let chars: Vec<char> = text.chars().collect();
        let (mut lo, mut hi) = (0, chars.len());
        // The longest prefix that fits with the ellipsis.
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let candidate: String = chars[..mid].iter().chain(['…'].iter()).collect();
            if self.width_of(&candidate, size, bold)? <= max {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(chars[..lo].iter().chain(['…'].iter()).collect())
    }

    /// Text whose vertical middle is at `y`, starting at `x` (or ending there, if `right`).
    fn text(
        &self,
        text: &str,
        (x, y): (i32, i32),
        size: f64,
        bold: bool,
        colour: Rgb,
        right: bool,
    ) -> Result<()> {
        let h = if right { HPos::Right } else { HPos::Left };
        let style = Self::style(size, bold, colour, Pos::new(h, VPos::Center));
        self.area
            .draw(&Text::new(text.to_owned(), (x, y), style))
            .map_err(drawing_error)
    }

    fn rect(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), colour: Rgb) -> Result<()> {
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        // plotters' filled rectangles include both corners: end one pixel short so bars that
        // touch do not overlap.
        self.area
            .draw(&Rectangle::new(
                [(x0, y0), (x1 - 1, y1 - 1)],
                rgb(colour).filled(),
            ))
            .map_err(drawing_error)
    }

    /// The title, the date at the right, and a line under them.
    fn heading(&self, title: &str, date: &str, line: &str) -> Result<()> {
        let date_w = self.width_of(date, 36.0, false)?;
        let title = self.fit(title, 56.0, true, RIGHT - MARGIN - date_w - 40)?;
        self.text(&title, (MARGIN, 62), 56.0, true, INK, false)?;
        self.text(date, (RIGHT, 62), 36.0, false, GREY, true)?;
        let line = self.fit(line, TEXT, false, RIGHT - MARGIN)?;
        self.text(&line, (MARGIN, 136), TEXT, false, INK, false)
    }

    /// A column heading and the rule under the headings.
    fn column(&self, label: &str, x: i32, right: bool) -> Result<()> {
        self.text(label, (x, FIRST_ROW_Y - 28), SMALL, true, GREY, right)
    }

    fn rule(&self, y: i32) -> Result<()> {
        self.rect((MARGIN, y), (RIGHT, y + 3), INK)
    }

    /// The threshold's mark across a bar.
    fn mark(&self, x: i32, top: i32) -> Result<()> {
        self.rect((x - 2, top - 6), (x + 2, top + BAR_HEIGHT + 6), INK)
    }

    /// Notes at the bottom, one per line, from `y`.
    fn notes(&self, y: i32, notes: &[String]) -> Result<()> {
        for (i, note) in notes.iter().enumerate() {
            let note = self.fit(note, SMALL, false, RIGHT - MARGIN)?;
            self.text(
                &note,
                (MARGIN, y + 40 * i as i32),
                SMALL,
                false,
                GREY,
                false,
            )?;
        }
        Ok(())
    }
}

/// Draws into an RGB buffer of `WIDTH` × `height` and encodes it as PNG.
fn render(height: u32, draw: impl FnOnce(&Canvas<'_>) -> Result<()>) -> Result<Vec<u8>> {
    fonts()?;
    let mut pixels = vec![0u8; WIDTH as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height)).into_drawing_area();
        area.fill(&rgb(WHITE)).map_err(drawing_error)?;
        let canvas = Canvas { area };
        draw(&canvas)?;
        canvas.area.present().map_err(drawing_error)?;
    }
    let mut bytes = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut bytes, WIDTH, height);
    encoder.set_color(::png::ColorType::Rgb);
    encoder.set_depth(::png::BitDepth::Eight);
    let encoding =
        |e: ::png::EncodingError| CliError::failure(format!("cannot encode the PNG: {e}"));
    let mut writer = encoder.write_header().map_err(encoding)?;
    writer.write_image_data(&pixels).map_err(encoding)?;
    writer.finish().map_err(encoding)?;
    Ok(bytes)
}

fn height_for(rows: usize, below_rows: i32) -> u32 {
    let rows = i32::try_from(rows).unwrap_or(i32::MAX / ROW / 2);
    let needed = FIRST_ROW_Y + rows * ROW + below_rows;
    u32::try_from(needed).unwrap_or(u32::MAX).max(MIN_HEIGHT)
}

/// The height of the wall chart's image for this many units.
pub(crate) fn chart_height(lines: usize) -> u32 {
    height_for(lines, 260)
}

/// The x where a bar's segments start and end, for a unit's counts: each level's share of the
/// unit's people, strongest first, rounded so the segments fill the bar exactly.
pub(crate) fn segments(by_level: &[u64], people: u64) -> Vec<(i32, i32)> {
    let mut out = Vec::with_capacity(by_level.len());
    let mut before = 0u64;
    for count in by_level {
        let at = |n: u64| {
            BAR_X + (n as f64 * f64::from(BAR_WIDTH) / people.max(1) as f64).round() as i32
        };
        out.push((at(before), at(before + count)));
        before += count;
    }
    out
}

/// The wall chart as a PNG.
pub(crate) fn chart_png(p: &ChartPicture) -> Result<Vec<u8>> {
    render(chart_height(p.lines.len()), |c| {
        let summary = format!(
            "{} people · {} supporter or better ({}) · {} on the committee · the mark: {}%",
            p.people,
            p.supporters,
            percent(p.supporters, p.people).map_or_else(|| "-".into(), |v| format!("{v}%")),
            p.committee,
            p.threshold
        );
        c.heading(&p.title(), &p.date, &summary)?;
        c.column("Unit", NAME_X, false)?;
        c.column("People", PEOPLE_RIGHT, true)?;
        c.column("By assessment, strongest first", BAR_X, false)?;
        c.column("Supporter+", SUPPORTERS_RIGHT, true)?;
        c.column("Committee", COMMITTEE_RIGHT, true)?;
        c.column("Organizer", ORGANIZER_RIGHT, true)?;
        c.rule(FIRST_ROW_Y - 6)?;
        let mark_x = BAR_X + (f64::from(BAR_WIDTH) * f64::from(p.threshold) / 100.0).round() as i32;
        for (i, l) in p.lines.iter().enumerate() {
            let top = FIRST_ROW_Y + ROW * i as i32;
            let mid = top + ROW / 2;
            let bar_top = top + BAR_TOP_IN_ROW;
            let indent = 32 * l.depth.min(8) as i32;
            let badge = if l.partial { " (partial)" } else { "" };
            let badge_w = if l.partial {
                c.width_of(badge, SMALL, false)?
            } else {
                0
            };
            let name = c.fit(&l.name, TEXT, true, NAME_END - NAME_X - indent - badge_w)?;
            c.text(&name, (NAME_X + indent, mid), TEXT, true, INK, false)?;
            if l.partial {
                let w = c.width_of(&name, TEXT, true)?;
                c.text(badge, (NAME_X + indent + w, mid), SMALL, false, GREY, false)?;
            }
            c.text(
                &l.people.to_string(),
                (PEOPLE_RIGHT, mid),
                TEXT,
                false,
                INK,
                true,
            )?;
            c.rect(
                (BAR_X, bar_top),
                (BAR_X + BAR_WIDTH, bar_top + BAR_HEIGHT),
                TRACK,
            )?;
            if l.people == 0 {
                c.text(
                    "nobody known yet",
                    (BAR_X + 12, mid),
                    SMALL,
                    false,
                    GREY,
                    false,
                )?;
            } else {
                let spans = segments(&l.by_level, l.people);
                for ((level, count), (x0, x1)) in p.levels.iter().zip(&l.by_level).zip(spans) {
                    c.rect((x0, bar_top), (x1, bar_top + BAR_HEIGHT), level.colour)?;
                    let label = count.to_string();
                    if *count > 0 && c.width_of(&label, SMALL, true)? + 8 <= x1 - x0 {
                        let x = (x0 + x1) / 2 - c.width_of(&label, SMALL, true)? / 2;
                        c.text(&label, (x, mid), SMALL, true, level.colour.text_on(), false)?;
                    }
                }
            }
            c.mark(mark_x, bar_top)?;
            let share = percent(l.supporters, l.people);
            let (text, colour) = match share {
                Some(s) if s >= u64::from(p.threshold) => (format!("{s}% meets"), GOOD_TEXT),
                Some(s) => (format!("{s}% below"), BAD_TEXT),
                None => ("-".to_owned(), GREY),
            };
            c.text(&text, (SUPPORTERS_RIGHT, mid), TEXT, true, colour, true)?;
            if l.committee == 0 {
                c.text("none", (COMMITTEE_RIGHT, mid), TEXT, true, BAD_TEXT, true)?;
            } else {
                c.text(
                    &l.committee.to_string(),
                    (COMMITTEE_RIGHT, mid),
                    TEXT,
                    false,
                    INK,
                    true,
                )?;
            }
            let organized = format!("{} of {}", l.with_organizer, l.people);
            c.text(&organized, (ORGANIZER_RIGHT, mid), TEXT, false, INK, true)?;
        }
        let mut y = FIRST_ROW_Y + ROW * p.lines.len() as i32 + 40;
        if p.lines.is_empty() {
            c.text(
                "No terrain units yet: the chart lists workplaces' and buildings' units.",
                (MARGIN, y),
                TEXT,
                false,
                INK,
                false,
            )?;
            y += ROW;
        }
        // The legend, wrapping onto a new line when the scale is long.
        let mut x = MARGIN;
        for level in &p.levels {
            let label = format!("{} {}", level.label, level.total);
            let label = c.fit(&label, SMALL, false, 500)?;
            let w = 36 + 10 + c.width_of(&label, SMALL, false)? + 36;
            if x > MARGIN && x + w > RIGHT {
                x = MARGIN;
                y += 52;
            }
            c.rect((x, y - 18), (x + 36, y + 18), level.colour)?;
            c.text(&label, (x + 46, y), SMALL, false, INK, false)?;
            x += w;
        }
        let mut notes = Vec::new();
        if p.partial {
            notes.push(PARTIAL_NOTE.to_owned());
        }
        notes.push(format!(
            "Counted from the records on this device on {}. Each unit counts the units below it.",
            p.date
        ));
        c.notes(y + 64, &notes)
    })
}

/// The height of a structure test's image for this many units.
pub(crate) fn test_height(lines: usize) -> u32 {
    height_for(lines, 200)
}

/// A structure test as a PNG: pass or fail and counts per unit, no names.
pub(crate) fn test_png(p: &TestPicture) -> Result<Vec<u8>> {
    render(test_height(p.lines.len()), |c| {
        let mut first = p.what.chars();
        let what = first
            .next()
            .map(|f| f.to_uppercase().chain(first).collect::<String>())
            .unwrap_or_default();
        c.heading(
            &p.title(),
            &p.date,
            &format!("{what} in each unit. {}", p.verdict()),
        )?;
        c.column("Unit", NAME_X, false)?;
        c.column("Result", RESULT_X, false)?;
        c.column("Share", TEST_BAR_X, false)?;
        c.column("Meeting", MEETING_RIGHT, true)?;
        c.column("Needed", NEEDED_RIGHT, true)?;
        c.column("Short by", SHORT_RIGHT, true)?;
        c.rule(FIRST_ROW_Y - 6)?;
        let mark_x =
            TEST_BAR_X + (f64::from(TEST_BAR_WIDTH) * f64::from(p.percent) / 100.0).round() as i32;
        for (i, l) in p.lines.iter().enumerate() {
            let top = FIRST_ROW_Y + ROW * i as i32;
            let mid = top + ROW / 2;
            let bar_top = top + BAR_TOP_IN_ROW;
            let badge = if l.partial { " (partial)" } else { "" };
            let badge_w = if l.partial {
                c.width_of(badge, SMALL, false)?
            } else {
                0
            };
            let name = c.fit(&l.name, TEXT, true, RESULT_X - 20 - NAME_X - badge_w)?;
            c.text(&name, (NAME_X, mid), TEXT, true, INK, false)?;
            if l.partial {
                let w = c.width_of(&name, TEXT, true)?;
                c.text(badge, (NAME_X + w, mid), SMALL, false, GREY, false)?;
            }
            let (word, colour) = if l.passed {
                ("pass", PASS)
            } else {
                ("FAIL", FAIL)
            };
            c.rect(
                (RESULT_X, bar_top),
                (RESULT_X + 130, bar_top + BAR_HEIGHT),
                colour,
            )?;
            let w = c.width_of(word, TEXT, true)?;
            c.text(word, (RESULT_X + 65 - w / 2, mid), TEXT, true, WHITE, false)?;
            c.rect(
                (TEST_BAR_X, bar_top),
                (TEST_BAR_X + TEST_BAR_WIDTH, bar_top + BAR_HEIGHT),
                TRACK,
            )?;
            if l.people == 0 {
                c.text(
                    "nobody known yet",
                    (TEST_BAR_X + 12, mid),
                    SMALL,
                    false,
                    GREY,
                    false,
                )?;
            } else {
                let filled =
                    (l.meeting as f64 * f64::from(TEST_BAR_WIDTH) / l.people as f64).round() as i32;
                c.rect(
                    (TEST_BAR_X, bar_top),
                    (TEST_BAR_X + filled, bar_top + BAR_HEIGHT),
                    colour,
                )?;
            }
            c.mark(mark_x, bar_top)?;
            let meeting = format!(
                "{} of {} ({})",
                l.meeting,
                l.people,
                percent(l.meeting, l.people).map_or_else(|| "-".into(), |v| format!("{v}%"))
            );
            c.text(&meeting, (MEETING_RIGHT, mid), TEXT, false, INK, true)?;
            c.text(
                &l.needed.to_string(),
                (NEEDED_RIGHT, mid),
                TEXT,
                false,
                INK,
                true,
            )?;
            let short = l.short_by();
            c.text(
                &short.to_string(),
                (SHORT_RIGHT, mid),
                TEXT,
                short > 0,
                if short > 0 { BAD_TEXT } else { INK },
                true,
            )?;
        }
        let y = FIRST_ROW_Y + ROW * p.lines.len() as i32 + 48;
        let mut notes = vec![
            "Counts only: who is missing is named in the HTML page, which stays on the laptop."
                .to_owned(),
        ];
        if p.partial {
            notes.push(PARTIAL_NOTE.to_owned());
        }
        notes.push(format!(
            "Counted from the records on this device on {}.",
            p.date
        ));
        c.notes(y, &notes)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::{ChartLine, Level, TestLine, UNASSESSED, level_colours};
    use super::*;

    fn decode(bytes: &[u8]) -> (u32, u32, HashMap<[u8; 3], u64>) {
        let mut reader = ::png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!(info.color_type, ::png::ColorType::Rgb);
        let mut counts = HashMap::new();
        for px in buf[..info.buffer_size()].chunks_exact(3) {
            *counts.entry([px[0], px[1], px[2]]).or_insert(0) += 1;
        }
        (info.width, info.height, counts)
    }

    fn line(name: &str, depth: u32, by_level: Vec<u64>) -> ChartLine {
        let people = by_level.iter().sum();
        ChartLine {
            name: name.into(),
            depth,
            partial: depth > 0,
            people,
            supporters: by_level[..2].iter().sum(),
            by_level,
            committee: 1,
            with_organizer: 1,
        }
    }

    fn picture(lines: Vec<ChartLine>) -> ChartPicture {
        let colours = level_colours(&[true, true, false, false]);
        let labels = ["leader", "supporter", "undecided", "pass"];
        let mut levels: Vec<Level> = labels
            .iter()
            .zip(colours)
            .enumerate()
            .map(|(i, (label, colour))| Level {
                label: (*label).into(),
                colour,
                total: lines.iter().map(|l| l.by_level[i]).sum(),
            })
            .collect();
        levels.push(Level {
            label: "not assessed".into(),
            colour: UNASSESSED,
            total: lines.iter().map(|l| l.by_level[4]).sum(),
        });
        ChartPicture {
            group: "Maple Court Tenants".into(),
            date: "2026-03-01".into(),
            threshold: 65,
            levels,
            people: lines.iter().map(|l| l.people).sum(),
            supporters: lines.iter().map(|l| l.supporters).sum(),
            committee: 2,
            committee_tag: "committee".into(),
            partial: true,
            lines,
        }
    }

    /// Every level's colour covers the bars as its counts say: the pixels of exactly that
    /// colour are the segments' area, less at most the numbers written on them and the mark.
    #[test]
    fn bars_have_each_levels_colour_in_proportion_to_its_count() {
        let lines = vec![
            line("Floor 1", 0, vec![3, 5, 2, 1, 1]),
            line("Apt 101", 1, vec![0, 2, 0, 1, 1]),
            line("Floor 2", 0, vec![0, 1, 6, 6, 7]),
            line("Nobody yet", 0, vec![0, 0, 0, 0, 0]),
        ];
        let p = picture(lines.clone());
        let (w, h, counts) = decode(&chart_png(&p).expect("drawn"));
        assert_eq!((w, h), (WIDTH, MIN_HEIGHT));
        for (k, level) in p.levels.iter().enumerate() {
            let area: i64 = lines
                .iter()
                .filter(|l| l.people > 0)
                .map(|l| {
                    let (x0, x1) = segments(&l.by_level, l.people)[k];
                    i64::from(x1 - x0) * i64::from(BAR_HEIGHT)
                })
                .sum();
            let area = u64::try_from(area).expect("positive");
            // Plus the legend's swatch, 36 × 36.
            let expected = area + 36 * 36;
            let seen = counts.get(&[level.colour.0, level.colour.1, level.colour.2]);
            let seen = seen.copied().unwrap_or(0);
            assert!(
                seen <= expected && seen as f64 >= expected as f64 * 0.9,
                "{}: {seen} pixels, expected about {expected}",
                level.label
            );
        }
        // The empty unit's bar is track, less its "nobody known yet" and the mark; text was
        // drawn (dark pixels).
        let track = counts.get(&[TRACK.0, TRACK.1, TRACK.2]).copied();
        assert!(track.unwrap_or(0) >= 580 * 44 * 8 / 10, "{track:?}");
        let ink = counts.get(&[INK.0, INK.1, INK.2]).copied().unwrap_or(0);
        assert!(ink > 2_000, "{ink} pixels of text");
    }

    #[test]
    fn segments_fill_the_bar_exactly_in_scale_order() {
        let s = segments(&[1, 0, 2, 0, 0], 3);
        assert_eq!(s[0], (BAR_X, BAR_X + 193));
        assert_eq!(s[1], (BAR_X + 193, BAR_X + 193));
        assert_eq!(s[2], (BAR_X + 193, BAR_X + BAR_WIDTH));
        assert_eq!(s[4].1, BAR_X + BAR_WIDTH);
    }

    #[test]
    fn a_long_chart_grows_taller_and_long_names_are_cut() {
        let lines: Vec<ChartLine> = (0..30)
            .map(|i| {
                line(
                    &format!("Unit {i} {}", "very long name ".repeat(10)),
                    0,
                    vec![1, 1, 1, 1, 1],
                )
            })
            .collect();
        let bytes = chart_png(&picture(lines)).expect("drawn");
        let (w, h, _) = decode(&bytes);
        assert_eq!((w, h), (WIDTH, chart_height(30)));
        assert!(h > MIN_HEIGHT);
    }

    #[test]
    fn a_structure_test_image_shows_pass_and_fail() {
        let p = TestPicture {
            group: "Maple".into(),
            date: "2026-03-01".into(),
            what: "at least 65% supporter or better".into(),
            percent: 65,
            lines: vec![
                TestLine {
                    name: "Floor 1".into(),
                    partial: false,
                    passed: true,
                    people: 10,
                    meeting: 7,
                    needed: 7,
                },
                TestLine {
                    name: "Floor 2".into(),
                    partial: true,
                    passed: false,
                    people: 10,
                    meeting: 2,
                    needed: 7,
                },
            ],
            passed: false,
            partial: true,
        };
        let (w, h, counts) = decode(&test_png(&p).expect("drawn"));
        assert_eq!((w, h), (WIDTH, MIN_HEIGHT));
        let n = |c: Rgb| counts.get(&[c.0, c.1, c.2]).copied().unwrap_or(0);
        // The passing unit's bar is 70% filled, the failing one's 20%, plus a badge each.
        let bar =
            |share: f64| (share * f64::from(TEST_BAR_WIDTH)).round() as u64 * BAR_HEIGHT as u64;
        let badge = 130 * BAR_HEIGHT as u64;
        assert!(
            n(PASS) <= bar(0.7) + badge && n(PASS) >= (bar(0.7) + badge) * 9 / 10,
            "{}",
            n(PASS)
        );
        assert!(
            n(FAIL) <= bar(0.2) + badge && n(FAIL) >= (bar(0.2) + badge) * 9 / 10,
            "{}",
            n(FAIL)
        );
    }
}
