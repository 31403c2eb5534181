//! The YAML parser's errors as diagnostics in Chinese: each kind of error named in the words of a
//! finance clerk, with what to do, at its line and column (an unclosed quote or bracket found where
//! it was opened, not where the file ended).

use std::path::Path;

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::granit_parser::ErrorKind;
use serde_saphyr::{Error, ExternalMessageSource, Location};

use crate::diag::{Diagnostic, FileId, Pos, Sources};
use crate::rules::{self, Rule};

/// The position of a parser location in `file`, if it has one.
pub fn span_pos(sources: &Sources, file: FileId, loc: &Location) -> Option<Pos> {
    (loc.line() > 0).then(|| location_pos(sources, file, loc))
}

/// Turns a YAML/serde error into a diagnostic with a Chinese message.
pub fn yaml_error(sources: &Sources, file: FileId, err: &Error) -> Diagnostic {
    error_diagnostic(sources, file, err, 0)
}

/// A YAML error of a file that is not a department's data (a style, the region file), under
/// that file's own `rule`; placed at `path` when the error has no position.
pub fn yaml_error_as(
    sources: &Sources,
    file: FileId,
    err: &Error,
    rule: &'static Rule,
    path: &Path,
) -> Diagnostic {
    let mut d = yaml_error(sources, file, err);
    d.rule = rule;
    d.severity = rule.severity;
    d.help = rule.help.map(str::to_string);
    if d.pos.is_none() {
        d.path = Some(path.to_path_buf());
    }
    d
}

/// [`yaml_error`] for a parse that had seen `aliases` aliases when it failed.
pub(super) fn error_diagnostic(
    sources: &Sources,
    file: FileId,
    err: &Error,
    aliases: usize,
) -> Diagnostic {
    let text = sources.text(file);
    let t = translate(err, aliases);
    // An unclosed flow collection (`佐证资料: [正式材料`) lets the scanner run on into the next
    // lines, where it stumbles over something else: report the bracket itself.
    if is_syntax(err)
        && t.rule.code == rules::YAML_SYNTAX.code
        && let Some(loc) = err.location()
        && let Some((open, at)) = unclosed(text, &loc)
    {
        let d = Diagnostic::new(
            &rules::YAML_SYNTAX,
            Some(sources.pos(file, at..at + 1)),
            match open {
                '[' | '{' => {
                    let close = if open == '[' { ']' } else { '}' };
                    format!("YAML 语法错误：“{open}”没有配对的“{close}”")
                }
                _ => "YAML 语法错误：引号没有闭合".to_string(),
            },
        );
        return match open {
            '[' | '{' => {
                let close = if open == '[' { ']' } else { '}' };
                d.help(format!(
                    "在这一项的末尾补上“{close}”；写成一行的列表、映射要在同一行闭合，如 佐证资料: [正式材料]"
                ))
            }
            _ => d.help(format!("在这段文字的末尾补上 {open}")),
        };
    }
    let mut pos = err
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| location_pos(sources, file, &l));
    // The scanner places a control character at the start of the word it is in: point at
    // the character itself.
    if let (Some(c), Some(p)) = (t.character, &pos) {
        let line = text[p.bytes.start..].split('\n').next().unwrap_or("");
        if let Some(i) = line.find(c) {
            let at = p.bytes.start + i;
            pos = Some(sources.pos(file, at..at + c.len_utf8()));
        }
    }
    let mut d = Diagnostic::new(t.rule, pos, t.message);
    if let Some(help) = t.help {
        d = d.help(help);
    }
    d
}

pub(super) fn location_pos(sources: &Sources, file: FileId, loc: &Location) -> Pos {
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(off), Some(len)) => sources.pos(file, off as usize..(off + len.max(1)) as usize),
        _ => sources.pos_at(file, loc.line() as usize, loc.column() as usize, 1),
    }
}

/// Whether `err` is a syntax error of the YAML text itself (not of its meaning).
pub(super) fn is_syntax(err: &Error) -> bool {
    match err {
        Error::ExternalMessage { source, .. } => {
            matches!(**source, ExternalMessageSource::Parser(_))
        }
        Error::Eof { .. } | Error::UnknownAnchor { .. } | Error::ContainerEndMismatch { .. } => {
            true
        }
        Error::AliasError { error, .. } | Error::WithSnippet { error, .. } => is_syntax(error),
        _ => false,
    }
}

/// What is still open where the parser stopped, begun on a line before the error's: a quote
/// (`"` or `'`), or else the outermost flow bracket (`[` or `{`) that starts a value, with its
/// byte offset. Brackets inside quotes, comments and plain words (`巴财行[2022]33号`) do not
/// count; neither does a bracket whose line ends with `,` or the bracket itself (a list
/// deliberately written over several lines).
pub(super) fn unclosed(text: &str, loc: &Location) -> Option<(char, usize)> {
    let line = loc.line() as usize;
    let end = match loc.span().byte_offset() {
        Some(o) => (o as usize).min(text.len()),
        None => text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum::<usize>()
            .min(text.len()),
    };
    let end = (0..=end)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let mut stack: Vec<(char, usize)> = Vec::new();
    let (mut quote, mut comment) = (None::<(char, usize)>, false);
    let mut prev = '\n';
    let mut chars = text[..end].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if comment {
            if c == '\n' {
                comment = false;
                prev = c;
            }
            continue;
        }
        match quote {
            Some(('"', _)) if c == '\\' => {
                chars.next();
                continue;
            }
            Some((q, _)) if c == q => {
                // '' inside single quotes is an escaped quote.
                if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                } else {
                    quote = None;
                }
                prev = c;
                continue;
            }
            Some(_) => continue,
            None => {}
        }
        let starts_value = matches!(prev, '\n' | ' ' | '[' | '{' | ',' | ':' | '-');
        match c {
            '#' if prev.is_whitespace() => comment = true,
            '"' | '\'' if starts_value || !stack.is_empty() => quote = Some((c, i)),
            '[' | '{' if starts_value || !stack.is_empty() => stack.push((c, i)),
            ']' | '}' if !stack.is_empty() => {
                stack.pop();
            }
            _ => {}
        }
        if !c.is_whitespace() || c == '\n' {
            prev = c;
        } else if prev != '\n' {
            prev = ' ';
        }
    }
    if let Some((q, at)) = quote
        && line_of(at) < line
    {
        return Some((q, at));
    }
    let (open, at) = *stack.first()?;
    if line_of(at) >= line {
        return None;
    }
    let rest = text[at + 1..].split('\n').next().unwrap_or("");
    let rest = rest.split(" #").next().unwrap_or("").trim_end();
    if rest.trim().is_empty() || rest.ends_with(',') {
        return None;
    }
    Some((open, at))
}

/// A parser error said in Chinese, under its rule.
pub(super) struct Translated {
    rule: &'static Rule,
    pub(super) message: String,
    help: Option<String>,
    /// The character the error is about, when it is one.
    character: Option<char>,
}

pub(super) fn said(rule: &'static Rule, message: impl Into<String>) -> Translated {
    Translated {
        rule,
        message: message.into(),
        help: None,
        character: None,
    }
}

impl Translated {
    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// What serde's or the parser's description of a kind of value means, in Chinese.
pub(super) fn kind_zh(what: &str) -> &'static str {
    let w = what.to_lowercase();
    if w.contains("seq") || w.contains("list") || w.contains("array") || w.contains("tuple") {
        "一个列表"
    } else if w.contains("map") || w.contains("struct") || w.contains("项") {
        "若干“名称: 值”"
    } else if w.contains("数字") || w.contains("float") || w.contains("floating") {
        "一个数字"
    } else if w.contains("integer")
        || w.starts_with('u') && w[1..].chars().all(|c| c.is_ascii_digit()) && w.len() > 1
        || w.starts_with('i') && w[1..].chars().all(|c| c.is_ascii_digit()) && w.len() > 1
    {
        "一个整数"
    } else if w.contains("bool") {
        "是或否"
    } else if w.contains("unit") || w.contains("null") || w.contains("none") {
        "空值"
    } else if w.contains("str") || w.contains("char") || w.contains("scalar") || w.contains("文字")
    {
        "一段文字"
    } else {
        "另一种值"
    }
}

/// Classifies a parser error under a rule and says it in Chinese. No English text of the
/// parser reaches the message.
pub(super) fn translate(err: &Error, aliases: usize) -> Translated {
    let list = |v: &[&str]| v.join("、");
    match err {
        Error::AliasError { error, .. } | Error::WithSnippet { error, .. } => {
            translate(error, aliases)
        }
        Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let tail = if expected.is_empty() {
                String::new()
            } else {
                format!("；此处可用的字段：{}", list(expected))
            };
            let near = crate::fields::did_you_mean(field, expected.iter().copied());
            said(
                &rules::UNKNOWN_KEY,
                format!("未知字段“{field}”{near}{tail}"),
            )
        }
        Error::SerdeMissingField { field, .. } => said(
            &rules::MISSING_FIELD,
            format!("缺少必填字段“{field}”（写在这一层级下）"),
        ),
        Error::DuplicateMappingKey { key, .. } => said(
            &rules::DUPLICATE_KEY,
            match key {
                Some(k) => format!("字段“{}”重复出现", k.trim()),
                None => "同一层级中有重复的字段".to_string(),
            },
        ),
        Error::NullIntoString { .. } => said(&rules::EMPTY_TEXT, "此处的值为空"),
        Error::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | Error::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => said(
            &rules::YAML_STRUCTURE,
            format!(
                "类型不符：此处应是{}，写的却是{}",
                kind_zh(expected),
                kind_zh(unexpected)
            ),
        ),
        Error::SerdeInvalidLength { len, expected, .. } => said(
            &rules::YAML_STRUCTURE,
            format!("类型不符：此处应是{}，写了 {len} 项", kind_zh(expected)),
        ),
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => said(
            &rules::YAML_STRUCTURE,
            format!("“{variant}”不是可选的取值；可选：{}", list(expected)),
        ),
        Error::Unexpected { expected, .. } => said(
            &rules::YAML_STRUCTURE,
            format!("类型不符：此处应是{}", kind_zh(expected)),
        ),
        Error::InvalidScalar { ty, .. } => {
            let what = kind_zh(ty);
            let example = if what == "一个整数" {
                "（如 2023）"
            } else {
                ""
            };
            said(
                &rules::BAD_NUMBER,
                format!("此处应是{what}{example}，写的值无法按{what}读取或超出范围"),
            )
        }
        Error::NonFiniteFloat { .. } => said(&rules::BAD_NUMBER, "此处的数字无法读取或超出范围"),
        Error::Message { msg, .. } | Error::HookError { msg, .. } => translate_custom(msg),
        Error::MultipleDocuments { .. } => said(
            &rules::YAML_SYNTAX,
            "YAML 语法错误：一个文件只能有一个文档，这里的 --- 开始了第二个",
        )
        .help("删除这一行的 ---；每个部门每个年度一个文件"),
        Error::Eof { .. } => said(&rules::YAML_SYNTAX, "YAML 语法错误：文件意外结束"),
        Error::UnknownAnchor { .. } => said(
            &rules::YAML_SYNTAX,
            "YAML 语法错误：以 * 开头的值是别名，引用的锚点不存在",
        ),
        Error::ContainerEndMismatch { .. }
        | Error::UnexpectedSequenceEnd { .. }
        | Error::UnexpectedMappingEnd { .. } => said(
            &rules::YAML_SYNTAX,
            "YAML 语法错误：列表或映射的结束位置不对",
        ),
        Error::ExternalMessage { source, .. } => match &**source {
            ExternalMessageSource::Parser(scan) => match scan.kind() {
                // A control character YAML does not allow in a file: the text rule's words.
                ErrorKind::UnexpectedCharacter { character: '\t' } => Translated {
                    character: Some('\t'),
                    ..said(&rules::TAB_CHAR, "这里有制表符（Tab）")
                },
                ErrorKind::UnexpectedCharacter { character }
                    if character.is_control() || crate::rules::is_refused(*character) =>
                {
                    Translated {
                        character: Some(*character),
                        ..said(
                            &rules::CONTROL_CHAR,
                            format!("这里有不可见的字符 {}", super::text::describe(*character)),
                        )
                    }
                }
                kind => said(
                    &rules::YAML_SYNTAX,
                    format!("YAML 语法错误：{}", scan_zh(kind)),
                ),
            },
            _ => said(&rules::YAML_STRUCTURE, "内容不符合格式"),
        },
        Error::Budget { breach, .. } => budget_zh(breach, aliases),
        Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => said(
            &rules::YAML_LIMIT,
            "文件超出安全限制：别名（*）展开的内容过多",
        )
        .help(ALIAS_ADVICE),
        Error::InvalidUtf8Input => said(&rules::NOT_UTF8, "文件含有非 UTF-8 字节"),
        Error::UnsupportedTag { .. } | Error::TaggedScalarCannotDeserializeIntoString { .. } => {
            said(
                &rules::YAML_STRUCTURE,
                "此处不能使用 YAML 标签（以 ! 开头）；以 ! 开头的文字要加引号",
            )
        }
        _ => said(
            &rules::YAML_STRUCTURE,
            "YAML 格式错误：此处的内容不符合格式",
        ),
    }
}

pub(super) const ALIAS_ADVICE: &str = "不要使用 YAML 锚点/别名 (&, *) 批量复制内容，直接写出每一项";

/// A message from a `Deserialize` impl or serde's derive (`custom`).
pub(super) fn translate_custom(msg: &str) -> Translated {
    if msg.contains(crate::model::NUMBER_LIMIT_MARK) {
        return said(&rules::NUMBER_LIMIT, msg);
    }
    if msg.contains("不是有效的数字") {
        return said(&rules::BAD_NUMBER, msg);
    }
    if msg.contains("did not match any variant") {
        return said(
            &rules::YAML_STRUCTURE,
            "总体目标应是一段文字，或每行一个“目标N”的列表",
        );
    }
    let cjk = msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if cjk && !msg.is_ascii() && msg.chars().filter(char::is_ascii_alphabetic).count() < 8 {
        return said(&rules::YAML_STRUCTURE, msg);
    }
    said(
        &rules::YAML_STRUCTURE,
        "YAML 格式错误：此处的内容不符合格式",
    )
}

/// A safety limit the parser's budget enforces.
pub(super) fn budget_zh(breach: &BudgetBreach, aliases: usize) -> Translated {
    let big = "检查文件是否误复制了大量内容；一个部门一个年度的数据不会接近这个限制";
    let (what, alias) = match breach {
        BudgetBreach::Nodes { .. } => ("节点（字段、值、列表项）过多", aliases > 0),
        BudgetBreach::Events { .. } => ("内容过多", aliases > 0),
        BudgetBreach::ScalarBytes { .. } => ("文字总量过大", aliases > 0),
        BudgetBreach::Depth { .. } => ("嵌套层级过深", false),
        BudgetBreach::Documents { .. } => ("文档（---）过多", false),
        BudgetBreach::InputBytes { .. } => ("文件过大", false),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. }
        | BudgetBreach::MergeKeys { .. } => ("锚点、别名（&、*）展开的内容过多", true),
        _ => ("内容过多", aliases > 0),
    };
    let t = said(&rules::YAML_LIMIT, format!("文件超出安全限制：{what}"));
    match (alias, breach) {
        (true, _) => t.help(ALIAS_ADVICE),
        (false, BudgetBreach::Depth { .. }) => {
            t.help("数据文件只有 项目 → 指标 → 佐证资料 几层；检查缩进或括号是否写乱")
        }
        (false, _) => t.help(big),
    }
}

/// A scanner error in Chinese.
pub(super) fn scan_zh(kind: &ErrorKind) -> String {
    use ErrorKind as K;
    match kind {
        K::UnclosedFlowCollection { open } => {
            let close = if *open == '[' { ']' } else { '}' };
            format!("“{open}”没有配对的“{close}”")
        }
        K::MismatchedFlowCollectionEnd { open, close } => {
            format!("“{open}”被不配对的“{close}”关闭")
        }
        K::MisplacedFlowCollectionEnd => "多余的右括号".to_string(),
        K::UnclosedQuotedScalar => "引号没有闭合".to_string(),
        K::UnexpectedEofFlowSequence => "文件在“[…]”列表中结束，缺少“]”".to_string(),
        K::UnexpectedEofFlowMapping | K::UnexpectedEofImplicitFlowMapping => {
            "文件在“{…}”中结束，缺少“}”".to_string()
        }
        K::UnexpectedEofBlockSequence | K::UnexpectedEofBlockMapping | K::UnexpectedEof => {
            "文件意外结束".to_string()
        }
        K::ExpectedFlowSequenceSeparator => "“[…]”中的各项之间应以逗号分隔，末尾是“]”".to_string(),
        K::ExpectedFlowMappingSeparator => "“{…}”中的各项之间应以逗号分隔，末尾是“}”".to_string(),
        K::ExpectedBlockMappingKey => "这里应是“字段: 值”，缩进可能不对".to_string(),
        K::ExpectedBlockSequenceEntry => "这里应是以“- ”开头的列表项，缩进可能不对".to_string(),
        K::ExpectedNodeContent => "这里缺少值".to_string(),
        K::UnknownAnchor => "以 * 开头的值是别名，引用的锚点不存在".to_string(),
        K::UnexpectedCharacter { character } => {
            format!("值不能以“{character}”开头，请给整个值加引号")
        }
        K::TabNotAllowed
        | K::TabInBlockIndentation
        | K::TabInIndentation
        | K::TabAtBlockScalarStart
        | K::TabInPlainScalar => "缩进中有制表符（Tab），请改用空格".to_string(),
        K::InvalidIndentation
        | K::InvalidQuotedScalarIndent
        | K::InvalidBlockScalarIndent
        | K::InvalidFlowScalarIndent => "缩进不对".to_string(),
        K::MappingValueNotAllowed | K::InvalidColonPlacement | K::InvalidMappingValueWhitespace => {
            "这里不能有“: ”：值中含有冒号时，请给整个值加引号".to_string()
        }
        K::MappingKeyNotAllowed => "这里不能写“字段:”".to_string(),
        K::BlockSequenceEntryNotAllowed | K::BlockEntryInFlowCollection => {
            "这里不能以“- ”开始列表项，缩进可能不对".to_string()
        }
        K::SimpleKeyExpected | K::InvalidSimpleKey => "字段名后缺少“: ”".to_string(),
        K::InvalidTrailingSingleQuotedScalar | K::InvalidTrailingDoubleQuotedScalar => {
            "引号闭合之后还有多余的文字；如值中含有引号，请整个值换用另一种引号".to_string()
        }
        K::UnknownQuotedScalarEscape
        | K::InvalidQuotedScalarHexEscape
        | K::InvalidLowSurrogateHexEscape
        | K::InvalidLowSurrogate
        | K::MissingLowSurrogate
        | K::UnpairedLowSurrogate
        | K::InvalidUnicodeEscape => {
            "双引号中的反斜杠 \\ 转义写法不对；写反斜杠本身请用单引号".to_string()
        }
        K::CommentNotSeparated | K::CommentInterceptedScalar => {
            "# 开始注释，前面要有空格；值中含有 # 时请给整个值加引号".to_string()
        }
        K::ExpectedWhitespace => "这里缺少空格（冒号、短横线之后要有空格）".to_string(),
        K::PlainScalarStartsWithDashFlowIndicator => {
            "以“-”开头、后面跟着括号或逗号的值要加引号".to_string()
        }
        K::BomInsideDocument => "文件中间有字节顺序标记（BOM）".to_string(),
        K::InvalidDocumentEnd => "文档结束标记 ... 之后还有内容".to_string(),
        K::RecursionLimitExceeded => "嵌套层级过深".to_string(),
        K::InputDecoding { .. } => "文件含有无法解码的字节".to_string(),
        K::ExpectedDocumentStart | K::MissingDocumentEndBeforeDirective => {
            "文档开始的位置不对（多余的 --- 或以 % 开头的行）".to_string()
        }
        K::MissingAnchorOrAliasName => {
            "& 或 * 之后缺少名称；以 & 或 * 开头的值要加引号".to_string()
        }
        K::ExpectedTagBang
        | K::UndeclaredTagHandle
        | K::InvalidTagEscape
        | K::InvalidTagTerminator
        | K::MissingTagUri
        | K::UnclosedVerbatimTag => "以 ! 开头的值要加引号".to_string(),
        _ => "此处的写法无法解析".to_string(),
    }
}
