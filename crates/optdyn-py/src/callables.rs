//! The user's Python objects behind optdyn's traits: an objective (`f(x) -> (value, grad)` or an
//! object with `value_grad(x)` and optionally `hvp(x, v)`), an update rule (`lr`, `init(n)`,
//! `step(x, g, state) -> (x_new, state)`, optionally `with_lr(lr)`) and a continuous model
//! (`CustomModel(rhs, initial_state, state_names)`). Each call re-attaches to the interpreter
//! (runs hold it released); an exception, a wrong shape or a non-finite value at a finite
//! argument is kept in the run's [`ErrorSlot`] and the run is stopped by NaNs, so the exception
//! is raised unchanged once the run returns.

use crate::errors::ErrorSlot;
use numpy::{PyArray1, PyArrayMethods, PyUntypedArrayMethods};
use optdyn::block::Block;
use optdyn::integrate::OdeSystem;
use optdyn::model::{Model, ModelFactory};
use optdyn::objective::Objective;
use optdyn::optim::{Optimizer, State};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Reads a 1-D array of length `out.len()` (any array-like of reals) into `out`.
pub fn read_into(obj: &Bound<'_, PyAny>, out: &mut [f64], what: &str) -> PyResult<()> {
    if let Ok(a) = obj.cast::<PyArray1<f64>>() {
        let ro = a.readonly();
        if let Ok(s) = ro.as_slice() {
            if s.len() != out.len() {
                return Err(PyValueError::new_err(format!(
                    "{what} must have shape ({},), got ({},)",
                    out.len(),
                    s.len()
                )));
            }
            out.copy_from_slice(s);
            return Ok(());
        }
    }
    let v = to_vec(obj, what)?;
    if v.len() != out.len() {
        return Err(PyValueError::new_err(format!(
            "{what} must have shape ({},), got ({},)",
            out.len(),
            v.len()
        )));
    }
    out.copy_from_slice(&v);
    Ok(())
}

/// Any array-like of reals (or a real number) as a vector: `numpy.asarray(obj, float64)`, at
/// most one dimension.
pub fn to_vec(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f64>> {
    let py = obj.py();
    let np = py.import("numpy")?;
    let arr = np
        .getattr("asarray")?
        .call1((obj, np.getattr("float64")?))
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{what} must be an array of real numbers, got {}",
                type_name(obj)
            ))
        })?;
    let arr = arr.cast::<numpy::PyArrayDyn<f64>>()?;
    if arr.ndim() > 1 {
        return Err(PyValueError::new_err(format!(
            "{what} must be one-dimensional, got shape {:?}",
            arr.shape()
        )));
    }
    Ok(arr.readonly().as_array().iter().copied().collect())
}

/// The type name of a Python object, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// How the objective was given.
enum Form {
    /// `f(x) -> (value, grad)`.
    Callable(Py<PyAny>),
    /// An object with `value_grad(x)` and optionally `hvp(x, v)`.
    Object {
        value_grad: Py<PyAny>,
        hvp: Option<Py<PyAny>>,
    },
}

/// A Python objective.
pub struct PyObjective {
    name: String,
    n: usize,
    form: Form,
    slot: ErrorSlot,
}

impl PyObjective {
    /// `obj` as an objective of dimension `n`: a callable, or an object with `value_grad`.
    pub fn new(obj: &Bound<'_, PyAny>, n: usize, slot: ErrorSlot) -> PyResult<Self> {
        let form = if obj.hasattr("value_grad")? {
            let hvp = if obj.hasattr("hvp")? {
                Some(obj.getattr("hvp")?.unbind())
            } else {
                None
            };
            Form::Object {
                value_grad: obj.getattr("value_grad")?.unbind(),
                hvp,
            }
        } else if obj.is_callable() {
            Form::Callable(obj.clone().unbind())
        } else {
            return Err(PyTypeError::new_err(format!(
                "objective must be a spec string, a callable f(x) -> (value, grad) or an object \
                 with value_grad(x), got {}",
                type_name(obj)
            )));
        };
        let name = obj
            .getattr("__name__")
            .and_then(|n| n.extract::<String>())
            .unwrap_or_else(|_| type_name(obj));
        Ok(PyObjective {
            name,
            n,
            form,
            slot,
        })
    }

    fn try_eval(&self, py: Python<'_>, x: &[f64], g: &mut [f64]) -> PyResult<f64> {
        let f = match &self.form {
            Form::Callable(f) => f.bind(py),
            Form::Object { value_grad, .. } => value_grad.bind(py),
        };
        let out = f.call1((PyArray1::from_slice(py, x),))?;
        let pair = out
            .cast::<PyTuple>()
            .ok()
            .filter(|t| t.len() == 2)
            .ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "objective: value_grad(x) must return a pair (value, grad), got {}",
                    type_name(&out)
                ))
            })?;
        let value: f64 = pair.get_item(0)?.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "objective: the value must be a real number, got {}",
                type_name(&pair.get_item(0).expect("a pair"))
            ))
        })?;
        read_into(&pair.get_item(1)?, g, "objective: the gradient")?;
        if all_finite(x) && !(value.is_finite() && all_finite(g)) {
            return Err(PyValueError::new_err(format!(
                "objective: value_grad(x) returned a non-finite {} at a finite x (expected finite \
                 values; x = {x:?})",
                if value.is_finite() {
                    "gradient"
                } else {
                    "value"
                }
            )));
        }
        Ok(value)
    }

    fn eval(&self, x: &[f64], g: &mut [f64], step: Option<u64>) -> f64 {
        let context = || match step {
            Some(k) => format!("by the objective at step {k}"),
            None => "by the objective".into(),
        };
        self.slot
            .call(context, |py| self.try_eval(py, x, g))
            .unwrap_or_else(|| {
                g.fill(f64::NAN);
                f64::NAN
            })
    }

    fn try_hvp(
        &self,
        py: Python<'_>,
        h: &Py<PyAny>,
        x: &[f64],
        v: &[f64],
        out: &mut [f64],
    ) -> PyResult<()> {
        let r = h
            .bind(py)
            .call1((PyArray1::from_slice(py, x), PyArray1::from_slice(py, v)))?;
        read_into(&r, out, "objective: hvp(x, v)")
    }
}

impl Objective for PyObjective {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dim(&self) -> usize {
        self.n
    }
    fn value(&self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; self.n];
        self.eval(x, &mut g, None)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.eval(x, g, None);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.eval(x, g, None)
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        self.eval(x, g, Some(step))
    }
    /// The object's `hvp(x, v)`, or the central difference of the gradient with
    /// `h = ε^{1/3}·max(1, ‖x‖∞)/‖v‖∞`.
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        if let Form::Object { hvp: Some(h), .. } = &self.form {
            let context = || "by the objective's hvp".to_string();
            if self
                .slot
                .call(context, |py| self.try_hvp(py, h, x, v, out))
                .is_none()
            {
                out.fill(f64::NAN);
            }
            return;
        }
        let vmax = v.iter().fold(0.0f64, |m, a| m.max(a.abs()));
        if vmax == 0.0 {
            out.fill(0.0);
            return;
        }
        let h = f64::EPSILON.cbrt() * x.iter().fold(1.0f64, |m, a| m.max(a.abs())) / vmax;
        let plus: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
        let minus: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
        let mut gm = vec![0.0; self.n];
        self.eval(&plus, out, None);
        self.eval(&minus, &mut gm, None);
        for (o, m) in out.iter_mut().zip(&gm) {
            *o = (*o - m) / (2.0 * h);
        }
    }
}

/// A Python update rule: `lr`, `init(n) -> state`, `step(x, g, state) -> (x_new, state)`.
pub struct PyOptimizer {
    rule: Py<PyAny>,
    lr: f64,
    state: Mutex<Option<Py<PyAny>>>,
    slot: ErrorSlot,
}

impl fmt::Debug for PyOptimizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PyOptimizer(lr = {})", self.lr)
    }
}

impl PyOptimizer {
    /// `rule` as an optimizer; it must have `lr`, `init` and `step`.
    pub fn new(rule: &Bound<'_, PyAny>, slot: ErrorSlot) -> PyResult<Self> {
        for attr in ["lr", "init", "step"] {
            if !rule.hasattr(attr)? {
                return Err(PyTypeError::new_err(format!(
                    "optimizer must be a spec string, an optdyn.optim optimizer or an object with \
                     lr, init(n) and step(x, g, state); {} has no '{attr}'",
                    type_name(rule)
                )));
            }
        }
        let lr: f64 = rule
            .getattr("lr")?
            .extract()
            .map_err(|_| PyTypeError::new_err("optimizer: lr must be a real number".to_string()))?;
        if !(lr >= 0.0 && lr.is_finite()) {
            return Err(crate::errors::SpecError::new_err(format!(
                "optimizer: lr must be >= 0, got {lr}"
            )));
        }
        Ok(PyOptimizer {
            rule: rule.clone().unbind(),
            lr,
            state: Mutex::new(None),
            slot,
        })
    }

    fn try_step(&self, py: Python<'_>, x: &mut [f64], g: &[f64]) -> PyResult<()> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let state = st.as_ref().map_or_else(|| py.None(), |s| s.clone_ref(py));
        let out = self.rule.bind(py).call_method1(
            "step",
            (
                PyArray1::from_slice(py, x),
                PyArray1::from_slice(py, g),
                state,
            ),
        )?;
        let pair = out
            .cast::<PyTuple>()
            .ok()
            .filter(|t| t.len() == 2)
            .ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "optimizer: step(x, g, state) must return a pair (x_new, state), got {}",
                    type_name(&out)
                ))
            })?;
        read_into(&pair.get_item(0)?, x, "optimizer: x_new")?;
        *st = Some(pair.get_item(1)?.unbind());
        Ok(())
    }
}

impl Optimizer<f64> for PyOptimizer {
    fn name(&self) -> &'static str {
        "custom"
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn slot_names(&self) -> &'static [&'static str] {
        &[]
    }
    fn init(&self, n: usize) -> State<f64> {
        let r = Python::attach(|py| {
            self.rule
                .bind(py)
                .call_method1("init", (n,))
                .map(|s| s.unbind())
        });
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match r {
            Ok(s) => *st = Some(s),
            Err(e) => {
                *st = None;
                self.slot.set(e, "by the optimizer's init".into());
            }
        }
        State::zeros(n, 0, 0)
    }
    fn step(&self, state: &mut State<f64>, x: &mut [f64], g: &[f64]) {
        state.step += 1;
        if !self.slot.is_set() {
            match Python::attach(|py| self.try_step(py, x, g)) {
                Ok(()) => return,
                Err(e) => self
                    .slot
                    .set(e, format!("by the optimizer's step at step {}", state.step)),
            }
        }
        x.fill(f64::NAN);
    }
    fn with_lr(&self, lr: f64) -> optdyn::Result<Box<dyn Optimizer<f64>>> {
        Python::attach(|py| {
            let rule = self.rule.bind(py);
            let made = if rule.hasattr("with_lr").unwrap_or(false) {
                rule.call_method1("with_lr", (lr,))
                    .and_then(|r| PyOptimizer::new(&r, self.slot.clone()))
            } else {
                return Err(optdyn::Error::spec(
                    "custom optimizer: define with_lr(lr) returning the rule with learning rate \
                     lr to vary it (converge, basins)",
                ));
            };
            match made {
                Ok(o) => Ok(Box::new(o) as Box<dyn Optimizer<f64>>),
                Err(e) => {
                    self.slot.set(e, "by the optimizer's with_lr".into());
                    Err(optdyn::Error::spec("custom optimizer: with_lr failed"))
                }
            }
        })
    }
}

/// A Python continuous model: `rhs(t, z) -> dz` and `initial_state(x0) -> z0`, `z[:n] = θ`.
pub struct PyModel {
    name: String,
    rhs: Py<PyAny>,
    init: Py<PyAny>,
    n: usize,
    dim: usize,
    blocks: Vec<Block>,
    slot: ErrorSlot,
}

impl PyModel {
    /// The model of a `CustomModel`; its dimension is that of `initial_state(x0)`.
    pub fn new(custom: &Bound<'_, PyAny>, x0: &[f64], slot: ErrorSlot) -> PyResult<Self> {
        for attr in ["rhs", "initial_state"] {
            if !custom.hasattr(attr)? {
                return Err(PyTypeError::new_err(format!(
                    "model must be a spec string or an optdyn.CustomModel(rhs, initial_state); {} \
                     has no '{attr}'",
                    type_name(custom)
                )));
            }
        }
        let py = custom.py();
        let init = custom.getattr("initial_state")?;
        let z0 = to_vec(
            &init.call1((PyArray1::from_slice(py, x0),))?,
            "CustomModel: initial_state(x0)",
        )?;
        let n = x0.len();
        if z0.len() < n {
            return Err(PyValueError::new_err(format!(
                "CustomModel: initial_state(x0) must return z0 with at least n = {n} entries \
                 (z[:n] is θ), got {}",
                z0.len()
            )));
        }
        let aux = z0.len() - n;
        let names: Option<Vec<String>> = custom.getattr("state_names")?.extract()?;
        let blocks = match names {
            None if aux == 0 => Vec::new(),
            None => vec![Block::new("z", aux)],
            Some(names) if names.is_empty() && aux == 0 => Vec::new(),
            Some(names) if !names.is_empty() && aux.is_multiple_of(names.len()) => names
                .iter()
                .map(|s| Block::new(s.clone(), aux / names.len()))
                .collect(),
            Some(names) => {
                return Err(PyValueError::new_err(format!(
                    "CustomModel: {} state_names must split the {aux} auxiliary entries z[{n}:] \
                     into equal blocks",
                    names.len()
                )))
            }
        };
        let name = custom
            .getattr("name")
            .and_then(|s| s.extract::<String>())
            .unwrap_or_else(|_| "custom".into());
        Ok(PyModel {
            name,
            rhs: custom.getattr("rhs")?.unbind(),
            init: init.unbind(),
            n,
            dim: z0.len(),
            blocks,
            slot,
        })
    }

    fn try_rhs(&self, py: Python<'_>, t: f64, z: &[f64], dz: &mut [f64]) -> PyResult<()> {
        let out = self.rhs.bind(py).call1((t, PyArray1::from_slice(py, z)))?;
        read_into(&out, dz, "CustomModel: rhs(t, z)")?;
        if all_finite(z) && !all_finite(dz) {
            return Err(PyValueError::new_err(format!(
                "CustomModel: rhs(t, z) returned a non-finite value at a finite z (t = {t})"
            )));
        }
        Ok(())
    }
}

impl OdeSystem for PyModel {
    fn dim(&self) -> usize {
        self.dim
    }
    fn rhs(&self, t: f64, z: &[f64], dz: &mut [f64]) {
        let context = || format!("by the model's rhs at t = {t}");
        if self
            .slot
            .call(context, |py| self.try_rhs(py, t, z, dz))
            .is_none()
        {
            dz.fill(f64::NAN);
        }
    }
}

impl Model for PyModel {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn initial_state(&self, x0: &[f64]) -> Vec<f64> {
        let context = || "by the model's initial_state".to_string();
        self.slot
            .call(context, |py| {
                let out = self.init.bind(py).call1((PyArray1::from_slice(py, x0),))?;
                let mut z = vec![0.0; self.dim];
                read_into(&out, &mut z, "CustomModel: initial_state(x0)")?;
                Ok(z)
            })
            .unwrap_or_else(|| vec![f64::NAN; self.dim])
    }
    fn blocks(&self) -> Vec<Block> {
        self.blocks.clone()
    }
}

/// A `CustomModel`, or a factory `lr -> CustomModel` (or `lr -> KernelModel`), for the analyses
/// that rebuild models per learning rate. `x0` is the probe whose `initial_state` fixes the
/// dimension.
pub struct PyModelFactory {
    label: String,
    obj: Py<PyAny>,
    is_factory: bool,
    x0: Vec<f64>,
    slot: ErrorSlot,
}

impl PyModelFactory {
    /// `obj` (a `CustomModel` or a callable returning one) for problems from `x0`.
    pub fn new(obj: &Bound<'_, PyAny>, x0: &[f64], slot: ErrorSlot) -> PyResult<Self> {
        let is_factory = !obj.hasattr("rhs")?;
        if is_factory && !obj.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "models must be spec strings, optdyn.KernelModel or optdyn.CustomModel objects \
                 or callables lr -> CustomModel, got {}",
                type_name(obj)
            )));
        }
        let label = obj
            .getattr("name")
            .and_then(|s| s.extract::<String>())
            .or_else(|_| obj.getattr("__name__").and_then(|s| s.extract::<String>()))
            .unwrap_or_else(|_| "custom".into());
        Ok(PyModelFactory {
            label,
            obj: obj.clone().unbind(),
            is_factory,
            x0: x0.to_vec(),
            slot,
        })
    }
}

impl ModelFactory for PyModelFactory {
    fn label(&self) -> String {
        self.label.clone()
    }
    fn build(
        &self,
        opt: &dyn Optimizer<f64>,
        objective: Arc<dyn Objective>,
    ) -> optdyn::Result<Box<dyn Model>> {
        let r = Python::attach(|py| -> PyResult<Box<dyn Model>> {
            let obj = self.obj.bind(py);
            let custom = if self.is_factory {
                obj.call1((opt.lr(),))?
            } else {
                obj.clone()
            };
            if crate::kernels::is_kernel_model(&custom)? {
                let k = crate::kernels::PyKernelModel::new(&custom, self.slot.clone())?;
                return crate::errors::IntoPy::py(k.build(opt, objective.clone()));
            }
            Ok(Box::new(PyModel::new(
                &custom,
                &self.x0,
                self.slot.clone(),
            )?))
        });
        match r {
            Ok(m) => Ok(m),
            Err(e) => {
                self.slot
                    .set(e, format!("building the model '{}'", self.label));
                Err(optdyn::Error::spec(format!(
                    "model '{}' could not be built (the Python exception follows)",
                    self.label
                )))
            }
        }
    }
}
