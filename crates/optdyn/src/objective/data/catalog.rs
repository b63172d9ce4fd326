//! Catalog entries of the data objectives: the shared parameters (`COMMON`, `DATA_KEY`,
//! `BIAS_KEY`) and the `ComponentInfo` of `lsq`, `regression`, `logistic` and `mlp`.

use crate::spec::{ComponentInfo, ParamInfo};

const DATA_HELP: &str =
    "data set: linear | regression | moons | spirals | teacher | digits (mlp only: 1797 8x8 images, pixels/16, 10 classes) | csv:PATH (last column = target)";

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
            key: "split",
            default: "all",
            help: "data=digits: train | test | all (stratified split, same split for the same test_frac and split_seed)",
        },
        ParamInfo {
            key: "test_frac",
            default: "0.3",
            help: "data=digits: held-out fraction per class, in (0, 1)",
        },
        ParamInfo {
            key: "split_seed",
            default: "0",
            help: "data=digits: seed of the split",
        },
        ParamInfo {
            key: "teacher_widths",
            default: "widths",
            help: "widths of the teacher network (data=teacher)",
        },
    ),
};
