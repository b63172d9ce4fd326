//! `expr:<formula>` objectives with exact derivatives.

use super::Objective;
use crate::spec::ComponentInfo;
use crate::{Error, Result};

/// Catalog entry.
pub const INFO: ComponentInfo = ComponentInfo {
    name: "expr",
    summary: "a formula in x, y, z or x0, x1, …",
    params: &[],
};

/// A user formula.
pub struct ExprObjective;

impl ExprObjective {
    /// Parses a formula.
    pub fn parse(_text: &str, _dim: usize) -> Result<Self> {
        Err(Error::spec("expr: not yet"))
    }
}

impl Objective for ExprObjective {
    fn name(&self) -> String {
        String::new()
    }
    fn dim(&self) -> usize {
        0
    }
    fn value(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn gradient(&self, _x: &[f64], _g: &mut [f64]) {}
    fn hvp(&self, _x: &[f64], _v: &[f64], _out: &mut [f64]) {}
}
