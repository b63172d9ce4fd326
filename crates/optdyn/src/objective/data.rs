//! Data objectives: empirical risks `f(w) = (1/N) Σ_i ℓ_i(w)` on built-in synthetic data or a
//! user CSV file — least squares (`lsq`, `regression`), logistic regression (`logistic`) and a
//! small multilayer perceptron (`mlp`); plus the scale-invariant wrapper of
//! [`super::scale_invariant`] (dispatched from [`build`] too, so one hook serves both).
//!
//! Every data objective offers the full-batch gradient, per-sample gradients
//! ([`Objective::sample_gradient`], so expectations over the data can be taken exactly) and
//! minibatch gradients ([`Objective::gradient_at_step`]): with `batch=B` (0 = full batch) step
//! `t` uses `B` distinct indices drawn by a partial Fisher–Yates shuffle from a ChaCha8 stream
//! seeded by `(batch_seed, t)` — reproducible and independent of threads and of the order in
//! which steps are evaluated.
//!
//! Dimension: a data objective fixes its own parameter count ([`Objective::dim`]). `lsq` with
//! `data=linear` takes its feature count from `dim=` or else from the caller's `dim` (the length
//! of `--x0`). Proposed CLI rule: `len(x0)` must equal `dim()` unless `x0` is a single value,
//! which is broadcast; `mlp` objectives also offer a seeded [`mlp::Mlp::init_params`].
//! Over-parametrised settings: `lsq:n=20,dim=100` (100 parameters, 20 samples), or an `mlp`
//! whose [`mlp::Mlp::param_count`] exceeds `n`.

pub mod datasets;
pub mod linear;
pub mod mlp;

pub use datasets::Dataset;

use crate::objective::Objective;
use crate::spec::{check, ComponentInfo, ParamInfo, Spec};
use crate::{Error, Result};
use rand::Rng;
use std::sync::Mutex;

/// Minibatch settings: `batch` samples per step (0 or ≥ N: full batch), drawn from `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batching {
    /// Samples per step; 0 means the full batch.
    pub batch: usize,
    /// Seed of the batch stream.
    pub seed: u64,
}

/// Index buffers of a minibatch draw.
#[derive(Debug, Default)]
pub struct Scratch {
    perm: Vec<usize>,
    /// The indices of the last draw.
    pub idx: Vec<usize>,
}

impl Batching {
    /// Whether every step sees the whole data set of `n` samples.
    pub fn is_full(&self, n: usize) -> bool {
        self.batch == 0 || self.batch >= n
    }

    /// Draws the `batch` distinct indices of step `step` into `s.idx`: the first `batch`
    /// entries of a partial Fisher–Yates shuffle of `0..n` driven by ChaCha8(`seed`) on stream
    /// `step`. Allocation-free once the buffers have grown to `n`.
    pub fn draw(&self, n: usize, step: u64, s: &mut Scratch) {
        let mut r = datasets::rng(self.seed ^ 0x5851_f42d_4c95_7f2d, step);
        s.perm.clear();
        s.perm.extend(0..n);
        let b = self.batch.min(n);
        for j in 0..b {
            let k = r.random_range(j..n);
            s.perm.swap(j, k);
        }
        s.idx.clear();
        s.idx.extend_from_slice(&s.perm[..b]);
    }
}

/// A lock-protected stack of reusable work buffers: each call pops one (or makes a fresh one),
/// so concurrent callers never share buffers and steady-state calls allocate nothing.
pub struct Pool<T> {
    items: Mutex<Vec<T>>,
}

impl<T: Default> Pool<T> {
    /// An empty pool.
    pub fn new() -> Self {
        Pool {
            items: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a buffer from the pool.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut w = self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let r = f(&mut w);
        self.items.lock().unwrap_or_else(|e| e.into_inner()).push(w);
        r
    }
}

impl<T: Default> Default for Pool<T> {
    fn default() -> Self {
        Self::new()
    }
}

const DATA_HELP: &str =
    "data set: linear | regression | moons | spirals | teacher | csv:PATH (last column = target)";

const COMMON: [ParamInfo; 8] = [
    ParamInfo {
        key: "n",
        default: "200",
        help: "number of samples of a synthetic data set (>= 1)",
    },
    ParamInfo {
        key: "noise",
        default: "0.1",
        help: "noise standard deviation of the synthetic data (>= 0)",
    },
    ParamInfo {
        key: "seed",
        default: "0",
        help: "seed of the data (and of the batches unless batch_seed is given)",
    },
    ParamInfo {
        key: "batch",
        default: "0",
        help: "minibatch size per step (0 = full batch)",
    },
    ParamInfo {
        key: "batch_seed",
        default: "seed",
        help: "seed of the minibatch draws",
    },
    ParamInfo {
        key: "classes",
        default: "2",
        help: "number of spiral arms (data=spirals, >= 2)",
    },
    ParamInfo {
        key: "turns",
        default: "1",
        help: "turns of each spiral arm (data=spirals, > 0)",
    },
    ParamInfo {
        key: "dim",
        default: "len(x0)",
        help: "input features of data=linear (and teacher inputs)",
    },
];

macro_rules! params {
    ($($extra:expr),* $(,)?) => {{
        const P: &[ParamInfo] = &[
            $($extra,)*
            COMMON[0], COMMON[1], COMMON[2], COMMON[3], COMMON[4], COMMON[5], COMMON[6], COMMON[7],
        ];
        P
    }};
}

const DATA_KEY: ParamInfo = ParamInfo {
    key: "data",
    default: "see summary",
    help: DATA_HELP,
};
const BIAS_KEY: ParamInfo = ParamInfo {
    key: "bias",
    default: "false",
    help: "append a bias parameter (last coordinate)",
};

/// `lsq`: least squares `(1/N) Σ (a_iᵀw − y_i)²`.
pub const LSQ_INFO: ComponentInfo = ComponentInfo {
    name: "lsq",
    summary: "least squares (1/N)Σ(a_i·w − y_i)² on data (default data=linear: a_i ~ N(0,I), y = a·w* + noise); dim > n is over-parametrised",
    params: params!(DATA_KEY, BIAS_KEY),
};

/// `regression`: Heredia's P1-appendix MSE regression.
pub const REGRESSION_INFO: ComponentInfo = ComponentInfo {
    name: "regression",
    summary: "Heredia's regression (heredia.md §4): x ~ U(0,1), y = 2x + N(0, 0.1²), f(θ) = mean((y − θx)²), 1-D; same distribution as the notebook, own generator",
    params: &[
        ParamInfo {
            key: "n",
            default: "1000",
            help: "number of samples",
        },
        ParamInfo {
            key: "noise",
            default: "0.1",
            help: "noise standard deviation",
        },
        ParamInfo {
            key: "seed",
            default: "42",
            help: "seed of the data and batches",
        },
        COMMON[3],
        COMMON[4],
    ],
};

/// `logistic`: logistic regression.
pub const LOGISTIC_INFO: ComponentInfo = ComponentInfo {
    name: "logistic",
    summary: "logistic regression (1/N)Σ ln(1+exp(−s_i a_i·w)), labels 0/1 (default data=moons, bias=true)",
    params: params!(DATA_KEY, BIAS_KEY),
};

/// `mlp`: multilayer perceptron.
pub const MLP_INFO: ComponentInfo = ComponentInfo {
    name: "mlp",
    summary: "multilayer perceptron, hand-written backprop, optional layer norm (default data=spirals, loss by data: softmax/logistic for classes, squared error otherwise)",
    params: params!(
        DATA_KEY,
        ParamInfo {
            key: "widths",
            default: "2;16;16;C",
            help: "layer widths w_0;…;w_L (w_0 = input dimension, w_L = outputs)",
        },
        ParamInfo {
            key: "act",
            default: "tanh",
            help: "hidden activation: tanh | relu",
        },
        ParamInfo {
            key: "layernorm",
            default: "false",
            help: "layer normalisation (no affine) after every hidden linear map",
        },
        ParamInfo {
            key: "ln_eps",
            default: "1e-5",
            help: "layer-norm epsilon (>= 0)",
        },
        ParamInfo {
            key: "loss",
            default: "auto",
            help: "auto | mse | logistic | softmax",
        },
        ParamInfo {
            key: "teacher_widths",
            default: "widths",
            help: "widths of the teacher network (data=teacher)",
        },
    ),
};

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
    Ok(n)
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
        "linear" => Some(datasets::linear_teacher(n, features, noise, seed).0),
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
        k if k.starts_with("csv:") => Some(datasets::read_csv(std::path::Path::new(&k[4..]))?),
        k => {
            return Err(Error::spec(format!(
                "{who}: data must be linear, regression, moons, spirals, teacher or csv:PATH, got '{k}'"
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
