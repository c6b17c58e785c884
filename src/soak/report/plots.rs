//! The soak's charts: memory over time with the fitted slope, and each window's p99 latencies,
//! drawn with `plotters` as the perf charts are (SVG and PNG, the bundled font).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::bench::report::plots::{COLOURS, Drawing, FONT, finish};

/// One line of a time chart.
#[derive(Clone, Debug)]
pub struct Line {
    /// The legend.
    pub name: String,
    /// (seconds since the start, value) points.
    pub points: Vec<(f64, f64)>,
    /// A thin line without point markers (a fit, not samples).
    pub thin: bool,
}

/// Values against time since the load started.
#[derive(Clone, Debug)]
pub struct TimeChart {
    /// The title.
    pub title: String,
    /// The y axis.
    pub y_label: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// A vertical marker (the end of the warm-up), in seconds, with its label.
    pub marker: Option<(f64, String)>,
}

impl TimeChart {
    /// Whether there is anything to draw.
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|line| line.points.is_empty())
    }
}

/// The time unit that keeps the axis readable: seconds, minutes or hours.
fn time_unit(last_s: f64) -> (f64, &'static str) {
    match last_s {
        s if s > 7200.0 => (3600.0, "hours since the load started"),
        s if s > 180.0 => (60.0, "minutes since the load started"),
        _ => (1.0, "seconds since the load started"),
    }
}

impl Drawing for TimeChart {
    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(fail)?;
        let all =
            || self.lines.iter().flat_map(|line| line.points.iter()).filter(|p| p.0.is_finite() && p.1.is_finite());
        let last_s = all().map(|p| p.0).fold(1.0, f64::max);
        let (unit, x_label) = time_unit(last_s);
        let low = all().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let high = all().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let (low, high) = if low.is_finite() && high.is_finite() { (low, high) } else { (0.0, 1.0) };
        let pad = ((high - low) * 0.1).max(high.abs() * 0.01).max(1e-6);
        // Memory and latency are never negative: the axis does not go below zero for them.
        let (low, high) = (if low >= 0.0 { (low - pad).max(0.0) } else { low - pad }, high + pad);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..last_s / unit * 1.02, low..high)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(fail)?;
        if let Some((at, label)) = &self.marker {
            let grey = RGBColor(150, 150, 150);
            let x = at / unit;
            chart
                .draw_series(LineSeries::new([(x, low), (x, high)], grey.stroke_width(1)))
                .map_err(fail)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(1)));
        }
        for (index, line) in self.lines.iter().enumerate() {
            let colour = COLOURS[index % COLOURS.len()];
            let points: Vec<(f64, f64)> = line
                .points
                .iter()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .map(|&(t, v)| (t / unit, v))
                .collect();
            if points.is_empty() {
                continue;
            }
            let width = if line.thin { 1 } else { 2 };
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(width)))
                .map_err(fail)?
                .label(line.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(width)));
            if !line.thin && points.len() <= 400 {
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 2, colour.filled()))).map_err(fail)?;
            }
        }
        finish(&mut chart, root)
    }
}
