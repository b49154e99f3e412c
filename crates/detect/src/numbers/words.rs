//! English number words: "forty-one", "two hundred and five", "3 million" → values, and
//! back (for the round-trip property test).

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] =
    ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// The value of a single number word (`seven`, `forty`, `hundred`, `dozen`…), if it is one.
pub fn word_value(w: &str) -> Option<u64> {
    let w = w.to_ascii_lowercase();
    if let Some(i) = ONES.iter().position(|x| *x == w) {
        return Some(i as u64);
    }
    if let Some(i) = TENS.iter().position(|x| !x.is_empty() && *x == w) {
        return Some(10 * i as u64);
    }
    match w.as_str() {
        "hundred" => Some(100),
        "thousand" => Some(1_000),
        "million" => Some(1_000_000),
        "billion" => Some(1_000_000_000),
        "trillion" => Some(1_000_000_000_000),
        "lakh" | "lakhs" => Some(100_000),
        "crore" | "crores" => Some(10_000_000),
        w if is_dozen(w) => Some(12),
        // British "nought" and "naught" are zero ("nine point nought four").
        "nought" | "naught" => Some(0),
        _ => None,
    }
}

/// The parts a denominator word divides into, and whether it is plural: "third" (3),
/// "fifths" (5), "quarter" (4), "half"/"halves" (2), "tenths", "hundredth",
/// "millionths"… ("first" and "second(s)" are not denominators: "two seconds" is a time).
pub fn denominator(w: &str) -> Option<(u64, bool)> {
    let w = w.to_ascii_lowercase();
    match w.as_str() {
        "half" => return Some((2, false)),
        "halves" => return Some((2, true)),
        "quarter" => return Some((4, false)),
        "quarters" => return Some((4, true)),
        _ => {}
    }
    let (stem, plural) = match w.strip_suffix('s') {
        Some(s) => (s, true),
        None => (w.as_str(), false),
    };
    if let Some(tens) = stem.strip_suffix("ieth") {
        // "twentieth" → "twenty", "fortieths" → "forty".
        let i = TENS.iter().position(|t| !t.is_empty() && t.strip_suffix('y') == Some(tens))?;
        return Some((10 * i as u64, plural));
    }
    let cardinal = match stem {
        "third" => "three",
        "fifth" => "five",
        "eighth" => "eight",
        "ninth" => "nine",
        "twelfth" => "twelve",
        _ => stem.strip_suffix("th")?,
    };
    let v = word_value(cardinal)?;
    (v >= 3 && cardinal != "dozen").then_some((v, plural))
}

/// The units place of a compound ordinal, and whether it is plural: "first" (1) …
/// "ninth" (9), "fifths" — what "twenty-" or "one hundred" before it completes ("twenty-
/// first", "thirty fifths", "hundred fifth").
pub fn ordinal_unit(w: &str) -> Option<(u64, bool)> {
    let w = w.to_ascii_lowercase();
    let (stem, plural) = match w.strip_suffix('s') {
        Some(s) => (s, true),
        None => (w.as_str(), false),
    };
    let v = match stem {
        "first" => 1,
        "second" => 2,
        // An ordinal word ("third", "fifth"), not "quarter": "twenty-quarter" is none.
        _ if stem == "third" || stem.ends_with("th") => {
            denominator(stem).map(|(v, _)| v).filter(|v| (3..10).contains(v))?
        }
        _ => return None,
    };
    Some((v, plural))
}

/// Whether `w` (lowercase) is "dozen" or one of its plurals and abbreviations.
pub fn is_dozen(w: &str) -> bool {
    matches!(w, "dozen" | "dozens" | "doz" | "dozs" | "dz" | "dzs")
}

/// Whether `w` is a word that multiplies what precedes it.
pub fn is_scale(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "hundred" | "thousand" | "million" | "billion" | "trillion" | "lakh" | "crore"
    )
}

/// Parses a run of number words ("two hundred and five", "forty-one", "a dozen",
/// "one million two hundred thousand"). `None` when the words are not a well-formed number.
pub fn parse_words(s: &str) -> Option<u64> {
    let parts: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|p| !p.is_empty())
        .map(|p| p.to_ascii_lowercase())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let (mut total, mut current, mut any) = (0u64, 0u64, false);
    let mut last_small: Option<u64> = None; // the last word below 100, to reject "five five"
    let mut small = 0u64; // the words below 100 since the last "hundred": what "dozen" counts
    let mut group = 0u64; // what the last scale word of a thousand or more added
    for (i, p) in parts.iter().enumerate() {
        if p == "and" {
            if i == 0 || i + 1 == parts.len() {
                return None;
            }
            continue;
        }
        if p == "a" && i == 0 {
            current = 1;
            any = true;
            last_small = Some(1);
            continue;
        }
        let v = word_value(p)?;
        match v {
            100 => {
                current = current.max(1).checked_mul(100)?;
                (last_small, small, group) = (None, 0, 0);
            }
            // "three hundred and two dozen" is 300 + 24: a dozen counts the words after
            // the last hundred, or all before it ("a hundred dozen").
            12 if is_dozen(p) => {
                current = if small == 0 {
                    current.max(1).checked_mul(12)?
                } else {
                    (current - small).checked_add(small.checked_mul(12)?)?
                };
                (last_small, small, group) = (None, 0, 0);
            }
            // A scale right after a scale multiplies its group: "three lakh crore" is
            // 3 × 10^12, "a thousand million" 10^9.
            v if v >= 1_000 && current == 0 && group > 0 => {
                let g = group.checked_mul(v)?;
                total = total.checked_sub(group)?.checked_add(g)?;
                group = g;
            }
            v if v >= 1_000 => {
                group = current.max(1).checked_mul(v)?;
                total = total.checked_add(group)?;
                current = 0;
                (last_small, small) = (None, 0);
            }
            v => {
                // "twenty" may be followed by a unit word; two units or two tens may not.
                if let Some(prev) = last_small {
                    if !(prev >= 20 && prev % 10 == 0 && v < 10) {
                        return None;
                    }
                }
                current += v;
                small += v;
                group = 0;
                last_small = Some(v);
            }
        }
        any = true;
    }
    any.then_some(total + current)
}

/// Writes `n` (below a billion) in English words, British style with "and".
pub fn to_words(n: u64) -> String {
    fn below_thousand(n: u64) -> String {
        let (h, rest) = (n / 100, n % 100);
        let mut parts = Vec::new();
        if h > 0 {
            parts.push(format!("{} hundred", ONES[h as usize]));
        }
        if rest > 0 {
            let r = if rest < 20 {
                ONES[rest as usize].to_string()
            } else if rest % 10 == 0 {
                TENS[(rest / 10) as usize].to_string()
            } else {
                format!("{}-{}", TENS[(rest / 10) as usize], ONES[(rest % 10) as usize])
            };
            if h > 0 {
                parts.push("and".to_string());
            }
            parts.push(r);
        }
        parts.join(" ")
    }
    if n == 0 {
        return "zero".into();
    }
    let mut parts = Vec::new();
    let (m, t, u) = (n / 1_000_000, (n / 1_000) % 1_000, n % 1_000);
    if m > 0 {
        parts.push(format!("{} million", below_thousand(m)));
    }
    if t > 0 {
        parts.push(format!("{} thousand", below_thousand(t)));
    }
    if u > 0 {
        if (m > 0 || t > 0) && u < 100 {
            parts.push("and".into());
        }
        parts.push(below_thousand(u));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        for (s, v) in [
            ("seven", Some(7)),
            ("forty-one", Some(41)),
            ("two hundred and five", Some(205)),
            ("a dozen", Some(12)),
            ("three dozen", Some(36)),
            ("a hundred", Some(100)),
            ("one million two hundred thousand", Some(1_200_000)),
            ("twenty", Some(20)),
            ("five five", None),
            ("twenty thirty", None),
            ("and", None),
            ("ten and", None),
            ("banana", None),
        ] {
            assert_eq!(parse_words(s), v, "{s}");
        }
    }

    #[test]
    fn every_integer_below_a_million_round_trips() {
        for n in 0..1_000_000u64 {
            let w = to_words(n);
            assert_eq!(parse_words(&w), Some(n), "{n} → {w}");
        }
    }
}

#[cfg(test)]
mod denominator_tests {
    use super::{denominator, ordinal_unit};

    /// Each word with what [`denominator`] and [`ordinal_unit`] read in it.
    #[test]
    fn denominators_and_units_places_from_ordinal_words() {
        type Read = Option<(u64, bool)>;
        let cases: [(&str, Read, Read); 21] = [
            ("third", Some((3, false)), Some((3, false))),
            ("thirds", Some((3, true)), Some((3, true))),
            ("fifths", Some((5, true)), Some((5, true))),
            ("eighth", Some((8, false)), Some((8, false))),
            ("ninth", Some((9, false)), Some((9, false))),
            ("tenths", Some((10, true)), None),
            ("twelfth", Some((12, false)), None),
            ("twentieth", Some((20, false)), None),
            ("fortieths", Some((40, true)), None),
            ("hundredth", Some((100, false)), None),
            ("millionths", Some((1_000_000, true)), None),
            ("quarter", Some((4, false)), None),
            ("halves", Some((2, true)), None),
            // "two seconds" is a time; "twenty-second" completes a compound ordinal.
            ("second", None, Some((2, false))),
            ("seconds", None, Some((2, true))),
            ("first", None, Some((1, false))),
            ("firsts", None, Some((1, true))),
            ("month", None, None),
            ("growth", None, None),
            ("dozenth", None, None),
            ("tenth", Some((10, false)), None),
        ];
        for (w, den, unit) in cases {
            assert_eq!(denominator(w), den, "{w}");
            assert_eq!(ordinal_unit(w), unit, "{w}");
        }
    }
}
