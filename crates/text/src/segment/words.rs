use unicode_segmentation::UnicodeSegmentation;

/// What a token is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Letters (possibly with digits, apostrophes or hyphens inside).
    Word,
    /// Starts with a digit ("42", "3.5", "1,000").
    Number,
    /// Punctuation or any other symbol, emoji included.
    Punct,
}

/// A token: a byte range of the text and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Start byte (inclusive).
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// What the token is made of.
    pub kind: TokenKind,
}

impl Token {
    /// The token's text in `text`.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// Splits `text` into tokens by UAX #29 word boundaries, skipping white space.
pub fn tokens(text: &str) -> Vec<Token> {
    thread_local! {
        static CACHE: super::memo::Cache<Vec<Token>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    super::memo::memo(&CACHE, text, split)
}

fn split(text: &str) -> Vec<Token> {
    text.split_word_bound_indices()
        .filter_map(|(start, w)| {
            let first = w.chars().next()?;
            if first.is_whitespace() || first == '\u{feff}' {
                return None;
            }
            let kind = if first.is_numeric() {
                TokenKind::Number
            } else if w.chars().any(char::is_alphanumeric) {
                TokenKind::Word
            } else {
                TokenKind::Punct
            };
            Some(Token { start, end: start + w.len(), kind })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_results_are_for_the_same_text_only() {
        let a = "Jane said no. ".repeat(60);
        let mut b = a.clone();
        b.replace_range(0..4, "4 2!");
        let (ta, tb) = (tokens(&a), tokens(&b));
        assert_eq!(tokens(&a), ta, "a hit gives the same tokens");
        assert_eq!(ta, split(&a));
        assert_eq!(tb, split(&b), "an equal-length text is segmented afresh");
        let c = "Jane said no. ".repeat(61);
        assert_eq!(tokens(&c), split(&c));
        assert_eq!(super::super::sentences(&c).len(), 61);
    }

    /// Input text and the expected `(token, (start, end))` list.
    type Case<'a> = (&'a str, &'a [(&'a str, (usize, usize))]);

    #[test]
    fn table() {
        let cases: &[Case] = &[
            ("Hi, you!", &[("Hi", (0, 2)), (",", (2, 3)), ("you", (4, 7)), ("!", (7, 8))]),
            ("$3.5 bn", &[("$", (0, 1)), ("3.5", (1, 4)), ("bn", (5, 7))]),
            ("naïve 😀", &[("naïve", (0, 6)), ("😀", (7, 11))]),
            ("\u{feff}A", &[("A", (3, 4))]),
        ];
        for (text, want) in cases {
            let got: Vec<(&str, (usize, usize))> =
                tokens(text).iter().map(|t| (t.text(text), (t.start, t.end))).collect();
            assert_eq!(got, *want, "{text:?}");
        }
    }
}
