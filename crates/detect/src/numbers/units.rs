//! Canonical unit names: the surface forms of a unit (symbol, abbreviation, singular,
//! plural, British or American spelling, ISO code) map to one name, so that "$", "USD",
//! "dollars" and "Dollar" are the same unit. A form not in the table is its own name
//! (lowercased, a plural "s" dropped), as counted nouns are ("jobs" → "job").

/// Canonical name, then its other forms (lowercase).
const UNITS: &[(&str, &[&str])] = &[
    ("dollar", &["$", "usd", "us$", "dollars", "united states dollar", "us dollar", "bucks"]),
    ("canadian dollar", &["cad", "c$", "canadian dollars"]),
    ("australian dollar", &["aud", "a$", "australian dollars"]),
    ("hong kong dollar", &["hkd", "hk$"]),
    ("euro", &["€", "eur", "euros"]),
    ("pound sterling", &["£", "gbp", "sterling", "british pound", "british pounds"]),
    ("yen", &["¥", "jpy", "japanese yen"]),
    ("yuan", &["cny", "rmb", "renminbi", "chinese yuan"]),
    ("rupee", &["inr", "rupees", "indian rupee"]),
    ("swiss franc", &["chf", "swiss francs"]),
    ("cent", &["cents", "¢"]),
    ("penny", &["pence", "p"]),
    ("percent", &["%", "per cent", "pct", "percents", "percentage", "percentages"]),
    ("kilometre", &["km", "kilometer", "kilometers", "kilometres"]),
    ("metre", &["m", "meter", "meters", "metres"]),
    ("centimetre", &["cm", "centimeter", "centimeters", "centimetres"]),
    ("millimetre", &["mm", "millimeter", "millimeters", "millimetres"]),
    ("mile", &["mi", "miles"]),
    ("foot", &["ft", "feet", "'"]),
    ("inch", &["in", "inches", "\""]),
    ("kilometre per hour", &["km/h", "kph", "kmh", "kilometers per hour", "kilometer per hour"]),
    ("mile per hour", &["mph", "miles per hour"]),
    ("kilogram", &["kg", "kilograms", "kilo", "kilos"]),
    ("gram", &["g", "grams", "gramme", "grammes"]),
    ("microgram", &["µg", "mcg", "micrograms"]),
    ("tonne", &["t", "tonnes", "metric ton", "metric tons"]),
    ("ton", &["tons", "short ton"]),
    ("pound", &["lb", "lbs", "pounds"]),
    ("ounce", &["oz", "ounces"]),
    ("litre", &["l", "liter", "liters", "litres"]),
    ("millilitre", &["ml", "milliliter", "milliliters", "millilitres"]),
    ("gallon", &["gal", "gallons"]),
    ("barrel", &["bbl", "barrels"]),
    ("square kilometre", &["km2", "km²", "sq km", "square kilometer", "square kilometers"]),
    ("square metre", &["m2", "m²", "sq m", "square meter", "square meters"]),
    ("acre", &["acres"]),
    ("hectare", &["ha", "hectares"]),
    ("celsius", &["c", "°c", "degrees celsius", "degree celsius", "centigrade"]),
    ("fahrenheit", &["f", "°f", "degrees fahrenheit", "degree fahrenheit"]),
    ("degree", &["°", "degrees"]),
    ("year", &["years", "yr", "yrs", "years old", "year old"]),
    ("month", &["months"]),
    ("week", &["weeks"]),
    ("day", &["days"]),
    ("hour", &["hours", "hr", "hrs", "h"]),
    ("minute", &["minutes", "min", "mins"]),
    ("second", &["seconds", "sec", "secs", "s"]),
];

/// Whether `form` is a unit form of the table ("ml", "km", "lbs"): a word glued to digits
/// ("180ml") is read as their unit only then.
pub fn known(form: &str) -> bool {
    let lower = form.to_lowercase();
    UNITS.iter().any(|(name, forms)| *name == lower || forms.contains(&lower.as_str()))
}

/// The canonical name of a unit ("USD" → "dollar", "km" → "kilometre", "jobs" → "job").
pub fn canonical(unit: &str) -> String {
    let lower = unit.trim().to_lowercase();
    if let Some((name, _)) =
        UNITS.iter().find(|(name, forms)| *name == lower || forms.contains(&lower.as_str()))
    {
        return (*name).to_string();
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
