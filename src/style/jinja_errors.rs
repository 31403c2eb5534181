//! minijinja's syntax errors in Chinese, for page templates (`*.typ.j2`) and the patterns of
//! `style.yaml`, `region.yaml` and the change table: a clerk who edits a style reads no English.

/// A template's or pattern's syntax error: what is wrong, then minijinja's detail in Chinese.
pub fn syntax_zh(e: &minijinja::Error) -> String {
    let detail = e.detail().unwrap_or("");
    let what = if detail.starts_with("unexpected end of input") {
        "模板在结尾前缺少收尾的标记（如 {% endif %}、{% endfor %}、}}）"
    } else if detail.starts_with("unknown statement") {
        "模板中有不认识的语句（{% … %} 中的第一个词）"
    } else if detail.starts_with("unexpected") || detail.starts_with("expected") {
        "模板在这一行的写法不对（标记不成对，或缺少表达式）"
    } else {
        "模板语法错误"
    };
    match detail_zh(detail) {
        _ if detail.is_empty() => what.to_string(),
        Some(zh) => format!("{what}：{zh}"),
        // A message of minijinja's this list does not know: its own words, marked as such.
        None => format!("{what}（minijinja 原文：{detail}）"),
    }
}

/// Any minijinja error in Chinese: a syntax error as [`syntax_zh`]; an error while rendering
/// by its kind, with minijinja's detail (which names the value or filter) after it.
pub fn error_zh(e: &minijinja::Error) -> String {
    use minijinja::ErrorKind as K;
    let kind = match e.kind() {
        K::SyntaxError => return syntax_zh(e),
        K::UndefinedError => "用到了没有定义的值",
        K::UnknownFilter => "不认识的过滤器（| 后面的名字）",
        K::UnknownFunction => "不认识的函数",
        K::UnknownTest => "不认识的判断（is 后面的名字）",
        K::UnknownMethod => "不认识的方法",
        K::InvalidOperation => "这个运算不能用在这样的值上",
        K::TooManyArguments => "参数太多",
        K::MissingArgument => "缺少参数",
        K::CannotUnpack => "无法拆分这个值",
        K::NonKey | K::NonPrimitive => "这个值的类型不能这样用",
        K::OutOfFuel => "运算次数超出限额（可能是循环太多或没有尽头）",
        K::TemplateNotFound => "找不到要引用的模板",
        _ => "模板运行出错",
    };
    match e.detail() {
        Some(detail) => match detail_zh(detail) {
            Some(zh) => format!("{kind}：{zh}"),
            None => format!("{kind}（minijinja 原文：{detail}）"),
        },
        None => kind.to_string(),
    }
}

/// minijinja's syntax error detail in Chinese: its sentence shapes ("unexpected X, expected
/// Y", "unknown statement X", …) with the token names of its parser (`compiler/tokens.rs`,
/// `compiler/parser.rs`). `None` for a sentence not listed here.
fn detail_zh(detail: &str) -> Option<String> {
    if let Some(rest) = detail.strip_prefix("unexpected ") {
        return Some(match rest.split_once(", expected ") {
            Some((found, expected)) => format!(
                "此处出现了{}，应为{}",
                token_zh(found)?,
                expected_zh(expected)?
            ),
            None => format!("此处不应出现{}", token_zh(rest)?),
        });
    }
    if let Some(name) = detail.strip_prefix("unknown statement ") {
        return Some(format!("“{name}”"));
    }
    if let Some(found) = detail
        .strip_prefix("unknown ")
        .and_then(|r| r.strip_suffix(", expected statement"))
    {
        return Some(format!("此处应为语句，却是{}", token_zh(found)?));
    }
    let fixed = match detail {
        "unexpected input after expression" => "表达式后面多出了内容",
        "'continue' must be placed inside a loop" => "continue 只能写在循环（for）里",
        "'break' must be placed inside a loop" => "break 只能写在循环（for）里",
        "block tags in macros are not allowed" => "宏（macro）里不能写 block",
        _ => return None,
    };
    Some(fixed.to_string())
}

/// "X or Y", each a token name.
fn expected_zh(expected: &str) -> Option<String> {
    expected
        .split(" or ")
        .map(token_zh)
        .collect::<Option<Vec<_>>>()
        .map(|parts| parts.join("或"))
}

/// One token name of minijinja's parser in Chinese; a `quoted` symbol as it is.
fn token_zh(token: &str) -> Option<String> {
    if token.len() > 1 && token.starts_with('`') && token.ends_with('`') {
        return Some(format!("符号 {}", &token[1..token.len() - 1]));
    }
    let zh = match token {
        "end of input" => "模板结尾",
        "end of block" => "语句的结束标记 %}",
        "start of block" => "语句的开始标记 {%",
        "end of variable block" => "变量的结束标记 }}",
        "start of variable block" => "变量的开始标记 {{",
        "template-data" => "模板正文",
        "identifier" => "名字",
        "string" => "字符串",
        "integer" => "整数",
        "float" => "小数",
        "expression" => "表达式",
        "statement" => "语句",
        "keyword" => "关键字",
        "block keyword" => "语句关键字",
        "assignment operator" => "赋值符号 =",
        "comma" => "逗号",
        "in" | "as" | "import" | "context" | "missing" => {
            return Some(format!("关键字 {token}"));
        }
        _ => return None,
    };
    Some(zh.to_string())
}

#[cfg(test)]
mod tests {
    /// Every syntax error minijinja gives for these slips reads in Chinese, with no English
    /// word of minijinja's left.
    #[test]
    fn template_syntax_errors_read_in_chinese() {
        for (source, expect) in [
            ("{% if 年度 %}", "此处出现了模板结尾"),
            ("{{ 年度 ", "应为变量的结束标记 }}"),
            ("{% foo %}", "不认识的语句（{% … %} 中的第一个词）：“foo”"),
            ("{% for x y %}{% endfor %}", "应为关键字 in"),
            ("{{ a b }}", "此处出现了名字"),
            ("{% set = 1 %}", "此处出现了符号 =，应为名字"),
            ("{{ (1 }}", "应为符号 )"),
            ("{% endfor %}", "：“endfor”"),
        ] {
            let mut env = minijinja::Environment::new();
            let e = env.add_template("t", source).expect_err(source);
            let zh = super::syntax_zh(&e);
            assert!(zh.contains(expect), "{source}: {zh}");
            assert!(!zh.contains("minijinja"), "{source}: {zh}");
            for english in ["unexpected", "expected", "unknown", "end of", "identifier"] {
                assert!(!zh.contains(english), "{source}: {zh}");
            }
        }
    }
}
