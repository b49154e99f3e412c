use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use unspin_text::segment::{sentences, trim};

use super::attribution::{is_reporting, phrase_after, phrase_before, split_role, Speaker};
use crate::report::QuoteKind;

/// A quotation found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundQuote {
    /// Byte range of the quoted words (without the marks), or of the reported clause.
    pub range: Range<usize>,
    /// Who said it, if the text says.
    pub speaker: Option<String>,
    /// The speaker's title or role, if given.
    pub role: Option<String>,
    /// `direct`, `indirect` or `scare`.
    pub kind: QuoteKind,
}

/// A cited source.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundSource {
    /// Byte range of the citing words.
    pub range: Range<usize>,
    /// Normalised name.
    pub name: String,
}

/// Everything found.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// Quotations, in text order.
    pub quotes: Vec<FoundQuote>,
    /// Sources, in text order.
    pub sources: Vec<FoundSource>,
}

/// The index of the sentence holding byte `b` (sentences are sorted and tile the text).
fn sentence_at(sents: &[Range<usize>], b: usize) -> Option<usize> {
    let i = sents.partition_point(|s| s.end <= b);
    (i < sents.len() && sents[i].start <= b).then_some(i)
}

/// The line breaks of a text, found once, so that finding the paragraph of a position
/// costs a binary search rather than a scan of the text.
struct Paragraphs {
    breaks: Vec<usize>,
    len: usize,
}

impl Paragraphs {
    fn new(text: &str) -> Paragraphs {
        let breaks = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i);
        Paragraphs { breaks: breaks.collect(), len: text.len() }
    }

    /// The line holding byte `at`: from after the last break before it to the next one.
    fn bounds(&self, at: usize) -> Range<usize> {
        let at = at.min(self.len);
        let i = self.breaks.partition_point(|&b| b < at);
        let start = if i > 0 { self.breaks[i - 1] + 1 } else { 0 };
        start..self.breaks.get(i).copied().unwrap_or(self.len)
    }
}

/// How many words next to a quotation are read for its attribution: far more than any
/// attribution holds, and a bound however long the sentence.
const ATTRIBUTION_WORDS: usize = 64;

/// Where `word`, a slice of `s`, starts in it.
fn offset_in(s: &str, word: &str) -> usize {
    word.as_ptr() as usize - s.as_ptr() as usize
}

/// The last `n` (≥ 1) whitespace-separated words of `s`.
fn last_words(s: &str, n: usize) -> &str {
    s.split_whitespace().rev().nth(n - 1).map_or(s, |w| &s[offset_in(s, w)..])
}

/// The first `n` whitespace-separated words of `s` (and the space after them).
fn leading_words(s: &str, n: usize) -> &str {
    s.split_whitespace().nth(n).map_or(s, |w| &s[..offset_in(s, w)])
}

/// Pairs quotation marks. Returns `(open, close)` byte ranges of the marks.
fn pair_marks(text: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut open: Option<(Range<usize>, char)> = None;
    let mut k = 0;
    while k < chars.len() {
        let (b, mut c) = chars[k];
        let mut r = b..b + c.len_utf8();
        let prev = if k > 0 { chars[k - 1].1 } else { ' ' };
        let mut next = chars.get(k + 1).map_or(' ', |x| x.1);
        // Two apostrophes are one double quotation mark (''like this'', as some news
        // archives write them).
        if c == '\'' && next == '\'' {
            (c, r) = ('"', b..b + 2);
            k += 1;
            next = chars.get(k + 1).map_or(' ', |x| x.1);
        }
        match (&open, c) {
            (None, '"') | (None, '“') | (None, '«') => open = Some((r, c)),
            (None, '‘') => open = Some((r, c)),
            (None, '\'') if !prev.is_alphanumeric() && next.is_alphabetic() => open = Some((r, c)),
            (Some((o, oc)), _) => {
                let closes = match (*oc, c) {
                    ('"', '"') | ('“', '”') | ('“', '"') | ('«', '»') => true,
                    ('‘', '’') | ('\'', '\'') => !next.is_alphanumeric(),
                    _ => false,
                };
                if closes {
                    out.push((o.clone(), r));
                    open = None;
                } else if c == '\n' {
                    // A quote left open at a paragraph end continues when the next
                    // paragraph reopens it; otherwise it ends with the paragraph.
                    let mut j = k;
                    while j < chars.len() && chars[j].1.is_whitespace() {
                        j += 1;
                    }
                    let reopens =
                        chars.get(j).is_some_and(|x| x.1 == *oc || (*oc == '“' && x.1 == '"'));
                    if reopens && matches!(oc, '"' | '“' | '«') {
                        k = j + 1;
                        continue;
                    }
                    out.push((o.clone(), b..b));
                    open = None;
                }
            }
            _ => {}
        }
        k += 1;
    }
    if let Some((o, _)) = open {
        out.push((o, text.len()..text.len()));
    }
    out
}

fn first_words(s: &str, n: usize) -> Vec<String> {
    s.split_whitespace()
        .take(n)
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '.').to_lowercase()
        })
        .collect()
}

/// Attribution after a quotation: `," said X`, `," X said`, `," he also added`.
fn speaker_after(after: &str) -> Option<Speaker> {
    let after = after.trim_start_matches(|c: char| {
        c == ',' || c == '.' || c == '?' || c == '!' || c.is_whitespace()
    });
    // The clause must follow directly (a new sentence starting with a capital after a
    // full stop inside the quote is still attribution: '"No." he said').
    let ws = first_words(after, 9);
    if ws.is_empty() {
        return None;
    }
    if is_reporting(ws[0].trim_end_matches('.')) {
        let rest = after.split_once(char::is_whitespace).map_or("", |x| x.1);
        return split_role(&phrase_after(rest));
    }
    // "X said" / "he also added" / "the minister told".
    for (i, w) in ws.iter().enumerate().skip(1) {
        if is_reporting(w.trim_end_matches('.')) {
            let words: Vec<&str> = after.split_whitespace().take(i).collect();
            let words: Vec<&str> = words
                .into_iter()
                .filter(|w| {
                    !matches!(
                        w.to_lowercase().as_str(),
                        "also" | "later" | "then" | "previously" | "once"
                    )
                })
                .collect();
            return split_role(&words.iter().map(|w| w.trim_end_matches(',')).collect::<Vec<_>>());
        }
        if after.split_whitespace().nth(i).is_some_and(|x| x.ends_with(['.', '!', '?'])) {
            break;
        }
    }
    if let Some(rest) = after.strip_prefix("according to ") {
        return split_role(&phrase_after(rest));
    }
    None
}

/// Attribution before a quotation: `X said: "`, `X: "`, `According to X, "`.
fn speaker_before(before: &str) -> Option<Speaker> {
    let b = before.trim_end();
    let b = b.trim_end_matches([',', ':']).trim_end();
    let words: Vec<&str> = b.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    // "X: «…»"
    if before.trim_end().ends_with(':') {
        let last = words[words.len() - 1].to_lowercase();
        if !is_reporting(&last) && words.len() <= 6 {
            if let Some(s) = split_role(&phrase_before(b)) {
                return Some(s);
            }
        }
    }
    // The last reporting verb within the last dozen words; the speaker is right before it.
    let tail_start = words.len().saturating_sub(12);
    for i in (tail_start..words.len()).rev() {
        let w = words[i].trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if is_reporting(&w) {
            let mut upto = words[..i].join(" ");
            // "Dr. Omar Haddad, who led the study, said": skip the appositive.
            if upto.ends_with(',') {
                let inner = &upto[..upto.len() - 1];
                if let Some(c) = inner.rfind(',') {
                    upto = inner[..c].to_string();
                }
            }
            let found = split_role(&phrase_before(&upto)).or_else(|| {
                // "said Prime Minister X: «…»"
                split_role(&phrase_after(&words[i + 1..].join(" ")))
            });
            // "X insisted, adding that “…”": a participle's subject is the clause's,
            // named before an earlier reporting word.
            if found.is_some() || !w.ends_with("ing") {
                return found;
            }
            continue;
        }
        if w == "to" && i > 0 && words[i - 1].eq_ignore_ascii_case("according") {
            return split_role(&phrase_after(&words[i + 1..].join(" ")));
        }
    }
    None
}

static SOURCE_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\((?:ref|source|sources|via)\s*:?\s*(?P<n>[^)]+)\)").expect("regex")
});
static ACCORDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\baccording to (?P<n>(?:a |an |the )?[^,.;:\n]+)").expect("regex")
});
static REPORTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<n>\b(?:The )?[A-Z][\w&'’-]*(?: [A-Z][\w&'’-]*)*) (?:reported|has reported|first reported)\b")
        .expect("regex")
});
static SOCIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:in a tweet|tweeted|on (?P<p>Twitter|X|Facebook|Instagram|Telegram|TikTok|YouTube|Truth Social)|in a (?P<q>Facebook|Instagram|Telegram) post)\b")
        .expect("regex")
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:https?://|www\.)[^\s)\]>]+[^\s)\]>.,;:!?]").expect("regex"));

fn normalise(name: &str) -> String {
    let n = name.trim().trim_end_matches(['.', ',', ';', ':']);
    let n = n
        .strip_prefix("the ")
        .or_else(|| n.strip_prefix("The "))
        .or_else(|| n.strip_prefix("a "))
        .or_else(|| n.strip_prefix("an "))
        .unwrap_or(n);
    n.to_string()
}

fn sources(text: &str) -> Vec<FoundSource> {
    let mut out: Vec<FoundSource> = Vec::new();
    let mut push = |range: Range<usize>, name: String| {
        if !name.is_empty()
            && !out.iter().any(|s| s.range.start < range.end && range.start < s.range.end)
        {
            out.push(FoundSource { range, name });
        }
    };
    for c in URL.find_iter(text) {
        let host = c.as_str().trim_start_matches("https://").trim_start_matches("http://");
        let host = host.split('/').next().unwrap_or(host).trim_start_matches("www.");
        push(c.range(), host.to_string());
    }
    for c in SOURCE_PAREN.captures_iter(text) {
        let n = c.name("n").expect("n");
        push(c.get(0).expect("m").range(), normalise(n.as_str()));
    }
    // "According to X" cites X whatever X is (a poll, "a person familiar with …", "his
    // book"): in PolNeAR's train articles 394 of the 429 uses are annotated attributions.
    // The phrase ends at a bracket or quotation mark, or after twelve words.
    for c in ACCORDING.captures_iter(text) {
        let n = c.name("n").expect("n");
        let phrase = n.as_str();
        let cut = phrase.find(['(', '"', '“', '\'']).unwrap_or(phrase.len());
        let cut = phrase
            .split_whitespace()
            .nth(12)
            .map_or(cut, |w| cut.min(w.as_ptr() as usize - phrase.as_ptr() as usize));
        let phrase = phrase[..cut].trim_end();
        if phrase.chars().any(char::is_alphabetic) {
            let start = c.get(0).expect("m").start();
            push(start..n.start() + phrase.len(), normalise(phrase));
        }
    }
    for c in REPORTED.captures_iter(text) {
        let n = c.name("n").expect("n");
        let name = normalise(n.as_str());
        // A sentence-initial ordinary word ("Police reported") is still a source;
        // pronouns are not.
        if !matches!(name.as_str(), "He" | "She" | "They" | "It" | "We" | "I") {
            push(c.get(0).expect("m").range(), name);
        }
    }
    for c in SOCIAL.captures_iter(text) {
        let platform =
            c.name("p").or(c.name("q")).map_or("Twitter".to_string(), |m| m.as_str().to_string());
        push(c.get(0).expect("m").range(), platform);
    }
    out.sort_by_key(|s| s.range.start);
    out
}

/// The last speaker named (and their role), for "he said" and "she added".
type Named = Option<(String, Option<String>)>;

/// Finds the quotations, their speakers, and the sources of `text`: direct quotations
/// in text order, then indirect speech in sentences without one.
pub fn find(text: &str) -> Found {
    let marks = pair_marks(text);
    let sents = sentences(text);
    let paragraphs = Paragraphs::new(text);
    let mut last_named: Named = None;
    let mut quotes: Vec<FoundQuote> = Vec::new();
    // The paragraph (its start) of the last direct quotation, and its speaker.
    let mut last_quote = None;
    for (open, close) in &marks {
        let found =
            direct_quote(text, &sents, &paragraphs, open..close, &mut last_named, &mut last_quote);
        quotes.extend(found);
    }
    for s in &sents {
        let s = trim(text, s.clone());
        // Marks are sorted and disjoint: only the last one opening before the sentence
        // ends can reach into it.
        let k = marks.partition_point(|(o, _)| o.start < s.end);
        if k > 0 && marks[k - 1].1.end.max(marks[k - 1].0.end) > s.start {
            continue;
        }
        quotes.extend(indirect_quote(text, s, &mut last_named));
    }
    quotes.sort_by_key(|q| q.range.start);
    Found { quotes, sources: sources(text) }
}

/// The quotation between the marks `marks` (open..close), with its speaker: named after
/// it in the same sentence (or in the next one when that starts in lower case), else
/// before it; a pronoun takes the last speaker named.
fn direct_quote(
    text: &str,
    sents: &[Range<usize>],
    paragraphs: &Paragraphs,
    marks: Range<&Range<usize>>,
    last_named: &mut Named,
    last_quote: &mut Option<(usize, Named)>,
) -> Option<FoundQuote> {
    let (open, close) = (marks.start, marks.end);
    let inner = trim(text, open.end..close.start.max(open.end));
    if inner.is_empty() {
        return None;
    }
    let words = text[inner.clone()].split_whitespace().count();
    let para_open = paragraphs.bounds(open.start);
    let para_close = paragraphs.bounds(close.start.max(open.start));
    // The rest of the sentence after the quote (the segmenter keeps "Dr." inside it).
    let from = close.end.min(para_close.end);
    let si = sentence_at(sents, from);
    let mut after_end = si.map_or(para_close.end, |i| sents[i].end.min(para_close.end));
    // '"Why?" asked X.' / '"Why?" Graham asked.': the segmenter ends the sentence at the
    // quote; the attribution is the next one when it starts in lower case or is a short
    // attribution clause.
    if text[from..after_end.max(from)].trim().is_empty() {
        if let Some(next) = si.and_then(|i| sents.get(i + 1)) {
            let next_text = text[next.clone()].trim_start();
            if next.end <= para_close.end
                && (next_text.starts_with(|c: char| c.is_lowercase())
                    || is_attribution_clause(next_text))
            {
                after_end = next.end;
            }
        }
    }
    let after = leading_words(&text[from..after_end.max(from)], ATTRIBUTION_WORDS);
    // Only the current sentence before the quote counts.
    let sent_start = sentence_at(sents, open.start)
        .map_or(para_open.start, |k| sents[k].start.max(para_open.start));
    let before = last_words(&text[sent_start..open.start], ATTRIBUTION_WORDS);
    // A name before the quotation beats a pronoun after it ('X said: “…” She added …').
    let mut sp = match (speaker_after(after), speaker_before(before)) {
        (Some(a), Some(b)) if a.pronoun && !b.pronoun => Some(b),
        (a, b) => a.or(b),
    };
    if sp.as_ref().is_some_and(|s| s.pronoun) {
        sp = last_named.clone().map(|(name, role)| Speaker { name, role, pronoun: false });
    }
    // '“A,” X said. “B.”': a quotation with no attribution of its own, in the paragraph
    // of an attributed one, goes on with that speaker's words.
    let continues = matches!(&*last_quote, Some((p, Some(_))) if *p == para_open.start);
    if sp.is_none() && words > 2 && continues {
        sp = last_quote.clone().and_then(|(_, s)| s).map(|(name, role)| Speaker {
            name,
            role,
            pronoun: false,
        });
    }
    *last_quote = Some((para_open.start, sp.as_ref().map(|s| (s.name.clone(), s.role.clone()))));
    if let Some(s) = &sp {
        *last_named = Some((s.name.clone(), s.role.clone()));
    }
    let kind = if words <= 2 && sp.is_none() { QuoteKind::Scare } else { QuoteKind::Direct };
    Some(FoundQuote {
        range: inner,
        speaker: sp.as_ref().map(|s| s.name.clone()),
        role: sp.and_then(|s| s.role),
        kind,
    })
}

/// Whether a sentence is a short attribution clause: at most 12 words, a reporting word
/// among the first 6 ("Graham asked.", "Mr. Obama said on Monday.").
fn is_attribution_clause(sentence: &str) -> bool {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    words.len() <= 12
        && words
            .iter()
            .take(6)
            .any(|w| is_reporting(&w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()))
}

/// Whether a lowercased word is a verb of saying that introduces reported speech.
fn is_speech_verb(lw: &str) -> bool {
    matches!(
        lw,
        "said"
            | "says"
            | "claimed"
            | "claims"
            | "warned"
            | "warns"
            | "demanded"
            | "argued"
            | "insisted"
            | "told"
            | "announced"
            | "admitted"
            | "denied"
            | "stated"
            | "added"
            | "tweeted"
            | "wrote"
            | "stressed"
            | "explained"
            | "noted"
    )
}

/// Reported speech in sentence `s` ("the minister said that …"): the clause after the
/// first verb of saying whose subject is a name, a pronoun or an unnamed one ("the
/// governor", reported with no speaker).
fn indirect_quote(text: &str, s: Range<usize>, last_named: &mut Named) -> Option<FoundQuote> {
    let sent = &text[s.clone()];
    let words: Vec<(usize, &str)> = sent
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - sent.as_ptr() as usize, w))
        .collect();
    for (i, (off, w)) in words.iter().enumerate().skip(1) {
        let lw = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if !(is_speech_verb(&lw) || is_reporting(&lw)) {
            continue;
        }
        // "… is quoted": a passive reporting word does not report its subject's words.
        let prev = words[i - 1].1.to_lowercase();
        if matches!(prev.as_str(), "is" | "was" | "were" | "are" | "be" | "been" | "being") {
            continue;
        }
        let sp = subject(&sent[..*off], &words[..i])?;
        let j = clause_start(&words, i, lw == "told");
        if words.len() < j + 3 {
            return None;
        }
        let clause = trim(text, s.start + words[j].0..s.end);
        let stop = text[clause.clone()].chars().last().filter(|c| matches!(c, '.' | '!' | '?'));
        let clause = clause.start..clause.end - stop.map_or(0, |c| c.len_utf8());
        if !text[clause.clone()].chars().any(char::is_alphanumeric) {
            return None; // nothing said: marks and white space ("said \u{feff} !")
        }
        let (speaker, role) = if sp.pronoun {
            last_named.clone().map_or((None, None), |(n, r)| (Some(n), r))
        } else if sp.name.is_empty() {
            (None, None)
        } else {
            *last_named = Some((sp.name.clone(), sp.role.clone()));
            (Some(sp.name), sp.role)
        };
        return Some(FoundQuote { range: clause, speaker, role, kind: QuoteKind::Indirect });
    }
    None
}

/// The subject of a verb of saying, from the sentence `before` it and its words: a name
/// or pronoun, or an unnamed one ("the governor", "the club") with an empty name.
fn subject(before: &str, words: &[(usize, &str)]) -> Option<Speaker> {
    let named = split_role(&phrase_before(before));
    let prev = words.last()?.1.trim_matches(|c: char| !c.is_alphanumeric());
    let unnamed = prev.chars().all(char::is_lowercase)
        && words.iter().rev().take(4).any(|(_, w)| {
            matches!(
                w.to_lowercase().as_str(),
                "the" | "a" | "an" | "its" | "their" | "his" | "her"
            )
        });
    match (named, unnamed) {
        (Some(sp), _) => Some(sp),
        (None, true) => Some(Speaker { name: String::new(), role: None, pronoun: false }),
        (None, false) => None,
    }
}

/// The word where reported speech starts after the verb at `i`: past an object ("told
/// reporters", "told the BBC"), a time word ("on Monday", "last week") and "that".
fn clause_start(words: &[(usize, &str)], i: usize, told: bool) -> usize {
    let mut j = i + 1;
    if told {
        while j < words.len() && !words[j].1.eq_ignore_ascii_case("that") && j < i + 5 {
            j += 1;
        }
    }
    let time_word = |x: &(usize, &str)| {
        matches!(
            x.1.to_lowercase().as_str(),
            "on" | "yesterday"
                | "today"
                | "monday"
                | "tuesday"
                | "wednesday"
                | "thursday"
                | "friday"
                | "saturday"
                | "sunday"
                | "last"
                | "earlier"
        )
    };
    if words.get(j).is_some_and(time_word) {
        j += 1;
        if words[j - 1].1.eq_ignore_ascii_case("on") || words[j - 1].1.eq_ignore_ascii_case("last")
        {
            j += 1;
        }
    }
    if words.get(j).is_some_and(|x| x.1.eq_ignore_ascii_case("that")) {
        j += 1;
    }
    j
}
