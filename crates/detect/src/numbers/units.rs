//! Units: the surface forms of a unit (symbol, abbreviation, singular, plural, British or
//! American spelling, ISO code) map to one canonical name, so that "$", "USD", "dollars"
//! and "Dollar" are the same unit; a small grammar builds the rest from them: "square
//! metres", "cubic feet", "miles an hour", "kilometres per hour", "Finnish markka". A word
//! that is no unit (a counted noun: "jobs", "voters") is reported as what a quantity
//! counts, not as its unit; [`canonical`] still names it (lowercased, a plural "s"
//! dropped) for linking quantities.

/// Canonical name, then its other forms (lowercase).
const UNITS: &[(&str, &[&str])] = &[
    (
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
    ("canadian dollar", &["cad", "c$", "canadian dollars"]),
    ("australian dollar", &["aud", "a$", "australian dollars"]),
    ("hong kong dollar", &["hkd", "hk$", "hong kong dollars"]),
    ("new zealand dollar", &["nzd", "nz$", "new zealand dollars"]),
    ("euro", &["€", "eur", "euros"]),
    (
        "pound sterling",
        &["£", "gbp", "sterling", "british pound", "british pounds", "pounds sterling"],
    ),
    ("yen", &["¥", "jpy", "japanese yen"]),
    ("yuan", &["cny", "rmb", "renminbi", "chinese yuan", "元"]),
    ("rupee", &["inr", "rupees", "indian rupee", "indian rupees", "₹"]),
    ("won", &["krw", "₩", "south korean won", "korean won"]),
    ("colón", &["₡", "costa rican colón", "crc"]),
    ("lari", &["₾", "georgian lari", "gel"]),
    ("kip", &["₭", "lao kip", "lak"]),
    ("naira", &["₦", "ngn", "nigerian naira"]),
    ("hryvnia", &["₴", "uah", "ukrainian hryvnia"]),
    ("baht", &["฿", "thb", "thai baht"]),
    ("swiss franc", &["chf", "swiss francs"]),
    ("franc", &["francs", "french franc", "french francs"]),
    ("peseta", &["pesetas"]),
    ("markka", &["finnish markka", "markkaa"]),
    ("guilder", &["guilders", "dutch guilder", "dutch guilders", "netherlands guilder"]),
    ("lira", &["lire", "liras", "turkish lira", "₺"]),
    ("peso", &["pesos", "mexican peso", "mexican pesos", "₱"]),
    (
        "rouble",
        &["roubles", "ruble", "rubles", "russian rouble", "russian ruble", "russian rubles", "₽"],
    ),
    ("shekel", &["shekels", "₪", "ils"]),
    ("cent", &["cents", "¢"]),
    ("penny", &["pence", "p"]),
    ("percent", &["%", "per cent", "pct", "percents", "percentage", "percentages"]),
    ("point", &["points", "pts", "percentage point", "percentage points"]),
    ("kilometre", &["km", "kilometer", "kilometers", "kilometres"]),
    ("metre", &["m", "meter", "meters", "metres"]),
    ("centimetre", &["cm", "centimeter", "centimeters", "centimetres"]),
    ("millimetre", &["mm", "millimeter", "millimeters", "millimetres"]),
    ("mile", &["mi", "miles"]),
    ("yard", &["yd", "yards"]),
    ("foot", &["ft", "feet", "'"]),
    ("inch", &["in", "inches", "\""]),
    ("kilometre per hour", &["km/h", "kph", "kmh", "kmph", "km/hr"]),
    ("mile per hour", &["mph"]),
    ("kilogram", &["kg", "kilograms", "kilo", "kilos", "kilogramme", "kilogrammes"]),
    ("gram", &["g", "grams", "gramme", "grammes"]),
    ("microgram", &["µg", "μg", "mcg", "micrograms", "microgramme", "microgrammes"]),
    ("tonne", &["t", "tonnes", "metric ton", "metric tons"]),
    ("ton", &["tons", "short ton"]),
    ("pound", &["lb", "lbs", "pounds"]),
    ("ounce", &["oz", "ounces"]),
    ("litre", &["l", "liter", "liters", "litres"]),
    ("millilitre", &["ml", "milliliter", "milliliters", "millilitres"]),
    ("gallon", &["gal", "gallons"]),
    ("barrel", &["bbl", "barrels"]),
    ("square kilometre", &["km2", "km²", "sq km"]),
    ("square metre", &["m2", "m²", "sq m"]),
    ("acre", &["acres"]),
    ("hectare", &["ha", "hectares"]),
    (
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
    ("degree", &["°", "degrees", "deg"]),
    ("byte", &["bytes"]),
    ("kilobyte", &["kb", "kilobytes"]),
    ("megabyte", &["mb", "megabytes"]),
    ("gigabyte", &["gb", "gigabytes"]),
    ("terabyte", &["tb", "terabytes"]),
    ("bit", &["bits"]),
    ("year", &["years", "yr", "yrs", "years old", "year old", "years of age"]),
    ("decade", &["decades"]),
    ("century", &["centuries"]),
    ("month", &["months"]),
    ("week", &["weeks"]),
    ("day", &["days"]),
    ("hour", &["hours", "hr", "hrs", "h"]),
    ("minute", &["minutes", "min", "mins"]),
    ("second", &["seconds", "sec", "secs"]),
];

/// Canonical names of money.
const CURRENCIES: &[&str] = &[
    "dollar",
    "canadian dollar",
    "australian dollar",
    "hong kong dollar",
    "new zealand dollar",
    "euro",
    "pound sterling",
    "yen",
    "yuan",
    "rupee",
    "swiss franc",
    "franc",
    "peseta",
    "markka",
    "guilder",
    "lira",
    "peso",
    "rouble",
    "shekel",
    "cent",
    "penny",
    "won",
    "colón",
    "lari",
    "kip",
    "naira",
    "hryvnia",
    "baht",
];

/// Canonical names of lengths (which "square", "cubic" and "per hour" build on).
const LENGTHS: &[&str] =
    &["kilometre", "metre", "centimetre", "millimetre", "mile", "yard", "foot", "inch"];

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
    match base {
        _ if CURRENCIES.contains(&base) => Some(Category::Currency),
        "percent" => Some(Category::Percent),
        "point" => Some(Category::Point),
        "year" | "decade" | "century" | "month" | "week" | "day" | "hour" | "minute" | "second" => {
            Some(Category::Time)
        }
        "celsius" | "fahrenheit" | "degree" => Some(Category::Temperature),
        _ if lookup(base).is_some()
            || base.starts_with("square ")
            || base.starts_with("cubic ") =>
        {
            Some(Category::Dimension)
        }
        _ => None,
    }
}

/// Every form of the table (names included) → its canonical name.
static FORMS: std::sync::LazyLock<std::collections::HashMap<&'static str, &'static str>> =
    std::sync::LazyLock::new(|| {
        let mut m = std::collections::HashMap::new();
        for (name, forms) in UNITS {
            m.entry(*name).or_insert(*name);
            for f in *forms {
                m.entry(*f).or_insert(*name);
            }
        }
        m
    });

/// The canonical name of one form of the table.
fn lookup(form: &str) -> Option<&'static str> {
    FORMS.get(form).copied()
}

/// Words that must be glued to the digits to be read as a unit ("5m", "3s", "10in"): after
/// a space they are more often a word or a letter.
fn glued_only(form: &str) -> bool {
    form.chars().count() == 1 || matches!(form, "in" | "deg")
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
    if matches!(head, "square" | "sq" | "cubic") {
        let base = lookup(rest).filter(|b| LENGTHS.contains(b))?;
        let head = if head == "cubic" { "cubic" } else { "square" };
        return Some(format!("{head} {base}"));
    }
    for sep in [" per ", " an ", " a "] {
        if let Some((a, b)) = phrase.split_once(sep) {
            let (a, b) = (lookup(a)?, lookup(b)?);
            let time = matches!(category(b), Some(Category::Time));
            return (LENGTHS.contains(&a) && time).then(|| format!("{a} per {b}"));
        }
    }
    let base = lookup(rest).filter(|b| CURRENCIES.contains(b))?;
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
    parse(&form.trim().to_lowercase()).is_some()
}

/// The canonical name of a unit ("USD" → "dollar", "km" → "kilometre", "jobs" → "job").
pub fn canonical(unit: &str) -> String {
    let lower = unit.trim().to_lowercase();
    if let Some(name) = parse(&lower) {
        return name;
    }
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
