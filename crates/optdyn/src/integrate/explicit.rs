//! Explicit fixed-step Runge–Kutta schemes: classical tableaus, the strong-stability-preserving
//! (SSP/TVD) schemes of Shu & Osher in their convex-combination form, and user tableaus.

use super::{OdeSystem, Stats, Stepper};
use crate::spec::{ParamInfo, Spec};
use crate::{Error, Result};

/// Parameters shared by every fixed-step scheme.
pub const FIXED_PARAMS: [ParamInfo; 2] = [
    ParamInfo {
        key: "dt",
        default: "lr/substeps",
        help: "step size, > 0",
    },
    ParamInfo {
        key: "substeps",
        default: "10",
        help: "steps per optimizer step (dt = lr/substeps), >= 1",
    },
];

/// Parameters of `butcher`.
pub const BUTCHER_PARAMS: [ParamInfo; 5] = [
    ParamInfo {
        key: "a",
        default: "required",
        help: "strictly lower triangle of A row by row (a21;a31;a32;…), or the full s×s matrix; numbers or p/q",
    },
    ParamInfo {
        key: "b",
        default: "required",
        help: "weights b1;…;bs (numbers or p/q); s = number of stages",
    },
    ParamInfo {
        key: "c",
        default: "row sums of A",
        help: "nodes c1;…;cs; must equal the row sums of A",
    },
    FIXED_PARAMS[0],
    FIXED_PARAMS[1],
];

/// Classical fourth-order Runge–Kutta:
/// `k1 = F(t, y)`, `k2 = F(t + h/2, y + h k1/2)`, `k3 = F(t + h/2, y + h k2/2)`,
/// `k4 = F(t + h, y + h k3)`, `y ← y + h (k1 + 2k2 + 2k3 + k4)/6`. Order 4.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rk4;

impl Stepper for Rk4 {
    fn name(&self) -> &'static str {
        "rk4"
    }

    fn order(&self) -> u32 {
        4
    }

    fn work_len(&self, dim: usize) -> usize {
        5 * dim
    }

    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
        stats: &mut Stats,
    ) -> Result<()> {
        let n = y.len();
        let (k1, rest) = work.split_at_mut(n);
        let (k2, rest) = rest.split_at_mut(n);
        let (k3, rest) = rest.split_at_mut(n);
        let (k4, tmp) = rest.split_at_mut(n);
        sys.rhs(t, y, k1);
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * h * k1[i];
        }
        sys.rhs(t + 0.5 * h, tmp, k2);
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * h * k2[i];
        }
        sys.rhs(t + 0.5 * h, tmp, k3);
        for i in 0..n {
            tmp[i] = y[i] + h * k3[i];
        }
        sys.rhs(t + h, tmp, k4);
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
        stats.rhs_evals += 4;
        Ok(())
    }
}

/// A general explicit Runge–Kutta method given by its Butcher tableau `(A, b, c)`, `A` strictly
/// lower triangular: `k_i = F(t + c_i h, y + h Σ_{j<i} a_ij k_j)`, `y ← y + h Σ b_i k_i`
/// (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.1).
#[derive(Debug, Clone)]
pub struct ExplicitRk {
    /// The scheme's spec name (`euler`, `heun`, `midpoint`, or `butcher` for a user tableau).
    pub name: &'static str,
    /// Number of stages `s`.
    pub stages: usize,
    /// `A`, row-major `s×s`, zero on and above the diagonal.
    pub a: Vec<f64>,
    /// Weights.
    pub b: Vec<f64>,
    /// Nodes.
    pub c: Vec<f64>,
    /// Order, from the order conditions (see [`tableau_order`]).
    pub order: u32,
}

impl ExplicitRk {
    /// Builds from a strictly lower triangular `a` (row-major `s×s`), `b` and `c`, computing the
    /// order from the order conditions. Errors name the offending entry.
    pub fn new(a: Vec<f64>, b: Vec<f64>, c: Vec<f64>) -> Result<Self> {
        let s = b.len();
        if s == 0 || a.len() != s * s || c.len() != s {
            return Err(Error::spec(format!(
                "butcher: need s×s A, s weights b and s nodes c; got {} A entries, {} b, {} c",
                a.len(),
                b.len(),
                c.len()
            )));
        }
        for i in 0..s {
            for j in i..s {
                if a[i * s + j] != 0.0 {
                    return Err(Error::spec(format!(
                        "butcher: a{}{} = {} must be 0 (explicit schemes need a strictly lower triangular A)",
                        i + 1,
                        j + 1,
                        a[i * s + j]
                    )));
                }
            }
            let row: f64 = a[i * s..i * s + s].iter().sum();
            if (row - c[i]).abs() > 1e-12 * (1.0 + row.abs()) {
                return Err(Error::spec(format!(
                    "butcher: c{} = {} must equal the row sum of A, {}",
                    i + 1,
                    c[i],
                    row
                )));
            }
        }
        let order = tableau_order(s, &a, &b, &c);
        if order == 0 {
            return Err(Error::spec(format!(
                "butcher: weights b must sum to 1 (consistency), got {}",
                b.iter().sum::<f64>()
            )));
        }
        Ok(ExplicitRk {
            name: "butcher",
            stages: s,
            a,
            b,
            c,
            order,
        })
    }

    /// Forward Euler `y ← y + h F(t, y)`. Order 1.
    pub fn euler() -> Self {
        Self::new(vec![0.0], vec![1.0], vec![0.0])
            .expect("valid tableau")
            .named("euler")
    }

    /// Heun's method (explicit trapezoid): `k1 = F(t, y)`, `k2 = F(t + h, y + h k1)`,
    /// `y ← y + h (k1 + k2)/2`. Order 2.
    pub fn heun() -> Self {
        Self::new(vec![0.0, 0.0, 1.0, 0.0], vec![0.5, 0.5], vec![0.0, 1.0])
            .expect("valid tableau")
            .named("heun")
    }

    /// Explicit midpoint: `k2 = F(t + h/2, y + h k1/2)`, `y ← y + h k2`. Order 2.
    pub fn midpoint() -> Self {
        Self::new(vec![0.0, 0.0, 0.5, 0.0], vec![0.0, 1.0], vec![0.0, 0.5])
            .expect("valid tableau")
            .named("midpoint")
    }

    fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }
}

/// Residuals of the order conditions for rooted trees up to order 5 (Butcher 2016, Table 312(I)
/// / Hairer–Nørsett–Wanner Table II.2.2), grouped by order; the order is the largest `p ≤ 5`
/// whose conditions (and all lower ones) hold to `1e-12`.
pub fn tableau_order(s: usize, a: &[f64], b: &[f64], c: &[f64]) -> u32 {
    let av = |v: &[f64]| -> Vec<f64> {
        (0..s)
            .map(|i| (0..s).map(|j| a[i * s + j] * v[j]).sum())
            .collect()
    };
    let dot = |u: &[f64]| -> f64 { (0..s).map(|i| b[i] * u[i]).sum() };
    let mul = |u: &[f64], v: &[f64]| -> Vec<f64> { u.iter().zip(v).map(|(x, y)| x * y).collect() };
    let ones = vec![1.0; s];
    let c2 = mul(c, c);
    let c3 = mul(&c2, c);
    let c4 = mul(&c3, c);
    let ac = av(c);
    let ac2 = av(&c2);
    let aac = av(&ac);
    let conditions: [Vec<(f64, f64)>; 5] = [
        vec![(dot(&ones), 1.0)],
        vec![(dot(c), 0.5)],
        vec![(dot(&c2), 1.0 / 3.0), (dot(&ac), 1.0 / 6.0)],
        vec![
            (dot(&c3), 0.25),
            (dot(&mul(c, &ac)), 1.0 / 8.0),
            (dot(&ac2), 1.0 / 12.0),
            (dot(&aac), 1.0 / 24.0),
        ],
        vec![
            (dot(&c4), 0.2),
            (dot(&mul(&c2, &ac)), 0.1),
            (dot(&mul(c, &ac2)), 1.0 / 15.0),
            (dot(&mul(c, &aac)), 1.0 / 30.0),
            (dot(&mul(&ac, &ac)), 1.0 / 20.0),
            (dot(&av(&c3)), 1.0 / 20.0),
            (dot(&av(&mul(c, &ac))), 1.0 / 40.0),
            (dot(&av(&ac2)), 1.0 / 60.0),
            (dot(&av(&aac)), 1.0 / 120.0),
        ],
    ];
    let mut p = 0;
    for conds in &conditions {
        if conds.iter().all(|(v, want)| (v - want).abs() <= 1e-12) {
            p += 1;
        } else {
            break;
        }
    }
    p
}

impl Stepper for ExplicitRk {
    fn name(&self) -> &'static str {
        self.name
    }

    fn order(&self) -> u32 {
        self.order
    }

    fn work_len(&self, dim: usize) -> usize {
        (self.stages + 1) * dim
    }

    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
        stats: &mut Stats,
    ) -> Result<()> {
        let n = y.len();
        let s = self.stages;
        let (ks, tmp) = work.split_at_mut(s * n);
        let tmp = &mut tmp[..n];
        for i in 0..s {
            tmp.copy_from_slice(y);
            for j in 0..i {
                let aij = self.a[i * s + j];
                if aij != 0.0 {
                    let kj = &ks[j * n..(j + 1) * n];
                    for (u, k) in tmp.iter_mut().zip(kj) {
                        *u += h * aij * k;
                    }
                }
            }
            sys.rhs(t + self.c[i] * h, tmp, &mut ks[i * n..(i + 1) * n]);
        }
        for i in 0..s {
            let bi = self.b[i];
            if bi != 0.0 {
                let ki = &ks[i * n..(i + 1) * n];
                for (u, k) in y.iter_mut().zip(ki) {
                    *u += h * bi * k;
                }
            }
        }
        stats.rhs_evals += s as u64;
        Ok(())
    }
}

/// SSP(TVD)-RK2 of Shu & Osher (1988) as a convex combination of forward Euler steps:
/// `u1 = y + h F(t, y)`, `y ← ½ y + ½ (u1 + h F(t + h, u1))`. Order 2.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ssprk2;

impl Stepper for Ssprk2 {
    fn name(&self) -> &'static str {
        "ssprk2"
    }

    fn order(&self) -> u32 {
        2
    }

    fn work_len(&self, dim: usize) -> usize {
        2 * dim
    }

    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
        stats: &mut Stats,
    ) -> Result<()> {
        let n = y.len();
        let (f, u1) = work.split_at_mut(n);
        sys.rhs(t, y, f);
        for i in 0..n {
            u1[i] = y[i] + h * f[i];
        }
        sys.rhs(t + h, u1, f);
        for i in 0..n {
            y[i] = 0.5 * y[i] + 0.5 * (u1[i] + h * f[i]);
        }
        stats.rhs_evals += 2;
        Ok(())
    }
}

/// SSP(TVD)-RK3 of Shu & Osher (1988): `u1 = y + h F(t, y)`,
/// `u2 = ¾ y + ¼ (u1 + h F(t + h, u1))`, `y ← ⅓ y + ⅔ (u2 + h F(t + h/2, u2))`. Order 3.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ssprk3;

impl Stepper for Ssprk3 {
    fn name(&self) -> &'static str {
        "ssprk3"
    }

    fn order(&self) -> u32 {
        3
    }

    fn work_len(&self, dim: usize) -> usize {
        3 * dim
    }

    fn step(
        &self,
        sys: &dyn OdeSystem,
        t: f64,
        h: f64,
        y: &mut [f64],
        work: &mut [f64],
        stats: &mut Stats,
    ) -> Result<()> {
        let n = y.len();
        let (f, rest) = work.split_at_mut(n);
        let (u1, u2) = rest.split_at_mut(n);
        sys.rhs(t, y, f);
        for i in 0..n {
            u1[i] = y[i] + h * f[i];
        }
        sys.rhs(t + h, u1, f);
        for i in 0..n {
            u2[i] = 0.75 * y[i] + 0.25 * (u1[i] + h * f[i]);
        }
        sys.rhs(t + 0.5 * h, u2, f);
        for i in 0..n {
            y[i] = y[i] / 3.0 + 2.0 / 3.0 * (u2[i] + h * f[i]);
        }
        stats.rhs_evals += 3;
        Ok(())
    }
}

/// Parses a number or a fraction `p/q`.
fn number(who: &str, key: &str, text: &str) -> Result<f64> {
    let bad = || {
        Error::spec(format!(
            "{who}: {key} entry '{text}' is not a number or a fraction p/q"
        ))
    };
    let x = match text.split_once('/') {
        Some((p, q)) => {
            let p: f64 = p.trim().parse().map_err(|_| bad())?;
            let q: f64 = q.trim().parse().map_err(|_| bad())?;
            if q == 0.0 {
                return Err(Error::spec(format!(
                    "{who}: {key} entry '{text}' divides by zero"
                )));
            }
            p / q
        }
        None => text.trim().parse().map_err(|_| bad())?,
    };
    if !x.is_finite() {
        return Err(Error::spec(format!(
            "{who}: {key} entry '{text}' must be finite"
        )));
    }
    Ok(x)
}

fn number_list(s: &Spec, key: &str) -> Result<Option<Vec<f64>>> {
    match s.raw(key) {
        None => Ok(None),
        Some(text) => text
            .split(';')
            .filter(|p| !p.trim().is_empty())
            .map(|p| number(&s.name, key, p))
            .collect::<Result<Vec<f64>>>()
            .map(Some),
    }
}

/// A user tableau: `butcher:a=…,b=…[,c=…][,dt=…|substeps=…]`. Entries are separated by `;` and
/// may be fractions `p/q`. `b` gives the number of stages `s`; `a` is either the strictly lower
/// triangle row by row (`a21;a31;a32;a41;a42;a43;…`, `s(s−1)/2` entries) or the full `s×s`
/// matrix row-major (whose diagonal and upper part must be 0); `c` defaults to the row sums of
/// `A`. The order is computed from the order conditions up to 5. Example (classical RK4):
/// `butcher:a=1/2;0;1/2;0;0;1,b=1/6;1/3;1/3;1/6,dt=0.01`.
pub fn butcher_from_spec(s: &Spec) -> Result<ExplicitRk> {
    let b = number_list(s, "b")?
        .ok_or_else(|| Error::spec("butcher: missing required key 'b' (weights b1;…;bs)"))?;
    let st = b.len();
    if st == 0 {
        return Err(Error::spec(
            "butcher: b must list at least one weight (b1;…;bs)",
        ));
    }
    let given = number_list(s, "a")?.unwrap_or_default();
    let tri = st * (st - 1) / 2;
    let a = if given.len() == st * st && st > 1 {
        given
    } else if given.len() == tri {
        let mut a = vec![0.0; st * st];
        let mut it = given.iter();
        for i in 1..st {
            for j in 0..i {
                a[i * st + j] = *it.next().expect("length checked");
            }
        }
        a
    } else {
        return Err(Error::spec(format!(
            "butcher: a must have s(s-1)/2 = {tri} (lower triangle) or s*s = {} entries for s = {st} stages, got {}",
            st * st,
            given.len()
        )));
    };
    let c = match number_list(s, "c")? {
        Some(c) => c,
        None => (0..st)
            .map(|i| a[i * st..(i + 1) * st].iter().sum())
            .collect(),
    };
    ExplicitRk::new(a, b, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_orders_of_known_tableaus() {
        assert_eq!(ExplicitRk::euler().order, 1);
        assert_eq!(ExplicitRk::heun().order, 2);
        assert_eq!(ExplicitRk::midpoint().order, 2);
        let rk4 = ExplicitRk::new(
            vec![
                0., 0., 0., 0., 0.5, 0., 0., 0., 0., 0.5, 0., 0., 0., 0., 1., 0.,
            ],
            vec![1. / 6., 1. / 3., 1. / 3., 1. / 6.],
            vec![0., 0.5, 0.5, 1.],
        )
        .unwrap();
        assert_eq!(rk4.order, 4);
        // Kutta's third-order method.
        let k3 = ExplicitRk::new(
            vec![0., 0., 0., 0.5, 0., 0., -1., 2., 0.],
            vec![1. / 6., 2. / 3., 1. / 6.],
            vec![0., 0.5, 1.],
        )
        .unwrap();
        assert_eq!(k3.order, 3);
    }

    #[test]
    fn butcher_spec_errors_are_one_line() {
        let e = super::super::parse("butcher:a=1;2,b=1/2;1/2,dt=0.1")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("a must have s(s-1)/2 = 1"), "{e}");
        let e = super::super::parse("butcher:a=1,b=1/2;1/3,dt=0.1")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("must sum to 1"), "{e}");
        let e = super::super::parse("butcher:a=1,b=1/0;1,dt=0.1")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("divides by zero"), "{e}");
        let e = super::super::parse("butcher:a=1,b=0;1,c=0;0.7,dt=0.1")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("c2 = 0.7 must equal the row sum"), "{e}");
        let ok = super::super::parse("butcher:a=1/2;0;1/2;0;0;1,b=1/6;1/3;1/3;1/6,dt=0.1").unwrap();
        assert_eq!(ok.order(), Some(4));
    }
}
