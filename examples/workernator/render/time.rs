//! Times and durations for people and for JSON, computed here (no date crate):
//! RFC 3339 in UTC through Howard Hinnant's `civil_from_days`.

use workernator::status::Timestamp;

const MILLIS_PER_DAY: u64 = 86_400_000;

/// `2024-05-01T12:00:00.123Z`: RFC 3339, UTC, to the millisecond.
pub(crate) fn rfc3339(time: Timestamp) -> String {
    let (date, (hour, minute, second, millis)) = split(time);
    format!("{date}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// `2024-05-01 12:00:00 UTC`, as the RFD's status block shows times.
pub(crate) fn human(time: Timestamp) -> String {
    let (date, (hour, minute, second, _)) = split(time);
    format!("{date} {hour:02}:{minute:02}:{second:02} UTC")
}

/// The date as `YYYY-MM-DD`, and the time of day.
fn split(time: Timestamp) -> (String, (u64, u64, u64, u64)) {
    let millis = time.as_millis();
    let days = millis / MILLIS_PER_DAY;
    let of_day = millis % MILLIS_PER_DAY;
    let (year, month, day) = civil_from_days(days as i64);
    let clock = (
        of_day / 3_600_000,
        of_day / 60_000 % 60,
        of_day / 1000 % 60,
        of_day % 1000,
    );
    (format!("{year:04}-{month:02}-{day:02}"), clock)
}

/// The proleptic Gregorian date `days` days after 1970-01-01.
///
/// Hinnant's algorithm: count in 400-year eras that start on March 1st, so the
/// leap day is the last day of the (shifted) year.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let shifted_month = (5 * day_of_year + 2) / 153; // [0, 11], March = 0
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32; // [1, 31]
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32; // [1, 12]
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The inverse of [`civil_from_days`]: days from 1970-01-01 to a date.
#[cfg(test)]
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = i64::from(if month > 2 { month - 3 } else { month + 9 });
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A length of time for people: `850 ms`, `1 second`, `2 minutes 5 seconds`,
/// `3 hours 12 minutes`, `2 days 4 hours`.
pub(crate) fn duration(millis: u64) -> String {
    if millis < 1000 {
        return format!("{millis} ms");
    }
    let seconds = millis / 1000;
    let units = [
        (seconds / 86_400, "day"),
        (seconds / 3600 % 24, "hour"),
        (seconds / 60 % 60, "minute"),
        (seconds % 60, "second"),
    ];
    // The two most significant units, from the first that is not zero.
    let first = units.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    units[first..]
        .iter()
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: u64) -> Timestamp {
        Timestamp::from_millis(millis)
    }

    #[test]
    fn known_instants_format_as_rfc3339() {
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at(951_782_400_000)), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(at(1_700_000_000_123)), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339(at(2_147_483_647_000)), "2038-01-19T03:14:07.000Z");
        assert_eq!(rfc3339(at(4_107_542_399_999)), "2100-02-28T23:59:59.999Z");
        assert_eq!(rfc3339(at(4_107_542_400_000)), "2100-03-01T00:00:00.000Z");
        assert_eq!(human(at(1_657_211_643_000)), "2022-07-07 16:34:03 UTC");
    }

    #[test]
    fn dates_round_trip_through_days() {
        for days in (-800_000..800_000).step_by(7) {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(
                days_from_civil(year, month, day),
                days,
                "{year}-{month}-{day}"
            );
        }
    }

    #[test]
    fn days_follow_the_calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
        assert_eq!(
            days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28),
            1
        );
        assert_eq!(
            days_from_civil(2024, 1, 1) - days_from_civil(2023, 1, 1),
            365
        );
        assert_eq!(
            days_from_civil(2025, 1, 1) - days_from_civil(2024, 1, 1),
            366
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 ms");
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(1_000), "1 second");
        assert_eq!(duration(59_999), "59 seconds");
        assert_eq!(duration(125_000), "2 minutes 5 seconds");
        assert_eq!(duration(3_600_000), "1 hour");
        assert_eq!(duration(3_660_000 + 5_000), "1 hour 1 minute");
        assert_eq!(
            duration(2 * 86_400_000 + 4 * 3_600_000 + 59_000),
            "2 days 4 hours"
        );
    }
}
