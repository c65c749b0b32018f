//! Rendering pages and files: a template as a response, file downloads and paging. (The
//! layout every page shares is in `layout`, Danish formatting in `format`.)

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::error::WebError;

/// Renders a template as a 200 page.
pub fn render(t: &impl Template) -> Result<Response, WebError> {
    Ok(Html(t.render()?).into_response())
}

/// Renders with a status (form errors are 422, so tools see the failure).
pub fn render_status(status: axum::http::StatusCode, t: &impl Template) -> Result<Response, WebError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// A Content-Disposition value (RFC 6266): an ASCII fallback name and the UTF-8 name, so that
/// Danish letters survive in every browser. `art` is "inline" or "attachment".
pub fn content_disposition(art: &str, filnavn: &str) -> String {
    let ascii: String =
        filnavn.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let utf8: String = url::form_urlencoded::byte_serialize(filnavn.as_bytes()).collect::<String>().replace('+', "%20");
    format!("{art}; filename=\"{ascii}\"; filename*=UTF-8''{utf8}")
}

/// A file as a response: its type, and its name for the browser (`art`: "inline" to show it,
/// "attachment" to save it).
pub fn fil_svar(
    mime: &str,
    art: &str,
    filnavn: &str,
    indhold: impl axum::response::IntoResponse,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, mime.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, content_disposition(art, filnavn)),
        ],
        indhold,
    )
        .into_response()
}

/// A page link in a paged list.
pub struct SideLink {
    pub nummer: u32,
    pub href: String,
    pub aktuel: bool,
}

/// DKFDS pagination of a list read one page at a time: the page numbers around the current
/// one, the first and the last, with gaps (`None`) between.
pub struct Sider {
    pub nummer: u32,
    pub antal: u32,
    pub i_alt: i64,
    pub forrige: Option<String>,
    pub naeste: Option<String>,
    pub punkter: Vec<Option<SideLink>>,
}

impl Sider {
    pub fn new<T>(udsnit: &store::Udsnit<T>, href: impl Fn(u32) -> String) -> Sider {
        let antal = udsnit.antal_sider();
        let nummer = udsnit.side.nummer().min(antal);
        let vis = |n: u32| n == 1 || n == antal || n.abs_diff(nummer) <= 1;
        let mut punkter = Vec::new();
        for n in 1..=antal {
            if vis(n) {
                punkter.push(Some(SideLink { nummer: n, href: href(n), aktuel: n == nummer }));
            } else if punkter.last().is_some_and(Option::is_some) {
                punkter.push(None);
            }
        }
        Sider {
            nummer,
            antal,
            i_alt: udsnit.i_alt,
            forrige: (nummer > 1).then(|| href(nummer - 1)),
            naeste: (nummer < antal).then(|| href(nummer + 1)),
            punkter,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_danish_letters() {
        assert_eq!(
            content_disposition("inline", "Årsberetning 2026.pdf"),
            "inline; filename=\"_rsberetning_2026.pdf\"; filename*=UTF-8''%C3%85rsberetning%202026.pdf"
        );
    }
}
