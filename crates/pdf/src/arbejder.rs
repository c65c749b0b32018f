//! Typesetting in a worker process of its own.
//!
//! typst keeps the memory of a layout in its process: one 50-afdeling styringsrapport takes a
//! server from about 90 MB to 250 MB, and the allocator does not give it back. The server
//! therefore typesets each document in a short-lived child of its own binary (`styringsdialog
//! pdf-arbejder`), whose memory the system reclaims when it exits.
//!
//! The protocol: the [`Dokument`] as JSON on the child's standard input; on its standard output
//! a header line `sider saetning_µs eksport_µs` and then the PDF's bytes. On failure the child
//! writes the message on standard error and exits with a non-zero code.

use crate::{Dokument, PdfFejl, Udskrift, pdf_med_maaling};
use std::io::{Read, Write};
use std::time::Duration;

/// The child's side: reads one document from `ind`, typesets it and writes the answer to `ud`.
pub fn koer(mut ind: impl Read, mut ud: impl Write) -> Result<(), PdfFejl> {
    let mut json = Vec::new();
    ind.read_to_end(&mut json).map_err(|e| PdfFejl::Arbejder(format!("kan ikke læse dokumentet: {e}")))?;
    let dokument: Dokument =
        serde_json::from_slice(&json).map_err(|e| PdfFejl::Arbejder(format!("ugyldigt dokument: {e}")))?;
    let u = pdf_med_maaling(&dokument)?;
    let skriv = |ud: &mut dyn Write| -> std::io::Result<()> {
        writeln!(ud, "{} {} {}", u.sider, u.saetning.as_micros(), u.eksport.as_micros())?;
        ud.write_all(&u.bytes)?;
        ud.flush()
    };
    skriv(&mut ud).map_err(|e| PdfFejl::Arbejder(format!("kan ikke skrive PDF'en: {e}")))
}

/// The parent's side: the document as the child reads it.
pub fn anmodning(dokument: &Dokument) -> Result<Vec<u8>, PdfFejl> {
    serde_json::to_vec(dokument).map_err(|e| PdfFejl::Arbejder(e.to_string()))
}

/// The parent's side: the child's standard output read back as an [`Udskrift`].
pub fn svar(ud: &[u8]) -> Result<Udskrift, PdfFejl> {
    let fejl = || PdfFejl::Arbejder("svaret har ikke en gyldig første linje".into());
    let slut = ud.iter().position(|b| *b == b'\n').ok_or_else(fejl)?;
    let hoved = std::str::from_utf8(&ud[..slut]).map_err(|_| fejl())?;
    let tal: Vec<u128> = hoved.split(' ').map(str::parse).collect::<Result<_, _>>().map_err(|_| fejl())?;
    let [sider, saetning, eksport] = tal[..] else { return Err(fejl()) };
    let mikro = |us: u128| Duration::from_micros(u64::try_from(us).unwrap_or(u64::MAX));
    Ok(Udskrift {
        bytes: ud[slut + 1..].to_vec(),
        sider: usize::try_from(sider).map_err(|_| fejl())?,
        saetning: mikro(saetning),
        eksport: mikro(eksport),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dato, Del};

    fn dokument() -> Dokument {
        Dokument {
            titel: "Prøve".into(),
            organisation: "Boligselskabet".into(),
            aar: "Styringsår 2026".into(),
            forfatter: "Boligselskabet".into(),
            dato: Dato { aar: 2026, maaned: 11, dag: 30 },
            fakta: vec![],
            indhold: false,
            bemaerkning: None,
            dele: vec![Del { niveau: 1, titel: "Første del".into(), intro: None, ny_side: false, blokke: vec![] }],
        }
    }

    #[test]
    fn a_document_goes_through_the_worker_protocol_and_comes_back_whole() {
        let mut ud = Vec::new();
        koer(&anmodning(&dokument()).unwrap()[..], &mut ud).unwrap();
        let u = svar(&ud).unwrap();
        assert!(u.bytes.starts_with(b"%PDF-"), "a PDF follows the header");
        assert!(u.sider >= 1);
    }

    #[test]
    fn bad_input_and_a_broken_answer_are_errors_not_panics() {
        assert!(matches!(koer(&b"{"[..], Vec::new()), Err(PdfFejl::Arbejder(_))));
        assert!(svar(b"").is_err());
        assert!(svar(b"1 2\n%PDF").is_err());
        assert!(svar(b"x y z\n%PDF").is_err());
    }
}
