//! Numbers as Danish readers write them: thousands separated by '.', decimals by ','. Pages,
//! PDFs, letters, agendas and generated drafts all use this one formatter, so "11782.3" never
//! reaches a reader.

use crate::beregning::Maaleenhed;

/// `x` with `decimaler` decimals the Danish way: `dansk(11782.3, 0)` is "11.782".
pub fn dansk(x: f64, decimaler: usize) -> String {
    let s = format!("{:.*}", decimaler, x.abs());
    let (heltal, decimal) = s.split_once('.').map_or((s.as_str(), None), |(h, d)| (h, Some(d)));
    let mut grupper = String::with_capacity(heltal.len() + heltal.len() / 3);
    for (i, c) in heltal.chars().enumerate() {
        if i > 0 && (heltal.len() - i) % 3 == 0 {
            grupper.push('.');
        }
        grupper.push(c);
    }
    // A negative number that rounds to zero is shown as zero, not "-0".
    let tegn = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match decimal {
        Some(d) => format!("{tegn}{grupper},{d}"),
        None => format!("{tegn}{grupper}"),
    }
}

impl Maaleenhed {
    /// A key figure's value with its unit: "11.782 kr. pr. lejemål", "66,70 %".
    pub fn vis(self, vaerdi: f64) -> String {
        match self {
            Maaleenhed::Procent => format!("{} %", dansk(vaerdi, 2)),
            enhed => format!("{} {}", dansk(vaerdi, 0), enhed.label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(dansk(1234567.891, 2), "1.234.567,89");
        assert_eq!(dansk(999.0, 0), "999");
        assert_eq!(dansk(-4200.5, 1), "-4.200,5");
        assert_eq!(dansk(0.0, 1), "0,0");
        assert_eq!(dansk(-0.01, 1), "0,0");
        assert_eq!(dansk(11782.3, 0), "11.782");
    }

    #[test]
    fn key_figures_with_their_unit() {
        assert_eq!(Maaleenhed::KrPrLejemaal.vis(11782.3), "11.782 kr. pr. lejemål");
        assert_eq!(Maaleenhed::Procent.vis(66.666), "66,67 %");
    }
}
