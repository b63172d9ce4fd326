//! `volterra` — the integrator of models whose memory kernel has no finite state (a power law, a
//! user kernel; [`MemorySystem`]): `y' = F(t, y, M(t))` with memories
//! `M_g^c(t) = ∫_{t0}^{t} K_g(t − τ) u_g^c(y(τ)) dτ`.
//!
//! Scheme (explicit trapezoidal predictor–corrector on the grid `t_n = t0 + n·h`, `h = dt` or
//! `lr/substeps`; order 2): with `F_n = F(t_n, y_n, M_n)`,
//! `y* = y_n + h F_n`, `M* = M_{n+1}[u(y*)]` (the memory if the newest sample were `u(y*)`),
//! `y_{n+1} = y_n + (h/2)(F_n + F(t_{n+1}, y*, M*))`, then the sample `u(y_{n+1})` is stored. The
//! memories are product integrals of the piecewise-linear interpolant of the samples
//! (`O(h²)`), computed by one of two paths ([`crate::kernel::MemoryPath`]):
//! `memory=soe` (default; the fast path, `O(J)` per step: a sum-of-exponentials fit of the kernel
//! on `[h, T]` to relative error `tol`, exact recursions for kernels with a finite realisation)
//! or `memory=quadrature` (exact history quadrature, `O(n)` per step, `O(N²)` per run).
//! The two differ by at most `bound·∫_h^T|K|·max|u|` per memory ([`crate::kernel::MemoryFit`]).
//!
//! Each memory group also carries its mass `∫_0^{t−t0} K` (the memory of the constant 1 in the
//! same discretisation), which a bias correction divides by. Samples must lie on the grid.
//! Written by hand: product integration is the project's subject (Linz, "Analytical and
//! Numerical Methods for Volterra Equations", 1985, ch. 7; Brunner 2004).

use super::checks::{check_state, check_t_eval, stop_step};
use super::fixed_step::resolve_step;
use super::{Integrator, OdeSystem, Sink, SolveEnd, SolveOptions, StepSize};
use crate::error::Allowed;
use crate::kernel::{Kernel, MemoryFit, MemoryPath, QuadraturePath, SoePath, StateSpacePath};
use crate::spec::{check, fmt_f64, ParamInfo, Spec};
use crate::stop::StopReason;
use crate::{Error, Result};
use std::ops::ControlFlow;

/// What the field of a [`MemorySystem`] sees at `(t, y)`.
pub struct Memory<'a> {
    /// The memories `M_g^c(t)`, group-major (`groups × channels`).
    pub values: &'a [f64],
    /// Each group's mass `∫_0^{t−t0} K_g`.
    pub mass: &'a [f64],
    /// The inputs `u_g^c(y)` at this point (`groups × channels`).
    pub inputs: &'a [f64],
    /// The per-channel vector [`MemorySystem::inputs`] wrote beside them (the gradient).
    pub grad: &'a [f64],
}

/// A system with memory terms whose kernels have no finite state-space realisation.
pub trait MemorySystem: Sync {
    /// Length of the local state `y` (θ, or θ and its velocity, …).
    fn local_dim(&self) -> usize;
    /// Channels per memory group (`n`).
    fn channels(&self) -> usize;
    /// One kernel per memory group.
    fn kernels(&self) -> &[Kernel];
    /// Writes the per-channel gradient `grad` and the inputs `u` (`groups × channels`) at `(t, y)`.
    fn inputs(&self, t: f64, y: &[f64], grad: &mut [f64], u: &mut [f64]);
    /// Writes `y' = F(t, y, M)`.
    fn field(&self, t: f64, y: &[f64], memory: &Memory<'_>, dy: &mut [f64]);
}

/// How the memories are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemoryMethod {
    /// The fast path with a fit of relative error `tol` (default `1e-9`).
    Soe {
        /// Relative error bound of the fit on `[h, T]`.
        tol: f64,
    },
    /// Exact history quadrature.
    Quadrature,
}

impl Default for MemoryMethod {
    fn default() -> Self {
        MemoryMethod::Soe { tol: 1e-9 }
    }
}

/// The spec keys of `volterra`.
pub const PARAMS: [ParamInfo; 4] = [
    ParamInfo {
        key: "substeps",
        default: "10",
        help: "dt = lr/substeps (integer >= 1)",
    },
    ParamInfo {
        key: "dt",
        default: "-",
        help: "fixed step size (> 0), instead of substeps",
    },
    ParamInfo {
        key: "memory",
        default: "soe",
        help:
            "soe (fast: O(terms) per step, fit to tol) or quadrature (exact history, O(n) per step)",
    },
    ParamInfo {
        key: "tol",
        default: "1e-9",
        help: "relative error of the sum-of-exponentials fit on [h, T], in (0, 1e-2]",
    },
];

/// A memory path and the fit behind it (`None` where the path is exact).
pub type PathWithFit = (Box<dyn MemoryPath>, Option<MemoryFit>);

/// The memory integrator (see the module doc).
#[derive(Debug, Clone)]
pub struct Volterra {
    /// The step size.
    pub step: StepSize,
    /// The memory path.
    pub method: MemoryMethod,
    label: String,
}

impl Volterra {
    /// `dt = lr/substeps` with the memory path `method`.
    pub fn new(step: StepSize, method: MemoryMethod) -> Self {
        let mut v = Volterra {
            step,
            method,
            label: String::new(),
        };
        v.label = v.canonical();
        v
    }

    /// `dt = lr/substeps`, the fast path at its default tolerance.
    pub fn substeps(substeps: u32) -> Self {
        Self::new(StepSize::Substeps(substeps), MemoryMethod::default())
    }

    fn canonical(&self) -> String {
        match self.method {
            MemoryMethod::Soe { tol: 1e-9 } => format!("volterra:{}", self.step),
            MemoryMethod::Soe { tol } => format!("volterra:{},tol={}", self.step, fmt_f64(tol)),
            MemoryMethod::Quadrature => format!("volterra:{},memory=quadrature", self.step),
        }
    }

    /// Builds `volterra[:substeps=N|dt=…,memory=soe|quadrature,tol=…]`.
    pub fn from_spec(s: &Spec) -> Result<Self> {
        let step = super::step_size(s)?;
        let method = match s.choice("memory", "soe", &["soe", "quadrature"])?.as_str() {
            "quadrature" => {
                if s.has("tol") {
                    return Err(Error::spec(
                        "volterra: tol sets the fit of memory=soe; memory=quadrature is exact",
                    ));
                }
                MemoryMethod::Quadrature
            }
            _ => MemoryMethod::Soe {
                tol: s.f64("tol", 1e-9)?,
            },
        };
        s.finish(&PARAMS)?;
        let mut v = Self::new(step, method);
        v.validate()?;
        v.label = s.to_string();
        Ok(v)
    }

    /// The memory path of each kernel for a run of step `h` and `steps` steps, with the fit of
    /// each fast path (`None` where the path is exact).
    pub fn paths(
        &self,
        kernels: &[Kernel],
        h: f64,
        steps: usize,
        channels: usize,
    ) -> Result<Vec<PathWithFit>> {
        let horizon = steps as f64 * h;
        if self.method == MemoryMethod::Quadrature {
            crate::memory::check(
                &format!("volterra: the exact history of {steps} steps"),
                kernels.len() as f64 * QuadraturePath::bytes(steps, channels),
                "use memory=soe, the fast path, whose memory does not grow with the steps",
            )?;
        }
        kernels
            .iter()
            .map(|k| -> Result<PathWithFit> {
                Ok(match (self.method, k) {
                    (MemoryMethod::Quadrature, k) => {
                        (Box::new(QuadraturePath::new(k, h, steps, channels)?), None)
                    }
                    (MemoryMethod::Soe { .. }, Kernel::StateSpace(ss)) => {
                        (Box::new(StateSpacePath::new(*ss, h, channels)?), None)
                    }
                    (MemoryMethod::Soe { tol }, k) => {
                        let fit = MemoryFit::new(k, h, horizon, tol)?;
                        (Box::new(SoePath::new(k, &fit.sum, h, channels)?), Some(fit))
                    }
                })
            })
            .collect()
    }

    /// One line per kernel saying how its memory is computed on a run of `steps` steps of size
    /// `h`: the fit's terms and measured error bound (fast path), or that the path is exact.
    pub fn describe(&self, kernels: &[Kernel], h: f64, steps: usize) -> Result<Vec<String>> {
        kernels
            .iter()
            .map(|k| {
                Ok(match (self.method, k) {
                    (MemoryMethod::Quadrature, _) => {
                        format!("{k}: exact history quadrature over {steps} steps")
                    }
                    (MemoryMethod::Soe { .. }, Kernel::StateSpace(_)) => {
                        format!("{k}: exact state-space recursion")
                    }
                    (MemoryMethod::Soe { tol }, _) => {
                        let fit = MemoryFit::new(k, h, steps as f64 * h, tol)?;
                        format!(
                            "{k}: {} exponentials on [h, T] = [{}, {}], measured relative error {:.1e} (tol {})",
                            fit.sum.terms.len(),
                            fmt_f64(h),
                            fmt_f64(steps as f64 * h),
                            fit.bound,
                            fmt_f64(tol)
                        )
                    }
                })
            })
            .collect()
    }

    /// The step size on the clock of learning rate `lr`.
    pub fn step_for(&self, lr: f64) -> f64 {
        match self.step {
            StepSize::Dt(dt) => dt,
            StepSize::Substeps(k) => lr / f64::from(k),
        }
    }

    /// The grid index of every sample, or why a sample is off the grid `t0 + n·h`.
    fn grid_indices(&self, t0: f64, h: f64, opts: &SolveOptions) -> Result<Vec<usize>> {
        opts.t_eval
            .iter()
            .map(|te| {
                let x = (te - t0) / h;
                let k = x.round();
                if (x - k).abs() > 1e-6 || !(0.0..=9e15).contains(&k) {
                    Err(Error::spec(format!(
                        "{}: sample time {} is not on the grid t0 + n·h (t0 = {t0}, h = {h}); use substeps=… so that h divides the learning rate",
                        self.label,
                        fmt_f64(te)
                    )))
                } else {
                    Ok(k as usize)
                }
            })
            .collect()
    }
}

struct Buffers {
    grad: Vec<f64>,
    /// Inputs with the unit mass channel: `groups × (channels + 1)`.
    u: Vec<f64>,
    /// Memories with the mass channel, same layout.
    mem: Vec<f64>,
    inputs: Vec<f64>,
    values: Vec<f64>,
    mass: Vec<f64>,
}

impl Buffers {
    fn new(groups: usize, c: usize) -> Self {
        let mut u = vec![0.0; groups * (c + 1)];
        for g in 0..groups {
            u[g * (c + 1) + c] = 1.0;
        }
        Buffers {
            grad: vec![0.0; c],
            mem: vec![0.0; u.len()],
            u,
            inputs: vec![0.0; groups * c],
            values: vec![0.0; groups * c],
            mass: vec![0.0; groups],
        }
    }

    /// Reads the inputs at `(t, y)` into the channel layout.
    fn read_inputs(&mut self, sys: &dyn MemorySystem, t: f64, y: &[f64]) {
        let c = self.grad.len();
        sys.inputs(t, y, &mut self.grad, &mut self.inputs);
        for (g, block) in self.inputs.chunks(c.max(1)).enumerate() {
            self.u[g * (c + 1)..g * (c + 1) + c].copy_from_slice(&block[..c]);
        }
    }

    /// Splits the memories into values and masses.
    fn split(&mut self) {
        let c = self.grad.len();
        for g in 0..self.mass.len() {
            let row = &self.mem[g * (c + 1)..(g + 1) * (c + 1)];
            self.values[g * c..(g + 1) * c].copy_from_slice(&row[..c]);
            self.mass[g] = row[c];
        }
    }

    fn field(&self, sys: &dyn MemorySystem, t: f64, y: &[f64], dy: &mut [f64]) {
        let memory = Memory {
            values: &self.values,
            mass: &self.mass,
            inputs: &self.inputs,
            grad: &self.grad,
        };
        sys.field(t, y, &memory, dy);
    }
}

impl Integrator for Volterra {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn order(&self) -> Option<u32> {
        Some(2)
    }

    fn validate(&self) -> Result<()> {
        match self.step {
            StepSize::Dt(dt) => {
                check::within("volterra", "dt", dt, Allowed::Positive)?;
                check::within("volterra", "dt", dt, Allowed::Finite)?;
            }
            StepSize::Substeps(0) => {
                return Err(Error::spec("volterra: substeps must be >= 1, got 0"))
            }
            StepSize::Substeps(_) => {}
        }
        if let MemoryMethod::Soe { tol } = self.method {
            check::within("volterra", "tol", tol, Allowed::Closed(1e-15, 1e-2))?;
        }
        Ok(())
    }

    fn check_system(&self, sys: &dyn OdeSystem) -> Result<()> {
        if sys.memory_form().is_none() {
            return Err(Error::spec(format!(
                "{}: marches memory kernels without a finite state (kernel=power/soe/user on a nonlocal model); this system has none, use rk4 or dopri5",
                self.label
            )));
        }
        Ok(())
    }

    fn marches_memory(&self) -> bool {
        true
    }

    fn solve_into(
        &self,
        sys: &dyn OdeSystem,
        t0: f64,
        y0: &[f64],
        opts: &SolveOptions,
        sink: &mut dyn Sink,
    ) -> SolveEnd {
        let mut end = SolveEnd::default();
        let fail = |e: Error| StopReason::Failed {
            t: t0,
            why: e.to_string(),
        };
        if let Some(stop) = check_t_eval(t0, &opts.t_eval) {
            end.stop = stop;
            return end;
        }
        let Some(ms) = sys.memory_form() else {
            end.stop = fail(self.check_system(sys).unwrap_err());
            return end;
        };
        let prepared = self
            .validate()
            .and_then(|()| {
                if opts.events.is_empty() {
                    Ok(())
                } else {
                    Err(Error::spec(format!(
                        "{}: events are not supported by the memory integrator",
                        self.label
                    )))
                }
            })
            .and_then(|()| resolve_step(self.step, &self.label, opts))
            .and_then(|h| Ok((h, self.grid_indices(t0, h, opts)?)));
        let (h, samples) = match prepared {
            Ok(p) => p,
            Err(e) => {
                end.stop = fail(e);
                return end;
            }
        };
        let steps = samples.last().copied().unwrap_or(0);
        if steps as u64 > opts.max_steps {
            end.stop = StopReason::Failed {
                t: t0,
                why: format!("max_steps = {} reached", opts.max_steps),
            };
            return end;
        }
        let (local, c) = (ms.local_dim(), ms.channels());
        let kernels = ms.kernels();
        let groups = kernels.len();
        let mut paths: Vec<Box<dyn MemoryPath>> = match self.paths(kernels, h, steps.max(1), c + 1)
        {
            Ok(p) => p.into_iter().map(|(p, _)| p).collect(),
            Err(e) => {
                end.stop = fail(e);
                return end;
            }
        };
        let dim = local + groups * c;
        if y0.len() != dim || sys.dim() != dim {
            end.stop = fail(Error::spec(format!(
                "{}: state of length {} but the memory system has {local} local entries and {groups}×{c} memories",
                self.label,
                y0.len()
            )));
            return end;
        }
        let mut now = Buffers::new(groups, c);
        let mut pred = Buffers::new(groups, c);
        let mut y = y0[..local].to_vec();
        let mut ystar = vec![0.0; local];
        let (mut f_now, mut f_star) = (vec![0.0; local], vec![0.0; local]);
        let mut z = y0.to_vec();
        let width = c + 1;
        let push_all = |paths: &mut [Box<dyn MemoryPath>], b: &mut Buffers| {
            for (g, p) in paths.iter_mut().enumerate() {
                let (u, m) = (
                    &b.u[g * width..(g + 1) * width],
                    &mut b.mem[g * width..(g + 1) * width],
                );
                p.push(u, m);
            }
            b.split();
        };
        now.read_inputs(ms, t0, &y);
        push_all(&mut paths, &mut now);
        now.field(ms, t0, &y, &mut f_now);
        end.stats.rhs_evals += 1;
        let mut next_sample = 0usize;
        let mut n = 0usize;
        loop {
            while next_sample < samples.len() && samples[next_sample] == n {
                z[..local].copy_from_slice(&y);
                z[local..].copy_from_slice(&now.values);
                let te = opts.t_eval.get(next_sample);
                if let ControlFlow::Break(stop) = sink.sample(te, &z) {
                    end.stop = stop;
                    return end;
                }
                if let Some(tol) = opts.steady_tol {
                    if f_now.iter().fold(0.0f64, |m, v| m.max(v.abs())) < tol {
                        end.stop = StopReason::Converged {
                            step: next_sample as u64,
                            t: te,
                        };
                        return end;
                    }
                }
                next_sample += 1;
            }
            if n >= steps {
                return end;
            }
            let t1 = t0 + (n + 1) as f64 * h;
            for i in 0..local {
                ystar[i] = y[i] + h * f_now[i];
            }
            pred.read_inputs(ms, t1, &ystar);
            for (g, p) in paths.iter().enumerate() {
                p.peek(
                    &pred.u[g * width..(g + 1) * width],
                    &mut pred.mem[g * width..(g + 1) * width],
                );
            }
            pred.split();
            pred.field(ms, t1, &ystar, &mut f_star);
            for i in 0..local {
                y[i] += 0.5 * h * (f_now[i] + f_star[i]);
            }
            now.read_inputs(ms, t1, &y);
            push_all(&mut paths, &mut now);
            now.field(ms, t1, &y, &mut f_now);
            end.stats.rhs_evals += 2;
            end.stats.accepted += 1;
            n += 1;
            z[..local].copy_from_slice(&y);
            z[local..].copy_from_slice(&now.values);
            let k = stop_step(t0, t1, opts.lr, n as u64);
            if let Some(stop) = check_state(&z, opts.max_abs, k, t1) {
                end.stop = stop;
                return end;
            }
        }
    }
}
