//! Finding quantities with exact spans.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use unspin_text::segment::{sentences, tokens, Token, TokenKind};

use super::words::{is_scale, parse_words, word_value};

/// What a quantity is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A count or amount ("2,460 tonnes", "seven").
    #[default]
    Cardinal,
    /// A percentage.
    Percent,
    /// Money.
    Money,
    /// An ordinal ("the third round").
    Ordinal,
    /// A year.
    Year,
    /// A calendar date.
    Date,
    /// A multiplier ("five times", "doubled", "twice").
    Multiplier,
    /// A fraction ("half", "a third").
    Fraction,
}

impl Kind {
    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Cardinal => "cardinal",
            Kind::Percent => "percent",
            Kind::Money => "money",
            Kind::Ordinal => "ordinal",
            Kind::Year => "year",
            Kind::Date => "date",
            Kind::Multiplier => "multiplier",
            Kind::Fraction => "fraction",
        }
    }
}

/// A quantity found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    /// Byte range of the text.
    pub range: Range<usize>,
    /// The value (the low end of a range).
    pub value: f64,
    /// The high end of a range.
    pub high: Option<f64>,
    /// The unit or counted noun ("tonnes", "%", "USD", "jobs").
    pub unit: Option<String>,
    /// What it is.
    pub kind: Kind,
    /// An approximation or bound word before it ("nearly", "more than").
    pub approx: Option<String>,
    /// The year it refers to, where the sentence says.
    pub time: Option<String>,
    /// Index of its sentence.
    pub sentence: usize,
}

static DIGITS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?P<approx>\b(?:nearly|almost|about|around|roughly|approximately|over|more\ than|less\ than|fewer\ than|under|at\ least|at\ most|up\ to|some|just\ over|just\ under)\s+)?
        (?P<cur>[$€£])?
        \b(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[\ \x{a0}]\d{3})+\b|\d+(?:\.\d+)?)
        (?P<mag>\s(?:million|billion|trillion|thousand)\b|(?:bn|m|k)\b)?
        (?P<pct>\s?%|\s(?:percent|per\ cent)\b)?
        (?P<range>\s?[–-]\s?(?P<hi>\d+(?:,\d{3})*(?:\.\d+)?)(?P<hipct>\s?%)?)?
        (?:(?P<ord>st|nd|rd|th)\b)?",
    )
    .expect("valid regex")
});

const APPROX_WORDS: &[&str] =
    &["nearly", "almost", "about", "around", "roughly", "approximately", "over", "under", "some"];
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
const ORDINALS: &[(&str, u64)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
    ("ninth", 9),
    ("tenth", 10),
    ("eleventh", 11),
    ("twelfth", 12),
    ("thirteenth", 13),
    ("fifteenth", 15),
    ("twentieth", 20),
    ("hundredth", 100),
];
const SKIP_ADJ: &[&str] = &[
    "new",
    "more",
    "additional",
    "old",
    "young",
    "other",
    "extra",
    "local",
    "registered",
    "rare",
    "small",
    "large",
    "big",
    "full",
    "free",
    "innocent",
    "extra",
    "different",
    "separate",
    "major",
    "minor",
    "public",
    "private",
    "british",
    "american",
    "foreign",
    "armed",
];
const NOT_UNITS: &[&str] = &[
    "of", "the", "and", "to", "in", "a", "an", "is", "was", "were", "are", "on", "for", "from",
    "by", "at", "than", "per", "or", "that", "which", "who", "more", "less", "then", "now", "this",
    "it", "they", "he", "she", "we", "i", "you", "as", "with", "but", "be", "been", "had", "has",
    "have", "will", "would", "times", "percent", "fold", "out", "so", "if", "not", "no", "before",
    "after", "since", "until", "last", "next", "ago", "each", "every",
];
const DETERMINERS: &[&str] = &["the", "a", "its", "their", "his", "her", "our", "this", "that"];

fn lower(t: &Token, text: &str) -> String {
    t.text(text).to_lowercase()
}

fn parse_digits(s: &str) -> Option<f64> {
    s.replace([',', ' ', '\u{a0}'], "").parse().ok()
}

/// The counted noun after byte offset `end`, skipping a few adjectives.
fn noun_after(text: &str, toks: &[Token], end: usize) -> Option<String> {
    let first = toks.partition_point(|t| t.start < end);
    let mut it = toks[first..].iter().take(3);
    let mut first = it.next()?;
    // "six-lane": the hyphenated word is the unit.
    if first.text(text) == "-" && first.start == end {
        first = it.next()?;
    } else if first.start > end + 1 || text[end..first.start].contains(['\n', '.', ',', ';', ':']) {
        return None;
    }
    let mut w = first;
    for _ in 0..2 {
        if w.kind != TokenKind::Word {
            return None;
        }
        let lw = lower(w, text);
        if SKIP_ADJ.contains(&lw.as_str()) {
            w = it.next()?;
            continue;
        }
        if NOT_UNITS.contains(&lw.as_str())
            || word_value(&lw).is_some()
            || MONTHS.contains(&lw.as_str())
        {
            return None;
        }
        if lw.chars().all(|c| c.is_alphabetic() || c == '\'') && lw.chars().count() > 1 {
            return Some(lw);
        }
        return None;
    }
    None
}

fn currency(sym: &str) -> &'static str {
    match sym {
        "$" => "USD",
        "€" => "EUR",
        "£" => "GBP",
        _ => "money",
    }
}

fn magnitude(m: &str) -> f64 {
    match m.trim().to_ascii_lowercase().as_str() {
        "thousand" | "k" => 1e3,
        "million" | "m" => 1e6,
        "billion" | "bn" => 1e9,
        "trillion" => 1e12,
        _ => 1.0,
    }
}

/// The disjoint byte ranges already claimed by a quantity, sorted for O(log n) tests.
#[derive(Default)]
struct Taken(std::collections::BTreeMap<usize, usize>);

impl Taken {
    /// Whether `r` overlaps a claimed range. The ranges are disjoint, so only the last one
    /// starting before `r.end` can overlap.
    fn overlaps(&self, r: &Range<usize>) -> bool {
        self.0.range(..r.end).next_back().is_some_and(|(_, &end)| end > r.start)
    }

    fn push(&mut self, r: Range<usize>) {
        self.0.insert(r.start, r.end);
    }

    /// Forgets the claimed ranges that lie inside `r`.
    fn remove_within(&mut self, r: &Range<usize>) {
        let inside: Vec<usize> =
            self.0.range(r.start..r.end).filter(|(_, &e)| e <= r.end).map(|(&s, _)| s).collect();
        for k in inside {
            self.0.remove(&k);
        }
    }
}

/// Adds a plain quantity (no range end, approximation or time) unless it overlaps one
/// already found.
fn add(
    out: &mut Vec<Quantity>,
    taken: &mut Taken,
    range: Range<usize>,
    value: f64,
    kind: Kind,
    unit: Option<String>,
    sentence: usize,
) {
    if taken.overlaps(&range) {
        return;
    }
    out.push(Quantity {
        range: range.clone(),
        value,
        high: None,
        unit,
        kind,
        approx: None,
        time: None,
        sentence,
    });
    taken.push(range);
}

/// Finds every quantity in `text`, in text order.
pub fn extract(text: &str) -> Vec<Quantity> {
    let toks = tokens(text);
    let sents = sentences(text);
    let sentence_of =
        |b: usize| sents.partition_point(|s| s.end <= b).min(sents.len().saturating_sub(1));
    let mut out: Vec<Quantity> = Vec::new();
    let mut taken = Taken::default();
    let mut dates: Vec<Range<usize>> = Vec::new();

    // 1. Digits.
    for c in DIGITS.captures_iter(text) {
        let whole = c.get(0).expect("match");
        let num = c.name("num").expect("num");
        let Some(mut value) = parse_digits(num.as_str()) else { continue };
        let approx = c.name("approx").map(|m| m.as_str().trim().to_lowercase());
        let mag = c.name("mag").map_or(1.0, |m| magnitude(m.as_str()));
        let pct = c.name("pct").is_some() || c.name("hipct").is_some();
        let cur = c.name("cur").map(|m| currency(m.as_str()));
        let ord = c.name("ord").is_some();
        let mut high = c.name("hi").and_then(|h| parse_digits(h.as_str())).map(|h| h * mag);
        if high.is_some_and(|h| h <= value * mag) {
            high = None; // "2015-16" style or a subtraction: not a range
        }
        value *= mag;
        let end = if high.is_some() {
            whole.end()
        } else {
            c.name("pct").or(c.name("mag")).or(c.name("ord")).map_or(num.end(), |m| m.end())
        };
        let start = c.name("approx").or(c.name("cur")).map_or(num.start(), |m| m.start());
        let lowered_num = num.as_str();
        let kind = if ord {
            Kind::Ordinal
        } else if pct {
            Kind::Percent
        } else if cur.is_some() {
            Kind::Money
        } else if lowered_num.len() == 4
            && !lowered_num.contains([',', '.', ' '])
            && (1800.0..=2100.0).contains(&value)
            && mag == 1.0
            && high.is_none()
        {
            match noun_after(text, &toks, num.end()) {
                Some(n)
                    if n.ends_with('s')
                        && !matches!(n.as_str(), "years" | "elections" | "olympics") =>
                {
                    Kind::Cardinal
                }
                _ => Kind::Year,
            }
        } else {
            Kind::Cardinal
        };
        let mut unit = match kind {
            Kind::Percent => Some("%".to_string()),
            Kind::Money => cur.map(String::from),
            Kind::Cardinal => noun_after(text, &toks, end),
            _ => None,
        };
        if kind == Kind::Cardinal {
            if let Some(u) = &unit {
                let cur_word = match u.as_str() {
                    "dollars" => Some("USD"),
                    "euros" => Some("EUR"),
                    "pounds" if !text[end..].trim_start().starts_with("pounds of") => Some("GBP"),
                    _ => None,
                };
                if let Some(cw) = cur_word {
                    unit = Some(cw.to_string());
                    out.push(Quantity {
                        range: start..end,
                        value,
                        high,
                        unit,
                        kind: Kind::Money,
                        approx,
                        time: None,
                        sentence: sentence_of(start),
                    });
                    taken.push(start..end);
                    continue;
                }
            }
        }
        // Multipliers written with digits: "3 times", "5-fold", "3x".
        let after = &text[end..];
        // Only a short look-ahead decides "times", "-fold", "x": lowercasing the whole rest
        // of the text here made extraction quadratic in the article's length.
        let lower_after: String = after.chars().take(16).collect::<String>().to_lowercase();
        let kind = if kind == Kind::Cardinal
            && (after.starts_with("x ")
                || after.starts_with("×")
                || after.starts_with("-fold")
                || lower_after.starts_with(" times"))
        {
            if lower_after.starts_with(" times a ")
                || lower_after.starts_with(" times per")
                || lower_after.starts_with(" times in")
                || lower_after.starts_with(" times each")
            {
                Kind::Cardinal
            } else {
                unit = None;
                Kind::Multiplier
            }
        } else {
            kind
        };
        let end = if kind == Kind::Multiplier {
            let l = &lower_after;
            end + if l.starts_with(" times") {
                6
            } else if l.starts_with("-fold") {
                5
            } else if l.starts_with('×') {
                '×'.len_utf8()
            } else {
                1
            }
        } else {
            end
        };
        let unit = if kind == Kind::Cardinal && unit.is_none() && lower_after.starts_with(" times")
        {
            Some("times".into())
        } else {
            unit
        };
        out.push(Quantity {
            range: start..end,
            value,
            high,
            unit,
            kind,
            approx,
            time: None,
            sentence: sentence_of(start),
        });
        taken.push(start..end);
    }

    // 2. Dates: a month name next to a day number, with or without the year.
    for (i, t) in toks.iter().enumerate() {
        let lw = lower(t, text);
        if !MONTHS.contains(&lw.as_str())
            || lw == "may" && !toks.get(i + 1).is_some_and(|n| n.kind == TokenKind::Number)
        {
            continue;
        }
        let first_cap = t.text(text).chars().next().is_some_and(char::is_uppercase);
        if !first_cap {
            continue;
        }
        let mut start = t.start;
        let mut end = t.end;
        let mut year = None;
        let mut day = None;
        if let Some(n) =
            toks.get(i + 1).filter(|n| n.kind == TokenKind::Number && n.text(text).len() <= 2)
        {
            day = n.text(text).parse::<f64>().ok();
            end = n.end;
            if let (Some(c), Some(y)) = (toks.get(i + 2), toks.get(i + 3)) {
                if c.text(text) == "," && y.kind == TokenKind::Number && y.text(text).len() == 4 {
                    year = y.text(text).parse::<f64>().ok();
                    end = y.end;
                }
            } else if let Some(y) =
                toks.get(i + 2).filter(|y| y.kind == TokenKind::Number && y.text(text).len() == 4)
            {
                year = y.text(text).parse::<f64>().ok();
                end = y.end;
            }
        } else if i > 0
            && toks[i - 1].kind == TokenKind::Number
            && toks[i - 1].text(text).len() <= 2
        {
            day = toks[i - 1].text(text).parse::<f64>().ok();
            start = toks[i - 1].start;
            if let Some(y) =
                toks.get(i + 1).filter(|y| y.kind == TokenKind::Number && y.text(text).len() == 4)
            {
                year = y.text(text).parse::<f64>().ok();
                end = y.end;
            }
        }
        if day.is_none() {
            continue;
        }
        taken.remove_within(&(start..end));
        dates.push(start..end);
        let value = year.or(day).unwrap_or(0.0);
        out.push(Quantity {
            range: start..end,
            value,
            high: None,
            unit: Some("date".into()),
            kind: Kind::Date,
            approx: None,
            time: None,
            sentence: sentence_of(start),
        });
        taken.push(start..end);
    }

    // 3. Number words, fractions, ordinals and multiplier words.
    // Digits inside a date belong to the date (dates are found in text order).
    out.retain(|q| {
        q.kind == Kind::Date || {
            let k = dates.partition_point(|d| d.start <= q.range.start);
            k == 0 || q.range.end > dates[k - 1].end
        }
    });
    let overlaps = |r: &Range<usize>, taken: &Taken| taken.overlaps(r);
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let lw = lower(&t, text);
        // Multiplier verbs and words.
        let mult = match lw.as_str() {
            "twice" => Some(2.0),
            "doubled" | "doubling" | "doubles" => Some(2.0),
            "tripled" | "trebled" | "tripling" | "triples" => Some(3.0),
            "quadrupled" => Some(4.0),
            "halved" | "halving" => Some(0.5),
            _ => None,
        };
        if let Some(m) = mult {
            let r = t.start..t.end;
            let sentence = sentence_of(r.start);
            add(&mut out, &mut taken, r, m, Kind::Multiplier, None, sentence);
            i += 1;
            continue;
        }
        if lw == "in" && toks.get(i + 1).is_some_and(|n| lower(n, text) == "half") {
            let r = t.start..toks[i + 1].end;
            let sentence = sentence_of(r.start);
            add(&mut out, &mut taken, r, 0.5, Kind::Multiplier, None, sentence);
            i += 2;
            continue;
        }
        // Ordinal words after a determiner: "the third round".
        if let Some(&(_, v)) = ORDINALS.iter().find(|(w, _)| *w == lw) {
            let prev = if i > 0 { lower(&toks[i - 1], text) } else { String::new() };
            let is_fraction =
                prev == "a" && toks.get(i + 1).is_some_and(|n| lower(n, text) == "of") && v >= 3;
            if is_fraction {
                let r = toks[i - 1].start..t.end;
                let sentence = sentence_of(r.start);
                add(&mut out, &mut taken, r, 1.0 / v as f64, Kind::Fraction, None, sentence);
            } else if DETERMINERS.contains(&prev.as_str()) && v >= 2 {
                let r = t.start..t.end;
                let sentence = sentence_of(r.start);
                add(
                    &mut out,
                    &mut taken,
                    r,
                    v as f64,
                    Kind::Ordinal,
                    noun_after(text, &toks, t.end),
                    sentence,
                );
            }
            i += 1;
            continue;
        }
        // "half", "a quarter", "two-thirds".
        if matches!(lw.as_str(), "half" | "quarter" | "quarters" | "thirds") {
            let prev = if i > 0 { lower(&toks[i - 1], text) } else { String::new() };
            let (value, start) = match (lw.as_str(), prev.as_str()) {
                ("half", _) => {
                    (0.5, if prev == "a" || prev == "one" { toks[i - 1].start } else { t.start })
                }
                ("quarter", "a") | ("quarter", "one") => (0.25, toks[i - 1].start),
                ("quarters", p) | ("thirds", p) if word_value(p).is_some() => {
                    let n = word_value(p).unwrap_or(1) as f64;
                    let s = if i >= 2 && toks[i - 1].text(text) == "-" {
                        toks[i - 2].start
                    } else {
                        toks[i - 1].start
                    };
                    (n / if lw == "thirds" { 3.0 } else { 4.0 }, s)
                }
                ("quarters", "-") | ("thirds", "-")
                    if i >= 2 && word_value(&lower(&toks[i - 2], text)).is_some() =>
                {
                    let n = word_value(&lower(&toks[i - 2], text)).unwrap_or(1) as f64;
                    (n / if lw == "thirds" { 3.0 } else { 4.0 }, toks[i - 2].start)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            let r = start..t.end;
            if !overlaps(&r, &taken) {
                out.push(Quantity {
                    range: r.clone(),
                    value,
                    high: None,
                    unit: None,
                    kind: Kind::Fraction,
                    approx: None,
                    time: None,
                    sentence: sentence_of(r.start),
                });
                taken.push(r);
            }
            i += 1;
            continue;
        }
        // Runs of number words.
        let starts_run = word_value(&lw).is_some()
            || (lw == "a"
                && toks.get(i + 1).is_some_and(|n| {
                    let l = lower(n, text);
                    l == "dozen" || is_scale(&l)
                }));
        if !starts_run || lw == "hundred" && i > 0 {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < toks.len() {
            let l = lower(&toks[j], text);
            let adjacent = toks[j].start <= toks[j - 1].end + 1;
            if !adjacent {
                break;
            }
            // A number word, or "-"/"and" joining two number words ("forty-one").
            let joins = (l == "-" || l == "and")
                && toks.get(j + 1).is_some_and(|n| word_value(&lower(n, text)).is_some());
            if word_value(&l).is_none() && !joins {
                break;
            }
            j += 1;
        }
        let r = toks[i].start..toks[j - 1].end;
        let words = &text[r.clone()];
        let lone_one = j == i + 1 && lw == "one";
        let Some(v) = parse_words(words) else {
            i = j;
            continue;
        };
        // "two-thirds", "three quarters": a fraction, handled when its last word comes.
        let frac_next = |k: usize| {
            toks.get(k).is_some_and(|n| matches!(lower(n, text).as_str(), "thirds" | "quarters"))
        };
        let is_fraction =
            frac_next(j) || (toks.get(j).is_some_and(|n| n.text(text) == "-") && frac_next(j + 1));
        if lone_one || is_fraction || overlaps(&r, &taken) || (lw == "a" && j == i + 1) {
            i = j;
            continue;
        }
        // Approximation word before it.
        let (mut start, mut approx) = (r.start, None);
        if i > 0 {
            let p = lower(&toks[i - 1], text);
            if APPROX_WORDS.contains(&p.as_str()) {
                start = toks[i - 1].start;
                approx = Some(p);
            } else if i > 1
                && p == "than"
                && matches!(lower(&toks[i - 2], text).as_str(), "more" | "less" | "fewer")
            {
                start = toks[i - 2].start;
                approx = Some(format!("{} than", lower(&toks[i - 2], text)));
            }
        }
        // "five times": a multiplier, unless it counts occasions ("three times a week").
        let next = toks.get(j).map(|n| lower(n, text)).unwrap_or_default();
        let (kind, end, unit) = if next == "times" {
            let after = toks.get(j + 1).map(|n| lower(n, text)).unwrap_or_default();
            // "three times a week", "twice last year" count occasions; "four times last
            // year's 1,600" compares (a possessive follows).
            let possessive = toks.get(j + 2).is_some_and(|n| {
                let w = lower(n, text);
                w.ends_with("'s") || w.ends_with("’s")
            });
            let frequency = matches!(after.as_str(), "a" | "per" | "each" | "every" | "in")
                || (matches!(after.as_str(), "this" | "last") && !possessive);
            if frequency {
                (Kind::Cardinal, r.end, Some("times".to_string()))
            } else {
                (Kind::Multiplier, toks[j].end, None)
            }
        } else {
            (Kind::Cardinal, r.end, noun_after(text, &toks, r.end))
        };
        let range = start..end;
        out.push(Quantity {
            range: range.clone(),
            value: v as f64,
            high: None,
            unit,
            kind,
            approx,
            time: None,
            sentence: sentence_of(range.start),
        });
        taken.push(range);
        i = j;
    }

    out.sort_by_key(|q| (q.range.start, q.range.end));
    // A bare number inherits the unit of the quantity before it in the same sentence
    // ("400 new jobs then; the garage created 52"): the last cardinal with a unit, carried
    // forward (one pass, however long the sentence).
    let mut last_unit: Option<(usize, String)> = None;
    for q in out.iter_mut() {
        if q.kind == Kind::Cardinal && q.unit.is_none() {
            q.unit = last_unit.as_ref().filter(|(s, _)| *s == q.sentence).map(|(_, u)| u.clone());
        }
        if let (Kind::Cardinal, Some(u)) = (q.kind, &q.unit) {
            last_unit = Some((q.sentence, u.clone()));
        }
    }
    // The year a quantity refers to: a year right after it ("18,000 in 2023", only years
    // between them), else the nearest year before it in the same sentence ("In 2019, 300
    // people"). Both searches stay inside the sentence.
    let is_year = |q: &Quantity| matches!(q.kind, Kind::Year | Kind::Date);
    let mut years: Vec<usize> = Vec::new(); // the current sentence's years so far
    for k in 0..out.len() {
        if years.last().is_some_and(|&y| out[y].sentence != out[k].sentence) {
            years.clear();
        }
        if is_year(&out[k]) {
            years.push(k);
            continue;
        }
        let (s, end, start) = (out[k].sentence, out[k].range.end, out[k].range.start);
        let after = out[k + 1..].iter().take_while(|q| q.sentence == s && is_year(q)).find(|q| {
            q.range.start >= end
                && text[end..q.range.start].trim_start().to_lowercase().starts_with("in")
        });
        let before = years.iter().rev().map(|&y| &out[y]).find(|q| q.range.end <= start);
        if let Some(r) = after.or(before).map(|q| q.range.clone()) {
            out[k].time = Some(text[r].to_string());
        }
    }
    out
}
