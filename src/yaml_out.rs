//! Writing data files: YAML scalars quoted only where YAML needs it, so that a file made by
//! `jixiao new` or `jixiao import` reads like one written by hand (`指标值: =236人`,
//! `指标值: ">=90%"`), and every value reads back as exactly the text written.

/// `s` as a YAML scalar: plain where that reads back as the same string, else double-quoted.
/// `flow` is for values inside `{…}` or `[…]`, where `,` `[` `]` `{` `}` end a plain scalar.
pub fn scalar(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Whether `s` can be written plain and read back as the same string (conservatively: a text
/// YAML might read as a number, a boolean or null is quoted).
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']) {
        return false;
    }
    if s.chars().any(|c| {
        c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{85}'
    }) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`<.".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) {
        return false;
    }
    // Anything ASCII that starts like a number (`1`, `+1`, `0x1f`, `1e3`, `1:20`, `1_000`).
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.starts_with(|c: char| c.is_ascii_digit()) && s.is_ascii() {
        return false;
    }
    true
}

/// `s` in double quotes with YAML escapes.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || c == '\u{feff}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{85}' =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn back(s: &str, flow: bool) -> String {
        let text = if flow {
            format!("a: {{k: {}}}\n", scalar(s, true))
        } else {
            format!("a: {}\n", scalar(s, false))
        };
        #[derive(serde::Deserialize)]
        struct Flow {
            k: String,
        }
        #[derive(serde::Deserialize)]
        struct A<T> {
            a: T,
        }
        if flow {
            serde_saphyr::from_str::<A<Flow>>(&text).unwrap().a.k
        } else {
            serde_saphyr::from_str::<A<String>>(&text).unwrap().a
        }
    }

    #[test]
    fn scalars_read_back_as_written() {
        for s in [
            "=236人",
            ">=90%",
            "<=0.16万元/人",
            "≥12次",
            "1",
            "1.0",
            "0x1f",
            "1e3",
            "true",
            "No",
            "~",
            "null",
            "a: b",
            "a #b",
            "a,b",
            "[x]",
            "{x}",
            "- x",
            "有效提高",
            "2021年2月底前",
            "1-5条",
            "目标1：进一步密切联系群众",
            "多行\n文字",
            "带\"引号\"和\\反斜杠",
            " 前后空格 ",
            "\u{3000}全角空格\u{3000}",
            "tab\there",
            "#开头",
            "%",
            "",
            "'单引号'",
            "巴财行[2022]33号",
            ".inf",
            "@",
        ] {
            assert_eq!(back(s, false), s, "block {s:?}");
            assert_eq!(back(s, true), s, "flow {s:?}");
        }
        assert_eq!(scalar("=236人", true), "=236人");
        assert_eq!(scalar(">=90%", true), "\">=90%\"");
        assert_eq!(scalar("有效提高", true), "有效提高");
    }
}
