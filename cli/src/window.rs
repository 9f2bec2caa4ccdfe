//! The time range a command reads: `--since 1h` (up to now) or `--from T [--to T]` (RFC 3339),
//! in the stored form, so it compares with stored receipt times as text.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use webhook_core::event::rfc3339;

use crate::error::CliError;

/// `[from, to)`, RFC 3339 as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub from: String,
    pub to: String,
}

impl Window {
    /// The range of `--since`, `--from` and `--to` at `now`; `default_since` when none is given.
    /// `--since` cannot be combined with `--from`/`--to` (the command line refuses it).
    pub fn of(
        since: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        default_since: Duration,
        now: OffsetDateTime,
    ) -> Result<Self, CliError> {
        let to_time = to.map(|text| instant(text, "--to")).transpose()?;
        let from_time = match (since, from) {
            (Some(since), _) => now - duration(since)?,
            (None, Some(from)) => instant(from, "--from")?,
            (None, None) if to_time.is_some() => {
                return Err(CliError::Usage("--to needs --from".into()));
            }
            (None, None) => now - default_since,
        };
        let to_time = to_time.unwrap_or(now);
        if from_time >= to_time {
            return Err(CliError::Usage(format!(
                "the range is empty: {} is not before {}",
                rfc3339(from_time),
                rfc3339(to_time)
            )));
        }
        Ok(Self {
            from: rfc3339(from_time),
            to: rfc3339(to_time),
        })
    }
}

/// An RFC 3339 time (`2026-11-01T00:00:00Z`, `2026-11-01T01:00:00+01:00`).
pub fn instant(text: &str, option: &str) -> Result<OffsetDateTime, CliError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        CliError::Usage(format!(
            "{option} {text:?} is not an RFC 3339 time such as 2026-11-01T00:00:00Z"
        ))
    })
}

/// A duration such as `90s`, `15m`, `1h`, `7d`, `2w`, or several (`1h30m`).
pub fn duration(text: &str) -> Result<Duration, CliError> {
    let invalid = || {
        CliError::Usage(format!(
            "{text:?} is not a duration such as 30m, 1h, 7d or 1h30m (units s, m, h, d, w)"
        ))
    };
    let mut total = Duration::ZERO;
    let mut digits = String::new();
    for character in text.trim().chars() {
        if character.is_ascii_digit() {
            digits.push(character);
            continue;
        }
        let count: i64 = digits.parse().map_err(|_| invalid())?;
        digits.clear();
        let unit = match character {
            's' => Duration::SECOND,
            'm' => Duration::MINUTE,
            'h' => Duration::HOUR,
            'd' => Duration::DAY,
            'w' => Duration::WEEK,
            _ => return Err(invalid()),
        };
        total = unit
            .checked_mul(i32::try_from(count).map_err(|_| invalid())?)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(invalid)?;
    }
    if !digits.is_empty() || total <= Duration::ZERO {
        return Err(invalid());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-29 12:00:00.250 UTC);

    #[test]
    fn durations() {
        assert_eq!(duration("90s").unwrap(), Duration::seconds(90));
        assert_eq!(duration("1h30m").unwrap(), Duration::minutes(90));
        assert_eq!(duration("7d").unwrap(), Duration::days(7));
        assert_eq!(duration("2w").unwrap(), Duration::days(14));
        for bad in ["", "1", "h", "1x", "-1h", "0m", "1h30", "99999999999d"] {
            assert!(
                matches!(duration(bad), Err(CliError::Usage(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn windows_in_the_stored_form() {
        let day = Duration::DAY;
        assert_eq!(
            Window::of(Some("1h"), None, None, day, NOW).unwrap(),
            Window {
                from: "2026-11-29T11:00:00.250Z".into(),
                to: "2026-11-29T12:00:00.250Z".into()
            }
        );
        assert_eq!(
            Window::of(None, None, None, day, NOW).unwrap().from,
            "2026-11-28T12:00:00.250Z"
        );
        assert_eq!(
            Window::of(
                None,
                Some("2026-11-01T01:00:00+01:00"),
                Some("2026-11-02T00:00:00Z"),
                day,
                NOW
            )
            .unwrap(),
            Window {
                from: "2026-11-01T00:00:00.000Z".into(),
                to: "2026-11-02T00:00:00.000Z".into()
            }
        );
        assert_eq!(
            Window::of(None, Some("2026-11-29T00:00:00Z"), None, day, NOW)
                .unwrap()
                .to,
            "2026-11-29T12:00:00.250Z"
        );
        for (from, to) in [
            (Some("yesterday"), None),
            (None, Some("2026-11-02T00:00:00Z")),
            (Some("2026-11-02T00:00:00Z"), Some("2026-11-01T00:00:00Z")),
        ] {
            assert!(matches!(
                Window::of(None, from, to, day, NOW),
                Err(CliError::Usage(_))
            ));
        }
    }
}
