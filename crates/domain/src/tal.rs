//! Numbers as Danish readers write them: thousands separated by '.', decimals by ','. Pages,
//! PDFs, letters, agendas and generated drafts all use this one formatter, so "11782.3" never
//! reaches a reader.

use crate::beregning::Maaleenhed;

/// `x` with `decimaler` decimals the Danish way: `dansk(11782.3, 0)` is "11.782".
pub fn dansk(x: f64, decimaler: usize) -> String {
    use std::fmt::Write;
    // Rust's own rounding of the digits, then the Danish marks in one string: pages format
    // thousands of figures.
    let mut s = String::with_capacity(24);
    let _ = write!(s, "{:.*}", decimaler, x.abs());
    let heltal = s.find('.').unwrap_or(s.len());
    // A negative number that rounds to zero is shown as zero, not "-0".
    let negativ = x < 0.0 && s.bytes().any(|c| c.is_ascii_digit() && c != b'0');
    let mut ud = String::with_capacity(s.len() + heltal / 3 + 1);
    if negativ {
        ud.push('-');
    }
    for (i, c) in s[..heltal].chars().enumerate() {
        if i > 0 && (heltal - i).is_multiple_of(3) {
            ud.push('.');
        }
        ud.push(c);
    }
    if heltal < s.len() {
        ud.push(',');
        ud.push_str(&s[heltal + 1..]);
    }
    ud
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
        assert_eq!(dansk(-123456.0, 0), "-123.456");
        assert_eq!(dansk(0.15, 1), format!("{:.1}", 0.15).replace('.', ","));
    }

    #[test]
    fn key_figures_with_their_unit() {
        assert_eq!(Maaleenhed::KrPrLejemaal.vis(11782.3), "11.782 kr. pr. lejemål");
        assert_eq!(Maaleenhed::Procent.vis(66.666), "66,67 %");
    }
}
