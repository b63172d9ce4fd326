//! Figures with plotters, written as SVG and PNG next to the data they show.
//!
//! A [`Figure`] is a set of labelled series on one pair of axes (linear or logarithmic); a
//! [`Heatmap`] is a scalar field on a rectangular grid with optional overlaid curves. Both are
//! written atomically (SVG rendered to memory then renamed into place; PNG rendered to a
//! temporary file in the same directory and renamed).

pub mod figures;

use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// Markers only.
    Points,
    /// A line with markers.
    LinePoints,
    /// Hollow square markers, larger than [`Style::Points`]: drawn over a curve they may
    /// coincide with, both stay visible.
    Squares,
}

/// One labelled curve.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Abscissae.
    pub x: Vec<f64>,
    /// Ordinates.
    pub y: Vec<f64>,
    /// Drawing style.
    pub style: Style,
    /// A shaded band `(lower, upper)` at the same abscissae (quantiles, error bars), drawn
    /// beneath the series.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

impl Series {
    /// A solid line.
    pub fn line(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Series {
            label: label.into(),
            x,
            y,
            style: Style::Line,
            band: None,
        }
    }

    /// The same series over a shaded band from `lower` to `upper`.
    pub fn with_band(mut self, lower: Vec<f64>, upper: Vec<f64>) -> Self {
        self.band = Some((lower, upper));
        self
    }

    /// The same series with another style.
    pub fn styled(mut self, style: Style) -> Self {
        self.style = style;
        self
    }
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Legend {
    /// Top right corner (the default).
    #[default]
    UpperRight,
    /// Top left corner.
    UpperLeft,
    /// Bottom right corner.
    LowerRight,
    /// Bottom left corner.
    LowerLeft,
    /// Middle of the left edge.
    MiddleLeft,
    /// In a panel right of the plot, never over the data.
    Right,
}

impl Legend {
    fn position(self) -> SeriesLabelPosition {
        match self {
            Legend::UpperRight => SeriesLabelPosition::UpperRight,
            Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
            Legend::LowerRight => SeriesLabelPosition::LowerRight,
            Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
            Legend::MiddleLeft => SeriesLabelPosition::MiddleLeft,
            Legend::Right => SeriesLabelPosition::UpperRight,
        }
    }
}

/// Series on one pair of axes.
#[derive(Debug, Clone, Default)]
pub struct Figure {
    /// Legend placement.
    pub legend: Legend,
    /// Title above the plot.
    pub title: String,
    /// Label of the horizontal axis.
    pub x_label: String,
    /// Label of the vertical axis.
    pub y_label: String,
    /// Logarithmic horizontal axis.
    pub log_x: bool,
    /// Logarithmic vertical axis.
    pub log_y: bool,
    /// The curves.
    pub series: Vec<Series>,
}

impl Figure {
    /// A figure with a title and axis labels.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Figure {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Default::default()
        }
    }
}

/// A scalar field `z[j][i]` on the grid `x[i] × y[j]`, with curves drawn on top.
#[derive(Debug, Clone, Default)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// Horizontal axis label.
    pub x_label: String,
    /// Vertical axis label.
    pub y_label: String,
    /// Grid abscissae (increasing).
    pub x: Vec<f64>,
    /// Grid ordinates (increasing).
    pub y: Vec<f64>,
    /// Values, row-major by `y` then `x`; NaN cells are drawn grey.
    pub z: Vec<f64>,
    /// Label of the colour scale.
    pub z_label: String,
    /// A value to draw white, with the scale symmetric about it (e.g. 0 for log growth rates).
    pub z_center: Option<f64>,
    /// Curves overlaid on the map.
    pub overlays: Vec<Series>,
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn err<E: std::fmt::Display>(e: E) -> Error {
    Error::numerical(format!("plot: {e}"))
}

fn finite_range(vals: impl Iterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in vals {
        if v.is_finite() && (!log || v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        return None;
    }
    if hi <= lo {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return Some(if log {
            (lo / 2.0, hi * 2.0)
        } else {
            (lo - pad, hi + pad)
        });
    }
    if log {
        Some((lo / 1.3, hi * 1.3))
    } else {
        let pad = 0.04 * (hi - lo);
        Some((lo - pad, hi + pad))
    }
}

/// The band's polygon: the lower edge left to right, the upper edge back (points where either
/// edge is not drawable on the axes are left out).
fn band_polygon(s: &Series, log_x: bool, log_y: bool) -> Vec<(f64, f64)> {
    let Some((lo, hi)) = &s.band else {
        return Vec::new();
    };
    let ok = |x: f64, y: f64| {
        x.is_finite() && y.is_finite() && (!log_x || x > 0.0) && (!log_y || y > 0.0)
    };
    let keep: Vec<usize> = (0..s.x.len().min(lo.len()).min(hi.len()))
        .filter(|&i| ok(s.x[i], lo[i]) && ok(s.x[i], hi[i]))
        .collect();
    keep.iter()
        .map(|&i| (s.x[i], lo[i]))
        .chain(keep.iter().rev().map(|&i| (s.x[i], hi[i])))
        .collect()
}

fn points(s: &Series, log_x: bool, log_y: bool) -> Vec<(f64, f64)> {
    s.x.iter()
        .zip(&s.y)
        .filter(|(x, y)| {
            x.is_finite() && y.is_finite() && (!log_x || **x > 0.0) && (!log_y || **y > 0.0)
        })
        .map(|(x, y)| (*x, *y))
        .collect()
}

macro_rules! draw_series_on {
    ($chart:expr, $fig:expr) => {{
        for (i, s) in $fig.series.iter().enumerate() {
            let band = band_polygon(s, $fig.log_x, $fig.log_y);
            if band.len() >= 4 {
                let color = PALETTE[i % PALETTE.len()];
                $chart
                    .draw_series(std::iter::once(Polygon::new(
                        band,
                        color.mix(0.18).filled(),
                    )))
                    .map_err(err)?;
            }
        }
        for (i, s) in $fig.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let pts = points(s, $fig.log_x, $fig.log_y);
            let style = ShapeStyle::from(&color).stroke_width(2);
            let anno = match s.style {
                Style::Line | Style::LinePoints => $chart
                    .draw_series(LineSeries::new(pts.clone(), style))
                    .map_err(err)?,
                Style::Dashed => $chart
                    .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, style))
                    .map_err(err)?,
                Style::Points => $chart
                    .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(err)?,
                Style::Squares => $chart
                    .draw_series(pts.iter().map(|p| {
                        EmptyElement::at(*p)
                            + Rectangle::new([(-5, -5), (5, 5)], color.stroke_width(2))
                    }))
                    .map_err(err)?,
            };
            anno.label(s.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
            if s.style == Style::LinePoints {
                $chart
                    .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(err)?;
            }
        }
        if $fig.legend != Legend::Right {
            $chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .label_font(("sans-serif", 14))
                .position($fig.legend.position())
                .draw()
                .map_err(err)?;
        }
    }};
}

/// Width in pixels of the legend panel of [`Legend::Right`].
const LEGEND_PANEL: u32 = 170;

/// The legend of `fig` in its own panel (for [`Legend::Right`]): a sample of each series' line
/// or marker and its label, top to bottom.
fn draw_legend_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()>
where
    DB::ErrorType: 'static,
{
    for (i, s) in fig.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let y = 60 + 24 * i as i32;
        let line = |area: &DrawingArea<DB, Shift>, dashed: bool| {
            let segs: Vec<(i32, i32)> = if dashed {
                vec![(4, 12), (18, 26)]
            } else {
                vec![(4, 26)]
            };
            for (a, b) in segs {
                area.draw(&PathElement::new(
                    vec![(a, y), (b, y)],
                    color.stroke_width(2),
                ))
                .map_err(err)?;
            }
            Ok::<(), Error>(())
        };
        match s.style {
            Style::Line => line(area, false)?,
            Style::Dashed => line(area, true)?,
            Style::LinePoints => {
                line(area, false)?;
                area.draw(&Circle::new((15, y), 3, color.filled()))
                    .map_err(err)?;
            }
            Style::Points => area
                .draw(&Circle::new((15, y), 3, color.filled()))
                .map_err(err)?,
            Style::Squares => area
                .draw(&Rectangle::new(
                    [(10, y - 5), (20, y + 5)],
                    color.stroke_width(2),
                ))
                .map_err(err)?,
        }
        area.draw(&Text::new(
            s.label.clone(),
            (32, y - 8),
            ("sans-serif", 14).into_font().color(&BLACK),
        ))
        .map_err(err)?;
    }
    Ok(())
}

fn draw_figure<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()>
where
    DB::ErrorType: 'static,
{
    if fig.legend == Legend::Right {
        let width = area.dim_in_pixel().0;
        let (plot, panel) = area.split_horizontally(width.saturating_sub(LEGEND_PANEL));
        draw_legend_panel(&panel, fig)?;
        return draw_plot(&plot, fig);
    }
    draw_plot(area, fig)
}

fn draw_plot<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let (x0, x1) = finite_range(
        fig.series
            .iter()
            .flat_map(|s| points(s, fig.log_x, fig.log_y))
            .map(|p| p.0),
        fig.log_x,
    )
    .unwrap_or((1.0, 10.0));
    let (y0, y1) = finite_range(
        fig.series
            .iter()
            .flat_map(|s| {
                let mut p = points(s, fig.log_x, fig.log_y);
                p.extend(band_polygon(s, fig.log_x, fig.log_y));
                p
            })
            .map(|p| p.1),
        fig.log_y,
    )
    .unwrap_or((1.0, 10.0));
    let mut b = ChartBuilder::on(area);
    b.caption(&fig.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(75);
    macro_rules! finish {
        ($chart:ident) => {{
            $chart
                .configure_mesh()
                .x_desc(fig.x_label.as_str())
                .y_desc(fig.y_label.as_str())
                .x_labels(7)
                .y_labels(8)
                .x_label_formatter(&|v| tick(*v))
                .y_label_formatter(&|v| tick(*v))
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 16))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(err)?;
            draw_series_on!($chart, fig);
        }};
    }
    match (fig.log_x, fig.log_y) {
        (false, false) => {
            let mut c = b.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
            finish!(c);
        }
        (true, false) => {
            let mut c = b
                .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                .map_err(err)?;
            finish!(c);
        }
        (false, true) => {
            let mut c = b
                .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                .map_err(err)?;
            finish!(c);
        }
        (true, true) => {
            let mut c = b
                .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                .map_err(err)?;
            finish!(c);
        }
    }
    Ok(())
}

/// A compact tick label: scientific notation for very small or large magnitudes, otherwise at
/// most four significant decimals with trailing zeros removed.
fn tick(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Blue → white → red colour for `u ∈ [0, 1]`.
fn diverging(u: f64) -> RGBColor {
    let u = u.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64, t: f64| (a + (b - a) * t).round() as u8;
    if u < 0.5 {
        let t = u / 0.5;
        RGBColor(
            lerp(49.0, 247.0, t),
            lerp(54.0, 247.0, t),
            lerp(149.0, 247.0, t),
        )
    } else {
        let t = (u - 0.5) / 0.5;
        RGBColor(
            lerp(247.0, 165.0, t),
            lerp(247.0, 0.0, t),
            lerp(247.0, 38.0, t),
        )
    }
}

fn cell_edges(c: &[f64]) -> Vec<f64> {
    let n = c.len();
    if n == 1 {
        return vec![c[0] - 0.5, c[0] + 0.5];
    }
    let mut e = Vec::with_capacity(n + 1);
    e.push(c[0] - 0.5 * (c[1] - c[0]));
    for i in 0..n - 1 {
        e.push(0.5 * (c[i] + c[i + 1]));
    }
    e.push(c[n - 1] + 0.5 * (c[n - 1] - c[n - 2]));
    e
}

fn draw_heatmap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, h: &Heatmap) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let (main, bar) = area.split_horizontally(area.dim_in_pixel().0 as i32 - 110);
    let ex = cell_edges(&h.x);
    let ey = cell_edges(&h.y);
    let (mut zlo, mut zhi) = finite_range(h.z.iter().copied(), false).unwrap_or((0.0, 1.0));
    if let Some(c) = h.z_center {
        let half = (zhi - c).abs().max((c - zlo).abs());
        (zlo, zhi) = (c - half, c + half);
    }
    let mut chart = ChartBuilder::on(&main)
        .caption(&h.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(ex[0]..ex[ex.len() - 1], ey[0]..ey[ey.len() - 1])
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(h.x_label.as_str())
        .y_desc(h.y_label.as_str())
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(err)?;
    let nx = h.x.len();
    chart
        .draw_series((0..h.y.len()).flat_map(|j| {
            let (ex, ey) = (&ex, &ey);
            (0..nx).map(move |i| {
                let z = h.z[j * nx + i];
                let color = if z.is_finite() {
                    diverging((z - zlo) / (zhi - zlo))
                } else {
                    RGBColor(160, 160, 160)
                };
                Rectangle::new([(ex[i], ey[j]), (ex[i + 1], ey[j + 1])], color.filled())
            })
        }))
        .map_err(err)?;
    let fig = Figure {
        series: h.overlays.clone(),
        ..Default::default()
    };
    if !fig.series.is_empty() {
        draw_series_on!(chart, fig);
    }
    let mut cb = ChartBuilder::on(&bar)
        .margin_top(40)
        .margin_bottom(57)
        .margin_right(10)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..1.0, zlo..zhi)
        .map_err(err)?;
    cb.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(h.z_label.as_str())
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    let steps = 100;
    cb.draw_series((0..steps).map(|k| {
        let a = zlo + (zhi - zlo) * k as f64 / steps as f64;
        let b = zlo + (zhi - zlo) * (k + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            diverging(k as f64 / (steps - 1) as f64).filled(),
        )
    }))
    .map_err(err)?;
    Ok(())
}

struct FigureDraw<'a>(&'a [Figure], usize);

impl FigureDraw<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let cols = self.1.max(1);
        let rows = self.0.len().div_ceil(cols);
        let areas = root.split_evenly((rows, cols));
        for (fig, area) in self.0.iter().zip(areas.iter()) {
            draw_figure(area, fig)?;
        }
        Ok(())
    }
}

/// Writes one figure as `stem.svg` and `stem.png`.
pub fn save_figure(fig: &Figure, stem: &Path) -> Result<Vec<PathBuf>> {
    save_panels(std::slice::from_ref(fig), 1, stem)
}

/// Writes several figures as panels of one image, `cols` per row.
pub fn save_panels(figs: &[Figure], cols: usize, stem: &Path) -> Result<Vec<PathBuf>> {
    let cols = cols.max(1);
    let rows = figs.len().div_ceil(cols) as u32;
    let size = (640 * cols as u32, 440 * rows.max(1));
    let d = FigureDraw(figs, cols);
    let svg_path = stem.with_extension("svg");
    let png_path = stem.with_extension("png");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        d.draw(&root)?;
        root.present().map_err(err)?;
    }
    crate::io::write_atomic(&svg_path, svg.as_bytes())?;
    render_png(&png_path, size, |root| d.draw(root))?;
    Ok(vec![svg_path, png_path])
}

/// Writes a heatmap as `stem.svg` and `stem.png`.
pub fn save_heatmap(h: &Heatmap, stem: &Path) -> Result<Vec<PathBuf>> {
    let size = (760, 560);
    let svg_path = stem.with_extension("svg");
    let png_path = stem.with_extension("png");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw_heatmap(&root, h)?;
        root.present().map_err(err)?;
    }
    crate::io::write_atomic(&svg_path, svg.as_bytes())?;
    render_png(&png_path, size, |root| draw_heatmap(root, h))?;
    Ok(vec![svg_path, png_path])
}

fn render_png<F>(png_path: &Path, size: (u32, u32), draw: F) -> Result<()>
where
    F: Fn(&DrawingArea<BitMapBackend, Shift>) -> Result<()>,
{
    // plotters encodes PNGs into a file path: render into a private temporary directory, then
    // write the bytes through the one output writer (atomic, through links, onto devices).
    let scratch = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let tmp = scratch.path().join("plot.png");
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    let bytes = std::fs::read(&tmp).map_err(|e| Error::io(&tmp, e))?;
    crate::io::write_atomic(png_path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_svg_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let x: Vec<f64> = (1..50).map(|i| i as f64 * 0.1).collect();
        let mut fig = Figure::new("decay", "t", "error");
        fig.log_y = true;
        fig.series.push(Series::line(
            "exp(-t)",
            x.clone(),
            x.iter().map(|t| (-t).exp()).collect(),
        ));
        fig.series.push(
            Series::line(
                "exp(-2t)",
                x.clone(),
                x.iter().map(|t| (-2.0 * t).exp()).collect(),
            )
            .styled(Style::Dashed),
        );
        let files = save_figure(&fig, &dir.path().join("f")).unwrap();
        for f in &files {
            assert!(std::fs::metadata(f).unwrap().len() > 1000, "{f:?}");
        }
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(svg.contains("exp(-2t)"));
        let h = Heatmap {
            title: "map".into(),
            x: vec![0.0, 1.0, 2.0],
            y: vec![0.0, 1.0],
            z: vec![0.0, 1.0, 2.0, 3.0, f64::NAN, 5.0],
            ..Default::default()
        };
        let files = save_heatmap(&h, &dir.path().join("h")).unwrap();
        assert!(std::fs::metadata(&files[1]).unwrap().len() > 1000);
    }
}
