//! k-Adam: k = 1 is torch Adam/AdamW bit for bit (inline oracle and torch float64 reference data),
//! level identities for k = 2, gradient-scale invariance, spec errors.

use optdyn::optim::kadam::{Granularity, KAdam};
use optdyn::optim::Optimizer;
use optdyn::spec::Spec;

mod common;

fn kadam(spec: &str) -> KAdam {
    KAdam::from_spec(&Spec::parse(spec).unwrap()).unwrap()
}

fn kadam_err(spec: &str) -> String {
    KAdam::from_spec(&Spec::parse(spec).unwrap())
        .unwrap_err()
        .to_string()
}

/// torch.optim.Adam / AdamW (`_single_tensor_adam`, float64), written out independently:
/// `θ ← θ(1 − lr·λ)`; `m.lerp_(g, 1−β1)`; `v ← v·β2 + (1−β2)·g²`;
/// `denom = √v/(1−β2^t)^{1/2} + ε`; `θ ← θ + (−lr/(1−β1^t))·(m/denom)`.
struct AdamOracle {
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    wd: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl AdamOracle {
    fn step(&mut self, x: &mut [f64], g: &[f64]) {
        self.t += 1;
        let t = f64::from(self.t);
        for (j, xj) in x.iter_mut().enumerate() {
            *xj *= 1.0 - self.lr * self.wd;
            let w = 1.0 - self.b1;
            self.m[j] = if w < 0.5 {
                self.m[j] + w * (g[j] - self.m[j])
            } else {
                g[j] - (g[j] - self.m[j]) * (1.0 - w)
            };
            self.v[j] = self.v[j] * self.b2 + (1.0 - self.b2) * (g[j] * g[j]);
            let bc1 = 1.0 - self.b1.powf(t);
            let bc2 = 1.0 - self.b2.powf(t);
            let denom = self.v[j].sqrt() / bc2.powf(0.5) + self.eps;
            *xj += -(self.lr / bc1) * (self.m[j] / denom);
        }
    }
}

fn rosen_grad(x: &[f64]) -> Vec<f64> {
    vec![
        -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]),
        200.0 * (x[1] - x[0] * x[0]),
    ]
}

#[test]
fn k1_is_adam_bit_for_bit() {
    for (b1, b2, wd) in [
        (0.9, 0.999, 0.0),
        (0.3, 0.9, 0.0),
        (0.9, 0.99, 0.05),
        (0.0, 0.5, 0.2),
    ] {
        let opt = kadam(&format!(
            "kadam:k=1,lr=0.01,beta1={b1},beta2={b2},eps=1e-8,weight_decay={wd}"
        ));
        let mut o = AdamOracle {
            lr: 0.01,
            b1,
            b2,
            eps: 1e-8,
            wd,
            m: vec![0.0; 2],
            v: vec![0.0; 2],
            t: 0,
        };
        let mut x = vec![-1.2, 1.0];
        let mut y = x.clone();
        let mut st = Optimizer::<f64>::init(&opt, 2);
        for _ in 0..500 {
            let g = rosen_grad(&x);
            opt.step(&mut st, &mut x, &g);
            o.step(&mut y, &g);
            assert_eq!(x, y, "(β1, β2, λ) = ({b1}, {b2}, {wd})");
        }
        assert_eq!(st.slots[0], o.m);
        assert_eq!(st.slots[1], o.v);
    }
}

/// Against the torch float64 reference (tests/data/torch_optim_public.json): Adam and AdamW
/// on (x−4)² and Rosenbrock, 300 steps each.
#[test]
fn k1_matches_torch_reference_data() {
    let mut checked = 0;
    for case in &common::torch_cases() {
        let spec = case["optimizer"].as_str().unwrap();
        let wd = match spec {
            "adam:lr=0.01" => 0.0,
            "adamw:lr=0.01,weight_decay=0.1" => 0.1,
            _ => continue,
        };
        let obj = case["objective"].as_str().unwrap();
        let grad: fn(&[f64]) -> Vec<f64> = match obj {
            "expr:(x-4)^2" => |x| vec![2.0 * (x[0] - 4.0)],
            "rosenbrock" => rosen_grad,
            _ => continue,
        };
        let opt = kadam(&format!("kadam:k=1,lr=0.01,weight_decay={wd}"));
        let mut x: Vec<f64> = case["x0"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut st = Optimizer::<f64>::init(&opt, x.len());
        let mut worst = 0.0f64;
        for it in case["iterates"].as_array().unwrap() {
            let g = grad(&x);
            opt.step(&mut st, &mut x, &g);
            for (a, b) in x.iter().zip(it.as_array().unwrap()) {
                let b = b.as_f64().unwrap();
                worst = worst.max((a - b).abs() / b.abs().max(1.0));
            }
        }
        eprintln!("{obj} {spec}: max rel diff from torch {worst:e}");
        assert!(worst < 1e-13, "{obj} {spec}: max rel diff {worst:e}");
        checked += 1;
    }
    assert_eq!(checked, 4);
}

/// Level 2 with (β, γ, ε) = (0, 0, 0) per coordinate normalises each coordinate to its sign:
/// the k = 2 step is `−lr·sign(u_Adam)`, with `u_Adam` from the inline oracle.
#[test]
fn second_level_without_memory_is_sign_of_adam_update() {
    let opt = kadam("kadam:k=2,lr=0.01,strategy=explicit,beta1s=0.9;0,beta2s=0.999;0,epss=1e-8;0");
    let mut o = AdamOracle {
        lr: 1.0,
        b1: 0.9,
        b2: 0.999,
        eps: 1e-8,
        wd: 0.0,
        m: vec![0.0; 2],
        v: vec![0.0; 2],
        t: 0,
    };
    let mut x = vec![-1.2, 1.0];
    let mut st = Optimizer::<f64>::init(&opt, 2);
    for _ in 0..200 {
        let g = rosen_grad(&x);
        let mut probe = vec![0.0; 2];
        o.step(&mut probe, &g);
        let before = x.clone();
        opt.step(&mut st, &mut x, &g);
        for j in 0..2 {
            let expect = -0.01 * (-probe[j]).signum();
            assert!((x[j] - before[j] - expect).abs() < 1e-15);
        }
    }
}

/// Level 2 with (β, γ, ε) = (0, 0, 0) per group: every group's update has RMS exactly lr.
#[test]
fn group_level_normalises_each_group_to_unit_rms() {
    let opt = kadam(
        "kadam:k=2,lr=0.01,strategy=explicit,beta1s=0.9;0,beta2s=0.999;0,epss=1e-8;0,granularity=coord;group,groups=2;3",
    );
    opt.check_dim(5).unwrap();
    assert!(opt.check_dim(6).is_err());
    let mut x = vec![0.3, -0.2, 1.0, 0.5, -0.7];
    let mut st = Optimizer::<f64>::init(&opt, 5);
    for t in 0..50 {
        let g: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(j, v)| (j as f64 + 1.0) * v + (t as f64).sin())
            .collect();
        let before = x.clone();
        opt.step(&mut st, &mut x, &g);
        for (a, b) in [(0, 2), (2, 5)] {
            let ms: f64 = (a..b).map(|j| (x[j] - before[j]).powi(2)).sum::<f64>() / (b - a) as f64;
            assert!((ms.sqrt() - 0.01).abs() < 1e-14, "rms {}", ms.sqrt());
        }
    }
}

/// With ε = 0 every level is invariant to rescaling the gradients: trajectories for g and 1000·g
/// agree to rounding, for every strategy and k.
#[test]
fn eps_zero_kadam_is_gradient_scale_invariant() {
    for spec in [
        "kadam:k=3,lr=0.01,eps=0",
        "kadam:k=2,lr=0.01,eps=0,strategy=norm_layer,weight_decay=0.1",
        "kadam:k=3,lr=0.01,eps=0,strategy=inverse_exp,granularity=group,groups=1;1",
    ] {
        let opt = kadam(spec);
        let (mut x, mut y) = (vec![-1.2, 1.0], vec![-1.2, 1.0]);
        let mut sx = Optimizer::<f64>::init(&opt, 2);
        let mut sy = Optimizer::<f64>::init(&opt, 2);
        for _ in 0..300 {
            let gx = rosen_grad(&x);
            let gy: Vec<f64> = rosen_grad(&y).iter().map(|v| 1000.0 * v).collect();
            opt.step(&mut sx, &mut x, &gx);
            opt.step(&mut sy, &mut y, &gy);
        }
        for j in 0..2 {
            assert!((x[j] - y[j]).abs() < 1e-9, "{spec}: {x:?} vs {y:?}");
        }
    }
}

#[test]
fn strategies_set_the_documented_levels() {
    let o = kadam("kadam:k=3,beta1=0.9,beta2=0.999,strategy=inverse_exp");
    for (i, l) in o.levels.iter().enumerate() {
        let f = (-(i as f64)).exp();
        assert!((l.beta1 - (1.0 - 0.1 * f)).abs() < 1e-15);
        assert!((l.beta2 - (1.0 - 0.001 * f)).abs() < 1e-15);
        assert_eq!(l.granularity, Granularity::Coord);
    }
    let o = kadam("kadam:k=2,lr=1e-3,weight_decay=0.1,strategy=norm_layer");
    assert_eq!(o.levels[1].beta1, 0.0);
    assert_eq!(o.levels[1].beta2, (1.0f64 - 1e-4).powi(2));
    assert_eq!(o.levels[1].granularity, Granularity::Group);
    assert_eq!(o.levels[0].granularity, Granularity::Coord);
    let o = kadam("kadam:k=2");
    assert_eq!(o.levels[0], o.levels[1]);
    assert_eq!(
        Optimizer::<f64>::slot_names(&o),
        &["u", "m1", "v1", "m2", "v2"]
    );
    assert_eq!(
        Optimizer::<f64>::slot_names(&kadam("kadam:k=1")),
        &["m1", "v1"]
    );
}

#[test]
fn spec_errors_are_one_line_and_named() {
    assert_eq!(kadam_err("kadam:k=0"), "kadam: k must be in 1..8, got 0");
    assert_eq!(
        kadam_err("kadam:beta1=1.2"),
        "kadam: beta1 must be in [0, 1), got 1.2"
    );
    assert!(kadam_err("kadam:strategy=norm_layer").contains("needs weight_decay > 0"));
    assert!(kadam_err("kadam:k=2,strategy=explicit,beta1s=0.9").contains("must have k = 2 values"));
    assert!(kadam_err("kadam:beta1s=0.9;0.5").contains("only used with strategy=explicit"));
    assert!(kadam_err("kadam:granularity=tensor").contains("coord or group, got 'tensor'"));
    assert!(kadam_err("kadam:k=2,strategy=explicit,beta2s=0.9;1").contains("beta2 of level 2"));
    assert!(kadam_err("kadam:lr=0").contains("lr must be > 0"));
    assert!(kadam_err("kadam:foo=1").contains("unknown key 'foo'"));
}
