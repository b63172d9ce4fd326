//! Apache Parquet export of a sweep's results (`optdyn sweep --format parquet`, `merge --format
//! parquet`), readable by pandas, polars, pyarrow, DuckDB and Spark.
//!
//! The CSV stays the sweep's durable journal (appended, checksummed, resumable, mergeable: see
//! [`super::output`]); once a shard is complete it is converted into a Parquet file beside it,
//! written atomically. Values round-trip exactly: every CSV number is the shortest text that
//! parses back to the same `f64` (Ryū), so the Parquet doubles are the computed bits.
//!
//! Columns, by CSV header name: `index` uint64; the axis columns double; `final_x*`,
//! `final_loss`, `max_update` double, null where the CSV field is empty (an invalid point, or a
//! non-finite value); `diverged` boolean and `diverged_step`, `steps_to_tol` uint64, null when
//! empty; `status` string. Rows are written in row groups of [`GROUP`] rows, Snappy-compressed,
//! parsed in parallel and streamed (memory stays bounded whatever the number of rows).

use crate::io::OutputFile;
use crate::{Error, Result};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per row group.
pub const GROUP: usize = 1 << 17;

/// Row groups parsed in parallel between writes.
const BATCH: usize = 4;

/// The Parquet path of a sweep CSV: the same name with `.parquet` for `.csv`.
pub fn parquet_path(csv: &Path) -> PathBuf {
    csv.with_extension("parquet")
}

/// The type of a column, from its CSV header name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `index`: uint64, required.
    Index,
    /// An axis: double, required.
    Axis,
    /// A real metric: double, optional.
    Real,
    /// `diverged`: boolean (`0`/`1`), optional.
    Flag,
    /// A step: uint64, optional.
    Step,
    /// `status`: string, required.
    Status,
}

impl Kind {
    fn of(name: &str, position: usize, axes: usize) -> Result<Kind> {
        Ok(match name {
            _ if position == 0 => Kind::Index,
            _ if position <= axes => Kind::Axis,
            "final_loss" | "max_update" => Kind::Real,
            "diverged" => Kind::Flag,
            "diverged_step" | "steps_to_tol" => Kind::Step,
            "status" => Kind::Status,
            n if n
                .strip_prefix("final_x")
                .is_some_and(|i| i.parse::<usize>().is_ok()) =>
            {
                Kind::Real
            }
            other => {
                return Err(Error::spec(format!(
                    "parquet export: unknown sweep column '{other}'"
                )))
            }
        })
    }

    fn field(self, name: &str) -> Result<Arc<Type>> {
        let unsigned = Some(LogicalType::integer(64, false));
        let (physical, logical, repetition) = match self {
            Kind::Index => (Physical::INT64, unsigned, Repetition::REQUIRED),
            Kind::Axis => (Physical::DOUBLE, None, Repetition::REQUIRED),
            Kind::Real => (Physical::DOUBLE, None, Repetition::OPTIONAL),
            Kind::Flag => (Physical::BOOLEAN, None, Repetition::OPTIONAL),
            Kind::Step => (Physical::INT64, unsigned, Repetition::OPTIONAL),
            Kind::Status => (
                Physical::BYTE_ARRAY,
                Some(LogicalType::String),
                Repetition::REQUIRED,
            ),
        };
        Type::primitive_type_builder(name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()
            .map(Arc::new)
            .map_err(|e| Error::spec(format!("parquet export: column '{name}': {e}")))
    }
}

/// One column of a row group: its non-null values and, for an optional column, one definition
/// level per row (1 = present, 0 = null; empty for a required column).
enum Column {
    Int(Vec<i64>, Vec<i16>),
    Real(Vec<f64>, Vec<i16>),
    Flag(Vec<bool>, Vec<i16>),
    Text(Vec<ByteArray>),
}

impl Column {
    fn new(kind: Kind, rows: usize) -> Column {
        match kind {
            Kind::Index | Kind::Step => {
                Column::Int(Vec::with_capacity(rows), Vec::with_capacity(rows))
            }
            Kind::Axis | Kind::Real => {
                Column::Real(Vec::with_capacity(rows), Vec::with_capacity(rows))
            }
            Kind::Flag => Column::Flag(Vec::with_capacity(rows), Vec::with_capacity(rows)),
            Kind::Status => Column::Text(Vec::with_capacity(rows)),
        }
    }

    /// Appends the CSV field `f` of a column of kind `kind` (`None` if it is not valid).
    fn push(&mut self, kind: Kind, f: &str) -> Option<()> {
        let optional = !matches!(kind, Kind::Index | Kind::Axis | Kind::Status);
        let level = |d: &mut Vec<i16>, l: i16| {
            if optional {
                d.push(l);
            }
        };
        if f.is_empty() {
            match self {
                Column::Int(_, d) | Column::Real(_, d) | Column::Flag(_, d) if optional => {
                    d.push(0)
                }
                _ => return None,
            }
            return Some(());
        }
        match self {
            Column::Int(v, d) => {
                let x: u64 = f.parse().ok()?;
                v.push(i64::from_ne_bytes(x.to_ne_bytes()));
                level(d, 1);
            }
            Column::Real(v, d) => {
                v.push(f.parse().ok()?);
                level(d, 1);
            }
            Column::Flag(v, d) => {
                v.push(match f {
                    "0" => false,
                    "1" => true,
                    _ => return None,
                });
                level(d, 1);
            }
            Column::Text(v) => v.push(ByteArray::from(f)),
        }
        Some(())
    }
}

/// Parses the rows `lines` (CSV text without newlines, the first being data row `first`) into
/// columns.
fn parse_group(kinds: &[Kind], lines: &[&str], first: u64) -> Result<Vec<Column>> {
    let mut cols: Vec<Column> = kinds.iter().map(|&k| Column::new(k, lines.len())).collect();
    for (i, line) in lines.iter().enumerate() {
        let bad = || {
            Error::spec(format!(
                "parquet export: data row {} is not a row of this sweep: '{line}'",
                first + i as u64
            ))
        };
        let mut fields = line.split(',');
        for (col, &kind) in cols.iter_mut().zip(kinds) {
            col.push(kind, fields.next().ok_or_else(bad)?)
                .ok_or_else(bad)?;
        }
        if fields.next().is_some() {
            return Err(bad());
        }
    }
    Ok(cols)
}

/// Converts the complete sweep CSV `csv` (header, then rows; `axes` axis columns after `index`)
/// into the Parquet file `out`, written atomically. Returns the number of rows.
pub fn export(csv: &Path, out: &Path, axes: usize) -> Result<u64> {
    let mut reader = BufReader::new(File::open(csv).map_err(|e| Error::io(csv, e))?);
    let mut header = String::new();
    reader
        .read_line(&mut header)
        .map_err(|e| Error::io(csv, e))?;
    let names: Vec<&str> = header.trim_end_matches('\n').split(',').collect();
    let kinds: Vec<Kind> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Kind::of(n, i, axes))
        .collect::<Result<_>>()?;
    if kinds.last() != Some(&Kind::Status) {
        return Err(Error::spec(format!(
            "parquet export: {} does not end in a status column; not a sweep CSV",
            csv.display()
        )));
    }
    let fields = names
        .iter()
        .zip(&kinds)
        .map(|(n, k)| k.field(n))
        .collect::<Result<Vec<_>>>()?;
    let schema = Type::group_type_builder("sweep")
        .with_fields(fields)
        .build()
        .map_err(|e| Error::spec(format!("parquet export: schema: {e}")))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(GROUP))
        .build();
    let pq = |e: parquet::errors::ParquetError| Error::spec(format!("{}: {e}", out.display()));
    let mut writer =
        SerializedFileWriter::new(OutputFile::create(out)?, Arc::new(schema), Arc::new(props))
            .map_err(pq)?;
    let mut text = String::new();
    let mut rows = 0u64;
    loop {
        text.clear();
        let mut ends = Vec::with_capacity(GROUP * BATCH);
        while ends.len() < GROUP * BATCH {
            let n = reader.read_line(&mut text).map_err(|e| Error::io(csv, e))?;
            if n == 0 {
                break;
            }
            if !text.ends_with('\n') {
                return Err(Error::spec(format!(
                    "parquet export: {} ends in an incomplete row",
                    csv.display()
                )));
            }
            ends.push(text.len());
        }
        if ends.is_empty() {
            break;
        }
        let lines: Vec<&str> = ends
            .iter()
            .scan(0, |start, &end| {
                let line = &text[*start..end - 1];
                *start = end;
                Some(line)
            })
            .collect();
        let groups: Vec<Vec<Column>> = lines
            .par_chunks(GROUP)
            .enumerate()
            .map(|(g, chunk)| parse_group(&kinds, chunk, rows + (g * GROUP) as u64))
            .collect::<Result<_>>()?;
        for cols in groups {
            let mut rg = writer.next_row_group().map_err(pq)?;
            for col in &cols {
                let mut w = rg
                    .next_column()
                    .map_err(pq)?
                    .expect("one writer per schema column");
                fn levels(d: &[i16]) -> Option<&[i16]> {
                    (!d.is_empty()).then_some(d)
                }
                match col {
                    Column::Int(v, d) => w.typed::<Int64Type>().write_batch(v, levels(d), None),
                    Column::Real(v, d) => w.typed::<DoubleType>().write_batch(v, levels(d), None),
                    Column::Flag(v, d) => w.typed::<BoolType>().write_batch(v, levels(d), None),
                    Column::Text(v) => w.typed::<ByteArrayType>().write_batch(v, None, None),
                }
                .map_err(pq)?;
                w.close().map_err(pq)?;
            }
            rg.close().map_err(pq)?;
        }
        rows += lines.len() as u64;
    }
    writer.into_inner().map_err(pq)?.finish()?;
    Ok(rows)
}
