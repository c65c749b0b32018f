//! Accessible SVG charts, as plain strings so that the pages and the PDFs use the very same
//! drawing. Every chart has a `<title>` and a `<desc>` that states its numbers, every mark has
//! its own `<title>`, the colours have at least 3:1 contrast against white (WCAG 1.4.11), and
//! a chart is never the only place a number is shown: the pages put a table beside it.

use std::fmt::Write;

/// Dark blue line and points (8.6:1 against white).
const LINJE: &str = "#004993";
/// Text and axes (16:1).
const TEKST: &str = "#1a1a1a";
/// Grid lines: decoration only.
const GITTER: &str = "#d6d6d6";
/// Marks for the three efficiency colours (each at least 3:1 against white).
pub const ROED: &str = "#b3251f";
pub const GUL: &str = "#8a6100";
pub const GROEN: &str = "#2e7d32";
/// Other members of a group (4.5:1).
const ANDRE: &str = "#6b6b6b";

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A number the Danish way: decimal comma, thousands point.
pub use domain::tal::dansk;

fn aaben(svg: &mut String, id: &str, bredde: u32, hoejde: u32, titel: &str, beskrivelse: &str) {
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {bredde} {hoejde}\" role=\"img\" \
         aria-labelledby=\"{id}-titel {id}-beskrivelse\" focusable=\"false\">\
         <title id=\"{id}-titel\">{}</title><desc id=\"{id}-beskrivelse\">{}</desc>",
        esc(titel),
        esc(beskrivelse)
    );
}

/// A key figure over the years: a line through the years with a value; years without one
/// (not yet public) are named in the description and left as gaps.
pub fn tidsserie(id: &str, titel: &str, enhed: &str, punkter: &[(i32, Option<f64>)]) -> String {
    tidsserie_mod(id, titel, enhed, punkter, None)
}

/// A key figure over the years against a reference series of the same years (the national
/// median), drawn as a dashed grey line and named in the description.
pub fn tidsserie_mod(
    id: &str,
    titel: &str,
    enhed: &str,
    punkter: &[(i32, Option<f64>)],
    reference: Option<(&str, &[Option<f64>])>,
) -> String {
    let (bredde, hoejde, venstre, top, bund) = (480u32, 200u32, 70.0, 20.0, 30.0);
    let ref_vaerdier: Vec<f64> = reference.map(|(_, r)| r.iter().flatten().copied().collect()).unwrap_or_default();
    let vaerdier: Vec<f64> = punkter.iter().filter_map(|p| p.1).chain(ref_vaerdier.iter().copied()).collect();
    let mut beskrivelse = punkter
        .iter()
        .map(|(aar, v)| match v {
            Some(v) => format!("{aar}: {} {enhed}", dansk(*v, 1)),
            None => format!("{aar}: ikke tilgængelig"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    if let Some((navn, r)) = reference {
        let tal: Vec<String> = punkter
            .iter()
            .zip(r)
            .filter_map(|((aar, _), v)| v.map(|v| format!("{aar}: {} {enhed}", dansk(v, 1))))
            .collect();
        if !tal.is_empty() {
            beskrivelse.push_str(&format!(". {navn}: {}", tal.join("; ")));
        }
    }
    let mut svg = String::new();
    aaben(&mut svg, id, bredde, hoejde, titel, &beskrivelse);
    let (min, max) = vaerdier.iter().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let (min, max) = if vaerdier.is_empty() {
        (0.0, 1.0)
    } else if (max - min).abs() < f64::EPSILON {
        (min - 1.0, max + 1.0)
    } else {
        let luft = (max - min) * 0.1;
        ((min - luft).min(if min >= 0.0 { 0.0 } else { min - luft }), max + luft)
    };
    let plot_b = f64::from(bredde) - venstre - 20.0;
    let plot_h = f64::from(hoejde) - top - bund;
    let n = punkter.len().max(1);
    let x = |i: usize| venstre + if n == 1 { plot_b / 2.0 } else { plot_b * i as f64 / (n - 1) as f64 };
    let y = |v: f64| top + plot_h * (1.0 - (v - min) / (max - min));
    for k in 0..=2 {
        let v = min + (max - min) * f64::from(k) / 2.0;
        let yy = y(v);
        let _ = write!(
            svg,
            "<line x1=\"{venstre}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"{GITTER}\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"{TEKST}\">{}</text>",
            venstre + plot_b,
            venstre - 6.0,
            yy + 4.0,
            esc(&dansk(v, 0))
        );
    }
    let mut sti = String::new();
    for (i, (_, v)) in punkter.iter().enumerate() {
        if let Some(v) = v {
            // A year without a value breaks the line: the next point starts a new segment.
            let ny = i == 0 || punkter[i - 1].1.is_none();
            let _ = write!(sti, "{}{:.1},{:.1} ", if ny { "M" } else { "L" }, x(i), y(*v));
        }
    }
    if !sti.is_empty() {
        let _ = write!(svg, "<path d=\"{}\" fill=\"none\" stroke=\"{LINJE}\" stroke-width=\"2.5\"/>", sti.trim());
    }
    if let Some((navn, r)) = reference {
        let mut ref_sti = String::new();
        for (i, v) in r.iter().enumerate().take(punkter.len()) {
            if let Some(v) = v {
                let ny = i == 0 || r[i - 1].is_none();
                let _ = write!(ref_sti, "{}{:.1},{:.1} ", if ny { "M" } else { "L" }, x(i), y(*v));
            }
        }
        if !ref_sti.is_empty() {
            let _ = write!(
                svg,
                "<path d=\"{}\" fill=\"none\" stroke=\"{ANDRE}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>{}</title></path>",
                ref_sti.trim(),
                esc(navn)
            );
        }
    }
    for (i, (aar, v)) in punkter.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{TEKST}\">{aar}</text>",
            x(i),
            hoejde - 8
        );
        if let Some(v) = v {
            let _ = write!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{LINJE}\"><title>{aar}: {} {}</title></circle>",
                x(i),
                y(*v),
                esc(&dansk(*v, 1)),
                esc(enhed)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// An afdeling against its comparison group: every member's efficiency figure as a dot on a
/// 0–100 % axis, coloured by the efficiency colour, the afdeling itself large and outlined.
pub fn sammenligning(id: &str, titel: &str, gruppe: &[f64], egen: f64, roed_under: f64, groen_fra: f64) -> String {
    let (bredde, hoejde, venstre, hoejre) = (480u32, 110u32, 20.0, 20.0);
    let under = gruppe.iter().filter(|v| **v < egen).count();
    let beskrivelse = format!(
        "Afdelingens effektivitetstal er {} %. Gruppen har {} afdelinger med offentlige tal; {} af dem ligger lavere. \
         Rød under {} %, grøn fra {} %.",
        dansk(egen, 1),
        gruppe.len(),
        under,
        dansk(roed_under, 0),
        dansk(groen_fra, 0)
    );
    let mut svg = String::new();
    aaben(&mut svg, id, bredde, hoejde, titel, &beskrivelse);
    let plot_b = f64::from(bredde) - venstre - hoejre;
    let x = |v: f64| venstre + plot_b * v.clamp(0.0, 100.0) / 100.0;
    let akse = 60.0;
    let _ = write!(
        svg,
        "<line x1=\"{venstre}\" x2=\"{}\" y1=\"{akse}\" y2=\"{akse}\" stroke=\"{TEKST}\"/>",
        venstre + plot_b
    );
    for t in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            svg,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{akse}\" y2=\"{}\" stroke=\"{TEKST}\"/>\
             <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{TEKST}\">{} %</text>",
            x(t),
            x(t),
            akse + 5.0,
            x(t),
            akse + 20.0,
            dansk(t, 0)
        );
    }
    let farve = |v: f64| {
        if v < roed_under {
            ROED
        } else if v < groen_fra {
            GUL
        } else {
            GROEN
        }
    };
    for (i, v) in gruppe.iter().enumerate() {
        // Small vertical jitter by position keeps equal values apart without randomness.
        let dy = [0.0, -8.0, 8.0, -16.0, 16.0][i % 5];
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\" fill-opacity=\"0.85\"><title>{} %</title></circle>",
            x(*v),
            akse - 24.0 + dy,
            if farve(*v) == GROEN { ANDRE } else { farve(*v) },
            esc(&dansk(*v, 1))
        );
    }
    let _ = write!(
        svg,
        "<circle cx=\"{:.1}\" cy=\"{}\" r=\"8\" fill=\"{}\" stroke=\"{TEKST}\" stroke-width=\"2\"><title>Afdelingen: {} %</title></circle>",
        x(egen),
        akse - 24.0,
        farve(egen),
        esc(&dansk(egen, 1))
    );
    svg.push_str("</svg>");
    svg
}

/// Colours for categories (each at least 3:1 against white), in order.
pub const KATEGORIFARVER: [&str; 5] = ["#0059b3", "#008139", "#a65c00", "#6b3fa0", "#b0182f"];

/// One bar of a stacked bar chart: a label, its parts (name, count, share in %) and its total.
pub struct StabletSoejle {
    pub etiket: String,
    pub dele: Vec<(String, u32, f64)>,
    pub i_alt: u32,
}

/// Horizontal stacked bars, each 100 % wide, split by category, with the total at the end and
/// a legend of `kategorier` (coloured in order of [`KATEGORIFARVER`]).
pub fn stablede_soejler(id: &str, titel: &str, soejler: &[StabletSoejle], kategorier: &[&str]) -> String {
    let (etiket_bredde, bar_bredde, raekke_h) = (170u32, 420u32, 36u32);
    let legende_y = 16 + soejler.len() as u32 * raekke_h;
    let bredde = etiket_bredde + bar_bredde + 60;
    let hoejde = legende_y + kategorier.len() as u32 * 22 + 4;
    let beskrivelse = soejler
        .iter()
        .map(|s| {
            let dele: Vec<String> = s
                .dele
                .iter()
                .filter(|d| d.1 > 0)
                .map(|(navn, n, andel)| format!("{} {n} ({} %)", navn.to_lowercase(), dansk(*andel, 0)))
                .collect();
            format!("{}: {} i alt, heraf {}.", s.etiket, s.i_alt, dele.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut svg = String::new();
    aaben(&mut svg, id, bredde, hoejde, titel, &beskrivelse);
    let farve = |navn: &str| {
        let i = kategorier.iter().position(|k| *k == navn).unwrap_or(0);
        KATEGORIFARVER[i % KATEGORIFARVER.len()]
    };
    for (i, s) in soejler.iter().enumerate() {
        let y = 8 + i as u32 * raekke_h;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\" fill=\"{TEKST}\">{}</text>",
            etiket_bredde - 8,
            y + 18,
            esc(&s.etiket)
        );
        let mut x = f64::from(etiket_bredde);
        for (navn, antal, andel) in s.dele.iter().filter(|d| d.1 > 0) {
            let w = f64::from(bar_bredde) * andel / 100.0;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"26\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\">\
                 <title>{}: {} {antal} ({} %)</title></rect>",
                farve(navn),
                esc(&s.etiket),
                esc(navn),
                dansk(*andel, 0)
            );
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"{TEKST}\">{}</text>",
            etiket_bredde + bar_bredde + 6,
            y + 18,
            s.i_alt
        );
    }
    for (j, k) in kategorier.iter().enumerate() {
        let y = legende_y + j as u32 * 22;
        let _ = write!(
            svg,
            "<rect x=\"{etiket_bredde}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{}\"></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"{TEKST}\">{}</text>",
            KATEGORIFARVER[j % KATEGORIFARVER.len()],
            etiket_bredde + 20,
            y + 12,
            esc(k)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The efficiency distribution: afdelinger per colour this year beside last year, as grouped
/// vertical bars. `kategorier` are (label, colour, this year, last year).
pub fn fordeling(id: &str, titel: &str, aar: i32, kategorier: &[(&str, &str, usize, usize)]) -> String {
    let (bredde, hoejde, venstre, top, bund) = (480u32, 220u32, 40.0, 20.0, 50.0);
    let max = kategorier.iter().map(|k| k.2.max(k.3)).max().unwrap_or(0).max(1) as f64;
    let beskrivelse = kategorier
        .iter()
        .map(|(navn, _, nu, sidst)| format!("{navn}: {nu} afdelinger i {aar}, {sidst} året før"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = String::new();
    aaben(&mut svg, id, bredde, hoejde, titel, &beskrivelse);
    let plot_h = f64::from(hoejde) - top - bund;
    let gruppe_b = (f64::from(bredde) - venstre - 10.0) / kategorier.len().max(1) as f64;
    let y0 = top + plot_h;
    let _ = write!(
        svg,
        "<line x1=\"{venstre}\" x2=\"{}\" y1=\"{y0}\" y2=\"{y0}\" stroke=\"{TEKST}\"/>",
        f64::from(bredde) - 10.0
    );
    for (i, (navn, farve, nu, sidst)) in kategorier.iter().enumerate() {
        let gx = venstre + gruppe_b * i as f64;
        for (j, (antal, label, fyld)) in [(*sidst, aar - 1, ANDRE), (*nu, aar, *farve)].into_iter().enumerate() {
            let h = plot_h * antal as f64 / max;
            let x = gx + gruppe_b * 0.15 + j as f64 * gruppe_b * 0.35;
            // An empty bar is no shape (a zero height is invalid for SVG renderers); its
            // count still stands on the axis.
            if antal > 0 {
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{fyld}\"><title>{}, {label}: {antal}</title></rect>",
                    y0 - h,
                    gruppe_b * 0.33,
                    esc(navn),
                );
            }
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{TEKST}\">{antal}</text>",
                x + gruppe_b * 0.165,
                y0 - h - 4.0
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{TEKST}\">{}</text>",
            gx + gruppe_b / 2.0,
            y0 + 18.0,
            esc(navn)
        );
    }
    let _ = write!(
        svg,
        "<rect x=\"{venstre}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{ANDRE}\"></rect>\
         <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{TEKST}\">{} (grå søjle); {aar} i markeringens farve</text>",
        y0 + 28.0,
        venstre + 16.0,
        y0 + 38.0,
        aar - 1
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(dansk(1234567.891, 1), "1.234.567,9");
        assert_eq!(dansk(-0.04, 1), "0,0");
        assert_eq!(dansk(-12.5, 0), "-12");
        assert_eq!(dansk(999.0, 0), "999");
    }

    #[test]
    fn a_series_names_every_year_and_skips_gaps() {
        let svg = tidsserie("t", "Leje <pr. m²>", "kr.", &[(2024, Some(800.0)), (2025, None), (2026, Some(850.5))]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("2024: 800,0 kr.; 2025: ikke tilgængelig; 2026: 850,5 kr."));
        assert!(svg.contains("Leje &lt;pr. m²&gt;"), "text is escaped");
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches(" M").count() + svg.matches("\"M").count(), 2, "the gap breaks the line: {svg}");
    }

    #[test]
    fn stacked_bars_describe_every_part_and_have_a_legend() {
        let soejler = [StabletSoejle {
            etiket: "Aarhus".into(),
            dele: vec![("Venteliste".into(), 30, 75.0), ("Fleksibel".into(), 10, 25.0), ("Kombineret".into(), 0, 0.0)],
            i_alt: 40,
        }];
        let svg = stablede_soejler("u", "Udlejning", &soejler, &["Venteliste", "Fleksibel", "Kombineret"]);
        assert!(svg.contains("Aarhus: 40 i alt, heraf venteliste 30 (75 %), fleksibel 10 (25 %)."));
        assert_eq!(svg.matches("<title>Aarhus:").count(), 2, "no empty parts");
        assert_eq!(svg.matches("height=\"14\"").count(), 3, "a legend entry per category");
    }

    #[test]
    fn the_distribution_names_both_years() {
        let svg =
            fordeling("f", "Fordeling", 2026, &[("Rød", ROED, 2, 3), ("Gul", GUL, 5, 4), ("Grøn", GROEN, 10, 10)]);
        assert!(svg.contains("Rød: 2 afdelinger i 2026, 3 året før"));
        assert_eq!(svg.matches("<rect").count(), 7, "two bars per colour and a legend mark");
    }

    #[test]
    fn a_comparison_marks_the_afdeling_and_describes_its_rank() {
        let svg = sammenligning("s", "Effektivitet", &[50.0, 72.0, 90.0, 100.0], 80.0, 70.0, 85.0);
        assert!(svg.contains("Gruppen har 4 afdelinger med offentlige tal; 2 af dem ligger lavere."));
        assert_eq!(svg.matches("<circle").count(), 5);
        assert!(svg.contains(&format!("fill=\"{GUL}\" stroke")), "the afdeling in its own colour");
    }
}
