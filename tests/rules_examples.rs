//! Every built-in rule proves itself on its own examples: each positive example yields exactly one
//! finding of that rule at its confidence, and no negative example is reported at that confidence.

use keyhound::{app::rules_check, rules::RuleSet};

#[test]
fn every_builtin_rule_passes_its_own_examples() {
    let set = RuleSet::builtin().expect("built-in rules parse");
    let failures = rules_check(&set).expect("built-in rules compile");
    assert!(
        failures.is_empty(),
        "rule example failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_builtin_rule_has_examples_and_a_rotation_url() {
    let set = RuleSet::builtin().unwrap();
    assert!(!set.rules.is_empty());
    for r in &set.rules {
        assert!(!r.examples.is_empty(), "{} has no examples", r.id);
        assert!(
            !r.negative_examples.is_empty(),
            "{} has no negative examples",
            r.id
        );
        assert!(
            r.rotation_url.starts_with("https://"),
            "{}: rotation_url",
            r.id
        );
    }
}
