//! Regression tests of the hostile-input and fault audit (issue 15), one per finding: closed and
//! full standard output, what `--out` may destroy, memory that grows with the request, thread
//! bounds, NaN in options and outputs, validation gaps, messages a user reads.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_optdyn");

fn optdyn(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Exit 2 with exactly one line `optdyn: error: …` containing `needle`.
fn usage_error(o: &Output, needle: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.starts_with("optdyn: error: ") && e.lines().count() == 1 && e.contains(needle),
        "{e}"
    );
}

const RUN: [&str; 8] = [
    "run",
    "--objective",
    "rosen1d:c=4",
    "--x0",
    "-1.5",
    "--optimizer",
    "adam:lr=0.01",
    "--steps",
];

fn run_args<'a>(steps: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = RUN.to_vec();
    a.push(steps);
    a.extend_from_slice(extra);
    a
}

#[test]
fn a_closed_stdout_ends_quietly_and_a_full_one_is_one_line() {
    // 10⁵ rows (~5 MB) cannot fit a pipe's buffer: the reader goes away first.
    for args in [run_args("100000", &[]), vec!["list"]] {
        let mut child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut head)
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "{args:?}: {}", stderr(&o));
    }
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(BIN)
            .args(run_args("10", &[]))
            .stdout(full)
            .output()
            .unwrap();
        let e = stderr(&o);
        assert!(
            !o.status.success() && e.lines().count() == 1 && e.contains("standard output"),
            "{e}"
        );
    }
}

#[test]
fn out_writes_through_symlinks_and_never_replaces_devices() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("target.csv");
    std::fs::write(&target, "old").unwrap();
    let link = d.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = optdyn(&run_args("3", &["--out", link.to_str().unwrap()]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("step,t,loss"));
    if Path::new("/dev/null").exists() {
        use std::os::unix::fs::FileTypeExt;
        let o = optdyn(&run_args("3", &["--out", "/dev/null"]));
        assert!(o.status.success(), "{}", stderr(&o));
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
    }
    // A directory is refused in one line.
    let o = optdyn(&run_args("3", &["--out", d.path().to_str().unwrap()]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn sizes_that_cannot_fit_are_refused_up_front() {
    let limit = [("OPTDYN_MEMORY_LIMIT", "1e8")];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "monitor",
                "--objective",
                "rosen1d:c=4",
                "--x0",
                "-1.5",
                "--optimizer",
                "adam:lr=1e-3",
                "--model",
                "adam-ide1",
                "--steps",
                "1e8",
            ],
            "recording",
        ),
        (
            vec![
                "basins",
                "--objective",
                "himmelblau",
                "--optimizer",
                "adam:lr=0.01",
                "--xs",
                "-5:5:100000",
                "--ys",
                "-5:5:100000",
            ],
            "basins: a map of 100000 × 100000 start points",
        ),
        (
            vec![
                "run",
                "--objective",
                "lsq:n=1000000000000",
                "--x0",
                "1",
                "--optimizer",
                "adam",
                "--steps",
                "1",
            ],
            "lsq: n = 1000000000000 samples",
        ),
        (vec!["stability", "--steps", "1e9"], "stability: a map of"),
    ];
    for (args, needle) in cases {
        let o = Command::new(BIN).args(&args).envs(limit).output().unwrap();
        usage_error(&o, needle);
        assert!(
            stderr(&o).contains("more than the limit of 100.0 MB"),
            "{}",
            stderr(&o)
        );
    }
    // A run streamed to a file is bounded by what it writes, not by the number of steps.
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("t.csv");
    let o = Command::new(BIN)
        .args(run_args(
            "1e5",
            &["--out", f.to_str().unwrap(), "--every", "1000"],
        ))
        .envs(limit)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn options_are_validated_in_one_line() {
    usage_error(
        &optdyn(&[
            "sweep",
            "--objective",
            "rosen1d",
            "--x0",
            "1",
            "--optimizer",
            "adam",
            "--grid",
            "lr=0.1",
            "--threads",
            "1000000000",
        ]),
        "must be between 1 and",
    );
    usage_error(&optdyn(&run_args("3", &["--max-abs", "nan"])), "NaN");
    usage_error(&optdyn(&run_args("1.5", &[])), "must be a whole number");
    usage_error(
        &optdyn(&[
            "monitor",
            "--objective",
            "rosen1d",
            "--x0",
            "1",
            "--optimizer",
            "adam",
            "--model",
            "adam-ide1",
            "--steps",
            "3",
            "--tol",
            "nan",
        ]),
        "NaN",
    );
    let mut a = run_args("3", &[]);
    a[4] = "1,,2";
    usage_error(&optdyn(&a), "--x0: item 2 is empty");
    let d = tempfile::tempdir().unwrap();
    let o = optdyn(&[
        "compare",
        "--objective",
        "rosen1d",
        "--x0",
        "1",
        "--optimizer",
        "adam",
        "--models",
        "",
        "--t-end",
        "0.1",
        "--out",
        d.path().join("c").to_str().unwrap(),
    ]);
    usage_error(&o, "--models is empty");
    // Input with a newline is quoted on one line.
    let mut a = run_args("3", &[]);
    a[2] = "rosen1d\nc=4";
    let o = optdyn(&a);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    // Counts in scientific notation, and defaults printed as written.
    assert!(optdyn(&run_args("1e1", &[])).status.success());
    let help = stdout(&optdyn(&["sweep", "--help"]));
    assert!(
        help.contains("[default: 1e200]") && help.contains("[default: 1e-8]"),
        "{help}"
    );
}

#[test]
fn x0_from_a_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("x0.txt");
    let x0: Vec<String> = (0..40_000).map(|i| format!("{}", i % 7)).collect();
    std::fs::write(&p, x0.join("\n")).unwrap();
    let arg = format!("@{}", p.display());
    let o = optdyn(&[
        "run",
        "--objective",
        "sphere",
        "--x0",
        &arg,
        "--optimizer",
        "sgd:lr=0.1",
        "--steps",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let header = stdout(&o).lines().next().unwrap().to_string();
    assert!(
        header.ends_with(",x39999"),
        "{}",
        &header[header.len() - 20..]
    );
}

#[test]
fn incompatible_models_are_refused_before_any_run() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("conv");
    let o = optdyn(&[
        "converge",
        "--objective",
        "rosen1d:c=4",
        "--x0",
        "-1.5",
        "--optimizer",
        "adam",
        "--models",
        "adam-ide1",
        "--integrator",
        "verlet",
        "--lrs",
        "1e-3,2e-3",
        "--t-end",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    usage_error(&o, "verlet: needs a second-order state");
    assert!(!out.exists());
}

#[test]
fn outputs_have_no_nan_and_stops_are_reported() {
    let d = tempfile::tempdir().unwrap();
    // A gradient whose naive norm overflows: the norm is computed without overflow.
    let o = optdyn(&[
        "run",
        "--objective",
        "expr:1e160*(x-y)",
        "--x0",
        "1,1",
        "--optimizer",
        "sgd:lr=1e-200",
        "--steps",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1.414213562373095e160"),
        "{}",
        stdout(&o)
    );
    // A sweep whose runs diverge to a NaN loss: empty cells, the diverged columns say why.
    let sw = d.path().join("sw");
    let o = optdyn(&[
        "sweep",
        "--objective",
        "expr:sqrt(x)",
        "--x0",
        "1,1",
        "--optimizer",
        "adam:lr=0.01",
        "--grid",
        "lr=1e-3:1e-1:3:log",
        "--steps",
        "500",
        "--metric",
        "final_loss,diverged",
        "--out",
        sw.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(sw.join("results.csv")).unwrap();
    assert!(!csv.contains("NaN") && csv.contains(",,1,"), "{csv}");
    // Basins: diverged starts have empty end points and a status.
    let bas = d.path().join("bas");
    let o = optdyn(&[
        "basins",
        "--objective",
        "rosen1d:c=4",
        "--x0",
        "-1.5",
        "--optimizer",
        "sgd",
        "--lrs",
        "0.01;0.5",
        "--steps",
        "200",
        "--out",
        bas.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(bas.join("basins.csv")).unwrap();
    assert!(
        !csv.contains("NaN") && csv.contains(",diverged,none"),
        "{csv}"
    );
    // A spectrum whose run stops at once reports the stop (exit 3), not a NaN step limit.
    let o = optdyn(&[
        "spectrum",
        "--objective",
        "expr:sqrt(x)",
        "--x0",
        "-1.2,1",
        "--optimizer",
        "adam",
        "--model",
        "adam-ide1",
        "--steps",
        "1",
        "--out",
        d.path().join("sp").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(!stdout(&o).contains("NaN") && stderr(&o).contains("non-finite loss"));
    // An order fitted from two learning rates has no error estimate: said so, not `± NaN`.
    let conv = d.path().join("conv");
    let o = optdyn(&[
        "converge",
        "--objective",
        "sphere",
        "--x0",
        "2",
        "--optimizer",
        "sgd",
        "--models",
        "gradient-flow",
        "--lrs",
        "1e-3,1e-2",
        "--t-end",
        "1",
        "--out",
        conv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("(no error estimate)") && !stdout(&o).contains("NaN"),
        "{}",
        stdout(&o)
    );
    let svg = std::fs::read_to_string(conv.join("convergence.svg")).unwrap();
    assert!(!svg.contains("NaN"));
    // Model stops name the optimizer step and print t compactly.
    let o = optdyn(&[
        "run",
        "--objective",
        "expr:-x^4",
        "--x0",
        "1",
        "--optimizer",
        "sgd:lr=0.1",
        "--model",
        "gradient-flow",
        "--steps",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("diverged at step 1 (t = 0.14)"),
        "{}",
        stderr(&o)
    );
}
