//! Finding quantities with exact spans.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;
use unspin_text::segment::calendar::is_month;
use unspin_text::segment::{sentences, tokens, Token, TokenKind};

use super::words::{denominator, is_dozen, is_scale, ordinal_unit, parse_words, word_value};

mod spoken;

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
    /// What it counts, from "of" right after it ("40 million tonnes of wheat" → "wheat").
    pub of: Option<String>,
    /// Whether `unit` was carried over from an earlier quantity of the sentence, not
    /// within a list ("2,460 tonnes in 2021, five times the 512": the checks compare 512
    /// tonnes; the report does not claim the unit).
    pub inferred: bool,
}

static DIGITS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        (?P<approx>\b(?:nearly|almost|about|around|roughly|approximately|over|more\ than|less\ than|fewer\ than|under|at\ least|at\ most|up\ to|some|just\ over|just\ under)\s+)?
        (?P<cur>\b(?:us|a|c|hk|nz)?[$€£¥]\s?|[$€£¥]\s?|\b(?:usd|eur|gbp|aud|cad|jpy|chf|cny|inr|nzd|hkd)\s?)?
        (?P<sign>[-−])?
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[\ \x{a0}\x{202f}]\d{3})+(?:\.\d+)?\b|\d+(?:\.\d+)?|\.\d+)
        (?P<exp>e[+-]?\d{1,3}\b)?
        (?P<pow>\^[-+−]{0,2}\d{1,3}\b)?
        (?P<mag>\s(?:hundred|million|billion|trillion|thousand|dozens?|dzs?|doz|dozs|lakhs?|crores?|bn|bln|mn|mln|tn|tln)\b|(?:bn|bln|b|mn|mln|mil|tn|tln|m|k)\b|\ (?-i:k)\b)?
        (?P<pct>\s?%|\s(?:percent|per\ cent)\b)?
        (?P<range>\s?[–-]\s?(?P<hi>\d+(?:,\d{3})*(?:\.\d+)?)(?P<hipct>\s?%)?)?
        (?:(?P<ord>st|nd|rd|th)\b|(?P<glued>[a-zµ°²³/]{2,})\b)?",
    )
    .expect("valid regex")
});

/// A fraction in digits, perhaps after a whole number and a sign: "3/4", "2 1/4", "-4/5".
static FRACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?P<sign>[-−])\s?)?(?:(?P<whole>\d{1,3})[\ \x{a0}]+)?(?P<num>\d{1,2})/(?P<den>\d{1,2})")
        .expect("valid regex")
});

const APPROX_WORDS: &[&str] =
    &["nearly", "almost", "about", "around", "roughly", "approximately", "over", "under", "some"];
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
    "after", "since", "until", "last", "next", "ago", "each", "every", "over", "under",
];
const DETERMINERS: &[&str] = &["the", "a", "its", "their", "his", "her", "our", "this", "that"];

fn lower(t: &Token, text: &str) -> String {
    t.text(text).to_lowercase()
}

fn parse_digits(s: &str) -> Option<f64> {
    s.replace([',', ' ', '\u{a0}', '\u{202f}'], "").parse().ok()
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
        if NOT_UNITS.contains(&lw.as_str()) || word_value(&lw).is_some() || is_month(&lw) {
            return None;
        }
        if lw.chars().all(|c| c.is_alphabetic() || c == '\'') && lw.chars().count() > 1 {
            return Some(lw);
        }
        return None;
    }
    None
}

/// The unit written after byte `end` ("km", "square metres", "percentage points", "-inch"),
/// lowercased as written, else the counted noun after it ([`noun_after`]).
fn unit_after(text: &str, toks: &[Token], end: usize) -> Option<String> {
    match super::units::read(&text[end..]) {
        Some((len, _)) => {
            let unit =
                text[end..end + len].trim_start_matches(['-', ' ', '\u{a0}', '(', '[', '{', '<']);
            Some(unit.trim_end_matches([')', ']', '}', '>']).to_lowercase())
        }
        None => noun_after(text, toks, end),
    }
}

/// The ISO code of a currency symbol or code before a number ("$", "US$", "C $", "AUD").
fn currency(sym: &str) -> &'static str {
    match sym.trim().to_ascii_uppercase().as_str() {
        "$" | "US$" | "USD" => "USD",
        "€" | "EUR" => "EUR",
        "£" | "GBP" => "GBP",
        "¥" | "JPY" => "JPY",
        "A$" | "AUD" => "AUD",
        "C$" | "CAD" => "CAD",
        "HK$" | "HKD" => "HKD",
        "NZ$" | "NZD" => "NZD",
        "CHF" => "CHF",
        "CNY" => "CNY",
        "INR" => "INR",
        _ => "money",
    }
}

/// The exponent of a power written after a number ("^23", "^-1", "^--2": each minus
/// flips the sign).
fn power(p: &str) -> Option<i32> {
    let digits = p.trim_start_matches(['^', '+', '-', '−']);
    let minuses = p.chars().filter(|&c| c == '-' || c == '−').count();
    let e: i32 = digits.parse().ok()?;
    Some(if minuses % 2 == 1 { -e } else { e })
}

fn magnitude(m: &str) -> f64 {
    match m.trim().to_ascii_lowercase().as_str() {
        w if is_dozen(w) => 12.0,
        "hundred" => 1e2,
        "thousand" | "k" => 1e3,
        "lakh" | "lakhs" => 1e5,
        "million" | "m" | "mn" | "mln" | "mil" => 1e6,
        "crore" | "crores" => 1e7,
        "billion" | "bn" | "bln" | "b" => 1e9,
        "trillion" | "tn" | "tln" => 1e12,
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

/// What the extraction phases share: the text's tokens and sentences, the quantities
/// found so far, the byte ranges they claim, and the dates.
struct Scan<'a> {
    text: &'a str,
    toks: Vec<Token>,
    sents: Vec<Range<usize>>,
    out: Vec<Quantity>,
    taken: Taken,
    dates: Vec<Range<usize>>,
}

/// Finds every quantity in `text`, in text order. Phases: numbers written with digits,
/// dates (which claim the digits they hold), number words; then units carried forward
/// and the year each quantity refers to, within its sentence.
pub fn extract(text: &str) -> Vec<Quantity> {
    let mut scan = Scan {
        text,
        toks: tokens(text),
        sents: sentences(text),
        out: Vec::new(),
        taken: Taken::default(),
        dates: Vec::new(),
    };
    scan.digits();
    scan.dates();
    scan.drop_digits_in_dates();
    scan.digit_fractions();
    scan.words();
    let mut out = scan.out;
    out.sort_by_key(|q| (q.range.start, q.range.end));
    money_by_unit(&mut out);
    let out = join_ratios(text, join_ranges(text, out));
    let mut out = join_cents(text, out);
    inherit_units(text, &mut out);
    attach_years(text, &mut out);
    for q in &mut out {
        q.of = counted_after(text, q.range.end);
    }
    out
}

/// Two quantities of one sentence that are the ends of one range become one quantity:
/// "between 3 and 5 per cent", "30 to 40 people", "3 or 4 days", "$2 to $3 million". The
/// low end takes the high end's unit and kind where it has none ("3" of "3 and 5 per
/// cent") and its scale word where it has none ("2" of "2 to 3 million"). "From A to B"
/// stays two quantities: the operands of a change ("rose from 3 to 5").
fn join_ranges(text: &str, qs: Vec<Quantity>) -> Vec<Quantity> {
    let mut out: Vec<Quantity> = Vec::with_capacity(qs.len());
    for b in qs {
        if let Some(a) = out.last_mut() {
            if let Some(low) = range_low(text, a, &b) {
                a.range.end = b.range.end;
                a.value = low;
                a.high = Some(b.high.unwrap_or(b.value));
                a.kind = b.kind;
                a.unit = b.unit.clone().or(a.unit.take());
                continue;
            }
        }
        out.push(b);
    }
    out
}

/// The low end's value when `a` and `b` are the ends of one range (see [`join_ranges`]).
fn range_low(text: &str, a: &Quantity, b: &Quantity) -> Option<f64> {
    let rangeable = |k: Kind| matches!(k, Kind::Cardinal | Kind::Money | Kind::Percent);
    if a.sentence != b.sentence || a.high.is_some() || !rangeable(a.kind) || !rangeable(b.kind) {
        return None;
    }
    let compatible = a.kind == b.kind || (a.kind == Kind::Cardinal && a.unit.is_none());
    let units_agree = a.unit.is_none() || a.unit == b.unit;
    let gap = text.get(a.range.end..b.range.start)?.trim().to_lowercase();
    let before = text[..a.range.start].trim_end().to_lowercase();
    let word_before = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let joined = match gap.as_str() {
        "and" => word_before == "between",
        "to" | "-" | "–" | "—" => word_before != "from",
        "or" => true,
        _ => false,
    };
    if !(joined && compatible && units_agree) {
        return None;
    }
    // The high end's scale ("million") applies to a bare low end: 2 → 2 million; two
    // different scales ("10 bln or 10 tln") are two amounts.
    let scale = scale_of(&text[b.range.clone()], b.value);
    let own = scale_of(&text[a.range.clone()], a.value);
    if own > 1.0 && scale > 1.0 && own != scale {
        return None;
    }
    let low = match own {
        s if s == 1.0 && scale > 1.0 && a.value * scale <= b.value => a.value * scale,
        _ => a.value,
    };
    (low < b.value).then_some(low)
}

/// How much a quantity's written digits were scaled by a scale word: its value over the
/// first number written in it (1 where there is none, or no scale).
fn scale_of(written: &str, value: f64) -> f64 {
    let digits: String = written
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    match parse_digits(digits.trim_end_matches(['.', ','])) {
        Some(d) if d > 0.0 && value / d >= 1000.0 => (value / d).round(),
        _ => 1.0,
    }
}

/// What a quantity counts when "of" follows it: the noun phrase after "of" (leading
/// determiners kept, then up to four content words), ending at punctuation, a function
/// word or a reporting verb ("40% of voters said" → "voters").
fn counted_after(text: &str, end: usize) -> Option<String> {
    let rest = &text[end..];
    let after_unit = rest.trim_start();
    // Skip the unit words between the number and "of" ("40 million tonnes of wheat").
    let mut words = after_unit.split_word_bounds().filter(|w| !w.trim().is_empty());
    let mut found_of = false;
    for w in words.by_ref().take(4) {
        found_of = w.eq_ignore_ascii_case("of");
        if found_of || !w.chars().all(|c| c.is_alphabetic() || c == '%') {
            break;
        }
    }
    if !found_of {
        return None;
    }
    let mut phrase: Vec<&str> = Vec::new();
    let mut content = 0;
    for w in words {
        let lw = w.to_lowercase();
        if content == 0 && DETERMINERS.contains(&lw.as_str()) {
            phrase.push(w);
            continue;
        }
        let is_word = w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'');
        if !is_word
            || unspin_text::segment::is_stop_word(&lw)
            || crate::quotes::is_reporting(&lw)
            || content == 4
        {
            break;
        }
        phrase.push(w);
        content += 1;
    }
    (content > 0).then(|| phrase.join(" "))
}

impl Scan<'_> {
    fn sentence_of(&self, b: usize) -> usize {
        self.sents.partition_point(|s| s.end <= b).min(self.sents.len().saturating_sub(1))
    }

    /// Records a quantity and claims its range.
    fn push(&mut self, q: Quantity) {
        self.taken.push(q.range.clone());
        self.out.push(q);
    }

    /// Adds a plain quantity (no range end, approximation or time) unless it overlaps one
    /// already found.
    fn add(&mut self, range: Range<usize>, value: f64, kind: Kind, unit: Option<String>) {
        if self.taken.overlaps(&range) {
            return;
        }
        let q = self.plain(range, value, kind, unit);
        self.push(q);
    }

    /// A quantity with no range end, approximation, time or counted noun.
    fn plain(&self, range: Range<usize>, value: f64, kind: Kind, unit: Option<String>) -> Quantity {
        let sentence = self.sentence_of(range.start);
        Quantity {
            range,
            value,
            high: None,
            unit,
            kind,
            approx: None,
            time: None,
            of: None,
            inferred: false,
            sentence,
        }
    }

    /// Phase 1: numbers written with digits.
    /// A range read as no range ("42%-32.7%", a score "5-3") gives back its high end, read
    /// again as a quantity of its own; a year's short end ("2015-16") does not.
    fn digits(&mut self) {
        let text = self.text;
        let mut at = 0;
        while let Some(c) = DIGITS.captures_at(text, at) {
            let Some(whole) = c.get(0) else { break };
            let mut next = whole.end().max(at + 1);
            if let Some(q) = self.digit_quantity(&c) {
                let hi = c.name("hi").filter(|_| q.high.is_none());
                let short_year = c.name("num").is_some_and(|n| n.as_str().len() == 4)
                    && hi.is_some_and(|h| h.as_str().len() <= 2);
                if let Some(h) = hi.filter(|_| !short_year) {
                    next = h.start();
                }
                self.push(q);
            }
            at = next;
            while !text.is_char_boundary(at) {
                at += 1;
            }
        }
    }

    /// The quantity of one digits match: its approximation, magnitude, currency, percent
    /// sign, range end, and what it counts.
    fn digit_quantity(&self, c: &regex::Captures<'_>) -> Option<Quantity> {
        let text = self.text;
        let whole = c.get(0)?;
        let num = c.name("num")?;
        let cur_m = c.name("cur");
        if not_a_quantity(text, c) {
            return None;
        }
        let word_sign = sign_word_before(text, num.start())
            .filter(|_| c.name("sign").is_none() && c.name("approx").is_none() && cur_m.is_none());
        let negative = c.name("sign").is_some() || word_sign.is_some();
        let mut value = parse_digits(num.as_str())?;
        if let Some(e) = c.name("exp") {
            value *= 10f64.powi(e.as_str()[1..].parse::<i32>().ok()?);
        }
        if let Some(p) = c.name("pow") {
            value = value.powi(power(p.as_str())?);
        }
        if !value.is_finite() {
            return None;
        }
        if negative {
            value = -value;
        }
        let approx_m = approximation(text, c);
        let approx = approx_m.map(|m| m.as_str().trim().to_lowercase());
        // "1.8m tall": "m" before a word of size is metres, not millions.
        let metres = c.name("mag").is_some_and(|m| m.as_str() == "m")
            && text[whole.end()..].split_whitespace().next().is_some_and(|w| {
                matches!(
                    w.trim_end_matches(['.', ',', ';']),
                    "tall"
                        | "high"
                        | "long"
                        | "wide"
                        | "deep"
                        | "thick"
                        | "deeper"
                        | "taller"
                        | "higher"
                )
            });
        let mag = c.name("mag").filter(|_| !metres).map_or(1.0, |m| magnitude(m.as_str()));
        let pct = c.name("pct").is_some() || c.name("hipct").is_some();
        let cur = cur_m.map(|m| currency(m.as_str()));
        let mut high = c.name("hi").and_then(|h| parse_digits(h.as_str())).map(|h| h * mag);
        if high.is_some_and(|h| h <= value * mag) {
            high = None; // "2015-16" style or a subtraction: not a range
        }
        value *= mag;
        let glued = c.name("glued").filter(|g| super::units::known(g.as_str()));
        let end = if high.is_some() {
            whole.end()
        } else {
            let last = (c.name("pct").or(c.name("mag")).or(c.name("ord")).or(glued))
                .or(c.name("pow"))
                .or(c.name("exp"));
            last.map_or(num.end(), |m| m.end())
        };
        let start = approx_m
            .or(cur_m)
            .or(c.name("sign"))
            .map_or(word_sign.unwrap_or(num.start()), |m| m.start());
        let plain_year = num.as_str().len() == 4
            && !num.as_str().contains([',', '.', ' '])
            && (1800.0..=2100.0).contains(&value)
            && mag == 1.0
            && high.is_none();
        let kind = match () {
            _ if c.name("ord").is_some() => Kind::Ordinal,
            _ if pct => Kind::Percent,
            _ if cur.is_some() => Kind::Money,
            _ if plain_year => self.year_or_count(num.end()),
            _ => Kind::Cardinal,
        };
        let unit = match kind {
            Kind::Percent => Some("%".to_string()),
            Kind::Money => cur.map(String::from),
            Kind::Cardinal if metres => Some("m".to_string()),
            Kind::Cardinal if glued.is_some() => glued.map(|g| g.as_str().to_lowercase()),
            Kind::Cardinal => unit_after(text, &self.toks, end).map(|u| sterling(u, mag)),
            _ => None,
        };
        let sentence = self.sentence_of(start);
        let (kind, end, unit) = multiplier_after(text, kind, end, unit);
        Some(Quantity {
            range: start..end,
            value,
            high,
            unit,
            kind,
            approx,
            time: None,
            sentence,
            of: None,
            inferred: false,
        })
    }

    /// A plain four-digit number from 1800 to 2100 is a year, unless a plural noun follows
    /// ("2000 votes"; "years", "elections" and "olympics" still follow years).
    fn year_or_count(&self, end: usize) -> Kind {
        match noun_after(self.text, &self.toks, end) {
            Some(n)
                if n.ends_with('s')
                    && !matches!(n.as_str(), "years" | "elections" | "olympics") =>
            {
                Kind::Cardinal
            }
            _ => Kind::Year,
        }
    }

    /// Phase 2: dates, a month name next to a day number, with or without the year.
    fn dates(&mut self) {
        for i in 0..self.toks.len() {
            let Some((range, value)) = self.date_at(i) else { continue };
            self.taken.remove_within(&range);
            self.dates.push(range.clone());
            let sentence = self.sentence_of(range.start);
            self.push(Quantity {
                range,
                value,
                high: None,
                unit: Some("date".into()),
                kind: Kind::Date,
                approx: None,
                time: None,
                of: None,
                inferred: false,
                sentence,
            });
        }
    }

    /// The date whose month name is token `i`, and its value (the year, else the day).
    fn date_at(&self, i: usize) -> Option<(Range<usize>, f64)> {
        let (text, toks) = (self.text, &self.toks);
        let t = &toks[i];
        let lw = lower(t, text);
        if !is_month(&lw)
            || lw == "may" && !toks.get(i + 1).is_some_and(|n| n.kind == TokenKind::Number)
            || !t.text(text).chars().next().is_some_and(char::is_uppercase)
        {
            return None;
        }
        let number = |k: usize, len: usize| {
            toks.get(k).filter(|n| {
                n.kind == TokenKind::Number
                    && if len == 4 {
                        n.text(text).len() == 4
                    } else {
                        // "4", "14", "4th", "21st"
                        let t = n.text(text);
                        let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                        digits.len() <= 2
                            && (digits.len() == t.len()
                                || matches!(&t[digits.len()..], "st" | "nd" | "rd" | "th"))
                    }
            })
        };
        let value = |n: &Token| {
            n.text(text).trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse::<f64>().ok()
        };
        let (mut start, mut end, mut year) = (t.start, t.end, None);
        // "Sept. 3", "Feb. 28, 2018": an abbreviated month's full stop.
        let stop = toks.get(i + 1).is_some_and(|n| n.start == t.end && n.text(text) == ".");
        let i = if stop && lw.len() <= 4 { i + 1 } else { i };
        let day;
        if let Some(n) = number(i + 1, 2) {
            (day, end) = (value(n), n.end);
            if let (Some(c), Some(y)) = (toks.get(i + 2), toks.get(i + 3)) {
                if c.text(text) == "," && y.kind == TokenKind::Number && y.text(text).len() == 4 {
                    (year, end) = (value(y), y.end);
                }
            } else if let Some(y) = number(i + 2, 4) {
                (year, end) = (value(y), y.end);
            }
        } else if let Some(n) = i.checked_sub(1).filter(|_| !stop).and_then(|p| number(p, 2)) {
            (day, start) = (value(n), n.start);
            if let Some(y) = number(i + 1, 4) {
                (year, end) = (value(y), y.end);
            }
        } else {
            return None;
        }
        Some((start..end, year.unwrap_or(day?)))
    }

    /// Phase 2b: fractions in digits ("3/4", "2 1/4"), replacing the numbers found in them.
    /// A numerator below a denominator of 2 to 10, with no letter, digit or slash around,
    /// so that "9/11", "24/7", "3/4/2020" and "A4/5" are not fractions.
    fn digit_fractions(&mut self) {
        let text = self.text;
        for c in FRACTION.captures_iter(text) {
            let Some(q) = self.digit_fraction(&c) else { continue };
            let r = q.range.clone();
            self.out.retain(|o| !(o.range.start < r.end && r.start < o.range.end));
            self.taken = Taken::default();
            for o in &self.out {
                self.taken.push(o.range.clone());
            }
            self.push(q);
        }
    }

    /// The quantity of one fraction match, if it is one (see [`Self::digit_fractions`]).
    fn digit_fraction(&self, c: &regex::Captures<'_>) -> Option<Quantity> {
        let (text, m) = (self.text, c.get(0)?);
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        let around = |ch: Option<char>| ch.is_some_and(|ch| ch.is_alphanumeric() || ch == '/');
        if around(before) || around(after) || before == Some('.') {
            return None;
        }
        let num: f64 = c.name("num")?.as_str().parse().ok()?;
        let den: f64 = c.name("den")?.as_str().parse().ok()?;
        if !(num >= 1.0 && num < den && (2.0..=10.0).contains(&den)) {
            return None;
        }
        let whole = c.name("whole").and_then(|w| w.as_str().parse::<f64>().ok());
        let sign = if c.name("sign").is_some() { -1.0 } else { 1.0 };
        let value = sign * (whole.unwrap_or(0.0) + num / den);
        // "2 1/4 miles", "a 1/4 mile oval": an amount of a unit; "3/4 of voters" a share.
        let measured = super::units::read(&text[m.end()..]).is_some();
        let kind = if whole.is_some() || measured { Kind::Cardinal } else { Kind::Fraction };
        let unit = unit_after(text, &self.toks, m.end()).filter(|_| kind == Kind::Cardinal);
        Some(self.plain(m.range(), value, kind, unit))
    }

    /// Digits inside a date belong to the date (dates are found in text order).
    fn drop_digits_in_dates(&mut self) {
        let dates = &self.dates;
        self.out.retain(|q| {
            q.kind == Kind::Date || {
                let k = dates.partition_point(|d| d.start <= q.range.start);
                k == 0 || q.range.end > dates[k - 1].end
            }
        });
    }
}

/// Whether a digits match is an identifier rather than a quantity: digits run on into
/// letters that are no unit ("92mOg1", "5G", "1990s"), digits between slashes ("9/11",
/// "3/4/2020", which are no fractions), more than 15 digits in a row (an id), or a bare
/// number that names something: after a capitalised word inside a sentence ("Fox 35",
/// "Ginbot 7", "Daniel 6") or after a labelling noun ("week 2", "part 1", "No. 43").
fn identifier(text: &str, c: &regex::Captures<'_>) -> bool {
    let (Some(whole), Some(num)) = (c.get(0), c.name("num")) else { return false };
    let after = &text[whole.end()..];
    let mut chars = after.chars();
    let multiplier = chars.next().is_some_and(|ch| matches!(ch, 'x' | 'X' | '×'))
        && !chars.next().is_some_and(char::is_alphanumeric);
    let runs_on = after.starts_with(|ch: char| ch.is_alphanumeric()) && !multiplier;
    let unit = super::units::read(after).is_some();
    let glued_unit = unit && !after.starts_with(' ');
    // "192.168.1.2", "v1.2.3": dotted groups of digits are an address or a version.
    let dotted = after.starts_with('.') && after[1..].starts_with(|ch: char| ch.is_ascii_digit());
    let slashed = text[..num.start()].ends_with('/')
        || after.starts_with('/') && after[1..].starts_with(|ch: char| ch.is_ascii_digit());
    let long = num.as_str().bytes().filter(u8::is_ascii_digit).count() > 15
        && !num.as_str().contains([',', '.', ' ']);
    if (runs_on && !glued_unit) || slashed || long || dotted {
        return true;
    }
    let bare = ["approx", "cur", "sign", "mag", "pct", "range", "ord", "glued", "exp", "pow"]
        .iter()
        .all(|g| c.name(g).is_none());
    bare && !unit && names_something(text, num.start())
}

/// Nouns that label what a number after them names ("week 2", "part 1", "verse 71").
const LABELS: &[&str] = &[
    "no",
    "number",
    "part",
    "chapter",
    "section",
    "article",
    "verse",
    "page",
    "week",
    "day",
    "game",
    "round",
    "phase",
    "episode",
    "season",
    "volume",
    "level",
    "stage",
    "exit",
    "route",
    "highway",
    "room",
    "flight",
    "channel",
    "grade",
    "item",
    "title",
    "amendment",
];

/// Whether the bare number starting at byte `at` (a space before it) names something:
/// after a labelling noun, or after a capitalised word that does not open the sentence
/// (not a month, "In", "On" …: a capitalised function word opens a sentence or a title).
fn names_something(text: &str, at: usize) -> bool {
    let Some(before) = text[..at].strip_suffix([' ', '\u{a0}']) else { return false };
    let before = before.strip_suffix('.').unwrap_or(before);
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, ch)| ch.is_alphabetic())
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[word_start..];
    if word.is_empty() {
        return false;
    }
    let lower = word.to_lowercase();
    if LABELS.contains(&lower.as_str()) {
        return true;
    }
    let capitalised = word.starts_with(|ch: char| ch.is_uppercase());
    let prefix = before[..word_start].trim_end();
    let opens =
        prefix.is_empty() || prefix.ends_with(['.', '!', '?', ':', '"', '“', '(', '—', '–']);
    let function = unspin_text::segment::is_stop_word(&lower) || is_month(&lower);
    capitalised && !opens && !function
}

/// Whether a time-of-day marker follows ("5 p.m.", "9 am", "10pm").
fn time_of_day_after(after: &str) -> bool {
    let a = after.trim_start_matches([' ', '\u{a0}']).as_bytes();
    ["a.m.", "p.m.", "am", "pm"].iter().any(|m| {
        a.get(..m.len()).is_some_and(|p| p.eq_ignore_ascii_case(m.as_bytes()))
            && !a.get(m.len()).is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// Where "minus" or "negative" starts when it stands right before byte `at` ("minus 5",
/// "negative 0.3").
fn sign_word_before(text: &str, at: usize) -> Option<usize> {
    let before = text[..at].strip_suffix(' ')?;
    let word = ["minus", "negative"].into_iter().find(|w| {
        before.len() >= w.len()
            && before.is_char_boundary(before.len() - w.len())
            && before[before.len() - w.len()..].eq_ignore_ascii_case(w)
    })?;
    let start = before.len() - word.len();
    let bounded = !text[..start].chars().next_back().is_some_and(char::is_alphanumeric);
    bounded.then_some(start)
}

/// Pounds with a scale word are sterling ("361 million pounds" → "GBP"); "25 pounds" alone
/// is a weight. Any other unit as it is.
fn sterling(unit: String, scale: f64) -> String {
    if scale > 1.0 && super::units::canonical(&unit) == "pound" {
        "GBP".to_string()
    } else {
        unit
    }
}

/// Digits that are no quantity: inside a word or an identifier ("A380", "192.168.1.2"'s
/// later parts; a currency code glued to them, "AUD1.5m", is one), a time of day
/// ("17:22", "9:05:30", "5 p.m."), or an identifier or label ([`identifier`]).
fn not_a_quantity(text: &str, c: &regex::Captures<'_>) -> bool {
    let Some(num) = c.name("num") else { return true };
    let glued_before = match c.name("sign") {
        Some(sign) => text[..sign.start()].chars().next_back(),
        None if c.name("cur").is_none() => text[..num.start()].chars().next_back(),
        None => None,
    };
    glued_before.is_some_and(|ch| ch.is_alphanumeric() || ch == '.' || ch == '_')
        || in_clock_time(text, num.range())
        || time_of_day_after(&text[num.end()..])
        || identifier(text, c)
}

/// The approximation or bound before the digits ("nearly", "up to"), unless "up to"
/// follows a verb in -ed: "ticked up to 102.9" is the direction of a change, not a bound.
fn approximation<'t>(text: &'t str, c: &regex::Captures<'t>) -> Option<regex::Match<'t>> {
    let m = c.name("approx")?;
    let direction = m.as_str().trim().eq_ignore_ascii_case("up to")
        && text[..m.start()].trim_end().rsplit(' ').next().is_some_and(|w| w.ends_with("ed"));
    (!direction).then_some(m)
}

/// A count written with digits followed by "times", "-fold", "x" or "×" is a multiplier
/// ("3 times", "5-fold", "3x"), unless it counts occasions ("3 times a week": unit
/// `times`). Its kind, end and unit.
fn multiplier_after(
    text: &str,
    kind: Kind,
    end: usize,
    unit: Option<String>,
) -> (Kind, usize, Option<String>) {
    let after = &text[end..];
    // Only a short look-ahead decides "times", "-fold", "x": lowercasing the whole rest
    // of the text here made extraction quadratic in the article's length.
    let l: String = after.chars().take(16).collect::<String>().to_lowercase();
    let marked = after.starts_with("x ")
        || after.starts_with('×')
        || after.starts_with("-fold")
        || l.starts_with(" fold")
        || l.starts_with(" times");
    if kind != Kind::Cardinal || !marked {
        return (kind, end, unit);
    }
    let occasions = [" times a ", " times per", " times in", " times each"];
    if occasions.iter().any(|o| l.starts_with(o)) {
        return (kind, end, unit.or_else(|| Some("times".into())));
    }
    let width = if l.starts_with(" times") {
        6
    } else if l.starts_with("-fold") || l.starts_with(" fold") {
        5
    } else if l.starts_with('×') {
        '×'.len_utf8()
    } else {
        1
    };
    (Kind::Multiplier, end + width, None)
}

/// A ratio of two bare counts is one fraction: "one over three", "2000 over 3", "1 out
/// of 4". Only when nothing is counted after the denominator: "$2000 over 3 years" and
/// "5 km over 3 days" are two quantities, and so is "three out of four voters" (the part
/// and the whole, which the checks compare with a percentage). The numerator is the
/// bare count just before, or the word "one" (which alone is no quantity).
fn join_ratios(text: &str, qs: Vec<Quantity>) -> Vec<Quantity> {
    let count = |q: &Quantity| q.kind == Kind::Cardinal && q.high.is_none();
    let mut out: Vec<Quantity> = Vec::with_capacity(qs.len());
    for mut b in qs {
        // Where the numerator would end: before " over " / " out of ", or before the
        // "over" read as b's bound ("one over three").
        let over_bound = b.approx.as_deref() == Some("over")
            && text
                .get(b.range.start..b.range.start + 5)
                .is_some_and(|w| w.eq_ignore_ascii_case("over "))
            && text[..b.range.start].ends_with(' ');
        let at = if over_bound {
            Some(b.range.start - 1)
        } else {
            [" over ", " out of "].into_iter().find_map(|g| {
                let at = b.range.start.checked_sub(g.len())?;
                text.get(at..b.range.start).filter(|w| w.eq_ignore_ascii_case(g)).map(|_| at)
            })
        };
        let Some(at) = at else {
            out.push(b);
            continue;
        };
        let before = out.last().filter(|a| a.range.end == at);
        if !(b.unit.is_none() && count(&b) && b.value != 0.0) {
            // No ratio; "over" right after an amount is no bound either ("$2000 over 3
            // years"), but after a year or a date it is ("In 2019 over 300 people").
            let amount = before.is_some_and(|a| !matches!(a.kind, Kind::Year | Kind::Date));
            if over_bound && amount {
                (b.range.start, b.approx) = (b.range.start + "over ".len(), None);
            }
            out.push(b);
            continue;
        }
        // A plain four-digit number was read as a year; before "over 3" it counts.
        let bare = |a: &&Quantity| a.unit.is_none() && (count(a) || a.kind == Kind::Year);
        let numerator = match before.filter(bare) {
            Some(a) => Some((a.range.start, a.value, a.approx.clone(), true)),
            None => one_before(text, at).then(|| (at - 3, 1.0, None, false)),
        };
        let Some((start, value, approx, replaces)) = numerator else {
            out.push(b);
            continue;
        };
        if replaces {
            out.pop();
        }
        out.push(Quantity {
            range: start..b.range.end,
            value: value / b.value,
            unit: None,
            kind: Kind::Fraction,
            approx,
            ..b
        });
    }
    out
}

/// Whether the word "one" ends at byte `at`, as a number: not part of a word, nor "no
/// one", "the one", "any one" (a person or thing).
fn one_before(text: &str, at: usize) -> bool {
    let Some(start) = at.checked_sub(3) else { return false };
    if !text.get(start..at).is_some_and(|w| w.eq_ignore_ascii_case("one")) {
        return false;
    }
    let before = &text[..start];
    if before.chars().next_back().is_some_and(char::is_alphanumeric) {
        return false;
    }
    let prev = before.split_whitespace().next_back().unwrap_or("").to_lowercase();
    !matches!(prev.as_str(), "no" | "the" | "any" | "each" | "every" | "some" | "this" | "that")
}

/// A bare number in a list takes the unit that ends the list ("6, 8 or 10 feet"). Then
/// a bare number inherits the unit or counted noun of the quantity before it in the same
/// sentence ("400 new jobs then; the garage created 52"): the last cardinal with one,
/// carried forward (one pass, however long the sentence). A unit carried into a number
/// that is not listed with its source ([`listed`]: "5 km and 7" is, "5 km in 2021, then 7"
/// is not) is marked `inferred`: the checks link quantities by it, the report does not
/// claim it.
fn inherit_units(text: &str, out: &mut [Quantity]) {
    // "6, 8 or 10 feet": a bare number takes the unit of the list's last member.
    for k in (0..out.len().saturating_sub(1)).rev() {
        let (head, tail) = out.split_at_mut(k + 1);
        let (q, next) = (&mut head[k], &tail[0]);
        if q.kind != Kind::Cardinal || q.unit.is_some() || q.sentence != next.sentence {
            continue;
        }
        let unit = next.unit.as_deref().filter(|u| super::units::known(u));
        if let Some(u) = unit.filter(|_| only_joins(&text[q.range.end..next.range.start])) {
            q.unit = Some(u.to_string());
        }
    }
    let mut last: Option<(usize, usize, String)> = None; // (sentence, end, unit)
    for q in out.iter_mut() {
        if q.kind == Kind::Cardinal && q.unit.is_none() {
            if let Some((_, end, u)) = last.as_ref().filter(|(s, _, _)| *s == q.sentence) {
                q.unit = Some(u.clone());
                q.inferred = !listed(&text[*end..q.range.start]);
            }
        }
        if let (Kind::Cardinal, Some(u)) = (q.kind, &q.unit) {
            last = Some((q.sentence, q.range.end, u.clone()));
        }
    }
}

/// Whether `gap`, the text between two numbers, joins them in a list: at most three words,
/// among them a comma, "and", "or", "to", "by" or "x".
fn listed(gap: &str) -> bool {
    let words: Vec<&str> = gap.split_whitespace().collect();
    words.len() <= 3 && words.iter().any(|w| joiner(w) || w.ends_with(','))
}

/// Whether `gap` holds list joiners and nothing else ("6, 8 or 10 feet"; not "45 or older,
/// 72 percent", whose 45 is no percentage).
fn only_joins(gap: &str) -> bool {
    let words: Vec<&str> = gap.split_whitespace().collect();
    (1..=3).contains(&words.len()) && words.iter().all(|w| joiner(w))
}

/// A word that joins the members of a list: a comma, "and", "or", "to", "by", "x".
fn joiner(w: &str) -> bool {
    matches!(w.trim_matches(','), "" | "and" | "or" | "to" | "by" | "x" | "×")
}

/// A cardinal whose unit is money ("twelve dollars", "20 billion francs") is money.
fn money_by_unit(out: &mut [Quantity]) {
    use super::units::{canonical, category, Category};
    for q in out.iter_mut().filter(|q| q.kind == Kind::Cardinal) {
        if q.unit.as_deref().is_some_and(|u| category(&canonical(u)) == Some(Category::Currency)) {
            q.kind = Kind::Money;
        }
    }
}

/// Whole units of money then cents ("3 dollars 50 cents", "thirteen dollars and
/// forty-five cents") are one amount: the cents, below 100, added to the whole units.
fn join_cents(text: &str, qs: Vec<Quantity>) -> Vec<Quantity> {
    use super::units::canonical;
    let mut out: Vec<Quantity> = Vec::with_capacity(qs.len());
    for b in qs {
        if let Some(a) = out.last_mut() {
            let gap = text.get(a.range.end..b.range.start).unwrap_or("x");
            let gap = gap.trim_start().trim_start_matches(|c: char| c.is_alphabetic()).trim();
            let whole = a.kind == Kind::Money
                && a.unit
                    .as_deref()
                    .is_some_and(|u| !matches!(canonical(u).as_str(), "cent" | "penny"));
            let cents = b.unit.as_deref().is_some_and(|u| canonical(u) == "cent");
            // "thirteen dollars forty five": a bare count right after money named in words.
            let named = a.unit.as_deref().is_some_and(|u| u.chars().all(char::is_alphabetic));
            let bare_cents = named
                && b.kind == Kind::Cardinal
                && b.unit.is_none()
                && b.value.fract() == 0.0
                && b.value >= 1.0;
            let cents = cents || bare_cents;
            if whole && cents && matches!(gap, "" | "and") && b.value < 100.0 && a.high.is_none() {
                a.value += b.value / 100.0;
                a.range.end = b.range.end;
                continue;
            }
        }
        out.push(b);
    }
    out
}

/// The year a quantity refers to: a year right after it ("18,000 in 2023", only years
/// between them), else the nearest year before it in the same sentence ("In 2019, 300
/// people"). Both searches stay inside the sentence.
fn attach_years(text: &str, out: &mut [Quantity]) {
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
}

/// Whether the digits at `num` are the hours, minutes or seconds of a clock time: one or
/// two digits followed by `:` and exactly two digits, or exactly two digits after a
/// digit and `:`. A ratio's one-digit side ("3:1") is not one.
fn in_clock_time(text: &str, num: std::ops::Range<usize>) -> bool {
    let digits = &text[num.clone()];
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 2 {
        return false;
    }
    let two_digits = |s: &[u8]| {
        s.len() >= 2
            && s[0].is_ascii_digit()
            && s[1].is_ascii_digit()
            && s.get(2).is_none_or(|b| !b.is_ascii_digit())
    };
    let after = &text.as_bytes()[num.end..];
    let before = &text.as_bytes()[..num.start];
    (after.first() == Some(&b':') && two_digits(&after[1..]))
        || (digits.len() == 2
            && before.len() >= 2
            && before[before.len() - 1] == b':'
            && before[before.len() - 2].is_ascii_digit())
}
