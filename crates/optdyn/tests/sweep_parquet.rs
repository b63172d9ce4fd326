//! The Parquet export of sweeps (`--format parquet`): every CSV field arrives in its typed column
//! with the same bits, empty fields as nulls, and a damaged CSV is an error that leaves no file.
//! (The Python suite reads the same files with pyarrow, an independent reader.)

use optdyn::analysis::sweep::parquet::{export, parquet_path};
use optdyn::analysis::sweep::{
    Engine, Metric, MetricOptions, Shard, Summary, SweepJob, SweepSpec, TolOn,
};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::fs::File;
use std::path::Path;

/// A 2-D sweep with valid, diverging, converging and invalid points (momentum −0.5 is rejected).
fn sweep(dir: &Path, engine: Engine) -> Summary {
    let job = SweepJob::new(SweepSpec {
        objective: "quadratic:diag=1;4".into(),
        x0: vec![1.0, -2.0],
        optimizer: "sgd:lr=0.1".into(),
        model: None,
        integrator: "rk4".into(),
        grid: "lr=0.01;0.3;0.6,momentum=0;0.5;-0.5,x0[1]=-2:2:7".into(),
        sample: None,
        metrics: Metric::parse_list("final_x,final_loss,diverged,steps_to_tol,max_update")
            .expect("metrics"),
        options: MetricOptions {
            steps: 300,
            tol: 1e-6,
            tol_on: TolOn::Grad,
            max_abs: 1e6,
            max_loss: 1e200,
        },
    })
    .expect("valid sweep");
    job.execute(dir.into(), Shard::WHOLE, false, 5, engine, &mut |_, _| {})
        .expect("sweep runs")
}

/// The CSV's fields, row by row (header first).
fn csv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("csv")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// A Parquet field as the CSV would print it: numbers by their shortest round-trip text.
fn text(f: &Field) -> String {
    match f {
        Field::Null => String::new(),
        Field::Bool(b) => u8::from(*b).to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Double(v) => optdyn::spec::fmt_f64(*v),
        Field::Str(s) => s.clone(),
        other => panic!("unexpected parquet field {other:?}"),
    }
}

#[test]
fn every_csv_field_is_in_its_typed_column_bit_for_bit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = sweep(dir.path(), Engine::Auto);
    assert!(s.invalid > 0, "the grid has invalid points");
    let out = parquet_path(&s.path);
    assert_eq!(out, dir.path().join("results.parquet"));
    assert_eq!(export(&s.path, &out, 3).expect("export"), s.shard_points);

    let rows = csv(&s.path);
    let reader = SerializedFileReader::new(File::open(&out).expect("parquet")).expect("reader");
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let names: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        rows[0].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let got: Vec<Vec<Field>> = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| {
            r.expect("row")
                .get_column_iter()
                .map(|(_, f)| f.clone())
                .collect()
        })
        .collect();
    assert_eq!(got.len() as u64, s.shard_points);
    let (mut nulls, mut diverged, mut hit) = (0, 0, 0);
    for (want, row) in rows[1..].iter().zip(&got) {
        let typed: Vec<String> = row.iter().map(text).collect();
        assert_eq!(&typed, want);
        for (i, f) in row.iter().enumerate() {
            if let Field::Double(v) = f {
                assert_eq!(
                    v.to_bits(),
                    want[i].parse::<f64>().expect("number").to_bits()
                );
            }
        }
        nulls += row.iter().filter(|f| matches!(f, Field::Null)).count();
        diverged += usize::from(matches!(row[7], Field::Bool(true)));
        hit += usize::from(matches!(row[9], Field::ULong(_)));
    }
    assert!(
        nulls > 0 && diverged > 0 && hit > 0,
        "{nulls} {diverged} {hit}"
    );
}

#[test]
fn both_engines_export_identical_files() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (sa, sb) = (
        sweep(a.path(), Engine::Auto),
        sweep(b.path(), Engine::Generic),
    );
    for s in [&sa, &sb] {
        export(&s.path, &parquet_path(&s.path), 3).expect("export");
    }
    let read = |s: &Summary| std::fs::read(parquet_path(&s.path)).expect("parquet");
    assert_eq!(read(&sa), read(&sb));
}

#[test]
fn a_damaged_csv_is_an_error_and_leaves_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = sweep(dir.path(), Engine::Auto);
    let text = std::fs::read_to_string(&s.path).unwrap();
    let out = dir.path().join("x.parquet");
    for (bad, why) in [
        (text[..text.len() - 3].to_string(), "incomplete row"),
        (
            text.replacen(",ok\n", ",ok,1\n", 1),
            "not a row of this sweep",
        ),
        (
            text.replacen("status", "state", 1),
            "unknown sweep column 'state'",
        ),
        (text.replacen("\n0,", "\nx,", 1), "data row 0 is not a row"),
    ] {
        let csv = dir.path().join("bad.csv");
        std::fs::write(&csv, bad).unwrap();
        let e = export(&csv, &out, 3).expect_err(why).to_string();
        assert!(e.contains(why), "{e}");
        assert!(!out.exists());
    }
}
