//! Objectives derived from another: what a model integrates when the optimizer it models changes
//! the gradient it follows.
//!
//! * [`Negated`] — `−f`: an optimizer with `maximize=true` descends `−f`, so its models are the
//!   models of `−f` (torch negates the gradient before everything else).
//! * [`L2Penalty`] — `f + (λ/2)‖θ‖²`: SGD's coupled weight decay `g ← g + λθ` is exactly the
//!   gradient of this objective, so the SGD models honour `weight_decay` by integrating it.

use super::Objective;
use std::sync::Arc;

/// `−f`, with every derivative negated.
pub struct Negated(pub Arc<dyn Objective>);

impl Objective for Negated {
    fn name(&self) -> String {
        format!("-({})", self.0.name())
    }
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn value(&self, x: &[f64]) -> f64 {
        -self.0.value(x)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.0.gradient(x, g);
        g.iter_mut().for_each(|v| *v = -*v);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let f = self.0.value_gradient(x, g);
        g.iter_mut().for_each(|v| *v = -*v);
        -f
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        self.0.hvp(x, v, out);
        out.iter_mut().for_each(|o| *o = -*o);
    }
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        self.0.curvature_gradient(x, u, out);
        out.iter_mut().for_each(|o| *o = -*o);
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        let f = self.0.gradient_at_step(x, step, g);
        g.iter_mut().for_each(|v| *v = -*v);
        -f
    }
    fn num_samples(&self) -> usize {
        self.0.num_samples()
    }
    fn sample_gradient(&self, i: usize, x: &[f64], g: &mut [f64]) -> f64 {
        let f = self.0.sample_gradient(i, x, g);
        g.iter_mut().for_each(|v| *v = -*v);
        -f
    }
    /// Negating the gradient keeps the noise's law (it is symmetric).
    fn step_noise(&self) -> Option<super::StepNoise> {
        self.0.step_noise()
    }
}

/// `f + (λ/2)‖θ‖²` (per sample too, so the mean over samples is the whole objective).
pub struct L2Penalty {
    /// The objective.
    pub inner: Arc<dyn Objective>,
    /// λ ≥ 0.
    pub lambda: f64,
}

impl L2Penalty {
    fn penalty(&self, x: &[f64]) -> f64 {
        0.5 * self.lambda * x.iter().map(|v| v * v).sum::<f64>()
    }
    fn add_gradient(&self, x: &[f64], g: &mut [f64]) {
        for (gi, xi) in g.iter_mut().zip(x) {
            *gi += self.lambda * xi;
        }
    }
}

impl Objective for L2Penalty {
    fn name(&self) -> String {
        format!("{} + ({}/2)|x|^2", self.inner.name(), self.lambda)
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value(&self, x: &[f64]) -> f64 {
        self.inner.value(x) + self.penalty(x)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.inner.gradient(x, g);
        self.add_gradient(x, g);
    }
    fn value_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let f = self.inner.value_gradient(x, g);
        self.add_gradient(x, g);
        f + self.penalty(x)
    }
    /// The penalty is quadratic, so its third derivatives vanish.
    fn curvature_gradient(&self, x: &[f64], u: &[f64], out: &mut [f64]) {
        self.inner.curvature_gradient(x, u, out);
    }
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        self.inner.hvp(x, v, out);
        for (o, vi) in out.iter_mut().zip(v) {
            *o += self.lambda * vi;
        }
    }
    fn gradient_at_step(&self, x: &[f64], step: u64, g: &mut [f64]) -> f64 {
        let f = self.inner.gradient_at_step(x, step, g);
        self.add_gradient(x, g);
        f + self.penalty(x)
    }
    fn num_samples(&self) -> usize {
        self.inner.num_samples()
    }
    fn sample_gradient(&self, i: usize, x: &[f64], g: &mut [f64]) -> f64 {
        let f = self.inner.sample_gradient(i, x, g);
        self.add_gradient(x, g);
        f + self.penalty(x)
    }
    /// The penalty's gradient is exact, so the noise is the inner objective's.
    fn step_noise(&self) -> Option<super::StepNoise> {
        self.inner.step_noise()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_follow_the_transform() {
        let f: Arc<dyn Objective> = Arc::from(crate::objective::parse("rosenbrock", 2).unwrap());
        let x = [0.3, -0.7];
        let v = [1.5, 0.25];
        let (mut g, mut h) = ([0.0; 2], [0.0; 2]);
        let fx = f.value_gradient(&x, &mut g);
        f.hvp(&x, &v, &mut h);
        let neg = Negated(f.clone());
        let (mut gn, mut hn) = ([0.0; 2], [0.0; 2]);
        assert_eq!(neg.value_gradient(&x, &mut gn), -fx);
        neg.hvp(&x, &v, &mut hn);
        assert_eq!(gn, [-g[0], -g[1]]);
        assert_eq!(hn, [-h[0], -h[1]]);
        let l2 = L2Penalty {
            inner: f,
            lambda: 0.5,
        };
        let (mut gl, mut hl) = ([0.0; 2], [0.0; 2]);
        let fl = l2.value_gradient(&x, &mut gl);
        l2.hvp(&x, &v, &mut hl);
        assert_eq!(fl, fx + 0.25 * (0.09 + 0.49));
        assert_eq!(gl, [g[0] + 0.5 * 0.3, g[1] - 0.5 * 0.7]);
        assert_eq!(hl, [h[0] + 0.75, h[1] + 0.125]);
    }
}
