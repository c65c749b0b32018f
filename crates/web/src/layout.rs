//! What every page shares: the layout (title, signed-in user, navigation, CSRF token,
//! message after a redirect, field errors) and the user's start page.

use app::{FieldError, SessionUser};
use domain::access::Role;

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub role_label: Option<&'static str>,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub besked: Option<&'static str>,
    /// The DKFDS alert the message is shown in: "success", or "warning" when it asks for more.
    pub besked_art: &'static str,
    pub errors: Vec<FieldError>,
    /// When the signed-in user's session ends (RFC 3339), for the expiry warning.
    pub session_udloeber: Option<String>,
}

/// Messages shown after a redirect, chosen by key so no text travels in the URL.
const BESKEDER: &[(&str, &str)] = &[
    ("gemt", "Dine svar er gemt."),
    ("gemt_med_fejl", "Dine svar er gemt, men der er fejl, som skal rettes, før pakken kan indsendes."),
    ("modtaget", "Pakken er kvitteret som modtaget."),
    ("returneret", "Pakken er sendt retur til organisationen med din begrundelse."),
    ("moede", "Mødet er registreret som afholdt."),
    ("moede_flyttet", "Mødet er flyttet. De indkaldte får et brev og en opdateret kalenderfil."),
    ("moede_aflyst", "Mødet er aflyst. De indkaldte får et brev, og mødet fjernes fra deres kalender."),
    ("redegoerelse_gemt", "Redegørelsen er gemt som udkast."),
    ("hoering", "Redegørelsen er sendt i høring hos organisationen."),
    ("offentliggjort", "Redegørelsen er offentliggjort."),
    ("pakker_oprettet", "Pakkerne er oprettet."),
    ("beregnet", "Nøgletal, benchmarks og effektivitetstal er beregnet for hele landet."),
    ("logget_ud", "Du er logget ud."),
    ("bruger_oprettet", "Kontoen er oprettet. Brugeren kan logge ind med det kodeord, du valgte."),
    ("bruger_spaerret", "Kontoen er spærret, og alle dens sessioner er afsluttet."),
    ("bruger_genaktiveret", "Kontoen er genåbnet. Brugeren kan logge ind igen."),
    ("markeret", "De valgte afdelingsskemaer er markeret: ingen særlige udfordringer."),
    ("markeret_delvis", "De valgte afdelingsskemaer er markeret. Svar, der allerede var givet, er ikke ændret."),
    (
        "markeret_kritiske",
        "De valgte afdelingsskemaer er markeret. Afdelinger med kritiske nøgletal har ikke fået punkt B udfyldt: åbn dem med filteret «I gang» og udfyld punkt B i hvert skema.",
    ),
    ("bilag_tilfoejet", "Filen er kontrolleret og vedhæftet."),
    ("frist_fastsat", "Fristen er sat."),
    ("bilag_fjernet", "Filen er fjernet fra pakken. Den gemmes fortsat i pakkens historik."),
    (
        "sidste_aar",
        "Sidste års svar er hentet ind, hvor spørgsmålene ikke var besvaret. Gennemgå dem, før du indsender.",
    ),
    ("sidste_aar_intet", "Der var ingen ubesvarede spørgsmål, som sidste år havde et svar til."),
    ("skabelon_indlaest", "Skabelonen er indlæst og gælder fra nu af."),
    ("indkaldt", "Indkaldelsen er gemt og sendt som mail med kalenderfil."),
    ("noegle_tilbagekaldt", "Nøglen er tilbagekaldt og virker ikke længere."),
    ("webhook_deaktiveret", "Endepunktet er deaktiveret. Ventende leverancer er opgivet."),
    ("leverance_sendes_igen", "Leverancen sendes igen inden for få sekunder."),
    ("proeve_sendt", "En prøvehændelse er sat i kø og sendes inden for få sekunder."),
    ("session_afsluttet", "Sessionen er afsluttet. Den browser skal logge ind igen."),
    ("bemaerkning", "Jeres bemærkninger er sendt til kommunen."),
    ("aftale_oprettet", "Aftalen er registreret."),
    ("aftale_opdateret", "Aftalens status er gemt."),
    ("mail_sendes_igen", "Mailen sendes igen ved næste levering."),
    ("paamindelse_sendt", "Påmindelsen er sendt som mail til organisationens brugere."),
    ("paamindelse_allerede", "Organisationen har allerede fået en påmindelse i dag."),
    (
        "ikke_modtaget",
        "Pakken er registreret som ikke modtaget. Kommunen kan nu holde dialogen uden pakken, og organisationen har fået besked.",
    ),
    ("tilsynsreaktion", "Henstillingen eller påbuddet er registreret og sendt som mail til organisationens brugere."),
    ("rapportperiode_fastsat", "Rapportperioden er fastsat."),
    ("varsler_sendt", "Hver kommune med varsler har fået sin liste som regneark i en mail."),
    ("varsler_allerede", "Årets varsler er allerede sendt til kommunerne. De sendes kun én gang pr. styringsår."),
];

/// Messages that report a success with something still to do.
const ADVARSLER: &[&str] = &[
    "gemt_med_fejl",
    "markeret_delvis",
    "markeret_kritiske",
    "sidste_aar_intet",
    "paamindelse_allerede",
    "varsler_allerede",
];

impl Layout {
    pub fn anonymous(title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            user_name: None,
            role_label: None,
            csrf: String::new(),
            nav: nav(None, ""),
            besked: None,
            besked_art: "success",
            errors: vec![],
            session_udloeber: None,
        }
    }

    pub fn new(title: &str, user: Option<&SessionUser>, csrf: &str, path: &str) -> Layout {
        Layout {
            title: title.to_string(),
            user_name: user.map(|u| u.display_name.clone()),
            role_label: user.map(|u| u.principal.role.label()),
            csrf: csrf.to_string(),
            nav: nav(user.map(|u| u.principal.role), path),
            besked: None,
            besked_art: "success",
            errors: vec![],
            session_udloeber: user.map(|u| u.expires_at.to_rfc3339()),
        }
    }

    pub fn with_besked(mut self, key: Option<&str>) -> Layout {
        self.besked = key.and_then(|k| BESKEDER.iter().find(|(id, _)| *id == k).map(|(_, text)| *text));
        self.besked_art = if key.is_some_and(|k| ADVARSLER.contains(&k)) { "warning" } else { "success" };
        self
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Layout {
        self.errors = errors;
        self
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// The page title; pages with errors say so first, as screen readers announce it.
    pub fn full_title(&self) -> String {
        if self.errors.is_empty() { self.title.clone() } else { format!("Fejl: {}", self.title) }
    }
}

impl Layout {
    /// Error-summary entries: (link, message). A path links as given (an error in another
    /// section); anything else is a field on this page.
    pub fn error_links(&self) -> Vec<crate::format::Link> {
        self.errors
            .iter()
            .map(|e| {
                let href = if e.field.starts_with('/') { e.field.clone() } else { format!("#{}", e.field) };
                crate::format::Link { href, tekst: e.message.clone() }
            })
            .collect()
    }
}

/// The user's own start page (the front page when not signed in), as a link.
pub fn startside(role: Option<Role>) -> crate::format::Link {
    let (href, tekst) = match role {
        Some(role @ Role::Organisation) => (crate::paths::home(role), "Gå til Mine pakker"),
        Some(role @ Role::Kommune) => (crate::paths::home(role), "Gå til kommunens oversigt"),
        Some(role @ Role::Styrelse) => (crate::paths::home(role), "Gå til national status"),
        None => ("/", "Gå til forsiden"),
    };
    crate::format::Link { href: href.into(), tekst: tekst.into() }
}

fn nav(role: Option<Role>, path: &str) -> Vec<NavLink> {
    let mut links = vec![("/", "Forside")];
    match role {
        Some(Role::Organisation) => links.extend([("/organisation", "Mine pakker"), ("/aftaler", "Aftaler")]),
        Some(Role::Kommune) => links.extend([("/kommune", "Kommunens oversigt"), ("/aftaler", "Aftaler")]),
        Some(Role::Styrelse) => links.extend([("/styrelse", "National status"), ("/styrelse/brugere", "Brugere")]),
        None => {}
    }
    if role.is_some() {
        links.push(("/konto/api-noegler", "API-nøgler"));
        links.push(("/konto/webhooks", "Webhooks"));
        links.push(("/konto/sessioner", "Sessioner"));
    }
    links.push(("/offentlig", "Offentlige data"));
    // The most specific link the path lies under is the active one.
    let active = links
        .iter()
        .map(|(href, _)| *href)
        .filter(|href| if *href == "/" { path == "/" } else { path.starts_with(href) })
        .max_by_key(|href| href.len());
    links.into_iter().map(|(href, label)| NavLink { href, label, active: active == Some(href) }).collect()
}
