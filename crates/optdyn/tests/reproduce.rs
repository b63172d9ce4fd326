//! Every reproduction target runs and every number it checks against the papers, the research
//! notes or a closed form is within its stated tolerance.

use optdyn::experiments::reproduce::targets;

#[test]
fn every_reproduced_number_is_within_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut checks = 0;
    for t in targets() {
        let rep = (t.run)(&dir.path().join(t.name)).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert!(!rep.checks.is_empty(), "{} checks nothing", t.name);
        checks += rep.checks.len();
        for f in &rep.files {
            assert!(f.exists(), "{}: {} missing", t.name, f.display());
        }
        if !rep.passed() {
            failures.push(format!("{}\n{}", t.name, rep.table()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checks >= 90, "only {checks} checks");
}
