//! Tables from files people actually send: CSV in the ordinary dialect (comma, decimal
//! point), CSV in the Danish Excel dialect (semicolon, decimal comma, UTF-8 or
//! Windows-1252), and XLSX (first sheet). Every error names the file, row, column, the value
//! found and what was expected, in Danish, so it can be shown to users unchanged.

use std::path::Path;

/// How numbers are written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Comma-separated, decimal point (and numbers from XLSX cells).
    Standard,
    /// Semicolon-separated, decimal comma, optional '.' thousands separators.
    Dansk,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("{file}: filen kan ikke læses: {message}")]
    Unreadable { file: String, message: String },
    #[error("{file}: filtypen «{extension}» understøttes ikke (forventede .csv eller .xlsx)")]
    UnknownType { file: String, extension: String },
    #[error("{file}: filen er tom (forventede en overskriftsrække)")]
    Empty { file: String },
    #[error("{file}, række {row}: {message}")]
    Row { file: String, row: usize, message: String },
    #[error("{file}: kolonnen «{column}» mangler (forventede kolonnerne {expected})")]
    MissingColumn { file: String, column: String, expected: String },
    #[error("{file}: kolonnen «{column}» findes mere end én gang")]
    DuplicateColumn { file: String, column: String },
    #[error("{file}, række {row}, kolonne «{column}»: {message}")]
    Cell { file: String, row: usize, column: String, message: String },
}

/// One data row and its row number in the file (the header is row 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub file: String,
    pub dialect: Dialect,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// Reads a table, choosing the format by the file's extension.
pub fn read_path(path: &Path) -> Result<Table, TableError> {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let bytes =
        std::fs::read(path).map_err(|e| TableError::Unreadable { file: file.clone(), message: e.to_string() })?;
    read_bytes(&file, &bytes)
}

/// Reads a table from bytes; `file` names it in messages and decides the format.
pub fn read_bytes(file: &str, bytes: &[u8]) -> Result<Table, TableError> {
    let extension = Path::new(file).extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "csv" | "txt" => read_csv(file, bytes),
        "xlsx" => read_xlsx(file, bytes),
        _ => Err(TableError::UnknownType { file: file.into(), extension }),
    }
}

/// UTF-8 (with or without BOM) when valid, otherwise Windows-1252 as Danish Excel writes it.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Table, TableError> {
    let text = decode(bytes);
    let header_line =
        text.lines().next().filter(|l| !l.trim().is_empty()).ok_or(TableError::Empty { file: file.into() })?;
    // The header decides the dialect: Danish Excel separates with semicolons.
    let dialect = if header_line.matches(';').count() > header_line.matches(',').count() {
        Dialect::Dansk
    } else {
        Dialect::Standard
    };
    let delimiter = if dialect == Dialect::Dansk { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_string()).collect(),
        Some(Err(e)) => return Err(TableError::Row { file: file.into(), row: 1, message: e.to_string() }),
        None => return Err(TableError::Empty { file: file.into() }),
    };
    let mut rows = Vec::new();
    // The csv reader skips blank lines without counting them, and reports a record's start
    // before the blank lines it skipped; counting newlines up to the first non-blank byte
    // gives the row number the user sees. Records come in order, so the count continues
    // from the previous record (linear in the file size).
    let bytes = text.as_bytes();
    let (mut counted_to, mut lines_before) = (0usize, 0usize);
    let mut line_at = |byte: u64| {
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
            at += 1;
        }
        if at < counted_to {
            (counted_to, lines_before) = (0, 0);
        }
        // A line ends at LF, CRLF or a lone CR, as the csv reader sees it.
        lines_before += (counted_to..at)
            .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .count();
        counted_to = at;
        lines_before + 1
    };
    for (i, record) in records.enumerate() {
        let record = record.map_err(|e| {
            let row = e.position().map(|p| line_at(p.byte())).unwrap_or(i + 2);
            TableError::Row { file: file.into(), row, message: e.to_string() }
        })?;
        let number = record.position().map(|p| line_at(p.byte())).unwrap_or(i + 2);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            return Err(TableError::Row {
                file: file.into(),
                row: number,
                message: format!("rækken har {} felter, men overskriften har {}", record.len(), headers.len()),
            });
        }
        rows.push(Row { number, cells: record.iter().map(|c| c.trim().to_string()).collect() });
    }
    let table = Table { file: file.into(), dialect, headers, rows };
    table.check_unique_headers()?;
    Ok(table)
}

/// Limits on a workbook read from an upload: a small zip can unpack to gigabytes, and one cell
/// far down and to the right would make a dense sheet of billions of cells.
pub const XLSX_MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
pub const XLSX_MAX_CELLS: usize = 5_000_000;
pub const XLSX_MAX_COLUMNS: u32 = 200;

/// Reads the first sheet of a workbook, cell by cell (never as a dense range), within the
/// limits above. Row numbers are the sheet's own.
pub fn read_xlsx(file: &str, bytes: &[u8]) -> Result<Table, TableError> {
    use calamine::{Data, DataRef, Reader, Xlsx};
    use std::collections::BTreeMap;
    let unreadable = |e: String| TableError::Unreadable { file: file.into(), message: e };
    check_unpacked_size(bytes).map_err(unreadable)?;
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let sheet =
        workbook.sheet_names().first().cloned().ok_or_else(|| unreadable("projektmappen har ingen ark".into()))?;
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(|e| unreadable(e.to_string()))?;
    let text = |d: Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => format_float(f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    let (mut grid, mut count, mut first_column) = (BTreeMap::<u32, Vec<(u32, String)>>::new(), 0usize, u32::MAX);
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(e.to_string()))? {
        count += 1;
        if count > XLSX_MAX_CELLS {
            return Err(unreadable(format!("arket har flere end {XLSX_MAX_CELLS} celler")));
        }
        let (row, column) = cell.get_position();
        if column >= XLSX_MAX_COLUMNS {
            return Err(unreadable(format!(
                "række {}: arket har flere end {XLSX_MAX_COLUMNS} kolonner",
                u64::from(row) + 1
            )));
        }
        let value = text(Data::from(cell.get_value().clone()));
        if value.is_empty() || matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        first_column = first_column.min(column);
        grid.entry(row).or_default().push((column, value));
    }
    let width = grid.values().flatten().map(|(c, _)| c - first_column + 1).max().unwrap_or(0) as usize;
    let mut rows = grid.into_iter().map(|(row, values)| {
        let mut cells = vec![String::new(); width];
        for (column, value) in values {
            cells[(column - first_column) as usize] = value;
        }
        Row { number: row as usize + 1, cells }
    });
    let headers = rows.next().ok_or(TableError::Empty { file: file.into() })?.cells;
    let table = Table { file: file.into(), dialect: Dialect::Standard, headers, rows: rows.collect() };
    table.check_unique_headers()?;
    Ok(table)
}

/// Refuses a workbook whose parts unpack to more than [`XLSX_MAX_UNPACKED_BYTES`] together,
/// by the sizes its directory declares. (A part that understates its size is caught only by
/// its checksum after reading; the route's upload limit bounds that case.)
fn check_unpacked_size(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("filen er ikke en Excel-projektmappe (XLSX): {e}"))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| format!("filen er beskadiget: {e}"))?;
        total = total.saturating_add(entry.size());
    }
    if total > XLSX_MAX_UNPACKED_BYTES {
        return Err(format!(
            "projektmappen fylder {} MB udpakket; højst {} MB kan læses",
            total / 1024 / 1024,
            XLSX_MAX_UNPACKED_BYTES / 1024 / 1024
        ));
    }
    Ok(())
}

/// Whole numbers without a fraction, others as Rust writes them (decimal point).
fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { f.to_string() }
}

impl Table {
    fn check_unique_headers(&self) -> Result<(), TableError> {
        for (i, h) in self.headers.iter().enumerate() {
            if self.headers[..i].iter().any(|o| o.eq_ignore_ascii_case(h)) {
                return Err(TableError::DuplicateColumn { file: self.file.clone(), column: h.clone() });
            }
        }
        Ok(())
    }

    /// The index of a column (case-insensitive), if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The indexes of columns that must be present, in the order asked.
    pub fn require(&self, names: &[&str]) -> Result<Vec<usize>, TableError> {
        names
            .iter()
            .map(|n| {
                self.column(n).ok_or_else(|| TableError::MissingColumn {
                    file: self.file.clone(),
                    column: n.to_string(),
                    expected: names.join(", "),
                })
            })
            .collect()
    }

    pub fn cell_error(&self, row: &Row, column: usize, message: impl Into<String>) -> TableError {
        TableError::Cell {
            file: self.file.clone(),
            row: row.number,
            column: self.headers.get(column).cloned().unwrap_or_default(),
            message: message.into(),
        }
    }

    /// A decimal number in the file's dialect.
    pub fn number(&self, row: &Row, column: usize) -> Result<f64, TableError> {
        let raw = row.cells.get(column).map(String::as_str).unwrap_or("");
        parse_number(raw, self.dialect).ok_or_else(|| {
            let example = if self.dialect == Dialect::Dansk { "1234,5" } else { "1234.5" };
            let found = if raw.is_empty() { "et tomt felt".to_string() } else { format!("«{raw}»") };
            self.cell_error(row, column, format!("fandt {found}, forventede et tal som {example}"))
        })
    }

    /// A whole number, such as a count or a number of øre.
    pub fn integer(&self, row: &Row, column: usize) -> Result<i64, TableError> {
        let value = self.number(row, column)?;
        if value.fract() != 0.0 || value.abs() > 9e15 {
            let raw = row.cells.get(column).cloned().unwrap_or_default();
            return Err(self.cell_error(row, column, format!("fandt «{raw}», forventede et helt tal")));
        }
        Ok(value as i64)
    }

    /// The text of a cell, required to be non-empty.
    pub fn text<'a>(&self, row: &'a Row, column: usize) -> Result<&'a str, TableError> {
        match row.cells.get(column).map(String::as_str) {
            Some(t) if !t.is_empty() => Ok(t),
            _ => Err(self.cell_error(row, column, "fandt et tomt felt, forventede en værdi")),
        }
    }
}

/// Parses "1234.5" (standard) or "1.234,5" (Danish); a leading minus is allowed.
pub fn parse_number(raw: &str, dialect: Dialect) -> Option<f64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let normalised = match dialect {
        Dialect::Standard => raw.replace('_', ""),
        Dialect::Dansk => raw.replace('.', "").replace(',', "."),
    };
    // Only plain decimal notation: no "inf", "NaN" or exponents from a stray cell.
    let plain = normalised.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
    if !plain || normalised.matches('.').count() > 1 {
        return None;
    }
    normalised.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A cell of a table to write: text, or a number a spreadsheet can compute with.
#[derive(Debug, Clone, PartialEq)]
pub enum Celle {
    Tekst(String),
    /// A whole number (a year, an organisation number): written without decimals.
    Heltal(i64),
    /// A measured value: four decimals in CSV.
    Tal(f64),
    Tom,
}

/// Writes a table as CSV: the ordinary dialect (comma, decimal point, UTF-8), or the Danish
/// Excel dialect (semicolon, decimal comma, UTF-8 with a byte order mark, which is how Excel
/// set to Danish recognises UTF-8), so the file opens as columns of numbers in either.
pub fn csv(dialect: Dialect, overskrifter: &[&str], raekker: &[Vec<Celle>]) -> Vec<u8> {
    let dansk = dialect == Dialect::Dansk;
    let mut out = Vec::new();
    if dansk {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv::WriterBuilder::new().delimiter(if dansk { b';' } else { b',' }).from_writer(out);
    w.write_record(overskrifter).expect("writing to memory");
    for r in raekker {
        w.write_record(r.iter().map(|c| match c {
            Celle::Tekst(t) => t.clone(),
            Celle::Heltal(n) => n.to_string(),
            Celle::Tal(x) if dansk => format!("{x:.4}").replace('.', ","),
            Celle::Tal(x) => format!("{x:.4}"),
            Celle::Tom => String::new(),
        }))
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Writes one sheet with a bold, frozen and filterable header row as an XLSX file in memory.
pub fn xlsx(ark: &str, overskrifter: &[&str], raekker: &[Vec<Celle>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(ark)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in overskrifter.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, raekke) in raekker.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, celle) in raekke.iter().enumerate() {
            match celle {
                Celle::Tekst(t) => sheet.write_string(r, c as u16, t)?,
                Celle::Heltal(n) => sheet.write_number(r, c as u16, *n as f64)?,
                Celle::Tal(x) => sheet.write_number(r, c as u16, *x)?,
                Celle::Tom => sheet,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !overskrifter.is_empty() {
        sheet.autofilter(0, 0, raekker.len() as u32, overskrifter.len() as u16 - 1)?;
    }
    sheet.autofit();
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_csv() {
        let t = read_bytes("a.csv", b"afdeling,109\nA,12.5\n\nB,3\n").unwrap();
        assert_eq!(t.dialect, Dialect::Standard);
        assert_eq!(t.headers, ["afdeling", "109"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].number, 4, "blank lines keep the file's row numbers: {:?}", t.rows);
        assert_eq!(t.number(&t.rows[0], 1).unwrap(), 12.5);
    }

    #[test]
    fn danish_excel_csv_in_windows_1252() {
        // "Ærø" in Windows-1252, a BOM-less file with semicolons and decimal commas.
        let mut bytes = b"afdeling;navn;109\n1;\xC6r\xF8;1.234,5\n".to_vec();
        bytes.extend_from_slice(b"2;x;-7\n");
        let t = read_bytes("b.csv", &bytes).unwrap();
        assert_eq!(t.dialect, Dialect::Dansk);
        assert_eq!(t.rows[0].cells[1], "Ærø");
        assert_eq!(t.number(&t.rows[0], 2).unwrap(), 1234.5);
        assert_eq!(t.number(&t.rows[1], 2).unwrap(), -7.0);
    }

    #[test]
    fn utf8_with_bom() {
        let t = read_bytes("c.csv", "\u{FEFF}afdeling;navn\n1;Ærø\n".as_bytes()).unwrap();
        assert_eq!(t.headers[0], "afdeling");
        assert_eq!(t.rows[0].cells[1], "Ærø");
    }

    #[test]
    fn errors_name_file_row_column_value_and_expectation() {
        let t = read_bytes("d.csv", b"afdeling;109\n1;12,5x\n").unwrap();
        let e = t.number(&t.rows[0], 1).unwrap_err().to_string();
        assert_eq!(e, "d.csv, række 2, kolonne «109»: fandt «12,5x», forventede et tal som 1234,5");
        let counts = read_bytes("h.csv", b"afdeling;antal\n1;2,5\n").unwrap();
        let e = counts.integer(&counts.rows[0], 1).unwrap_err().to_string();
        assert_eq!(e, "h.csv, række 2, kolonne «antal»: fandt «2,5», forventede et helt tal");
        let missing = t.require(&["afdeling", "gruppe"]).unwrap_err().to_string();
        assert!(missing.contains("kolonnen «gruppe» mangler"), "{missing}");
        let short = read_bytes("e.csv", b"a,b\n1\n").unwrap_err().to_string();
        assert!(short.starts_with("e.csv, række 2:"), "{short}");
        assert!(read_bytes("f.pdf", b"x").unwrap_err().to_string().contains("understøttes ikke"));
        assert!(read_bytes("g.csv", b"a,a\n1,2\n").unwrap_err().to_string().contains("mere end én gang"));
    }

    #[test]
    fn written_sheets_read_back() {
        let bytes = xlsx(
            "Oversigt",
            &["organisation", "røde"],
            &[vec![Celle::Tekst("Bo A/S".into()), Celle::Heltal(3)], vec![Celle::Tom, Celle::Tal(0.5)]],
        )
        .unwrap();
        let raekker = [vec![Celle::Tekst("Bo, A/S".into()), Celle::Tal(0.5)]];
        let text = String::from_utf8(csv(Dialect::Standard, &["organisation", "røde"], &raekker)).unwrap();
        assert_eq!(text, "organisation,røde\n\"Bo, A/S\",0.5000\n");
        // The Danish Excel dialect, read back by the importer as the same table.
        let dansk = csv(Dialect::Dansk, &["organisation", "røde"], &raekker);
        assert_eq!(String::from_utf8(dansk.clone()).unwrap(), "\u{feff}organisation;røde\nBo, A/S;0,5000\n");
        let t = read_bytes("dansk.csv", &dansk).unwrap();
        assert_eq!(t.dialect, Dialect::Dansk);
        assert_eq!(t.rows[0].cells, ["Bo, A/S", "0,5000"]);
        let t = read_bytes("oversigt.xlsx", &bytes).unwrap();
        assert_eq!(t.headers, ["organisation", "røde"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells, ["Bo A/S", "3"]);
    }

    #[test]
    fn xlsx_far_cells_and_wide_sheets_are_refused_without_a_dense_sheet() {
        // One cell at the last row and column would be 17 billion cells as a dense range.
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write(0, 0, "afdeling").unwrap();
        sheet.write(1_048_575, 16_383, 1).unwrap();
        let e = read_bytes("far.xlsx", &workbook.save_to_buffer().unwrap()).unwrap_err().to_string();
        assert!(e.contains("række 1048576") && e.contains("flere end 200 kolonner"), "{e}");
        // Far down but narrow is fine, and keeps the sheet's own row number.
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write(0, 0, "afdeling").unwrap();
        sheet.write(1_048_575, 0, "Z").unwrap();
        let t = read_bytes("low.xlsx", &workbook.save_to_buffer().unwrap()).unwrap();
        assert_eq!(t.rows[0].number, 1_048_576);
    }

    #[test]
    fn a_workbook_that_unpacks_beyond_the_limit_is_refused() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..(XLSX_MAX_UNPACKED_BYTES >> 20) + 1 {
            zip.write_all(&zeros).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 2 << 20, "a small upload: {} bytes", bytes.len());
        let e = read_bytes("bombe.xlsx", &bytes).unwrap_err().to_string();
        assert!(e.contains("udpakket"), "{e}");
    }

    #[test]
    fn xlsx_first_sheet_with_native_numbers() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write(0, 0, "afdeling").unwrap();
        sheet.write(0, 1, "109").unwrap();
        sheet.write(1, 0, "A").unwrap();
        sheet.write(1, 1, 12.5).unwrap();
        sheet.write(3, 0, "B").unwrap();
        sheet.write(3, 1, 3).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let t = read_bytes("x.xlsx", &bytes).unwrap();
        assert_eq!(t.headers, ["afdeling", "109"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].number, 4);
        assert_eq!(t.number(&t.rows[0], 1).unwrap(), 12.5);
        assert_eq!(t.integer(&t.rows[1], 1).unwrap(), 3);
        assert!(
            read_bytes("broken.xlsx", b"not a zip")
                .unwrap_err()
                .to_string()
                .starts_with("broken.xlsx: filen kan ikke læses")
        );
    }

    #[test]
    fn numbers_refuse_what_is_not_plain_decimal() {
        for bad in ["", "1e5", "inf", "NaN", "1.2.3", "--1", "12 kr"] {
            assert_eq!(parse_number(bad, Dialect::Standard), None, "{bad}");
        }
        assert_eq!(parse_number("1.234.567,89", Dialect::Dansk), Some(1_234_567.89));
        assert_eq!(parse_number("-0.5", Dialect::Standard), Some(-0.5));
    }
}
