//! The model registry: name → (catalog entry, builder from the model's spec and the built
//! optimizer), and [`ModelFactory`], a model recipe that can be rebuilt for another learning rate
//! (what `converge` and `basins` need).

use super::central_flow::{gd as central_gd, rmsprop as central_rmsprop};
use super::{
    adagrad_ide, adam_field, adam_ide, barakat_bianchi, gould_tanaka, gradient_flow, heavy_ball,
    high_resolution, nesterov, rmsprop_ide, AdagradIde, AdamField, AdamIde1, AdamIde2,
    BarakatBianchi, CentralFlow, FirstOrderFlow, GouldTanaka, HeavyBall, HighResolution, Model,
    Nesterov, RmspropCentralFlow, RmspropIde,
};
use crate::objective::Objective;
use crate::optim::Optimizer;
use crate::spec::{ComponentInfo, Spec};
use crate::{Error, Result};
use std::sync::Arc;

/// Parses a model spec, given the optimizer it models and the objective.
pub type Builder = fn(&Spec, &dyn Optimizer<f64>, Arc<dyn Objective>) -> Result<Box<dyn Model>>;

/// One model the registry knows.
pub struct Entry {
    /// Name, summary (with the optimizer it models) and keys.
    pub info: ComponentInfo,
    /// Builds the model from its spec, the optimizer and the objective.
    pub build: Builder,
}

fn boxed<M: Model + 'static>(m: Result<M>) -> Result<Box<dyn Model>> {
    Ok(Box::new(m?))
}

static REGISTRY: [Entry; 17] = [
    Entry {
        info: gradient_flow::GRADIENT_FLOW,
        build: |s, o, f| boxed(FirstOrderFlow::from_spec(s, o, f)),
    },
    Entry {
        info: gradient_flow::MODIFIED_FLOW,
        build: |s, o, f| boxed(FirstOrderFlow::from_spec(s, o, f)),
    },
    Entry {
        info: gradient_flow::HEAVY_BALL_FLOW,
        build: |s, o, f| boxed(FirstOrderFlow::from_spec(s, o, f)),
    },
    Entry {
        info: heavy_ball::INFO,
        build: |s, o, f| boxed(HeavyBall::from_spec(s, o, f)),
    },
    Entry {
        info: nesterov::INFO,
        build: |s, o, f| boxed(Nesterov::from_spec(s, o, f)),
    },
    Entry {
        info: high_resolution::HEAVY_BALL,
        build: |s, o, f| boxed(HighResolution::from_spec(s, o, f)),
    },
    Entry {
        info: high_resolution::NESTEROV_SC,
        build: |s, o, f| boxed(HighResolution::from_spec(s, o, f)),
    },
    Entry {
        info: high_resolution::NESTEROV_C,
        build: |s, o, f| boxed(HighResolution::from_spec(s, o, f)),
    },
    Entry {
        info: adagrad_ide::INFO,
        build: |s, o, f| AdagradIde::from_spec(s, o, f),
    },
    Entry {
        info: rmsprop_ide::INFO,
        build: |s, o, f| RmspropIde::from_spec(s, o, f),
    },
    Entry {
        info: adam_ide::INFO1,
        build: |s, o, f| AdamIde1::from_spec(s, o, f),
    },
    Entry {
        info: adam_ide::INFO2,
        build: |s, o, f| AdamIde2::from_spec(s, o, f),
    },
    Entry {
        info: adam_field::INFO,
        build: |s, o, f| boxed(AdamField::from_spec(s, o, f)),
    },
    Entry {
        info: barakat_bianchi::INFO,
        build: |s, o, f| boxed(BarakatBianchi::from_spec(s, o, f)),
    },
    Entry {
        info: gould_tanaka::INFO,
        build: |s, o, f| boxed(GouldTanaka::from_spec(s, o, f)),
    },
    Entry {
        info: central_gd::INFO,
        build: |s, o, f| boxed(CentralFlow::from_spec(s, o, f)),
    },
    Entry {
        info: central_rmsprop::INFO,
        build: |s, o, f| boxed(RmspropCentralFlow::from_spec(s, o, f)),
    },
];

/// Every model: name → (catalog entry, builder).
pub fn registry() -> &'static [Entry] {
    &REGISTRY
}

/// Every model with its optimizer and parameters, for `optdyn list models` (the deterministic
/// models, then the stochastic ones of [`super::sde_registry`]).
pub fn catalog() -> Vec<ComponentInfo> {
    registry()
        .iter()
        .map(|e| e.info)
        .chain(super::sde_registry().iter().map(|e| e.info))
        .collect()
}

fn entry(name: &str) -> Result<&'static Entry> {
    registry()
        .iter()
        .find(|e| e.info.name == name)
        .ok_or_else(|| Error::unknown_name("model", name, registry().iter().map(|e| e.info.name)))
}

/// Builds the model of a parsed spec for the optimizer `opt` on `obj`.
pub fn from_spec(
    s: &Spec,
    opt: &dyn Optimizer<f64>,
    obj: Arc<dyn Objective>,
) -> Result<Box<dyn Model>> {
    (entry(&s.name)?.build)(s, opt, obj)
}

/// Builds a model from its spec text (`adam-ide2:u0=1`) for the optimizer `opt` on `obj`.
pub fn parse(
    spec: &str,
    opt: &dyn Optimizer<f64>,
    obj: Arc<dyn Objective>,
) -> Result<Box<dyn Model>> {
    from_spec(&Spec::parse(spec)?, opt, obj)
}

/// A model recipe: builds the model of a given optimizer on a given objective. `converge` and
/// `basins` rebuild models as the learning rate changes; a spec ([`ModelSpec`]) or a user's
/// closure (`(label, |opt, obj| …)`) both serve.
pub trait ModelFactory: Send + Sync {
    /// The label in tables and figures.
    fn label(&self) -> String;
    /// The model of `opt` on `obj`.
    fn build(&self, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Box<dyn Model>>;
}

/// A model given by its spec text, checked against the registry when parsed.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    text: String,
    spec: Spec,
}

impl ModelSpec {
    /// Parses `name[:k=v,…]`; an unknown name is an error here, before any run.
    pub fn parse(text: &str) -> Result<Self> {
        let spec = Spec::parse(text)?;
        entry(&spec.name)?;
        Ok(ModelSpec {
            text: text.trim().to_string(),
            spec,
        })
    }

    /// The parsed spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }
}

impl ModelFactory for ModelSpec {
    fn label(&self) -> String {
        self.text.clone()
    }
    fn build(&self, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Box<dyn Model>> {
        from_spec(&self.spec.clone(), opt, obj)
    }
}

impl<F> ModelFactory for (&str, F)
where
    F: Fn(&dyn Optimizer<f64>, Arc<dyn Objective>) -> Result<Box<dyn Model>> + Send + Sync,
{
    fn label(&self) -> String {
        self.0.to_string()
    }
    fn build(&self, opt: &dyn Optimizer<f64>, obj: Arc<dyn Objective>) -> Result<Box<dyn Model>> {
        (self.1)(opt, obj)
    }
}
