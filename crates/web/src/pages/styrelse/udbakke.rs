//! The outbox, for the agency (every mail the system sends, with its delivery), and the
//! kommune's reminder to an organisation.

use crate::AppState;
use crate::error::PageResult;
use crate::format::tidspunkt;
use crate::layout::Layout;
use crate::pages::redirect_with;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::render;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use store::PakkeId;

#[derive(Template)]
#[template(path = "udbakke.html")]
struct UdbakkeSide {
    layout: Layout,
    mails: Vec<MailVisning>,
    sider: crate::view::Sider,
}

/// A mail of the outbox as the page shows it.
struct MailVisning {
    id: store::MailId,
    oprettet: String,
    til: String,
    emne: String,
    tilstand: &'static str,
    badge: &'static str,
    fejl: String,
    kan_sendes_igen: bool,
}

/// The newest mails with their delivery state, so an operator can see what waits, what failed
/// and what has an unknown outcome (a sender died mid-send; it is never resent by itself, but
/// the agency may send it again after checking the SMTP server's log).
pub async fn udbakke(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<UdbakkeQuery>,
) -> PageResult {
    let side = store::Side::new(q.side.as_deref().and_then(|s| s.parse().ok()).unwrap_or(1), UDBAKKE_PR_SIDE);
    let udsnit = state.app.udbakke(&user, side).await?;
    let sider = crate::view::Sider::new(&udsnit, |n| format!("/styrelse/udbakke?side={n}"));
    let mails = udsnit
        .raekker
        .into_iter()
        .map(|m| {
            let ukendt = state.app.ukendt_udfald(&m);
            let (tilstand, badge) = match (m.sendt, m.afsendes, &m.sidste_fejl) {
                (Some(_), _, _) => ("Sendt", "badge-success"),
                (None, Some(_), _) if ukendt => ("Ukendt udfald", "badge-error"),
                (None, Some(_), _) => ("Sendes nu", "badge-info"),
                (None, None, Some(_)) => ("Fejlet, prøves igen", "badge-warning"),
                (None, None, None) => ("Venter", "badge-info"),
            };
            MailVisning {
                id: m.id,
                oprettet: tidspunkt(m.mail.oprettet),
                til: m.mail.til,
                emne: m.mail.emne,
                tilstand,
                badge,
                fejl: m.sidste_fejl.unwrap_or_default(),
                kan_sendes_igen: ukendt,
            }
        })
        .collect();
    render(&UdbakkeSide {
        layout: Layout::new("Udbakke", Some(&user), &csrf, "/styrelse").with_besked(q.besked.as_deref()),
        mails,
        sider,
    })
}

/// Mails per page of the outbox.
const UDBAKKE_PR_SIDE: u32 = 100;

#[derive(Deserialize, Default)]
pub struct UdbakkeQuery {
    side: Option<String>,
    besked: Option<String>,
}

/// POST /styrelse/udbakke/{id}/send-igen: the agency sends a mail of unknown outcome again.
pub async fn send_mail_igen(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<store::MailId>,
) -> PageResult {
    state.app.send_mail_igen(&user, id).await?;
    Ok(redirect_with("/styrelse/udbakke", "mail_sendes_igen"))
}

/// "Send påmindelse" from the overview: a reminder mail to the organisation's users.
pub async fn send_paamindelse(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> PageResult {
    let sendt = state.app.send_paamindelse(&user, PakkeId(id)).await?;
    let besked = if sendt > 0 { "paamindelse_sendt" } else { "paamindelse_allerede" };
    Ok(redirect_with("/kommune", besked))
}
