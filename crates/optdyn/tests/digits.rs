//! `data=digits` (the embedded 8×8 handwritten digits) and the `gould-tanaka-digits` target.

use optdyn::experiments::digits::DigitsConfig;
use optdyn::experiments::reproduce::gould_tanaka_digits::{run_with, CLASS_COUNTS};
use optdyn::objective::data::{build_mlp, digits, Dataset};
use optdyn::spec::Spec;

fn mlp_data(spec: &str) -> optdyn::Result<Dataset> {
    Ok(build_mlp(&Spec::parse(spec)?, 0)?.data().clone())
}

#[test]
fn the_embedded_data_are_the_uci_test_set() {
    let d = digits::load().unwrap();
    assert_eq!((d.n, d.d, d.k, d.classes), (1797, 64, 1, Some(10)));
    let mut counts = [0usize; 10];
    d.y.iter().for_each(|c| counts[*c as usize] += 1);
    assert_eq!(counts, CLASS_COUNTS);
    assert!(d
        .x
        .iter()
        .all(|p| (0.0..=1.0).contains(p) && (p * 16.0).fract() == 0.0));
    assert_eq!(d.x.iter().cloned().fold(0.0, f64::max), 1.0);
    // First row of the file: 0,0,5,13,9,1,0,0,… label 0.
    assert_eq!(&d.row(0)[..4], &[0.0, 0.0, 5.0 / 16.0, 13.0 / 16.0]);
    assert_eq!(d.y[0], 0.0);
}

#[test]
fn the_split_is_stratified_disjoint_and_deterministic() {
    let all = digits::load().unwrap();
    let test = digits::test_indices(&all, 0.3, 0);
    assert_eq!(test, digits::test_indices(&all, 0.3, 0));
    assert_ne!(test, digits::test_indices(&all, 0.3, 1));
    assert!(test.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
    let mut per = [0usize; 10];
    test.iter().for_each(|&i| per[all.y[i] as usize] += 1);
    for (c, n) in CLASS_COUNTS.iter().enumerate() {
        assert_eq!(per[c], (0.3 * *n as f64).round() as usize, "class {c}");
    }
    let tr = mlp_data("mlp:data=digits,split=train,widths=64;8;10").unwrap();
    let te = mlp_data("mlp:data=digits,split=test,widths=64;8;10").unwrap();
    assert_eq!((tr.n, te.n), (1797 - test.len(), test.len()));
    assert_eq!(te, digits::subset(&all, &test));
    // The train rows are exactly the complement of the test indices.
    let rest: Vec<usize> = (0..all.n)
        .filter(|i| test.binary_search(i).is_err())
        .collect();
    assert_eq!(tr, digits::subset(&all, &rest));
    let all_spec = mlp_data("mlp:data=digits,widths=64;8;10").unwrap();
    assert_eq!(all_spec, all);
}

#[test]
fn bad_digits_keys_are_refused_by_name() {
    for (spec, needle) in [
        (
            "mlp:data=digits,split=val",
            "split must be train, test or all",
        ),
        (
            "mlp:data=digits,split=train,test_frac=1",
            "test_frac must lie in (0, 1)",
        ),
        (
            "mlp:data=digits,test_frac=0",
            "test_frac must lie in (0, 1)",
        ),
        (
            "mlp:data=digits,split=test,test_frac=0.001",
            "leaves the test part empty",
        ),
        ("mlp:data=digits,widths=2;8;10", "input dimension 64"),
        ("logistic:data=digits", "only available to mlp"),
        ("mlp:data=moons,split=train", "split"),
    ] {
        let err = Spec::parse(spec)
            .and_then(|s| optdyn::objective::from_spec(&s, 1))
            .err()
            .unwrap_or_else(|| panic!("{spec} accepted"))
            .to_string();
        assert!(err.contains(needle), "{spec}: {err}");
    }
}

/// The target on a reduced configuration (2 learning rates, 3 seeds, 200 steps, a 3 × 2 grid):
/// its checks pass, it writes its files, and its tables have one row per arm × lr / grid pair.
#[test]
fn target_runs_and_writes_its_files() {
    let cfg = DigitsConfig {
        net: "widths=64;16;10,act=tanh".into(),
        lrs: vec![3e-3, 1e-2],
        steps: 200,
        every: 20,
        seeds: vec![0, 1, 2],
        grid_beta1: vec![0.0, 0.9, 0.99],
        grid_beta2: vec![0.95, 0.999],
        grid_lr: 3e-3,
        grid_seeds: vec![0, 1],
        ..DigitsConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let rep = run_with(dir.path(), &cfg).unwrap();
    eprintln!("{}\nruntime {:.2?}", rep.table(), start.elapsed());
    assert!(rep.passed(), "{}", rep.table());
    assert!(rep.files.len() >= 5);
    for f in &rep.files {
        assert!(f.exists(), "{} missing", f.display());
    }
    let arms = std::fs::read_to_string(dir.path().join("digits_arms.csv")).unwrap();
    assert_eq!(arms.lines().count(), 1 + 4 * 2);
    // (0.99, 0.95) lies outside β1² < β2 and is dropped: 5 pairs.
    let grid = std::fs::read_to_string(dir.path().join("digits_grid.csv")).unwrap();
    assert_eq!(grid.lines().count(), 1 + 5);
    assert!(rep.notes.iter().any(|n| n.contains("Pearson r(ln C, AUC)")));
}
