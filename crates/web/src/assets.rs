//! Static files embedded in the binary: the DKFDS Virk theme from npm and our own CSS.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/node_modules/dkfds/dist/"]
#[include = "css/dkfds-virkdk.min.css"]
#[include = "js/dkfds.min.js"]
#[include = "fonts/IBMPlexSans/complete/woff2/*"]
#[include = "fonts/IBMPlexSans/complete/woff/*"]
#[include = "img/*"]
struct Dkfds;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Own;

pub async fn serve(Path(path): Path<String>) -> Response {
    let file = match path.strip_prefix("dkfds/") {
        Some(rest) => Dkfds::get(rest),
        None => Own::get(&path),
    };
    match file {
        Some(f) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.to_string()),
                    (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
                ],
                f.data.into_owned(),
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Browsers ask for `/favicon.ico` on every site whatever the page links.
pub async fn favicon() -> Response {
    serve(Path("favicon.ico".to_string())).await
}
