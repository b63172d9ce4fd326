//! Tests of grids, sharding, the executor, recovery, merge and the batched Adam path.
//!
//! The optimizer and objectives here are small test doubles written from their formulas
//! (torch Adam as stated in [`super::batch`]; the 1-D quadratic and `rosen1d`), independent of
//! the batched kernel they check.

use super::batch::{adam_1d, adam_1d_with, AdamLanes, Isa, Lanes1dOut, Objective1d};
use super::metrics::discrete_metrics;
use super::*;
use crate::objective::Objective;
use crate::optim::{Optimizer, State};
use crate::Error;

/// `f(x) = Σ_i ½·a·(x_i − c)²` or `rosen1d` (`n = 1`).
#[derive(Clone, Copy)]
struct Obj(Objective1d, usize);

/// [`discrete_metrics`] of `opt` on `obj` from the scalar start `x0`.
fn dm(obj: Obj, opt: &dyn Optimizer<f64>, x0: f64, o: &MetricOptions) -> crate::Result<Metrics> {
    discrete_metrics(&crate::run::Problem::new(obj, vec![x0])?, opt, o)
}

impl Objective for Obj {
    fn name(&self) -> String {
        format!("{:?}", self.0)
    }
    fn dim(&self) -> usize {
        self.1
    }
    fn value(&self, x: &[f64]) -> f64 {
        x.iter().map(|&v| self.0.value_grad(v).0).sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (gi, &v) in g.iter_mut().zip(x) {
            *gi = self.0.value_grad(v).1;
        }
    }
    fn hvp(&self, _x: &[f64], _v: &[f64], _out: &mut [f64]) {
        unreachable!("not used by sweeps")
    }
    fn min_value(&self) -> Option<f64> {
        self.0.min_value()
    }
}

/// torch Adam (`_single_tensor_adam`: `lerp` first moment, `pow` bias corrections).
#[derive(Debug)]
struct Adam {
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
}

impl Optimizer<f64> for Adam {
    fn name(&self) -> &'static str {
        "adam"
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn slot_names(&self) -> &'static [&'static str] {
        &["m", "v"]
    }
    fn init(&self, n: usize) -> State<f64> {
        State::zeros(n, 2, 0)
    }
    fn step(&self, s: &mut State<f64>, x: &mut [f64], g: &[f64]) {
        s.step += 1;
        let t = s.step as f64;
        let bc1 = 1.0 - self.b1.powf(t);
        let bc2 = 1.0 - self.b2.powf(t);
        let w = 1.0 - self.b1;
        for i in 0..x.len() {
            let (m, v) = (s.slots[0][i], s.slots[1][i]);
            s.slots[0][i] = if w.abs() < 0.5 {
                m + w * (g[i] - m)
            } else {
                g[i] - (g[i] - m) * self.b1
            };
            s.slots[1][i] = v * self.b2 + (1.0 - self.b2) * g[i] * g[i];
            let denom = s.slots[1][i].sqrt() / bc2.sqrt() + self.eps;
            x[i] += -(self.lr / bc1) * s.slots[0][i] / denom;
        }
    }
}

fn plan(dir: &std::path::Path, shard: Shard, resume: bool, chunk: usize) -> Plan {
    let mut d = serde_json::Map::new();
    d.insert("optimizer".into(), "test-adam".into());
    Plan {
        out_dir: dir.to_path_buf(),
        shard,
        resume,
        description: d,
        metrics: Metric::parse_list("final_x,final_loss,diverged,steps_to_tol,max_update").unwrap(),
        dim: 1,
        min_chunk: chunk,
    }
}

/// A run: Adam on rosen1d with `lr`, `beta1` from the grid; `beta1 ≥ 1` is rejected.
fn adam_run(o: MetricOptions) -> impl Fn(&Point) -> crate::Result<Metrics> + Sync {
    move |p: &Point| {
        let (lr, b1, x0) = (p.values[0], p.values[1], p.values[2]);
        if b1 >= 1.0 {
            return Err(Error::spec(format!(
                "adam: beta1 must be in [0, 1), got {b1}"
            )));
        }
        let opt = Adam {
            lr,
            b1,
            b2: 0.999,
            eps: 1e-8,
        };
        dm(Obj(Objective1d::Rosen1d { c: 4.0 }, 1), &opt, x0, &o)
    }
}

fn small_grid() -> Grid {
    Grid::parse("lr=1e-3:3:7:log,beta1=0:1:5,x0=-2;0.5;1.5", None).unwrap()
}

fn opts() -> MetricOptions {
    MetricOptions {
        steps: 60,
        tol: 1e-3,
        tol_on: TolOn::Grad,
        max_abs: 1e3,
        max_loss: 1e200,
    }
}

fn run_to_string(dir: &std::path::Path, shard: Shard, chunk: usize) -> String {
    let g = small_grid();
    let f = adam_run(opts());
    execute(&g, &plan(dir, shard, false, chunk), &f, &mut |_, _| {}).unwrap();
    std::fs::read_to_string(dir.join(shard.file_name())).unwrap()
}

#[test]
fn shards_tile_every_index_once() {
    for total in [0u64, 1, 7, 100, 101, 1 << 40] {
        for of in [1u64, 2, 3, 7, 64] {
            let mut next = 0;
            for i in 0..of {
                let r = Shard::new(i, of).unwrap().range(total);
                assert_eq!(r.start, next);
                let len = r.end - r.start;
                assert!(len == total / of || len == total / of + 1);
                next = r.end;
            }
            assert_eq!(next, total);
        }
    }
    assert!(Shard::new(3, 3).unwrap_err().to_string().contains("[0, 3)"));
    assert_eq!(Shard::new(2, 12).unwrap().file_name(), "shard-02-of-12.csv");
}

#[test]
fn output_is_independent_of_threads_and_chunks() {
    let d = tempfile::tempdir().unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let a = one.install(|| run_to_string(&d.path().join("a"), Shard::WHOLE, 256));
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let b = four.install(|| run_to_string(&d.path().join("b"), Shard::WHOLE, 3));
    assert_eq!(a, b);
    let g = small_grid();
    assert_eq!(a.lines().count() as u64, g.len() + 1);
    // beta1 = 1 (last value of the axis) is rejected: 7·3 invalid rows with empty metrics.
    assert_eq!(a.matches(",invalid\n").count(), 21);
    assert!(a.starts_with(
        "index,lr,beta1,x0,final_x0,final_loss,diverged,diverged_step,steps_to_tol,max_update,status\n0,0.001,0,-2,"
    ));
    let f = adam_run(opts());
    let s = execute(
        &g,
        &plan(&d.path().join("c"), Shard::WHOLE, false, 8),
        &f,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!((s.computed, s.invalid), (g.len(), 21));
    assert!(s
        .first_invalid
        .unwrap()
        .1
        .contains("beta1 must be in [0, 1), got 1"));
}

#[test]
fn metrics_match_a_stored_trajectory() {
    // Independent reduction: run_discrete records every step; reduce it by hand.
    let obj = Obj(Objective1d::Rosen1d { c: 4.0 }, 1);
    let o = MetricOptions {
        steps: 300,
        tol: 1e-4,
        ..opts()
    };
    for (lr, b1, x0) in [(0.01, 0.9, -2.0), (0.1, 0.5, 0.5), (2.0, 0.0, 3.0)] {
        let opt = Adam {
            lr,
            b1,
            b2: 0.999,
            eps: 1e-8,
        };
        let m = dm(obj, &opt, x0, &o).unwrap();
        let problem = crate::run::Problem::new(obj, vec![x0]).unwrap();
        let tr = crate::run::Run::discrete(&problem, &opt)
            .steps(o.steps)
            .max_abs(o.max_abs)
            .trajectory()
            .unwrap();
        let rows: Vec<Vec<f64>> = (0..tr.len()).map(|i| tr.row(i)).collect();
        let last = rows.last().unwrap();
        if m.diverged.is_none() {
            assert_eq!(m.final_x, vec![last[4]]);
            assert_eq!(m.final_loss, last[2]);
        } else {
            assert_eq!(m.diverged, Some(tr.len() as u64));
        }
        let tol = rows.iter().find(|r| r[3] <= o.tol).map(|r| r[0] as u64);
        assert_eq!(m.steps_to_tol, tol);
        let mu = rows
            .windows(2)
            .map(|w| (w[1][4] - w[0][4]).abs())
            .fold(0.0, f64::max);
        assert_eq!(m.max_update, mu);
    }
}

/// What a kill leaves: the CSV `full` cut at byte `cut` and its checksum sidecar holding the
/// chunks wholly before the cut (the sidecar is appended after the CSV). Returns the bytes the
/// checksums cover.
fn cut_at(path: &std::path::Path, full: &[u8], sums: &str, cut: usize) -> usize {
    std::fs::write(path, &full[..cut]).unwrap();
    let mut covered = full.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut kept = String::new();
    for line in sums.lines() {
        let bytes: usize = line.split(',').nth(2).unwrap().parse().unwrap();
        if covered + bytes > cut {
            break;
        }
        covered += bytes;
        kept.push_str(line);
        kept.push('\n');
    }
    std::fs::write(super::checksum::sums_path(path), kept).unwrap();
    covered
}

#[test]
fn resume_after_a_torn_write_restores_the_same_file() {
    let d = tempfile::tempdir().unwrap();
    let full = run_to_string(&d.path().join("full"), Shard::WHOLE, 16);
    let g = small_grid();
    let f = adam_run(opts());
    let dir = d.path().join("torn");
    let p = plan(&dir, Shard::WHOLE, false, 16);
    execute(&g, &p, &f, &mut |_, _| {}).unwrap();
    let path = dir.join("results.csv");
    let sums = std::fs::read_to_string(super::checksum::sums_path(&path)).unwrap();
    // Simulate kills at many byte offsets: cut the file there, then resume.
    let bytes = full.as_bytes();
    let header = full.find('\n').unwrap() + 1;
    for cut in [
        header,
        header + 1,
        header + 37,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        let covered = cut_at(&path, bytes, &sums, cut);
        let s = execute(&g, &plan(&dir, Shard::WHOLE, true, 16), &f, &mut |_, _| {}).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            full,
            "cut at {cut}"
        );
        assert_eq!(s.resumed + s.computed, g.len());
        assert_eq!(s.dropped_bytes as usize, cut - covered);
        let whole_rows = bytes[covered..cut].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(s.dropped_rows as usize, whole_rows);
    }
    // A checksummed row that was changed is an error (garbage, or a plausible edited digit),
    // and the file is left as it is.
    for (at, to) in [(header + 40, b'#'), (header + 2, b'9')] {
        let mut bad = full.clone().into_bytes();
        bad[at] = if bad[at] == to { b'8' } else { to };
        std::fs::write(&path, &bad).unwrap();
        let e = execute(&g, &plan(&dir, Shard::WHOLE, true, 16), &f, &mut |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("checksum mismatch") && !e.contains('\n'), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), bad);
    }
    std::fs::write(&path, &full).unwrap();
    // A complete file resumes to itself.
    let s = execute(&g, &plan(&dir, Shard::WHOLE, true, 16), &f, &mut |_, _| {}).unwrap();
    assert_eq!((s.computed, s.resumed), (0, g.len()));
}

/// Two processes on one shard would interleave appends: while one holds the shard (here a
/// sweep still running, seen from inside its run function), a second is refused in one line
/// naming the holder; another shard of the same directory is not blocked.
#[test]
fn a_shard_being_written_is_locked_against_a_second_sweep() {
    let d = tempfile::tempdir().unwrap();
    let g = small_grid();
    let inner = adam_run(opts());
    let second = std::sync::Mutex::new(None);
    let f = |p: &Point| {
        if p.index == 3 {
            let r = execute(
                &g,
                &plan(d.path(), Shard::WHOLE, true, 16),
                &inner,
                &mut |_, _| {},
            );
            let other = execute(
                &g,
                &plan(d.path(), Shard::new(1, 2).unwrap(), false, 16),
                &inner,
                &mut |_, _| {},
            );
            *second.lock().unwrap() = Some((r.map(|_| ()), other.map(|_| ())));
        }
        inner(p)
    };
    execute(
        &g,
        &plan(d.path(), Shard::WHOLE, false, 16),
        &f,
        &mut |_, _| {},
    )
    .unwrap();
    let (same, other) = second.into_inner().unwrap().expect("point 3 ran");
    let e = same.unwrap_err().to_string();
    assert!(
        e.contains("is being written by another optdyn sweep (pid ")
            && e.contains(&std::process::id().to_string())
            && !e.contains('\n'),
        "{e}"
    );
    other.unwrap();
    // Released when the first sweep ended: resuming now works.
    execute(
        &g,
        &plan(d.path(), Shard::WHOLE, true, 16),
        &inner,
        &mut |_, _| {},
    )
    .unwrap();
}

#[test]
fn existing_output_and_manifest_mismatch_are_errors() {
    let d = tempfile::tempdir().unwrap();
    let g = small_grid();
    let f = adam_run(opts());
    execute(
        &g,
        &plan(d.path(), Shard::WHOLE, false, 64),
        &f,
        &mut |_, _| {},
    )
    .unwrap();
    let e = execute(
        &g,
        &plan(d.path(), Shard::WHOLE, false, 64),
        &f,
        &mut |_, _| {},
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("pass --resume"), "{e}");
    let mut p = plan(d.path(), Shard::WHOLE, true, 64);
    p.description.insert("optimizer".into(), "other".into());
    let e = execute(&g, &p, &f, &mut |_, _| {}).unwrap_err().to_string();
    assert!(
        e.contains("sweep.optimizer = \"test-adam\", this run has sweep.optimizer = \"other\""),
        "{e}"
    );
    let g2 = Grid::parse("lr=1e-3:3:8:log,beta1=0:1:5,x0=-2;0.5;1.5", None).unwrap();
    let e = execute(
        &g2,
        &plan(d.path(), Shard::WHOLE, true, 64),
        &f,
        &mut |_, _| {},
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("sweep.grid"), "{e}");
}

fn rebuild(v: &serde_json::Value) -> crate::Result<Grid> {
    Grid::parse(v["grid"].as_str().unwrap(), v["sample"].as_str())
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let d = tempfile::tempdir().unwrap();
    let whole = run_to_string(&d.path().join("whole"), Shard::WHOLE, 32);
    let sh = d.path().join("shards");
    for i in 0..4 {
        run_to_string(&sh, Shard::new(i, 4).unwrap(), 5);
    }
    let out = d.path().join("merged/results.csv");
    let s = merge(std::slice::from_ref(&sh), &out, &rebuild).unwrap();
    assert_eq!(s.rows, small_grid().len());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), whole);
    // Missing, duplicated and incomplete shards are refused.
    let files: Vec<std::path::PathBuf> = (0..4)
        .map(|i| sh.join(Shard::new(i, 4).unwrap().file_name()))
        .collect();
    let e = merge(&files[..3], &out, &rebuild).unwrap_err().to_string();
    assert!(e.contains("missing shard(s) 3 of 4"), "{e}");
    let e = merge(&[files[0].clone(), sh.clone()], &out, &rebuild)
        .unwrap_err()
        .to_string();
    assert!(e.contains("shard 0 of 4 given twice"), "{e}");
    let text = std::fs::read_to_string(&files[2]).unwrap();
    let sums_path = super::checksum::sums_path(&files[2]);
    let sums = std::fs::read_to_string(&sums_path).unwrap();
    let mut bytes = text.clone().into_bytes();
    let digit = bytes.len() - 8; // inside the last row's metric value
    bytes[digit] = if bytes[digit] == b'1' { b'2' } else { b'1' };
    std::fs::write(&files[2], &bytes).unwrap();
    let e = merge(std::slice::from_ref(&sh), &out, &rebuild)
        .unwrap_err()
        .to_string();
    assert!(e.contains("checksum mismatch"), "{e}");
    cut_at(&files[2], text.as_bytes(), &sums, text.len() - 3);
    let e = merge(std::slice::from_ref(&sh), &out, &rebuild)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("is incomplete") && e.contains("rerun shard 2 with --resume"),
        "{e}"
    );
    // The previous merged file is untouched by failed merges.
    assert_eq!(std::fs::read_to_string(&out).unwrap(), whole);
}

fn lanes_and_points(n: usize) -> (AdamLanes, Vec<[f64; 4]>) {
    let g = Grid::parse(
        "lr=1e-3:1:log,beta1=0:0.999,beta2=0.5:0.99999,x0=-3:3",
        Some(&format!("halton:{n},seed=7")),
    )
    .unwrap();
    let mut lanes = AdamLanes::default();
    let mut pts = Vec::new();
    for i in 0..n as u64 {
        let v = g.point(i).values;
        lanes.push(v[0], v[1], v[2], 1e-8, v[3]);
        pts.push([v[0], v[1], v[2], v[3]]);
    }
    (lanes, pts)
}

/// Runs every lane batched (with the kernel of every instruction set this CPU has, which must
/// agree bit for bit) and each point through the generic loop, asserts the metrics are
/// bit-identical, and returns the generic metrics.
fn batched_equals_generic(
    obj: Objective1d,
    lanes: &AdamLanes,
    pts: &[[f64; 4]],
    o: &MetricOptions,
) -> Vec<Metrics> {
    let mut out = Lanes1dOut::default();
    adam_1d(obj, lanes, o, &mut out).unwrap();
    for isa in Isa::available() {
        let mut other = Lanes1dOut::default();
        adam_1d_with(isa, obj, lanes, o, &mut other).unwrap();
        let bits = |v: &Lanes1dOut| {
            [
                &v.final_x,
                &v.final_loss,
                &v.diverged,
                &v.steps_to_tol,
                &v.max_update,
            ]
            .map(|c| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        };
        assert!(
            bits(&other) == bits(&out),
            "{isa:?} differs from {:?}",
            Isa::detect()
        );
    }
    let bits = |m: &Metrics| {
        let f = [m.final_x[0], m.final_loss, m.max_update].map(f64::to_bits);
        (f, m.diverged, m.steps_to_tol)
    };
    pts.iter()
        .enumerate()
        .map(|(i, p)| {
            let opt = Adam {
                lr: p[0],
                b1: p[1],
                b2: p[2],
                eps: 1e-8,
            };
            let m = dm(Obj(obj, 1), &opt, p[3], o).unwrap();
            let b = out.metrics(i);
            assert_eq!(
                bits(&b),
                bits(&m),
                "lane {i} {obj:?} {:?}, {} steps: {b:?} vs {m:?}",
                o.tol_on,
                o.steps
            );
            m
        })
        .collect()
}

#[test]
fn batched_adam_is_bit_identical_to_the_generic_loop() {
    let n = 1003; // not a multiple of the lane width or the task size
    let (lanes, pts) = lanes_and_points(n);
    let (mut diverged, mut reached) = (0u64, 0u64);
    let objs = [
        Objective1d::Quadratic { a: 3.0, c: 0.25 },
        Objective1d::Quadratic { a: -1.0, c: 0.0 },
        Objective1d::Rosen1d { c: 4.0 },
    ];
    for obj in objs {
        for tol_on in [TolOn::Grad, TolOn::Gap] {
            let o = MetricOptions {
                steps: 200,
                tol: 1e-6,
                tol_on,
                max_abs: 3.5,
                max_loss: 1e200,
            };
            if obj.min_value().is_none() && tol_on == TolOn::Gap {
                let mut out = Lanes1dOut::default();
                assert!(adam_1d(obj, &lanes, &o, &mut out).is_err());
                let opt = Adam {
                    lr: 0.1,
                    b1: 0.9,
                    b2: 0.999,
                    eps: 1e-8,
                };
                assert!(dm(Obj(obj, 1), &opt, 1.0, &o).is_err());
                continue;
            }
            for m in batched_equals_generic(obj, &lanes, &pts, &o) {
                diverged += u64::from(m.diverged.is_some());
                reached += u64::from(m.steps_to_tol.is_some());
            }
        }
    }
    // Both branches of the bookkeeping are exercised.
    assert!(
        diverged > 0 && reached > 0 && reached < 5 * n as u64,
        "{diverged} {reached}"
    );
}

/// The bias-correction tables cover a window of steps at a time (memory bounded whatever
/// `--steps` is): runs that cross window boundaries, and a run of zero steps, stay bit-identical.
#[test]
fn batched_adam_across_table_windows_is_bit_identical() {
    let (lanes, pts) = lanes_and_points(37);
    let obj = Objective1d::Rosen1d { c: 4.0 };
    for steps in [0, 1, 2 * super::batch::WINDOW as u64 + 17] {
        let o = MetricOptions {
            steps,
            tol: 1e-6,
            tol_on: TolOn::Grad,
            max_abs: 3.5,
            max_loss: 1e200,
        };
        batched_equals_generic(obj, &lanes, &pts, &o);
    }
}

#[test]
fn batched_adam_is_thread_count_independent_and_checks_bounds() {
    let (lanes, _) = lanes_and_points(5000);
    let o = MetricOptions {
        steps: 50,
        ..opts()
    };
    let obj = Objective1d::Rosen1d { c: 4.0 };
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut out = Lanes1dOut::default();
        pool.install(|| adam_1d(obj, &lanes, &o, &mut out)).unwrap();
        out
    };
    assert_eq!(run(1), run(3));
    let huge = MetricOptions {
        max_abs: 1e100,
        ..o
    };
    let e = adam_1d(obj, &lanes, &huge, &mut Lanes1dOut::default()).unwrap_err();
    assert!(e.to_string().contains("use the generic path"), "{e}");
}

#[test]
fn batched_adam_is_bit_identical_to_the_library_adam_and_objectives() {
    let n = 301;
    let (lanes, pts) = lanes_and_points(n);
    let o = MetricOptions {
        steps: 200,
        tol: 1e-6,
        tol_on: TolOn::Gap,
        max_abs: 3.5,
        max_loss: 1e200,
    };
    for (spec, obj) in [
        ("rosen1d:c=4", Objective1d::Rosen1d { c: 4.0 }),
        (
            "quadratic:diag=3,center=0.25",
            Objective1d::Quadratic { a: 3.0, c: 0.25 },
        ),
    ] {
        let f: std::sync::Arc<dyn Objective> =
            std::sync::Arc::from(crate::objective::parse(spec, 1).unwrap());
        let mut out = Lanes1dOut::default();
        adam_1d(obj, &lanes, &o, &mut out).unwrap();
        for (i, p) in pts.iter().enumerate() {
            let fx = crate::io::fmt_f64;
            let opt = crate::optim::parse(&format!(
                "adam:lr={},beta1={},beta2={},eps=1e-8",
                fx(p[0]),
                fx(p[1]),
                fx(p[2])
            ))
            .unwrap();
            let problem = crate::run::Problem::shared(f.clone(), vec![p[3]]).unwrap();
            let m = discrete_metrics(&problem, opt.as_ref(), &o).unwrap();
            let b = out.metrics(i);
            let bits = |m: &Metrics| {
                let f = [m.final_x[0], m.final_loss, m.max_update].map(f64::to_bits);
                (f, m.diverged, m.steps_to_tol)
            };
            assert_eq!(bits(&b), bits(&m), "{spec} lane {i}: {b:?} vs {m:?}");
        }
    }
}

#[test]
fn model_metrics_follow_the_closed_form_gradient_flow() {
    use std::sync::Arc;
    // θ' = −d ⊙ θ on ½Σ dᵢθᵢ²: θᵢ(t) = θᵢ(0)·e^{−dᵢt}; sampled at t_k = k·lr.
    let run = |diag: &str, max_abs: f64| {
        let obj: Arc<dyn Objective> =
            Arc::from(crate::objective::parse(&format!("quadratic:diag={diag}"), 2).unwrap());
        let sgd = crate::optim::Sgd::default().lr(0.1);
        let model = crate::model::FirstOrderFlow::gradient(&sgd, obj.clone()).unwrap();
        let integ = crate::integrate::parse("rk4").unwrap();
        let o = MetricOptions {
            steps: 50,
            tol: 1e-2,
            tol_on: TolOn::Grad,
            max_abs,
            max_loss: 1e200,
        };
        let problem = crate::run::Problem::shared(obj, vec![1.0, 2.0]).unwrap();
        super::metrics::model_metrics(&problem, &model, Some(integ.as_ref()), 0.1, &o).unwrap()
    };
    let m = run("1;10", 1e12);
    let want = [(-5.0f64).exp(), 2.0 * (-50.0f64).exp()];
    for (x, w) in m.final_x.iter().zip(want) {
        assert!((x / w - 1.0).abs() < 1e-4, "{x} vs {w}");
    }
    // ‖∇f(θ(t))‖ = ‖(e^{−t}, 20e^{−10t})‖ first falls to 1e-2 at sample k = 47
    // (e^{−4.6} = 0.01005, e^{−4.7} = 0.00910).
    let k = (0..=50u64).find(|&k| {
        let t = k as f64 * 0.1;
        (-t).exp().hypot(20.0 * (-10.0 * t).exp()) <= 1e-2
    });
    assert_eq!(k, Some(47));
    assert_eq!(m.steps_to_tol, k);
    assert_eq!(m.diverged, None);
    // The largest move between samples is the first one: |Δθ| = ‖θ(0.1) − θ(0)‖.
    let d0 = ((-0.1f64).exp() - 1.0).hypot(2.0 * ((-1.0f64).exp() - 1.0));
    assert!(
        (m.max_update / d0 - 1.0).abs() < 1e-6,
        "{} vs {d0}",
        m.max_update
    );
    // θ₀ grows as e^{t}: it passes 10 between t = 2.3 and 2.4, so sample k = 24 is not reached.
    let m = run("-1;1", 10.0);
    assert_eq!(m.diverged, Some(24));
}
