//! Units: the surface forms of a unit (symbol, abbreviation, singular, plural, British or
//! American spelling, ISO code) map to one canonical name, so that "$", "USD", "dollars"
//! and "Dollar" are the same unit; a small grammar builds the rest from them: "square
//! metres", "cubic feet", "miles an hour", "kilometres per hour", "Finnish markka". A word
//! that is no unit (a counted noun: "jobs", "voters") is reported as what a quantity
//! counts, not as its unit; [`canonical`] still names it (lowercased, a plural "s"
//! dropped) for linking quantities.

/// Canonical name, then its other forms (lowercase).
/// What a unit of the table is, for the grammar and for [`category`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Money,
    Percent,
    Point,
    /// Lengths: what "square", "cubic" and "per hour" build on.
    Length,
    /// Other dimensions: area, volume, mass, speed, data.
    Measure,
    Temperature,
    Time,
}

/// What each unit is, its canonical name, then its other forms (lowercase).
const UNITS: &[(Group, &str, &[&str])] = &[
    (
        Group::Money,
        "dollar",
        &[
            "$",
            "usd",
            "us$",
            "dollars",
            "united states dollar",
            "us dollar",
            "bucks",
            "u.s. dollars",
        ],
    ),
    (Group::Money, "canadian dollar", &["cad", "c$", "canadian dollars"]),
    (Group::Money, "australian dollar", &["aud", "a$", "australian dollars"]),
    (Group::Money, "hong kong dollar", &["hkd", "hk$", "hong kong dollars"]),
    (Group::Money, "new zealand dollar", &["nzd", "nz$", "new zealand dollars"]),
    (Group::Money, "euro", &["€", "eur", "euros"]),
    (
        Group::Money,
        "pound sterling",
        &["£", "gbp", "sterling", "british pound", "british pounds", "pounds sterling"],
    ),
    (Group::Money, "yen", &["¥", "jpy", "japanese yen"]),
    (Group::Money, "yuan", &["cny", "rmb", "renminbi", "chinese yuan", "元"]),
    (Group::Money, "rupee", &["inr", "rupees", "indian rupee", "indian rupees", "₹"]),
    (Group::Money, "won", &["krw", "₩", "south korean won", "korean won"]),
    (Group::Money, "colón", &["₡", "costa rican colón", "crc"]),
    (Group::Money, "lari", &["₾", "georgian lari", "gel"]),
    (Group::Money, "kip", &["₭", "lao kip", "lak"]),
    (Group::Money, "naira", &["₦", "ngn", "nigerian naira"]),
    (Group::Money, "hryvnia", &["₴", "uah", "ukrainian hryvnia"]),
    (Group::Money, "baht", &["฿", "thb", "thai baht"]),
    (Group::Money, "swiss franc", &["chf", "swiss francs"]),
    (Group::Money, "franc", &["francs", "french franc", "french francs"]),
    (Group::Money, "peseta", &["pesetas"]),
    (Group::Money, "markka", &["finnish markka", "markkaa"]),
    (
        Group::Money,
        "guilder",
        &["guilders", "dutch guilder", "dutch guilders", "netherlands guilder"],
    ),
    (Group::Money, "lira", &["lire", "liras", "turkish lira", "₺"]),
    (Group::Money, "peso", &["pesos", "mexican peso", "mexican pesos", "₱"]),
    (
        Group::Money,
        "rouble",
        &["roubles", "ruble", "rubles", "russian rouble", "russian ruble", "russian rubles", "₽"],
    ),
    (Group::Money, "shekel", &["shekels", "₪", "ils"]),
    (Group::Money, "cent", &["cents", "¢"]),
    (Group::Money, "penny", &["pence", "p"]),
    (Group::Percent, "percent", &["%", "per cent", "pct", "percents", "percentage", "percentages"]),
    (Group::Point, "point", &["points", "pts", "percentage point", "percentage points"]),
    (Group::Length, "kilometre", &["km", "kilometer", "kilometers", "kilometres"]),
    (Group::Length, "metre", &["m", "meter", "meters", "metres"]),
    (Group::Length, "centimetre", &["cm", "centimeter", "centimeters", "centimetres"]),
    (Group::Length, "millimetre", &["mm", "millimeter", "millimeters", "millimetres"]),
    (Group::Length, "mile", &["mi", "miles"]),
    (Group::Length, "yard", &["yd", "yards"]),
    (Group::Length, "foot", &["ft", "feet", "'"]),
    (Group::Length, "inch", &["in", "inches", "\""]),
    (Group::Measure, "kilometre per hour", &["km/h", "kph", "kmh", "kmph", "km/hr"]),
    (Group::Measure, "mile per hour", &["mph"]),
    (
        Group::Measure,
        "kilogram",
        &["kg", "kilograms", "kilo", "kilos", "kilogramme", "kilogrammes"],
    ),
    (Group::Measure, "gram", &["g", "grams", "gramme", "grammes"]),
    (
        Group::Measure,
        "microgram",
        &["µg", "μg", "mcg", "micrograms", "microgramme", "microgrammes"],
    ),
    (Group::Measure, "tonne", &["t", "tonnes", "metric ton", "metric tons"]),
    (Group::Measure, "ton", &["tons", "short ton"]),
    (Group::Measure, "pound", &["lb", "lbs", "pounds"]),
    (Group::Measure, "ounce", &["oz", "ounces"]),
    (Group::Measure, "litre", &["l", "liter", "liters", "litres"]),
    (Group::Measure, "millilitre", &["ml", "milliliter", "milliliters", "millilitres"]),
    (Group::Measure, "gallon", &["gal", "gallons"]),
    (Group::Measure, "barrel", &["bbl", "barrels"]),
    (Group::Measure, "square kilometre", &["km2", "km²", "sq km"]),
    (Group::Measure, "square metre", &["m2", "m²", "sq m"]),
    (Group::Measure, "acre", &["acres"]),
    (Group::Measure, "hectare", &["ha", "hectares"]),
    (
        Group::Temperature,
        "celsius",
        &[
            "c",
            "°c",
            "degrees celsius",
            "degree celsius",
            "centigrade",
            "celcius",
            "deg c",
            "degrees c",
            "degree c",
        ],
    ),
    (
        Group::Temperature,
        "fahrenheit",
        &[
            "f",
            "°f",
            "degrees fahrenheit",
            "degree fahrenheit",
            "farenheit",
            "deg f",
            "degrees f",
            "degree f",
        ],
    ),
    (Group::Temperature, "degree", &["°", "degrees", "deg"]),
    (Group::Measure, "byte", &["bytes"]),
    (Group::Measure, "kilobyte", &["kb", "kilobytes"]),
    (Group::Measure, "megabyte", &["mb", "megabytes"]),
    (Group::Measure, "gigabyte", &["gb", "gigabytes"]),
    (Group::Measure, "terabyte", &["tb", "terabytes"]),
    (Group::Measure, "bit", &["bits"]),
    (Group::Time, "year", &["years", "yr", "yrs", "years old", "year old", "years of age"]),
    (Group::Time, "decade", &["decades"]),
    (Group::Time, "century", &["centuries"]),
    (Group::Time, "month", &["months"]),
    (Group::Time, "week", &["weeks"]),
    (Group::Time, "day", &["days"]),
    (Group::Time, "hour", &["hours", "hr", "hrs", "h"]),
    (Group::Time, "minute", &["minutes", "min", "mins"]),
    (Group::Time, "second", &["seconds", "sec", "secs"]),
];

/// What a unit measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Money.
    Currency,
    /// A percentage.
    Percent,
    /// Percentage points or index points.
    Point,
    /// A duration.
    Time,
    /// A temperature, or degrees.
    Temperature,
    /// Length, area, volume, mass, speed, data.
    Dimension,
}

/// What the unit named `name` (a canonical name) measures; none for a counted noun.
pub fn category(name: &str) -> Option<Category> {
    let base = name.split(" per ").next().unwrap_or(name);
    if base.starts_with("square ") || base.starts_with("cubic ") {
        return Some(Category::Dimension);
    }
    Some(match FORMS.get(base)?.1 {
        Group::Money => Category::Currency,
        Group::Percent => Category::Percent,
        Group::Point => Category::Point,
        Group::Time => Category::Time,
        Group::Temperature => Category::Temperature,
        Group::Length | Group::Measure => Category::Dimension,
    })
}

/// Every form of the table (names included) → its canonical name and group.
type Forms = std::collections::HashMap<&'static str, (&'static str, Group)>;
static FORMS: std::sync::LazyLock<Forms> = std::sync::LazyLock::new(|| {
    let mut m = Forms::new();
    for &(group, name, forms) in UNITS {
        m.entry(name).or_insert((name, group));
        for f in forms {
            m.entry(*f).or_insert((name, group));
        }
    }
    m
});

/// The canonical name of one form of the table.
fn lookup(form: &str) -> Option<&'static str> {
    FORMS.get(form).map(|e| e.0)
}

/// The canonical name of one form of the table if it is a length.
fn length(form: &str) -> Option<&'static str> {
    FORMS.get(form).filter(|e| e.1 == Group::Length).map(|e| e.0)
}

/// Words that must be glued to the digits to be read as a unit ("5m", "3s", "10in"): after
/// a space they are more often a word or a letter.
fn glued_only(form: &str) -> bool {
    form.chars().count() == 1 && form.chars().all(char::is_alphabetic)
        || matches!(form, "in" | "deg")
}

/// The canonical name of a unit phrase (lowercase words separated by single spaces), by
/// the grammar: a form of the table; "square" / "sq" / "cubic" and a length; a length
/// "per" / "an" / "a" a time ("miles an hour"); a word of nationality and a currency
/// ("Finnish markka", where the table lacks the pair).
fn parse(phrase: &str) -> Option<String> {
    if let Some(name) = lookup(phrase) {
        return Some(name.to_string());
    }
    let (head, rest) = phrase.split_once(' ')?;
    // "degrees farenheit", "deg celsius": a degree of the scale named after it.
    if matches!(head, "degree" | "degrees" | "deg" | "°") {
        let scale = FORMS.get(rest).filter(|e| e.1 == Group::Temperature && e.0 != "degree")?;
        return Some(scale.0.to_string());
    }
    if matches!(head, "square" | "sq" | "cubic") {
        let base = length(rest)?;
        let head = if head == "cubic" { "cubic" } else { "square" };
        return Some(format!("{head} {base}"));
    }
    for sep in [" per ", " an ", " a "] {
        if let Some((a, b)) = phrase.split_once(sep) {
            let (a, b) = (length(a)?, FORMS.get(b)?);
            return (b.1 == Group::Time).then(|| format!("{a} per {}", b.0));
        }
    }
    let base = FORMS.get(rest).filter(|e| e.1 == Group::Money)?.0;
    (!rest.contains(' ') && head.chars().all(char::is_alphabetic)).then(|| base.to_string())
}

/// The length of the unit word at the start of `s`: letters and unit signs ("%", "$",
/// "°", "²", "/"; digits after a letter), a full stop only inside an abbreviation ("u.s.",
/// not the sentence's).
fn unit_word(s: &str) -> usize {
    // Digits only after a letter: "m2", "km2" (and so "m212" is no unit).
    let sign = |i: usize, c: char| {
        c.is_alphabetic() || "%$€£¥°²³/.₹₩₡₾₭₦₴฿₺₱₽₪".contains(c) || (i > 0 && c.is_ascii_digit())
    };
    // No unit is longer than this: a longer run ("a5a5a5…") is read no further, so that
    // a text of such runs costs linear time, not quadratic.
    const LONGEST: usize = 24;
    let mut chars = s.char_indices().take(LONGEST + 1);
    let len = match chars.find(|&(i, c)| !sign(i, c)) {
        Some((i, _)) => i,
        None if s.chars().nth(LONGEST).is_none() => s.len(),
        None => return 0,
    };
    let word = &s[..len];
    let inner_dot = word.trim_end_matches('.').contains('.');
    if inner_dot {
        len
    } else {
        word.trim_end_matches('.').len()
    }
}

/// The unit at the start of `rest` (the text right after a number): its length in bytes
/// and canonical name. The longest phrase of up to four words the grammar knows wins; a
/// single-letter form counts only glued to the digits ("5m", not "5 m").
pub fn read(rest: &str) -> Option<(usize, String)> {
    // "20 (kg)", "20 [kg]": a unit in brackets, as in a table's heading.
    let spaced = rest.strip_prefix(' ').unwrap_or(rest);
    if let Some(close) = spaced.chars().next().and_then(|o| match o {
        '(' => Some(')'),
        '[' => Some(']'),
        '{' => Some('}'),
        '<' => Some('>'),
        _ => None,
    }) {
        let inner = &spaced[1..];
        let (len, name) = read_plain(inner).filter(|(len, _)| inner[*len..].starts_with(close))?;
        return Some((rest.len() - spaced.len() + 1 + len + 1, name));
    }
    read_plain(rest)
}

/// [`read`] without brackets.
fn read_plain(rest: &str) -> Option<(usize, String)> {
    let glued = !rest.starts_with([' ', '\u{a0}', '-']);
    let body = rest.strip_prefix(['-', ' ', '\u{a0}']).unwrap_or(rest);
    let offset = rest.len() - body.len();
    // Word ends (byte offsets into `body`): letters and unit signs, one space between.
    let mut ends = Vec::new();
    let mut at = 0;
    while ends.len() < 4 {
        let w = unit_word(&body[at..]);
        if w == 0 {
            break;
        }
        ends.push(at + w);
        at += w;
        if !body[at..].starts_with(' ') {
            break;
        }
        at += 1;
    }
    ends.iter().rev().find_map(|&end| {
        let phrase = body[..end].to_lowercase();
        if (!glued || phrase.contains(' ')) && glued_only(&phrase) {
            return None;
        }
        parse(&phrase).map(|name| (offset + end, name))
    })
}

/// Whether `form` is a unit form of the table ("ml", "km", "lbs"): a word glued to digits
/// ("180ml") is read as their unit only then.
pub fn known(form: &str) -> bool {
    name(form).is_some()
}

/// The canonical name of a unit form the grammar knows ("km" → "kilometre", "square
/// feet" → "square foot"); none for any other word.
pub fn name(form: &str) -> Option<String> {
    parse(&form.trim().to_lowercase())
}

/// The canonical name of a unit ("USD" → "dollar", "km" → "kilometre", "jobs" → "job").
pub fn canonical(unit: &str) -> String {
    if let Some(name) = name(unit) {
        return name;
    }
    let lower = unit.trim().to_lowercase();
    match lower.strip_suffix('s') {
        Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_string(),
        _ => lower,
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn forms_of_one_unit_share_a_name() {
        for (a, b) in [
            ("$", "Dollar"),
            ("USD", "United States dollar"),
            ("km", "Kilometer"),
            ("%", "percent"),
            ("°C", "C"),
            ("lbs", "Pound"),
            ("Metric ton", "tonnes"),
            ("jobs", "job"),
        ] {
            assert_eq!(canonical(a), canonical(b), "{a} / {b}");
        }
        assert_ne!(canonical("USD"), canonical("Canadian dollar"));
        assert_ne!(canonical("GBP"), canonical("Pound"), "money is not weight");
        assert_eq!(canonical("glass"), "glass", "a double s is not a plural");
    }
}
