//! `--x0`: a start point given inline (`1,2` or `1;2`) or, for states too long for a command
//! line, read from a file with `@PATH`: a NumPy `.npy` array (float64 or float32, any shape,
//! flattened in its stored order) or a text file of numbers separated by commas, semicolons or
//! white space (one CSV row or column; `#` starts a comment line).

use optdyn::{Error, Result};
use std::path::Path;

/// Parses `--x0`.
pub fn parse(text: &str) -> Result<Vec<f64>> {
    match text.strip_prefix('@') {
        Some(path) => read(Path::new(path)),
        None => optdyn::spec::parse_list(text).map_err(|e| Error::spec(format!("--x0: {e}"))),
    }
}

fn read(path: &Path) -> Result<Vec<f64>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let who = format!("--x0 @{}", path.display());
    let x = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        npy(&bytes).map_err(|e| Error::spec(format!("{who}: {e}")))?
    } else {
        text(&bytes).map_err(|e| Error::spec(format!("{who}: {e}")))?
    };
    match x.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::spec(format!(
            "{who}: value {} is {}, not a finite number",
            i + 1,
            x[i]
        ))),
        None if x.is_empty() => Err(Error::spec(format!("{who}: no values"))),
        None => Ok(x),
    }
}

fn npy(bytes: &[u8]) -> std::result::Result<Vec<f64>, String> {
    let arr = npyz::NpyFile::new(bytes).map_err(|e| format!("not a .npy file ({e})"))?;
    let dtype = arr.dtype();
    match &dtype {
        npyz::DType::Plain(t) if t.type_char() == npyz::TypeChar::Float && t.size_field() == 8 => {
            arr.into_vec::<f64>().map_err(|e| e.to_string())
        }
        npyz::DType::Plain(t) if t.type_char() == npyz::TypeChar::Float && t.size_field() == 4 => {
            let v = arr.into_vec::<f32>().map_err(|e| e.to_string())?;
            Ok(v.into_iter().map(f64::from).collect())
        }
        other => Err(format!(
            "dtype {} is not supported (allowed: float64, float32)",
            other.descr().escape_default()
        )),
    }
}

fn text(bytes: &[u8]) -> std::result::Result<Vec<f64>, String> {
    let s = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text ({e})"))?;
    let s = s.strip_prefix('\u{feff}').unwrap_or(s);
    let mut out = Vec::new();
    for (line_no, line) in s.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        for item in line.split([',', ';', ' ', '\t']).filter(|i| !i.is_empty()) {
            let x: f64 = item.parse().map_err(|_| {
                let shown: String = item
                    .chars()
                    .take(40)
                    .flat_map(char::escape_default)
                    .collect();
                format!("line {}: '{shown}' is not a number", line_no + 1)
            })?;
            out.push(x);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy_bytes(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn reads_npy_csv_and_refuses_bad_files_in_one_line() {
        let d = tempfile::tempdir().unwrap();
        let f64s: Vec<u8> = [1.5f64, -2.0, 3.25]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let p = d.path().join("x.npy");
        std::fs::write(&p, npy_bytes("<f8", "(3,)", &f64s)).unwrap();
        assert_eq!(
            parse(&format!("@{}", p.display())).unwrap(),
            [1.5, -2.0, 3.25]
        );
        let f32s: Vec<u8> = [0.5f32, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&p, npy_bytes("<f4", "(1, 2)", &f32s)).unwrap();
        assert_eq!(parse(&format!("@{}", p.display())).unwrap(), [0.5, 4.0]);
        std::fs::write(&p, npy_bytes("<i8", "(1,)", &7i64.to_le_bytes())).unwrap();
        let e = parse(&format!("@{}", p.display())).unwrap_err().to_string();
        assert!(
            e.contains("not supported (allowed: float64, float32)"),
            "{e}"
        );
        std::fs::write(&p, b"garbage").unwrap();
        let e = parse(&format!("@{}", p.display())).unwrap_err().to_string();
        assert!(e.contains("not a .npy file") && !e.contains('\n'), "{e}");

        let c = d.path().join("x.csv");
        std::fs::write(&c, "\u{feff}# start\n1,2\n3 4\n\n5;6\r\n").unwrap();
        assert_eq!(
            parse(&format!("@{}", c.display())).unwrap(),
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        );
        std::fs::write(&c, "1,nan\n").unwrap();
        let e = parse(&format!("@{}", c.display())).unwrap_err().to_string();
        assert!(e.contains("value 2 is NaN"), "{e}");
        std::fs::write(&c, "1\n2,x\ny\n").unwrap();
        let e = parse(&format!("@{}", c.display())).unwrap_err().to_string();
        assert!(e.contains("line 2: 'x' is not a number"), "{e}");
        std::fs::write(&c, "# nothing\n").unwrap();
        assert!(parse(&format!("@{}", c.display()))
            .unwrap_err()
            .to_string()
            .ends_with("no values"));
        let e = parse("@/nonexistent/x0.csv").unwrap_err().to_string();
        assert!(
            e.contains("/nonexistent/x0.csv") && !e.contains('\n'),
            "{e}"
        );
    }
}
