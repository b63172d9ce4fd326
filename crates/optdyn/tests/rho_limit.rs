//! The `heredia2025-rho` target: the second-/first-order Adam IDE gap against ρ.

use optdyn::analysis::fit::power_law;
use optdyn::experiments::reproduce::heredia2025_rho::{rho, run};

#[test]
fn rho_is_the_largest_term() {
    assert_eq!(rho(1e-3, 0.0, 0.0), 1e-3);
    assert!((rho(1e-4, 0.999, 0.0) - 1e-2).abs() < 1e-12);
    assert!((rho(1e-3, 0.9, 0.999) - 1.0).abs() < 1e-9);
}

#[test]
fn gap_shrinks_with_rho() {
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let rep = run(dir.path()).unwrap();
    eprintln!("{}\nruntime {:.2?}", rep.table(), start.elapsed());
    assert!(rep.passed(), "{}", rep.table());
    assert!(!rep.files.is_empty());
    for f in &rep.files {
        assert!(f.exists(), "{} missing", f.display());
    }
    // The fitted order of the θ-gap in ρ, per family, from the written data.
    let data = std::fs::read_to_string(dir.path().join("rho_limit.csv")).unwrap();
    let mut families: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    for line in data.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (rho, gap): (f64, f64) = (cells[4].parse().unwrap(), cells[5].parse().unwrap());
        match families.iter_mut().find(|f| f.0 == cells[0]) {
            Some(f) => {
                f.1.push(rho);
                f.2.push(gap);
            }
            None => families.push((cells[0].to_string(), vec![rho], vec![gap])),
        }
    }
    assert_eq!(families.len(), 3);
    for (name, rho, gap) in &families {
        let fit = power_law(rho, gap).unwrap();
        assert!(
            fit.p.is_finite() && fit.p > 0.0 && fit.p_stderr.is_finite(),
            "{name}: order {fit:?}"
        );
    }
}
