//! Causal memory kernels `K(s)`, `s = t − τ ≥ 0`.
