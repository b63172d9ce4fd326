//! The demo report's section "What the theorems predict and what we measure" (issue 16): each
//! seed paper's theorem or headline claim next to the `optdyn reproduce` target that tests it —
//! the claim as the paper states it, the target's checks (PASS/FAIL where a number is claimed or
//! derivable) and its plain statements of what was measured, and its figures.

use super::html::{escape, pre};
use super::reproduce::{targets, Report};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::Path;

/// A paper's claim and the reproduce target that measures it.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// The `optdyn reproduce` target.
    pub target: &'static str,
    /// The paper.
    pub paper: &'static str,
    /// What the paper predicts, in its words where they could be read.
    pub predicts: &'static str,
}

/// The claims, in the order of the section.
pub const CLAIMS: [Claim; 5] = [
    Claim {
        target: "heredia2025-rho",
        paper: "Heredia 2025, arXiv:2602.09101",
        predicts:
            "As α → 0 the second-order inertial Adam IDE reduces to the first-order nonlocal \
                   Adam flow on fixed horizons away from the initial time, with the perturbation \
                   governed by ρ = max{α, (α/(1−β1))², α/(1−β2)}.",
    },
    Claim {
        target: "heredia-decay",
        paper: "Heredia 2024, arXiv:2411.09734; Heredia 2025, arXiv:2602.09101",
        predicts:
            "Exponential convergence for convex (PL) objectives; for the second-order model, \
                   exponential or rate-based decay up to O(ρ)-dependent neighbourhoods.",
    },
    Claim {
        target: "heredia2025-lagrangian",
        paper: "Heredia 2025, arXiv:2602.09101 (the Lagrangian is a reconstruction)",
        predicts:
            "A nonlocal Lagrangian viewpoint: its local part L = e^{2t/α}[(α/4)|θ'|² − P f(θ)] \
                   gives the inertial model with the memory frozen; the memory itself is not a \
                   local Lagrangian flow.",
    },
    Claim {
        target: "gould-tanaka-digits",
        paper: "Gould & Tanaka 2024, arXiv:2411.05746",
        predicts:
            "Larger C(β1, β2) correlates with faster generalization; 2-Adam with the inverse \
                   exp strategy outperforms Adam on image classification.",
    },
    Claim {
        target: "dereich2025-lyapunov",
        paper: "Dereich, Jentzen & Kassing 2025, arXiv:2511.04622",
        predicts: "In over-parametrized empirical risk minimisation the objective is a Lyapunov \
                   function of the Adam vector field near the global minima; in general a \
                   convergent Adam sequence ends at a zero of that field, not at a critical point.",
    },
];

/// Runs every claim's target into `out/theorems/<target>` and returns the section's HTML (image
/// paths relative to `out`) and the reports.
pub fn section(out: &Path) -> Result<(String, Vec<Report>)> {
    let all = targets();
    let mut reports = Vec::new();
    for c in &CLAIMS {
        let t = all
            .iter()
            .find(|t| t.name == c.target)
            .ok_or_else(|| Error::spec(format!("theorems: unknown target '{}'", c.target)))?;
        reports.push((t.run)(&out.join("theorems").join(c.target))?);
    }
    let mut html = String::from(
        "<h2>4. What the theorems predict and what we measure</h2>\n<p>Each seed paper's theorem \
         or headline claim, next to the <code>optdyn reproduce</code> target that tests it: \
         PASS/FAIL where a number is claimed or can be derived, plain statements of what was \
         measured where the paper gives a trend. Rerun one with <code>optdyn reproduce \
         TARGET</code>.</p>\n<table>\n<tr><th>claim</th><th>target</th><th>checks passed</th></tr>\n",
    );
    for (c, r) in CLAIMS.iter().zip(&reports) {
        let passed = r.checks.iter().filter(|k| k.pass).count();
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td><code>{}</code></td><td>{passed}/{}</td></tr>",
            escape(c.paper),
            c.target,
            r.checks.len()
        );
    }
    html.push_str("</table>\n");
    for (i, (c, r)) in CLAIMS.iter().zip(&reports).enumerate() {
        let _ = write!(
            html,
            "<h3>4.{} {} — <code>{}</code></h3>\n<p><b>Predicts.</b> {}</p>\n<p><b>Measured.</b></p>\n{}",
            i + 1,
            escape(c.paper),
            c.target,
            escape(c.predicts),
            pre(&r.table())
        );
        for f in r
            .files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "png"))
        {
            let rel = f.strip_prefix(out).unwrap_or(f);
            let _ = writeln!(
                html,
                "<img src=\"{}\" alt=\"{}\">",
                escape(&rel.to_string_lossy()),
                c.target
            );
        }
    }
    Ok((html, reports))
}
