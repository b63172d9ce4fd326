//! The command line as users and the held-out oracle cases drive it: `optdyn run` against
//! torch.optim's float64 iterates, output formats and manifests, one-line errors, divergence
//! reports, model runs, and `list`.

use serde_json::Value;
use std::process::{Command, Output};

fn optdyn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optdyn"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every public torch.optim case through `optdyn run --format json`: the x columns of rows
/// 1..=K must equal torch's iterates to 1e-10 relative. The one case whose dynamics amplify
/// ulp-level gradient differences exponentially (centered RMSprop with momentum on Rosenbrock,
/// see crates/optdyn/tests/torch_optim.rs) is compared over its first 60 steps.
#[test]
fn run_matches_torch_float64_iterates() {
    // The one copy of the reference data lives with the library's tests.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../optdyn/tests/data/torch_optim_public.json"
    ))
    .unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 30);
    for c in cases {
        let x0: Vec<String> = c["x0"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap().to_string())
            .collect();
        let steps = c["steps"].as_u64().unwrap().to_string();
        let (obj, opt) = (
            c["objective"].as_str().unwrap(),
            c["optimizer"].as_str().unwrap(),
        );
        let o = optdyn(&[
            "run",
            "--objective",
            obj,
            "--x0",
            &x0.join(","),
            "--optimizer",
            opt,
            "--steps",
            &steps,
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{obj} {opt}: {}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let rows = v["rows"].as_array().unwrap();
        let iters = c["iterates"].as_array().unwrap();
        assert_eq!(rows.len(), iters.len() + 1);
        let chaotic = obj == "rosenbrock" && opt.contains("centered=true");
        let upto = if chaotic { 60 } else { iters.len() };
        let mut worst = 0.0f64;
        for (k, it) in iters.iter().enumerate().take(upto) {
            let row = rows[k + 1].as_array().unwrap();
            for (j, want) in it.as_array().unwrap().iter().enumerate() {
                let want = want.as_f64().unwrap();
                let got = row[4 + j].as_f64().unwrap();
                worst = worst.max((got - want).abs() / want.abs().max(1e-300));
            }
        }
        assert!(
            worst <= 1e-10,
            "{obj} {opt}: worst relative error {worst:e}"
        );
    }
}

#[test]
fn csv_output_and_manifest_are_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("adam.csv");
    let o = optdyn(&[
        "run",
        "--objective",
        "rosen1d:c=4",
        "--x0",
        "2",
        "--optimizer",
        "adam:lr=1e-3,beta1=0.99,beta2=0.999",
        "--steps",
        "4000",
        "--every",
        "1000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "step,t,loss,grad_norm,x0");
    assert_eq!(lines.len(), 6, "rows for steps 0, 1000, 2000, 3000, 4000");
    assert!(lines[1].starts_with("0,0,37,98,2"), "{}", lines[1]);
    assert!(lines[5].starts_with("4000,4,"), "{}", lines[5]);
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("adam.csv.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["optimizer"], "adam:lr=1e-3,beta1=0.99,beta2=0.999");
    assert_eq!(m["stop"]["kind"], "finished");
    assert!(m["optdyn_version"].is_string());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn bad_input_is_one_line_naming_field_value_and_range() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--optimizer", "adam:beta1=1.2"],
            "adam: beta1 must be in [0, 1), got 1.2",
        ),
        (
            &["--optimizer", "adam:lr=-1"],
            "adam: lr must be >= 0, got -1",
        ),
        (
            &["--optimizer", "adam:eps=0"],
            "adam: eps must be > 0, got 0",
        ),
        (&["--optimizer", "adamm"], "unknown optimizer 'adamm'"),
        (
            &["--optimizer", "adam:beta=0.9"],
            "adam: unknown key 'beta'",
        ),
        (&["--x0", "1,2,3"], "dimension must be 2, got 3"),
        (
            &["--objective", "expr:(x-4", "--x0", "1"],
            "expr: at position",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["run", "--steps", "3"];
        let has = |k: &str| extra.contains(&k);
        if !has("--objective") {
            args.extend(["--objective", "beale"]);
        }
        if !has("--x0") {
            args.extend(["--x0", "1,1"]);
        }
        if !has("--optimizer") {
            args.extend(["--optimizer", "sgd:lr=0.01"]);
        }
        args.extend(extra);
        let o = optdyn(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn divergence_stops_keeps_rows_and_reports_step() {
    // GD on ½·100x² is unstable for lr > 2/100: |x| grows 2× per step at lr = 0.03.
    let o = optdyn(&[
        "run",
        "--objective",
        "quadratic:diag=100",
        "--x0",
        "1",
        "--optimizer",
        "sgd:lr=0.03",
        "--steps",
        "1000",
        "--max-abs",
        "1e6",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("diverged at step 20"), "{err}");
    let rows = stdout(&o).lines().count() - 1;
    assert_eq!(rows, 20, "rows for steps 0..=19 are kept");
    assert!(!stdout(&o).contains("NaN") && !stdout(&o).contains("inf"));
}

#[test]
fn model_run_samples_on_the_optimizer_clock() {
    let o = optdyn(&[
        "run",
        "--objective",
        "expr:(x-4)^2",
        "--x0",
        "1",
        "--optimizer",
        "adam:lr=0.01,beta1=0.9,beta2=0.999",
        "--model",
        "adam-ide1",
        "--integrator",
        "dopri5:rtol=1e-10,atol=1e-12",
        "--steps",
        "1000",
        "--every",
        "500",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "step,t,loss,grad_norm,x0,m0,v0");
    let last: Vec<f64> = lines[3].split(',').map(|s| s.parse().unwrap()).collect();
    assert_eq!(last[0], 1000.0);
    assert_eq!(last[1], 10.0);
    // heredia.md §4.1: exact first-order IDE θ(10) = 3.99914138.
    assert!((last[4] - 3.99914138).abs() < 2e-8, "{}", last[4]);
}

#[test]
fn second_order_schemes_refuse_first_order_models() {
    // adam-ide2's state [θ, θ', m, m', v, v'] has an even length but is not [x, v]: a Verlet
    // step would split it into meaningless halves, so the request is refused before any step
    // (exit 2, a usage error, not 3, a stopped run).
    let o = optdyn(&[
        "run",
        "--objective",
        "rosen1d:c=4",
        "--x0",
        "2",
        "--optimizer",
        "adam:lr=1e-3",
        "--model",
        "adam-ide2",
        "--integrator",
        "verlet:substeps=10",
        "--steps",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is first-order"), "{}", stderr(&o));
    // The heavy-ball ODE is [x, v]: Verlet drives it.
    let o = optdyn(&[
        "run",
        "--objective",
        "rosen1d:c=4",
        "--x0",
        "2",
        "--optimizer",
        "sgd:lr=1e-3,momentum=0.9",
        "--model",
        "heavy-ball",
        "--integrator",
        "verlet:substeps=10",
        "--steps",
        "100",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn list_shows_every_section() {
    let o = optdyn(&["list"]);
    assert!(o.status.success());
    let s = stdout(&o);
    for name in [
        "objectives:",
        "optimizers:",
        "models:",
        "integrators:",
        "rosen1d",
        "expr",
        "adamw",
        "kadam",
        "adam-ide2",
        "heavy-ball",
        "dopri5",
        "newmark",
        "mlp",
    ] {
        assert!(s.contains(name), "missing {name}");
    }
    let o = optdyn(&["list", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The stochastic layer from the command line: an SME path is reproducible by `--seed`; an
/// ensemble writes its bands, every path and a manifest that lists the stopped paths (exit code
/// 3 when some stopped); `converge --weak x2 --moments exact` prints the orders.
#[test]
fn stochastic_runs_ensembles_and_weak_orders() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "--objective",
        "quadratic:diag=1,grad_noise=6",
        "--x0",
        "0",
        "--optimizer",
        "sgd:lr=0.1",
        "--steps",
        "50",
    ];
    let one = |seed: &str| {
        let mut args = base.to_vec();
        args.extend(["--model", "sgd-sme1", "--seed", seed, "--format", "json"]);
        let o = optdyn(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(one("3"), one("3"));
    assert_ne!(one("3"), one("4"));
    let out = dir.path().join("e.csv");
    let mut args = base.to_vec();
    let out_s = out.to_str().unwrap();
    args.extend([
        "--paths",
        "60",
        "--max-abs",
        "3",
        "--out",
        out_s,
        "--all-paths",
    ]);
    let o = optdyn(&args);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("paths stopped"), "{}", stderr(&o));
    let bands = std::fs::read_to_string(&out).unwrap();
    assert!(bands.starts_with("step,t,paths,mean_x0,se_x0,q0.05_x0,q0.5_x0,q0.95_x0,mean_loss"));
    assert_eq!(bands.lines().count(), 52);
    let all = std::fs::read_to_string(dir.path().join("e.paths.csv")).unwrap();
    assert!(all.starts_with("path,step,t,x0,loss\n"));
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("e.csv.manifest.json")).unwrap(),
    )
    .unwrap();
    let stopped = m["stopped"].as_array().unwrap();
    assert!(!stopped.is_empty() && stopped.len() < 60);
    assert_eq!(stopped[0]["stop"]["kind"], "diverged");
    assert!(dir.path().join("e_bands.svg").exists());
    let o = optdyn(&[
        "converge",
        "--objective",
        "quadratic:diag=2,grad_noise=0.5",
        "--x0",
        "1",
        "--optimizer",
        "sgd",
        "--models",
        "sgd-sme1,sgd-sme2",
        "--lrs",
        "0.04,0.02,0.01,0.005",
        "--t-end",
        "1",
        "--weak",
        "x2",
        "--moments",
        "exact",
        "--out",
        dir.path().join("w").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("sgd-sme1                           weak order = 0.972"),
        "{text}"
    );
    assert!(
        text.contains("sgd-sme2                           weak order = 2.140"),
        "{text}"
    );
    let o = optdyn(&[
        "run",
        "--objective",
        "quadratic:diag=2",
        "--x0",
        "1",
        "--optimizer",
        "sgd:lr=0.1",
        "--model",
        "sgd-sme1",
        "--steps",
        "3",
    ]);
    assert!(
        stderr(&o).contains("exact step gradients"),
        "{}",
        stderr(&o)
    );
}
