//! Spec builders of the data objectives (`build_lsq`, `build_regression`, `build_logistic`,
//! `build_mlp`) and their shared parsing helpers.

use super::catalog::{LOGISTIC_INFO, LSQ_INFO, MLP_INFO, REGRESSION_INFO};
use super::{datasets, digits, linear, mlp, Batching, Dataset};
use crate::objective::Objective;
use crate::spec::{check, Spec};
use crate::{Error, Result};

fn batching(s: &Spec, seed: u64) -> Result<Batching> {
    Ok(Batching {
        batch: s.usize("batch", 0)?,
        seed: s.u64("batch_seed", seed)?,
    })
}

fn positive_n(s: &Spec, default: usize) -> Result<usize> {
    let n = s.usize("n", default)?;
    if n == 0 {
        return Err(Error::spec(format!("{}: n must be >= 1, got 0", s.name)));
    }
    fits(s, n, 1)?;
    Ok(n)
}

/// Refuses, up front and in one line, `n` samples of `width` values each that cannot fit in
/// memory (inputs, targets and per-sample gradients take a few copies: 4 × 8 bytes per value).
fn fits(s: &Spec, n: usize, width: usize) -> Result<()> {
    crate::memory::check(
        &format!("{}: n = {n} samples of {width} values", s.name),
        n as f64 * (width as f64 + 1.0) * 32.0,
        "use a smaller n or dim",
    )
}

/// The synthetic or CSV data named by `data=` (`default` when absent). `features` is the input
/// dimension of `linear`/`teacher` data; `teacher` is built by the caller (needs the network).
fn dataset(
    s: &Spec,
    default: &str,
    features: usize,
    seed: u64,
) -> Result<(String, Option<Dataset>)> {
    let who = s.name.as_str();
    let kind = s.string("data", default);
    let noise = check::non_negative(who, "noise", s.f64("noise", 0.1)?)?;
    let n = positive_n(s, 200)?;
    let d = match kind.as_str() {
        "linear" => {
            fits(s, n, features)?;
            Some(datasets::linear_teacher(n, features, noise, seed).0)
        }
        "regression" => Some(datasets::regression(n, noise, seed)),
        "moons" => Some(datasets::moons(n, noise, seed)),
        "spirals" => {
            let c = s.usize("classes", 2)?;
            if c < 2 {
                return Err(Error::spec(format!("{who}: classes must be >= 2, got {c}")));
            }
            let turns = check::positive(who, "turns", s.f64("turns", 1.0)?)?;
            Some(datasets::spirals(n, c, turns, noise, seed))
        }
        "teacher" => None,
        "digits" if who == "mlp" => {
            let part = digits::Part::parse(who, &s.string("split", "all"))?;
            let test_frac = s.f64("test_frac", 0.3)?;
            Some(digits::split(part, test_frac, s.u64("split_seed", 0)?)?)
        }
        "digits" => {
            return Err(Error::spec(format!(
                "{who}: data=digits (10 classes) is only available to mlp"
            )))
        }
        k if k.starts_with("csv:") => Some(datasets::read_csv(std::path::Path::new(&k[4..]))?),
        k => {
            return Err(Error::spec(format!(
                "{who}: data must be linear, regression, moons, spirals, teacher, digits or csv:PATH, got '{k}'"
            )))
        }
    };
    Ok((kind, d))
}

fn features(s: &Spec, dim: usize) -> Result<usize> {
    let f = s.usize("dim", dim.max(1))?;
    if f == 0 {
        return Err(Error::spec(format!("{}: dim must be >= 1, got 0", s.name)));
    }
    crate::memory::check(
        &format!("{}: dim = {f}", s.name),
        f as f64 * 32.0,
        "use a smaller dim",
    )?;
    Ok(f)
}

pub fn build_lsq(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    let seed = s.u64("seed", 0)?;
    let bias = s.bool("bias", false)?;
    let (kind, d) = dataset(s, "linear", features(s, dim)?, seed)?;
    let Some(d) = d else {
        return Err(Error::spec(format!(
            "lsq: data must be linear, regression, moons, spirals or csv:PATH, got '{kind}'"
        )));
    };
    let b = batching(s, seed)?;
    s.finish(LSQ_INFO.params)?;
    Ok(Box::new(linear::LinearModel::new(
        s.to_string(),
        linear::LinearLoss::Squared,
        d,
        bias,
        b,
    )))
}

pub fn build_regression(s: &Spec) -> Result<Box<dyn Objective>> {
    let n = positive_n(s, 1000)?;
    let noise = check::non_negative("regression", "noise", s.f64("noise", 0.1)?)?;
    let seed = s.u64("seed", 42)?;
    let b = batching(s, seed)?;
    s.finish(REGRESSION_INFO.params)?;
    Ok(Box::new(linear::LinearModel::new(
        s.to_string(),
        linear::LinearLoss::Squared,
        datasets::regression(n, noise, seed),
        false,
        b,
    )))
}

fn binary_labels(who: &str, d: &mut Dataset) -> Result<()> {
    if d.classes.is_none() && d.y.iter().all(|v| *v == -1.0 || *v == 1.0) {
        d.y.iter_mut().for_each(|v| *v = (*v + 1.0) / 2.0);
    }
    if d.y.iter().any(|v| *v != 0.0 && *v != 1.0) {
        return Err(Error::spec(format!(
            "{who}: logistic targets must be labels 0/1 (or -1/1), found {}",
            d.y.iter()
                .find(|v| **v != 0.0 && **v != 1.0)
                .copied()
                .unwrap_or(f64::NAN)
        )));
    }
    d.classes = Some(2);
    Ok(())
}

pub fn build_logistic(s: &Spec, dim: usize) -> Result<Box<dyn Objective>> {
    let seed = s.u64("seed", 0)?;
    let bias = s.bool("bias", true)?;
    let (kind, d) = dataset(s, "moons", features(s, dim)?, seed)?;
    let Some(mut d) = d else {
        return Err(Error::spec(format!(
            "logistic: data must be linear, moons, spirals or csv:PATH, got '{kind}'"
        )));
    };
    if kind == "linear" {
        d.y.iter_mut()
            .for_each(|v| *v = f64::from(u8::from(*v > 0.0)));
    }
    binary_labels("logistic", &mut d)?;
    let b = batching(s, seed)?;
    s.finish(LOGISTIC_INFO.params)?;
    Ok(Box::new(linear::LinearModel::new(
        s.to_string(),
        linear::LinearLoss::Logistic,
        d,
        bias,
        b,
    )))
}

fn widths(s: &Spec, key: &str) -> Result<Option<Vec<usize>>> {
    let Some(list) = s.f64_list(key)? else {
        return Ok(None);
    };
    let mut w = Vec::with_capacity(list.len());
    for v in list {
        if v < 1.0 || v.fract() != 0.0 || v > 1e7 {
            return Err(Error::spec(format!(
                "{}: {key} must be positive integers, got {v}",
                s.name
            )));
        }
        w.push(v as usize);
    }
    if w.len() < 2 {
        return Err(Error::spec(format!(
            "{}: {key} needs at least 2 widths (input;output), got {}",
            s.name,
            w.len()
        )));
    }
    Ok(Some(w))
}

/// Builds the `mlp` objective as its concrete type (for callers that need
/// [`mlp::Mlp::init_params`] or the layer groups).
pub fn build_mlp(s: &Spec, dim: usize) -> Result<mlp::Mlp> {
    let seed = s.u64("seed", 0)?;
    let act = match s.choice("act", "tanh", &["tanh", "relu"])?.as_str() {
        "relu" => mlp::Activation::Relu,
        _ => mlp::Activation::Tanh,
    };
    let layernorm = s.bool("layernorm", false)?;
    let ln_eps = check::non_negative("mlp", "ln_eps", s.f64("ln_eps", 1e-5)?)?;
    let loss_key = s.choice("loss", "auto", &["auto", "mse", "logistic", "softmax"])?;
    let given = widths(s, "widths")?;
    let input = given.as_ref().map_or(features(s, dim)?, |w| w[0]);
    let (kind, d) = dataset(s, "spirals", input, seed)?;
    let twidths = widths(s, "teacher_widths")?;
    let b = batching(s, seed)?;
    s.finish(MLP_INFO.params)?;
    let mut data = match d {
        Some(d) => d,
        None => {
            let tw = twidths
                .clone()
                .or_else(|| given.clone())
                .unwrap_or_else(|| vec![input, 16, 1]);
            let n = positive_n(s, 200)?;
            let noise = s.f64("noise", 0.1)?;
            let x = datasets::gaussian_inputs(n, tw[0], seed);
            let k = tw[tw.len() - 1];
            let shell = Dataset {
                n,
                d: tw[0],
                k,
                x,
                y: vec![0.0; n * k],
                classes: None,
            };
            let teacher = mlp::Mlp::new(
                "teacher".into(),
                tw,
                act,
                false,
                ln_eps,
                mlp::MlpLoss::Squared,
                shell.clone(),
                Batching { batch: 0, seed },
            );
            let tp = teacher.init_params(seed.wrapping_add(1));
            let mut y = Vec::new();
            teacher.predict(&tp, None, &mut y);
            let mut r = datasets::rng(seed, 6);
            y.iter_mut()
                .for_each(|v| *v += noise * datasets::normal(&mut r));
            Dataset { y, ..shell }
        }
    };
    if kind == "teacher" && twidths.is_none() && given.is_none() {
        return Err(Error::spec("mlp: data=teacher needs widths="));
    }
    let out_default = match data.classes {
        Some(2) => 1,
        Some(c) => c,
        None => data.k,
    };
    let w = given.unwrap_or_else(|| vec![data.d, 16, 16, out_default]);
    if w[0] != data.d {
        return Err(Error::spec(format!(
            "mlp: widths must start with the input dimension {} of data={kind}, got {}",
            data.d, w[0]
        )));
    }
    let out = w[w.len() - 1];
    let loss = match loss_key.as_str() {
        "mse" => mlp::MlpLoss::Squared,
        "logistic" => mlp::MlpLoss::Logistic,
        "softmax" => mlp::MlpLoss::Softmax,
        _ => match data.classes {
            Some(2) if out == 1 => mlp::MlpLoss::Logistic,
            Some(_) => mlp::MlpLoss::Softmax,
            None => mlp::MlpLoss::Squared,
        },
    };
    match loss {
        mlp::MlpLoss::Squared if out != data.k => {
            return Err(Error::spec(format!(
                "mlp: loss mse needs {} outputs (target columns), got widths ending in {out}",
                data.k
            )))
        }
        mlp::MlpLoss::Logistic => {
            binary_labels("mlp", &mut data)?;
            if out != 1 {
                return Err(Error::spec(format!(
                    "mlp: loss logistic needs 1 output, got widths ending in {out}"
                )));
            }
        }
        mlp::MlpLoss::Softmax => match data.classes {
            Some(c) if c == out => {}
            Some(c) => {
                return Err(Error::spec(format!(
                    "mlp: loss softmax needs {c} outputs (classes), got widths ending in {out}"
                )))
            }
            None => {
                return Err(Error::spec(
                    "mlp: loss softmax needs class labels 0, 1, … as targets",
                ))
            }
        },
        _ => {}
    }
    Ok(mlp::Mlp::new(
        s.to_string(),
        w,
        act,
        layernorm,
        ln_eps,
        loss,
        data,
        b,
    ))
}
