//! Reading an uploaded file (pages and API take the same multipart form).

use app::AppError;
use axum::extract::Multipart;
use axum::http::StatusCode;

/// The largest attachment any rule set allows, in MB: the upload routes take that much (plus
/// the form's framing) and no more.
pub fn stoerste_mb(app: &app::App) -> u32 {
    app.settings().regler.saet.iter().map(|r| r.bilag.max_megabyte).max().unwrap_or(20)
}

/// An upload form's fields: the kind (`art`), and the file (`fil`) with its name. The app
/// checks both; a missing field arrives empty. A body over the route's limit is the user's
/// file being too large, said in the kind's own field (browsers send the kind first).
pub async fn les_upload(mut multipart: Multipart, max_mb: u32) -> Result<(String, String, Vec<u8>), AppError> {
    let (mut art, mut fil) = (String::new(), None);
    let unreadable = |art: &str, e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let felt = if art.is_empty() { "fil".to_string() } else { format!("bilag.{art}") };
            AppError::field(&felt, format!("Filen er større end {max_mb} MB. Vælg en mindre fil."))
        } else {
            AppError::field("fil", format!("Filen kunne ikke modtages: {}", e.body_text()))
        }
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(unreadable(&art, e)),
        };
        match field.name().unwrap_or("") {
            "art" => art = field.text().await.map_err(|e| unreadable("", e))?,
            "fil" => {
                let name = field.file_name().unwrap_or("").to_string();
                fil = Some((name, field.bytes().await.map_err(|e| unreadable(&art, e))?.to_vec()));
            }
            _ => {}
        }
    }
    let (name, bytes) = fil.unwrap_or_default();
    Ok((art, name, bytes))
}
