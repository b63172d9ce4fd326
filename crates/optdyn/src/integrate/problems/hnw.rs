//! Classic non-stiff test problems of Hairer, Nørsett & Wanner, *Solving ODEs I* (2nd ed.),
//! §II.10 (and §I.16 for the Brusselator), used to compare high-order adaptive integrators:
//! only the Arenstorf orbit has a known solution (it is periodic), the others are measured
//! against a tight-tolerance reference computed by a different method.

use super::super::OdeSystem;

/// A classic problem: its initial data, end time and, when known, the exact end state.
pub trait Classic: OdeSystem + Send {
    /// Short name (`arenstorf`, `euler-rigid-body`, `brusselator`, `pleiades`).
    fn name(&self) -> &'static str;
    /// End time of the standard run (start time 0).
    fn t_end(&self) -> f64;
    /// `y(0)`.
    fn y0(&self) -> Vec<f64>;
    /// `y(t_end)` when it is known in closed form.
    fn exact_end(&self) -> Option<Vec<f64>> {
        None
    }
}

/// The restricted three-body problem (AREN): a satellite in the rotating frame of earth and
/// moon, `μ = 0.012277471`, `μ' = 1 − μ`, `D1 = ((y1+μ)² + y2²)^{3/2}`,
/// `D2 = ((y1−μ')² + y2²)^{3/2}`:
/// `y1'' = y1 + 2y2' − μ'(y1+μ)/D1 − μ(y1−μ')/D2`, `y2'' = y2 − 2y1' − μ'y2/D1 − μy2/D2`,
/// state `[y1, y2, y1', y2']`, `y(0) = (0.994, 0, 0, −2.00158510637908252240537862224)`. The
/// orbit is periodic with period `T = 17.0652165601579625588917206249`, so `y(T) = y(0)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Arenstorf;

/// Period of the Arenstorf orbit.
pub const ARENSTORF_PERIOD: f64 = 17.065_216_560_157_962_558_891_720_624_9;

impl OdeSystem for Arenstorf {
    fn dim(&self) -> usize {
        4
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let mu = 0.012_277_471;
        let mu1 = 1.0 - mu;
        let d1 = ((y[0] + mu).powi(2) + y[1] * y[1]).powf(1.5);
        let d2 = ((y[0] - mu1).powi(2) + y[1] * y[1]).powf(1.5);
        dy[0] = y[2];
        dy[1] = y[3];
        dy[2] = y[0] + 2.0 * y[3] - mu1 * (y[0] + mu) / d1 - mu * (y[0] - mu1) / d2;
        dy[3] = y[1] - 2.0 * y[2] - mu1 * y[1] / d1 - mu * y[1] / d2;
    }
}

impl Classic for Arenstorf {
    fn name(&self) -> &'static str {
        "arenstorf"
    }
    fn t_end(&self) -> f64 {
        ARENSTORF_PERIOD
    }
    #[allow(clippy::excessive_precision)] // the published digits, rounded by the compiler
    fn y0(&self) -> Vec<f64> {
        vec![0.994, 0.0, 0.0, -2.001_585_106_379_082_522_405_378_622_24]
    }
    fn exact_end(&self) -> Option<Vec<f64>> {
        Some(self.y0())
    }
}

/// Euler's equations of a rigid body (EULR), principal moments `I1 = 0.5`, `I2 = 2`, `I3 = 3`:
/// `y1' = −2 y2 y3`, `y2' = 1.25 y3 y1`, `y3' = −0.5 y1 y2 + f(t)` with the torque
/// `f(t) = 0.25 sin² t` on `3π ≤ t ≤ 4π` and 0 elsewhere, `y(0) = (1, 0, 0.9)`, `t ∈ [0, 60]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EulerRigidBody;

impl OdeSystem for EulerRigidBody {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]) {
        let pi = std::f64::consts::PI;
        let f = if (3.0 * pi..=4.0 * pi).contains(&t) {
            0.25 * t.sin().powi(2)
        } else {
            0.0
        };
        dy[0] = -2.0 * y[1] * y[2];
        dy[1] = 1.25 * y[2] * y[0];
        dy[2] = -0.5 * y[0] * y[1] + f;
    }
}

impl Classic for EulerRigidBody {
    fn name(&self) -> &'static str {
        "euler-rigid-body"
    }
    fn t_end(&self) -> f64 {
        60.0
    }
    fn y0(&self) -> Vec<f64> {
        vec![1.0, 0.0, 0.9]
    }
}

/// The Brusselator without diffusion (HNW I §I.16, eq. (16.12) with `A = 1`, `B = 3`):
/// `y1' = 1 + y1² y2 − 4 y1`, `y2' = 3 y1 − y1² y2`, `y(0) = (1.5, 3)`, `t ∈ [0, 20]`; the
/// solution approaches a limit cycle.
#[derive(Debug, Clone, Copy, Default)]
pub struct Brusselator;

impl OdeSystem for Brusselator {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let q = y[0] * y[0] * y[1];
        dy[0] = 1.0 + q - 4.0 * y[0];
        dy[1] = 3.0 * y[0] - q;
    }
}

impl Classic for Brusselator {
    fn name(&self) -> &'static str {
        "brusselator"
    }
    fn t_end(&self) -> f64 {
        20.0
    }
    fn y0(&self) -> Vec<f64> {
        vec![1.5, 3.0]
    }
}

/// The Pleiades (PLEI): seven stars in the plane with masses `m_i = i`,
/// `x_i'' = Σ_{j≠i} m_j (x_j − x_i)/r_ij³` (likewise `y_i''`), `r_ij² = (x_i−x_j)² + (y_i−y_j)²`;
/// state `[x (7), y (7), x' (7), y' (7)]`, `x(0) = (3, 3, −1, −3, 2, −2, 2)`,
/// `y(0) = (3, −3, 2, 0, 0, −4, 4)`, `x'(0) = (0, 0, 0, 0, 0, 1.75, −1.5)`,
/// `y'(0) = (0, 0, 0, −1.25, 1, 0, 0)`, `t ∈ [0, 3]` (several close encounters).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pleiades;

impl OdeSystem for Pleiades {
    fn dim(&self) -> usize {
        28
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let (x, rest) = y.split_at(7);
        let (yy, v) = rest.split_at(7);
        dy[..14].copy_from_slice(v);
        for i in 0..7 {
            let (mut ax, mut ay) = (0.0, 0.0);
            for j in 0..7 {
                if j != i {
                    let (dx, dyy) = (x[j] - x[i], yy[j] - yy[i]);
                    let r2 = dx * dx + dyy * dyy;
                    let w = (j + 1) as f64 / (r2 * r2.sqrt());
                    ax += w * dx;
                    ay += w * dyy;
                }
            }
            dy[14 + i] = ax;
            dy[21 + i] = ay;
        }
    }
}

impl Classic for Pleiades {
    fn name(&self) -> &'static str {
        "pleiades"
    }
    fn t_end(&self) -> f64 {
        3.0
    }
    fn y0(&self) -> Vec<f64> {
        let mut y = vec![3.0, 3.0, -1.0, -3.0, 2.0, -2.0, 2.0];
        y.extend([3.0, -3.0, 2.0, 0.0, 0.0, -4.0, 4.0]);
        y.extend([0.0, 0.0, 0.0, 0.0, 0.0, 1.75, -1.5]);
        y.extend([0.0, 0.0, 0.0, -1.25, 1.0, 0.0, 0.0]);
        y
    }
}

/// The four problems, in the order above.
pub fn classic() -> Vec<Box<dyn Classic>> {
    vec![
        Box::new(Arenstorf),
        Box::new(EulerRigidBody),
        Box::new(Brusselator),
        Box::new(Pleiades),
    ]
}
