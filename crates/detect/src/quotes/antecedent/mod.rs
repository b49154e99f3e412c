//! What a pronoun source refers to. A pronoun ("he", "they", "its") names no one itself;
//! PolNeAR scores it as the nearest named source before it, so unspin reads its speaker
//! from the named sources before it: the sources the tagger marked (linked to an
//! attribution or not), by where they start, and as a last resort the named subjects of
//! earlier sentences. Without a ranker, a pronoun takes the nearest name before it and a
//! plural one the nearest group ("Republicans", "Smith and Jones"); with a [`Ranker`],
//! learned like the source linker on the tagger's out-of-fold output over PolNeAR
//! `train` (`unspin train attribution --link`), the best-scoring of a few candidates:
//! the nearest names the pronoun agrees with ("they" and "it" never name one person named
//! in full), the nearest such group and the last named subject, each described by its
//! distance, the breaks and mentions before it, whether it is linked, a group, a person
//! or a possessive, and the pronoun's person and number.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use super::choice;
use super::merge::{is_named, speaker, without_contraction, NOT_NAMES, PRONOUNS};
use super::tagger::{self, assemble::Tagged, link::Breaks};

pub mod train;

/// The candidate features, in weight order.
pub const FEATURES: [&str; 16] = [
    "nearest name",
    "second nearest name",
    "nearest group",
    "log distance",
    "same sentence",
    "one sentence before",
    "paragraph break between",
    "linked to an attribution",
    "group",
    "group & plural pronoun",
    "not a group & plural pronoun",
    "sentence subject, untagged",
    "person-like",
    "first person & nearest name",
    "log earlier mentions",
    "possessive",
];

/// Number of features.
pub const N: usize = FEATURES.len();

/// Names before a pronoun that are candidates, nearest first.
const NEAREST: usize = 4;

/// Plural pronouns: they refer to a group.
const PLURAL: &[&str] = &["they", "them", "their", "we", "our"];

/// First-person pronouns: inside a quotation they are its speaker.
const FIRST_PERSON: &[&str] = &["i", "we", "my", "our", "me", "us"];

/// The ranker's weights (one per feature), kept in the linker's file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Ranker {
    /// Feature names, in order (checked on load).
    pub features: Vec<String>,
    /// One weight per feature.
    pub weights: Vec<f32>,
}

impl Ranker {
    /// A ranker with the given weights.
    pub fn new(weights: [f32; N]) -> Ranker {
        Ranker {
            features: FEATURES.iter().map(|s| s.to_string()).collect(),
            weights: weights.to_vec(),
        }
    }

    /// Whether the ranker was written for this build's features.
    pub fn is_valid(&self) -> bool {
        self.features == FEATURES && self.weights.len() == N
    }

    /// The weights as an array (zeros if the ranker is not valid).
    pub fn array(&self) -> [f32; N] {
        self.weights.clone().try_into().unwrap_or([0.0; N])
    }
}

/// A name a pronoun may refer to, with its features.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Where its source (or sentence) starts, in bytes.
    pub start: usize,
    /// The name.
    pub name: String,
    /// Its features.
    pub x: [f32; N],
}

/// A named source before a pronoun.
#[derive(Clone, Debug)]
struct Named {
    start: usize,
    name: String,
    /// Its capitalised words ([`name_words`]), found once.
    words: Vec<String>,
    linked: bool,
    group: bool,
}

impl Named {
    fn new(start: usize, name: String, linked: bool, group: bool) -> Named {
        let words = name_words(&name).into_iter().map(String::from).collect();
        Named { start, name, words, linked, group }
    }
}

/// How many names before a pronoun the ranker looks at (its candidates and their earlier
/// mentions), so that the work per pronoun stays bounded on endless texts. The longest
/// PolNeAR article has 196 annotated sources; the shipped linkers retrain byte for byte
/// the same with the bound as without it.
const WINDOW: usize = 256;

/// The names pronoun sources of one text may refer to, each list found on first need
/// (most attributions name their source, and most articles name someone first).
pub struct Antecedents<'t> {
    text: &'t str,
    spans: &'t [tagger::Span],
    tagged: &'t [Tagged],
    /// Named sources by start.
    names: OnceCell<Vec<Named>>,
    /// Which of them are groups.
    groups: OnceCell<Vec<usize>>,
    /// The sentences with named subjects.
    subjects: OnceCell<Vec<(usize, String)>>,
    breaks: OnceCell<Breaks>,
}

impl<'t> Antecedents<'t> {
    /// The antecedents among the tagger's `spans` and the attributions' sources in
    /// `tagged`, and the named subjects of the text's sentences.
    pub fn new(text: &'t str, spans: &'t [tagger::Span], tagged: &'t [Tagged]) -> Antecedents<'t> {
        Antecedents {
            text,
            spans,
            tagged,
            names: OnceCell::new(),
            groups: OnceCell::new(),
            subjects: OnceCell::new(),
            breaks: OnceCell::new(),
        }
    }

    fn names(&self) -> &[Named] {
        self.names.get_or_init(|| named_sources(self.text, self.spans, self.tagged))
    }

    /// Where the groups are among [`Self::names`], in order.
    fn groups(&self) -> &[usize] {
        self.groups
            .get_or_init(|| (0..self.names().len()).filter(|&i| self.names()[i].group).collect())
    }

    /// What a source word `word` (lower case, without contraction) at byte `at` refers to
    /// when it is a pronoun, or the last named sentence subject before it otherwise (a
    /// relative pronoun's phrase may be a pronoun): with `ranker`, the best candidate.
    pub fn resolve(&self, at: usize, word: &str, ranker: Option<&Ranker>) -> Option<String> {
        match ranker.filter(|r| r.is_valid() && PRONOUNS.contains(&word)) {
            Some(r) => {
                let w = r.array();
                choice::best(self.candidates(at, word), |c| choice::score(&w, &c.x)).map(|c| c.name)
            }
            None => self.rule(at, word),
        }
    }

    /// The rule: a plural pronoun names the nearest group before it, another pronoun the
    /// nearest name, else (like any other word) the last named sentence subject.
    pub fn rule(&self, at: usize, word: &str) -> Option<String> {
        if !PRONOUNS.contains(&word) {
            return last_subject(self.subjects(), at).map(|(_, n)| n);
        }
        let names = self.names();
        if PLURAL.contains(&word) {
            let groups = self.groups();
            let j = groups.partition_point(|&i| names[i].start < at);
            return j.checked_sub(1).map(|j| names[groups[j]].name.clone());
        }
        let k = names.partition_point(|n| n.start < at);
        let last = k.checked_sub(1).map(|k| names[k].name.clone());
        last.or_else(|| last_subject(self.subjects(), at).map(|(_, n)| n))
    }

    fn subjects(&self) -> &[(usize, String)] {
        self.subjects.get_or_init(|| subject_names(self.text))
    }

    /// The candidates for a pronoun `word` at byte `at`: the four nearest names before it
    /// that it agrees with (by number and animacy), the nearest such group if further,
    /// and the last named sentence subject if it agrees and no candidate starts there.
    pub fn candidates(&self, at: usize, word: &str) -> Vec<Candidate> {
        let names = self.names();
        let k = names.partition_point(|n| n.start < at);
        let before = &names[k.saturating_sub(WINDOW)..k];
        let pronoun = (at, word, before);
        let fitting: Vec<&Named> =
            before.iter().rev().filter(|n| agrees(word, &n.name, n.group)).collect();
        let mut chosen: Vec<(usize, &Named)> =
            fitting.iter().copied().take(NEAREST).enumerate().collect();
        let group = fitting.iter().position(|n| n.group);
        if let Some(g) = group.filter(|&g| g >= NEAREST) {
            chosen.push((g, fitting[g]));
        }
        let mut out: Vec<Candidate> = chosen
            .into_iter()
            .map(|(rank, n)| {
                let x = self.features(pronoun, n, rank, group.map(|g| fitting[g].start));
                Candidate { start: n.start, name: n.name.clone(), x }
            })
            .collect();
        if let Some((start, name)) =
            last_subject(self.subjects(), at).filter(|(_, n)| agrees(word, n, false))
        {
            if !out.iter().any(|c| c.start == start) {
                let n = Named::new(start, name, false, false);
                let mut x = self.features(pronoun, &n, NEAREST, None);
                x[11] = 1.0;
                out.push(Candidate { start, name: n.name, x });
            }
        }
        out
    }

    /// The features of name `n` (`rank`: 0 for the nearest name) for a pronoun `word` at
    /// byte `at`, whose window of names before it is `window`; `group` is where the
    /// nearest group before it starts.
    fn features(
        &self,
        (at, word, window): (usize, &str, &[Named]),
        n: &Named,
        rank: usize,
        group: Option<usize>,
    ) -> [f32; N] {
        let b = |v: bool| f32::from(u8::from(v));
        let breaks = self.breaks.get_or_init(|| Breaks::new(self.text));
        let (sentences, paragraphs) = breaks.count(&(n.start..at));
        let plural = PLURAL.contains(&word);
        let person = !n.group && person_like(&n.name);
        let mentions = window
            .iter()
            .filter(|m| m.start != n.start && m.words.iter().any(|w| n.words.contains(w)));
        let mut x = [0.0; N];
        x[0] = b(rank == 0);
        x[1] = b(rank == 1);
        x[2] = b(group == Some(n.start));
        x[3] = ((at.saturating_sub(n.start) + 1) as f32).log2() / 10.0;
        x[4] = b(sentences == 0);
        x[5] = b(sentences == 1);
        x[6] = b(paragraphs >= 1);
        x[7] = b(n.linked);
        x[8] = b(n.group);
        x[9] = b(n.group && plural);
        x[10] = b(!n.group && plural);
        x[12] = b(person);
        x[13] = b(rank == 0 && FIRST_PERSON.contains(&word));
        x[14] = ((mentions.count() + 1) as f32).log2() / 3.0;
        x[15] = b(n.name.ends_with("'s") || n.name.ends_with("’s"));
        x
    }
}

/// The named sources among the tagger's `spans` and the attributions' sources in
/// `tagged`, by start. A name must hold a word the text capitalises inside a sentence, so
/// "Instead" or "Unity" opening a sentence and tagged as a source is no antecedent.
fn named_sources(text: &str, spans: &[tagger::Span], tagged: &[Tagged]) -> Vec<Named> {
    let inside = inside_capitals(text);
    let linked = tagged.iter().filter_map(|t| t.source.clone()).map(|r| (r, true));
    // Linked sources come completed to their noun phrase; marked ones are completed here.
    let marked = spans
        .iter()
        .filter(|s| s.role == tagger::Role::Source)
        .map(|s| (super::phrase::noun_phrase(text, s.range.clone()), false));
    let mut names: Vec<Named> = linked
        .chain(marked)
        .filter_map(|(r, linked)| {
            let name = speaker(text, &r, &None).0?;
            let group = is_group(&inside, &name);
            (is_named(&name) && proper(&inside, &name))
                .then(|| Named::new(r.start, name, linked, group))
        })
        .collect();
    // Linked first among equal starts, so the one kept is marked linked.
    names.sort_by_key(|n| (n.start, !n.linked));
    names.dedup_by_key(|n| n.start);
    names
}

/// The word a source is, when it is one word: lower case, without a contraction ("He’s"
/// → "he").
pub fn source_word(text: &str, source: &Range<usize>) -> String {
    without_contraction(&text[source.clone()].trim().to_lowercase())
}

/// Whether a pronoun can refer to a name, by number and animacy: "it" not to a person
/// named in full ("Dana Whitfield"), "they" not to one either, unless the name
/// is also a group's; "they" may still name an organisation ("the Clinton campaign"), and
/// other pronouns anyone ("he" after "Trump's campaign said" is scored as that source).
fn agrees(pronoun: &str, name: &str, group: bool) -> bool {
    match pronoun {
        "it" | "its" => !person_like(name),
        "they" | "them" | "their" => group || !person_like(name),
        _ => true,
    }
}

/// Whether a name reads as a person's: a title ("Mr.", "Sen.") or two or more
/// capitalised words.
fn person_like(name: &str) -> bool {
    let caps: Vec<&str> = name.split_whitespace().filter(|w| is_cap_word(w)).collect();
    caps.len() >= 2 || caps.iter().any(|w| w.ends_with('.') && w.len() <= 5)
}

/// The capitalised words of a name, without possessive endings.
fn name_words(name: &str) -> Vec<&str> {
    name.split_whitespace()
        .filter(|w| is_cap_word(w) && !NOT_NAMES.contains(&w.to_lowercase().as_str()))
        .map(|w| w.trim_end_matches("'s").trim_end_matches("’s"))
        .collect()
}

/// The last named sentence subject before byte `at`, with where its sentence starts.
fn last_subject(subjects: &[(usize, String)], at: usize) -> Option<(usize, String)> {
    let k = subjects.partition_point(|(i, _)| *i < at);
    k.checked_sub(1).map(|k| subjects[k].clone())
}

/// Whether a name is of a group: two names joined ("Smith and Jones") or a plural last
/// word — lower-case ("officials"), or capitalised with its singular also capitalised
/// inside a sentence of the text (`inside`: "Democrats" beside "Democrat"; not
/// "Sanders").
fn is_group(inside: &HashSet<&str>, name: &str) -> bool {
    let last = name.split_whitespace().next_back().unwrap_or("");
    let possessive = last.ends_with("'s") || last.ends_with("’s");
    let Some(stem) = last.strip_suffix('s').filter(|s| !possessive && !s.ends_with('s')) else {
        return name.contains(" and ");
    };
    name.contains(" and ") || !is_cap_word(last) || inside.contains(stem)
}

/// The capitalised words found inside a sentence (not first in it) somewhere in `text`.
fn inside_capitals(text: &str) -> HashSet<&str> {
    let mut inside = HashSet::new();
    for r in unspin_text::segment::sentences(text) {
        inside.extend(text[r].unicode_words().skip(1).filter(|w| is_cap_word(w)));
    }
    inside
}

/// Whether a name holds a word the text capitalises inside a sentence ("Congress",
/// "Sanders"; not "Instead", "If", which open sentences only).
fn proper(inside: &HashSet<&str>, name: &str) -> bool {
    name.unicode_words().any(|w| {
        is_cap_word(w) && !NOT_NAMES.contains(&w.to_lowercase().as_str()) && inside.contains(w)
    })
}

/// Sentences whose subject is a name: the capitalised words a sentence starts with (after
/// any opening quotation mark), followed by a lower-case word, where the phrase has two
/// or more words or its word is also capitalised inside a sentence elsewhere in the text
/// (so a name, not just a sentence's first word). Byte offset and name, in text order.
fn subject_names(text: &str) -> Vec<(usize, String)> {
    let inside = inside_capitals(text);
    let mut out = Vec::new();
    for r in unspin_text::segment::sentences(text) {
        let words: Vec<(usize, &str)> = text[r.clone()].unicode_word_indices().take(5).collect();
        let n = words.iter().take_while(|(_, w)| is_cap_word(w)).count();
        let followed = words.get(n).is_some_and(|(_, w)| w.starts_with(char::is_lowercase));
        let name: Vec<&str> = words[..n].iter().map(|(_, w)| *w).collect();
        let first_ok =
            name.first().is_some_and(|w| !NOT_NAMES.contains(&w.to_lowercase().as_str()));
        let proper = name.len() >= 2 || name.first().is_some_and(|w| inside.contains(w));
        if n > 0
            && followed
            && first_ok
            && proper
            && !PRONOUNS.contains(&name[0].to_lowercase().as_str())
        {
            out.push((r.start + words[0].0, name.join(" ")));
        }
    }
    out
}

/// A word written with a capital first letter (a title such as "Mr" counts).
fn is_cap_word(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

#[cfg(test)]
mod tests;
