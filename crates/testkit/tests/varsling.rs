//! Early warning across years: the agency's national list (page, API, XLSX, the yearly mail)
//! and the kommune's own, on both engines. The lists must agree with the stored figures they
//! summarise, follow a change of the data, and keep each kommune to its own organisations.

use std::collections::BTreeSet;
use testkit::{TestApp, demo_with_years};

fn varsler(json: &serde_json::Value) -> &Vec<serde_json::Value> {
    json["data"].as_array().expect("a list")
}

#[tokio::test]
async fn the_national_list_agrees_with_the_stored_marks_and_each_kommune_sees_only_its_own() {
    let t = TestApp::spawn_with(demo_with_years(0.05, 5)).await;
    let store = t.app.store();
    let styrelse = t.client().login_token("styrelse").await;
    let c = t.client();

    let svar =
        c.api(reqwest::Method::GET, "/api/v1/styrelse/varsler?aar=2026&pr_side=500", &styrelse, None, None).await;
    assert_eq!(svar.status, 200, "{}", svar.json);
    let alle = varsler(&svar.json).clone();
    assert!(!alle.is_empty(), "five years of demo data trip some signals");
    let i_alt = svar.json["i_alt"].as_u64().unwrap();
    assert!(i_alt >= alle.len() as u64, "one page of the list");

    // Every repeated critical figure: the years it counts are marked in the store, the others
    // are not, and they are at least 3 of the 4.
    let mut tjekket = 0;
    for v in alle.iter().filter(|v| v["signal"] == "gentaget_kritisk") {
        let nummer = domain::OrganisationNummer::new(v["organisationsnummer"].as_i64().unwrap()).unwrap();
        let org = store.organisation_by_nummer(nummer).await.unwrap().expect("organisation");
        let figur = v["noegletal"].as_str().expect("a figure");
        let enhed = match v["afdelingsnummer"].as_i64() {
            Some(n) => {
                let afdelinger = store.afdelinger(org.id).await.unwrap();
                afdelinger.iter().find(|a| i64::from(a.data.nummer.get()) == n).expect("afdeling").id.0
            }
            None => org.id.0,
        };
        let tal = v["tal"].as_array().unwrap();
        assert_eq!(tal.len(), 4, "{v}");
        let taeller = tal.iter().filter(|x| x["taeller"] == true).count();
        assert!((3..=4).contains(&taeller), "{v}");
        for x in tal {
            let aar = domain::Styringsaar::new(x["aar"].as_i64().unwrap()).unwrap();
            let markeret = store
                .markerede_noegletal(aar, &[org.id])
                .await
                .unwrap()
                .iter()
                .any(|(_, m)| m.enhed_id == enhed && m.noegletal == figur);
            assert_eq!(markeret, x["taeller"] == true, "{aar}: {v}");
        }
        tjekket += 1;
        if tjekket == 25 {
            break;
        }
    }
    assert!(tjekket > 0, "the demo has repeated critical figures");

    // Filters and their refusals.
    let filtreret = c
        .api(
            reqwest::Method::GET,
            "/api/v1/styrelse/varsler?signal=gentaget_kritisk&pr_side=500",
            &styrelse,
            None,
            None,
        )
        .await;
    assert_eq!(filtreret.status, 200);
    assert!(varsler(&filtreret.json).iter().all(|v| v["signal"] == "gentaget_kritisk"));
    let ukendt = c
        .api(reqwest::Method::GET, "/api/v1/styrelse/varsler?signal=noget&boligtype=villa", &styrelse, None, None)
        .await;
    assert_eq!(ukendt.status, 422);
    let felter: Vec<&str> =
        ukendt.json["fejl"]["felter"].as_array().unwrap().iter().map(|f| f["felt"].as_str().unwrap()).collect();
    assert_eq!(felter, ["signal", "boligtype"]);

    // The page and the export show the same list.
    let side = t.client();
    side.login("styrelse").await;
    let page = side.get("/styrelse/varsler?aar=2026").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tidlig varsling, styringsår 2026"));
    assert!(page.body.contains(&format!("{i_alt} signaler")), "the count on the page");
    let xlsx = side.http.get(format!("{}/styrelse/varsler.xlsx?aar=2026", t.base)).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = xlsx.bytes().await.unwrap();
    let tabel = tabular::read_xlsx("varsler.xlsx", &bytes).expect("a readable XLSX");
    assert_eq!(tabel.rows.len() as u64, i_alt, "one row per warning, every page");

    // The kommune: its own organisations, and afdelinger in it; never the national list.
    let kommune = t.client().login_token("kommune").await;
    let egen = c.api(reqwest::Method::GET, "/api/v1/kommune/varsler?aar=2026&pr_side=500", &kommune, None, None).await;
    assert_eq!(egen.status, 200, "{}", egen.json);
    let kode = t.app.store().user_by_username("kommune").await.unwrap().unwrap().kommune.unwrap().get();
    for v in varsler(&egen.json) {
        assert!(v["kommunekode"] == kode || v["afdeling_kommunekode"] == kode, "{v}");
    }
    let her = c
        .api(
            reqwest::Method::GET,
            &format!("/api/v1/styrelse/varsler?kommune={kode}&pr_side=500"),
            &styrelse,
            None,
            None,
        )
        .await;
    let nationale_her: BTreeSet<String> = varsler(&her.json)
        .iter()
        .map(|v| format!("{}/{}/{}", v["organisationsnummer"], v["afdelingsnummer"], v["signal"]))
        .collect();
    let egne: BTreeSet<String> = varsler(&egen.json)
        .iter()
        .map(|v| format!("{}/{}/{}", v["organisationsnummer"], v["afdelingsnummer"], v["signal"]))
        .collect();
    assert!(!egne.is_empty(), "the demo kommune has signals");
    assert_eq!(egne, nationale_her, "the kommune's list is the national one filtered to the kommune");
    assert_eq!(c.api(reqwest::Method::GET, "/api/v1/styrelse/varsler", &kommune, None, None).await.status, 404);
    assert_eq!(t.client().get("/styrelse/varsler").await.status, 303, "anonymous: to the login");
    let org = t.client().login_token("boligorg").await;
    assert_eq!(c.api(reqwest::Method::GET, "/api/v1/kommune/varsler", &org, None, None).await.status, 404);
    assert_eq!(c.api(reqwest::Method::GET, "/api/v1/styrelse/varsler", &org, None, None).await.status, 404);
}

#[tokio::test]
async fn a_change_of_the_figures_reaches_the_kommunes_list_at_once() {
    let t = TestApp::spawn_with(demo_with_years(0.02, 3)).await;
    let store = t.app.store();
    let user = store.user_by_username("kommune").await.unwrap().unwrap();
    let kommune = user.kommune.unwrap();
    let c = t.client();
    let token = c.login_token("kommune").await;
    let foer = c.api(reqwest::Method::GET, "/api/v1/kommune/varsler?pr_side=500", &token, None, None).await;
    assert_eq!(foer.status, 200);

    // An afdeling of the kommune's own organisations with family homes and no signal of
    // vacancy and move-outs together: all its homes empty and moved out of in 2026.
    let orgs = store.organisationer_i_kommune(kommune).await.unwrap();
    let har = |nr: u32| {
        varsler(&foer.json).iter().any(|v| v["signal"] == "ledighed_og_fraflytning" && v["afdelingsnummer"] == nr)
    };
    let mut valgt = None;
    for o in orgs.iter().filter(|o| o.hjemstedskommune == kommune) {
        for a in store.afdelinger(o.id).await.unwrap() {
            if a.data.familie.antal > 0 && !a.data.under_opfoerelse && !har(a.data.nummer.get()) {
                valgt = Some((o.clone(), a));
                break;
            }
        }
        if valgt.is_some() {
            break;
        }
    }
    let (org, afdeling) = valgt.expect("an afdeling to change");
    let antal = afdeling.data.familie.antal;
    let csv = format!(
        "organisation,afdeling,boligtype,fraflytninger,ledige,aarsleje_pr_m2\n{},{},familie,{antal},{antal},950\n",
        org.nummer, afdeling.data.nummer
    );
    let tabel = tabular::read_csv("boligtal.csv", csv.as_bytes()).unwrap();
    let aar = domain::Styringsaar::new(2026).unwrap();
    t.app.import(None, app::ImportArt::Boligtal, aar, &tabel, false).await.expect("import");
    t.app.beregn(None, aar).await.expect("compute");

    let efter = c.api(reqwest::Method::GET, "/api/v1/kommune/varsler?pr_side=500", &token, None, None).await;
    let ny = varsler(&efter.json)
        .iter()
        .find(|v| v["signal"] == "ledighed_og_fraflytning" && v["afdelingsnummer"] == afdeling.data.nummer.get())
        .expect("the afdeling is flagged after the recomputation");
    assert!(ny["tal"].as_array().unwrap().iter().all(|x| x["taeller"] == true && x["aar"] == 2026));
    // The overview counts it, and the suggested agenda names it.
    let side = t.client();
    side.login("kommune").await;
    let oversigt = side.get("/kommune?aar=2026").await;
    assert!(oversigt.body.contains("Signaler over flere år"));
    let punkter = side.get("/kommune/opmaerksomhed?aar=2026").await;
    assert!(punkter.body.contains("Både ledighed og fraflytning kritiske"));
}

#[tokio::test]
async fn the_yearly_mail_goes_to_each_kommune_once_with_its_list_attached() {
    let t = TestApp::spawn_with(demo_with_years(0.05, 5)).await;
    let store = t.app.store();
    let c = t.client();
    c.login("styrelse").await;
    let sendt = c.post("/styrelse/varsler?aar=2026", "/styrelse/varsler/send", &[("aar", "2026")]).await;
    assert_eq!(sendt.status, 303);
    assert!(sendt.location.as_deref().unwrap().ends_with("besked=varsler_sendt"), "{:?}", sendt.location);
    let mails = store.udbakke(store::Side::new(1, 500)).await.unwrap();
    let varselmails: Vec<_> = mails.raekker.iter().filter(|m| m.mail.reference.starts_with("varsling/2026/")).collect();
    assert!(!varselmails.is_empty(), "the demo's kommune users get their lists");
    let kommune = store.user_by_username("kommune").await.unwrap().unwrap();
    let egen = varselmails
        .iter()
        .find(|m| Some(&m.mail.til) == kommune.email.as_ref())
        .expect("the demo kommune's user gets its list");
    let bilag = egen.mail.vedhaeftning.as_ref().expect("the list is attached");
    assert_eq!(bilag.art, store::VedhaeftningArt::Regneark);
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &bilag.indhold).unwrap();
    let tabel = tabular::read_xlsx(&bilag.navn, &bytes).expect("a readable XLSX");
    let token = t.client().login_token("kommune").await;
    let liste = c.api(reqwest::Method::GET, "/api/v1/kommune/varsler?pr_side=500", &token, None, None).await;
    assert_eq!(tabel.rows.len() as u64, liste.json["i_alt"].as_u64().unwrap(), "the kommune's own list");

    // Once: a second send is refused and adds nothing; the sending is audited.
    let igen = c.post("/styrelse/varsler?aar=2026", "/styrelse/varsler/send", &[("aar", "2026")]).await;
    assert!(igen.location.as_deref().unwrap().ends_with("besked=varsler_allerede"));
    assert_eq!(store.mails_med_praefiks("varsling/2026/").await.unwrap(), varselmails.len() as i64);
    let audit = store.audit_events(200).await.unwrap();
    assert_eq!(audit.iter().filter(|a| a.event.action == "varsler.sendt_til_kommuner").count(), 1);
    // Not for a kommune.
    let k = t.client();
    k.login("kommune").await;
    let afvist = k.post("/kommune", "/styrelse/varsler/send", &[("aar", "2026")]).await;
    assert_eq!(afvist.status, 404);
}
