//! A source's whole noun phrase. The tagger sometimes marks only the end of a source: the
//! head after a possessive ("Rubio's | team" → "Rubio's team") or the description after a
//! name in apposition ("Hicks, | his campaign spokeswoman," → "Hicks, his campaign
//! spokeswoman"). Who spoke is named by the part it left out, so the source is completed
//! leftwards before its speaker is read — after the adverbials that may open it ("In
//! Nevada, | she") are set aside.

use std::ops::Range;

/// Determiners and relative words: a name never starts with one, nor with a clause
/// opener ([`CLAUSE_OPENERS`]) or a preposition ([`PREPOSITIONS`]), so a capitalised one
/// ("The", "But", "In") ends the leftward walk.
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "that", "which", "who", "this", "these", "those", "some", "many", "most",
    "all", "both",
];

/// Conjunctions and adverbs that open clauses (closed classes): no name or subject starts
/// with one.
const CLAUSE_OPENERS: &[&str] = &[
    "and",
    "but",
    "or",
    "nor",
    "so",
    "yet",
    "if",
    "as",
    "when",
    "while",
    "because",
    "though",
    "although",
    "even",
    "also",
    "then",
    "meanwhile",
    "still",
    "instead",
    "however",
    "now",
    "here",
    "there",
];

/// Words that open a description in apposition ("his campaign spokeswoman", "a longtime
/// liberal", "then 38").
const DESCRIPTION_OPENERS: &[&str] =
    &["his", "her", "its", "their", "the", "a", "an", "then", "now", "another", "one"];

/// More words that open an adverbial before a subject ([`without_adverbials`]) besides the
/// clause openers and prepositions; some are also names ("Rather", "Well"), so they do not
/// end the leftward walk of [`complete`].
const ADVERBIAL_OPENERS: &[&str] = &[
    "once",
    "until",
    "unless",
    "whether",
    "where",
    "indeed",
    "rather",
    "well",
    "moreover",
    "furthermore",
    "thus",
    "therefore",
    "again",
    "later",
    "earlier",
];

/// The source's noun phrase: without the adverbials fronted before it
/// ([`without_adverbials`]), then completed leftwards ([`complete`]).
pub fn noun_phrase(text: &str, source: Range<usize>) -> Range<usize> {
    complete(text, without_adverbials(text, source))
}

/// `source` without the adverbials that open it, each closed by a comma ("In Nevada, |
/// she", "After the vote on Tuesday, | Mr. Rubio", "For Trump, | 38% of likely voters"):
/// a subject never starts with a preposition, a conjunction or a clause-opening adverb,
/// so the part before the comma is set around the subject, not part of it. Unchanged
/// when no comma follows such a part or nothing would be left after it.
pub fn without_adverbials(text: &str, source: Range<usize>) -> Range<usize> {
    let mut start = source.start;
    loop {
        let s = &text[start..source.end];
        let Some(comma) = s.find(',') else { break };
        let first = s.split_whitespace().next().unwrap_or("");
        let first = first.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let opens = [PREPOSITIONS, CLAUSE_OPENERS, ADVERBIAL_OPENERS]
            .iter()
            .any(|list| list.contains(&first.as_str()));
        let rest = start + comma + 1;
        let rest =
            rest + (text[rest..source.end].len() - text[rest..source.end].trim_start().len());
        if !opens || rest >= source.end {
            break;
        }
        start = rest;
    }
    start..source.end
}

/// `source` completed leftwards: over the capitalised possessive right before it, or over
/// the name a description in apposition follows. Unchanged when neither applies.
pub fn complete(text: &str, source: Range<usize>) -> Range<usize> {
    let start = possessive_start(text, source.start)
        .or_else(|| appositive_start(text, &source))
        .unwrap_or(source.start);
    start..source.end
}

/// The words right before byte `at`, nearest first, with their start offsets: each
/// separated from the next by spaces only (no line break), at most `n`; the first ends
/// at `at` when `ends_at` holds, else spaces separate it from `at`.
fn previous_words(text: &str, at: usize, n: usize, ends_at: bool) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut end = at;
    while out.len() < n {
        let before = &text[..end];
        let word_end = before.trim_end_matches([' ', '\t', '\u{a0}']).len();
        // Spaces separate every word from the next, and the first from `at` unless it
        // ends there.
        let wants_space = !(ends_at && out.is_empty());
        if word_end == 0 || (word_end < end) != wants_space {
            break;
        }
        let start = before[..word_end]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
        out.push((start, &text[start..word_end]));
        end = start;
    }
    out
}

/// A capitalised word that may be part of a name: letters (with `.`, `-`, `'`, `’`
/// inside or a final `.` of an abbreviation), not a function word.
fn is_name_word(w: &str) -> bool {
    let core = w.trim_end_matches('.');
    core.chars().next().is_some_and(char::is_uppercase)
        && core.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '\'' | '’'))
        && !is_function_word(core)
}

/// A function word or a preposition, in any case.
fn is_function_word(w: &str) -> bool {
    let w = w.to_lowercase();
    [DETERMINERS, CLAUSE_OPENERS, PREPOSITIONS].iter().any(|list| list.contains(&w.as_str()))
}

fn is_possessive(w: &str) -> bool {
    ["'s", "’s", "s'", "s’"].iter().any(|s| w.ends_with(s))
}

/// Where a run of capitalised words ending in a possessive right before `at` starts
/// ("Donald Trump’s | campaign").
fn possessive_start(text: &str, at: usize) -> Option<usize> {
    let words = previous_words(text, at, 5, false);
    let (start, first) = *words.first()?;
    if !is_possessive(first) || !is_name_word(first) {
        return None;
    }
    let mut start = start;
    for &(s, w) in &words[1..] {
        if !is_name_word(w) || w.ends_with('.') && !is_title(w) {
            break;
        }
        start = s;
    }
    Some(start)
}

/// An abbreviated title ("Mr.", "Sen.", "Dr."): short, capitalised, ending in a full stop.
fn is_title(w: &str) -> bool {
    w.len() <= 5 && w.ends_with('.') && !w[..w.len() - 1].contains('.')
}

/// Where the name starts that `source`, a description in apposition, follows: "NAME,
/// DESCRIPTION," — the description opens with a determiner or possessive, a comma
/// closes it, and one to four capitalised words before the comma before it are the name.
fn appositive_start(text: &str, source: &Range<usize>) -> Option<usize> {
    let s = &text[source.clone()];
    let opener = s.split_whitespace().next()?.to_lowercase();
    let closed = s.trim_end().ends_with(',') || text[source.end..].trim_start().starts_with(',');
    if !DESCRIPTION_OPENERS.contains(&opener.as_str()) || !closed {
        return None;
    }
    let comma = text[..source.start].trim_end_matches([' ', '\t', '\u{a0}']);
    let name_end = comma.strip_suffix(',')?.len();
    let words = previous_words(text, name_end, 7, true);
    let mut run = 0;
    for (i, &(_, w)) in words.iter().enumerate().take(4) {
        if !is_name_word(w) || i > 0 && w.ends_with('.') && !is_title(w) {
            break;
        }
        run = i + 1;
    }
    // The name is not a possessive ("Obama's, his …"), nor a preposition's object or an
    // item of a list ("In Iowa, a swing state,", "to the Observer, her adviser,",
    // "Jupiter, Fla., the manager,").
    let word = |i: usize| words.get(i).map(|(_, w)| w.to_lowercase());
    let preposition = |i: usize| {
        words.get(i).is_some_and(|(_, w)| PREPOSITIONS.contains(&w.to_lowercase().as_str()))
    };
    let governed = preposition(run)
        || word(run).is_some_and(|w| matches!(w.as_str(), "the" | "a" | "an"))
            && preposition(run + 1);
    let listed = word(run).is_some_and(|w| w.ends_with(','));
    let ok = run > 0 && !is_possessive(words[0].1) && !governed && !listed;
    ok.then(|| words[run - 1].0)
}

/// Prepositions (a closed class): a name after one is its object, not a speaker.
const PREPOSITIONS: &[&str] = &[
    "in", "on", "at", "to", "from", "by", "with", "of", "for", "after", "before", "since",
    "during", "under", "over", "about", "among", "into", "through", "across", "near", "like",
    "unlike", "despite", "outside", "inside", "within", "toward", "towards",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `(text, source, completed source)` cases.
    fn check(cases: &[(&str, &str, &str)]) {
        check_with(complete, cases);
    }

    /// Checks `(text, source, what f makes of the source)` cases.
    fn check_with(f: fn(&str, Range<usize>) -> Range<usize>, cases: &[(&str, &str, &str)]) {
        for (text, source, want) in cases {
            let at = text.find(source).unwrap();
            let got = &text[f(text, at..at + source.len())];
            assert_eq!(got, *want, "in {text:?}");
        }
    }

    #[test]
    fn a_possessive_name_joins_its_head() {
        check(&[
            (
                "But Donald Trump’s campaign said it would appeal.",
                "campaign",
                "Donald Trump’s campaign",
            ),
            ("Rubio's team said so.", "team", "Rubio's team"),
            // A lower-case possessive is a description, left as it is.
            ("The party's leaders said so.", "leaders", "leaders"),
        ]);
    }

    #[test]
    fn a_description_in_apposition_joins_its_name() {
        check(&[
            (
                "“We won,” said Hope Hicks, his campaign spokeswoman, on the call.",
                "his campaign spokeswoman",
                "Hope Hicks, his campaign spokeswoman",
            ),
            ("Mr. Sperling, then 38, said it was over.", "then 38", "Mr. Sperling, then 38"),
        ]);
    }

    #[test]
    fn no_apposition_without_its_closing_comma_or_a_name() {
        check(&[
            // No comma closes "the officials".
            ("In Washington, the officials said it was over.", "the officials", "the officials"),
            ("After the vote, the senator, a Democrat, said no.", "a Democrat", "a Democrat"),
            ("Smith\n, his aide, said no.", "his aide", "his aide"),
            // A preposition's object, or an item of a list, is no name in apposition.
            ("In Iowa, a swing state, he won.", "a swing state", "a swing state"),
            (
                "In a statement to the Observer, her adviser, Jake Sullivan, said so.",
                "her adviser",
                "her adviser",
            ),
            (
                "In Jupiter, Fla., the manager, Corey Lewandowski, said so.",
                "the manager",
                "the manager",
            ),
        ]);
    }

    #[test]
    fn adverbials_before_a_subject_are_not_its_noun_phrase() {
        check_with(
            noun_phrase,
            &[
                ("In Nevada, she worked on it.", "In Nevada, she", "she"),
                (
                    "After the vote on Tuesday, Mr. Rubio, a senator, said so.",
                    "After the vote on Tuesday, Mr. Rubio, a senator",
                    "Mr. Rubio, a senator",
                ),
                ("For Trump, 38% of voters said so.", "For Trump, 38% of voters", "38% of voters"),
                ("Still, in Iowa, Cruz said so.", "Still, in Iowa, Cruz", "Cruz"),
                // A name before the comma, or nothing after it: unchanged.
                ("Hicks, his aide, said so.", "Hicks, his aide", "Hicks, his aide"),
                ("In Nevada, said so.", "In Nevada,", "In Nevada,"),
                ("In Iowa Cruz said so.", "In Iowa Cruz", "In Iowa Cruz"),
            ],
        );
    }

    proptest::proptest! {
        #[test]
        fn the_result_ends_where_the_source_does_and_slices_the_text(
            words in proptest::collection::vec(
                "(Rubio's|Trump’s|Ünal|Hicks,|his|the|In|said|Fla\\.,|Mr\\.|\\PC{1,4}|,|\n| |\u{a0})", 0..12),
            tail in proptest::collection::vec("(In|Still,|his|a|then|aide|team|,|\\PC{1,3})", 1..4),
        ) {
            let head = words.join(" ");
            let text = format!("{head} {} , said.", tail.join(" "));
            let at = head.len() + 1;
            let end = at + tail.join(" ").len();
            let r = complete(&text, at..end);
            proptest::prop_assert!(r.start <= at && r.end == end);
            proptest::prop_assert!(text.is_char_boundary(r.start));
            // Without its adverbials, a source keeps its end and a suffix of its words.
            let r = without_adverbials(&text, at..end);
            proptest::prop_assert!(at <= r.start && r.start <= end && r.end == end);
            proptest::prop_assert!(text.is_char_boundary(r.start));
        }
    }

    #[test]
    fn offsets_stay_on_char_boundaries() {
        check(&[
            ("Ünal Çelik’s émissaire said so.", "émissaire", "Ünal Çelik’s émissaire"),
            ("’s x", "x", "x"),
            (" x", "x", "x"),
        ]);
    }
}
