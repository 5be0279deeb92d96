//! A hand-written SVG of distributions: one cumulative curve per series (x: time,
//! y: share of runs at or below it), a dot at each median, medians and p99s in the
//! legend. No dependency: the file is a few hundred lines of plain SVG.

use crate::stats::{median, percentile};
use std::fmt::Write;

/// One distribution to draw.
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 470.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 270.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 55.0;
const COLORS: [&str; 6] = [
    "#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#7b1010", "#9467bd",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A tick step giving at most about ten ticks up to `max`.
fn tick_step(max: f64) -> f64 {
    let raw = max / 10.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// The chart, as SVG text. `unit` labels the x axis.
pub fn cdf_chart(title: &str, unit: &str, series: &[Series]) -> String {
    let drawn: Vec<&Series> = series.iter().filter(|s| !s.values.is_empty()).collect();
    // Up to the largest p99 (plus room): a few stragglers must not squash the curves.
    let tail = drawn
        .iter()
        .map(|s| percentile(&s.values, 0.99))
        .fold(0.0, f64::max);
    let step = tick_step(if tail > 0.0 { tail * 1.1 } else { 1.0 });
    let x_max = (tail * 1.1 / step).ceil().max(1.0) * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |value: f64| LEFT + (value.min(x_max) / x_max) * plot_w;
    let y = |share: f64| TOP + (1.0 - share) * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/><text x="{LEFT}" y="28" font-size="15" font-weight="bold">{}</text>"#,
        escape(title)
    );
    // Grid and axes.
    let mut tick = 0.0;
    while tick <= x_max + step / 2.0 {
        let px = x(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#e5e5e5"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            TOP + plot_h,
            TOP + plot_h + 16.0,
            format_tick(tick, step)
        );
        tick += step;
    }
    for percent in [0, 25, 50, 75, 90, 99] {
        let py = y(f64::from(percent) / 100.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end">{percent}%</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            py + 4.0
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{} (runs beyond the right edge are drawn at it)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 12.0,
        escape(unit)
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">share of runs at or below</text>"#,
        TOP + plot_h / 2.0
    );
    // Curves, medians, legend.
    for (index, series) in drawn.iter().enumerate() {
        let color = COLORS[index % COLORS.len()];
        let mut sorted = series.values.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len() as f64;
        let mut path = format!("M{:.1},{:.1}", x(sorted[0]), y(0.0));
        for (rank, value) in sorted.iter().enumerate() {
            let _ = write!(
                path,
                " L{:.1},{:.1} L{:.1},{:.1}",
                x(*value),
                y(rank as f64 / n),
                x(*value),
                y((rank as f64 + 1.0) / n)
            );
        }
        let mid = median(&series.values);
        let _ = writeln!(
            svg,
            r#"<path d="{path}" fill="none" stroke="{color}" stroke-width="2"/><circle cx="{:.1}" cy="{:.1}" r="4" fill="{color}"/>"#,
            x(mid),
            y(0.5)
        );
        let ly = TOP + 10.0 + index as f64 * 40.0;
        let lx = LEFT + plot_w + 15.0;
        let _ = writeln!(
            svg,
            r##"<rect x="{lx:.1}" y="{:.1}" width="14" height="4" fill="{color}"/><text x="{:.1}" y="{:.1}">{}</text><text x="{:.1}" y="{:.1}" fill="#555">median {:.2}, p99 {:.2} (n={})</text>"##,
            ly - 4.0,
            lx + 20.0,
            ly,
            escape(&series.name),
            lx + 20.0,
            ly + 16.0,
            mid,
            percentile(&series.values, 0.99),
            series.values.len()
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn format_tick(value: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{value:.0}")
    } else if step >= 0.1 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}
