//! An SDE solver for model runs: a scheme and the number of substeps per optimizer step, parsed
//! from `euler-maruyama:substeps=10`, `milstein:substeps=N` or `weak2:substeps=N` (the sample
//! times `t_k = t0 + k·clock` are then exact grid points).

use super::{SdeScheme, SdeSystem};
use crate::spec::{ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};

const PARAMS: [ParamInfo; 1] = [ParamInfo {
    key: "substeps",
    default: "10",
    help: "steps of the scheme per optimizer step (integer >= 1)",
}];

/// The SDE solvers, for `optdyn list integrators`.
pub const CATALOG: [ComponentInfo; 3] = [
    ComponentInfo {
        name: "euler-maruyama",
        summary: "SDE models: Euler-Maruyama (strong order 1/2, weak order 1; any noise)",
        params: &PARAMS,
    },
    ComponentInfo {
        name: "milstein",
        summary: "SDE models: Milstein (strong order 1, weak order 1; diagonal noise)",
        params: &PARAMS,
    },
    ComponentInfo {
        name: "weak2",
        summary: "SDE models: stochastic Heun (weak order 2; additive noise)",
        params: &PARAMS,
    },
];

/// A scheme stepped `substeps` times per optimizer step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdeSolver {
    /// The scheme.
    pub scheme: SdeScheme,
    /// Steps of the scheme per optimizer step (`h = clock/substeps`).
    pub substeps: u32,
}

impl SdeSolver {
    /// `scheme` with `substeps` steps per optimizer step.
    pub fn new(scheme: SdeScheme, substeps: u32) -> Self {
        SdeSolver { scheme, substeps }
    }

    /// The default for `sys`: `weak2:substeps=10` for additive noise, else
    /// `euler-maruyama:substeps=10`.
    pub fn default_for(sys: &dyn SdeSystem) -> Self {
        let scheme = if sys.additive_noise() {
            SdeScheme::Weak2
        } else {
            SdeScheme::EulerMaruyama
        };
        SdeSolver::new(scheme, 10)
    }

    /// Whether `name` names an SDE scheme.
    pub fn is_sde_scheme(name: &str) -> bool {
        CATALOG.iter().any(|c| c.name == name)
    }

    /// Parses `scheme[:substeps=N]`.
    pub fn parse(text: &str) -> Result<Self> {
        let s = Spec::parse(text)?;
        let scheme = SdeScheme::parse(&s.name)?;
        let substeps = s.u64("substeps", 10)?;
        s.finish(&PARAMS)?;
        if substeps == 0 || substeps > u32::MAX as u64 {
            return Err(Error::spec(format!(
                "{}: substeps must be an integer in [1, {}], got {substeps}",
                scheme.name(),
                u32::MAX
            )));
        }
        Ok(SdeSolver::new(scheme, substeps as u32))
    }

    /// The canonical spec.
    pub fn name(&self) -> String {
        format!("{}:substeps={}", self.scheme.name(), self.substeps)
    }

    /// Checks `substeps ≥ 1` and that the scheme can step `sys`.
    pub fn check(&self, sys: &dyn SdeSystem) -> Result<()> {
        if self.substeps == 0 {
            return Err(Error::spec(format!(
                "{}: substeps must be >= 1, got 0",
                self.scheme.name()
            )));
        }
        self.scheme.check(sys)
    }
}
