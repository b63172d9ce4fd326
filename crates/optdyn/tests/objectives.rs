//! Objectives: every built-in gradient and Hessian-vector product checked against finite
//! differences (an independent method) and against the exact derivatives of the same formula typed
//! as an `expr:` objective; closed-form values; `expr` derivatives of every function against their
//! textbook derivatives; error messages; no allocation per evaluation.

use optdyn::objective::{self, Objective};
use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

// ---------------------------------------------------------------------------------------------
// Allocation counting (per thread, so parallel tests do not interfere).

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCS.with(|c| c.get())
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn obj(spec: &str, dim: usize) -> Box<dyn Objective> {
    objective::parse(spec, dim).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn err(spec: &str, dim: usize) -> String {
    match objective::parse(spec, dim) {
        Ok(_) => panic!("{spec} (dim {dim}) should be rejected"),
        Err(e) => e.to_string(),
    }
}

fn grad(f: &dyn Objective, x: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    f.gradient(x, &mut g);
    g
}

fn hvp(f: &dyn Objective, x: &[f64], v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    f.hvp(x, v, &mut out);
    out
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m: f64, x| m.max(x.abs()))
}

/// Fourth-order central difference `(φ(−2h) − 8φ(−h) + 8φ(h) − φ(2h)) / (12h)` of a vector
/// function of the step along a direction.
fn central_diff(n: usize, h: f64, mut phi: impl FnMut(f64, &mut [f64])) -> Vec<f64> {
    let weights = [(-2.0, 1.0), (-1.0, -8.0), (1.0, 8.0), (2.0, -1.0)];
    let mut out = vec![0.0; n];
    let mut buf = vec![0.0; n];
    for (s, w) in weights {
        phi(s * h, &mut buf);
        for (o, b) in out.iter_mut().zip(&buf) {
            *o += w * b;
        }
    }
    out.iter_mut().for_each(|o| *o /= 12.0 * h);
    out
}

/// Gradient by finite differences of the value, one coordinate at a time.
fn fd_gradient(f: &dyn Objective, x: &[f64], h: f64) -> Vec<f64> {
    let n = x.len();
    let mut y = x.to_vec();
    (0..n)
        .map(|i| {
            central_diff(1, h, |s, out| {
                y[i] = x[i] + s;
                out[0] = f.value(&y);
                y[i] = x[i];
            })[0]
        })
        .collect()
}

/// `∇²f(x)·v` by finite differences of the gradient along `v`.
fn fd_hvp(f: &dyn Objective, x: &[f64], v: &[f64], h: f64) -> Vec<f64> {
    let mut y = x.to_vec();
    central_diff(x.len(), h, |s, out| {
        for i in 0..x.len() {
            y[i] = x[i] + s * v[i];
        }
        f.gradient(&y, out);
    })
}

/// `∇(vᵀ∇²f(x)v)` by finite differences of the Hessian-vector product along `v`.
fn fd_curvature_gradient(f: &dyn Objective, x: &[f64], v: &[f64], h: f64) -> Vec<f64> {
    let mut y = x.to_vec();
    central_diff(x.len(), h, |s, out| {
        for i in 0..x.len() {
            y[i] = x[i] + s * v[i];
        }
        f.hvp(&y, v, out);
    })
}

fn curvature_gradient(f: &dyn Objective, x: &[f64], u: &[f64]) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len()];
    f.curvature_gradient(x, u, &mut out);
    out
}

/// `|a − b|_∞ ≤ tol · max(1, |b|_∞)`.
fn assert_close(what: &str, a: &[f64], b: &[f64], tol: f64) {
    let scale = max_abs(b).max(1.0);
    let e = a
        .iter()
        .zip(b)
        .fold(0.0, |m: f64, (p, q)| m.max((p - q).abs()));
    assert!(
        e <= tol * scale,
        "{what}: error {e:e} > {tol:e} × {scale:e}\n  got  {a:?}\n  want {b:?}"
    );
}

/// Checks gradient, `value_gradient` and `hvp` of `f` at `x` along `v` against finite differences.
fn check_against_fd(f: &dyn Objective, x: &[f64], v: &[f64]) {
    let name = f.name();
    let g = grad(f, x);
    let mut g2 = vec![0.0; x.len()];
    let fv = f.value_gradient(x, &mut g2);
    assert_close(
        &format!("{name}: value_gradient value"),
        &[fv],
        &[f.value(x)],
        1e-14,
    );
    assert_close(&format!("{name}: value_gradient at {x:?}"), &g2, &g, 1e-14);
    let h = 1e-3;
    assert_close(
        &format!("{name}: gradient at {x:?}"),
        &g,
        &fd_gradient(f, x, h),
        1e-6,
    );
    assert_close(
        &format!("{name}: hvp at {x:?} along {v:?}"),
        &hvp(f, x, v),
        &fd_hvp(f, x, v, h),
        1e-6,
    );
    assert_close(
        &format!("{name}: curvature_gradient at {x:?} along {v:?}"),
        &curvature_gradient(f, x, v),
        &fd_curvature_gradient(f, x, v, h),
        1e-6,
    );
}

/// Checks that two objectives agree in value, gradient and full Hessian to `tol` (relative to the
/// largest entry).
fn check_same(a: &dyn Objective, b: &dyn Objective, x: &[f64], tol: f64) {
    let what = format!("{} vs {} at {x:?}", a.name(), b.name());
    assert_close(&format!("{what}: value"), &[a.value(x)], &[b.value(x)], tol);
    assert_close(&format!("{what}: gradient"), &grad(a, x), &grad(b, x), tol);
    assert_close(
        &format!("{what}: Hessian"),
        &a.hessian(x),
        &b.hessian(x),
        tol,
    );
    let u: Vec<f64> = (0..x.len()).map(|i| 0.3 + 0.7 * (i as f64).sin()).collect();
    assert_close(
        &format!("{what}: curvature gradient"),
        &curvature_gradient(a, x, &u),
        &curvature_gradient(b, x, &u),
        tol,
    );
}

fn points(dim: usize, lo: f64, hi: f64) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(lo..hi, dim)
}

// ---------------------------------------------------------------------------------------------
// The built-ins and the same formulas as `expr:` objectives.

fn rosenbrock_formula(n: usize, a: f64, b: f64) -> String {
    (0..n - 1)
        .map(|i| format!("({b})*(x{}-x{i}^2)^2 + (({a})-x{i})^2", i + 1))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn quadratic_formula(d: &[f64], c: &[f64]) -> String {
    let terms: Vec<String> = d
        .iter()
        .zip(c)
        .enumerate()
        .map(|(i, (d, c))| format!("({d})*(x{i}-({c}))^2"))
        .collect();
    format!("0.5*({})", terms.join(" + "))
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

const BEALE: &str = "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2";
const HIMMELBLAU: &str = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rosenbrock_matches_fd_and_expr(
        (x, v) in (2usize..7).prop_flat_map(|n| (points(n, -2.0, 2.0), points(n, -1.0, 1.0))),
        a in -2.0..2.0f64,
        b in 0.0..200.0f64,
    ) {
        let n = x.len();
        let f = obj(&format!("rosenbrock:a={a},b={b}"), n);
        check_against_fd(f.as_ref(), &x, &v);
        let e = obj(&format!("expr:{}", rosenbrock_formula(n, a, b)), n);
        check_same(f.as_ref(), e.as_ref(), &x, 1e-12);
    }

    #[test]
    fn rosen1d_matches_fd_and_expr(t in -3.0..3.0f64, v in -1.0..1.0f64, c in 0.0..10.0f64) {
        let f = obj(&format!("rosen1d:c={c}"), 1);
        check_against_fd(f.as_ref(), &[t], &[v]);
        let e = obj(&format!("expr:(1-x)^2 + ({c})*(x^2-1)^2"), 1);
        check_same(f.as_ref(), e.as_ref(), &[t], 1e-12);
    }

    #[test]
    fn quadratic_matches_fd_and_expr(
        (x, v, d, c) in (1usize..6).prop_flat_map(|n| (
            points(n, -5.0, 5.0),
            points(n, -1.0, 1.0),
            points(n, -100.0, 100.0),
            points(n, -3.0, 3.0),
        )),
    ) {
        let n = x.len();
        let f = obj(&format!("quadratic:diag={},center={}", list(&d), list(&c)), n);
        check_against_fd(f.as_ref(), &x, &v);
        let e = obj(&format!("expr:{}", quadratic_formula(&d, &c)), n);
        check_same(f.as_ref(), e.as_ref(), &x, 1e-12);
        // The Hessian is diag(d) exactly.
        let h = f.hessian(&x);
        for i in 0..n {
            for j in 0..n {
                prop_assert_eq!(h[i * n + j], if i == j { d[i] } else { 0.0 });
            }
        }
    }

    #[test]
    fn beale_matches_fd_and_expr(x in points(2, -4.5, 4.5), v in points(2, -1.0, 1.0)) {
        let f = obj("beale", 2);
        check_against_fd(f.as_ref(), &x, &v);
        check_same(f.as_ref(), obj(&format!("expr:{BEALE}"), 2).as_ref(), &x, 1e-12);
    }

    #[test]
    fn himmelblau_matches_fd_and_expr(x in points(2, -5.0, 5.0), v in points(2, -1.0, 1.0)) {
        let f = obj("himmelblau", 2);
        check_against_fd(f.as_ref(), &x, &v);
        check_same(f.as_ref(), obj(&format!("expr:{HIMMELBLAU}"), 2).as_ref(), &x, 1e-12);
    }

    #[test]
    fn sphere_matches_fd_and_expr(
        (x, v) in (1usize..7).prop_flat_map(|n| (points(n, -10.0, 10.0), points(n, -1.0, 1.0))),
    ) {
        let n = x.len();
        let f = obj("sphere", n);
        check_against_fd(f.as_ref(), &x, &v);
        let formula: Vec<String> = (0..n).map(|i| format!("x{i}^2")).collect();
        check_same(f.as_ref(), obj(&format!("expr:{}", formula.join("+")), n).as_ref(), &x, 1e-12);
    }

    /// A formula using every function, division, general powers and constants: the exact
    /// derivatives against finite differences.
    #[test]
    fn expr_composite_matches_fd(
        x in points(3, 0.2, 1.5),
        v in points(3, -1.0, 1.0),
    ) {
        let f = obj(
            "expr:sin(x)*exp(y/3) - cos(x*z) + tan(z/2) + log(1+x^2) + ln(y) + sqrt(2+x*y*z) \
             + abs(x-y-2)^3 + tanh(x-z)^2 + sinh(y)/cosh(z) + x^y + 2^z + y^2.5 - pi*e/x",
            3,
        );
        check_against_fd(f.as_ref(), &x, &v);
        // The default (second differences of gradients) against the exact third derivatives.
        let mut fd = vec![0.0; 3];
        optdyn::objective::curvature_gradient_fd(f.as_ref(), &x, &v, &mut fd);
        assert_close("curvature_gradient_fd", &fd, &curvature_gradient(f.as_ref(), &x, &v), 1e-5);
    }
}

// ---------------------------------------------------------------------------------------------
// Closed-form values.

#[test]
fn rosen1d_known_values() {
    let f = obj("rosen1d:c=4", 1);
    assert_eq!(f.value(&[-1.5]), 12.5);
    assert_eq!(grad(f.as_ref(), &[-1.5]), [-35.0]);
    assert_eq!(f.value(&[2.0]), 37.0);
    assert_eq!(grad(f.as_ref(), &[2.0]), [98.0]);
    // f'' = 2 + 4c(3θ² − 1).
    assert_eq!(hvp(f.as_ref(), &[2.0], &[1.0]), [2.0 + 16.0 * 11.0]);
    let local = -0.5 - 2f64.sqrt() / 4.0;
    assert!((local - -0.853553390593).abs() < 1e-12);
    assert!(grad(f.as_ref(), &[local])[0].abs() < 1e-14);
    assert_eq!(f.min_value(), Some(0.0));
    // The same facts from the expr objective.
    let e = obj("expr:(1-x)^2 + 4*(x^2-1)^2", 1);
    assert_eq!(e.value(&[-1.5]), 12.5);
    assert_eq!(grad(e.as_ref(), &[-1.5]), [-35.0]);
    assert_eq!(grad(e.as_ref(), &[2.0]), [98.0]);
    assert_eq!(e.min_value(), None);
}

#[test]
fn classic_values_and_hessians() {
    let r = obj("rosenbrock", 2);
    assert!((r.value(&[-1.2, 1.0]) - 24.2).abs() < 1e-12);
    assert_close(
        "rosenbrock ∇f(−1.2, 1)",
        &grad(r.as_ref(), &[-1.2, 1.0]),
        &[-215.6, -88.0],
        1e-14,
    );
    assert_eq!(r.hessian(&[1.0, 1.0]), [802.0, -400.0, -400.0, 200.0]);
    let b = obj("beale", 2);
    assert_eq!(b.value(&[0.0, 0.0]), 14.203125);
    assert_eq!(b.value(&[3.0, 0.5]), 0.0);
    // At the minimum (t_k = 0): H = 2 Σ ∇t_k ∇t_kᵀ, ∇t_k = (y^k − 1, k x y^{k−1}).
    assert_eq!(
        b.hessian(&[3.0, 0.5]),
        [3.15625, -11.4375, -11.4375, 46.125]
    );
    let h = obj("himmelblau", 2);
    assert_eq!(h.value(&[0.0, 0.0]), 170.0);
    assert_eq!(grad(h.as_ref(), &[0.0, 0.0]), [-14.0, -22.0]);
    assert_eq!(h.hessian(&[3.0, 2.0]), [74.0, 20.0, 20.0, 34.0]);
    let s = obj("sphere", 3);
    assert_eq!(s.value(&[1.0, 2.0, 3.0]), 14.0);
    assert_eq!(
        s.hessian(&[1.0, 2.0, 3.0]),
        [2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0]
    );
    let q = obj("quadratic:diag=1;10;100,center=1;2;3", 3);
    assert_eq!(q.value(&[0.0, 0.0, 0.0]), 0.5 * (1.0 + 40.0 + 900.0));
    assert_eq!(q.min_value(), Some(0.0));
    assert_eq!(obj("quadratic:diag=1;-1", 2).min_value(), None);
}

/// Every function's first and second derivatives from `expr` against their textbook forms.
#[test]
fn expr_function_derivatives_closed_form() {
    type D = fn(f64) -> f64;
    let cases: [(&str, D, D); 11] = [
        ("sin(x)", f64::cos, |x| -x.sin()),
        ("cos(x)", |x| -x.sin(), |x| -x.cos()),
        (
            "tan(x)",
            |x| 1.0 + x.tan().powi(2),
            |x| 2.0 * x.tan() * (1.0 + x.tan().powi(2)),
        ),
        ("exp(x)", f64::exp, f64::exp),
        ("log(x)", |x| 1.0 / x, |x| -1.0 / (x * x)),
        ("sqrt(x)", |x| 0.5 / x.sqrt(), |x| -0.25 * x.powf(-1.5)),
        ("abs(x)", f64::signum, |_| 0.0),
        (
            "tanh(x)",
            |x| 1.0 - x.tanh().powi(2),
            |x| -2.0 * x.tanh() * (1.0 - x.tanh().powi(2)),
        ),
        ("sinh(x)", f64::cosh, f64::sinh),
        ("cosh(x)", f64::sinh, f64::cosh),
        ("x^2.5", |x| 2.5 * x.powf(1.5), |x| 3.75 * x.sqrt()),
    ];
    for (formula, d1, d2) in cases {
        let f = obj(&format!("expr:{formula}"), 1);
        for x in [0.3, 0.9, 1.4] {
            let g = grad(f.as_ref(), &[x])[0];
            let h = hvp(f.as_ref(), &[x], &[1.0])[0];
            assert!(
                (g - d1(x)).abs() <= 1e-14 * d1(x).abs().max(1.0),
                "{formula}' at {x}: {g} vs {}",
                d1(x)
            );
            assert!(
                (h - d2(x)).abs() <= 1e-14 * d2(x).abs().max(1.0),
                "{formula}'' at {x}: {h} vs {}",
                d2(x)
            );
        }
    }
    // Variable exponent and quotient: x^y and x/y, full Hessians.
    let (x, y): (f64, f64) = (1.7, 0.6);
    let lx = x.ln();
    let p = obj("expr:x^y", 2);
    let want_g = [y * x.powf(y - 1.0), x.powf(y) * lx];
    let want_h = [
        y * (y - 1.0) * x.powf(y - 2.0),
        x.powf(y - 1.0) * (1.0 + y * lx),
        x.powf(y - 1.0) * (1.0 + y * lx),
        x.powf(y) * lx * lx,
    ];
    assert_close("∇ x^y", &grad(p.as_ref(), &[x, y]), &want_g, 1e-14);
    assert_close("∇² x^y", &p.hessian(&[x, y]), &want_h, 1e-14);
    let q = obj("expr:x/y", 2);
    assert_close(
        "∇ x/y",
        &grad(q.as_ref(), &[x, y]),
        &[1.0 / y, -x / (y * y)],
        1e-14,
    );
    let c = -1.0 / (y * y);
    assert_close(
        "∇² x/y",
        &q.hessian(&[x, y]),
        &[0.0, c, c, 2.0 * x / (y * y * y)],
        1e-14,
    );
}

#[test]
fn expr_precedence_through_parse() {
    let cases: [(&str, f64, f64); 6] = [
        ("-x^2", 3.0, -9.0),
        ("2^3^2", 0.0, 512.0),
        ("-2^2", 0.0, -4.0),
        ("2*-3", 0.0, -6.0),
        ("(x-4)^2", 1.0, 9.0),
        ("2^-x", 1.0, 0.5),
    ];
    for (formula, x, want) in cases {
        assert_eq!(
            obj(&format!("expr:{formula}"), 1).value(&[x]),
            want,
            "{formula}"
        );
    }
    // x^2 at 0 is differentiable (constant exponents never take a log).
    let sq = obj("expr:x^2", 1);
    assert_eq!(grad(sq.as_ref(), &[0.0]), [0.0]);
    assert_eq!(hvp(sq.as_ref(), &[0.0], &[1.0]), [2.0]);
}

// ---------------------------------------------------------------------------------------------
// Errors.

#[test]
fn errors_are_one_line_and_specific() {
    assert_eq!(
        err("expr:(x+1", 1),
        "expr: at position 5: expected ')', found end of input"
    );
    assert_eq!(
        err("expr:x + q", 1),
        "expr: at position 5: unknown variable 'q' (variables are x, y, z or x0, x1, …; constants pi, e)"
    );
    assert!(err("expr:sinc(x)", 1)
        .starts_with("expr: at position 1: unknown function 'sinc' (known: sin,"));
    assert_eq!(
        err("expr:x*y", 1),
        "expr: at position 3: variable 'y' needs dimension at least 2, but --x0 has dimension 1"
    );
    assert_eq!(
        err("beale", 3),
        "beale: dimension must be 2, got 3 (the length of --x0)"
    );
    assert_eq!(
        err("himmelblau", 1),
        "himmelblau: dimension must be 2, got 1 (the length of --x0)"
    );
    assert_eq!(
        err("rosen1d:c=4", 2),
        "rosen1d: dimension must be 1, got 2 (the length of --x0)"
    );
    assert_eq!(
        err("quadratic:diag=1;10;100", 2),
        "quadratic: diag has 3 entries but --x0 has dimension 2; they must match"
    );
    assert_eq!(
        err("rosen1d:c=abc", 1),
        "rosen1d: c must be a number, got 'abc'"
    );
    assert!(err("nosuch", 2).starts_with("unknown objective 'nosuch' (known: rosenbrock, rosen1d, quadratic, beale, himmelblau, sphere"));
    for spec in ["expr:(x+1", "beale", "quadratic:diag=1;10;100", "nosuch"] {
        assert!(!err(spec, 4).contains('\n'), "{spec}");
    }
}

#[test]
fn catalog_lists_every_objective() {
    let names: Vec<&str> = objective::catalog().iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "rosenbrock",
            "rosen1d",
            "quadratic",
            "beale",
            "himmelblau",
            "sphere",
            "expr",
            "lsq",
            "regression",
            "logistic",
            "mlp",
            "scale_invariant"
        ]
    );
    // Every default in the catalog builds.
    assert_eq!(obj("rosenbrock", 3).name(), "rosenbrock:a=1,b=100");
    assert_eq!(obj("rosen1d", 1).name(), "rosen1d:c=4");
}

// ---------------------------------------------------------------------------------------------
// No allocation per evaluation.

#[test]
fn evaluations_do_not_allocate() {
    let specs: [(&str, usize); 7] = [
        ("rosenbrock", 5),
        ("rosen1d", 1),
        ("quadratic:diag=1;10;100", 3),
        ("beale", 2),
        ("himmelblau", 2),
        ("sphere", 4),
        ("expr:sin(x)*exp(y) + (1-x)^2 + 100*(y-x^2)^2 + x^y", 2),
    ];
    for (spec, n) in specs {
        let f = obj(spec, n);
        let x: Vec<f64> = (0..n).map(|i| 0.5 + 0.1 * i as f64).collect();
        let v = vec![1.0; n];
        let mut g = vec![0.0; n];
        let mut hv = vec![0.0; n];
        // Warm-up: the expr scratch buffers grow once per thread.
        f.value_gradient(&x, &mut g);
        f.hvp(&x, &v, &mut hv);
        let before = allocations();
        let mut acc = 0.0;
        for _ in 0..100 {
            acc += f.value(&x);
            f.gradient(&x, &mut g);
            acc += f.value_gradient(&x, &mut g);
            f.hvp(&x, &v, &mut hv);
        }
        assert_eq!(allocations() - before, 0, "{spec} allocated");
        assert!(acc.is_finite());
    }
}

/// The per-thread scratch buffers keep concurrent evaluations of one shared `expr` objective
/// independent.
#[test]
fn expr_is_safe_to_share_between_threads() {
    let f = obj(&format!("expr:{BEALE} + sin(x*y)"), 2);
    let expected: Vec<(Vec<f64>, Vec<f64>)> = (0..4)
        .map(|t| {
            let x = [0.1 * t as f64, 1.0 - 0.2 * t as f64];
            (grad(f.as_ref(), &x), hvp(f.as_ref(), &x, &[1.0, -1.0]))
        })
        .collect();
    std::thread::scope(|s| {
        for (t, (g_want, h_want)) in expected.iter().enumerate() {
            let f = f.as_ref();
            s.spawn(move || {
                let x = [0.1 * t as f64, 1.0 - 0.2 * t as f64];
                for _ in 0..2000 {
                    assert_eq!(&grad(f, &x), g_want);
                    assert_eq!(&hvp(f, &x, &[1.0, -1.0]), h_want);
                }
            });
        }
    });
}
