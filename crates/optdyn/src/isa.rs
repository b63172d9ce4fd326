//! Run-time CPU dispatch: the instruction sets the hot loops (the batched sweep kernel, the Adam
//! step) are compiled for. Each such loop is one `#[inline(always)]` body instantiated inside
//! `#[target_feature]` functions; Rust never contracts `a·b + c` into a fused multiply-add and
//! `√`, `÷` are correctly rounded at every width, so every build gives the same bits — which the
//! tests check on every instruction set the test machine has.

/// An instruction set a hot loop is compiled for, chosen at run time by [`Isa::detect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// The target's baseline (SSE2 on x86-64).
    Baseline,
    /// AVX2 (x86-64).
    Avx2,
    /// AVX-512 F/DQ/VL (x86-64).
    Avx512,
}

impl Isa {
    /// True when this CPU can run the kernel built for `self`.
    pub fn supported(self) -> bool {
        match self {
            Isa::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest supported instruction set.
    pub fn detect() -> Isa {
        [Isa::Avx512, Isa::Avx2]
            .into_iter()
            .find(|i| i.supported())
            .unwrap_or(Isa::Baseline)
    }

    /// Every instruction set this CPU supports, narrowest first.
    pub fn available() -> Vec<Isa> {
        [Isa::Baseline, Isa::Avx2, Isa::Avx512]
            .into_iter()
            .filter(|i| i.supported())
            .collect()
    }
}
