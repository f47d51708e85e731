//! The chart and a structure test as one self-contained HTML page: inline CSS, no script, font,
//! image or link to fetch, readable from across a room. Every name in it (the group's, units',
//! people's) is escaped, and the page forbids scripts outright (Content-Security-Policy), so a
//! unit named `<script>` shows as text.

use std::fmt::Write as _;

use super::{ChartPicture, INK, MissingPeople, PARTIAL_NOTE, Rgb, TRACK, TestPicture, percent};

/// Text for HTML: `&`, `<`, `>`, `"` and `'` become entities, so it can stand in an element or
/// in a quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Segments narrower than this share of a bar carry no number (it would not fit).
const MIN_LABELLED_SHARE: f64 = 0.05;

const STYLE: &str = r#"
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; padding: 28px 40px; background: #fff; color: #111;
  font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
  font-size: 28px; line-height: 1.25; }
h1 { font-size: 46px; margin: 0; }
h2 { font-size: 34px; margin: 28px 0 8px; }
.date { font-size: 28px; margin: 4px 0 18px; color: #333; }
.summary { font-size: 30px; margin: 0 0 20px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 8px 12px; text-align: left; vertical-align: middle; border-bottom: 2px solid #d0d0d0; }
thead th { font-size: 24px; color: #333; border-bottom: 3px solid #111; }
tbody th { font-weight: bold; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.barcell { width: 45%; }
.bar { position: relative; display: flex; height: 46px; min-width: 360px; }
.seg { display: flex; align-items: center; justify-content: center; overflow: hidden;
  font-size: 24px; font-weight: bold; white-space: nowrap; }
.mark { position: absolute; top: -7px; bottom: -7px; width: 4px; margin-left: -2px; }
.nobody { display: flex; align-items: center; padding-left: 12px; font-size: 22px; color: #333; }
.partial { display: inline-block; margin-left: 10px; padding: 0 8px; font-size: 20px;
  font-weight: normal; border: 2px dashed #555; border-radius: 6px; color: #333; }
.sub { display: block; font-size: 20px; font-weight: normal; color: #333; }
/* GOOD_TEXT and BAD_TEXT: darker than every level's colour. */
.meets { font-weight: bold; color: #053a70; }
.below { font-weight: bold; color: #a33a00; }
.none { font-weight: bold; color: #a33a00; }
.legend { display: flex; flex-wrap: wrap; gap: 12px 32px; margin: 20px 0 0; padding: 0; list-style: none; font-size: 26px; }
.legend li { display: flex; align-items: center; }
.swatch { display: inline-block; width: 34px; height: 34px; margin-right: 10px; border: 1px solid #555; }
.result { display: inline-block; min-width: 110px; padding: 2px 12px; text-align: center;
  font-weight: bold; color: #fff; border-radius: 6px; }
.verdict { font-size: 34px; font-weight: bold; margin: 0 0 20px; }
.missing li { margin: 4px 0; }
@page { size: A3 landscape; margin: 10mm; }
footer { margin-top: 28px; font-size: 22px; color: #333; }
.private { font-weight: bold; }
"#;

fn head(out: &mut String, title: &str) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing to load and nothing to run: the page is read offline, on a projector.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
}

fn header(out: &mut String, title: &str, date: &str) {
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p class=\"date\">{}</p></header>",
        escape(title),
        escape(date)
    );
}

fn partial_badge(partial: bool) -> &'static str {
    if partial {
        "<span class=\"partial\">partial</span>"
    } else {
        ""
    }
}

/// The threshold's mark across a bar.
fn mark(out: &mut String, threshold: u8) {
    let _ = write!(
        out,
        "<span class=\"mark\" style=\"left:{threshold}%;background:{}\" title=\"{threshold}%\"></span>",
        INK.hex()
    );
}

fn segment(out: &mut String, share: f64, colour: Rgb, label: &str, count: u64) {
    let _ = write!(
        out,
        "<span class=\"seg\" style=\"width:{:.4}%;background:{};color:{}\" title=\"{}: {count}\">{}</span>",
        share * 100.0,
        colour.hex(),
        colour.text_on().hex(),
        escape(label),
        if share >= MIN_LABELLED_SHARE {
            count.to_string()
        } else {
            String::new()
        }
    );
}

/// The wall chart's page.
pub(crate) fn chart_page(p: &ChartPicture) -> String {
    let mut out = String::new();
    let title = p.title();
    head(&mut out, &format!("{title} ({})", p.date));
    header(&mut out, &title, &p.date);
    let _ = writeln!(
        out,
        "<p class=\"summary\">{} people · {} supporter or better ({}) · {} on the committee \
         (tag “{}”) · the mark on each bar: {}%</p>",
        p.people,
        p.supporters,
        percent_text(percent(p.supporters, p.people)),
        p.committee,
        escape(&p.committee_tag),
        p.threshold
    );
    out.push_str(
        "<table class=\"chart\">\n<thead><tr><th>Unit</th><th class=\"num\">People</th>\
         <th>By assessment, strongest first</th><th class=\"num\">Supporter or better</th>\
         <th class=\"num\">Committee</th><th class=\"num\">Organizer</th></tr></thead>\n<tbody>\n",
    );
    for l in &p.lines {
        let _ = write!(
            out,
            "<tr><th scope=\"row\" style=\"padding-left:{}px\">{}{}</th><td class=\"num\">{}</td>\
             <td class=\"barcell\"><div class=\"bar\" style=\"background:{}\">",
            12 + 36 * l.depth.min(8),
            escape(&l.name),
            partial_badge(l.partial),
            l.people,
            TRACK.hex()
        );
        if l.people == 0 {
            out.push_str("<span class=\"nobody\">nobody known yet</span>");
        } else {
            for (level, count) in p.levels.iter().zip(&l.by_level) {
                if *count > 0 {
                    let share = *count as f64 / l.people as f64;
                    segment(&mut out, share, level.colour, &level.label, *count);
                }
            }
        }
        mark(&mut out, p.threshold);
        out.push_str("</div></td>");
        let share = percent(l.supporters, l.people);
        let verdict = match share {
            Some(s) if s >= u64::from(p.threshold) => "meets",
            _ => "below",
        };
        let _ = write!(
            out,
            "<td class=\"num\"><span class=\"{verdict}\">{}</span><span class=\"sub\">{} of {} · \
             {verdict} {}%</span></td>",
            percent_text(share),
            l.supporters,
            l.people,
            p.threshold
        );
        if l.committee == 0 {
            out.push_str("<td class=\"num\"><span class=\"none\">none</span></td>");
        } else {
            let _ = write!(out, "<td class=\"num\">{}</td>", l.committee);
        }
        let _ = writeln!(
            out,
            "<td class=\"num\">{} of {}</td></tr>",
            l.with_organizer, l.people
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if p.lines.is_empty() {
        out.push_str(
            "<p>No terrain units yet: the chart lists workplaces' and buildings' units.</p>\n",
        );
    }
    out.push_str("<ul class=\"legend\">");
    for level in &p.levels {
        let _ = write!(
            out,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{} {}</li>",
            level.colour.hex(),
            escape(&level.label),
            level.total
        );
    }
    out.push_str("</ul>\n<footer>");
    if p.partial {
        let _ = write!(out, "<p>{}</p>", escape(PARTIAL_NOTE));
    }
    let _ = write!(
        out,
        "<p>Counted from the records on this device on {}. Each unit counts the units below it.</p>",
        escape(&p.date)
    );
    out.push_str("</footer>\n</body>\n</html>\n");
    out
}

/// A structure test's page, with the names of who is missing in each failing unit.
pub(crate) fn test_page(p: &TestPicture, missing: &[MissingPeople]) -> String {
    let mut out = String::new();
    let title = p.title();
    head(&mut out, &format!("{title} ({})", p.date));
    header(&mut out, &title, &p.date);
    let _ = writeln!(
        out,
        "<p class=\"summary\">{} in each unit</p>\n<p class=\"verdict\">{}</p>",
        escape(&capitalised(&p.what)),
        escape(&p.verdict())
    );
    out.push_str(
        "<table class=\"test\">\n<thead><tr><th>Unit</th><th>Result</th><th>Share</th>\
         <th class=\"num\">Meeting</th><th class=\"num\">Needed</th><th class=\"num\">Short by</th>\
         </tr></thead>\n<tbody>\n",
    );
    for l in &p.lines {
        let (word, colour) = if l.passed {
            ("pass", super::PASS)
        } else {
            ("FAIL", super::FAIL)
        };
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}{}</th><td><span class=\"result\" style=\"background:{}\">\
             {word}</span></td><td class=\"barcell\"><div class=\"bar\" style=\"background:{}\">",
            escape(&l.name),
            partial_badge(l.partial),
            colour.hex(),
            TRACK.hex()
        );
        if l.people == 0 {
            out.push_str("<span class=\"nobody\">nobody known yet</span>");
        } else {
            let share = l.meeting as f64 / l.people as f64;
            if l.meeting > 0 {
                let _ = write!(
                    out,
                    "<span class=\"seg\" style=\"width:{:.4}%;background:{}\"></span>",
                    share * 100.0,
                    colour.hex()
                );
            }
        }
        mark(&mut out, p.percent);
        let _ = writeln!(
            out,
            "</div></td><td class=\"num\">{} of {}<span class=\"sub\">{}</span></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            l.meeting,
            l.people,
            percent_text(percent(l.meeting, l.people)),
            l.needed,
            l.short_by()
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if !missing.is_empty() {
        out.push_str("<section class=\"missing\"><h2>Who to talk to next</h2>\n");
        for m in missing {
            let _ = write!(out, "<h3>{}</h3>", escape(&m.unit));
            if m.names.is_empty() && m.more == 0 {
                out.push_str("<p>Nobody known here yet.</p>");
            } else {
                out.push_str("<ol>");
                for name in &m.names {
                    let _ = write!(out, "<li>{}</li>", escape(name));
                }
                out.push_str("</ol>");
                if m.more > 0 {
                    let _ = write!(out, "<p>and {} more</p>", m.more);
                }
            }
            if m.do_not_contact > 0 {
                let _ = write!(
                    out,
                    "<p>{} more marked do-not-contact.</p>",
                    m.do_not_contact
                );
            }
            out.push('\n');
        }
        out.push_str("</section>\n");
    }
    out.push_str("<footer>");
    if !missing.is_empty() {
        out.push_str(
            "<p class=\"private\">This page names people: keep it on this laptop and do not \
             project or send it. The PNG of this test has the counts only.</p>",
        );
    }
    if p.partial {
        let _ = write!(out, "<p>{}</p>", escape(PARTIAL_NOTE));
    }
    let _ = write!(
        out,
        "<p>Counted from the records on this device on {}.</p>",
        escape(&p.date)
    );
    out.push_str("</footer>\n</body>\n</html>\n");
    out
}

fn percent_text(p: Option<u64>) -> String {
    p.map_or_else(|| "-".into(), |p| format!("{p}%"))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ChartLine, Level, TestLine, UNASSESSED};
    use super::*;

    const EVIL: &str = "<script>alert(1)</script> & \"Dept\" 'x'";

    fn picture() -> ChartPicture {
        ChartPicture {
            group: format!("{EVIL} group"),
            date: "2026-03-01".into(),
            threshold: 65,
            levels: vec![
                Level {
                    label: "leader".into(),
                    colour: Rgb(1, 2, 3),
                    total: 2,
                },
                Level {
                    label: EVIL.into(),
                    colour: Rgb(4, 5, 6),
                    total: 1,
                },
                Level {
                    label: "not assessed".into(),
                    colour: UNASSESSED,
                    total: 1,
                },
            ],
            lines: vec![ChartLine {
                name: EVIL.into(),
                depth: 1,
                partial: true,
                people: 4,
                by_level: vec![2, 1, 1],
                supporters: 3,
                committee: 0,
                with_organizer: 2,
            }],
            people: 4,
            supporters: 3,
            committee: 0,
            committee_tag: EVIL.into(),
            partial: true,
        }
    }

    #[test]
    fn escapes_markup_in_elements_and_attributes() {
        assert_eq!(
            escape(EVIL),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Dept&quot; &#39;x&#39;"
        );
    }

    #[test]
    fn chart_page_has_no_markup_from_names_and_nothing_to_fetch() {
        let page = chart_page(&picture());
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("alert(1)</"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Dept&quot;"));
        for fetch in [
            "src=",
            "href=",
            "url(",
            "@import",
            "@font-face",
            "http:",
            "https:",
        ] {
            assert!(!page.contains(fetch), "{fetch} in {page}");
        }
        assert!(page.contains("default-src 'none'"));
        // Two of four leaders: half the bar; the mark at 65%.
        assert!(page.contains("width:50.0000%;background:#010203"), "{page}");
        assert!(page.contains("left:65%"));
        assert!(page.contains("<span class=\"partial\">partial</span>"));
        assert!(page.contains("75%") && page.contains("meets 65%"), "{page}");
        assert!(page.contains(PARTIAL_NOTE));
    }

    #[test]
    fn test_page_lists_names_escaped_and_says_to_keep_it_here() {
        let p = TestPicture {
            group: "Maple".into(),
            date: "2026-03-01".into(),
            what: "at least 65% supporter or better".into(),
            percent: 65,
            lines: vec![TestLine {
                name: EVIL.into(),
                partial: false,
                passed: false,
                people: 3,
                meeting: 1,
                needed: 2,
            }],
            passed: false,
            partial: false,
        };
        let missing = vec![MissingPeople {
            unit: EVIL.into(),
            names: vec![format!("{EVIL} (undecided)")],
            more: 2,
            do_not_contact: 1,
        }];
        let page = test_page(&p, &missing);
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("<li>&lt;script&gt;alert(1)"), "{page}");
        assert!(page.contains("and 2 more"));
        assert!(page.contains("1 more marked do-not-contact"));
        assert!(page.contains("keep it on this laptop"));
        assert!(page.contains("0 of 1 units pass."));
        assert!(
            page.contains("<td class=\"num\">1</td></tr>"),
            "short by 1: {page}"
        );
        // Without names (every unit passes) there is nothing private to warn about.
        assert!(!test_page(&p, &[]).contains("keep it on this laptop"));
    }
}
