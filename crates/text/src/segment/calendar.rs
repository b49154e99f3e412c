//! Calendar words: the names of weekdays and months, written out or abbreviated.

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
];

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// `word` lowercased, without one trailing full stop ("Jan." → "jan").
fn key(word: &str) -> String {
    word.strip_suffix('.').unwrap_or(word).to_lowercase()
}

/// Whether `word` (any case, an abbreviation's full stop allowed) names a weekday, written
/// out ("Thursday") or as a three- or four-letter abbreviation with a capital ("Thu.",
/// "Thurs"). A lower-case abbreviation ("sat", "sun", "wed") is an English word, not a day.
pub fn is_weekday(word: &str) -> bool {
    let k = key(word);
    WEEKDAYS.contains(&k.as_str())
        && (k.len() > 5 || word.chars().next().is_some_and(char::is_uppercase))
}

/// Whether `word` (any case, an abbreviation's full stop allowed) names a month ("March",
/// "Sept.", "dec"). Several month names are also other words ("may", "march") or names
/// ("May", "August"): a caller decides from context.
pub fn is_month(word: &str) -> bool {
    MONTHS.contains(&key(word).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_months_in_their_written_forms() {
        for w in ["Thursday", "thursday", "Thu.", "Thurs", "Sat"] {
            assert!(is_weekday(w), "{w}");
        }
        for w in ["sat", "sun", "wed", "Thursdays", "Today"] {
            assert!(!is_weekday(w), "{w}");
        }
        for w in ["January", "Sept.", "dec", "May", "march"] {
            assert!(is_month(w), "{w}");
        }
        assert!(!is_month("Mayor"));
        assert!(!is_month("Decimal"));
    }
}
