//! The sample workload: a deterministic, seeded "meeting-size group" for the demo, tests and
//! benchmarks — 2,000 contacts with 5 conversations each (10,000), 20 plans, 500 follow-ups, two
//! terrain trees (a workplace and a building) and the settings: ~12.5k records in ~2.5k documents.
//!
//! The same seed and base date give the same people, conversations and dates. (Ids of entries
//! inside a record — a phone, a tactic — are random, like any entry a person adds.)

use chrono::Duration;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::error::Result;
use crate::group::Group;
use crate::ids::{ContactId, ConversationId, FollowUpId, PlanId, TerrainTreeId, UnitId};
use crate::model::{
    AssessmentAtLeast, Channel, ContactEdit, ConversationSteps, Counted, FollowUpEdit,
    FollowUpKind, Horizon, NewContact, NewConversation, NewFollowUp, NewPlan, NewTerrainTree,
    PlanEdit, RecordQuery, RelationshipKind, SettingsEdit, TerrainEdit, Timestamp, TreeKind,
    Update,
};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Workload {
    pub seed: u64,
    pub contacts: usize,
    pub conversations_per_contact: usize,
    pub plans: usize,
    pub follow_ups: usize,
    /// Dates are spread around this day (conversations before it, follow-ups around it).
    pub base: Timestamp,
}

impl Workload {
    /// The meeting-size group: 2,000 contacts, 10,000 conversations, 20 plans, 500 follow-ups.
    pub fn meeting_size(base: Timestamp) -> Self {
        Self {
            seed: 2026,
            contacts: 2_000,
            conversations_per_contact: 5,
            plans: 20,
            follow_ups: 500,
            base,
        }
    }

    /// The same shape, `factor` times the size (at least one of each).
    pub fn scaled(&self, factor: f64) -> Self {
        let s = |n: usize| ((n as f64 * factor).round() as usize).max(1);
        Self {
            contacts: s(self.contacts),
            plans: s(self.plans),
            follow_ups: s(self.follow_ups),
            ..self.clone()
        }
    }

    /// How many records this workload makes (contacts, conversations, plans, follow-ups).
    pub fn records(&self) -> usize {
        self.contacts * (1 + self.conversations_per_contact) + self.plans + self.follow_ups
    }
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub contacts: Vec<ContactId>,
    pub plans: Vec<PlanId>,
    pub follow_ups: Vec<FollowUpId>,
    pub trees: Vec<TerrainTreeId>,
    pub units: Vec<UnitId>,
    pub organizers: Vec<String>,
    pub conversations: usize,
    pub documents: usize,
}

const FIRST: &[&str] = &[
    "Ana", "Luis", "Mei", "Tariq", "Grace", "Dmitri", "Fatima", "Jamal", "Rosa", "Kwame", "Priya",
    "Tom", "Leila", "Marcus", "Sofia", "Hiro", "Amara", "José", "Nadia", "Owen", "Yusuf", "Elena",
    "Dev", "Chloé", "Ibrahim", "Maya", "Sean", "Thu", "Carlos", "Aisha", "Ben", "Lucía", "Kofi",
    "Hana", "Pedro", "Zainab", "Ray", "Ines",
];
const LAST: &[&str] = &[
    "Ruiz",
    "Okafor",
    "Chen",
    "Haddad",
    "Kowalski",
    "Nguyen",
    "Mensah",
    "Silva",
    "Patel",
    "O'Brien",
    "Ivanova",
    "García",
    "Johnson",
    "Tanaka",
    "Abdi",
    "Murphy",
    "Rossi",
    "Kim",
    "Hernández",
    "Dubois",
    "Ali",
    "Schmidt",
    "Moreno",
    "Adeyemi",
    "Park",
    "Costa",
    "Novak",
    "Reyes",
    "Walker",
    "Yilmaz",
];
const ISSUES: &[&str] = &[
    "forced overtime on the night shift",
    "the broken heat in the building since November",
    "rent going up 14% at renewal",
    "short staffing on the floor",
    "the new scheduling app that changes shifts without notice",
    "mold in the bathroom that management ignores",
    "no raise in three years",
    "unsafe loading dock",
    "retaliation after the last petition",
    "pay docked for late clock-ins",
    "repairs that never get done",
    "harassment from a supervisor",
];
const TAGS: &[&str] = &[
    "spanish",
    "night-shift",
    "steward",
    "new-hire",
    "part-time",
    "committee",
    "tenant-rep",
    "arabic",
    "vietnamese",
];
const CHANNELS: &[Channel] = &[
    Channel::Door,
    Channel::Phone,
    Channel::Workplace,
    Channel::Event,
];
const ORGANIZERS: &[&str] = &[
    "Ana R.",
    "Luis O.",
    "Mei C.",
    "Tariq H.",
    "Grace K.",
    "Dmitri N.",
    "Fatima M.",
    "Jamal S.",
    "Rosa P.",
    "Kwame B.",
    "Priya I.",
    "Tom G.",
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn sentence(rng: &mut ChaCha8Rng, lead: &str) -> String {
    format!("{lead} {}, and {}.", pick(rng, ISSUES), pick(rng, ISSUES))
}

/// Fills `group` with the workload. `progress(done, total)` is called as documents are stored.
pub fn generate(
    group: &Group,
    w: &Workload,
    mut progress: impl FnMut(usize, usize),
) -> Result<Generated> {
    let mut rng = ChaCha8Rng::seed_from_u64(w.seed);
    let mut out = Generated {
        organizers: ORGANIZERS.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let total = w.contacts + w.plans + w.follow_ups + 2;

    group.update_settings(&Update::new(vec![SettingsEdit::AddOnboardingTemplate {
        name: "New member".into(),
        tasks: vec![
            "Have a one-on-one with your partner".into(),
            "Join a canvass shift".into(),
            "Take notes at a committee meeting".into(),
            "Bring one co-worker or neighbor to a meeting".into(),
        ],
    }]))?;

    // Terrain: a workplace (departments → shifts) and a building (floors → apartments).
    group.batch(|b| {
        let plant = TerrainTreeId::from_rng(&mut rng);
        b.create_terrain_with_id(
            plant,
            &NewTerrainTree {
                name: "Riverside Distribution Center".into(),
                kind: TreeKind::Workplace,
            },
        )?;
        let mut edits = Vec::new();
        for dept in [
            "Receiving",
            "Picking",
            "Packing",
            "Shipping",
            "Maintenance",
            "Dept. B",
        ] {
            let d = UnitId::from_rng(&mut rng);
            edits.push(TerrainEdit::AddUnit {
                id: d,
                name: dept.into(),
                parent: None,
                level: "department".into(),
            });
            out.units.push(d);
            for shift in ["days", "swing", "nights"] {
                let s = UnitId::from_rng(&mut rng);
                edits.push(TerrainEdit::AddUnit {
                    id: s,
                    name: format!("{dept} {shift}"),
                    parent: Some(d),
                    level: "shift".into(),
                });
                out.units.push(s);
            }
        }
        b.update_terrain(plant, &Update::new(edits))?;
        let building = TerrainTreeId::from_rng(&mut rng);
        b.create_terrain_with_id(
            building,
            &NewTerrainTree {
                name: "Maple Court Apartments".into(),
                kind: TreeKind::Building,
            },
        )?;
        let mut edits = Vec::new();
        for floor in 1..=8 {
            let f = UnitId::from_rng(&mut rng);
            edits.push(TerrainEdit::AddUnit {
                id: f,
                name: format!("Floor {floor}"),
                parent: None,
                level: "floor".into(),
            });
            out.units.push(f);
            for apt in 1..=10 {
                let a = UnitId::from_rng(&mut rng);
                edits.push(TerrainEdit::AddUnit {
                    id: a,
                    name: format!("Apt {floor}{apt:02}"),
                    parent: Some(f),
                    level: "unit".into(),
                });
                out.units.push(a);
            }
        }
        b.update_terrain(building, &Update::new(edits))?;
        out.trees = vec![plant, building];
        Ok(())
    })?;
    out.documents += 2; // the two terrain trees
    progress(2, total);

    // Contacts with their conversations, 100 per transaction.
    let mut done = 2;
    for chunk_start in (0..w.contacts).step_by(100) {
        let chunk_end = (chunk_start + 100).min(w.contacts);
        group.batch(|b| {
            for i in chunk_start..chunk_end {
                let id = ContactId::from_rng(&mut rng);
                let first = *pick(&mut rng, FIRST);
                let last = *pick(&mut rng, LAST);
                let unit = *pick(&mut rng, &out.units);
                let mut tags = vec![pick(&mut rng, TAGS).to_string()];
                if rng.random_bool(0.3) {
                    tags.push(pick(&mut rng, TAGS).to_string());
                }
                let phone = format!("0{}{:08}", rng.random_range(1..=9), i * 7919 % 100_000_000);
                let new = NewContact {
                    name: format!("{first} {last}"),
                    phones: vec![("mobile".into(), phone)],
                    emails: if rng.random_bool(0.6) {
                        vec![("personal".into(), format!("{}.{}{}@example.org", first.to_lowercase(), last.to_lowercase(), i))]
                    } else {
                        Vec::new()
                    },
                    addresses: Vec::new(),
                    unit: Some(unit),
                    tags,
                    custom: vec![("language".into(), pick(&mut rng, &["English", "Spanish", "Arabic", "Vietnamese", "Polish"]).to_string())],
                    organizers: vec![pick(&mut rng, ORGANIZERS).to_string()],
                    do_not_contact: rng.random_bool(0.01),
                    consent: vec![("sms".into(), rng.random_bool(0.7))],
                    notes: sentence(&mut rng, "Cares most about"),
                };
                b.create_contact_with_id(id, &new)?;
                if i > 0 && rng.random_bool(0.2) {
                    let other = *pick(&mut rng, &out.contacts);
                    let kind = pick(&mut rng, &[RelationshipKind::WorksWith, RelationshipKind::LivesWith, RelationshipKind::RecruitedBy]).clone();
                    b.update_contact(id, &Update::new(vec![ContactEdit::AddRelationship { kind, other }]))?;
                }
                for n in 0..w.conversations_per_contact {
                    let days_ago = (w.conversations_per_contact - n) as i64 * 14 + rng.random_range(0..10);
                    let conversation = NewConversation {
                        organizer: pick(&mut rng, ORGANIZERS).to_string(),
                        at: w.base - Duration::days(days_ago) + Duration::minutes(rng.random_range(0..600)),
                        place: pick(&mut rng, &["break room", "front door", "parking lot", "phone", "union hall"]).to_string(),
                        channel: pick(&mut rng, CHANNELS).clone(),
                        steps: ConversationSteps {
                            door: format!("Introduced myself as a co-worker from {}.", pick(&mut rng, &["Receiving", "Packing", "the 3rd floor", "next door"])),
                            story: sentence(&mut rng, "Talked about"),
                            vision: "If we stand together we can make management fix this, like the drivers did last year.".into(),
                            obstacles: format!("Worried about {}; we talked about how we protect each other.", pick(&mut rng, &["retaliation", "losing hours", "immigration status", "the landlord"])),
                            ask: "Will you sign the petition and come to the meeting on Thursday?".into(),
                            answer: pick(&mut rng, &["Yes, will come.", "Signed, can't come.", "Needs to think.", "No."]).to_string(),
                        },
                        assessment: if rng.random_bool(0.9) { Some(rng.random_range(1..=4)) } else { None },
                        next_steps: "Follow up after the meeting; introduce to the committee.".into(),
                    };
                    b.record_conversation_with_id(id, ConversationId::from_rng(&mut rng), &conversation)?;
                    out.conversations += 1;
                }
                out.contacts.push(id);
            }
            Ok(())
        })?;
        out.documents += chunk_end - chunk_start;
        done += chunk_end - chunk_start;
        progress(done, total);
    }

    // Plans.
    group.batch(|b| {
        for p in 0..w.plans {
            let id = PlanId::from_rng(&mut rng);
            let unit = *pick(&mut rng, &out.units);
            b.create_plan_with_id(id, &NewPlan {
                title: format!("{} campaign #{}", pick(&mut rng, &["Heat repairs", "Stop forced overtime", "Fair schedules", "Rent freeze", "Safety on the dock"]), p + 1),
                units: vec![unit],
                strategy: "Build a majority unit by unit, then escalate with a collective action everyone can join.".into(),
            })?;
            let mut edits = vec![
                PlanEdit::AddTerrainQuestion { question: "Who makes the decision we want changed?".into() },
                PlanEdit::AddTerrainQuestion { question: "Who are the respected people in each shift?".into() },
                PlanEdit::AddGoal { horizon: Horizon::Long, text: "A democratic organization that can win what members need.".into() },
                PlanEdit::AddGoal { horizon: Horizon::Medium, text: "A committee member on every shift.".into() },
                PlanEdit::AddGoal { horizon: Horizon::Short, text: "Win the demand in this campaign.".into() },
                PlanEdit::AddTactic { description: "Petition delivery".into(), owner: pick(&mut rng, ORGANIZERS).to_string(), date: Some(w.base + Duration::days(rng.random_range(1..60))) },
                PlanEdit::AddTactic { description: "Canvass every door".into(), owner: pick(&mut rng, ORGANIZERS).to_string(), date: Some(w.base + Duration::days(rng.random_range(1..30))) },
                PlanEdit::AddBenchmark {
                    description: "20 one-on-ones in the unit".into(),
                    target: 20,
                    deadline: Some(w.base + Duration::days(30)),
                    query: RecordQuery { unit: Some(unit), since: Some(w.base - Duration::days(60)), ..RecordQuery::counting(Counted::Conversations) },
                },
                PlanEdit::AddBenchmark {
                    description: "40 supporters or better in the unit before escalating".into(),
                    target: 40,
                    deadline: Some(w.base + Duration::days(45)),
                    query: RecordQuery { unit: Some(unit), assessment: Some(AssessmentAtLeast::SupporterOrBetter), ..RecordQuery::counting(Counted::Contacts) },
                },
                PlanEdit::AddReflection {
                    action: "First canvass".into(),
                    tactic: None,
                    at: w.base - Duration::days(7),
                    worked: "Pairs of a new and an experienced member.".into(),
                    didnt: "Too many doors for one evening.".into(),
                    next: "Smaller turf lists.".into(),
                    celebration: "Eight new people signed on!".into(),
                },
            ];
            if !out.contacts.is_empty() {
                edits.push(PlanEdit::AddContact(*pick(&mut rng, &out.contacts)));
            }
            b.update_plan(id, &Update::new(edits))?;
            out.plans.push(id);
        }
        Ok(())
    })?;
    out.documents += w.plans;
    done += w.plans;
    progress(done, total);

    // Follow-ups, around the base date: some overdue, some today, most ahead.
    for chunk_start in (0..w.follow_ups).step_by(250) {
        let chunk_end = (chunk_start + 250).min(w.follow_ups);
        group.batch(|b| {
            for i in chunk_start..chunk_end {
                let id = FollowUpId::from_rng(&mut rng);
                let onboarding = i % 10 == 0;
                // An onboarding task is about the new member who takes it.
                let contact = if out.contacts.is_empty() {
                    None
                } else {
                    Some(*pick(&mut rng, &out.contacts))
                };
                b.create_follow_up_with_id(
                    id,
                    &NewFollowUp {
                        kind: if onboarding {
                            FollowUpKind::Onboarding
                        } else {
                            FollowUpKind::FollowUp
                        },
                        title: if onboarding {
                            "Join a canvass shift".into()
                        } else {
                            "Check in after the meeting".into()
                        },
                        contact,
                        plan: if out.plans.is_empty() {
                            None
                        } else {
                            Some(*pick(&mut rng, &out.plans))
                        },
                        conversation: None,
                        assignee: pick(&mut rng, ORGANIZERS).to_string(),
                        partner: onboarding.then(|| pick(&mut rng, ORGANIZERS).to_string()),
                        due: Some(w.base + Duration::hours(rng.random_range(-72..24 * 21))),
                        note: "Bring the petition; ask about the night shift.".into(),
                        // Some are a leader's regular check-in, every two weeks.
                        repeat_every_days: (!onboarding && i % 25 == 1).then_some(14),
                        previous: None,
                    },
                )?;
                if rng.random_bool(0.2) {
                    b.update_follow_up(
                        id,
                        &Update::new(vec![FollowUpEdit::Complete {
                            at: w.base - Duration::hours(1),
                            note: String::new(),
                        }]),
                    )?;
                }
                out.follow_ups.push(id);
            }
            Ok(())
        })?;
        out.documents += chunk_end - chunk_start;
        done += chunk_end - chunk_start;
        progress(done, total);
    }
    out.documents += 1; // settings
    Ok(out)
}
