//! From tagged spans to attributions: each content span takes the nearest cue in its
//! paragraph (its own sentence first), the cue takes the nearest source; contents that
//! share a cue and sit on either side of it ("“A,” she said, “B.”") are one attribution
//! in parts.

use std::ops::Range;

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

/// Whether `a` and `b` (in either order) lie in one paragraph: no line break between.
fn same_paragraph(text: &str, a: &Range<usize>, b: &Range<usize>) -> bool {
    let (from, to) = (a.end.min(b.end), a.start.max(b.start));
    from >= to || !text[from..to].contains('\n')
}

/// Whether no sentence end (`.`, `!`, `?` followed by a space) lies between `a` and `b`.
fn same_sentence(text: &str, a: &Range<usize>, b: &Range<usize>) -> bool {
    let (from, to) = (a.end.min(b.end), a.start.max(b.start));
    if from >= to {
        return true;
    }
    let gap = &text[from..to];
    !gap.contains('\n') && !gap.contains(". ") && !gap.contains("? ") && !gap.contains("! ")
}

/// Bytes between two ranges (0 when they touch or overlap).
fn gap(a: &Range<usize>, b: &Range<usize>) -> usize {
    a.start.max(b.start).saturating_sub(a.end.min(b.end))
}

/// The span of `role` nearest to `at` in its paragraph, its own sentence preferred.
fn nearest(text: &str, spans: &[Span], role: Role, at: &Range<usize>) -> Option<Range<usize>> {
    spans
        .iter()
        .filter(|s| s.role == role && same_paragraph(text, &s.range, at))
        .min_by_key(|s| (!same_sentence(text, &s.range, at), gap(&s.range, at), s.range.start))
        .map(|s| s.range.clone())
}

/// The attributions of `text` from its tagged spans.
pub fn attributions(text: &str, spans: &[Span]) -> Vec<Tagged> {
    let mut out: Vec<Tagged> = Vec::new();
    for content in spans.iter().filter(|s| s.role == Role::Content) {
        let cue = nearest(text, spans, Role::Cue, &content.range);
        let source = match &cue {
            Some(c) => nearest(text, spans, Role::Source, c),
            None => nearest(text, spans, Role::Source, &content.range)
                .filter(|s| same_sentence(text, s, &content.range)),
        };
        if let Some(last) = out.last_mut() {
            let split_by_cue = cue.is_some()
                && last.cue == cue
                && cue
                    .as_ref()
                    .is_some_and(|c| last.extent().end <= c.start && c.end <= content.range.start);
            if split_by_cue {
                last.content.push(content.range.clone());
                continue;
            }
        }
        out.push(Tagged { content: vec![content.range.clone()], cue, source });
    }
    out
}
