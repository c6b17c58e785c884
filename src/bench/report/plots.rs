//! Line charts of a sweep with `plotters`: latency percentiles and throughputs against the
//! concurrency cap or request rate, as SVG and PNG; [`write_svg_and_png`] writes other charts
//! (the soak's time series) the same way.
//!
//! PNGs are drawn into a memory buffer and encoded by [`crate::media::picture`]. Text is laid out
//! (and, in PNGs, drawn) with DejaVu Sans compiled into the binary (the `dejavu` crate), so charts
//! render the same on a bare machine without fonts; SVGs name the family and leave drawing the
//! text to the viewer.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::media::{Frame, picture};

const SIZE: (u32, u32) = (960, 540);
/// The font family every chart's text uses.
pub(crate) const FONT: &str = "sans-serif";
/// Line colours, in order (matplotlib's first eight).
pub(crate) const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// One line: its legend and a value per step (`None` where the step lacks it).
pub type Series = (String, Vec<Option<f64>>);

/// A chart to draw.
#[derive(Clone, Debug)]
pub struct Chart {
    /// The title.
    pub title: String,
    /// The x axis: what the steps vary.
    pub x_label: String,
    /// One label per step (`4`, `0.5`, `inf`).
    pub steps: Vec<String>,
    /// The y axis.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
}

/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters failed.
    #[error("cannot draw {what}: {detail}")]
    Draw {
        /// The chart.
        what: String,
        /// Why.
        detail: String,
    },
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn register_font() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok())
}

/// A chart plotters can draw on either backend.
pub(crate) trait Drawing {
    /// The chart's title, for error messages.
    fn title(&self) -> &str;

    /// Draws the whole chart on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Writes `<stem>.svg` and `<stem>.png` of `drawing`; returns their paths.
pub(crate) fn write_svg_and_png(drawing: &impl Drawing, stem: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let draw_error = |detail: String| PlotError::Draw { what: drawing.title().to_owned(), detail };
    // Both backends measure text with the font, so it is registered before either draws.
    if !register_font() {
        return Err(draw_error("the bundled font could not be loaded".to_owned()));
    }
    let svg_path = stem.with_extension("svg");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        drawing.draw(&root).map_err(draw_error)?;
    }
    std::fs::write(&svg_path, svg).map_err(|source| PlotError::Write { path: svg_path.clone(), source })?;
    let png_path = stem.with_extension("png");
    let mut rgb = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        drawing.draw(&root).map_err(draw_error)?;
    }
    let png =
        picture::encode_png(&Frame { width: SIZE.0, height: SIZE.1, rgb }).map_err(|e| draw_error(e.to_string()))?;
    std::fs::write(&png_path, png).map_err(|source| PlotError::Write { path: png_path.clone(), source })?;
    Ok(vec![svg_path, png_path])
}

impl Chart {
    /// Whether there is anything to draw.
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|(_, values)| values.iter().all(|v| v.filter(|v| *v > 0.0).is_none()))
    }

    /// Writes `<stem>.svg` and `<stem>.png`; returns their paths.
    pub fn write(&self, stem: &Path) -> Result<Vec<PathBuf>, PlotError> {
        write_svg_and_png(self, stem)
    }
}

impl Drawing for Chart {
    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(fail)?;
        let values: Vec<f64> = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten().copied())
            .filter(|v| *v > 0.0 && v.is_finite())
            .collect();
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(0.0, f64::max);
        let (low, high) = if values.is_empty() { (0.1, 1.0) } else { (low / 1.5, high * 1.5) };
        let last = self.steps.len().saturating_sub(1).max(1) as f64;
        let steps = self.steps.clone();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.25f64..last + 0.25, (low..high).log_scale())
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_labels(self.steps.len().max(2))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 0.01 && i >= 0.0 {
                    steps.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(fail)?;
        for (index, (name, points)) in self.series.iter().enumerate() {
            let colour = COLOURS[index % COLOURS.len()];
            let line: Vec<(f64, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(x, v)| v.filter(|v| *v > 0.0 && v.is_finite()).map(|v| (x as f64, v)))
                .collect();
            if line.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(2)))
                .map_err(fail)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
            chart.draw_series(line.iter().map(|&point| Circle::new(point, 4, colour.filled()))).map_err(fail)?;
        }
        finish(&mut chart, root)
    }
}

/// Draws `chart`'s legend in the upper left corner and presents `root`.
pub(crate) fn finish<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), String> {
    let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(fail)?;
    root.present().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_and_png_files_are_written() {
        let dir = std::env::temp_dir().join(format!("omnitest-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let chart = Chart {
            title: "latency".into(),
            x_label: "max concurrency".into(),
            steps: vec!["1".into(), "4".into(), "16".into()],
            y_label: "ms".into(),
            series: vec![
                ("mean_ttft_ms".into(), vec![Some(20.0), Some(25.0), Some(40.0)]),
                ("p99_e2el_ms".into(), vec![Some(900.0), None, Some(1500.0)]),
            ],
        };
        let files = chart.write(&dir.join("latency")).unwrap();
        assert_eq!(files.len(), 2);
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("mean_ttft_ms"), "{}", &svg[..200.min(svg.len())]);
        let png = std::fs::read(&files[1]).unwrap();
        assert_eq!(picture::image_dimensions(&png).unwrap(), SIZE);
        // Not a blank canvas: the lines and text left pixels that are not white.
        let frame = picture::decode_image(&png).unwrap();
        let inked = frame.rgb.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        assert!(inked > 2000, "{inked} non-white pixels");
        let _ = std::fs::remove_dir_all(dir);
    }
}
