//! Phase 3 of the extraction: quantities written in words — multipliers ("twice"),
//! ordinals, fractions ("two-thirds", "three fifths", "a tenth of"), mixed numbers ("one
//! and a half million"), decimals ("five point two"), signs ("minus four") and runs of
//! number words.

use super::*;

impl Scan<'_> {
    /// Phase 3: multiplier words, ordinals, fractions and runs of number words.
    pub(super) fn words(&mut self) {
        let mut i = 0;
        while i < self.toks.len() {
            i = match self.multiplier_word(i) {
                Some(next) => next,
                None => match self.ordinal_word(i) {
                    Some(next) => next,
                    None => match self.fraction_word(i) {
                        Some(next) => next,
                        None => self.number_words(i),
                    },
                },
            };
        }
    }

    /// "twice", "doubled", "halved", "in half" at token `i`; the next token if so.
    fn multiplier_word(&mut self, i: usize) -> Option<usize> {
        let t = self.toks[i];
        let lw = lower(&t, self.text);
        let mult = match lw.as_str() {
            "twice" => Some(2.0),
            "doubled" | "doubling" | "doubles" => Some(2.0),
            "tripled" | "trebled" | "tripling" | "triples" => Some(3.0),
            "quadrupled" => Some(4.0),
            "halved" | "halving" => Some(0.5),
            _ => None,
        };
        if let Some(m) = mult {
            self.add(t.start..t.end, m, Kind::Multiplier, None);
            return Some(i + 1);
        }
        if lw != "in" {
            return None;
        }
        let half = *self.toks.get(i + 1).filter(|n| lower(n, self.text) == "half")?;
        self.add(t.start..half.end, 0.5, Kind::Multiplier, None);
        Some(i + 2)
    }

    /// An ordinal word at token `i`: after a determiner, an ordinal ("the third round");
    /// after "a" and before "of", a fraction ("a third of"). The next token if it is one.
    fn ordinal_word(&mut self, i: usize) -> Option<usize> {
        let (text, t) = (self.text, self.toks[i]);
        let lw = lower(&t, text);
        let &(_, v) = ORDINALS.iter().find(|(w, _)| *w == lw)?;
        let prev = if i > 0 { lower(&self.toks[i - 1], text) } else { String::new() };
        let is_fraction =
            prev == "a" && self.toks.get(i + 1).is_some_and(|n| lower(n, text) == "of") && v >= 3;
        if is_fraction {
            let start = self.toks[i - 1].start;
            self.add(start..t.end, 1.0 / v as f64, Kind::Fraction, None);
        } else if DETERMINERS.contains(&prev.as_str()) && v >= 2 {
            let unit = noun_after(text, &self.toks, t.end);
            self.add(t.start..t.end, v as f64, Kind::Ordinal, unit);
        }
        Some(i + 1)
    }

    /// "half", "a quarter", "two-thirds" ending at token `i`; the next token if so.
    fn fraction_word(&mut self, i: usize) -> Option<usize> {
        let (text, t) = (self.text, self.toks[i]);
        let lw = lower(&t, text);
        if !matches!(lw.as_str(), "half" | "quarter" | "quarters" | "thirds") {
            return None;
        }
        let toks = &self.toks;
        let prev = if i > 0 { lower(&toks[i - 1], text) } else { String::new() };
        let parts = if lw == "thirds" { 3.0 } else { 4.0 };
        let (value, start) = match (lw.as_str(), prev.as_str()) {
            ("half", _) => {
                (0.5, if prev == "a" || prev == "one" { toks[i - 1].start } else { t.start })
            }
            ("quarter", "a") | ("quarter", "one") => (0.25, toks[i - 1].start),
            ("quarters", p) | ("thirds", p) if word_value(p).is_some() => {
                let n = word_value(p).unwrap_or(1) as f64;
                let s = if i >= 2 && toks[i - 1].text(text) == "-" {
                    toks[i - 2].start
                } else {
                    toks[i - 1].start
                };
                (n / parts, s)
            }
            ("quarters", "-") | ("thirds", "-")
                if i >= 2 && word_value(&lower(&toks[i - 2], text)).is_some() =>
            {
                let n = word_value(&lower(&toks[i - 2], text)).unwrap_or(1) as f64;
                (n / parts, toks[i - 2].start)
            }
            _ => return Some(i + 1),
        };
        self.add(start..t.end, value, Kind::Fraction, None);
        Some(i + 1)
    }

    /// A run of number words from token `i` ("forty-one", "a dozen", "two hundred and
    /// five"), with an approximation before it and "times" after it. The next token.
    fn number_words(&mut self, i: usize) -> usize {
        let (text, toks) = (self.text, &self.toks);
        let lw = lower(&toks[i], text);
        let starts_run = word_value(&lw).is_some()
            || (lw == "a"
                && toks.get(i + 1).is_some_and(|n| {
                    let l = lower(n, text);
                    l == "dozen" || is_scale(&l)
                }));
        if !starts_run || lw == "hundred" && i > 0 {
            return i + 1;
        }
        let j = self.run_end(i);
        let r = toks[i].start..toks[j - 1].end;
        let lone_one = j == i + 1 && lw == "one";
        let Some(v) = parse_words(&text[r.clone()]) else { return j };
        // "two-thirds", "three quarters": a fraction, handled when its last word comes.
        let frac_next = |k: usize| {
            toks.get(k).is_some_and(|n| matches!(lower(n, text).as_str(), "thirds" | "quarters"))
        };
        let is_fraction =
            frac_next(j) || (toks.get(j).is_some_and(|n| n.text(text) == "-") && frac_next(j + 1));
        if lone_one || is_fraction || self.taken.overlaps(&r) || (lw == "a" && j == i + 1) {
            return j;
        }
        let (start, approx) = self.approx_before(i, r.start);
        let (kind, end, unit) = self.times_after(j, r.end);
        let sentence = self.sentence_of(start);
        let value = v as f64;
        self.push(Quantity {
            range: start..end,
            value,
            high: None,
            unit,
            kind,
            approx,
            time: None,
            of: None,
            sentence,
        });
        j
    }

    /// The token after a run of adjacent number words starting at `i` (joined by "-" or
    /// "and" between two number words).
    fn run_end(&self, i: usize) -> usize {
        let (text, toks) = (self.text, &self.toks);
        let mut j = i + 1;
        while j < toks.len() {
            let l = lower(&toks[j], text);
            let adjacent = toks[j].start <= toks[j - 1].end + 1;
            if !adjacent {
                break;
            }
            let joins = (l == "-" || l == "and")
                && toks.get(j + 1).is_some_and(|n| word_value(&lower(n, text)).is_some());
            if word_value(&l).is_none() && !joins {
                break;
            }
            j += 1;
        }
        j
    }

    /// An approximation before token `i` ("nearly", "more than"): where the quantity then
    /// starts, and the words.
    fn approx_before(&self, i: usize, start: usize) -> (usize, Option<String>) {
        let (text, toks) = (self.text, &self.toks);
        if i == 0 {
            return (start, None);
        }
        let p = lower(&toks[i - 1], text);
        if APPROX_WORDS.contains(&p.as_str()) {
            return (toks[i - 1].start, Some(p));
        }
        if i > 1 && p == "than" {
            let before = lower(&toks[i - 2], text);
            if matches!(before.as_str(), "more" | "less" | "fewer") {
                return (toks[i - 2].start, Some(format!("{before} than")));
            }
        }
        (start, None)
    }

    /// What a run of number words ending at byte `end` is, given the token `j` after it:
    /// "five times" is a multiplier, unless it counts occasions ("three times a week",
    /// "twice last year"; "four times last year's 1,600" compares); otherwise a count of
    /// the noun after it. Its kind, end and unit.
    fn times_after(&self, j: usize, end: usize) -> (Kind, usize, Option<String>) {
        let (text, toks) = (self.text, &self.toks);
        let next = toks.get(j).map(|n| lower(n, text)).unwrap_or_default();
        let after = |k: usize| toks.get(k).map(|n| lower(n, text)).unwrap_or_default();
        // "twenty percent", "forty per cent": a percentage in words.
        if next == "percent" {
            return (Kind::Percent, toks[j].end, Some("%".to_string()));
        }
        if next == "per" && after(j + 1) == "cent" {
            return (Kind::Percent, toks[j + 1].end, Some("%".to_string()));
        }
        if next != "times" {
            return (Kind::Cardinal, end, noun_after(text, toks, end));
        }
        let after = toks.get(j + 1).map(|n| lower(n, text)).unwrap_or_default();
        let possessive = toks.get(j + 2).is_some_and(|n| {
            let w = lower(n, text);
            w.ends_with("'s") || w.ends_with("’s")
        });
        let frequency = matches!(after.as_str(), "a" | "per" | "each" | "every" | "in")
            || (matches!(after.as_str(), "this" | "last") && !possessive);
        if frequency {
            (Kind::Cardinal, end, Some("times".to_string()))
        } else {
            (Kind::Multiplier, toks[j].end, None)
        }
    }
}
