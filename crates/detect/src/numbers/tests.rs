use super::*;

fn quantities(text: &str) -> Vec<(String, f64, Option<String>, Kind)> {
    extract(text)
        .into_iter()
        .map(|q| (text[q.range.clone()].to_string(), q.value, q.unit, q.kind))
        .collect()
}

fn verdicts(text: &str) -> Vec<&'static str> {
    check(text, &extract(text)).into_iter().map(|c| c.verdict.name()).collect()
}

#[test]
fn extraction_table() {
    let q = quantities("Exports reached 2,460 tonnes in 2021, five times the 512 of 2017.");
    let texts: Vec<&str> = q.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(texts, ["2,460", "2021", "five times", "512", "2017"]);
    assert_eq!(q[0].1, 2460.0);
    assert_eq!(q[0].2.as_deref(), Some("tonnes"));
    assert_eq!(q[1].3, Kind::Year);
    assert_eq!(q[2].3, Kind::Multiplier);
    assert_eq!(q[3].2.as_deref(), Some("tonnes"), "a bare number inherits the unit before it");

    for (text, span, value, unit, kind) in [
        ("It cost $3.5 billion.", "$3.5 billion", 3.5e9, Some("USD"), Kind::Money),
        ("A fine of €20m was paid.", "€20m", 2e7, Some("EUR"), Kind::Money),
        ("Turnout was 61.5%.", "61.5%", 61.5, Some("%"), Kind::Percent),
        ("About 40 percent agreed.", "About 40 percent", 40.0, Some("%"), Kind::Percent),
        ("nearly 40 acres of wetland", "nearly 40", 40.0, Some("acres"), Kind::Cardinal),
        ("more than 2 000 cases", "more than 2 000", 2000.0, Some("cases"), Kind::Cardinal),
        ("forty-one senators voted", "forty-one", 41.0, Some("senators"), Kind::Cardinal),
        (
            "two hundred and five votes",
            "two hundred and five",
            205.0,
            Some("votes"),
            Kind::Cardinal,
        ),
        ("about a dozen ships", "about a dozen", 12.0, Some("ships"), Kind::Cardinal),
        ("half of the voters", "half", 0.5, None, Kind::Fraction),
        ("a third of the budget", "a third", 1.0 / 3.0, None, Kind::Fraction),
        ("two-thirds of members", "two-thirds", 2.0 / 3.0, None, Kind::Fraction),
        ("in the third round", "third", 3.0, Some("round"), Kind::Ordinal),
        ("prices doubled", "doubled", 2.0, None, Kind::Multiplier),
        ("a 3x rise", "3x", 3.0, None, Kind::Multiplier),
        ("On March 3, 2021 it began.", "March 3, 2021", 2021.0, Some("date"), Kind::Date),
    ] {
        let q = quantities(text);
        let hit = q.iter().find(|x| x.0 == span).unwrap_or_else(|| panic!("{text}: {q:?}"));
        assert!((hit.1 - value).abs() < 1e-9, "{text}: {hit:?}");
        assert_eq!(hit.2.as_deref(), unit, "{text}");
        assert_eq!(hit.3, kind, "{text}");
    }
    let r = quantities("between 10–15 people");
    assert_eq!(r[0].0, "10–15");
    assert_eq!(extract("between 10–15 people")[0].high, Some(15.0));
    assert!(
        quantities("No one came, and one day they left.").is_empty(),
        "bare 'one' is not counted"
    );
    assert_eq!(quantities("She ran three times a week.")[0].3, Kind::Cardinal);
}

#[test]
fn checks_table() {
    for (text, want) in [
        ("Exports reached 2,460 tonnes in 2021, five times the 512 of 2017.", vec!["consistent"]),
        ("Exports reached 2,460 tonnes in 2021, seven times the 512 of 2017.", vec!["inconsistent"]),
        ("They promised 400 new jobs then; the garage created 52. Now they promise 1,200 jobs, more than twenty times what they delivered.", vec!["consistent"]),
        ("Traffic rose from 12,000 cars a day in 2015 to 18,000 in 2023, a 50% increase.", vec!["consistent"]),
        ("Traffic rose from 12,000 cars a day in 2015 to 18,000 in 2023, a 70% increase.", vec!["inconsistent"]),
        ("Sales fell by 25% from 800 units to 600.", vec!["consistent"]),
        ("The price doubled from $4 to $12.", vec!["inconsistent"]),
        ("The price doubled from $4 to $9.", vec!["consistent"]),
        ("Membership doubled from 150 to 310.", vec!["consistent"]),
        ("Three out of four voters, or 75%, agreed.", vec!["consistent"]),
        ("Wages are five times higher than before.", vec!["unverifiable"]),
        ("The city spent $2 million on roads, $3 million on parks and $4 million on schools, a total of $9 million.", vec!["consistent"]),
        ("The city spent $2 million on roads and $3 million on parks, a total of $6 million.", vec!["inconsistent"]),
        ("He ruled from 1990 to 2002, for twelve years.", vec!["consistent"]),
    ] {
        assert_eq!(verdicts(text), want, "{text}");
    }
}

#[test]
fn spans_slice_the_text() {
    let text = "Über 😀 nearly 40 acres, $3.5 billion, 61.5% and forty-one senators\r\nin 2019.";
    let doc = unspin_text::Document::new("n", text.to_string());
    let (numbers, _) = analyze(&doc);
    assert!(numbers.len() >= 5);
    for n in numbers {
        assert_eq!(doc.slice_chars(n.start, n.end).unwrap(), n.text);
    }
}

/// Issue 18: signs, leading decimal points, units glued to digits, currency codes and
/// prefixed symbols; digits inside identifiers are not quantities.
#[test]
fn signs_decimals_glued_units_and_currency_codes() {
    for (text, span, value, unit) in [
        ("Output fell -1.3% in May.", "-1.3%", -1.3, Some("%")),
        ("A dose of .25 grams.", ".25", 0.25, Some("grams")),
        ("Pour 180ml of milk.", "180ml", 180.0, Some("ml")),
        ("It weighs 200lbs.", "200lbs", 200.0, Some("lbs")),
        ("Funding of AUD1.5m was cut.", "AUD1.5m", 1.5e6, Some("AUD")),
        ("A bill of US$63,874 was sent.", "US$63,874", 63874.0, Some("USD")),
        ("They paid $ 94,000 for it.", "$ 94,000", 94000.0, Some("USD")),
    ] {
        let q = quantities(text);
        assert_eq!(q.len(), 1, "{text}: {q:?}");
        assert_eq!((q[0].0.as_str(), q[0].1, q[0].2.as_deref()), (span, value, unit), "{text}");
    }
    for text in ["It ended at 17:22 on Monday.", "Doors open 9:05:30 sharp."] {
        assert!(quantities(text).is_empty(), "{text}: {:?}", quantities(text));
    }
    let ratio = quantities("They won by a 3:1 margin.");
    assert_eq!(ratio.len(), 2, "a ratio's sides stay quantities: {ratio:?}");
    for text in ["The A380 landed.", "Post-9/11 rules.", "The COVID-19 wave."] {
        let q = quantities(text);
        assert!(q.iter().all(|x| x.0 != "380" && x.0 != "9" && x.0 != "19"), "{text}: {q:?}");
    }
    assert_eq!(units::canonical("ml"), units::canonical("Milliliter"));
    let q = quantities("Some twenty percent agreed, forty per cent did not.");
    let got: Vec<_> = q.iter().map(|x| (x.0.as_str(), x.1, x.2.as_deref(), x.3)).collect();
    assert_eq!(
        got,
        [
            ("Some twenty percent", 20.0, Some("%"), Kind::Percent),
            ("forty per cent", 40.0, Some("%"), Kind::Percent)
        ]
    );
}

#[test]
fn range_ends_make_one_quantity() {
    let one = |text: &str| {
        let qs = extract(text);
        assert_eq!(qs.len(), 1, "{text}: {qs:?}");
        let q = qs.into_iter().next().unwrap();
        (text[q.range.clone()].to_string(), q.value, q.high, q.unit, q.kind)
    };
    let (span, low, high, unit, kind) = one("Between 3 and 5 per cent agreed.");
    assert_eq!((span.as_str(), low, high), ("3 and 5 per cent", 3.0, Some(5.0)));
    assert_eq!((unit.as_deref(), kind), (Some("%"), Kind::Percent), "the low end takes the unit");
    let (span, low, high, unit, _) = one("It will cost $2 to $3 million.");
    assert_eq!((span.as_str(), low, high), ("$2 to $3 million", 2e6, Some(3e6)), "scale shared");
    assert_eq!(unit.as_deref(), Some("USD"));
    let (_, low, high, unit, _) = one("Some 30 to 40 people came.");
    assert_eq!((low, high, unit.as_deref()), (30.0, Some(40.0), Some("people")));
    // A change keeps its two operands, and a range is no operand of a check.
    let qs = extract("Sales rose from 300 to 360 tonnes, between 15 and 25 percent.");
    assert_eq!(qs.iter().filter(|q| q.high.is_none()).count(), 2, "{qs:?}");
    assert!(verdicts("Sales rose from 300 to 360 tonnes, between 15 and 25 percent.").is_empty());
    // Not ranges: "and" without "between", a falling pair.
    assert_eq!(extract("It has 3 rooms and 5 doors.").len(), 2);
    assert_eq!(extract("The score went 5 to 3.").len(), 2);
}

#[test]
fn what_a_quantity_counts_and_its_canonical_unit() {
    let of = |text: &str| extract(text).into_iter().map(|q| q.of).collect::<Vec<_>>();
    assert_eq!(of("It shipped 40 million tonnes of wheat in May."), [Some("wheat".to_string())]);
    assert_eq!(of("About 40% of voters said no."), [Some("voters".to_string())]);
    assert_eq!(of("Some 12% of the adult population."), [Some("the adult population".into())]);
    assert_eq!(of("5% of 40 people"), [None, None], "a number is not what is counted");
    assert_eq!(units::canonical("USD"), "dollar");
    assert_eq!(units::canonical("tonnes"), "tonne");
    assert_eq!(units::canonical("%"), "percent");
}

#[test]
fn a_multiple_finds_its_operands_in_neighbouring_sentences_by_year() {
    let t = "Exports reached 5,200 tonnes in 2021. That is four times the 2017 level. \
             In 2017 they were 1,250 tonnes.";
    let checks = check(t, &extract(t));
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert_eq!(checks[0].verdict.name(), "consistent");
    let e = &checks[0].explanation;
    assert!(e.contains("5,200 (the sentence before)") && e.contains("1,250 (the sentence after)"));
    let wrong = t.replace("four times", "ten times");
    assert_eq!(verdicts(&wrong), ["inconsistent"]);
    // Without a year to link them the multiple stays unverifiable.
    let unlinked = "Exports reached 5,200 tonnes. That is four times the old level. \
                    They were 1,250 tonnes.";
    assert_eq!(verdicts(unlinked), ["unverifiable"]);
}

#[test]
fn fractions_mixed_numbers_decimals_and_signs_in_words_and_digits() {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
    for (text, span, value, kind) in [
        ("Two-thirds of members voted.", "Two-thirds", 2.0 / 3.0, Kind::Fraction),
        ("It took three fifths of the budget.", "three fifths", 0.6, Kind::Fraction),
        ("Only one eighth of it was spent.", "one eighth", 0.125, Kind::Fraction),
        ("A tenth of the staff left.", "A tenth", 0.1, Kind::Fraction),
        ("Nine-tenths of it came back.", "Nine-tenths", 0.9, Kind::Fraction),
        ("The trip took one and a half hours.", "one and a half", 1.5, Kind::Cardinal),
        (
            "Some two and a half million people",
            "Some two and a half million",
            2.5e6,
            Kind::Cardinal,
        ),
        ("It grew by five point two units.", "five point two", 5.2, Kind::Cardinal),
        ("It was minus four outside.", "minus four", -4.0, Kind::Cardinal),
        ("Lows of minus 5 degrees.", "minus 5", -5.0, Kind::Cardinal),
        ("He ate half a dozen eggs.", "half a dozen", 6.0, Kind::Cardinal),
        ("They sold 3 dozen eggs.", "3 dozen", 36.0, Kind::Cardinal),
        ("Add 3/4 of the flour.", "3/4", 0.75, Kind::Fraction),
        ("It is 2 1/4 miles long.", "2 1/4", 2.25, Kind::Cardinal),
        ("A deal worth $1.2b was signed.", "$1.2b", 1.2e9, Kind::Money),
        ("The field measured 1.3e6 units.", "1.3e6", 1.3e6, Kind::Cardinal),
    ] {
        let q = quantities(text);
        assert_eq!(q.len(), 1, "{text}: {q:?}");
        assert_eq!(q[0].0, span, "{text}");
        assert!(close(q[0].1, value), "{text}: {} for {value}", q[0].1);
        assert_eq!(q[0].3, kind, "{text}");
    }
    // Ordinals, identifiers and times stay what they are.
    let q = quantities("She won a fifth term.");
    assert_eq!((q[0].0.as_str(), q[0].3), ("fifth", Kind::Ordinal), "{q:?}");
    for text in ["After 9/11 it changed.", "Open 24/7 now.", "Due 3/4/2020 at noon."] {
        assert!(quantities(text).iter().all(|x| x.3 != Kind::Fraction), "{text}");
    }
    assert!(quantities("Dozens of people came.").is_empty());
    assert!(quantities("It took two seconds.").iter().all(|x| x.1 == 2.0));
}

#[test]
fn idioms_are_not_multipliers_and_word_order_does_not_invert_a_ratio() {
    for text in [
        "The mayor doubled down on his plan for 40 new parks.",
        "She doubled-down on the claim.",
        "The hall doubled as a shelter for 300 people.",
    ] {
        let q = quantities(text);
        assert!(q.iter().all(|x| x.3 != Kind::Multiplier), "{text}: {q:?}");
    }
    assert_eq!(
        verdicts(
            "On average 10 percent of members were undecided, but the share is nearly twice \
             as high in the north at 19 percent."
        ),
        ["consistent"]
    );
    assert_eq!(
        verdicts("Imports reached 2,460 tonnes, five times the 512 of 2017."),
        ["consistent"]
    );
    assert_eq!(
        verdicts("Imports reached 2,460 tonnes, seven times the 512 of 2017."),
        ["inconsistent"]
    );
}

#[test]
fn a_change_between_two_percentages_is_read_relative_or_in_points() {
    assert_eq!(verdicts("The jobless rate fell 21%, from 3.8% to 3.0%."), ["consistent"]);
    assert_eq!(verdicts("Support rose 6 percent, from 40 percent to 46 percent."), ["consistent"]);
    assert_eq!(verdicts("The jobless rate fell 40%, from 3.8% to 3.0%."), ["inconsistent"]);
}

#[test]
fn a_change_stated_without_its_numbers_is_unverifiable_and_a_level_is_no_change() {
    assert_eq!(verdicts("Sales were up 31 percent from a year earlier."), ["unverifiable"]);
    assert_eq!(verdicts("The board reported a 30% decline."), ["unverifiable"]);
    assert!(verdicts("Turnout was 61.5% in 2019, down from 68% in 2015.").is_empty());
    assert!(verdicts("The rate fell to 5 percent in May.").is_empty());
}

#[test]
fn double_before_what_it_doubles_is_a_multiplier() {
    let q = quantities("It raised about double what she expected.");
    assert!(q.iter().any(|x| x.0 == "double" && x.3 == Kind::Multiplier), "{q:?}");
    for text in ["That is a double standard.", "A double-digit lead."] {
        assert!(quantities(text).iter().all(|x| x.3 != Kind::Multiplier), "{text}");
    }
    assert_eq!(
        verdicts("Ratings were 57 percent higher and 50 percent more."),
        ["unverifiable", "unverifiable"]
    );
}

/// The report's unit is a unit only: multi-word units by the grammar, counted nouns in
/// `of`, a unit carried across a sentence not claimed.
#[test]
fn report_units_are_units_and_counted_nouns_are_what_is_counted() {
    let report = |text: &str| {
        let doc = unspin_text::Document::new("t".to_string(), text.to_string());
        super::analyze(&doc).0
    };
    let cases = [
        ("The farm covers 660 square meters.", "660", Some("square metre"), None),
        ("It flew at 188 miles an hour.", "188", Some("mile per hour"), None),
        ("They shipped 16,000 metric tons.", "16,000", Some("tonne"), None),
        ("She led by 9 percentage points.", "9", Some("point"), None),
        ("It was 40 degrees celsius.", "40", Some("celsius"), None),
        ("The firm paid 420 million Finnish markka.", "420 million", Some("markka"), None),
        ("He is 44 years old.", "44", Some("year"), None),
        ("The mayor hired 400 new workers.", "400", None, Some("workers")),
        ("It was a 60-day notice.", "60", Some("day"), None),
    ];
    for (text, span, unit, of) in cases {
        let ns = report(text);
        let n = ns.iter().find(|n| n.text == span).unwrap_or_else(|| panic!("{text}: {ns:?}"));
        assert_eq!(n.unit_name.as_deref(), unit, "{text}");
        assert_eq!(n.of.as_deref(), of, "{text}");
    }
    let money = report("It raised 361 million pounds, and the bag weighs 25 pounds.");
    assert_eq!(money[0].unit_name.as_deref(), Some("pound sterling"), "{money:?}");
    assert_eq!(money[1].unit_name.as_deref(), Some("pound"), "a weight without a scale word");
    let carried = report("Exports reached 2,460 tonnes in 2021, five times the 512 of 2017.");
    let n512 = carried.iter().find(|n| n.text == "512").expect("512");
    assert_eq!(n512.unit, None, "a unit carried across the sentence is not claimed");
    let listed = report("The walls were 6, 8 or 10 feet tall.");
    assert!(listed.iter().all(|n| n.unit_name.as_deref() == Some("foot")), "{listed:?}");
    let cents = report("It only cost 3 dollars 50 cents.");
    assert_eq!((cents.len(), cents[0].value), (1, 3.5), "{cents:?}");
}

/// Identifiers, labels, times of day and abbreviated dates are not quantities.
#[test]
fn identifiers_labels_times_and_dates_are_not_counts() {
    for text in [
        "He told Fox 35 in Orlando.",
        "Read part 2 here.",
        "See week 2 of the course.",
        "The group Ginbot 7 was founded abroad.",
        "It happened after 9/11.",
        "The vote is at 5 p.m. on Friday.",
        "Post id 758857128652046336 was removed.",
        "See https://t.co/92mOg1XNqu now.",
    ] {
        let q = quantities(text);
        assert!(q.iter().all(|x| x.3 == Kind::Date || x.3 == Kind::Year), "{text}: {q:?}");
        assert!(q.iter().all(|x| x.3 != Kind::Cardinal), "{text}: {q:?}");
    }
    let q = quantities("He was buried on Sept. 3, 1963, in Ohio.");
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!((q[0].0.as_str(), q[0].3), ("Sept. 3, 1963", Kind::Date));
    // A sentence-opening capital and a function word do not make a label.
    assert_eq!(quantities("In 40 states, 12 voted.").len(), 2);
    // A unit glued to the digits is a unit, letters that are none make an identifier.
    assert_eq!(quantities("A 3D film and a 24703L202 part.").len(), 0);
    assert_eq!(quantities("It is 24703m2 of land.")[0].2.as_deref(), Some("m2"));
}

/// Shares and changes stated without their operands are unverifiable checks; a change
/// whose base is in the sentence before is checked against it.
#[test]
fn shares_changes_and_bases_across_sentences() {
    assert_eq!(verdicts("About two-thirds of the members said yes."), ["unverifiable"]);
    assert_eq!(verdicts("The city cut emissions by a third."), ["unverifiable"]);
    assert_eq!(verdicts("Support is about 10 points higher than in 2004."), ["unverifiable"]);
    assert_eq!(verdicts("Speed improves about 10 fold."), ["unverifiable"]);
    assert_eq!(
        verdicts("Only 367,491 people voted. That is down 16 percent from the 436,219 of 2008."),
        ["consistent"]
    );
    assert_eq!(
        verdicts("Of the 300 members, 200 members voted yes: two-thirds of the 300 members."),
        ["consistent"]
    );
    // A guessed operand that does not fit leaves the claim unverifiable, not inconsistent.
    assert_eq!(
        verdicts(
            "Trade declined 40 percent, to $5.4 billion, a quarter of 1 percent of the total."
        ),
        ["unverifiable", "unverifiable"]
    );
    // Periods are not shares.
    assert!(verdicts("It ends in the second half of July.").is_empty());
}

/// Number words: mixed numbers split at their last "and", "point" with a two-digit word,
/// "nought", "one" before a unit; currency signs after the digits.
#[test]
fn mixed_numbers_decimals_in_words_and_currency_signs() {
    for (text, value) in [
        ("one hundred and three quarters", 100.75),
        ("twenty and three fifths", 20.6),
        ("two hundred point seventy-one", 200.71),
        ("nine point nought four", 9.04),
        ("It closed one penny lower.", 1.0),
        ("It costs 100₹ here.", 100.0),
    ] {
        let q = quantities(text);
        assert_eq!(q.len(), 1, "{text}: {q:?}");
        assert!((q[0].1 - value).abs() < 1e-9, "{text}: {q:?}");
    }
    assert_eq!(quantities("It costs 100₹ here.")[0].3, Kind::Money);
    assert!(quantities("At one point, one day, they left.").is_empty(), "idioms");
    assert_eq!(extract("either 10 bln or 10 tln").len(), 2, "two scales are two amounts");
}

/// A multiplier whose operands both follow it: consistent when they fit, never
/// inconsistent on that guess.
#[test]
fn multiplier_operands_after_it_are_a_guess() {
    let fits = "About twice as many said yes (65%) as said no (31%).";
    assert_eq!(verdicts(fits), ["consistent"]);
    let misfit = "About twice as many said yes (45%) as said no (41%).";
    assert_eq!(verdicts(misfit), ["unverifiable"]);
}

/// "up to" after a verb in -ed is a direction; "made up" a share, not a change.
#[test]
fn direction_and_phrasal_up_are_not_bounds_or_changes() {
    let q = extract("Employment ticked up to 102.9 in May.");
    assert_eq!(q[0].approx, None, "{q:?}");
    assert_eq!(extract("It will cost up to 500 dollars.")[0].approx.as_deref(), Some("up to"));
    assert!(verdicts("Whites made up just 36 percent of the electorate.").is_empty());
    assert_eq!(verdicts("Prices went up 36 percent."), ["unverifiable"]);
    assert_eq!(
        verdicts("The count was set at 100.0 in January and ticked up to 102.9 in May, an increase of 2.9%."),
        ["consistent"]
    );
}

/// Digits glued to long letter runs read no unit word further than a unit can be long: a
/// text of "5a5a5a…" is extracted in linear time (this test would take minutes if not).
#[test]
fn long_glued_runs_stay_linear() {
    let text = "5a".repeat(100_000);
    let q = extract(&text);
    assert!(q.len() <= 1, "identifiers, not quantities: {}", q.len());
    assert_eq!(units::read("km2 of land"), Some((3, "square kilometre".into())));
}

/// A pair that is no range keeps both numbers; a year's short end is no number.
#[test]
fn a_falling_pair_keeps_both_ends() {
    let q = quantities("Trump leads 42%-32.7% in the average.");
    let got: Vec<_> = q.iter().map(|x| (x.0.as_str(), x.1)).collect();
    assert_eq!(got, [("42%", 42.0), ("32.7%", 32.7)]);
    let season = quantities("The 2015-16 season ended.");
    assert_eq!(season.len(), 1, "{season:?}");
}

#[test]
fn compound_ordinal_denominators_ratios_powers_and_chained_scales() {
    for (text, span, value, kind) in [
        ("They kept three twenty-firsts of it.", "three twenty-firsts", 3.0 / 21.0, Kind::Fraction),
        ("a twenty-first of the pie", "a twenty-first", 1.0 / 21.0, Kind::Fraction),
        ("one one hundred fifth", "one one hundred fifth", 1.0 / 105.0, Kind::Fraction),
        ("one hundred thirty fifths", "one hundred thirty fifths", 100.0 / 35.0, Kind::Fraction),
        ("ninety-five hundred fifths", "ninety-five hundred fifths", 1900.0, Kind::Fraction),
        ("minus two thirty-fifths", "minus two thirty-fifths", -2.0 / 35.0, Kind::Fraction),
        ("in the twenty-first century", "twenty-first", 21.0, Kind::Ordinal),
        ("The odds were one over three.", "one over three", 1.0 / 3.0, Kind::Fraction),
        ("2000 over 3", "2000 over 3", 2000.0 / 3.0, Kind::Fraction),
        ("only one out of four, then", "one out of four", 0.25, Kind::Fraction),
        ("It grew by 1.1^23 here.", "1.1^23", 1.1f64.powi(23), Kind::Cardinal),
        ("-2.5^-1", "-2.5^-1", -0.4, Kind::Cardinal),
        ("three hundred and two dozen eggs", "three hundred and two dozen", 324.0, Kind::Cardinal),
        ("The total is three lakh crore", "three lakh crore", 3e12, Kind::Cardinal),
        (
            "one hundred and three and two thirds",
            "one hundred and three and two thirds",
            103.0 + 2.0 / 3.0,
            Kind::Cardinal,
        ),
    ] {
        let q = quantities(text);
        let hit = q.iter().find(|x| x.0 == span).unwrap_or_else(|| panic!("{text}: {q:?}"));
        assert!((hit.1 - value).abs() < 1e-9 * value.abs().max(1.0), "{text}: {hit:?}");
        assert_eq!(hit.3, kind, "{text}");
    }
    // Not fractions: a time, an ordinal without a determiner, counts over a span of time,
    // the part and the whole of a counted noun, a dotted address.
    assert_eq!(quantities("It took twenty seconds.")[0].0, "twenty");
    assert!(quantities("They celebrated twenty-first birthdays.").is_empty());
    let q = quantities("I earned $2000 over 3 years.");
    assert_eq!(q.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), ["$2000", "3"]);
    let q = quantities("Three out of four voters agreed.");
    assert_eq!(q.iter().map(|x| x.1).collect::<Vec<_>>(), [3.0, 4.0]);
    assert!(quantities("Ping 192.168.1.2 now.").is_empty());
}

#[test]
fn over_after_a_count_divides_and_after_a_person_bounds() {
    let q = quantities("No one over 30 was hired.");
    assert_eq!((q[0].0.as_str(), q[0].1), ("over 30", 30.0));
    let q = quantities("Stocks rose over 5 points.");
    assert_eq!(q[0].0, "over 5");
}

#[test]
fn units_in_brackets_after_fractions_and_of_size_and_cents_without_the_word() {
    for (text, value, unit) in [
        ("The weight is 20 (kg) in all.", 20.0, "kilogram"),
        ("The load was 20 [kg].", 20.0, "kilogram"),
        ("a 1/4 mile paved oval", 0.25, "mile"),
        ("I'm 1.8m tall.", 1.8, "metre"),
        ("It was 100.2 degrees farenheit.", 100.2, "fahrenheit"),
        ("It cost thirteen dollars forty five", 13.45, "dollar"),
        ("The book is 100 ₡ now.", 100.0, "colón"),
    ] {
        let q = extract(text);
        let hit = q.iter().find(|q| (q.value - value).abs() < 1e-9);
        let hit = hit.unwrap_or_else(|| panic!("{text}: {q:?}"));
        assert_eq!(hit.unit.as_deref().map(units::canonical).as_deref(), Some(unit), "{text}");
        assert_eq!(&text[hit.range.clone()], text[hit.range.clone()].trim(), "{text}");
    }
    // Millions stay millions; a bracket holding more than a unit is no unit.
    assert_eq!(extract("It raised $1.8m last year.")[0].value, 1.8e6);
    assert_eq!(extract("He scored 20 (in 2019).")[0].unit, None);
}

#[test]
fn powers_too_large_for_a_number_are_no_quantity() {
    assert!(extract("9^999 and 1e308^9").iter().all(|q| q.value.is_finite()));
}

#[test]
fn a_list_unit_reaches_only_numbers_joined_to_it() {
    let q = extract("just 61 percent of voters were 45 or older, 72 percent were white");
    let age = q.iter().find(|q| q.value == 45.0).unwrap();
    assert_eq!(age.unit, None, "{q:?}");
    let q = extract("walls 6, 8 or 10 feet tall");
    assert!(q.iter().all(|q| q.unit.as_deref() == Some("feet")), "{q:?}");
}

#[test]
fn a_long_run_of_number_words_before_an_ordinal_stays_linear() {
    // Quadratic before the numerator search was bounded: 100,000 words took minutes.
    let text = "one ".repeat(100_000) + "twenty-firsts of it.";
    assert!(extract(&text).iter().all(|q| q.kind != Kind::Fraction));
}

#[test]
fn over_after_a_year_stays_a_bound() {
    let q = quantities("In 2019 over 300 people died.");
    assert_eq!(q.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), ["2019", "over 300"]);
}

/// A quantity that runs past the end of its sentence ("1\r%": the percent sign after a
/// line break) is checked without slicing outside the text it was found in (a fuzzer's
/// find).
#[test]
fn a_quantity_past_its_sentence_end_is_checked_without_a_panic() {
    for text in ["\u{11}/!1\r%", "Prices rose 1\r% and 2\n%."] {
        let qs = extract(text);
        for c in check(text, &qs) {
            assert!(c.verdict.name().len() > 1, "{text:?}");
        }
    }
}
