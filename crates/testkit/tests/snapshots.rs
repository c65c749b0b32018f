//! Snapshot tests of the rendered form pages (the `<main>` element), so a change to what the
//! organisation sees is a reviewed change. Values that differ between runs (tokens, ids,
//! times) are replaced by placeholders. Update with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test -p testkit --test snapshots`).

use testkit::{Client, TestApp};

fn main_of(body: &str) -> String {
    let start = body.find("<main").expect("the page has a main element");
    let end = body.find("</main>").expect("main ends") + "</main>".len();
    // Blank lines carry no meaning and vary with template branches.
    body[start..end].lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n")
}

async fn snapshot(c: &Client, name: &str, path: &str) {
    let page = c.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    insta::with_settings!({
        filters => vec![
            (r#"name="_csrf" value="[^"]+""#, r#"name="_csrf" value="[csrf]""#),
            (r"_csrf=[A-Za-z0-9_\-]+", "_csrf=[csrf]"),
            (r#"name="_revision" value="\d+""#, r#"name="_revision" value="[revision]""#),
            (r"/pakker/\d+", "/pakker/[id]"),
            (r"/bilag/\d+", "/bilag/[bilag]"),
            (r"/effektivitet/\d+", "/effektivitet/[afdeling]"),
            (r"\d{2}\.\d{2}\.\d{4} kl\. \d{2}:\d{2}", "[tidspunkt]"),
            // Days left to the deadline change with the date the tests run.
            (r"\d+ dage? tilbage", "[n] dage tilbage"),
        ],
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, main_of(&page.body));
    });
}

#[tokio::test]
async fn the_forms_render_as_reviewed() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("boligorg").await;
    let json: serde_json::Value = serde_json::from_str(&c.get("/api/v1/pakker").await.body).unwrap();
    let id = json["data"][0]["id"].as_i64().unwrap();
    snapshot(&c, "sektion_b3_I", &format!("/pakker/{id}/sektioner/b3.I")).await;
    snapshot(&c, "sektion_b3_II", &format!("/pakker/{id}/sektioner/b3.II")).await;
    snapshot(&c, "sektion_b3_IV", &format!("/pakker/{id}/sektioner/b3.IV")).await;
    snapshot(&c, "bilag", &format!("/pakker/{id}/bilag")).await;
    let list = c.get(&format!("/pakker/{id}/afdelinger")).await;
    snapshot(&c, "afdelingsskemaer", &format!("/pakker/{id}/afdelinger")).await;
    let first = list.links(&format!("/pakker/{id}/afdelinger/"))[0].clone();
    snapshot(&c, "afdelingsskema", &first).await;
}
