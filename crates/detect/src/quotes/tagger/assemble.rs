//! From tagged spans to attributions: each content span takes the nearest cue in its
//! paragraph (its own sentence first), the cue takes the nearest source; contents that
//! share a cue and sit on either side of it ("“A,” she said, “B.”") are one attribution
//! in parts.

use std::ops::Range;

use super::link::{candidates, Breaks, Linker, Spans};
use super::{Role, Span};

/// An attribution found by the tagger (byte ranges).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tagged {
    /// What was said, in parts, in text order.
    pub content: Vec<Range<usize>>,
    /// The reporting words.
    pub cue: Option<Range<usize>>,
    /// Who said it, as written.
    pub source: Option<Range<usize>>,
}

impl Tagged {
    /// From the first content part's start to the last one's end.
    pub fn extent(&self) -> Range<usize> {
        let first = self.content.first().map_or(0, |r| r.start);
        first..self.content.last().map_or(first, |r| r.end)
    }
}

/// A cue or source further than this many bytes from what it would attach to is not
/// considered (it keeps the work per span bounded on endless paragraphs).
const MAX_GAP: usize = 2_000;

/// The text between `a` and `b` (in either order; empty when they touch or overlap).
pub(super) fn between<'t>(text: &'t str, a: &Range<usize>, b: &Range<usize>) -> &'t str {
    let (from, to) = (a.end.min(b.end), a.start.max(b.start));
    if from >= to {
        ""
    } else {
        &text[from..to]
    }
}

/// Whether no sentence end (`.`, `!`, `?` followed by a space) or line break lies in `gap`.
fn one_sentence(gap: &str) -> bool {
    !gap.contains('\n') && !gap.contains(". ") && !gap.contains("? ") && !gap.contains("! ")
}

/// Whether `a` and `b` lie in one sentence.
fn same_sentence(text: &str, a: &Range<usize>, b: &Range<usize>) -> bool {
    one_sentence(between(text, a, b))
}

/// The span of `ranges` (one role's spans, in text order, not overlapping) nearest to
/// `at` in its paragraph and within [`MAX_GAP`] bytes, one in its own sentence preferred:
/// the nearest one on either side.
fn nearest(text: &str, ranges: &[Range<usize>], at: &Range<usize>) -> Option<Range<usize>> {
    let k = ranges.partition_point(|r| r.start < at.start);
    let sides = [k.checked_sub(1), Some(k)];
    sides
        .into_iter()
        .flatten()
        .filter_map(|i| ranges.get(i))
        .filter(|r| {
            let gap = between(text, r, at);
            gap.len() <= MAX_GAP && !gap.contains('\n')
        })
        .min_by_key(|r| {
            let gap = between(text, r, at);
            (!one_sentence(gap), gap.len(), r.start)
        })
        .cloned()
}

/// A text's tagged spans by role, and its attributions before sources are chosen.
pub struct Grouped {
    /// Source spans, in text order.
    pub sources: Vec<Range<usize>>,
    /// Cue spans, in text order.
    pub cues: Vec<Range<usize>>,
    /// Content spans, in text order.
    pub contents: Vec<Range<usize>>,
    /// The attributions, each with its cue and no source yet.
    pub attributions: Vec<Tagged>,
    /// The text's sentence ends and paragraph breaks.
    pub breaks: Breaks,
}

impl Grouped {
    /// The spans a linker's candidates are drawn from.
    pub fn spans(&self) -> Spans<'_> {
        Spans {
            breaks: &self.breaks,
            sources: &self.sources,
            cues: &self.cues,
            contents: &self.contents,
        }
    }

    /// The source the nearest-cue rule gives `t`: the source nearest its cue, or without a
    /// cue the source nearest its first part in the same sentence.
    pub fn rule_source(&self, text: &str, t: &Tagged) -> Option<Range<usize>> {
        let first = t.content.first()?;
        match &t.cue {
            Some(c) => nearest(text, &self.sources, c),
            None => nearest(text, &self.sources, first).filter(|s| same_sentence(text, s, first)),
        }
    }
}

/// Groups the tagged spans of `text` (in text order, not overlapping): each content takes
/// the nearest cue; contents that share a cue on either side of it are one attribution.
pub fn group(text: &str, spans: &[Span]) -> Grouped {
    let of = |role: Role| -> Vec<Range<usize>> {
        spans.iter().filter(|s| s.role == role).map(|s| s.range.clone()).collect()
    };
    let (sources, cues, contents) = (of(Role::Source), of(Role::Cue), of(Role::Content));
    let mut out: Vec<Tagged> = Vec::new();
    for content in &contents {
        let cue = nearest(text, &cues, content);
        if let Some(last) = out.last_mut() {
            let split_by_cue = cue.is_some()
                && last.cue == cue
                && cue
                    .as_ref()
                    .is_some_and(|c| last.extent().end <= c.start && c.end <= content.start);
            if split_by_cue {
                last.content.push(content.clone());
                continue;
            }
        }
        out.push(Tagged { content: vec![content.clone()], cue, source: None });
    }
    let breaks = Breaks::new(text);
    Grouped { sources, cues, contents, attributions: out, breaks }
}

/// The attributions of `text` from its tagged spans (in text order, not overlapping), each
/// source chosen by `linker` among the nearby ones, or without one by the nearest-cue rule.
pub fn attributions(text: &str, spans: &[Span], linker: Option<&Linker>) -> Vec<Tagged> {
    let mut grouped = group(text, spans);
    let mut out = std::mem::take(&mut grouped.attributions);
    for t in &mut out {
        let rule = grouped.rule_source(text, t);
        t.source = match linker {
            Some(l) => l.choose(&candidates(text, &grouped.spans(), t, rule.as_ref())),
            None => rule,
        };
    }
    out
}
