//! Attachments of the documentation package: which kinds there are, which file types each
//! accepts, and the check of an uploaded file by its content (data/regler/standard.toml).

use serde::{Deserialize, Serialize};

/// A file type the system accepts, recognised by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filtype {
    Pdf,
    Xlsx,
    Docx,
    Png,
    Jpeg,
}

impl Filtype {
    pub const ALL: [Filtype; 5] = [Filtype::Pdf, Filtype::Xlsx, Filtype::Docx, Filtype::Png, Filtype::Jpeg];

    pub fn mime(self) -> &'static str {
        match self {
            Filtype::Pdf => "application/pdf",
            Filtype::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Filtype::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Filtype::Png => "image/png",
            Filtype::Jpeg => "image/jpeg",
        }
    }

    /// The file name extensions of the type.
    pub fn endelser(self) -> &'static [&'static str] {
        match self {
            Filtype::Pdf => &["pdf"],
            Filtype::Xlsx => &["xlsx"],
            Filtype::Docx => &["docx"],
            Filtype::Png => &["png"],
            Filtype::Jpeg => &["jpg", "jpeg"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Filtype::Pdf => "PDF",
            Filtype::Xlsx => "Excel (XLSX)",
            Filtype::Docx => "Word (DOCX)",
            Filtype::Png => "PNG",
            Filtype::Jpeg => "JPEG",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Filtype> {
        Filtype::ALL.into_iter().find(|t| t.mime() == mime)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BilagArt {
    pub id: String,
    pub navn: String,
    pub paakraevet: bool,
    /// Several files of the kind may be attached; otherwise a new file supersedes the last.
    #[serde(default)]
    pub flere: bool,
    pub filtyper: Vec<Filtype>,
    /// Public once the kommune has received the package (the accounts): the material is then
    /// covered by public access to records (guidance 6.1).
    #[serde(default)]
    pub offentlig: bool,
    /// Accounts material: required by the accounts deadline rather than for submitting the
    /// report, and sent after the report as a versioned supplement.
    #[serde(default)]
    pub regnskab: bool,
}

impl BilagArt {
    /// "PDF eller Excel (XLSX)".
    pub fn typer_tekst(&self) -> String {
        let labels: Vec<&str> = self.filtyper.iter().map(|t| t.label()).collect();
        match labels.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} eller {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BilagRegler {
    pub max_megabyte: u32,
    pub arter: Vec<BilagArt>,
}

impl BilagRegler {
    /// The shipped rules (also in data/regler/standard.toml), for rule files without them.
    pub fn standard() -> BilagRegler {
        crate::reference::Regler::standard().bilag
    }

    pub fn art(&self, id: &str) -> Option<&BilagArt> {
        self.arter.iter().find(|a| a.id == id)
    }

    /// The required kinds of the accounts material (`regnskab`) or of the rest, that `har`
    /// says have no file.
    pub fn manglende<'a>(
        &'a self,
        regnskab: bool,
        har: impl Fn(&str) -> bool + 'a,
    ) -> impl Iterator<Item = &'a BilagArt> + 'a {
        self.arter.iter().filter(move |a| a.paakraevet && a.regnskab == regnskab && !har(&a.id))
    }

    /// Checks an uploaded file: not empty, not too large, a type the kind accepts, and a
    /// name whose extension matches the content. The error is a Danish sentence for the user.
    pub fn kontroller(&self, art: &BilagArt, filnavn: &str, indhold: &[u8]) -> Result<Filtype, String> {
        if indhold.is_empty() {
            return Err(format!("{filnavn} er tom"));
        }
        let max = u64::from(self.max_megabyte) * 1024 * 1024;
        if indhold.len() as u64 > max {
            return Err(format!(
                "{filnavn} fylder {} MB; den må højst fylde {} MB",
                crate::tal::dansk(indhold.len() as f64 / 1024.0 / 1024.0, 1),
                self.max_megabyte
            ));
        }
        let fundet = infer::get(indhold).and_then(|t| Filtype::from_mime(t.mime_type()));
        let Some(filtype) = fundet.filter(|t| art.filtyper.contains(t)) else {
            return Err(format!(
                "{filnavn} er ikke en fil af typen {}; indholdet er {}",
                art.typer_tekst(),
                fundet.map(Filtype::label).unwrap_or("en anden filtype")
            ));
        };
        let endelse = filnavn.rsplit_once('.').map(|(_, e)| e.to_lowercase()).unwrap_or_default();
        if !filtype.endelser().contains(&endelse.as_str()) {
            return Err(format!(
                "{filnavn}: filnavnet passer ikke til indholdet, som er {}; omdøb filen til .{}",
                filtype.label(),
                filtype.endelser()[0]
            ));
        }
        Ok(filtype)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";

    #[test]
    fn files_are_checked_by_their_content() {
        let regler = BilagRegler::standard();
        let regnskab = regler.art("regnskab").unwrap();
        assert_eq!(regler.kontroller(regnskab, "regnskab.pdf", PDF), Ok(Filtype::Pdf));
        assert_eq!(regler.kontroller(regnskab, "REGNSKAB.PDF", PDF), Ok(Filtype::Pdf));
        // A picture renamed to .pdf is refused, and so is a PDF named as something else.
        let renamed = regler.kontroller(regnskab, "regnskab.pdf", PNG).unwrap_err();
        assert!(renamed.contains("ikke en fil af typen PDF") && renamed.contains("PNG"), "{renamed}");
        let wrong_name = regler.kontroller(regnskab, "regnskab.docx", PDF).unwrap_err();
        assert!(wrong_name.contains("omdøb filen til .pdf"), "{wrong_name}");
        assert!(regler.kontroller(regnskab, "tom.pdf", b"").unwrap_err().contains("tom"));
        let text = regler.kontroller(regnskab, "noter.pdf", b"just text").unwrap_err();
        assert!(text.contains("en anden filtype"), "{text}");
        // The extra attachments accept pictures.
        assert_eq!(regler.kontroller(regler.art("ekstra").unwrap(), "foto.png", PNG), Ok(Filtype::Png));
    }

    #[test]
    fn the_size_limit_is_a_rule() {
        let regler = BilagRegler { max_megabyte: 1, ..BilagRegler::standard() };
        let mut big = PDF.to_vec();
        big.resize(1024 * 1024 + 1, b' ');
        let e = regler.kontroller(regler.art("regnskab").unwrap(), "stor.pdf", &big).unwrap_err();
        assert!(e.contains("højst fylde 1 MB"), "{e}");
        assert_eq!(regler.art("regnskabsspoergeskema").unwrap().typer_tekst(), "PDF eller Excel (XLSX)");
    }
}
