//! The wall chart's page and image as a person meets them: `groundwork chart --html --png` on a
//! small known group whose names try to inject markup, then the page opened in a real headless
//! browser (Debian's Chromium): the DOM after loading, the page printed to PDF and read back as
//! text, and a screenshot. Chromium is required: without it this test fails and says how to
//! install it, unless GROUNDWORK_SKIP_BROWSER=1 says to skip the browser on purpose (CI never
//! sets it).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{TimeZone, Utc};
use common::{Run, Running, isolate};
use groundwork_core::model::{
    Channel, ConversationSteps, NewContact, NewConversation, NewTerrainTree, TerrainEdit, TreeKind,
    Update,
};
use groundwork_core::{Group, Repo, StoreKey, ids::UnitId};
use serde_json::Value;

const COMMAND_DEADLINE: Duration = Duration::from_secs(120);
const BROWSER_DEADLINE: Duration = Duration::from_secs(120);

/// A unit name and a group name that are markup, quotes and ampersands.
const EVIL_UNIT: &str = "<script>alert(1)</script> & \"Dept\"";
const EVIL_GROUP: &str = "Maple <img src=x onerror=\"document.title='pwned'\"> & 'Co'";
const FLOOR: &str = "Floor 2";
const APARTMENT: &str = "Apt 2B";

/// People per level (leader, supporter, undecided, pass, not assessed) in each unit as the
/// chart shows it, the floor counting its apartment.
const EVIL_COUNTS: [u64; 5] = [2, 1, 1, 0, 0];
const FLOOR_COUNTS: [u64; 5] = [0, 1, 1, 2, 1];
const APARTMENT_COUNTS: [u64; 5] = [0, 1, 0, 1, 0];

fn groundwork(dir: &Path, store: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_groundwork"));
    isolate(&mut cmd, dir, store, args);
    let run = Running::spawn(cmd, args).finish(COMMAND_DEADLINE);
    assert_eq!(
        run.code,
        Some(0),
        "groundwork {:?} failed:\nstdout:\n{}\nstderr:\n{}",
        run.args,
        run.stdout,
        run.stderr
    );
    run
}

/// The store's key, derived as `groundwork` does from the passphrase and `<store>.kdf`.
fn store_key(store: &Path) -> StoreKey {
    let kdf: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}.kdf", store.display())).expect("kdf file"),
    )
    .expect("kdf JSON");
    let n = |k: &str| u32::try_from(kdf[k].as_u64().expect("a number")).expect("fits");
    let salt = hex::decode(kdf["salt"].as_str().expect("salt")).expect("hex");
    let params = Params::new(n("m_kib"), n("t"), n("p"), Some(32)).expect("params");
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(common::PASS.as_bytes(), &salt, &mut key)
        .expect("argon2");
    StoreKey::from_bytes(&key).expect("key")
}

fn person(group: &Group, name: &str, unit: UnitId, assessment: Option<i64>, committee: bool) {
    let contact = group
        .create_contact(&NewContact {
            unit: Some(unit),
            tags: if committee {
                vec!["committee".into()]
            } else {
                Vec::new()
            },
            organizers: if assessment.is_some_and(|a| a <= 2) {
                vec!["Rosa".into()]
            } else {
                Vec::new()
            },
            ..NewContact::named(name)
        })
        .expect("contact");
    if let Some(a) = assessment {
        group
            .record_conversation(
                contact.id,
                &NewConversation {
                    organizer: "Rosa".into(),
                    at: Utc
                        .with_ymd_and_hms(2026, 2, 1, 18, 0, 0)
                        .single()
                        .expect("date"),
                    place: "front door".into(),
                    channel: Channel::Door,
                    steps: ConversationSteps::default(),
                    assessment: Some(a),
                    next_steps: String::new(),
                },
            )
            .expect("conversation");
    }
}

/// A group made with `groundwork init`, its terrain and people added through core (the CLI has
/// no command for terrain yet): a floor with an apartment, and a unit named like a script.
fn known_group(dir: &Path) -> PathBuf {
    let store = dir.join("data").join("store.db");
    groundwork(dir, &store, &["init", "--group-name", EVIL_GROUP]);
    let repo = Repo::open(&store, &store_key(&store)).expect("open the store");
    let (id, _) = repo.groups().expect("groups")[0].clone();
    let group = repo.group(id).expect("group");
    let tree = group
        .create_terrain(&NewTerrainTree {
            name: "Maple Court".into(),
            kind: TreeKind::Building,
        })
        .expect("terrain");
    let (evil, floor, apartment) = (UnitId::random(), UnitId::random(), UnitId::random());
    let unit = |id, name: &str, parent| TerrainEdit::AddUnit {
        id,
        name: name.into(),
        parent,
        level: "floor".into(),
    };
    group
        .update_terrain(
            tree.id,
            &Update::new(vec![
                unit(evil, EVIL_UNIT, None),
                unit(floor, FLOOR, None),
                unit(apartment, APARTMENT, Some(floor)),
            ]),
        )
        .expect("units");
    // The default scale: 1 leader, 2 supporter, 3 undecided, 4 pass.
    person(&group, "Ana Lima", evil, Some(1), true);
    person(&group, "Ben Okafor", evil, Some(1), false);
    person(&group, "Cleo Park", evil, Some(2), false);
    person(&group, "Dev Shah", evil, Some(3), false);
    person(&group, "Eli Moreno", floor, Some(3), false);
    person(&group, "Fay Chen", floor, Some(4), false);
    person(&group, "Gus Berg", floor, None, false);
    person(&group, "Hana Sato", apartment, Some(2), false);
    person(&group, "Ivo Petrov", apartment, Some(4), false);
    drop(group);
    drop(repo);
    store
}

/// Chromium, or a failure that says how to get it; `None` only when skipping is asked for.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file());
    if found.is_none() && std::env::var("GROUNDWORK_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("GROUNDWORK_SKIP_BROWSER=1: the page is not opened in a browser");
        return None;
    }
    Some(found.unwrap_or_else(|| {
        panic!(
            "this test opens the chart in Chromium, which is not installed: run \
             `apt-get install -y chromium` (.ci/run does), or set GROUNDWORK_SKIP_BROWSER=1 to \
             skip the browser knowingly"
        )
    }))
}

/// Runs headless Chromium on `page` with `args`, in its own profile folder, to the end.
fn browse(chromium: &Path, profile: &Path, page: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let run = Running::spawn(cmd, args).finish(BROWSER_DEADLINE);
    assert_eq!(
        run.code,
        Some(0),
        "chromium {:?} failed:\n{}",
        run.args,
        run.stderr
    );
    run
}

/// The colours of the legend, by label, as the page declares them (`#rrggbb`).
fn legend(page: &str) -> Vec<(String, [u8; 3])> {
    let list = page
        .split("<ul class=\"legend\">")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .expect("a legend");
    list.split("<li>")
        .skip(1)
        .map(|item| {
            let hex = item
                .split("background:#")
                .nth(1)
                .map(|s| &s[..6])
                .expect("a swatch colour");
            let label = item
                .split("</span>")
                .nth(1)
                .and_then(|s| s.split("</li>").next())
                .expect("a label");
            let rgb = hex::decode(hex).expect("hex colour");
            (label.to_owned(), [rgb[0], rgb[1], rgb[2]])
        })
        .collect()
}

/// Decodes a PNG: width, height and how many pixels have each exact colour.
fn pixels(png_file: &Path) -> (u32, u32, BTreeMap<[u8; 3], u64>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_file).expect("png file"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let mut counts = BTreeMap::new();
    for px in buf[..info.buffer_size()].chunks_exact(channels) {
        *counts.entry([px[0], px[1], px[2]]).or_insert(0) += 1;
    }
    (info.width, info.height, counts)
}

/// Each level's share of all bar area: the sum over units of its share of the unit's people.
fn expected_shares() -> Vec<f64> {
    let mut shares = [0.0; 5];
    for unit in [EVIL_COUNTS, FLOOR_COUNTS, APARTMENT_COUNTS] {
        let people: u64 = unit.iter().sum();
        for (s, n) in shares.iter_mut().zip(unit) {
            *s += n as f64 / people as f64;
        }
    }
    let total: f64 = shares.iter().sum();
    shares.iter().map(|s| s / total).collect()
}

/// Asserts that the legend's colours cover the image in the proportions of the counts.
fn assert_bars_in_proportion(image: &Path, colours: &[(String, [u8; 3])]) {
    let (_, _, counts) = pixels(image);
    let measured: Vec<u64> = colours
        .iter()
        .map(|(_, c)| counts.get(c).copied().unwrap_or(0))
        .collect();
    let total: u64 = measured.iter().sum();
    assert!(
        total > 10_000,
        "bars are missing in {image:?}: {measured:?}"
    );
    for ((label, _), (m, e)) in colours.iter().zip(measured.iter().zip(expected_shares())) {
        let share = *m as f64 / total as f64;
        assert!(
            (share - e).abs() < 0.03,
            "{label}: {share:.3} of the bars' pixels in {image:?}, expected {e:.3} ({measured:?})"
        );
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_chart_page_shows_what_the_group_counted_and_runs_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = known_group(dir.path());
    let html = dir.path().join("chart.html");
    let image = dir.path().join("chart.png");
    let before = chrono::Local::now().date_naive().to_string();
    let run = groundwork(
        dir.path(),
        &store,
        &[
            "--json",
            "chart",
            "--html",
            html.to_str().expect("utf-8 path"),
            "--png",
            image.to_str().expect("utf-8 path"),
        ],
    );
    let after = chrono::Local::now().date_naive().to_string();
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["files"]["html"], html.display().to_string());
    assert_eq!(json["total"]["contacts"], 9, "{json}");

    // The file itself: one piece, nothing to fetch, every name escaped.
    let page = std::fs::read_to_string(&html).expect("the page");
    for fetch in [
        "src=\"", "href=", "url(", "@import", "http:", "https:", "<script", "<img",
    ] {
        assert!(!page.contains(fetch), "{fetch} in the page:\n{page}");
    }
    let colours = legend(&page);
    let labels: Vec<&str> = colours.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "leader 2",
            "supporter 2",
            "undecided 2",
            "pass 2",
            "not assessed 1"
        ]
    );

    // The image: 1080p, the bars' colours in proportion to the counts.
    let (w, h, _) = pixels(&image);
    assert_eq!((w, h), (1920, 1080));
    assert_bars_in_proportion(&image, &colours);

    let Some(chromium) = chromium() else { return };
    let profile = dir.path().join("chromium-profile");

    // The DOM after loading: the names are text, no element came from them, no script ran.
    let dom = browse(&chromium, &profile, &html, &["--dump-dom"]).stdout;
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"Dept\""),
        "{dom}"
    );
    for element in ["<script", "<img", "<title>pwned"] {
        assert!(!dom.contains(element), "{element} in the DOM:\n{dom}");
    }

    // What a person reads: the page printed by the browser, its text extracted.
    let pdf = dir.path().join("chart.pdf");
    browse(
        &chromium,
        &profile,
        &html,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    let text = one_line(&pdf_extract::extract_text(&pdf).expect("the PDF's text"));
    let dated = text.contains(&before) || text.contains(&after);
    assert!(dated, "no date ({before}) in: {text}");
    for seen in [
        &format!("Wall chart: {EVIL_GROUP}")[..],
        EVIL_UNIT,
        FLOOR,
        APARTMENT,
        "75%",
        "3 of 4",
        "meets 65%",
        "20%",
        "1 of 5",
        "below 65%",
        "50%",
        "none",
        "1 of 2",
        "leader 2",
        "not assessed 1",
        "9 people · 4 supporter or better (44%)",
    ] {
        // A long name may wrap where the browser likes (after "alert(1)"): compare without spaces.
        let squeezed = |t: &str| t.replace(' ', "");
        assert!(
            squeezed(&text).contains(&squeezed(seen)),
            "{seen:?} is not visible in: {text}"
        );
    }

    // What a person sees: a screenshot with the bars in the legend's colours, in proportion.
    let shot = dir.path().join("shot.png");
    browse(
        &chromium,
        &profile,
        &html,
        &[
            "--window-size=1600,1100",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let (w, h, counts) = pixels(&shot);
    assert_eq!((w, h), (1600, 1100));
    let white = counts.get(&[255, 255, 255]).copied().unwrap_or(0);
    assert!(
        white < u64::from(w * h) * 95 / 100,
        "the screenshot is blank: {white} white pixels"
    );
    assert_bars_in_proportion(&shot, &colours);
}

#[test]
fn a_structure_test_page_names_who_is_missing_and_its_image_does_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = known_group(dir.path());
    let html = dir.path().join("test.html");
    let image = dir.path().join("test.png");
    let run = groundwork(
        dir.path(),
        &store,
        &[
            "chart",
            "test",
            "--min-supporters",
            "65%",
            "--html",
            html.to_str().expect("utf-8 path"),
            "--png",
            image.to_str().expect("utf-8 path"),
        ],
    );
    assert!(run.stdout.contains("Wrote the page to"), "{}", run.stdout);
    assert!(
        run.stderr.contains("keep it on this laptop"),
        "{}",
        run.stderr
    );
    let page = std::fs::read_to_string(&html).expect("the page");
    assert!(!page.contains("<script"), "{page}");
    // The floor fails (1 of 5): who to talk to, strongest first; the script-named unit passes.
    let missing = page.split("Who to talk to next").nth(1).expect("names");
    let order: Vec<usize> = [
        "Eli Moreno (undecided)",
        "Fay Chen (pass)",
        "Gus Berg (not assessed)",
    ]
    .iter()
    .map(|n| {
        missing
            .find(n)
            .unwrap_or_else(|| panic!("{n} missing: {page}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(
        !missing.contains("Dev Shah"),
        "a passing unit's people are not listed"
    );
    assert!(page.contains("keep it on this laptop"));
    let (w, h, counts) = pixels(&image);
    assert_eq!((w, h), (1920, 1080));
    // One unit passes and one fails: both badge colours are there.
    let pass = counts.get(&[0x08, 0x51, 0x9c]).copied().unwrap_or(0);
    let fail = counts.get(&[0xd9, 0x48, 0x01]).copied().unwrap_or(0);
    assert!(pass > 2_000 && fail > 2_000, "pass {pass}, fail {fail}");
}
