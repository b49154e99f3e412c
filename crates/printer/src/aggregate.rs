//! Corpus aggregates over many reports, streamed: technique frequencies (overall and per
//! group), propaganda density, repeated loaded phrases, top claims, speakers, sources and
//! inconsistent number checks, and the most propagandistic articles — as JSON, or as one
//! self-contained HTML page with SVG charts.
//!
//! Memory stays bounded by the number of distinct phrases, speakers, sources and groups,
//! not by the number of documents: only the top articles are kept whole.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use serde::Serialize;
use unspin_detect::report::Report;
use unspin_detect::report::Verdict;
use unspin_detect::techniques::Technique;

use crate::html::{escape, render_section};

/// How many entries each ranked list keeps.
pub const TOP: usize = 20;

/// An article in the ranking.
#[derive(Clone, Debug, Serialize)]
pub struct ArticleRank {
    /// Document id.
    pub id: String,
    /// Where it came from.
    pub source: Option<String>,
    /// Share of its characters inside technique spans, in [0, 1].
    pub density: f64,
    /// Technique spans.
    pub spans: usize,
}

/// A claim in the corpus ranking.
#[derive(Clone, Debug, Serialize)]
pub struct RankedClaim {
    /// Document id.
    pub id: String,
    /// The sentence.
    pub text: String,
    /// Its score.
    pub score: f32,
}

/// The aggregates (`unspin report --format json`).
#[derive(Clone, Debug, Serialize, Default)]
pub struct Summary {
    /// Documents aggregated.
    pub documents: usize,
    /// Characters of text.
    pub characters: usize,
    /// Technique spans.
    pub technique_spans: usize,
    /// Spans per technique (official names), most frequent first.
    pub techniques: Vec<(String, usize)>,
    /// The field grouped by, if any.
    pub group_by: Option<String>,
    /// Per group value: documents and spans per technique.
    pub groups: Vec<GroupSummary>,
    /// Documents per density decile (0–10 %, 10–20 %, … of characters in spans).
    pub density_histogram: [usize; 10],
    /// Loaded-language and name-calling phrases found in most documents.
    pub repeated_phrases: Vec<(String, usize)>,
    /// Highest-scoring claims.
    pub top_claims: Vec<RankedClaim>,
    /// Most quoted speakers.
    pub speakers: Vec<(String, usize)>,
    /// Most cited sources.
    pub sources: Vec<(String, usize)>,
    /// Number checks found inconsistent: (document id, statement, explanation).
    pub inconsistent_checks: Vec<(String, String, String)>,
    /// Articles with the highest density.
    pub top_articles: Vec<ArticleRank>,
}

/// One group's figures.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSummary {
    /// The group's value of the field.
    pub value: String,
    /// Documents in it.
    pub documents: usize,
    /// Spans per technique.
    pub techniques: Vec<(String, usize)>,
}

/// A heap key: a score, then an insertion number to break ties; ordered by `total_cmp`.
struct Keyed(f64, usize);

impl PartialEq for Keyed {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Keyed {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
    }
}

/// Accumulates reports one at a time.
pub struct Aggregator {
    group_by: Option<String>,
    s: Summary,
    techniques: HashMap<String, usize>,
    groups: BTreeMap<String, (usize, HashMap<String, usize>)>,
    phrases: HashMap<String, usize>,
    speakers: HashMap<String, usize>,
    sources: HashMap<String, usize>,
    claims: BinaryHeap<Reverse<Keyed>>,
    claim_store: HashMap<usize, RankedClaim>,
    articles: BinaryHeap<Reverse<Keyed>>,
    article_store: HashMap<usize, (ArticleRank, Report)>,
    seq: usize,
}

fn field(r: &Report, name: &str) -> String {
    let v = match name {
        "id" => Some(serde_json::Value::String(r.id.clone())),
        "source" => r.source.clone().map(serde_json::Value::String),
        other => r.meta.get(other.strip_prefix("meta.").unwrap_or(other)).cloned(),
    };
    match v {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Null) | None => "(none)".to_string(),
        Some(other) => other.to_string(),
    }
}

fn ranked(m: HashMap<String, usize>, n: usize) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

impl Aggregator {
    /// A new aggregator, grouping by a report field (`source`, `id`) or a JSONL metadata
    /// field (`outlet` or `meta.outlet`).
    pub fn new(group_by: Option<String>) -> Aggregator {
        Aggregator {
            group_by,
            s: Summary::default(),
            techniques: HashMap::new(),
            groups: BTreeMap::new(),
            phrases: HashMap::new(),
            speakers: HashMap::new(),
            sources: HashMap::new(),
            claims: BinaryHeap::new(),
            claim_store: HashMap::new(),
            articles: BinaryHeap::new(),
            article_store: HashMap::new(),
            seq: 0,
        }
    }

    /// Adds one report.
    pub fn add(&mut self, r: Report) {
        self.seq += 1;
        let seq = self.seq;
        let n_chars = r.text.chars().count();
        self.s.documents += 1;
        self.s.characters += n_chars;
        self.s.technique_spans += r.techniques.len();
        let group = self.group_by.as_deref().map(|g| field(&r, g));
        if let Some(g) = &group {
            self.groups.entry(g.clone()).or_default().0 += 1;
        }
        let mut covered = vec![false; n_chars];
        let mut seen_phrases = std::collections::HashSet::new();
        for t in &r.techniques {
            *self.techniques.entry(t.technique.name().to_string()).or_default() += 1;
            if let Some(g) = &group {
                *self
                    .groups
                    .get_mut(g)
                    .expect("inserted above")
                    .1
                    .entry(t.technique.name().to_string())
                    .or_default() += 1;
            }
            for c in covered.iter_mut().take(t.end.min(n_chars)).skip(t.start) {
                *c = true;
            }
            if matches!(t.technique, Technique::LoadedLanguage | Technique::NameCallingLabeling) {
                let phrase = t.text.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
                if !phrase.is_empty() && seen_phrases.insert(phrase.clone()) {
                    *self.phrases.entry(phrase).or_default() += 1;
                }
            }
        }
        let density = if n_chars == 0 {
            0.0
        } else {
            covered.iter().filter(|c| **c).count() as f64 / n_chars as f64
        };
        self.s.density_histogram[((density * 10.0) as usize).min(9)] += 1;
        for q in &r.quotes {
            if let Some(sp) = &q.speaker {
                *self.speakers.entry(sp.clone()).or_default() += 1;
            }
        }
        for s in &r.sources {
            *self.sources.entry(s.name.clone()).or_default() += 1;
        }
        for c in &r.checks {
            if c.verdict == Verdict::Inconsistent && self.s.inconsistent_checks.len() < 10 * TOP {
                self.s.inconsistent_checks.push((
                    r.id.clone(),
                    c.text.clone(),
                    c.explanation.clone(),
                ));
            }
        }
        for (k, c) in r.claims.iter().enumerate() {
            let key = seq * 1_000_000 + k.min(999_999);
            if self.claims.len() < TOP
                || self.claims.peek().is_some_and(|m| m.0 .0 < c.score as f64)
            {
                self.claims.push(Reverse(Keyed(c.score as f64, key)));
                self.claim_store.insert(
                    key,
                    RankedClaim { id: r.id.clone(), text: c.text.clone(), score: c.score },
                );
                if self.claims.len() > TOP {
                    if let Some(Reverse(Keyed(_, k))) = self.claims.pop() {
                        self.claim_store.remove(&k);
                    }
                }
            }
        }
        if self.articles.len() < TOP || self.articles.peek().is_some_and(|m| m.0 .0 < density) {
            let rank = ArticleRank {
                id: r.id.clone(),
                source: r.source.clone(),
                density,
                spans: r.techniques.len(),
            };
            self.articles.push(Reverse(Keyed(density, seq)));
            self.article_store.insert(seq, (rank, r));
            if self.articles.len() > TOP {
                if let Some(Reverse(Keyed(_, k))) = self.articles.pop() {
                    self.article_store.remove(&k);
                }
            }
        }
    }

    /// The aggregates, and the top articles' reports (for their single-article views).
    pub fn finish(mut self) -> (Summary, Vec<Report>) {
        self.s.group_by = self.group_by.clone();
        self.s.techniques = ranked(self.techniques, usize::MAX);
        self.s.groups = self
            .groups
            .into_iter()
            .map(|(value, (documents, t))| GroupSummary {
                value,
                documents,
                techniques: ranked(t, usize::MAX),
            })
            .collect();
        self.s.repeated_phrases = ranked(self.phrases, TOP);
        self.s.speakers = ranked(self.speakers, TOP);
        self.s.sources = ranked(self.sources, TOP);
        let mut claims: Vec<RankedClaim> = self.claim_store.into_values().collect();
        claims.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        self.s.top_claims = claims;
        let mut arts: Vec<(ArticleRank, Report)> = self.article_store.into_values().collect();
        arts.sort_by(|a, b| b.0.density.total_cmp(&a.0.density).then(a.0.id.cmp(&b.0.id)));
        self.s.top_articles = arts.iter().map(|a| a.0.clone()).collect();
        (self.s, arts.into_iter().map(|a| a.1).collect())
    }
}

/// A horizontal SVG bar chart; labels are escaped.
pub fn bar_chart(title: &str, items: &[(String, f64)], unit: &str) -> String {
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1e-9);
    let row = 22;
    let h = 30 + row * items.len().max(1);
    let mut s = format!(
        "<figure><svg role=img aria-label=\"{t}\" viewBox=\"0 0 720 {h}\" width=720 height={h} xmlns=\"http://www.w3.org/2000/svg\">\
         <text x=0 y=16 font-weight=600>{t}</text>",
        t = escape(title)
    );
    if items.is_empty() {
        s.push_str("<text x=0 y=44 fill=#777>nothing to show</text>");
    }
    for (k, (label, v)) in items.iter().enumerate() {
        let y = 28 + row * k;
        let w = (v / max * 320.0).max(1.0);
        let short: String = label.chars().take(40).collect();
        s.push_str(&format!(
            "<text x=0 y={ty} font-size=13>{l}</text><rect x=300 y={y} width={w:.1} height=16 fill=#6a8fd0><title>{l}: {v}{u}</title></rect>\
             <text x={tx:.1} y={ty} font-size=12 fill=#333>{vv}{u}</text>",
            ty = y + 13,
            l = escape(&short),
            tx = 306.0 + w,
            vv = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") },
            u = escape(unit),
        ));
    }
    s.push_str("</svg></figure>");
    s
}

fn label(name: &str) -> String {
    Technique::ALL
        .iter()
        .find(|t| t.name() == name)
        .map_or(name.to_string(), |t| t.label().to_string())
}

/// The whole report page.
pub fn to_html(s: &Summary, top: &[Report]) -> String {
    let mut b = String::new();
    b.push_str(&format!(
        "<h1>unspin corpus report</h1><p class=meta>{} documents · {:.1} million characters · {} technique spans. \
         unspin describes rhetoric, not truth.</p>",
        s.documents,
        s.characters as f64 / 1e6,
        s.technique_spans
    ));
    let tech: Vec<(String, f64)> =
        s.techniques.iter().map(|(t, n)| (label(t), *n as f64)).collect();
    b.push_str(&bar_chart("Technique spans, whole corpus", &tech, ""));
    if let Some(g) = &s.group_by {
        b.push_str(&format!("<h2>By {}</h2>", escape(g)));
        for grp in s.groups.iter().take(TOP) {
            let items: Vec<(String, f64)> = grp
                .techniques
                .iter()
                .map(|(t, n)| (label(t), *n as f64 / grp.documents.max(1) as f64))
                .collect();
            b.push_str(&bar_chart(
                &format!("{} ({} documents): spans per document", grp.value, grp.documents),
                &items,
                "",
            ));
        }
    }
    let hist: Vec<(String, f64)> = s
        .density_histogram
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("{}–{} % of text in spans", i * 10, i * 10 + 10), *n as f64))
        .collect();
    b.push_str(&bar_chart(
        "Propaganda density: documents per share of text in technique spans",
        &hist,
        "",
    ));
    let phrases: Vec<(String, f64)> =
        s.repeated_phrases.iter().map(|(p, n)| (p.clone(), *n as f64)).collect();
    b.push_str(&bar_chart("Loaded phrases found in the most documents", &phrases, " docs"));
    b.push_str("<h2>Top-ranked check-worthy claims</h2><ol>");
    for c in &s.top_claims {
        b.push_str(&format!(
            "<li><b>{:.2}</b> {} <span class=meta>({})</span></li>",
            c.score,
            escape(&c.text),
            escape(&c.id)
        ));
    }
    b.push_str("</ol>");
    let sp: Vec<(String, f64)> = s.speakers.iter().map(|(p, n)| (p.clone(), *n as f64)).collect();
    b.push_str(&bar_chart("Most quoted speakers", &sp, ""));
    let so: Vec<(String, f64)> = s.sources.iter().map(|(p, n)| (p.clone(), *n as f64)).collect();
    b.push_str(&bar_chart("Most cited sources", &so, ""));
    b.push_str("<h2>Inconsistent number checks</h2>");
    if s.inconsistent_checks.is_empty() {
        b.push_str("<p class=meta>none found</p>");
    } else {
        b.push_str("<ul>");
        for (id, text, why) in s.inconsistent_checks.iter().take(TOP) {
            b.push_str(&format!(
                "<li>{} — {} <span class=meta>({})</span></li>",
                escape(text),
                escape(why),
                escape(id)
            ));
        }
        b.push_str("</ul>");
    }
    b.push_str("<h2>Most propagandistic articles</h2><table><tr><th>#</th><th>article</th><th>share of text in spans</th><th>spans</th></tr>");
    for (k, a) in s.top_articles.iter().enumerate() {
        b.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"#article-{k}\">{}</a></td><td>{:.1} %</td><td>{}</td></tr>",
            k + 1,
            escape(&a.id),
            a.density * 100.0,
            a.spans
        ));
    }
    b.push_str("</table>");
    for (k, r) in top.iter().enumerate() {
        b.push_str(&format!("<div id=\"article-{k}\">{}</div>", render_section(r)));
    }
    crate::html::page("unspin corpus report", &b)
}
