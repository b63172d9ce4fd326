//! The integrator registry: name → (catalog entry, builder). `optdyn list integrators`, the
//! parser and the unknown-name errors read this one table.

use super::explicit::{
    butcher_from_spec, ExplicitRk, Rk4, Ssprk2, Ssprk3, BUTCHER_PARAMS, FIXED_PARAMS,
};
use super::implicit::{newton_opts, ThetaMethod, IMPLICIT_PARAMS};
use super::second_order::{
    newmark_from_spec, Newmark, Staggered, SymplecticEuler, Verlet, NEWMARK_PARAMS,
};
use super::{Dop853, Dopri5, FixedStep, Integrator, StepSize, Stepper};
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};

/// One integrator the registry knows.
pub struct Entry {
    /// Name, summary and keys, for `optdyn list` and error messages.
    pub info: ComponentInfo,
    /// Parses a spec of this name into the integrator.
    pub build: fn(&Spec) -> Result<Box<dyn Integrator>>,
}

/// Reads `dt` or `substeps` (default 10 substeps: `dt = lr/10`).
pub fn step_size(s: &Spec) -> Result<StepSize> {
    if let Some(dt) = s.f64_opt("dt")? {
        if s.has("substeps") {
            return Err(Error::spec(format!(
                "{}: give either dt or substeps, not both",
                s.name
            )));
        }
        return Ok(StepSize::Dt(check::positive(&s.name, "dt", dt)?));
    }
    let sub = s.usize("substeps", 10)?;
    match u32::try_from(sub) {
        Ok(0) => Err(Error::spec(format!(
            "{}: substeps must be >= 1, got 0",
            s.name
        ))),
        Ok(k) => Ok(StepSize::Substeps(k)),
        Err(_) => Err(Error::spec(format!(
            "{}: substeps must be < 2^32, got {sub}",
            s.name
        ))),
    }
}

/// A fixed-step integrator of `stepper` with the spec's step size, after refusing unknown keys.
fn fixed<S: Stepper + 'static>(
    stepper: S,
    s: &Spec,
    params: &[ParamInfo],
) -> Result<Box<dyn Integrator>> {
    let step = step_size(s)?;
    s.finish(params)?;
    Ok(Box::new(
        FixedStep::new(stepper, step).labelled(s.to_string()),
    ))
}

/// An implicit scheme made from the spec's Newton controls, on a fixed step.
fn implicit<S: Stepper + 'static>(
    s: &Spec,
    params: &[ParamInfo],
    scheme: impl FnOnce(super::implicit::NewtonOpts) -> S,
) -> Result<Box<dyn Integrator>> {
    let stepper = scheme(newton_opts(s)?);
    fixed(stepper, s, params)
}

const fn info(
    name: &'static str,
    summary: &'static str,
    params: &'static [ParamInfo],
) -> ComponentInfo {
    ComponentInfo {
        name,
        summary,
        params,
    }
}

static REGISTRY: [Entry; 17] = [
    Entry {
        info: info("euler", "forward Euler y += h F(t, y), order 1", &FIXED_PARAMS),
        build: |s| fixed(ExplicitRk::euler(), s, &FIXED_PARAMS),
    },
    Entry {
        info: info("heun", "Heun / explicit trapezoid RK2, order 2", &FIXED_PARAMS),
        build: |s| fixed(ExplicitRk::heun(), s, &FIXED_PARAMS),
    },
    Entry {
        info: info("midpoint", "explicit midpoint RK2, order 2", &FIXED_PARAMS),
        build: |s| fixed(ExplicitRk::midpoint(), s, &FIXED_PARAMS),
    },
    Entry {
        info: info("rk4", "classical fourth-order Runge-Kutta, order 4", &FIXED_PARAMS),
        build: |s| fixed(Rk4, s, &FIXED_PARAMS),
    },
    Entry {
        info: info(
            "ssprk2",
            "SSP/TVD RK2 (Shu-Osher: average of y and two Euler steps), order 2",
            &FIXED_PARAMS,
        ),
        build: |s| fixed(Ssprk2, s, &FIXED_PARAMS),
    },
    Entry {
        info: info("ssprk3", "SSP/TVD RK3 (Shu-Osher), order 3", &FIXED_PARAMS),
        build: |s| fixed(Ssprk3, s, &FIXED_PARAMS),
    },
    Entry {
        info: info(
            "butcher",
            "user explicit tableau, e.g. butcher:a=1/2;0;1/2;0;0;1,b=1/6;1/3;1/3;1/6 (order computed)",
            &BUTCHER_PARAMS,
        ),
        build: |s| {
            let rk = butcher_from_spec(s)?;
            fixed(rk, s, &BUTCHER_PARAMS)
        },
    },
    Entry {
        info: info(
            "dopri5",
            "adaptive Dormand-Prince 5(4), PI control, dense output at t_eval, order 5",
            &super::dopri5::PARAMS,
        ),
        build: |s| Ok(Box::new(Dopri5::from_spec(s)?)),
    },
    Entry {
        info: info(
            "dop853",
            "adaptive Dormand-Prince 8(5,3) (Hairer's DOP853), 7th-order dense output at t_eval, order 8",
            &super::dop853::PARAMS,
        ),
        build: |s| Ok(Box::new(Dop853::from_spec(s)?)),
    },
    Entry {
        info: info(
            "backward-euler",
            "implicit Euler y1 = y0 + h F(t+h, y1) with Newton, order 1, L-stable",
            &IMPLICIT_PARAMS,
        ),
        build: |s| {
            implicit(s, &IMPLICIT_PARAMS, |newton| ThetaMethod {
                newton,
                ..ThetaMethod::backward_euler()
            })
        },
    },
    Entry {
        info: info(
            "trapezoid",
            "trapezoidal rule y1 = y0 + h(F0 + F1)/2 with Newton, order 2, A-stable",
            &IMPLICIT_PARAMS,
        ),
        build: |s| {
            implicit(s, &IMPLICIT_PARAMS, |newton| ThetaMethod {
                newton,
                ..ThetaMethod::trapezoid()
            })
        },
    },
    Entry {
        info: info(
            "newmark",
            "Newmark-beta on [x, v] (A from the rhs), Newton on A1; order 2 iff gamma = 1/2",
            &NEWMARK_PARAMS,
        ),
        build: |s| {
            let m = newmark_from_spec(s)?;
            fixed(m, s, &NEWMARK_PARAMS)
        },
    },
    Entry {
        info: info(
            "central-difference",
            "Newmark beta = 0, gamma = 1/2 (central differencing, implicit in v only), order 2",
            &IMPLICIT_PARAMS,
        ),
        build: |s| {
            implicit(s, &IMPLICIT_PARAMS, |newton| Newmark {
                newton,
                ..Newmark::new(0.0, 0.5)
            })
        },
    },
    Entry {
        info: info(
            "staggered",
            "staggered central differencing, velocity-implicit closing half step, order 2",
            &IMPLICIT_PARAMS,
        ),
        build: |s| implicit(s, &IMPLICIT_PARAMS, |newton| Staggered { newton }),
    },
    Entry {
        info: info(
            "verlet",
            "velocity Verlet / leapfrog kick-drift-kick, order 2, symplectic",
            &FIXED_PARAMS,
        ),
        build: |s| fixed(Verlet, s, &FIXED_PARAMS),
    },
    Entry {
        info: info(
            "symplectic-euler",
            "semi-implicit Euler v += h A, x += h v (ML momentum), order 1, symplectic",
            &FIXED_PARAMS,
        ),
        build: |s| fixed(SymplecticEuler, s, &FIXED_PARAMS),
    },
    Entry {
        info: info(
            "volterra",
            "memory kernels without a finite state (kernel=power/soe/user): trapezoidal predictor-corrector, product-integrated memories, order 2",
            &super::volterra::PARAMS,
        ),
        build: |s| Ok(Box::new(super::Volterra::from_spec(s)?)),
    },
];

/// Every integrator: name → (catalog entry, builder).
pub fn registry() -> &'static [Entry] {
    &REGISTRY
}

/// Every integrator name with its parameters and defaults, for `optdyn list integrators`.
pub fn catalog() -> Vec<ComponentInfo> {
    registry()
        .iter()
        .map(|e| e.info)
        .chain(super::sde::CATALOG)
        .collect()
}

/// Builds an integrator from a spec (see [`catalog`] for every name and key), e.g. `rk4`
/// (`dt = lr/10`, the learning rate supplied by the run through [`super::SolveOptions::lr`]),
/// `rk4:dt=1e-3`, `rk4:substeps=20`, `dopri5:rtol=1e-10,atol=1e-12`, `dop853:rtol=1e-12,atol=1e-14`,
/// `newmark:beta=0.25,gamma=0.5,dt=1e-2`, or a user tableau
/// `butcher:a=1/2;0;1/2;0;0;1,b=1/6;1/3;1/3;1/6,order=4`.
pub fn parse(spec: &str) -> Result<Box<dyn Integrator>> {
    let s = Spec::parse(spec)?;
    match registry().iter().find(|e| e.info.name == s.name) {
        Some(e) => (e.build)(&s),
        None if super::sde::SdeSolver::is_sde_scheme(&s.name) => Err(Error::spec(format!(
            "integrator '{}' is an SDE solver: it steps a stochastic model (sgd-sme1, sgd-sme2, rmsprop-sde, adam-sde), not a deterministic one",
            s.name
        ))),
        None => Err(Error::unknown_name(
            "integrator",
            &s.name,
            registry().iter().map(|e| e.info.name),
        )),
    }
}
