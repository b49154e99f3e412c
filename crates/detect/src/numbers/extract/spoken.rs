//! Phase 3 of the extraction: quantities written in words — multipliers ("twice"),
//! ordinals, fractions ("two-thirds", "three fifths", "a tenth of"), mixed numbers ("one
//! and a half million"), decimals ("five point two"), signs ("minus four") and runs of
//! number words.

use super::*;

/// Most tokens of a run of number words read as a compound fraction ("one hundred and
/// twenty-one thirty-fifths" is 9).
const MAX_RUN: usize = 16;

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
            // "double the number", "about double what …": the adjective before what it
            // doubles (not "double standard", "double-digit").
            "double" | "triple"
                if self.joined_word(i + 1).is_some_and(|n| {
                    matches!(n.as_str(), "the" | "what" | "that" | "its" | "their" | "his" | "her")
                }) =>
            {
                Some(if lw == "double" { 2.0 } else { 3.0 })
            }
            "quadrupled" => Some(4.0),
            "halved" | "halving" => Some(0.5),
            _ => None,
        };
        // "doubled down on", "tripled down", "doubled as a warning": phrasal verbs, not
        // changes of a quantity.
        let phrasal = lw != "twice"
            && match self.joined_word(i + 1).as_deref() {
                Some("down" | "as") => true,
                Some("-") => self.joined_word(i + 2).as_deref() == Some("down"),
                _ => false,
            };
        if let Some(m) = mult.filter(|_| !phrasal) {
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
        // "a third of", and "by a third" (a change: "cut by a third").
        let by = i > 1 && lower(&self.toks[i - 2], text) == "by";
        let of = self.toks.get(i + 1).is_some_and(|n| lower(n, text) == "of");
        let is_fraction = prev == "a" && (of || by) && v >= 3;
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
        let next = |k: usize| self.joined_word(i + k);
        if lw == "half" && next(1).as_deref() == Some("a") && next(2).as_deref() == Some("dozen") {
            self.add(t.start..toks[i + 2].end, 6.0, Kind::Cardinal, None);
            return Some(i + 3);
        }
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
    /// five", "minus four"), with what may follow it (see [`Self::spoken_tail`]), an
    /// approximation before it and "times" after it. The next token.
    fn number_words(&mut self, i: usize) -> usize {
        let (text, toks) = (self.text, &self.toks);
        let lw = lower(&toks[i], text);
        let next = toks.get(i + 1).filter(|_| self.joined(i + 1)).map(|n| lower(n, text));
        let starts_run = (word_value(&lw).is_some() && (lw == "dozen" || !is_dozen(&lw)))
            || (lw == "a"
                && next.as_deref().is_some_and(|l| {
                    l == "dozen" || is_scale(l) || denominator(l).is_some_and(|(_, p)| !p)
                }));
        if !starts_run || lw == "hundred" && i > 0 {
            return i + 1;
        }
        let j = self.run_end(i);
        if let Some(next) = self.compound_fraction(i, j) {
            return next;
        }
        let (text, toks) = (self.text, &self.toks);
        let r = toks[i].start..toks[j - 1].end;
        // A mixed number first: its whole part and numerator do not parse as one run
        // ("one hundred and three and two thirds").
        let mixed = self.mixed_split(i, j);
        let v = match (parse_words(&text[r.clone()]), mixed) {
            (Some(v), _) => v,
            (None, Some(_)) => 0,
            (None, None) => return j,
        };
        let tail = match mixed {
            Some((value, next)) => Some((value, next, false)),
            None => self.spoken_tail(j, v as f64),
        };
        let sign = self.sign_before(i);
        let lone = j == i + 1 && (lw == "one" && sign.is_none() || lw == "a");
        // "one penny", "one-yen", "one percent" count; "one day", "at one point", "one
        // foot in the door" are idioms.
        let one_unit = lw == "one"
            && super::super::units::read(&text[r.end..])
                .is_some_and(|(_, name)| !matches!(name.as_str(), "day" | "point" | "foot"));
        if (lone && tail.is_none() && !one_unit) || self.taken.overlaps(&r) {
            return j;
        }
        let (start, approx) = match sign {
            Some(p) => (toks[p].start, None),
            None => self.approx_before(i, r.start),
        };
        let signed = |v: f64| if sign.is_some() { -v } else { v };
        let (value, kind, end, unit, next) = match tail {
            Some((value, k, true)) => (value, Kind::Fraction, toks[k - 1].end, None, k),
            Some((value, k, false)) => {
                let (kind, end, unit) = self.times_after(k, toks[k - 1].end);
                (value, kind, end, unit, k)
            }
            None => {
                let (kind, end, unit) = self.times_after(j, r.end);
                (v as f64, kind, end, unit, j)
            }
        };
        let sentence = self.sentence_of(start);
        self.push(Quantity {
            range: start..end,
            value: signed(value),
            high: None,
            unit,
            kind,
            approx,
            time: None,
            of: None,
            inferred: false,
            sentence,
        });
        next
    }

    /// A fraction whose denominator is a compound ordinal that ends the run `i..j` and
    /// the word after it: a multiple of ten (its last word a tens or scale word) completed
    /// by "first" … "ninth" ("three twenty-firsts" 3/21, "one hundred thirty fifths"
    /// 100/35, "one one hundred fifth" 1/105; "a twenty-first" 1/21). The numerator is
    /// the longest run before it that parses. With no numerator the words are an ordinal
    /// ("the twenty-first century"), recorded after a determiner. The token after it.
    fn compound_fraction(&mut self, i: usize, j: usize) -> Option<usize> {
        // No number is this long; a longer run ("one one one …") would make the search
        // for the numerator quadratic.
        if j - i > MAX_RUN {
            return None;
        }
        let (text, toks) = (self.text, &self.toks);
        let last = lower(&toks[j - 1], text);
        let tens = word_value(&last).is_some_and(|v| (20..100).contains(&v) && v % 10 == 0);
        if !tens && !is_scale(&last) {
            return None;
        }
        let hyphen = self.joined_word(j).as_deref() == Some("-");
        let k = if hyphen { j + 1 } else { j };
        let w = self.joined_word(k)?;
        let (unit, plural) = ordinal_unit(&w)?;
        // "twenty seconds" is a time; "twenty-second" an ordinal.
        if unit == 2 && !hyphen {
            return None;
        }
        let words = |a: usize, b: usize| parse_words(&text[toks[a].start..toks[b - 1].end]);
        // The prefix starts a number: not at a hyphen or a scale word, which bind to what
        // is before them ("ninety-five hundred fifths" is 9500/5).
        let starts_number = |m: usize| {
            let w = lower(&toks[m], text);
            w != "-" && lower(&toks[m - 1], text) != "-" && !is_scale(&w)
        };
        let split = (i + 1..j).rev().filter(|&m| starts_number(m)).find_map(|m| {
            let prefix = words(m, j).filter(|p| p % 10 == 0)?;
            Some((words(i, m)?, prefix, toks[i].start))
        });
        let a_before = i > 0 && self.joined(i) && lower(&toks[i - 1], text) == "a";
        let fraction = match split {
            Some(s) => Some(s),
            None if a_before => Some((1, words(i, j)?, toks[i - 1].start)),
            None => None,
        };
        let more = self
            .joined_word(k + 1)
            .is_some_and(|n| n != "of" && n.chars().all(char::is_alphabetic));
        let end = toks[k].end;
        match fraction {
            Some((num, prefix, start)) if if plural { num > 1 } else { num == 1 && !more } => {
                let (start, sign) = match self.sign_before(i) {
                    Some(p) if start == toks[i].start => (toks[p].start, -1.0),
                    _ => (start, 1.0),
                };
                let value = sign * num as f64 / (prefix + unit) as f64;
                self.add(start..end, value, Kind::Fraction, None);
            }
            Some(_) => return None,
            None if plural => return None,
            _ => {
                let prev = i.checked_sub(1).map(|p| lower(&toks[p], text)).unwrap_or_default();
                if DETERMINERS.contains(&prev.as_str()) && !plural {
                    let value = (words(i, j)? + unit) as f64;
                    let noun = noun_after(text, toks, end);
                    self.add(toks[i].start..end, value, Kind::Ordinal, noun);
                }
            }
        }
        Some(k + 1)
    }

    /// A mixed number whose whole part ends in "and" inside the run of tokens `i..j`:
    /// "one hundred and three quarters" is 100¾, "twenty and three fifths" 20⅗ (not 103/4,
    /// 23/5). Its value and the token after its denominator.
    fn mixed_split(&self, i: usize, j: usize) -> Option<(f64, usize)> {
        let (text, toks) = (self.text, &self.toks);
        if j < i + 3 || lower(&toks[j - 2], text) != "and" {
            return None;
        }
        let num = word_value(&lower(&toks[j - 1], text)).filter(|&n| n > 0 && n < 20)?;
        let k = if self.joined_word(j).as_deref() == Some("-") { j + 1 } else { j };
        let (parts, plural) = self.joined_word(k).and_then(|d| denominator(&d))?;
        if (num == 1) == plural {
            return None;
        }
        let whole = parse_words(&text[toks[i].start..toks[j - 3].end])?;
        Some((whole as f64 + num as f64 / parts as f64, k + 1))
    }

    /// The token before token `i` if it is "minus" or "negative", joined to it by spaces.
    fn sign_before(&self, i: usize) -> Option<usize> {
        i.checked_sub(1).filter(|&p| {
            self.joined(i)
                && matches!(lower(&self.toks[p], self.text).as_str(), "minus" | "negative")
        })
    }

    /// Whether token `k` follows token `k - 1` with only spaces between.
    fn joined(&self, k: usize) -> bool {
        let toks = &self.toks;
        k > 0
            && k < toks.len()
            && self.text[toks[k - 1].end..toks[k].start].chars().all(|c| c == ' ' || c == '\u{a0}')
    }

    /// Token `k`, lowercased, if it follows the previous one with only spaces between.
    fn joined_word(&self, k: usize) -> Option<String> {
        self.joined(k).then(|| lower(&self.toks[k], self.text))
    }

    /// What may follow a run of number words worth `v` that ends before token `j`: a
    /// decimal ("point two five"), a fraction ("fifths", "-thirds"; "eighth" after "one"
    /// or "a", when no word but "of" follows), a mixed number ("and a half", "and three
    /// quarters", then perhaps a scale word: "two and a half million"). Its value, the
    /// token after it, and whether it is a fraction.
    fn spoken_tail(&self, j: usize, v: f64) -> Option<(f64, usize, bool)> {
        let word = |k: usize| self.joined_word(k);
        let w = word(j)?;
        if w == "point" {
            let mut k = j + 1;
            let mut digits = String::new();
            while let Some(d) = word(k).and_then(|d| word_value(&d).filter(|&d| d < 10)) {
                digits.push(char::from_digit(d as u32, 10)?);
                k += 1;
            }
            // "point seventy-one", "point eleven": one word or hyphenated pair below 100
            // read as its digits.
            if digits.is_empty() {
                let tens = word(k).and_then(|d| word_value(&d).filter(|&d| (10..100).contains(&d)));
                if let Some(t) = tens {
                    let ones = (word(k + 1).as_deref() == Some("-"))
                        .then(|| word(k + 2).and_then(|d| word_value(&d).filter(|&d| d < 10)))
                        .flatten();
                    digits = (t + ones.unwrap_or(0)).to_string();
                    k += if ones.is_some() { 3 } else { 1 };
                }
            }
            let frac: f64 = format!("0.{digits}").parse().ok().filter(|_| !digits.is_empty())?;
            return Some((v + frac, k, false));
        }
        let k = if w == "-" { j + 1 } else { j };
        if let Some((parts, plural)) = word(k).and_then(|d| denominator(&d)) {
            let more = word(k + 1).is_some_and(|n| n != "of" && n.chars().all(char::is_alphabetic));
            let fraction = if plural { v > 1.0 } else { v == 1.0 && !more };
            return fraction.then_some((v / parts as f64, k + 1, true));
        }
        if w != "and" {
            return None;
        }
        let num = word(j + 1)?;
        let num = if num == "a" { 1 } else { word_value(&num).filter(|&n| n < 20)? };
        let (parts, plural) = word(j + 2).and_then(|d| denominator(&d))?;
        if (num == 1) == plural {
            return None;
        }
        let mut value = v + num as f64 / parts as f64;
        let mut end = j + 3;
        if let Some(scale) = word(end).filter(|s| is_scale(s)) {
            value *= word_value(&scale)? as f64;
            end += 1;
        }
        Some((value, end, false))
    }

    /// The token after a run of number words starting at `i` (separated by spaces only;
    /// joined by "-" or "and" between two number words).
    fn run_end(&self, i: usize) -> usize {
        let (text, toks) = (self.text, &self.toks);
        let mut j = i + 1;
        while j < toks.len() && self.joined(j) {
            let l = lower(&toks[j], text);
            let joins = (l == "-" || l == "and")
                && self.joined(j + 1)
                && word_value(&lower(&toks[j + 1], text)).is_some();
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
            return (Kind::Cardinal, end, unit_after(text, toks, end));
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
