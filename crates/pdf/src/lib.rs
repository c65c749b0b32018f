//! Printable documents as tagged, accessible PDF (PDF/UA-1), typeset by typst.
//!
//! The callers build a [`Dokument`]: the same parts, questions, answers, tables and charts that
//! their HTML pages show. One typst template (`data/pdf/dokument.typ`, versioned data) lays it
//! out with the organisation and styringsår in every page header and "Side n af m" in every
//! footer. The fonts (IBM Plex Sans, the DKFDS typeface) are embedded in the binary, so the
//! output never depends on the fonts of the machine.
//!
//! typst is heavy to build; this crate keeps it away from the rest of the workspace.

pub mod arbejder;

use serde::{Deserialize, Serialize};
use std::sync::{LazyLock, Mutex};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Feature, Library, LibraryExt, World};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The layout of every document: versioned with the other templates of the system.
const SKABELON: &str = include_str!("../../../data/pdf/dokument.typ");

const FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/IBMPlexSans-Regular.ttf"),
    include_bytes!("../fonts/IBMPlexSans-Italic.ttf"),
    include_bytes!("../fonts/IBMPlexSans-SemiBold.ttf"),
    include_bytes!("../fonts/IBMPlexSans-Bold.ttf"),
];

/// A document to print. Text is plain text: the template escapes nothing because typst reads
/// it as data, never as markup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dokument {
    /// The document title, also the PDF's title metadata ("Styringsrapport 2026").
    pub titel: String,
    /// The organisation the document is about, shown on the title page and in every header.
    pub organisation: String,
    /// "Styringsår 2026", shown in every header.
    pub aar: String,
    /// Who made the document (PDF author metadata): the organisation or the kommune.
    pub forfatter: String,
    /// The date the document was made, also its PDF creation date.
    pub dato: Dato,
    /// Facts on the title page: (label, value), e.g. status, version, submitted, recipients.
    pub fakta: Vec<(String, String)>,
    /// Whether the title page lists the parts (long documents).
    pub indhold: bool,
    /// A notice on the title page, such as "Kladde: ikke indsendt".
    pub bemaerkning: Option<String>,
    pub dele: Vec<Del>,
}

/// A calendar date.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Dato {
    pub aar: i32,
    pub maaned: u8,
    pub dag: u8,
}

/// A part of the document: a heading and what follows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Del {
    /// The heading level: 1 for the parts in the contents, 2 for a part within the one
    /// before (an afdeling form within the afdeling forms).
    pub niveau: u8,
    pub titel: String,
    pub intro: Option<String>,
    /// Starts on a new page (each afdeling form does).
    pub ny_side: bool,
    pub blokke: Vec<Blok>,
}

/// A block of a part.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "art", rename_all = "snake_case")]
pub enum Blok {
    /// A heading below the part's: a level or two deeper.
    Overskrift { niveau: u8, tekst: String },
    /// Paragraphs; blank lines separate them.
    Afsnit { tekst: String },
    /// A question and its answer.
    Svar { spoergsmaal: String, svar: String },
    /// A table; `tal_fra` is the first column of numbers (right-aligned). The first column
    /// heads its row. Made by [`Blok::tabel`], which sets the column widths.
    Tabel {
        titel: String,
        kolonner: Vec<String>,
        tal_fra: usize,
        raekker: Vec<Vec<String>>,
        /// Relative column widths (typst `fr`).
        bredder: Vec<u16>,
    },
    /// A chart: the SVG and its text alternative.
    Diagram { svg: String, alt: String },
}

impl Blok {
    /// A table whose columns are as wide as their content needs, relatively: the longest
    /// cell (up to 40 characters; longer text wraps), the header's longest word, or half the
    /// header (it may wrap once). Measured
    /// here, because typst's `auto` columns measure every cell and cost a sixth of the layout
    /// of a long report.
    pub fn tabel(titel: impl Into<String>, kolonner: Vec<String>, tal_fra: usize, raekker: Vec<Vec<String>>) -> Blok {
        let bredder = (0..kolonner.len())
            .map(|i| {
                let hoved = &kolonner[i];
                let ord = hoved.split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0);
                let halv = hoved.chars().count().div_ceil(2);
                let celle = raekker.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0);
                // Two characters more for the header: it is bold, and the cells have insets.
                (ord + 2).max(halv + 2).max(celle).clamp(4, 40) as u16
            })
            .collect();
        Blok::Tabel { titel: titel.into(), kolonner, tal_fra, raekker, bredder }
    }

    /// A chart from the `diagram` crate; its `<title>` and `<desc>` become the alternative text.
    pub fn diagram(svg: String) -> Blok {
        let tag = |navn: &str| {
            let start = svg.find(&format!("<{navn}"))?;
            let indhold = start + svg[start..].find('>')? + 1;
            let slut = indhold + svg[indhold..].find(&format!("</{navn}>"))?;
            Some(uescape(&svg[indhold..slut]))
        };
        let alt = [tag("title"), tag("desc")].into_iter().flatten().collect::<Vec<_>>().join(". ");
        Blok::Diagram { alt: if alt.is_empty() { "Diagram".into() } else { alt }, svg }
    }
}

fn uescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

#[derive(Debug, thiserror::Error)]
pub enum PdfFejl {
    #[error("PDF-skabelonen kunne ikke sættes: {0}")]
    Saetning(String),
    #[error("PDF'en kunne ikke skrives: {0}")]
    Eksport(String),
    #[error("PDF-arbejderen fejlede: {0}")]
    Arbejder(String),
}

/// Typesets a document as PDF/UA-1: tagged, with title, language and alternative texts.
/// Call [`ryd_op`] now and then (after each document, off the request path).
pub fn pdf(dokument: &Dokument) -> Result<Vec<u8>, PdfFejl> {
    Ok(pdf_med_maaling(dokument)?.bytes)
}

/// A typeset document and what it took.
pub struct Udskrift {
    pub bytes: Vec<u8>,
    pub sider: usize,
    /// Evaluation and layout (typst).
    pub saetning: std::time::Duration,
    /// Writing the tagged PDF (and checking PDF/UA-1).
    pub eksport: std::time::Duration,
}

/// [`pdf`], with the page count and the time of each stage (for `udskriv` and benchmarks).
pub fn pdf_med_maaling(dokument: &Dokument) -> Result<Udskrift, PdfFejl> {
    let start = std::time::Instant::now();
    let data = serde_json::to_vec(dokument).map_err(|e| PdfFejl::Saetning(e.to_string()))?;
    let world = Verden { data: Bytes::new(data), dato: dokument.dato };
    let result = typst::compile::<typst_layout::PagedDocument>(&world).output;
    let document = result.map_err(|e| PdfFejl::Saetning(beskeder(&e)))?;
    let saetning = start.elapsed();
    let start = std::time::Instant::now();
    let dato = Datetime::from_ymd(dokument.dato.aar, dokument.dato.maaned, dokument.dato.dag);
    let options = PdfOptions {
        ident: typst::foundations::Smart::Custom(format!(
            "styringsdialog:{}:{}",
            dokument.titel, dokument.organisation
        )),
        creator: typst::foundations::Smart::Custom(Some("styringsdialog".into())),
        timestamp: dato.map(Timestamp::new_utc),
        standards: PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|e| PdfFejl::Eksport(e.message().to_string()))?,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&document, &options).map_err(|e| PdfFejl::Eksport(beskeder(&e)))?;
    Ok(Udskrift { bytes, sider: document.pages().len(), saetning, eksport: start.elapsed() })
}

/// Empties typst's memo cache after a document. Documents share little (each has its own
/// data), and a cache holding earlier documents makes the next one slower to typeset, not
/// faster; emptying also keeps a long-running server from growing. It takes a while, so
/// callers run it after answering, not before. Benchmarks call it before each repetition,
/// or a repeated document would be measured from the cache.
pub fn ryd_op() {
    let _guard = EVICT.lock();
    typst::comemo::evict(0);
}

/// Serialises eviction: the cache is global to the process.
static EVICT: Mutex<()> = Mutex::new(());

fn beskeder(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// What typst needs that does not change between documents: the library, the fonts and the
/// parsed template.
struct Faelles {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: FileId,
    data: FileId,
    source: Source,
}

static FAELLES: LazyLock<Faelles> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONTS.iter().flat_map(|f| Font::iter(Bytes::new(*f))).collect();
    let id = |path: &str| {
        RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("a valid virtual path")).intern()
    };
    let main = id("/dokument.typ");
    Faelles {
        // Row headers in tables (pdf.header-cell) are still behind typst's feature flag.
        library: LazyHash::new(Library::builder().with_features([Feature::A11yExtras].into_iter().collect()).build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        main,
        data: id("/data.json"),
        source: Source::new(main, SKABELON.to_string()),
    }
});

/// One compilation: the shared parts and this document's data.
struct Verden {
    data: Bytes,
    dato: Dato,
}

impl World for Verden {
    fn library(&self) -> &LazyHash<Library> {
        &FAELLES.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &FAELLES.book
    }
    fn main(&self) -> FileId {
        FAELLES.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == FAELLES.main { Ok(FAELLES.source.clone()) } else { Err(FileError::NotSource) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        match id {
            id if id == FAELLES.data => Ok(self.data.clone()),
            id if id == FAELLES.main => Ok(Bytes::from_string(FAELLES.source.clone())),
            id => Err(FileError::NotFound(id.vpath().get_without_slash().into())),
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        FAELLES.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Datetime::from_ymd(self.dato.aar, self.dato.maaned, self.dato.dag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eksempel(afdelinger: usize) -> Dokument {
        let mut dele = vec![Del {
            niveau: 1,
            titel: "Spørgsmål 1: Økonomi".into(),
            intro: Some("Besvar spørgsmålene.\n\nBrug eksemplerne.".into()),
            ny_side: false,
            blokke: vec![
                Blok::Svar {
                    spoergsmaal: "Er der væsentlige økonomiske udfordringer?".into(),
                    // typst markup in an answer is printed as written.
                    svar: "Ja: #panic(\"nej\") *fed* $x$ <etiket> @henvisning".into(),
                },
                Blok::tabel(
                    "Nøgletal",
                    vec!["Nøgletal".into(), "Værdi".into(), "Benchmark".into()],
                    1,
                    vec![vec!["Henlæggelser pr. m²".into(), "123,4 kr.".into(), "98,0 kr.".into()]],
                ),
                Blok::diagram(
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 50\" role=\"img\"><title>Fordeling</title>\
                     <desc>3 grønne &amp; 1 rød</desc><rect x=\"0\" y=\"0\" width=\"40\" height=\"50\" fill=\"#2e7d32\"/>\
                     <text x=\"50\" y=\"30\" font-size=\"12\">3</text></svg>"
                        .into(),
                ),
            ],
        }];
        for i in 0..afdelinger {
            dele.push(Del {
                niveau: 1,
                titel: format!("Afdeling {} Solhaven", i + 1),
                intro: None,
                ny_side: true,
                blokke: (1..=8)
                    .map(|q| Blok::Svar { spoergsmaal: format!("Spørgsmål {q}"), svar: "Nej".into() })
                    .collect(),
            });
        }
        Dokument {
            titel: "Styringsrapport 2026".into(),
            organisation: "Boligselskabet Æblehaven (nr. 1234)".into(),
            aar: "Styringsår 2026".into(),
            forfatter: "Boligselskabet Æblehaven".into(),
            dato: Dato { aar: 2026, maaned: 11, dag: 27 },
            fakta: vec![("Status".into(), "Indsendt".into())],
            bemaerkning: Some("Kladde: ikke indsendt".into()),
            indhold: true,
            dele,
        }
    }

    #[test]
    fn every_page_names_the_organisation_and_year_and_is_numbered() {
        let bytes = pdf(&eksempel(3)).unwrap();
        let sider = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
        assert!(sider.len() >= 4, "title part and one page per afdeling: {}", sider.len());
        for (i, side) in sider.iter().enumerate() {
            assert!(side.contains("Boligselskabet Æblehaven (nr. 1234)"), "page {}: {side}", i + 1);
            assert!(side.contains("Styringsår 2026"), "page {}", i + 1);
            assert!(side.contains(&format!("Side {} af {}", i + 1, sider.len())), "page {}: {side}", i + 1);
        }
        let alt = sider.concat();
        assert!(alt.contains("Kladde: ikke indsendt"));
        assert!(alt.contains("Henlæggelser pr. m²") && alt.contains("123,4 kr."));
        assert!(alt.contains("Afdeling 3 Solhaven"));
        assert!(!alt.contains('\u{2060}'), "no invisible characters shaped into the digits");
    }

    #[test]
    fn answers_are_printed_as_written_never_run_as_markup() {
        let bytes = pdf(&eksempel(0)).unwrap();
        let tekst = pdf_extract::extract_text_from_mem(&bytes).unwrap();
        assert!(tekst.contains("#panic(\"nej\") *fed* $x$ <etiket> @henvisning"), "{tekst}");
    }

    #[test]
    fn the_pdf_is_tagged_in_danish_and_declares_pdf_ua() {
        let bytes = pdf(&eksempel(1)).unwrap();
        std::fs::write(std::env::temp_dir().join("styringsdialog-eksempel.pdf"), &bytes).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("/StructTreeRoot"), "tagged");
        assert!(raw.contains("pdfuaid:part"), "PDF/UA identification in the XMP metadata");
        assert!(raw.contains("/Lang(da"), "document language");
        assert!(raw.contains("/Alt") || raw.contains("Fordeling"), "the chart has its alternative text");
    }

    #[test]
    fn table_columns_are_as_wide_as_their_content_needs() {
        let Blok::Tabel { bredder, .. } = Blok::tabel(
            "T",
            vec!["Afdeling".into(), "Anvendte udlejningsredskaber".into(), "I alt".into()],
            2,
            vec![vec!["1 Solhaven".into(), "x".repeat(120), "3".into()]],
        ) else {
            unreachable!()
        };
        assert_eq!(bredder, vec![10, 40, 5]);
        let Blok::Tabel { bredder, .. } =
            Blok::tabel("T", vec!["Sidste års værdi".into()], 0, vec![vec!["i/t".into()]])
        else {
            unreachable!()
        };
        assert_eq!(bredder, vec![10], "a header may wrap once");
    }

    #[test]
    fn a_chart_takes_its_alternative_text_from_title_and_description() {
        let Blok::Diagram { alt, .. } =
            Blok::diagram("<svg><title>T &amp; U</title><desc id=\"x\">D</desc></svg>".into())
        else {
            unreachable!()
        };
        assert_eq!(alt, "T & U. D");
    }
}
