use super::*;

/// Source spans of `t` at the first occurrence of each of `sources`.
fn spans(t: &str, sources: &[&str]) -> Vec<tagger::Span> {
    let span = |s: &&str| {
        let start = t.find(s).unwrap();
        tagger::Span { range: start..start + s.len(), role: tagger::Role::Source }
    };
    sources.iter().map(span).collect()
}

#[test]
fn pronouns_refer_to_the_nearest_proper_source_before_them_and_plurals_to_groups() {
    let t = "Ann Roe spoke first. Instead the Democrats met. Later Ann Roe and the \
             Democrats left. Instead was a word, as a Democrat said.";
    let spans = spans(t, &["Ann Roe", "Instead", "the Democrats"]);
    let a = Antecedents::new(t, &spans, &[]);
    let at = t.find("Later").unwrap();
    assert_eq!(a.rule(at, "he").as_deref(), Some("Democrats"), "nearest before");
    assert_eq!(a.rule(at, "they").as_deref(), Some("Democrats"), "a group");
    let at = t.find("Instead the").unwrap() + 1;
    assert_eq!(a.rule(at, "she").as_deref(), Some("Ann Roe"), "\"Instead\" opens sentences only");
    assert_eq!(a.rule(at, "their"), None, "no group before");
    let inside = inside_capitals(t);
    assert!(is_group(&inside, "Smith and Jones") && is_group(&inside, "officials"));
    assert!(is_group(&inside, "Democrats") && !is_group(&inside, "Mr. Ross"));
    assert!(!is_group(&inside, "Sanders") && !is_group(&inside, "Sanders’s"));
}

#[test]
fn named_sentence_subjects_are_pronoun_antecedents_of_last_resort() {
    let t = "Meanwhile the vote was close. Rakeyia Scott can be heard shouting. \
             Officials waited. \"Stop,\" she says. Scott left later, as Scott does.";
    let names: Vec<String> = subject_names(t).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["Rakeyia Scott", "Scott"], "{names:?}");
    let at = t.find("she says").unwrap();
    let subjects = subject_names(t);
    assert_eq!(last_subject(&subjects, at).map(|(_, n)| n).as_deref(), Some("Rakeyia Scott"));
    assert_eq!(last_subject(&subjects, 0), None, "nothing before the first sentence");
    let a = Antecedents::new(t, &[], &[]);
    assert_eq!(a.rule(at, "she").as_deref(), Some("Rakeyia Scott"));
    let spans = spans(t, &["Officials"]);
    let a = Antecedents::new(t, &spans, &[]);
    assert!(a.rule(at, "she").is_some());
    assert!(a.names.get().is_some(), "a pronoun looks at the sources");
    let a = Antecedents::new(t, &spans, &[]);
    assert_eq!(a.rule(at, "officials").as_deref(), Some("Rakeyia Scott"), "not a pronoun");
    assert!(a.names.get().is_none(), "sources are not read for another word");
}

#[test]
fn candidates_are_the_nearest_names_the_nearest_group_and_the_last_subject() {
    let t = "The Democrats met, a Democrat said. Ann Roe spoke. Bo Li spoke. Cy Ng spoke. \
             Di Wu spoke. Ed Yu spoke. Later the vote came. She left.";
    let spans = spans(t, &["The Democrats", "Ann Roe", "Bo Li", "Cy Ng", "Di Wu", "Ed Yu"]);
    let a = Antecedents::new(t, &spans, &[]);
    let at = t.find("She left").unwrap();
    let names: Vec<String> = a.candidates(at, "she").into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["Ed Yu", "Di Wu", "Cy Ng", "Bo Li", "Democrats"], "{names:?}");
    let c = a.candidates(at, "he");
    let group = c.iter().find(|c| c.name == "Democrats").unwrap();
    assert_eq!((group.x[2], group.x[8], group.x[9]), (1.0, 1.0, 0.0), "a group, not plural");
    assert_eq!((c[0].x[0], c[0].x[10], c[0].x[12]), (1.0, 0.0, 1.0), "nearest, a person");
    assert!(c[0].x[3] < group.x[3], "nearer");
}

#[test]
fn they_and_it_never_name_one_person_named_in_full() {
    let t = "The Democrats met, a Democrat said. Ann Roe spoke, and Congress voted. \
             Bo Li spoke. They left.";
    let spans = spans(t, &["The Democrats", "Ann Roe", "Congress", "Bo Li"]);
    let a = Antecedents::new(t, &spans, &[]);
    let at = t.find("They left").unwrap();
    let names =
        |w: &str| -> Vec<String> { a.candidates(at, w).into_iter().map(|c| c.name).collect() };
    assert_eq!(names("they"), ["Congress", "Democrats"]);
    assert_eq!(names("it"), ["Congress", "Democrats"]);
    assert_eq!(names("he"), ["Bo Li", "Congress", "Ann Roe", "Democrats"]);
    let they = a.candidates(at, "they");
    assert_eq!((they[1].x[2], they[1].x[9], they[0].x[10]), (1.0, 1.0, 1.0));
    assert!(agrees("we", "Ann Roe", false) && agrees("I", "Democrats", true));
}

#[test]
fn a_ranker_picks_its_best_candidate_and_an_invalid_one_falls_back_to_the_rule() {
    let t = "The Democrats met, a Democrat said. Ann Roe spoke. She left.";
    let spans = spans(t, &["The Democrats", "Ann Roe"]);
    let a = Antecedents::new(t, &spans, &[]);
    let at = t.find("She left").unwrap();
    let mut w = [0.0; N];
    w[8] = 5.0; // groups first
    let groups_first = Ranker::new(w);
    assert_eq!(a.resolve(at, "she", Some(&groups_first)).as_deref(), Some("Democrats"));
    assert_eq!(a.resolve(at, "she", None).as_deref(), Some("Ann Roe"));
    let mut broken = groups_first.clone();
    broken.weights.pop();
    assert!(!broken.is_valid());
    assert_eq!(a.resolve(at, "she", Some(&broken)).as_deref(), Some("Ann Roe"));
}

#[test]
fn the_ranker_looks_at_a_bounded_window_of_names_and_the_rule_at_all() {
    let mut t = String::from("The Democrats met, a Democrat said. ");
    let names: Vec<String> = (0..WINDOW + 10).map(|i| format!("Ann Roe{i}")).collect();
    for n in &names {
        t.push_str(&format!("{n} spoke. "));
    }
    t.push_str("They left.");
    let mut sources = vec!["The Democrats"];
    sources.extend(names.iter().map(String::as_str));
    let spans = spans(&t, &sources);
    let a = Antecedents::new(&t, &spans, &[]);
    let at = t.find("They left").unwrap();
    assert!(a.candidates(at, "they").is_empty(), "the group is beyond the window");
    assert_eq!(a.rule(at, "they").as_deref(), Some("Democrats"));
    assert_eq!(a.candidates(at, "she").len(), 4);
}
