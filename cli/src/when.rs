//! Dates and times as people type and read them: local time in, UTC stored, local time out.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use groundwork_core::model::Timestamp;

const FORMS: &str = "use YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" (local time), RFC 3339 \
                     (2025-06-01T18:30:00Z), today, tomorrow or yesterday";

/// A conversation's time: a date alone means noon that day.
pub(crate) fn parse_at(s: &str) -> Result<Timestamp, String> {
    parse(s, NaiveTime::from_hms_opt(12, 0, 0))
}

/// A due date: a date alone means the end of that day.
pub(crate) fn parse_due(s: &str) -> Result<Timestamp, String> {
    parse(s, NaiveTime::from_hms_opt(23, 59, 59))
}

fn parse(s: &str, date_only: Option<NaiveTime>) -> Result<Timestamp, String> {
    let s = s.trim();
    let time = date_only.unwrap_or(NaiveTime::MIN);
    let today = Local::now().date_naive();
    let named = match s.to_lowercase().as_str() {
        "now" => return Ok(Utc::now()),
        "today" => Some(today),
        "tomorrow" => today.succ_opt(),
        "yesterday" => today.pred_opt(),
        _ => None,
    };
    if let Some(day) = named {
        return local_to_utc(day.and_time(time));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for form in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, form) {
            return local_to_utc(t);
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local_to_utc(day.and_time(time));
    }
    Err(format!("`{s}` is not a date or time: {FORMS}"))
}

/// A local wall-clock time in UTC; the earlier one when the clock was turned back.
fn local_to_utc(t: NaiveDateTime) -> Result<Timestamp, String> {
    Local
        .from_local_datetime(&t)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{t} does not exist in the local time zone (a clock change)"))
}

/// A time for a table: local, to the minute.
pub(crate) fn show_time(t: &Timestamp) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A day for a table: local.
pub(crate) fn show_date(t: &Timestamp) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_forms() {
        let t = parse_at("2025-06-01T18:30:00Z").expect("rfc3339");
        assert_eq!(t.to_rfc3339(), "2025-06-01T18:30:00+00:00");
        let local = parse_at("2025-06-01 18:30").expect("local");
        assert_eq!(show_time(&local), "2025-06-01 18:30");
        let due = parse_due("2025-06-01").expect("date");
        assert_eq!(show_time(&due), "2025-06-01 23:59");
        assert!(parse_due("yesterday").expect("yesterday") < Utc::now());
        assert!(parse_at("next week-ish").is_err());
    }
}
