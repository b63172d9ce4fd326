//! `optdyn.KernelModel`: a nonlocal model (`adam-ide1`, `adam-ide2`, `rmsprop-ide1`,
//! `adagrad-ide1`) whose memory kernels are spec strings or the user's Python callables
//! `K(s) -> float`.
//!
//! Without a callable the model is its spec text (`adam-ide1:t0=lr,kernel=power:a=0.5`) and is
//! built by the registry, so it is the very model the string gives. With one, it is built by the
//! typed constructors of [`optdyn::model::KernelModel`] with [`MemoryKernel::user`] wrapping the
//! callable: each evaluation re-attaches to the interpreter; an exception, a value that is not a
//! real number or a non-finite value is kept in the run's [`ErrorSlot`] (with `s` and the kernel
//! named) and the kernel returns NaN, which stops the run (`K(s) is not finite …`) before the
//! exception is raised unchanged.

use crate::callables::type_name;
use crate::errors::{ErrorSlot, IntoPy, SpecError};
use optdyn::kernel::MemoryKernel;
use optdyn::model::{self, KernelModel, Model, ModelFactory, Rate, Start};
use optdyn::objective::Objective;
use optdyn::optim::{Adagrad, Adam, Optimizer, RmsProp};
use optdyn::spec::Spec;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

/// The models that take a memory-kernel choice.
const MODELS: [&str; 4] = ["adam-ide1", "adam-ide2", "rmsprop-ide1", "adagrad-ide1"];

/// Whether `obj` is an `optdyn.KernelModel`.
pub fn is_kernel_model(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.hasattr("_optdyn_kernel_model")
}

/// One memory's kernel as given.
enum Choice {
    /// A spec string, parsed.
    Spec(MemoryKernel),
    /// A Python callable `K(s) -> float`.
    Callable(Arc<Py<PyAny>>),
}

/// The model's options other than the kernels, typed.
struct Options {
    start: Start,
    rate: Rate,
    u0: f64,
    window: bool,
}

/// An `optdyn.KernelModel`, checked; a [`ModelFactory`] (the optimizer sets the clock and the
/// paper kernels the default normalisation refers to).
pub struct PyKernelModel {
    model: &'static str,
    options: Vec<(String, String)>,
    kernels: Vec<(&'static str, Choice)>,
    /// The spec text, callables written `user`.
    spec: String,
    label: String,
    slot: ErrorSlot,
}

fn kernel_keys(model: &str) -> &'static [&'static str] {
    if model.starts_with("adam") {
        &["kernel", "kernel_m", "kernel_v"]
    } else {
        &["kernel"]
    }
}

/// Reads the options of `model` (everything but the kernels), as its spec does.
fn read_options(model: &str, options: &[(String, String)], user: bool) -> optdyn::Result<Options> {
    let pairs: Vec<(&str, String)> = options
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let s = Spec::new(model, &pairs);
    let start = |s: &Spec| -> optdyn::Result<Start> {
        Ok(match s.choice("t0", "0", &["0", "lr"])?.as_str() {
            "lr" => Start::Lr,
            _ => Start::Zero,
        })
    };
    let rate = |s: &Spec| -> optdyn::Result<Rate> {
        Ok(
            match s.choice("rate", "taylor", &["taylor", "exact"])?.as_str() {
                "exact" => Rate::Exact,
                _ => Rate::Taylor,
            },
        )
    };
    let mut o = Options {
        start: Start::Zero,
        rate: Rate::Taylor,
        u0: 0.0,
        window: true,
    };
    match model {
        "adam-ide1" => {
            o.start = start(&s)?;
            o.rate = rate(&s)?;
        }
        "adam-ide2" => {
            o.u0 = s.f64("u0", 0.0)?;
            o.start = start(&s)?;
        }
        "rmsprop-ide1" => {
            let v0 = s.choice("v0", "window", &["window", "first", "zero"])?;
            if v0 == "first" && user {
                return Err(optdyn::Error::spec(format!(
                    "{model}: v0=first is the exponential kernel's start-up value; with a user \
                     kernel use v0=window or v0=zero"
                )));
            }
            o.window = v0 != "zero";
            o.rate = rate(&s)?;
        }
        _ => o.window = s.choice("v0", "window", &["window", "zero"])? == "window",
    }
    let params = model::registry()
        .iter()
        .find(|e| e.info.name == model)
        .map(|e| e.info.params)
        .unwrap_or(&[]);
    s.finish(params)?;
    Ok(o)
}

/// `K(s)` of a Python callable: a finite real number, or NaN with the reason kept in `slot`.
fn user_kernel(f: Arc<Py<PyAny>>, who: String, slot: ErrorSlot) -> MemoryKernel {
    MemoryKernel::user(move |s| {
        let context = || format!("by the user kernel K(s) of {who} at s = {s}");
        slot.call(context, |py| {
            let out = f.bind(py).call1((s,))?;
            let k: f64 = out.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{who}: K(s) must return a real number, got {} at s = {s}",
                    type_name(&out)
                ))
            })?;
            if !k.is_finite() {
                return Err(PyValueError::new_err(format!(
                    "{who}: K(s) returned {k} at s = {s} (a kernel must be finite for s > 0)"
                )));
            }
            Ok(k)
        })
        .unwrap_or(f64::NAN)
    })
}

impl PyKernelModel {
    /// The model of an `optdyn.KernelModel` (`model`, `kernels` {key: spec | callable},
    /// `options` {key: text}, `name`), checked: an unknown model or key, a bad spec string or a
    /// kernel that is neither a string nor a callable is refused here, before any run.
    pub fn new(obj: &Bound<'_, PyAny>, slot: ErrorSlot) -> PyResult<Self> {
        let name: String = obj.getattr("model")?.extract().map_err(|_| {
            PyTypeError::new_err("KernelModel: model must be a string (e.g. \"adam-ide1\")")
        })?;
        let model = *MODELS.iter().find(|m| **m == name).ok_or_else(|| {
            SpecError::new_err(format!(
                "KernelModel: model must be one of {}, got '{name}'",
                MODELS.join(", ")
            ))
        })?;
        let allowed = kernel_keys(model);
        let given = obj.getattr("kernels")?;
        let given = given
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err("KernelModel: kernels must be a dict"))?;
        let mut kernels = Vec::new();
        for (key, value) in given.iter() {
            let key: String = key.extract()?;
            let key = *allowed.iter().find(|k| **k == key).ok_or_else(|| {
                SpecError::new_err(format!(
                    "{model}: unknown kernel key '{key}' (allowed: {})",
                    allowed.join(", ")
                ))
            })?;
            let choice = if let Ok(text) = value.extract::<String>() {
                Choice::Spec(MemoryKernel::parse(model, key, &text).py()?)
            } else if value.is_callable() {
                Choice::Callable(Arc::new(value.unbind()))
            } else {
                return Err(PyTypeError::new_err(format!(
                    "{model}: {key} must be a kernel spec string or a callable K(s) -> float, got {}",
                    type_name(&value)
                )));
            };
            kernels.push((key, choice));
        }
        let has = |k: &str| kernels.iter().any(|(key, _)| *key == k);
        if has("kernel") && (has("kernel_m") || has("kernel_v")) {
            return Err(SpecError::new_err(format!(
                "{model}: give kernel (both moments) or kernel_m/kernel_v, not both"
            )));
        }
        let given = obj.getattr("options")?;
        let given = given
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err("KernelModel: options must be a dict"))?;
        let mut options = Vec::new();
        for (k, v) in given.iter() {
            options.push((k.extract::<String>()?, v.str()?.extract::<String>()?));
        }
        for (k, _) in &options {
            if k.starts_with("kernel") {
                return Err(SpecError::new_err(format!(
                    "{model}: give {k} as the KernelModel argument {k}=…, not as an option"
                )));
            }
        }
        let user = kernels
            .iter()
            .any(|(_, c)| matches!(c, Choice::Callable(_)));
        read_options(model, &options, user).py()?;
        let mut parts: Vec<String> = options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for (key, c) in &kernels {
            let text = match c {
                Choice::Spec(k) => k.text(),
                Choice::Callable(_) => "user".into(),
            };
            parts.push(format!("{key}={text}"));
        }
        let spec = if parts.is_empty() {
            model.to_string()
        } else {
            format!("{model}:{}", parts.join(","))
        };
        if !user {
            // Checked by the registry's own parser (the same text a string model would give).
            model::ModelSpec::parse(&spec).py()?;
        }
        let label = match obj.getattr("name")?.extract::<Option<String>>()? {
            Some(n) => n,
            None => spec.clone(),
        };
        Ok(PyKernelModel {
            model,
            options,
            kernels,
            spec,
            label,
            slot,
        })
    }

    fn kernel(&self, key: &str) -> MemoryKernel {
        match self.kernels.iter().find(|(k, _)| *k == key) {
            None => MemoryKernel::Paper,
            Some((_, Choice::Spec(k))) => k.clone(),
            Some((_, Choice::Callable(f))) => user_kernel(
                f.clone(),
                format!("{}: {key}", self.model),
                self.slot.clone(),
            ),
        }
    }

    fn moments(&self) -> (MemoryKernel, MemoryKernel) {
        if self.kernels.iter().any(|(k, _)| *k == "kernel") {
            let k = self.kernel("kernel");
            (k.clone(), k)
        } else {
            (self.kernel("kernel_m"), self.kernel("kernel_v"))
        }
    }

    fn build_model(
        &self,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> optdyn::Result<Box<dyn Model>> {
        let user = self
            .kernels
            .iter()
            .any(|(_, c)| matches!(c, Choice::Callable(_)));
        if !user {
            return model::parse(&self.spec, opt, obj);
        }
        let o = read_options(self.model, &self.options, true)?;
        let m = self.model;
        let built = match m {
            "adam-ide1" => {
                let adam: &Adam = model::optimizer_as(m, opt, &["adam", "adamw"])?;
                KernelModel::adam1(adam, o.start, o.rate, self.moments(), obj)?
            }
            "adam-ide2" => {
                let adam: &Adam = model::optimizer_as(m, opt, &["adam", "adamw"])?;
                KernelModel::adam2(adam, o.u0, o.start, self.moments(), obj)?
            }
            "rmsprop-ide1" => {
                let r: &RmsProp = model::optimizer_as(m, opt, &["rmsprop"])?;
                KernelModel::rmsprop(r, o.window, o.rate, self.kernel("kernel"), obj)?
            }
            _ => {
                let a: &Adagrad = model::optimizer_as(m, opt, &["adagrad"])?;
                KernelModel::adagrad(a, o.window, self.kernel("kernel"), obj)?
            }
        };
        Ok(Box::new(built.named(self.label.clone())))
    }
}

impl ModelFactory for PyKernelModel {
    fn label(&self) -> String {
        self.label.clone()
    }
    fn build(
        &self,
        opt: &dyn Optimizer<f64>,
        obj: Arc<dyn Objective>,
    ) -> optdyn::Result<Box<dyn Model>> {
        self.build_model(opt, obj)
    }
}

/// Checks an `optdyn.KernelModel` and returns its spec text (callables written `user`).
#[pyfunction]
pub fn kernel_model_spec(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(PyKernelModel::new(obj, ErrorSlot::default())?.spec.clone())
}
