use crate::hay;
use crate::util::{stderr, stdout, Dir};

#[test]
fn fills_the_template_in_order_with_distinct_duplicates() {
    let d = Dir::new();
    d.create("article7.txt", hay::OPINION);
    // "disgraceful" is chars 5..16; listed twice, it must get two distinct techniques.
    d.create("t.labels", "7\t?\t5\t16\n7\t?\t0\t4\n7\t?\t5\t16\n");
    let o = d.run(&["classify", "--spans", "t.labels", "article7.txt"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Vec<String>> =
        stdout(&o).lines().map(|l| l.split('\t').map(String::from).collect()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!((lines[0][2].as_str(), lines[0][3].as_str()), ("5", "16"));
    assert_eq!((lines[1][2].as_str(), lines[1][3].as_str()), ("0", "4"));
    assert_ne!(lines[0][1], lines[2][1], "same-span duplicates get distinct techniques");
    assert!(lines.iter().all(|l| l[1] != "?"));
}

#[test]
fn unknown_ids_bad_offsets_and_malformed_lines() {
    let d = Dir::new();
    d.create("article7.txt", hay::OPINION);
    d.create("a.labels", "8\t?\t0\t4\n");
    let o = d.run(&["classify", "--spans", "a.labels", "article7.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("names article \"8\""), "{}", stderr(&o));
    d.create("b.labels", "7\t?\t0\t99999\n");
    let o = d.run(&["classify", "--spans", "b.labels", "article7.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("do not fit a text"), "{}", stderr(&o));
    d.create("c.labels", "7\t?\t0\t4\n7\t?\t4\n");
    let o = d.run(&["classify", "--spans", "c.labels", "article7.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("c.labels:2: expected 4 TAB-separated fields"), "{}", stderr(&o));
}
