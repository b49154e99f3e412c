//! Any bytes through the decoder, the HTML extractor, the segmenters and the offset map:
//! nothing panics, and every range maps to characters and back exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unspin_text::{decode, html, segment, DecodeOptions, Document};

fuzz_target!(|data: &[u8]| {
    let lossy = DecodeOptions { lossy: true, ..DecodeOptions::default() };
    let Ok(text) = decode(data, &lossy) else { return };
    let _ = html::extract(&text);
    let doc = Document::new("fuzz", text);
    let mut at = 0;
    for s in segment::sentences(&doc.text) {
        assert_eq!(s.start, at);
        at = s.end;
        let (a, b) = doc.char_span(s.clone());
        assert_eq!(doc.byte_range(a, b).unwrap(), s);
    }
    assert_eq!(at, doc.text.len());
    for t in segment::tokens(&doc.text) {
        let (a, b) = doc.char_span(t.start..t.end);
        assert_eq!(doc.slice_chars(a, b).unwrap(), t.text(&doc.text));
    }
});
