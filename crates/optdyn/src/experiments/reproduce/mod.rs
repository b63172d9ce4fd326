//! Reproductions of the seed papers' numbers and figures. Each target runs its experiment, writes
//! figures and data into a directory, and returns a table of checks
//! `quantity | paper or closed-form value | optdyn | tolerance | PASS/FAIL`.

pub mod dereich2025;
pub mod dereich2025_lyapunov;
pub mod edge_of_stability;
pub mod gould_tanaka;
pub mod gould_tanaka_digits;
pub mod heredia2024;
pub mod heredia2025;
pub mod heredia2025_lagrangian;
pub mod heredia2025_rho;
pub mod heredia_decay;
pub mod high_resolution;
pub mod lecture;
pub mod sde_weak;

use crate::Result;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One checked number.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What is compared.
    pub quantity: String,
    /// The paper's, the notes' or the closed-form value.
    pub expected: f64,
    /// optdyn's value.
    pub got: f64,
    /// Allowed deviation.
    pub tol: f64,
    /// Whether `tol` is relative to `|expected|`.
    pub relative: bool,
    /// Where the expected value comes from.
    pub source: String,
    /// `|got − expected| ≤ tol` (times `|expected|` when relative).
    pub pass: bool,
}

impl Check {
    /// An absolute-tolerance check.
    pub fn abs(
        quantity: impl Into<String>,
        expected: f64,
        got: f64,
        tol: f64,
        source: &str,
    ) -> Self {
        Check {
            quantity: quantity.into(),
            expected,
            got,
            tol,
            relative: false,
            source: source.into(),
            pass: (got - expected).abs() <= tol,
        }
    }

    /// A relative-tolerance check.
    pub fn rel(
        quantity: impl Into<String>,
        expected: f64,
        got: f64,
        tol: f64,
        source: &str,
    ) -> Self {
        Check {
            quantity: quantity.into(),
            expected,
            got,
            tol,
            relative: true,
            source: source.into(),
            pass: (got - expected).abs() <= tol * expected.abs(),
        }
    }

    /// A check that `got` lies in `[lo, hi]` (expected is the midpoint, tol the half-width).
    pub fn range(quantity: impl Into<String>, lo: f64, hi: f64, got: f64, source: &str) -> Self {
        Check {
            quantity: quantity.into(),
            expected: 0.5 * (lo + hi),
            got,
            tol: 0.5 * (hi - lo),
            relative: false,
            source: source.into(),
            pass: got >= lo && got <= hi,
        }
    }
}

/// The outcome of one target.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Target name.
    pub target: String,
    /// The checks.
    pub checks: Vec<Check>,
    /// Plain statements of what was measured and how to read it.
    pub notes: Vec<String>,
    /// Files written.
    pub files: Vec<PathBuf>,
}

impl Report {
    /// An empty report for `target`.
    pub fn new(target: &str) -> Self {
        Report {
            target: target.into(),
            checks: Vec::new(),
            notes: Vec::new(),
            files: Vec::new(),
        }
    }

    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }

    /// The table `quantity | expected | optdyn | tolerance | PASS/FAIL` as text.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<58} | {:>14} | {:>14} | {:>11} | result",
            "quantity", "paper/closed", "optdyn", "tolerance"
        );
        let _ = writeln!(s, "{}", "-".repeat(118));
        for c in &self.checks {
            let tol = if c.relative {
                format!("{:.1e} rel", c.tol)
            } else {
                format!("{:.1e}", c.tol)
            };
            let _ = writeln!(
                s,
                "{:<58} | {:>14.8} | {:>14.8} | {:>11} | {}",
                c.quantity,
                c.expected,
                c.got,
                tol,
                if c.pass { "PASS" } else { "FAIL" }
            );
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }
}

/// A named reproduction.
pub struct Target {
    /// Name used on the command line.
    pub name: &'static str,
    /// What it reproduces.
    pub summary: &'static str,
    /// Runs it, writing into the directory.
    pub run: fn(&Path) -> Result<Report>,
}

/// Every target, in the order `--all` runs them.
pub fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "heredia2024",
            summary: "AdaGrad/RMSProp/Adam on (θ−4)²: discrete vs first-order IDE, §4.1–4.2 tables",
            run: heredia2024::run,
        },
        Target {
            name: "heredia2025-error",
            summary:
                "gap of first/second-order Adam models vs lr: paper protocol and fixed horizon",
            run: heredia2025::run_error,
        },
        Target {
            name: "heredia2025-dynamics",
            summary: "full dynamics panel, c = 4, lr = 1e-3, θ0 = 2, u0 = 1",
            run: heredia2025::run_dynamics,
        },
        Target {
            name: "heredia2025-basins",
            summary: "final θ vs lr from θ0 = −1.5 (c = 4): basin switch located by bisection",
            run: heredia2025::run_basins,
        },
        Target {
            name: "dereich2025-zero",
            summary: "noisy example: Adam's limit 0.0432236 is a zero of the Adam field, not the minimiser 0.25",
            run: dereich2025::run,
        },
        Target {
            name: "gould-tanaka-stability",
            summary: "(β1, β2) stability map, C(0.9, 0.999) = 7.270, growth β1/√β2 outside β1² < β2",
            run: gould_tanaka::run,
        },
        Target {
            name: "lecture-schemes",
            summary: "Euler stability, momentum as an Euler split, Nesterov as predictor–corrector, scheme orders",
            run: lecture::run,
        },
        Target {
            name: "eos-central-flow",
            summary: "beyond the seeds: GD and scalar RMSProp at the edge of stability vs their central flows; Adam at 38/lr",
            run: edge_of_stability::run,
        },
        Target {
            name: "hr-odes",
            summary: "beyond the seeds: high-resolution ODEs of heavy ball, NAG-SC, NAG-C — O(lr) vs the low-resolution O(√lr)",
            run: high_resolution::run,
        },
        Target {
            name: "sde-weak",
            summary: "beyond the seeds: SGD's SMEs (Li-Tai-E) weak orders 1 and 2 on the OU case, exact and Monte Carlo; Euler-Maruyama/weak2 orders in dt",
            run: sde_weak::run,
        },
        Target {
            name: "heredia2025-rho",
            summary: "α-refinement limit: sup_[δ,T] gap of adam-ide2 vs adam-ide1 against ρ, three families; u0 and δ",
            run: heredia2025_rho::run,
        },
        Target {
            name: "dereich2025-lyapunov",
            summary: "over-parametrised lsq: map of ⟨∇f, F_Adam⟩ ≤ 0 (f a Lyapunov function near the minima), Adam's limits on both sides; contrast d < N: limit is the field's zero",
            run: dereich2025_lyapunov::run,
        },
        Target {
            name: "heredia-decay",
            summary: "decay rates: envelope fit A e^{−ωt} + B (notebook B, ω reproduced), ω and B per model and lr, ω vs a Lyapunov bound, B vs ρ",
            run: heredia_decay::run,
        },
        Target {
            name: "heredia2025-lagrangian",
            summary: "reconstructed Adam-like Lagrangian (heredia.md §3.5 [rec]): AD Euler–Lagrange and midpoint variational integrator vs the inertial ODE (frozen P); adam-ide2 vs local Lagrangian flows",
            run: heredia2025_lagrangian::run,
        },
        Target {
            name: "gould-tanaka-digits",
            summary: "real data (8×8 digits): Adam vs 2-Adam (inverse_exp, norm_layer) vs layer-norm Adam over seeds with 95 % intervals; C(β1, β2) vs speed of generalisation, correlation with interval",
            run: gould_tanaka_digits::run,
        },
    ]
}
