//! End-to-end: `optdyn sweep` killed with SIGKILL mid-run and resumed gives the same bytes as an
//! uninterrupted run; shards merged give the same bytes too.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_optdyn");

fn sweep(grid: &str, steps: &str, out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args([
        "sweep",
        "--objective",
        "rosen1d:c=4",
        "--x0",
        "-1.5",
        "--optimizer",
        "adam:lr=0.01",
        "--grid",
        grid,
        "--metric",
        "final_x,final_loss,diverged,steps_to_tol,max_update",
        "--steps",
        steps,
        "--chunk",
        "64",
        "--out",
    ])
    .arg(out)
    .args(extra)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    c
}

fn ok(mut c: Command) -> String {
    let o = c.output().expect("spawn optdyn");
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "optdyn failed: {err}");
    // The summary ("N runs (R resumed, …)") is on stdout, notes on stderr.
    String::from_utf8_lossy(&o.stdout).to_string() + &err
}

const GRID: &str = "lr=1e-3:0.3:12:log,beta1=0:0.99:40,beta2=0.9:0.9999:40";

#[test]
fn kill_9_then_resume_equals_an_uninterrupted_run() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let t = Instant::now();
    ok(sweep(
        GRID,
        "1500",
        &a,
        &["--engine", "generic", "--threads", "2"],
    ));
    let full_time = t.elapsed();
    let full = std::fs::read(a.join("results.csv")).unwrap();

    // Interrupted: wait until more than 200 rows are vouched for by the checksum sidecar (rows
    // in the CSV past its last complete line are recomputed on resume, so counting CSV lines
    // alone made the `resumed >= 200` check below depend on timing), then SIGKILL.
    let mut child = sweep(GRID, "1500", &b, &["--engine", "generic", "--threads", "1"])
        .spawn()
        .unwrap();
    let csv = b.join("results.csv");
    let sums = b.join("results.csv.sums");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // The `end` row of the last complete `start,end,bytes,crc32` line.
        let vouched = std::fs::read_to_string(&sums)
            .ok()
            .and_then(|t| {
                let whole = &t[..t.rfind('\n').map_or(0, |i| i + 1)];
                whole
                    .lines()
                    .last()
                    .and_then(|l| l.split(',').nth(1)?.parse::<u64>().ok())
            })
            .unwrap_or(0);
        if vouched > 200 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "sweep finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "no rows appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = std::fs::read(&csv).unwrap();
    assert!(
        partial.len() < full.len(),
        "the kill came too late to test anything"
    );
    assert_eq!(
        partial[..],
        full[..partial.len()],
        "rows written before the kill differ"
    );

    // Resume with another thread count; the result must be byte-identical.
    let log = ok(sweep(
        GRID,
        "1500",
        &b,
        &["--engine", "generic", "--threads", "2", "--resume"],
    ));
    assert_eq!(
        std::fs::read(&csv).unwrap(),
        full,
        "resumed file differs; log: {log}"
    );
    let resumed: u64 = log
        .split(" resumed")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no resume count in: {log}"));
    assert!(resumed >= 200, "{log}");
    eprintln!(
        "uninterrupted run {full_time:?}; killed after {} bytes, resumed {resumed} rows",
        partial.len()
    );

    // Resuming a finished sweep changes nothing; a different sweep in the same place is refused.
    ok(sweep(
        GRID,
        "1500",
        &b,
        &["--engine", "generic", "--resume"],
    ));
    assert_eq!(std::fs::read(&csv).unwrap(), full);
    let o = sweep(GRID, "1501", &b, &["--resume"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("sweep.steps = 1500, this run has sweep.steps = 1501"),
        "{err}"
    );
}

#[test]
fn shards_merge_into_the_unsharded_file() {
    let d = tempfile::tempdir().unwrap();
    let grid = "lr=1e-3:0.3:5:log,beta1=0:1:11,x0=-2;0.5";
    ok(sweep(
        grid,
        "100",
        &d.path().join("whole"),
        &["--engine", "generic"],
    ));
    let sh = d.path().join("shards");
    for i in 0..3 {
        let i = i.to_string();
        ok(sweep(
            grid,
            "100",
            &sh,
            &["--engine", "generic", "--shard", &i, "--of", "3"],
        ));
    }
    let mut m = Command::new(BIN);
    m.arg("merge").arg(&sh);
    ok(m);
    let whole = std::fs::read(d.path().join("whole/results.csv")).unwrap();
    assert_eq!(std::fs::read(sh.join("results.csv")).unwrap(), whole);
    // The batched engine writes the same bytes.
    ok(sweep(
        grid,
        "100",
        &d.path().join("batch"),
        &["--engine", "auto"],
    ));
    assert_eq!(
        std::fs::read(d.path().join("batch/results.csv")).unwrap(),
        whole
    );
    // A missing shard is reported.
    std::fs::remove_file(sh.join("shard-1-of-3.csv")).unwrap();
    let mut m = Command::new(BIN);
    let o = m
        .arg("merge")
        .arg(&sh)
        .arg("--out")
        .arg(d.path().join("m.csv"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("missing shard(s) 1 of 3"),
        "{err}"
    );
}
