//! Tests of `import::twin`.

use super::markers::match_template;
use super::*;

#[test]
fn references_read_as_excel_writes_them() {
    assert_eq!(
        parse_ref("'人大代表活动经费'!D8"),
        Some(("人大代表活动经费".into(), 7, 3))
    );
    assert_eq!(parse_ref("='a''b'!$AB$10"), Some(("a'b".into(), 9, 27)));
    assert_eq!(parse_ref("Sheet1!A1"), Some(("Sheet1".into(), 0, 0)));
    assert_eq!(parse_ref("'x'!#REF!"), None);
    assert_eq!(parse_ref("#REF!"), None);
    // A tampered data sheet: more column letters than a u32 holds (was an overflow panic).
    assert_eq!(parse_ref("'x'!ZZZZZZZZZZZZZZ1"), None);
    assert_eq!(parse_ref("x!A99999999999"), None);
}

#[test]
fn templates_give_back_their_value() {
    let t = "\u{E000}";
    let o = "\u{E001}";
    assert_eq!(
        match_template(&format!("指标{o}：{t}"), t, o, "指标3：培训人数"),
        Some("培训人数".into())
    );
    assert_eq!(
        match_template(&format!("{t}({o}分)"), t, o, "产出指标(50分)"),
        Some("产出指标".into())
    );
    assert_eq!(match_template(t, t, o, "有效"), Some("有效".into()));
    assert_eq!(
        match_template(&format!("指标{o}：{t}"), t, o, "培训人数"),
        None
    );
    assert_eq!(match_template(&format!("{o}{t}"), t, o, "x"), None);
}
