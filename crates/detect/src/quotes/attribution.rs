//! Who said it: names, titles and roles next to reporting verbs.

/// The reporting words: [`VERBS`] and the words learned from the cues of PolNeAR `train`
/// (`unspin train cues`: words annotators marked as a whole cue at least 5 times and in at
/// least half of their occurrences), in one set.
static REPORTING: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("cues.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .chain(VERBS.iter().copied())
            .collect()
    });

/// Whether a lowercased word is a reporting word ("said", "argued", "tweeted", …).
pub fn is_reporting(w: &str) -> bool {
    REPORTING.contains(w)
}

/// Reporting verbs, all inflections listed.
pub const VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "asserted",
    "asserts",
    "tweeted",
    "tweets",
    "wrote",
    "writes",
    "demanded",
    "demands",
    "warned",
    "warns",
    "stated",
    "states",
    "claimed",
    "claims",
    "insisted",
    "insists",
    "argued",
    "argues",
    "explained",
    "explains",
    "noted",
    "notes",
    "declared",
    "declares",
    "announced",
    "announces",
    "replied",
    "replies",
    "asked",
    "asks",
    "urged",
    "urges",
    "stressed",
    "stresses",
    "continued",
    "continues",
    "concluded",
    "concludes",
    "posted",
    "posts",
    "remarked",
    "remarks",
    "admitted",
    "admits",
    "acknowledged",
    "acknowledges",
    "recalled",
    "recalls",
    "complained",
    "complains",
    "predicted",
    "predicts",
    "suggested",
    "suggests",
    "confirmed",
    "confirms",
    "testified",
];

/// Titles and roles that precede a name.
const ROLES: &[&str] = &[
    "president",
    "prime",
    "minister",
    "secretary",
    "general",
    "director-general",
    "director",
    "councillor",
    "councilor",
    "senator",
    "sen.",
    "rep.",
    "representative",
    "governor",
    "gov.",
    "mayor",
    "judge",
    "justice",
    "chancellor",
    "king",
    "queen",
    "pope",
    "ceo",
    "chairman",
    "chairwoman",
    "chair",
    "chief",
    "executive",
    "professor",
    "prof.",
    "dr.",
    "dr",
    "mr.",
    "mrs.",
    "ms.",
    "mr",
    "mrs",
    "ms",
    "sir",
    "dame",
    "lord",
    "lady",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "commissioner",
    "ambassador",
    "foreign",
    "defence",
    "defense",
    "health",
    "finance",
    "interior",
    "british",
    "american",
    "french",
    "german",
    "russian",
    "chinese",
    "former",
    "deputy",
    "vice",
    "acting",
    "the",
    "us",
    "u.s.",
    "uk",
    "who",
    "un",
    "eu",
    "officer",
    "captain",
    "colonel",
    "lieutenant",
    "sergeant",
    "rev.",
    "bishop",
    "archbishop",
    "leader",
    "opposition",
    "party",
    "state",
    "head",
    "founder",
    "coach",
    "attorney",
];

const PRONOUNS: &[&str] = &["he", "she", "they", "i", "we"];

/// A speaker phrase, split into name and role.
#[derive(Clone, Debug, PartialEq)]
pub struct Speaker {
    /// The person or body.
    pub name: String,
    /// Title or role before the name, if any.
    pub role: Option<String>,
    /// Whether it was a pronoun (to be resolved).
    pub pronoun: bool,
}

fn is_cap(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// Splits a capitalised phrase ("the British Prime Minister Winston Churchill") into role
/// and name (`Winston Churchill`, role `British Prime Minister`); a time expression at its
/// end ("… on Thursday") is neither.
pub fn split_role(words: &[&str]) -> Option<Speaker> {
    let words: Vec<&str> = words.iter().copied().filter(|w| !w.is_empty()).collect();
    let words = &words[..words.len() - super::time::trailing(&words)];
    if words.is_empty() {
        return None;
    }
    if words.len() == 1 && PRONOUNS.contains(&words[0].to_lowercase().as_str()) {
        return Some(Speaker { name: words[0].to_lowercase(), role: None, pronoun: true });
    }
    // The name is the trailing run of capitalised words; what precedes it (titles,
    // roles, descriptors such as "the electoral commissioner") is the role.
    let is_name_word = |w: &str| {
        (is_cap(w) && !ROLES.contains(&w.to_lowercase().as_str()))
            || matches!(w, "de" | "van" | "von" | "al" | "bin")
    };
    let mut k = words.len();
    while k > 0 && is_name_word(words[k - 1]) {
        k -= 1;
    }
    let role: Vec<&str> = words[..k]
        .iter()
        .copied()
        .filter(|w| !w.eq_ignore_ascii_case("the") && !w.eq_ignore_ascii_case("a"))
        .collect();
    let name: Vec<&str> = words[k..].to_vec();
    if name.is_empty() {
        return None;
    }
    Some(Speaker {
        name: name.join(" "),
        role: (!role.is_empty()).then(|| role.join(" ")),
        pronoun: false,
    })
}

/// The capitalised words that end at the end of `before` (the phrase right before a verb),
/// past a time expression there ("Ana Ruiz on Thursday").
pub fn phrase_before(before: &str) -> Vec<&str> {
    let words: Vec<&str> = before.split_whitespace().collect();
    let words = &words[..words.len() - super::time::trailing(&words)];
    let mut out = Vec::new();
    for w in words.iter().rev() {
        let clean = w.trim_matches(|c: char| c == ',' || c == '"' || c == '“' || c == '”');
        if clean.is_empty()
            || w.ends_with(['.', '!', '?', ':', ';'])
                && !ROLES.contains(&w.to_lowercase().as_str())
                && !out.is_empty()
        {
            break;
        }
        if w.ends_with(['"', '”', ',']) && !out.is_empty() {
            break;
        }
        if is_cap(clean)
            || ROLES.contains(&clean.to_lowercase().as_str())
            || PRONOUNS.contains(&clean.to_lowercase().as_str()) && out.is_empty()
        {
            out.push(clean);
            if PRONOUNS.contains(&clean.to_lowercase().as_str()) {
                break;
            }
        } else {
            break;
        }
    }
    out.reverse();
    out
}

/// The phrase at the start of `after` that names a speaker: a pronoun, or up to four
/// descriptor words ("union leader", "the finance minister") and capitalised words.
pub fn phrase_after(after: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut lowercase_run = 0;
    for w in after.split_whitespace() {
        let stop = w.ends_with([',', ';', ':', '!', '?'])
            || (w.ends_with('.') && !ROLES.contains(&w.to_lowercase().as_str()));
        let clean = w.trim_end_matches([',', '.', ';', ':', '!', '?']);
        let lw = clean.to_lowercase();
        if out.is_empty() && PRONOUNS.contains(&lw.as_str()) {
            out.push(clean);
            break;
        }
        if is_cap(clean) || ROLES.contains(&w.to_lowercase().as_str()) {
            out.push(clean);
        } else if clean.chars().all(|c| c.is_alphabetic() || c == '-')
            && lowercase_run < 4
            && !is_reporting(&lw)
        {
            // A descriptor may precede the name, but not follow it.
            if out.iter().any(|x: &&str| is_cap(x) && !ROLES.contains(&x.to_lowercase().as_str())) {
                break;
            }
            lowercase_run += 1;
            out.push(clean);
        } else {
            break;
        }
        if stop {
            break;
        }
    }
    out
}
