//! The typed model read from a file's untyped tree ([`Node`]), driven by the field catalogue
//! ([`crate::fields`]): each key is looked up in its level's fields and its value read by the
//! field's shape. Every format problem of the file is collected — a wrong type, a number that
//! does not read, an unknown or missing key — rather than stopping at the first; a value that
//! cannot be read is replaced by a neutral stand-in (empty text, zero) so the rest of the file
//! can still be read and checked, and the department is marked as damaged (never built).

use serde_saphyr::{Location, Spanned};

use super::node::Node;
use crate::fields::{self, Level, Need, Shape};
use crate::model::{
    Dec, Department, DeptWide, Entries, EvalAmounts, FundRow, Goals, Indicator, IndicatorEval, Num,
    Project, SelfEval, Sources, Task, Text, parse_amount, short,
};
use crate::rules::{self, Rule};

/// One format problem, at a parser location.
#[derive(Debug, Clone)]
pub struct Problem {
    pub rule: &'static Rule,
    pub at: Location,
    pub message: String,
    pub help: Option<String>,
}

/// Reads the department of the tree `root` of the file `src`, with every format problem.
pub fn department(root: &Spanned<Node>, src: &str) -> (Department, Vec<Problem>) {
    let mut r = Reader {
        src,
        problems: Vec::new(),
    };
    let dept = r.department(root);
    (dept, r.problems)
}

struct Reader<'s> {
    src: &'s str,
    problems: Vec<Problem>,
}

/// The entries of one map, by key, as the level's reader takes them.
struct Fields<'n> {
    level: Level,
    at: &'n Spanned<Node>,
    /// Catalogue keys: the key, where it is written, its value.
    known: Vec<(&'static str, Text, &'n Spanned<Node>)>,
    /// Keys the catalogue does not know at this (open) level, with their values.
    other: Vec<(Text, &'n Spanned<Node>)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Spanned<Node>> {
        self.known
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }
}

fn kind_of(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) | Node::Plain(_) => "一段文字",
        Node::Seq(_) => "一个列表",
        Node::Map(_) => "若干“名称: 值”",
        Node::Null => "空值",
    }
}

impl Reader<'_> {
    fn report(&mut self, rule: &'static Rule, at: &Location, message: impl Into<String>) {
        self.problems.push(Problem {
            rule,
            at: *at,
            message: message.into(),
            help: None,
        });
    }

    fn wrong_type(&mut self, node: &Spanned<Node>, shape: Shape) {
        self.report(
            &rules::YAML_STRUCTURE,
            &node.referenced,
            format!(
                "类型不符：此处应是{}，写的却是{}",
                shape.expected_zh(),
                kind_of(&node.value)
            ),
        );
    }

    /// The source text of a scalar: what a string scalar resolved to, or a plain scalar's own
    /// characters (`12.50`, not the float's `12.5`).
    fn scalar_text(&self, node: &Spanned<Node>) -> Option<String> {
        match &node.value {
            Node::Scalar(s) => Some(s.clone()),
            Node::Plain(p) => {
                let (start, len) = super::text::span(&node.referenced, self.src);
                let own = self.src.get(start..start + len).unwrap_or("").trim();
                Some(if own.is_empty() {
                    p.clone()
                } else {
                    own.to_string()
                })
            }
            _ => None,
        }
    }

    /// A key as a located text; a key that is not a scalar reads as its kind in brackets.
    fn key_text(&self, k: &Spanned<Node>) -> Text {
        let s = match &k.value {
            Node::Scalar(_) | Node::Plain(_) => self.scalar_text(k).unwrap_or_default(),
            Node::Null => String::new(),
            Node::Seq(_) => "[…]".to_string(),
            Node::Map(_) => "{…}".to_string(),
        };
        Spanned::new(s, k.referenced, k.defined)
    }

    /// The entries of the map `node` at `level`: unknown keys of a closed level and missing
    /// required keys are reported here (a missing key next to a near spelling is reported as
    /// that misspelling).
    fn fields<'n>(&mut self, node: &'n Spanned<Node>, level: Level) -> Option<Fields<'n>> {
        let Node::Map(entries) = &node.value else {
            if !matches!(node.value, Node::Null) {
                self.wrong_type(node, Shape::Record(level));
            }
            return None;
        };
        let mut out = Fields {
            level,
            at: node,
            known: Vec::new(),
            other: Vec::new(),
        };
        for (k, v) in entries {
            let key = self.key_text(k);
            match fields::find(level, key.value.trim()) {
                Some(f) => out.known.push((f.key, key, v)),
                None => out.other.push((key, v)),
            }
        }
        let missing: Vec<&'static str> = fields::of(level)
            .filter(|f| f.need == Need::Required && out.get(f.key).is_none())
            .map(|f| f.key)
            .collect();
        // An unknown key that looks like a missing one is that key misspelt: reported as such,
        // and the missing key not again. Other unknown keys of an open level are the style's to
        // accept or refuse (the check reports them).
        let mut explained = Vec::new();
        for (key, _) in &out.other {
            let written = key.value.trim();
            let related = fields::nearest(written, missing.iter().copied()).or_else(|| {
                missing
                    .iter()
                    .copied()
                    .find(|m| written.contains(m) || m.contains(written) && !written.is_empty())
            });
            if level.open() && related.is_none() {
                continue;
            }
            let known: Vec<&str> = fields::keys(level).collect();
            let hint = match related {
                Some(n) => {
                    explained.push(n);
                    format!("（是不是“{n}”？）")
                }
                None => fields::did_you_mean(written, known.iter().copied()),
            };
            let message = format!(
                "未知字段“{written}”{hint}；此处可用的字段：{}",
                known.join("、")
            );
            self.report(&rules::UNKNOWN_KEY, &key.referenced, message);
        }
        for key in missing.into_iter().filter(|k| !explained.contains(k)) {
            self.report(
                &rules::MISSING_FIELD,
                &node.referenced,
                format!("缺少必填字段“{key}”（写在{}这一层级下）", level.name_zh()),
            );
        }
        Some(out)
    }

    /// The value of the text field `key` (required or not).
    fn text(&mut self, fs: &Fields, key: &str) -> Option<Text> {
        let node = fs.get(key)?;
        self.text_value(node, required(fs, key))
    }

    /// A required text: an empty stand-in at the map when it is missing.
    fn text_req(&mut self, fs: &Fields, key: &str) -> Text {
        self.text(fs, key)
            .unwrap_or_else(|| Spanned::new(String::new(), fs.at.referenced, fs.at.defined))
    }

    fn text_value(&mut self, node: &Spanned<Node>, required: bool) -> Option<Text> {
        let s = match &node.value {
            Node::Null if required => {
                self.report(&rules::EMPTY_TEXT, &node.referenced, "此处的值为空");
                String::new()
            }
            Node::Null => return None,
            Node::Seq(_) | Node::Map(_) => {
                self.wrong_type(node, Shape::Text);
                String::new()
            }
            _ => self.scalar_text(node).unwrap_or_default(),
        };
        Some(Spanned::new(s, node.referenced, node.defined))
    }

    fn number_value(&mut self, node: &Spanned<Node>, required: bool) -> Option<Num> {
        let zero = || {
            Spanned::new(
                Dec(rust_decimal::Decimal::ZERO),
                node.referenced,
                node.defined,
            )
        };
        let Some(s) = self.scalar_text(node) else {
            if matches!(node.value, Node::Null) {
                if !required {
                    return None;
                }
                self.report(
                    &rules::BAD_NUMBER,
                    &node.referenced,
                    "此处应填一个数字，却是空的",
                );
            } else {
                self.wrong_type(node, Shape::Number);
            }
            return Some(zero());
        };
        match parse_amount(&s) {
            Ok(d) => Some(Spanned::new(Dec(d), node.referenced, node.defined)),
            Err(e) => {
                let rule = match e {
                    crate::model::NumberError::NotANumber => &rules::BAD_NUMBER,
                    _ => &rules::NUMBER_LIMIT,
                };
                let mut message = e.message(&s);
                if rule.code == rules::BAD_NUMBER.code {
                    message.push_str("；只写数字（如 37.76），单位由表头说明");
                }
                self.report(rule, &node.referenced, message);
                Some(zero())
            }
        }
    }

    fn number(&mut self, fs: &Fields, key: &str) -> Option<Num> {
        let node = fs.get(key)?;
        self.number_value(node, required(fs, key))
    }

    fn text_list(&mut self, fs: &Fields, key: &str) -> Vec<Text> {
        let Some(node) = fs.get(key) else {
            return Vec::new();
        };
        match &node.value {
            Node::Null => Vec::new(),
            Node::Scalar(_) | Node::Plain(_) => self.text_value(node, true).into_iter().collect(),
            Node::Seq(items) => items
                .iter()
                .filter_map(|i| self.text_value(i, true))
                .collect(),
            Node::Map(_) => {
                self.wrong_type(node, Shape::TextList);
                Vec::new()
            }
        }
    }

    /// `key: value` pairs whose values `value` reads (money, signatures).
    fn entries<T>(
        &mut self,
        node: &Spanned<Node>,
        shape: Shape,
        mut value: impl FnMut(&mut Self, &Spanned<Node>) -> T,
    ) -> Spanned<Entries<T>> {
        let mut entries = Vec::new();
        match &node.value {
            Node::Map(items) => {
                for (k, v) in items {
                    let key = self.key_text(k);
                    entries.push((key, value(self, v)));
                }
            }
            Node::Null => {}
            _ => self.wrong_type(node, shape),
        }
        Spanned::new(Entries { entries }, node.referenced, node.defined)
    }

    fn records<T>(
        &mut self,
        fs: &Fields,
        key: &str,
        mut item: impl FnMut(&mut Self, &Spanned<Node>) -> Option<T>,
    ) -> Vec<T> {
        let Some(node) = fs.get(key) else {
            return Vec::new();
        };
        match &node.value {
            Node::Seq(items) => items.iter().filter_map(|i| item(self, i)).collect(),
            Node::Null => Vec::new(),
            _ => {
                let level = match fields::find(fs.level, key).map(|f| f.shape) {
                    Some(s @ Shape::Records(_)) => s,
                    _ => Shape::Records(Level::Project),
                };
                self.wrong_type(node, level);
                Vec::new()
            }
        }
    }

    /// The keys of an open level the catalogue stores by key, and the style's keys, as texts.
    fn texts(&mut self, fs: &Fields, level: Level) -> Vec<(Text, Text)> {
        let mut out = Vec::new();
        for f in fields::stored_texts(level) {
            if let Some((_, k, node)) = fs.known.iter().find(|(k, _, _)| *k == f.key)
                && let Some(v) = self.text_value(node, false)
            {
                out.push((k.clone(), v));
            }
        }
        for (k, v) in &fs.other {
            match &v.value {
                Node::Seq(_) | Node::Map(_) => self.report(
                    &rules::YAML_STRUCTURE,
                    &k.referenced,
                    format!("字段“{}”的值应是一段文字", k.value),
                ),
                _ => {
                    let text = self.scalar_text(v).unwrap_or_default();
                    out.push((k.clone(), Spanned::new(text, v.referenced, v.defined)));
                }
            }
        }
        out
    }

    fn department(&mut self, root: &Spanned<Node>) -> Department {
        let empty = Fields {
            level: Level::Department,
            at: root,
            known: Vec::new(),
            other: Vec::new(),
        };
        let fs = self.fields(root, Level::Department).unwrap_or(empty);
        let name = self.text_req(&fs, "部门");
        let year = match fs.get("年度") {
            Some(node) => self.year(node),
            None => Spanned::new(0, root.referenced, root.defined),
        };
        let style = self.text_req(&fs, "样式");
        let signatures = match fs.get("签字") {
            Some(node) => {
                self.entries(node, Shape::Names, |r, v| {
                    r.text_value(v, true)
                        .unwrap_or_else(|| Spanned::new(String::new(), v.referenced, v.defined))
                })
                .value
            }
            None => Entries::default(),
        };
        let notes = self.text_list(&fs, "备注");
        let projects = self.records(&fs, "项目", |r, n| r.project(n));
        let wide = fs
            .known
            .iter()
            .find(|(k, _, _)| *k == "部门整体")
            .and_then(|(_, key, node)| self.wide(key, node));
        Department {
            name,
            year,
            style,
            signatures,
            notes,
            projects,
            wide,
            file: Default::default(),
        }
    }

    /// Money by source (`资金` of a project, of the department, of a task).
    fn money(&mut self, node: &Spanned<Node>) -> Spanned<Sources<Num>> {
        self.entries(node, Shape::Money, |r, v| {
            r.number_value(v, true)
                .unwrap_or_else(|| Spanned::new(Dec(Default::default()), v.referenced, v.defined))
        })
    }

    /// `部门整体`, read at its key `key`.
    fn wide(&mut self, key: &Text, node: &Spanned<Node>) -> Option<DeptWide> {
        let fs = self.fields(node, Level::DeptWide)?;
        let funds = match fs.get("资金") {
            Some(n) => self.money(n),
            None => Spanned::new(Entries::default(), node.referenced, node.defined),
        };
        Some(DeptWide {
            key: key.clone(),
            functions: self.text(&fs, "部门职能"),
            funds,
            basic: self.number(&fs, "基本支出"),
            project_spending: self.number(&fs, "项目支出"),
            income: self.records(&fs, "收入", |r, n| r.fund_row(n, Level::FundRow)),
            spending: self.records(&fs, "支出", |r, n| r.fund_row(n, Level::FundRow)),
            allocation: self.records(&fs, "拨付结余", |r, n| r.fund_row(n, Level::Allocation)),
            tasks: self.records(&fs, "年度主要任务", |r, n| r.task(n)),
            goals: fs.get("年度总体目标").and_then(|n| self.goals(n)),
            indicators: self.records(&fs, "指标", |r, n| r.indicator(n)),
            eval: fs.get("自评").and_then(|n| self.eval(n)),
        })
    }

    /// A row of the income or spending composition ([`Level::FundRow`]) or of the money by
    /// funding level ([`Level::Allocation`]): its figures are the catalogue's for `level`.
    fn fund_row(&mut self, node: &Spanned<Node>, level: Level) -> Option<FundRow> {
        let fs = self.fields(node, level)?;
        let mut figures = Vec::new();
        let mut rates = Vec::new();
        for f in fields::figures(level) {
            if f.shape == Shape::Rate {
                rates.extend(self.text(&fs, f.key).map(|t| (f.key, t)));
            } else {
                figures.extend(self.number(&fs, f.key).map(|n| (f.key, n)));
            }
        }
        Some(FundRow {
            level,
            name: self.text_req(&fs, "名称"),
            group: self.text(&fs, "分组"),
            sum: self.text(&fs, "汇总"),
            figures,
            rates,
        })
    }

    fn task(&mut self, node: &Spanned<Node>) -> Option<Task> {
        let fs = self.fields(node, Level::Task)?;
        Some(Task {
            name: self.text_req(&fs, "任务名称"),
            function: self.text(&fs, "部门职能"),
            content: self.text(&fs, "主要内容"),
            projects: self.text_list(&fs, "支出项目"),
            funds: fs.get("资金").map(|n| self.money(n)),
        })
    }

    fn year(&mut self, node: &Spanned<Node>) -> Spanned<u32> {
        let value = match self.scalar_text(node) {
            Some(s) => match s.trim().parse::<u32>() {
                Ok(y) => y,
                Err(_) => {
                    self.report(
                        &rules::BAD_NUMBER,
                        &node.referenced,
                        format!(
                            "年度应是一个整数（如 2023），写的“{}”无法按整数读取",
                            short(&s)
                        ),
                    );
                    0
                }
            },
            None => {
                self.wrong_type(node, Shape::Year);
                0
            }
        };
        Spanned::new(value, node.referenced, node.defined)
    }

    fn project(&mut self, node: &Spanned<Node>) -> Option<Project> {
        let fs = self.fields(node, Level::Project)?;
        let name = self.text_req(&fs, "名称");
        let funds = match fs.get("资金") {
            Some(n) => self.money(n),
            None => Spanned::new(Entries::default(), node.referenced, node.defined),
        };
        let goals = fs.get("总体目标").and_then(|n| self.goals(n));
        let indicators = self.records(&fs, "指标", |r, n| r.indicator(n));
        let mid_goals = fs.get("中期目标").and_then(|n| self.goals(n));
        let mid_funds = fs.get("中期资金").map(|n| self.money(n));
        let mid_indicators = self.records(&fs, "中期指标", |r, n| r.indicator(n));
        let eval = fs.get("自评").and_then(|n| self.eval(n));
        let texts = self.texts(&fs, Level::Project);
        Some(Project {
            name,
            funds,
            goals,
            indicators,
            mid_goals,
            mid_funds,
            mid_indicators,
            eval,
            texts,
        })
    }

    fn goals(&mut self, node: &Spanned<Node>) -> Option<Spanned<Goals>> {
        let goals = match &node.value {
            Node::Null => return None,
            Node::Scalar(_) | Node::Plain(_) => Goals::One(self.scalar_text(node)?),
            Node::Seq(items) => Goals::Many(
                items
                    .iter()
                    .map(|i| {
                        self.text_value(i, true)
                            .map(|t| t.value)
                            .unwrap_or_default()
                    })
                    .collect(),
            ),
            Node::Map(_) => {
                self.wrong_type(node, Shape::Goals);
                return None;
            }
        };
        Some(Spanned::new(goals, node.referenced, node.defined))
    }

    fn indicator(&mut self, node: &Spanned<Node>) -> Option<Indicator> {
        let fs = self.fields(node, Level::Indicator)?;
        Some(Indicator {
            level1: self.text_req(&fs, "一级"),
            level2: self.text(&fs, "二级"),
            name: self.text_req(&fs, "三级"),
            target: self.text_req(&fs, "指标值"),
            basis: self.text(&fs, "依据"),
            last_year: self.text(&fs, "上年完成值"),
            weight: self.number(&fs, "权重"),
            scoring: self.text(&fs, "赋分规则"),
            evidence: self.text_list(&fs, "佐证资料"),
            texts: self.texts(&fs, Level::Indicator),
        })
    }

    fn eval(&mut self, node: &Spanned<Node>) -> Option<SelfEval> {
        let fs = self.fields(node, Level::Eval)?;
        let funds = match fs.get("资金") {
            Some(n) => self.entries(n, Shape::EvalMoney, |r, v| r.amounts(v)),
            None => Spanned::new(Entries::default(), node.referenced, node.defined),
        };
        Some(SelfEval {
            funds,
            stated_rate: self.text(&fs, "执行率"),
            stated_exec_score: self.number(&fs, "执行得分"),
            exec_override: self.text(&fs, "执行得分调整理由"),
            outcome: self.text_req(&fs, "实际完成情况"),
            stated_total: self.number(&fs, "总分"),
            stated_grade: self.text(&fs, "等级"),
            indicators: self.records(&fs, "指标", |r, n| r.result(n)),
            texts: self.texts(&fs, Level::Eval),
        })
    }

    fn amounts(&mut self, node: &Spanned<Node>) -> EvalAmounts {
        let zero = || Spanned::new(Dec(Default::default()), node.referenced, node.defined);
        match self.fields(node, Level::Amounts) {
            Some(fs) => EvalAmounts {
                initial: self.number(&fs, "年初预算"),
                budget: self.number(&fs, "全年预算").unwrap_or_else(zero),
                executed: self.number(&fs, "全年执行").unwrap_or_else(zero),
            },
            None => {
                if matches!(node.value, Node::Null) {
                    self.wrong_type(node, Shape::Record(Level::Amounts));
                }
                EvalAmounts {
                    initial: None,
                    budget: zero(),
                    executed: zero(),
                }
            }
        }
    }

    fn result(&mut self, node: &Spanned<Node>) -> Option<IndicatorEval> {
        let fs = self.fields(node, Level::Result)?;
        Some(IndicatorEval {
            indicator: self.text_req(&fs, "指标"),
            actual: self.text(&fs, "实际完成值"),
            score: self.number(&fs, "得分"),
            grade: self.text(&fs, "等级"),
            reason: self.text(&fs, "偏差原因"),
            score_override: self.text(&fs, "得分调整理由"),
        })
    }
}

/// Whether `key` is required at the level of `fs`.
fn required(fs: &Fields, key: &str) -> bool {
    fields::find(fs.level, key).is_some_and(|f| f.need == Need::Required)
}
