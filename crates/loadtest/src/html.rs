//! Just enough reading of the server's HTML to fill in a form the way a browser would: the
//! hidden fields and the fields of one question. The templates write attributes in a fixed
//! order (`name` before `value`), which is all these helpers rely on.

/// The value of the hidden (or any) input named `name`.
pub fn input_value<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    rest.split('"').next()
}

/// The names of the text areas, in page order, without the `.tekst` suffix: the answer keys of
/// the questions and fact comments that take text.
pub fn text_keys(html: &str) -> Vec<&str> {
    html.split("<textarea")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            let name = tag.split("name=\"").nth(1)?.split('"').next()?;
            name.strip_suffix(".tekst")
        })
        .collect()
}

/// The checked radio button of the question `key` (`<key>.ja` or `<key>.valg`), as a form field.
pub fn checked_radio(html: &str, key: &str) -> Option<(String, String)> {
    html.split("<input").skip(1).find_map(|tag| {
        let tag = &tag[..tag.find('>')?];
        if !tag.contains("type=\"radio\"") || !tag.contains(" checked") {
            return None;
        }
        let name = tag.split("name=\"").nth(1)?.split('"').next()?;
        let value = tag.split("value=\"").nth(1)?.split('"').next()?;
        let field = name.strip_prefix(key)?;
        matches!(field, ".ja" | ".valg").then(|| (name.to_string(), value.to_string()))
    })
}

/// The fields a browser sends to save `key`'s text: the session's CSRF token, the revision the
/// form was read at, the question's chosen radio button (so a yes/no answer is kept) and the
/// new text. Other questions are left out, and the server leaves them as they are.
pub fn save_fields(html: &str, key: &str, text: &str) -> Option<Vec<(String, String)>> {
    let mut fields = vec![
        ("_csrf".to_string(), input_value(html, "_csrf")?.to_string()),
        ("_revision".to_string(), input_value(html, "_revision")?.to_string()),
    ];
    fields.extend(checked_radio(html, key));
    fields.push((format!("{key}.tekst"), text.to_string()));
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = r#"<form method="post" action="/pakker/7/afdelinger/3" novalidate>
  <input type="hidden" name="_csrf" value="abc123">
  <input type="hidden" name="_revision" value="41">
  <div class="form-group-radio"><input id="afd3:b4.A.udfordringer-ja" type="radio" name="afd3:b4.A.udfordringer.ja" value="ja" class="form-radio"><label>Ja</label></div>
  <div class="form-group-radio"><input id="afd3:b4.A.udfordringer-nej" type="radio" name="afd3:b4.A.udfordringer.ja" value="nej" class="form-radio" checked><label>Nej</label></div>
  <textarea class="form-input" id="afd3:b4.A.udfordringer-tekst" name="afd3:b4.A.udfordringer.tekst" rows="4">gammel</textarea>
  <input id="afd3:b4.B.vedligeholdelse-1" type="radio" name="afd3:b4.B.vedligeholdelse.valg" value="Tilfredsstillende" class="form-radio" checked>
  <textarea class="form-input" id="afd3:b4.B.vedligeholdelse_kommentar-tekst" name="afd3:b4.B.vedligeholdelse_kommentar.tekst" rows="6"></textarea>
</form>"#;

    #[test]
    fn hidden_fields_are_read() {
        assert_eq!(input_value(FORM, "_csrf"), Some("abc123"));
        assert_eq!(input_value(FORM, "_revision"), Some("41"));
        assert_eq!(input_value(FORM, "naeste"), None);
    }

    #[test]
    fn text_keys_are_the_answer_keys() {
        assert_eq!(text_keys(FORM), ["afd3:b4.A.udfordringer", "afd3:b4.B.vedligeholdelse_kommentar"]);
    }

    #[test]
    fn a_yes_no_answer_is_sent_with_its_text() {
        let fields = save_fields(FORM, "afd3:b4.A.udfordringer", "ny").unwrap();
        let expected = [
            ("_csrf", "abc123"),
            ("_revision", "41"),
            ("afd3:b4.A.udfordringer.ja", "nej"),
            ("afd3:b4.A.udfordringer.tekst", "ny"),
        ];
        assert_eq!(fields, expected.map(|(a, b)| (a.to_string(), b.to_string())));
        // A radio of another question whose key merely starts the same is not taken.
        assert_eq!(checked_radio(FORM, "afd3:b4.B.vedligeholdelse_kommentar"), None);
        assert_eq!(
            checked_radio(FORM, "afd3:b4.B.vedligeholdelse"),
            Some(("afd3:b4.B.vedligeholdelse.valg".into(), "Tilfredsstillende".into()))
        );
    }
}
