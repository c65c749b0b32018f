//! Hardening found in review: every response carries the security headers, the CSRF token of
//! an upload travels in the form (never the URL), uploads are authorised before they are read,
//! and the API takes the attachment sizes the rules allow.

use testkit::TestApp;

const HEADERS: [&str; 4] = ["content-security-policy", "x-content-type-options", "x-frame-options", "cache-control"];

fn assert_hardened(r: &reqwest::Response, what: &str) {
    for h in HEADERS {
        assert!(r.headers().contains_key(h), "{what}: {h} is missing");
    }
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    for directive in ["base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{what}: CSP lacks {directive}: {csp}");
    }
    assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{what}");
}

#[tokio::test]
async fn responses_answered_early_carry_the_security_headers_too() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let url = |p: &str| format!("{}{p}", c.base);

    let page = c.http.get(url("/")).send().await.unwrap();
    assert_hardened(&page, "a page");

    // A form without its token: the guard's 403.
    let forged = c.http.post(url("/log-ind")).form(&[("brugernavn", "x")]).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    assert_hardened(&forged, "CSRF 403");

    // The API without a token: 401 for a read, 403 for a change.
    let anonymous = c.http.get(url("/api/v1/pakker")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_hardened(&anonymous, "API 401");
    let change = c.http.post(url("/api/v1/pakker/1/indsend")).send().await.unwrap();
    assert_eq!(change.status(), 403);
    assert_hardened(&change, "API 403");

    // A form body over the limit: 413.
    let big = "x".repeat(2 << 20);
    let too_large = c.http.post(url("/log-ind")).form(&[("brugernavn", big.as_str())]).send().await.unwrap();
    assert_eq!(too_large.status(), 413);
    assert_hardened(&too_large, "413");

    // A 404.
    let missing = c.http.get(url("/findes-ikke")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_hardened(&missing, "404");
}

#[tokio::test]
async fn an_uploads_csrf_token_is_the_forms_first_field_never_in_the_url() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("boligorg").await;
    let id = t.package_of("boligorg").await;
    let page = c.get(&format!("/pakker/{id}/bilag")).await;
    assert!(!page.body.contains("?_csrf="), "no form puts the token in its URL");
    let token = page.csrf();
    let action = format!("/pakker/{id}/bilag");

    // The token in the form: accepted.
    let ok = c.upload(&action, &token, &[("art", "regnskab")], ("r.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(ok.status, 303, "{}", ok.body);

    // The token in the URL only (as before): refused.
    let in_url = c
        .http
        .post(format!("{}{action}?_csrf={token}", c.base))
        .multipart(
            reqwest::multipart::Form::new()
                .text("art", "regnskab")
                .part("fil", reqwest::multipart::Part::bytes(testkit::MINIMAL_PDF.to_vec()).file_name("r.pdf")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(in_url.status(), 403);

    // A wrong token, or the right one after the file: refused, and nothing is stored.
    let wrong = c.upload(&action, "forkert", &[("art", "regnskab")], ("r.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(wrong.status, 403);
    let late = c
        .http
        .post(format!("{}{action}", c.base))
        .multipart(
            reqwest::multipart::Form::new()
                .text("art", "regnskab")
                .part("fil", reqwest::multipart::Part::bytes(testkit::MINIMAL_PDF.to_vec()).file_name("r.pdf"))
                .text("_csrf", token.clone()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 403);
    let stored = t.app.store().bilag(store::PakkeId(id)).await.unwrap();
    assert_eq!(stored.len(), 1, "only the accepted upload is stored");
}

#[tokio::test]
async fn uploads_are_authorised_before_they_are_read() {
    let t = TestApp::spawn().await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let token = kommune.get("/kommune").await.csrf();
    // Not a workbook and of no known kind: a user who may not import learns nothing about
    // the file, only that the page is not theirs.
    for action in ["/styrelse/import", "/styrelse/skabeloner"] {
        let refused =
            kommune.upload(action, &token, &[("art", "ukendt")], ("x.xlsx", b"PK\x03\x04junk".to_vec())).await;
        assert_eq!(refused.status, 404, "{action}: {}", refused.body);
        assert!(!refused.body.contains("x.xlsx"), "{action}: the file was read");
    }
    // Another organisation's package: refused before the file is looked at.
    let id = t.package_of("boligorg").await;
    let anden = t.client();
    anden.login("andenorg").await;
    let token = anden.get("/organisation").await.csrf();
    let refused =
        anden.upload(&format!("/pakker/{id}/bilag"), &token, &[("art", "ukendt")], ("x.pdf", b"nope".to_vec())).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert!(!refused.body.contains("x.pdf"));
}
