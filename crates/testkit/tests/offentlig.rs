//! The public part's open data: only organisations whose meeting is held are in the files.

use std::collections::BTreeSet;
use testkit::TestApp;

async fn public_and_hidden(t: &TestApp, aar: i64) -> (BTreeSet<String>, BTreeSet<String>) {
    let aar = domain::Styringsaar::new(aar).unwrap();
    let mut public = BTreeSet::new();
    let mut hidden = BTreeSet::new();
    for f in t.app.store().pakke_forloeb(aar, None).await.unwrap() {
        let nummer = f.pakke.organisation_nummer.to_string();
        if f.pakke.status.key_figures_public() {
            public.insert(nummer)
        } else {
            hidden.insert(nummer)
        };
    }
    (public, hidden)
}

#[tokio::test]
async fn open_data_holds_only_figures_made_public_by_a_held_meeting() {
    let t = TestApp::spawn().await;
    let anonymous = t.client();
    let page = anonymous.get("/offentlig/data").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/offentlig/data/2025/noegletal.csv"));
    for aar in [2025, 2026] {
        let (public, hidden) = public_and_hidden(&t, aar).await;
        for fil in ["noegletal.csv", "noegletal.xlsx"] {
            let url = format!("{}/offentlig/data/{aar}/{fil}", anonymous.base);
            let r = anonymous.http.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 200, "{url}");
            let bytes = r.bytes().await.unwrap();
            let table = tabular::read_bytes(fil, &bytes).unwrap();
            assert_eq!(table.headers, app::EKSPORT_KOLONNER);
            let in_file: BTreeSet<String> = table.rows.iter().map(|r| r.cells[2].clone()).collect();
            assert_eq!(in_file, public, "{aar} {fil}: exactly the organisations with a held meeting");
            assert!(in_file.is_disjoint(&hidden), "{aar} {fil}: ungated figures leaked");
            if aar == 2025 {
                assert!(!in_file.is_empty(), "last year's figures are public");
                assert!(table.rows.iter().any(|r| r.cells[4] == "effektivitetstal"));
            }
        }
    }
    // The 2026 package of boligorg is a draft: none of its figures are in the file.
    let (_, hidden) = public_and_hidden(&t, 2026).await;
    assert!(!hidden.is_empty());
    assert_eq!(anonymous.get("/offentlig/data/2026/noegletal.pdf").await.status, 404);
    assert_eq!(anonymous.get("/offentlig/data/aar/noegletal.csv").await.status, 404);
}

/// The rows of one table (by id) of a page: the text of its cells.
fn table_cells(body: &str, id: &str) -> Vec<String> {
    let start = body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no table {id}"));
    let end = body[start..].find("</table>").unwrap() + start;
    body[start..end].split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn afdeling_sheets_search_and_redegoerelser_per_kommune() {
    let t = TestApp::spawn().await;
    let public = t.client();
    // boligorg: its 2026 package is a draft, its 2025 meeting was held.
    let token = public.login_token("boligorg").await;
    let me = t.client().get_bearer("/api/v1/pakker", &token).await;
    let json: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    let nummer = json["data"][0]["organisation"]["nummer"].as_i64().unwrap();
    let anonymous = t.client();
    let org =
        t.app.store().organisation_by_nummer(domain::OrganisationNummer::new(nummer).unwrap()).await.unwrap().unwrap();
    let afdeling = t.app.store().afdelinger(org.id).await.unwrap().remove(0);

    // Search by the afdeling's name finds it, within its kommune too, and not in another.
    let navn = afdeling.data.navn.clone();
    let q = serde_urlencoded::to_string([("q", navn.as_str())]).unwrap();
    let href = format!("/offentlig/organisationer/{nummer}/afdelinger/{}", afdeling.data.nummer);
    assert!(anonymous.get(&format!("/offentlig?{q}")).await.body.contains(&href));
    assert!(anonymous.get(&format!("/offentlig?{q}&kommune={}", afdeling.data.kommune)).await.body.contains(&href));
    let other = t.app.store().kommuner().await.unwrap().into_iter().find(|k| k.kode != afdeling.data.kommune).unwrap();
    assert!(!anonymous.get(&format!("/offentlig?{q}&kommune={}", other.kode)).await.body.contains(&href));

    // The afdeling's sheet: 2026 reads i/t everywhere, 2025 has numbers.
    let sheet = anonymous.get(&href).await;
    assert_eq!(sheet.status, 200);
    let draft_year = table_cells(&sheet.body, "afdeling-noegletal-2026");
    // Four cells a row: the name, then value, median and mark, all withheld.
    assert!(!draft_year.is_empty());
    assert!(draft_year.chunks(4).all(|r| r[1..].iter().all(|c| c == "i/t")), "{draft_year:?}");
    let held_year = table_cells(&sheet.body, "afdeling-noegletal-2025");
    assert!(held_year.chunks(4).any(|r| r[1] != "i/t"), "last year's figures are public: {held_year:?}");
    assert_eq!(anonymous.get(&format!("/offentlig/organisationer/{nummer}/afdelinger/99999")).await.status, 404);
    // The afdeling against its comparison group, as an accessible chart of the public year.
    assert!(sheet.body.contains("id=\"sammenligning-titel\"") && sheet.body.contains("Effektivitetstal 2025"));
    // An organisation with two public years has its key figures over the years as charts.
    let to_aar: BTreeSet<_> = {
        let a = t.app.store().offentlige_organisationer(domain::Styringsaar::new(2025).unwrap()).await.unwrap();
        let b = t.app.store().offentlige_organisationer(domain::Styringsaar::new(2026).unwrap()).await.unwrap();
        a.into_iter().filter(|n| b.contains(n)).collect()
    };
    let begge = to_aar.iter().next().expect("the demo has an organisation with two public years");
    let charts = anonymous.get(&format!("/offentlig/organisationer/{begge}")).await;
    assert!(charts.body.contains("role=\"img\"") && charts.body.contains("id=\"udvikling-0-titel\""));

    // The organisation's development over the years: 2026 is i/t.
    let org_sheet = anonymous.get(&format!("/offentlig/organisationer/{nummer}")).await;
    assert!(org_sheet.body.contains("Udvikling over årene"));
    assert!(org_sheet.body.contains(&href), "the afdeling is linked from the organisation");

    // The kommune's published redegørelser link to the organisation's sheet.
    let list = anonymous.get(&format!("/offentlig/kommuner/{}/redegoerelser", org.hjemstedskommune)).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&format!("/offentlig/organisationer/{nummer}#redegoerelse-2025")));
    assert_eq!(anonymous.get("/offentlig/kommuner/9999/redegoerelser").await.status, 404);
}

/// The accounts become public when the kommune receives the package: not while it is a draft
/// or only submitted, and only the kinds the rules mark public.
#[tokio::test]
async fn the_accounts_are_public_once_the_kommune_has_received_the_package() {
    let t = TestApp::spawn().await;
    let org = t.client();
    let token = org.login_token("boligorg").await;
    let liste: serde_json::Value = serde_json::from_str(&org.get_bearer("/api/v1/pakker", &token).await.body).unwrap();
    let pakke =
        liste["data"].as_array().unwrap().iter().find(|p| p["styringsaar"] == 2026).expect("the 2026 package").clone();
    let (id, nummer) = (pakke["id"].as_i64().unwrap(), pakke["organisation"]["nummer"].as_i64().unwrap());
    let sektion = format!("/pakker/{id}/sektioner/b3.I");
    assert_eq!(org.post(&sektion, &sektion, &testkit::svar_uden_udfordringer()).await.status, 303);
    org.complete_package(id, "b3.I").await;
    let detalje: serde_json::Value =
        serde_json::from_str(&org.get_bearer(&format!("/api/v1/pakker/{id}"), &token).await.body).unwrap();
    let fil = |art: &str| {
        detalje["bilag"].as_array().unwrap().iter().find(|b| b["art"] == art).unwrap()["id"].as_i64().unwrap()
    };
    let (regnskab, protokol) = (fil("regnskab"), fil("revisionsprotokol"));
    let url = |bilag: i64| format!("/offentlig/organisationer/{nummer}/regnskaber/{bilag}");
    let anonymous = t.client();
    let dataark = format!("/offentlig/organisationer/{nummer}");
    let api = format!("/api/v1/offentlig/organisationer/{nummer}");
    let listed = |body: &str| body.contains(&url(regnskab));

    // A draft: nothing.
    assert_eq!(anonymous.get(&url(regnskab)).await.status, 404);
    assert!(!listed(&anonymous.get(&dataark).await.body));
    // Submitted, not yet received: still nothing.
    let tjek = org.get(&format!("/pakker/{id}/indsend")).await;
    let sendt = org
        .post_with_token(
            &format!("/pakker/{id}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "r1"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(sendt.status, 303);
    assert_eq!(anonymous.get(&url(regnskab)).await.status, 404);
    assert!(!listed(&anonymous.get(&api).await.body));
    // Received: the accounts are public, on the page, in the API and as the file itself.
    let kommune = t.client();
    kommune.login("kommune").await;
    let pakke_side = format!("/pakker/{id}");
    assert_eq!(kommune.post(&pakke_side, &format!("{pakke_side}/modtag"), &[]).await.status, 303);
    assert!(listed(&anonymous.get(&dataark).await.body));
    assert!(listed(&anonymous.get(&api).await.body));
    let r = anonymous.http.get(format!("{}{}", anonymous.base, url(regnskab))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), testkit::MINIMAL_PDF);
    // The audit extract is not among the public kinds; an id of another organisation's file
    // is not found under this one.
    assert_eq!(anonymous.get(&url(protokol)).await.status, 404);
    assert_eq!(
        anonymous.get(&format!("/offentlig/organisationer/{}/regnskaber/{regnskab}", nummer + 1)).await.status,
        404
    );
}

/// The public afdeling sheet follows the public rule for its peers: it counts only the
/// comparison group's afdelinger with public figures, and names the best-practice peer only
/// once that peer's organisation's year is public ("en afdeling i sammenligningsgruppen"
/// until then).
#[tokio::test]
async fn the_public_afdeling_sheet_counts_and_names_only_public_peers() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let public = t.app.offentlig();
    let anonymous = t.client();
    let (mut anonyme, mut navngivne, mut skjulte_peers) = (0, 0, 0);
    for aar in [2025, 2026] {
        let aar = domain::Styringsaar::new(aar).unwrap();
        let offentlige: BTreeSet<_> = store.offentlige_organisationer(aar).await.unwrap().into_iter().collect();
        for nummer in offentlige.iter().take(12) {
            let org = store.organisation_by_nummer(*nummer).await.unwrap().unwrap();
            for afdeling in store.afdelinger(org.id).await.unwrap() {
                let sheet = public.afdeling_sheet(*nummer, afdeling.data.nummer).await.unwrap();
                let Some(year) = sheet.aar.iter().find(|a| a.styringsaar == aar) else { continue };
                let Some(e) = &year.effektivitet else { continue };
                let gruppe = store.effektivitet_i_gruppe(aar, &e.gruppe).await.unwrap();
                let public_peers = gruppe.iter().filter(|(o, _)| offentlige.contains(o)).count();
                assert_eq!(year.offentlige_i_gruppen, public_peers, "only peers with public figures are counted");
                skjulte_peers += gruppe.len() - public_peers;
                let peer = store.afdeling(e.bedste_praksis).await.unwrap().unwrap();
                let peer_org = store.organisation(peer.organisation).await.unwrap().unwrap();
                match year.bedste_praksis.as_ref().unwrap() {
                    app::BedstePraksis::Selv => assert_eq!(peer.id, afdeling.id),
                    app::BedstePraksis::Navngivet { afdeling: named, .. } => {
                        assert!(offentlige.contains(&peer_org.nummer) || peer_org.id == org.id, "named while public");
                        assert_eq!(named.id, peer.id);
                        navngivne += 1;
                    }
                    app::BedstePraksis::Anonym => {
                        assert!(!offentlige.contains(&peer_org.nummer), "anonymous only while not public");
                        let href = format!("/offentlig/organisationer/{nummer}/afdelinger/{}", afdeling.data.nummer);
                        let page = anonymous.get(&href).await.body;
                        assert!(page.contains("Bedste praksis: en afdeling i sammenligningsgruppen."));
                        // Named only if another year of the sheet, public for that peer, names it.
                        let named_elsewhere = sheet.aar.iter().any(|a| {
                            matches!(&a.bedste_praksis, Some(app::BedstePraksis::Navngivet { afdeling: n, .. }) if n.id == peer.id)
                        });
                        let named = app::BedstePraksis::Navngivet {
                            afdeling: peer.clone(),
                            organisation: peer_org.navn.clone(),
                        };
                        assert!(
                            named_elsewhere || !page.contains(&named.beskrivelse()),
                            "the sheet names {}",
                            named.beskrivelse()
                        );
                        anonyme += 1;
                    }
                }
            }
        }
    }
    assert!(anonyme > 0 && skjulte_peers > 0, "the demo has peers that are not public ({navngivne} named)");
}
