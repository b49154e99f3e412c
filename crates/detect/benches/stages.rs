//! Throughput of each stage on the shipped sample article, in MB/s of text.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use unspin_detect::techniques::FastDetector;
use unspin_detect::{AnalyzerBuilder, Document};
use unspin_model::fast::features::ArticleContext;
use unspin_model::fast::FastModel;

const SAMPLE: &str = include_str!("../../../samples/harbor-bridge.txt");

fn stages(c: &mut Criterion) {
    let text = SAMPLE.repeat(4);
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("segment", |b| {
        b.iter(|| {
            (
                unspin_text::segment::sentences(&text).len(),
                unspin_text::segment::tokens(&text).len(),
            )
        })
    });
    g.bench_function("context", |b| b.iter(|| ArticleContext::new(&text).tokens.len()));
    let model = FastModel::embedded().unwrap();
    g.bench_function("fast_detect", |b| b.iter(|| model.detect(&text).len()));
    let analyzer = AnalyzerBuilder::new().techniques(FastDetector::new(model.clone())).build();
    let doc = Document::new("bench", text.clone());
    g.bench_function("analyze", |b| b.iter(|| analyzer.analyze(&doc).unwrap().techniques.len()));
    g.finish();
    c.bench_function("load_embedded_fast_model", |b| b.iter(|| FastModel::embedded().unwrap()));
}

criterion_group!(benches, stages);
criterion_main!(benches);
