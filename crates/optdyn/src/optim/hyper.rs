//! One table per optimizer: every hyperparameter's field, type, torch default, allowed range and
//! help text is written once, in a [`hyperparameters!`](crate::hyperparameters) invocation, and
//! the macro generates from it
//!
//! * the struct with public fields and `Default` (torch's defaults, the table's default column),
//! * a builder setter per field (`Adam::default().lr(1e-3).beta1(0.99)`),
//! * `PARAMS`, the text `optdyn list` prints and unknown-key errors quote,
//! * `validate()`, the typed range errors ([`crate::Error::Param`]) plus cross-field rules,
//! * `from_spec_over(spec, base)`, the spec parser (keys over `base`'s values, unknown keys
//!   refused, then `validate`).
//!
//! So a default cannot differ between the typed value, the parser and the listing (a test checks
//! that every listed default parses to the typed `Default`).

use crate::error::Allowed;
use crate::spec::{check, Spec};
use crate::Result;

/// Any value of the type (booleans).
pub const ANY: Option<Allowed> = None;
/// `x ≥ 0`.
pub const NON_NEGATIVE: Option<Allowed> = Some(Allowed::NonNegative);
/// `x > 0`.
pub const POSITIVE: Option<Allowed> = Some(Allowed::Positive);
/// `0 ≤ x < 1` (decay rates β).
pub const UNIT_CLOSED_OPEN: Option<Allowed> = Some(Allowed::ClosedOpen(0.0, 1.0));
/// `0 ≤ x ≤ 1`.
pub const UNIT_CLOSED: Option<Allowed> = Some(Allowed::Closed(0.0, 1.0));

/// A hyperparameter type a table row can hold.
pub trait Hyper: Copy {
    /// The default from the table's text (`0.001`, `1e-8`, `false`).
    fn from_default(text: &str) -> Self;
    /// The spec's value for `key`, or `default` when absent.
    fn read(spec: &Spec, key: &str, default: Self) -> Result<Self>;
    /// Checks the value against the row's range.
    fn check(self, who: &str, key: &str, allowed: Option<Allowed>) -> Result<()>;
}

impl Hyper for f64 {
    fn from_default(text: &str) -> Self {
        text.parse()
            .unwrap_or_else(|_| panic!("default '{text}' is not a number"))
    }
    fn read(spec: &Spec, key: &str, default: Self) -> Result<Self> {
        spec.f64(key, default)
    }
    fn check(self, who: &str, key: &str, allowed: Option<Allowed>) -> Result<()> {
        check::within(who, key, self, allowed.unwrap_or(Allowed::Finite)).map(|_| ())
    }
}

impl Hyper for bool {
    fn from_default(text: &str) -> Self {
        text.parse()
            .unwrap_or_else(|_| panic!("default '{text}' is not a bool"))
    }
    fn read(spec: &Spec, key: &str, default: Self) -> Result<Self> {
        spec.bool(key, default)
    }
    fn check(self, _who: &str, _key: &str, _allowed: Option<Allowed>) -> Result<()> {
        Ok(())
    }
}

/// Declares an optimizer's hyperparameter table (see [`crate::optim::hyper`]).
///
/// ```text
/// hyperparameters! {
///     /// doc
///     pub struct Sgd {
///         /// field doc
///         lr: f64 = 0.001, NON_NEGATIVE, "learning rate γ >= 0";
///         nesterov: bool = false, ANY, "Nesterov momentum";
///     }
///     fixed { /* fields that are not spec keys, with their default */ }
///     check = Sgd::cross_check;   // optional cross-field rule, fn(&Self) -> Result<()>
///     base = Adam::defaults_for;  // optional defaults by spec name, fn(&str) -> Self
/// }
/// ```
/// The component name in error messages is the optimizer's `Optimizer::name`.
#[macro_export]
macro_rules! hyperparameters {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $fty:ty = $default:literal, $allowed:expr, $help:literal;
            )*
        }
        $( fixed { $( $(#[$xmeta:meta])* $xfield:ident : $xty:ty = $xdefault:expr; )* } )?
        $( check = $check:path; )?
        $( base = $base:path; )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $ty {
            $( $(#[$fmeta])* pub $field: $fty, )*
            $($( $(#[$xmeta])* pub $xfield: $xty, )*)?
        }

        impl Default for $ty {
            /// torch's defaults: the default column of the table.
            fn default() -> Self {
                $ty {
                    $( $field: <$fty as $crate::optim::hyper::Hyper>::from_default(stringify!($default)), )*
                    $($( $xfield: $xdefault, )*)?
                }
            }
        }

        impl $ty {
            /// The spec keys with their torch defaults and allowed ranges (`optdyn list`).
            pub const PARAMS: &'static [$crate::spec::ParamInfo] = &[
                $( $crate::spec::ParamInfo {
                    key: stringify!($field),
                    default: stringify!($default),
                    help: $help,
                }, )*
            ];

            $(
                #[doc = concat!("Sets `", stringify!($field), "`: ", $help, ".")]
                #[must_use]
                pub fn $field(mut self, value: $fty) -> Self {
                    self.$field = value;
                    self
                }
            )*

            /// Checks every field against its range (a typed [`crate::Error::Param`]), then the
            /// cross-field rules.
            pub fn validate(&self) -> $crate::Result<()> {
                let who = <Self as $crate::optim::Optimizer<f64>>::name(self);
                $( $crate::optim::hyper::Hyper::check(self.$field, who, stringify!($field), $allowed)?; )*
                $( $check(self)?; )?
                Ok(())
            }

            /// Reads the spec's keys over `base`'s values, refuses keys the table does not have,
            /// then validates.
            pub fn from_spec_over(s: &$crate::spec::Spec, base: Self) -> $crate::Result<Self> {
                let mut o = base;
                $( o.$field = $crate::optim::hyper::Hyper::read(s, stringify!($field), o.$field)?; )*
                s.finish(Self::PARAMS)?;
                o.validate()?;
                Ok(o)
            }

            /// Builds from a spec with torch's defaults for the keys not given (those of the
            /// spec's name, when one table serves two names).
            pub fn from_spec(s: &$crate::spec::Spec) -> $crate::Result<Self> {
                #[allow(unused_variables)]
                let base = Self::default();
                $( let base = $base(&s.name); )?
                Self::from_spec_over(s, base)
            }
        }
    };
}

/// The trait methods every table-built optimizer shares: validation through its table and a
/// copy with another learning rate. Expands inside `impl<F: Real> Optimizer<F> for T`.
#[macro_export]
macro_rules! typed_optimizer {
    () => {
        fn validate(&self) -> $crate::Result<()> {
            Self::validate(self)
        }

        fn with_lr(&self, lr: f64) -> $crate::Result<Box<dyn $crate::optim::Optimizer<F>>> {
            let o = self.clone().lr(lr);
            Self::validate(&o)?;
            Ok(Box::new(o))
        }
    };
}
