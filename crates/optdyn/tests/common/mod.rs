//! Fixtures shared by the integration tests: the torch.optim float64 reference iterates (one
//! copy, `tests/data/torch_optim_public.json`) and the gradients of its two objectives.

#![allow(dead_code)]

use serde_json::Value;

/// The reference cases: `{objective, optimizer, x0, steps, iterates, …}` per entry.
pub fn torch_cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/torch_optim_public.json"
    );
    let text = std::fs::read_to_string(path).expect("oracle file is readable");
    let v: Value = serde_json::from_str(&text).expect("oracle file is JSON");
    v["cases"].as_array().expect("cases array").clone()
}

/// A JSON array of numbers.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// ∇ of `(x − 4)²`.
pub fn grad_shifted_square(x: &[f64], g: &mut [f64]) {
    g[0] = 2.0 * (x[0] - 4.0);
}

/// ∇ of `(1 − x)² + 100(y − x²)²`: `(−2(1 − x) − 2x·200(y − x²), 200(y − x²))`, evaluated in the
/// order reverse-mode autograd evaluates it.
pub fn grad_rosenbrock(x: &[f64], g: &mut [f64]) {
    let r = x[1] - x[0] * x[0];
    g[0] = -2.0 * (1.0 - x[0]) + (-(200.0 * r)) * (2.0 * x[0]);
    g[1] = 200.0 * r;
}
