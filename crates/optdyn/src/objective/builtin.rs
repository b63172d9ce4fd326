//! Built-in objectives with hand-written gradients and Hessians.

use super::Objective;
use crate::spec::{ComponentInfo, Spec};
use crate::{Error, Result};

/// Built-in objective names and parameters.
pub fn catalog() -> Vec<ComponentInfo> {
    Vec::new()
}

/// Builds a built-in objective.
pub fn build(s: &Spec, _dim: usize) -> Result<Box<dyn Objective>> {
    Err(Error::spec(format!("unknown objective '{}'", s.name)))
}
