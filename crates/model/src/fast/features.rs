//! Sparse hashed features for the SI tagger (per token) and the TC classifier (per span).
//!
//! The tagger's features are built by mixing precomputed 64-bit hashes (no strings on
//! the hot path). The classifier's features are named strings, so that the strongest
//! one behind a decision can be shown to the reader as the cue.

use std::collections::HashMap;
use std::ops::Range;

use unspin_text::segment::{self, Token, TokenKind};
use xxhash_rust::xxh3::xxh3_64;

/// Word lists behind the cue features: small, hand-written, neutral English words that
/// the techniques' definitions name. The classifier learns how much each one matters.
pub const LEXICONS: &[(&str, &[&str])] = &[
    (
        "flag",
        &[
            "nation",
            "national",
            "nations",
            "country",
            "countries",
            "homeland",
            "patriot",
            "patriots",
            "patriotic",
            "american",
            "americans",
            "america",
            "flag",
            "freedom",
            "liberty",
            "sovereign",
            "sovereignty",
            "heritage",
            "constitution",
            "founders",
            "fatherland",
            "motherland",
            "european",
            "british",
            "christian",
            "western",
            "civilization",
            "nationhood",
        ],
    ),
    (
        "fear",
        &[
            "threat",
            "threats",
            "threaten",
            "threatens",
            "danger",
            "dangerous",
            "deadly",
            "destroy",
            "destroyed",
            "destruction",
            "kill",
            "killed",
            "killing",
            "death",
            "die",
            "dying",
            "terror",
            "terrorist",
            "terrorists",
            "attack",
            "attacks",
            "invasion",
            "invade",
            "crisis",
            "catastrophe",
            "disaster",
            "collapse",
            "war",
            "violence",
            "violent",
            "fear",
            "afraid",
            "risk",
            "chaos",
            "bomb",
            "nuclear",
            "epidemic",
            "plague",
            "victims",
        ],
    ),
    (
        "causal",
        &[
            "because",
            "therefore",
            "thus",
            "hence",
            "cause",
            "causes",
            "caused",
            "result",
            "results",
            "resulted",
            "consequence",
            "leads",
            "led",
            "due",
            "since",
            "blame",
            "blamed",
            "responsible",
            "fault",
            "why",
        ],
    ),
    (
        "either_or",
        &[
            "either",
            "or",
            "only",
            "choice",
            "options",
            "alternative",
            "whether",
            "unless",
            "otherwise",
        ],
    ),
    (
        "authority",
        &[
            "said",
            "says",
            "according",
            "expert",
            "experts",
            "scientist",
            "scientists",
            "study",
            "studies",
            "professor",
            "dr",
            "doctor",
            "official",
            "officials",
            "report",
            "research",
            "pope",
            "president",
            "minister",
            "court",
            "judge",
            "agency",
            "stated",
        ],
    ),
    (
        "doubt",
        &[
            "allegedly",
            "alleged",
            "supposedly",
            "so-called",
            "claim",
            "claims",
            "claimed",
            "question",
            "questions",
            "really",
            "doubt",
            "doubts",
            "credibility",
            "suspicious",
            "lie",
            "lies",
            "lied",
            "liar",
            "apparently",
            "purported",
        ],
    ),
    (
        "exaggeration",
        &[
            "never",
            "always",
            "ever",
            "every",
            "everything",
            "nothing",
            "biggest",
            "greatest",
            "worst",
            "best",
            "most",
            "least",
            "entire",
            "totally",
            "completely",
            "absolutely",
            "huge",
            "massive",
            "enormous",
            "tiny",
            "mere",
            "merely",
            "unprecedented",
            "historic",
            "thousands",
            "millions",
            "literally",
            "extremely",
        ],
    ),
    (
        "bandwagon_hitler",
        &[
            "everyone",
            "everybody",
            "majority",
            "hitler",
            "nazi",
            "nazis",
            "fascist",
            "fascism",
            "stalin",
            "communist",
            "communists",
            "soviet",
            "gestapo",
            "holocaust",
            "mob",
            "popular",
        ],
    ),
    ("cliche", &["enough", "period", "simply", "bottom", "fact", "matter", "move", "story"]),
    (
        "whatabout",
        &[
            "what",
            "about",
            "yet",
            "meanwhile",
            "instead",
            "hypocrisy",
            "hypocrite",
            "hypocritical",
            "double",
            "standard",
            "whereas",
        ],
    ),
];

/// The lexicon a lowercased word belongs to, if any (the first that lists it).
pub fn lexicon_of(word: &str) -> Option<&'static str> {
    static INDEX: std::sync::OnceLock<HashMap<&'static str, &'static str>> =
        std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (name, words) in LEXICONS {
            for w in *words {
                m.entry(*w).or_insert(*name);
            }
        }
        m
    });
    index.get(word).copied()
}

fn mix(a: u64, b: u64) -> u64 {
    let mut x = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 32)
}

/// Lowercases only when needed.
fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_uppercase) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A word's shape: `Xx` for "Hello", `X` for "USA", `x` for "hello", `d` for digits,
/// `p` for punctuation; runs collapsed.
fn shape(s: &str) -> u64 {
    let mut last = 0u8;
    let mut h = 0u64;
    for c in s.chars().take(12) {
        let k = if c.is_uppercase() {
            b'X'
        } else if c.is_lowercase() {
            b'x'
        } else if c.is_numeric() {
            b'd'
        } else {
            c as u8
        };
        if k != last {
            h = mix(h, k as u64);
            last = k;
        }
    }
    h
}

const QUOTES: &[char] = &['"', '“', '”', '«', '»'];

/// Everything about one article that the features look up: tokens, their hashes,
/// sentences and repetition counts. Built once per article.
pub struct ArticleContext<'a> {
    /// The article text.
    pub text: &'a str,
    /// Its tokens.
    pub tokens: Vec<Token>,
    /// Lowercased token texts.
    pub lower: Vec<String>,
    word: Vec<u64>,
    shape: Vec<u64>,
    /// Sentences as token index ranges (only those holding a token).
    pub sentences: Vec<Range<usize>>,
    sentence_of: Vec<u32>,
    /// Whether each sentence holds a `!` and a `?` (once per sentence, not per token:
    /// a one-sentence megabyte would otherwise cost the square of its length).
    sentence_marks: Vec<(bool, bool)>,
    in_quote: Vec<bool>,
    disabled: u64,
    word_count: HashMap<u64, u32>,
    bigram_count: HashMap<u64, u32>,
    lower_text: String,
    occurrence_cache: std::sync::Mutex<HashMap<String, (usize, Option<usize>)>>,
}

impl<'a> ArticleContext<'a> {
    /// Analyses `text`.
    pub fn new(text: &'a str) -> ArticleContext<'a> {
        let tokens = segment::tokens(text);
        let lower: Vec<String> = tokens.iter().map(|t| lower(t.text(text)).into_owned()).collect();
        let word: Vec<u64> = lower.iter().map(|w| xxh3_64(w.as_bytes())).collect();
        let shape = tokens.iter().map(|t| shape(t.text(text))).collect();
        let mut sentences = Vec::new();
        let mut sentence_of = vec![0u32; tokens.len()];
        let mut in_quote = vec![false; tokens.len()];
        let mut ti = 0;
        for s in segment::sentences(text) {
            let first = ti;
            let mut quoted = false;
            while ti < tokens.len() && tokens[ti].start < s.end {
                let t = tokens[ti].text(text);
                if t.chars().any(|c| QUOTES.contains(&c)) {
                    quoted = !quoted;
                } else {
                    in_quote[ti] = quoted;
                }
                sentence_of[ti] = sentences.len() as u32;
                ti += 1;
            }
            if ti > first {
                sentences.push(first..ti);
            }
        }
        let sentence_marks = sentences
            .iter()
            .map(|s: &Range<usize>| {
                let t = &text[tokens[s.start].start..tokens[s.end - 1].end];
                (t.contains('!'), t.contains('?'))
            })
            .collect();
        let mut word_count: HashMap<u64, u32> = HashMap::new();
        let mut bigram_count: HashMap<u64, u32> = HashMap::new();
        for (i, t) in tokens.iter().enumerate() {
            if t.kind == TokenKind::Word {
                *word_count.entry(word[i]).or_default() += 1;
                if tokens.get(i + 1).is_some_and(|n| n.kind == TokenKind::Word) {
                    *bigram_count.entry(mix(word[i], word[i + 1])).or_default() += 1;
                }
            }
        }
        let lower_text = text.to_lowercase();
        ArticleContext {
            text,
            tokens,
            lower,
            word,
            shape,
            sentences,
            sentence_of,
            sentence_marks,
            in_quote,
            disabled: 0,
            word_count,
            bigram_count,
            lower_text,
            occurrence_cache: Default::default(),
        }
    }

    /// Turns off the tagger feature templates whose bits are set in `templates` (for
    /// ablation studies; models always run with every template).
    pub fn with_disabled_templates(mut self, templates: u64) -> Self {
        self.disabled = templates;
        self
    }

    /// How many times `phrase` (lowercased) occurs in the article. Each distinct phrase is
    /// looked up once per article (a scan of the whole text), then remembered.
    pub fn occurrences(&self, phrase: &str) -> usize {
        self.lookup(phrase).0
    }

    /// Byte offset of the first occurrence of `phrase` (lowercased) in the article, if
    /// any (exact matches where lowercasing changed byte lengths); remembered with the
    /// count.
    pub fn first_occurrence(&self, phrase: &str) -> Option<usize> {
        self.lookup(phrase).1
    }

    /// The count and first offset of `phrase`, from the cache or one scan.
    fn lookup(&self, phrase: &str) -> (usize, Option<usize>) {
        let cache = || self.occurrence_cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&hit) = cache().get(phrase) {
            return hit;
        }
        let hit = self.scan(phrase);
        cache().insert(phrase.to_string(), hit);
        hit
    }

    fn scan(&self, phrase: &str) -> (usize, Option<usize>) {
        let p = phrase.to_lowercase();
        if p.trim().is_empty() {
            return (0, None);
        }
        let found: Vec<usize> = if self.lower_text.len() != self.text.len() {
            // Lowercasing changed byte lengths (rare scripts): fall back to exact matches.
            self.text.match_indices(phrase).map(|(i, _)| i).collect()
        } else {
            self.lower_text.match_indices(p.as_str()).map(|(i, _)| i).collect()
        };
        (found.len(), found.first().copied())
    }

    /// How often the word of token `i` occurs in the article (0 for a token that is not
    /// a word).
    pub fn word_frequency(&self, i: usize) -> u32 {
        if self.tokens[i].kind != TokenKind::Word {
            return 0;
        }
        self.word_count.get(&self.word[i]).copied().unwrap_or(0)
    }

    /// Whether token `i` sits inside a quotation.
    pub fn in_quote(&self, i: usize) -> bool {
        self.in_quote[i]
    }

    /// Whether sentence `k` holds a `!` and a `?`.
    pub fn sentence_marks(&self, k: usize) -> (bool, bool) {
        self.sentence_marks[k]
    }

    /// The sentence index of token `i`.
    pub fn sentence_of(&self, i: usize) -> usize {
        self.sentence_of[i] as usize
    }

    /// Appends the hashed SI features of token `i` (masked to `mask`) to `out`.
    pub fn token_features(&self, i: usize, mask: u64, out: &mut Vec<u32>) {
        let s = &self.sentences[self.sentence_of(i)];
        let w = |j: isize| -> u64 {
            let k = i as isize + j;
            if k < s.start as isize {
                1
            } else if k >= s.end as isize {
                2
            } else {
                self.word[k as usize]
            }
        };
        let disabled = self.disabled;
        let mut push = |template: u64, payload: u64| {
            if disabled & (1 << template) == 0 {
                out.push((mix(template, payload) & mask) as u32)
            }
        };
        let t = &self.tokens[i];
        let text = t.text(self.text);
        push(0, 0);
        push(1, w(0));
        push(2, w(-1));
        push(3, w(1));
        push(4, w(-2));
        push(5, w(2));
        push(6, mix(w(-1), w(0)));
        push(7, mix(w(0), w(1)));
        push(8, mix(w(-2), w(-1)));
        push(9, mix(w(1), w(2)));
        let lw = &self.lower[i];
        if lw.chars().count() > 4 {
            let suf: String = lw.chars().rev().take(3).collect();
            let pre: String = lw.chars().take(4).collect();
            push(10, xxh3_64(suf.as_bytes()));
            push(11, xxh3_64(pre.as_bytes()));
        }
        push(12, self.shape[i]);
        let prev_shape = if i > s.start { self.shape[i - 1] } else { 1 };
        push(13, mix(prev_shape, self.shape[i]));
        let first = text.chars().next().unwrap_or(' ');
        if first.is_uppercase() && i > s.start {
            push(14, 0);
        }
        if text.chars().count() > 1
            && text.chars().all(|c| !c.is_lowercase())
            && t.kind == TokenKind::Word
        {
            push(15, 0);
        }
        push(16, self.in_quote[i] as u64);
        // Templates 17, 18 and 24 (position in the sentence, sentence length, sentence
        // index) were dropped: held-out SI F1 rose without them on four seeds.
        let (exclaims, asks) = self.sentence_marks[self.sentence_of[i] as usize];
        if exclaims {
            push(19, 0);
        }
        if asks {
            push(20, 0);
        }
        if t.kind == TokenKind::Word && lw.len() > 3 {
            let n = self.word_count.get(&self.word[i]).copied().unwrap_or(0);
            push(
                21,
                match n {
                    0 | 1 => 0,
                    2 => 1,
                    3..=4 => 2,
                    _ => 3,
                },
            );
            if self.tokens.get(i + 1).is_some_and(|n| n.kind == TokenKind::Word) {
                let b = self.bigram_count.get(&mix(self.word[i], self.word[i + 1])).copied();
                if b.unwrap_or(0) >= 2 {
                    push(22, 0);
                }
            }
        }
        if let Some(lex) = lexicon_of(lw) {
            push(23, xxh3_64(lex.as_bytes()));
        }
        push(25, mix(w(0), self.in_quote[i] as u64));
    }

    /// The named TC features of the span `range` (byte range of the text).
    pub fn span_features(&self, range: Range<usize>) -> Vec<String> {
        let mut f = Vec::with_capacity(64);
        f.push("bias".to_string());
        // Tokens are sorted: start at the first one inside and stop at the span's end.
        let first = self.tokens.partition_point(|t| t.start < range.start);
        let inside: Vec<usize> = (first..self.tokens.len())
            .take_while(|&i| self.tokens[i].start < range.end)
            .filter(|&i| self.tokens[i].end <= range.end)
            .collect();
        let span_text = &self.text[range.clone()];
        let words: Vec<&str> = inside.iter().map(|&i| self.lower[i].as_str()).collect();
        word_features(&mut f, &words);
        self.repetition_features(&mut f, span_text, &inside);
        self.shape_features(&mut f, span_text, &inside);
        if let Some(&i0) = inside.first() {
            self.context_features(&mut f, &inside, i0);
        }
        f
    }

    /// How often the span and its words recur in the article.
    fn repetition_features(&self, f: &mut Vec<String>, span_text: &str, inside: &[usize]) {
        let n = inside.len();
        let reps = self.occurrences(span_text);
        let rep = match reps {
            0 | 1 => "1",
            2 => "2",
            3 => "3",
            _ => "4+",
        };
        f.push(format!("rep={rep}"));
        f.push(format!("rep_len={rep}/{}", n.min(4)));
        let max_word_rep = inside
            .iter()
            .filter(|&&i| self.lower[i].len() > 3 && self.tokens[i].kind == TokenKind::Word)
            .map(|&i| self.word_count.get(&self.word[i]).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        f.push(format!(
            "repw={}",
            match max_word_rep {
                0 | 1 => "1",
                2 => "2",
                3..=4 => "3-4",
                _ => "5+",
            }
        ));
    }

    /// Punctuation and capitals inside the span.
    fn shape_features(&self, f: &mut Vec<String>, span_text: &str, inside: &[usize]) {
        if span_text.contains('!') {
            f.push("excl".into());
        }
        if span_text.contains('?') {
            f.push("quest".into());
        }
        if span_text.chars().any(|c| QUOTES.contains(&c)) {
            f.push("quote".into());
        }
        let caps = inside.iter().any(|&i| {
            let t = self.tokens[i].text(self.text);
            t.chars().count() > 1
                && t.chars().all(|c| !c.is_lowercase())
                && self.tokens[i].kind == TokenKind::Word
        });
        if caps {
            f.push("caps".into());
        }
    }

    /// Where the span sits: title, quotation, its sentence's marks, its share of the
    /// sentence, and the words either side.
    fn context_features(&self, f: &mut Vec<String>, inside: &[usize], i0: usize) {
        let n = inside.len();
        let s = &self.sentences[self.sentence_of(i0)];
        if self.sentence_of(i0) == 0 {
            f.push("title".into());
        }
        if self.in_quote[i0] {
            f.push("inquote".into());
        }
        let (exclaims, asks) = self.sentence_marks[self.sentence_of(i0)];
        if asks {
            f.push("sent_quest".into());
        }
        if exclaims {
            f.push("sent_excl".into());
        }
        let cover = n as f32 / (s.end - s.start) as f32;
        f.push(format!("cover={}", (cover * 4.0).min(4.0) as u32));
        for k in 1..=3 {
            let j = i0 as isize - k as isize;
            let w = if j >= s.start as isize { self.lower[j as usize].as_str() } else { "<s>" };
            if k == 1 {
                f.push(format!("l1={w}"));
            }
            f.push(format!("lbag={w}"));
            if let Some(lex) = lexicon_of(w) {
                f.push(format!("ccue={lex}"));
            }
        }
        let il = *inside.last().unwrap_or(&i0);
        for k in 1..=3 {
            let j = il + k;
            let w = if j < s.end { self.lower[j].as_str() } else { "</s>" };
            if k == 1 {
                f.push(format!("r1={w}"));
            }
            f.push(format!("rbag={w}"));
        }
    }
}

/// The span's own words: unigrams, stems, lexicon cues, bigrams, first and last word,
/// and length.
fn word_features(f: &mut Vec<String>, words: &[&str]) {
    for w in words {
        f.push(format!("u={w}"));
        if w.chars().count() > 5 {
            let stem: String = w.chars().take(5).collect();
            f.push(format!("stem={stem}"));
        }
        if let Some(lex) = lexicon_of(w) {
            f.push(format!("cue={lex}"));
        }
    }
    for p in words.windows(2) {
        f.push(format!("bi={} {}", p[0], p[1]));
    }
    if let (Some(a), Some(b)) = (words.first(), words.last()) {
        f.push(format!("first={a}"));
        f.push(format!("last={b}"));
    }
    let n = words.len();
    f.push(format!(
        "len={}",
        match n {
            0 | 1 => "1",
            2 => "2",
            3 => "3",
            4..=5 => "4-5",
            6..=10 => "6-10",
            11..=20 => "11-20",
            _ => "21+",
        }
    ));
}

/// Hashes a named feature into `0..=mask`.
pub fn hash_name(name: &str, mask: u64) -> u32 {
    (xxh3_64(name.as_bytes()) & mask) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetition_and_lexicons() {
        let text = "Build the wall! We must build the wall.\nThe nation is in danger.";
        let ctx = ArticleContext::new(text);
        assert_eq!(ctx.occurrences("build the wall"), 2);
        assert_eq!(ctx.sentences.len(), 3);
        let r = text.find("Build the wall").unwrap();
        let f = ctx.span_features(r..r + 14);
        assert!(f.contains(&"rep=2".to_string()), "{f:?}");
        assert!(f.contains(&"u=wall".to_string()));
        let r = text.find("danger").unwrap();
        assert!(ctx.span_features(r..r + 6).contains(&"cue=fear".to_string()));
        let mut out = vec![];
        ctx.token_features(0, (1 << 18) - 1, &mut out);
        assert!(out.len() > 15 && out.iter().all(|&h| h < (1 << 18)));
    }
}
