//! Validation: every rule of RULES.md as a small function over one department and its style,
//! each finding a located diagnostic with a stable code. Checking also resolves the data into
//! what the planner needs (canonical levels in taxonomy order, parsed targets, computed figures),
//! so the figures that are checked are exactly the figures that are printed.
//!
//! Here: a department and its projects; `names` the output directory names; `funds` a
//! project's money; `indicators` its indicators; `eval` its self-evaluation; `wide` the
//! department-wide part.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;
use serde_saphyr::Spanned;

use crate::compute::{self, Comparison, Grade, fmt_decimal, fmt_percent, fmt_score, round};
use crate::diag::{Diagnostic, FileId, Pos, Sources};
use crate::fields::{self, Level};
use crate::load::Loaded;
use crate::model::{
    Department, EvalAmounts, Indicator, IndicatorEval, Num, Project, SelfEval, Sources as Money,
    Text, Texts,
};
use crate::rules::{self, Rule};
use crate::style::{LoadedStyle, Styles};
use crate::target::{self, Direction, Value};

pub mod continuity;
mod declared;
mod eval;
mod funds;
mod indicators;
mod names;
mod wide;
use eval::*;
pub use eval::{level1s, points_of_level1};
pub use funds::PLAUSIBLE_PROJECT_WAN;
use funds::*;
use indicators::*;
use names::*;
pub use names::{MAX_DIR_NAME_BYTES, dir_name_problem, output_dir_key};
pub use wide::{Task, Wide};

/// A department that was checked, with everything resolved for planning.
pub struct Dept<'a> {
    pub src: &'a Department,
    pub style: LoadedStyle,
    pub projects: Vec<Proj<'a>>,
    /// The department-wide part (`部门整体`), where the file carries one.
    pub wide: Option<Wide<'a>>,
    /// Errors found in this department; nothing is written for it when non-zero.
    pub errors: usize,
}

pub struct Proj<'a> {
    pub src: &'a Project,
    /// Indicators in print order: the taxonomy's (stable within a level) or as written,
    /// as the style says.
    pub indicators: Vec<Ind<'a>>,
    pub funds: Funds,
    /// 中期指标 in print order, checked as the 年度 ones but without weights.
    pub mid_indicators: Vec<Ind<'a>>,
    /// 中期资金, where written.
    pub mid_funds: Option<Funds>,
    pub eval: Option<Eval<'a>>,
    /// The extra fields the style declares, as `(key, value)`.
    pub extras: Vec<(String, String)>,
}

/// Budget money of a project.
pub struct Funds {
    /// The filled sources by the style's key, in the style's order.
    pub sources: Vec<(String, Decimal)>,
    /// Sum of the sources, or the stated total where no source is given.
    pub total: Decimal,
}

impl Funds {
    pub fn get(&self, key: &str) -> Option<Decimal> {
        self.sources.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The amount of a source key, or the total for `合计`.
    pub fn amount(&self, key: &str) -> Option<Decimal> {
        if key == crate::model::TOTAL_KEY {
            Some(self.total)
        } else {
            self.get(key)
        }
    }
}

pub struct Ind<'a> {
    pub src: &'a Indicator,
    pub level1: String,
    pub level2: Option<String>,
    pub target: Value,
    pub weight: Option<Decimal>,
    pub result: Option<IndResult<'a>>,
    /// The extra fields the style declares, as `(key, value)`.
    pub extras: Vec<(String, String)>,
}

pub struct IndResult<'a> {
    pub src: &'a IndicatorEval,
    /// The printed score: computed, unless overridden with a reason or not computable;
    /// `None` where the style allows a blank score and none is given.
    pub score: Option<Decimal>,
}

/// One money row of the self-evaluation.
#[derive(Debug, Clone)]
pub struct EvalRow {
    /// The style's source key; `None` for the total.
    pub source: Option<String>,
    pub initial: Option<Decimal>,
    pub budget: Decimal,
    pub executed: Decimal,
}

impl EvalRow {
    /// The amount of a money measure (`年初预算`, `全年预算`, `全年执行`), as the style names it.
    pub fn amount(&self, measure: &str) -> Option<Decimal> {
        match measure {
            "年初预算" => self.initial,
            "全年预算" => Some(self.budget),
            "全年执行" => Some(self.executed),
            _ => None,
        }
    }

    /// B / A, when A is not zero.
    pub fn rate(&self) -> Option<Decimal> {
        (!self.budget.is_zero())
            .then(|| self.executed.checked_div(self.budget))
            .flatten()
    }
}

pub struct Eval<'a> {
    pub src: &'a SelfEval,
    pub rows: Vec<EvalRow>,
    pub total: EvalRow,
    /// B / A (exact).
    pub rate: Decimal,
    /// The printed execution score.
    pub exec_score: Decimal,
    /// Whether `exec_score` is the stated figure, kept by an override reason, rather than the
    /// computed one.
    pub exec_overridden: bool,
    /// Execution score + every indicator score; `None` while a score is blank.
    pub total_score: Option<Decimal>,
    /// Execution points + the points of every 一级 (the 总分 row's 分值).
    pub points_total: Decimal,
    pub grade: Option<&'static str>,
    /// The extra fields the style declares, as `(key, value)`.
    pub extras: Vec<(String, String)>,
}

impl Eval<'_> {
    /// The money row of a source key.
    pub fn row(&self, key: &str) -> Option<&EvalRow> {
        self.rows.iter().find(|r| r.source.as_deref() == Some(key))
    }

    /// The money row of a source key, or the total row for `合计`.
    pub fn row_or_total(&self, key: &str) -> Option<&EvalRow> {
        if key == crate::model::TOTAL_KEY {
            Some(&self.total)
        } else {
            self.row(key)
        }
    }
}

pub struct Checked<'a> {
    pub departments: Vec<Dept<'a>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks every loaded department against its style.
pub fn check<'a>(loaded: &'a Loaded, styles: &Styles) -> Checked<'a> {
    check_with(loaded, styles, None)
}

/// [`check`], with a directory name every year's output directory holds for something else
/// (a region's summaries, `<地区>汇总`): a department whose directory it would be is refused
/// like two departments sharing one (JX111).
pub fn check_with<'a>(loaded: &'a Loaded, styles: &Styles, reserved: Option<&str>) -> Checked<'a> {
    let mut diagnostics = Vec::new();
    let mut departments = Vec::new();
    let mut seen: HashMap<(String, u32), FileId> = HashMap::new();
    // Output directory (as the file system compares it) and year → (file, name).
    let mut dirs: HashMap<(String, u32), (FileId, &str)> = HashMap::new();
    for dept in &loaded.departments {
        let mut cx = Cx {
            sources: &loaded.sources,
            file: dept.file,
            diags: Vec::new(),
        };
        if first_of_its_year(&mut cx, loaded, dept, &mut seen) {
            check_output_dir(&mut cx, dept, reserved, &mut dirs);
        }
        match styles.get(dept.style.value.trim()) {
            Ok(style) => {
                let style = style.clone();
                let (projects, wide) = check_department(&mut cx, dept, &style);
                let errors = cx.diags.iter().filter(|d| d.is_error()).count();
                departments.push(Dept {
                    src: dept,
                    style,
                    projects,
                    wide,
                    errors,
                });
            }
            Err(msg) => style_refused(&mut cx, styles, dept, msg),
        }
        diagnostics.append(&mut cx.diags);
    }
    // A file with format problems: its other problems too, in the same run (see
    // [`check_damaged`]).
    for dept in &loaded.damaged {
        diagnostics.extend(check_damaged(loaded, styles, dept, &mut seen));
    }
    // This year against last year's file of the same department, where both are here.
    diagnostics.extend(continuity::check(&loaded.sources, &departments));
    Checked {
        departments,
        diagnostics,
    }
}

/// Whether `dept` is the first file of its department and year (JX107 on a second one);
/// remembers it in `seen`. A year that did not read (0) is no year.
fn first_of_its_year(
    cx: &mut Cx,
    loaded: &Loaded,
    dept: &Department,
    seen: &mut HashMap<(String, u32), FileId>,
) -> bool {
    let key = (dept.name.value.trim().to_string(), dept.year.value);
    if let Some(&other) = seen.get(&key) {
        cx.emit(
            &rules::DUPLICATE_DEPARTMENT,
            &dept.name,
            format!(
                "{} {} 年度的数据已在 {} 中",
                key.0,
                key.1,
                crate::diag::display_path(loaded.sources.path(other))
            ),
        );
        return false;
    }
    if dept.year.value != 0 {
        seen.insert(key, dept.file);
    }
    true
}

/// The department's style is missing or broken.
fn style_refused(cx: &mut Cx, styles: &Styles, dept: &Department, msg: String) {
    let available = styles.available();
    let written = dept.style.value.trim();
    if available.iter().any(|k| k == written) {
        cx.emit(&rules::STYLE_BROKEN, &dept.style, msg)
    } else {
        let near = fields::did_you_mean(written, available.iter().map(String::as_str));
        cx.emit(&rules::UNKNOWN_STYLE, &dept.style, format!("{msg}{near}"))
    }
}

/// The rules that judge the arithmetic of a department (money, weights, scores): not run on a
/// damaged department, whose unreadable numbers stand in as zero.
fn is_arithmetic(rule: &Rule) -> bool {
    let code = rule.code;
    let n: u32 = code.trim_start_matches("JX").parse().unwrap_or(0);
    matches!(n, 211..=213 | 300..=399 | 404..=499 | 801..=802)
}

/// The check of a department whose file has format problems (the loader's diagnostics,
/// already in `loaded.diagnostics`): every rule that does not need its numbers, and nothing at
/// a place the loader already reported (a stand-in there would only repeat it). It is never
/// built, so nothing of it is kept but the diagnostics.
fn check_damaged(
    loaded: &Loaded,
    styles: &Styles,
    dept: &Department,
    seen: &mut HashMap<(String, u32), FileId>,
) -> Vec<Diagnostic> {
    let mut cx = Cx {
        sources: &loaded.sources,
        file: dept.file,
        diags: Vec::new(),
    };
    first_of_its_year(&mut cx, loaded, dept, seen);
    match styles.get(dept.style.value.trim()) {
        Ok(style) => {
            let style = style.clone();
            check_department(&mut cx, dept, &style);
        }
        Err(msg) => style_refused(&mut cx, styles, dept, msg),
    }
    let reported: HashSet<(usize, usize)> = loaded
        .diagnostics
        .iter()
        .filter_map(|d| d.pos.as_ref())
        .filter(|p| p.file == dept.file)
        .map(|p| (p.line, p.column))
        .collect();
    cx.diags.retain(|d| {
        !is_arithmetic(d.rule)
            && !d
                .pos
                .as_ref()
                .is_some_and(|p| reported.contains(&(p.line, p.column)))
    });
    cx.diags
}

/// The checking context of one file.
struct Cx<'s> {
    sources: &'s Sources,
    file: FileId,
    diags: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn pos<T>(&self, s: &Spanned<T>) -> Option<Pos> {
        crate::load::span_pos(self.sources, self.file, &s.referenced)
    }

    fn emit<T>(&mut self, rule: &'static Rule, at: &Spanned<T>, msg: impl Into<String>) {
        let pos = self.pos(at);
        self.diags.push(Diagnostic::new(rule, pos, msg));
    }

    fn emit_help<T>(
        &mut self,
        rule: &'static Rule,
        at: &Spanned<T>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let pos = self.pos(at);
        self.diags.push(Diagnostic::new(rule, pos, msg).help(help));
    }

    /// Reports an empty text; returns whether it was non-empty.
    fn non_empty(&mut self, t: &Text, what: &str) -> bool {
        if t.value.trim().is_empty() {
            self.emit(&rules::EMPTY_TEXT, t, format!("{what}为空"));
            false
        } else {
            true
        }
    }
}

/// Whose indicators and self-evaluation are checked: a project, or the department-wide part
/// (`部门整体`), which are checked alike. It says how messages name it and where a finding
/// about it as a whole is located.
#[derive(Clone, Copy)]
struct Owner<'t> {
    /// Where a finding about the whole is located (the project's name, the key `部门整体`).
    at: &'t Text,
    /// How messages name it: `项目“…”`, `部门整体`.
    who: &'t str,
    /// What the style's minimums apply to, in its help: `每个项目`, `部门整体`.
    each: &'static str,
}

fn check_department<'a>(
    cx: &mut Cx,
    dept: &'a Department,
    style: &LoadedStyle,
) -> (Vec<Proj<'a>>, Option<Wide<'a>>) {
    cx.non_empty(&dept.name, "部门名称");
    if !(2000..=2100).contains(&dept.year.value) {
        cx.emit(
            &rules::BAD_YEAR,
            &dept.year,
            format!("年度 {} 不在 2000–2100 之间", dept.year.value),
        );
    }
    // Signature fields: the style's keys only; the required ones filled.
    let sig_keys: Vec<&str> = style
        .style
        .signatures
        .iter()
        .map(|f| f.key.value.as_str())
        .collect();
    for (k, v) in dept.signatures.iter() {
        if !sig_keys.contains(&k.value.trim()) {
            cx.emit_help(
                &rules::UNKNOWN_KEY,
                k,
                format!("样式“{}”的签字栏没有“{}”", style.key, k.value.trim()),
                if sig_keys.is_empty() {
                    "本样式没有签字栏，删除 签字".to_string()
                } else {
                    format!("可用：{}", sig_keys.join("、"))
                },
            );
        } else {
            cx.non_empty(v, &format!("签字栏的{}", k.value.trim()));
        }
    }
    for f in style.style.signatures.iter().filter(|f| f.required) {
        let field = f.key.value.as_str();
        if dept.signatures.get(field).is_none() {
            cx.emit_help(
                &rules::MISSING_FIELD,
                &dept.style,
                format!("样式“{}”的签字栏需要“{field}”", style.key),
                format!("在文件顶层写 签字: {{{field}: …}}"),
            );
        }
    }
    if dept.projects.is_empty() {
        cx.emit(&rules::NO_PROJECTS, &dept.name, "这个部门没有项目");
    }
    let mut names: HashMap<&str, ()> = HashMap::new();
    let mut out = Vec::new();
    for p in &dept.projects {
        if names.insert(p.name.value.trim(), ()).is_some() {
            cx.emit(
                &rules::DUPLICATE_PROJECT,
                &p.name,
                format!("项目“{}”在本文件中出现了不止一次", p.name.value.trim()),
            );
        }
        out.push(check_project(cx, p, style));
    }
    let wide = match &dept.wide {
        Some(w) => Some(wide::check(cx, dept, w, style)),
        None => {
            if style.style.department.required {
                cx.emit_help(
                    &rules::MISSING_FIELD,
                    &dept.name,
                    format!("样式“{}”要求填写部门整体", style.key),
                    "在文件顶层写 部门整体: …（写法见 docs/data-format.md 的“部门整体”）",
                );
            }
            None
        }
    };
    (out, wide)
}

/// Project-level text fields by data key, for the style's `required_fields`.
fn project_field<'p>(p: &'p Project, key: &str) -> Option<Option<&'p Text>> {
    fields::find(Level::Project, key)
        .filter(|f| f.store == fields::Store::Texts)
        .map(|_| p.text(key))
}

fn indicator_field(i: &Indicator, key: &str) -> Option<bool> {
    Some(match key {
        "二级" => i.level2.is_some(),
        "依据" => i.basis.is_some(),
        "上年完成值" => i.last_year.is_some(),
        "权重" => i.weight.is_some(),
        "赋分规则" => i.scoring.is_some(),
        "佐证资料" => !i.evidence.is_empty(),
        _ if fields::find(Level::Indicator, key)
            .is_some_and(|f| f.store == fields::Store::Texts) =>
        {
            i.text(key).is_some()
        }
        _ => return None,
    })
}

fn check_project<'a>(cx: &mut Cx, p: &'a Project, style: &LoadedStyle) -> Proj<'a> {
    cx.non_empty(&p.name, "项目名称");
    let pname = p.name.value.trim();
    for key in style.style.required_fields.iter().map(|k| k.value.as_str()) {
        match project_field(p, key) {
            Some(Some(t)) => {
                cx.non_empty(t, key);
            }
            Some(None) => cx.emit_help(
                &rules::MISSING_FIELD,
                &p.name,
                format!("项目“{pname}”缺少“{key}”（样式“{}”要求填写）", style.key),
                format!("在该项目下写 {key}: …"),
            ),
            None if key == "总体目标" => match &p.goals {
                None => cx.emit_help(
                    &rules::MISSING_FIELD,
                    &p.name,
                    format!("项目“{pname}”缺少“总体目标”"),
                    "在该项目下写 总体目标: …（可写成每行一个“目标N”的列表）",
                ),
                Some(g) => {
                    if g.value.texts().iter().all(|t| t.trim().is_empty()) {
                        cx.emit(&rules::EMPTY_TEXT, g, "总体目标为空");
                    }
                }
            },
            None if key == "中期目标" => match &p.mid_goals {
                None => cx.emit_help(
                    &rules::MISSING_FIELD,
                    &p.name,
                    format!("项目“{pname}”缺少“中期目标”（样式“{}”要求填写）", style.key),
                    "在该项目下写 中期目标: …（可写成每行一个“目标N”的列表）",
                ),
                Some(g) => {
                    if g.value.texts().iter().all(|t| t.trim().is_empty()) {
                        cx.emit(&rules::EMPTY_TEXT, g, "中期目标为空");
                    }
                }
            },
            None if key == "中期资金" && p.mid_funds.is_none() => cx.emit_help(
                &rules::MISSING_FIELD,
                &p.name,
                format!("项目“{pname}”缺少“中期资金”（样式“{}”要求填写）", style.key),
                "在该项目下写 中期资金: 按来源的金额（万元），写法与 资金 相同",
            ),
            None if key == "中期指标" && p.mid_indicators.is_empty() => cx.emit_help(
                &rules::MISSING_FIELD,
                &p.name,
                format!("项目“{pname}”缺少“中期指标”（样式“{}”要求填写）", style.key),
                "在该项目下写 中期指标: 列表，每条写法与 指标 相同（不写权重）",
            ),
            None => {}
        }
    }
    let funds = check_funds(cx, &p.funds, style, Some("项目"));
    let mid_funds = p.mid_funds.as_ref().map(|m| {
        let mid = check_funds(cx, m, style, None);
        if mid.total < funds.total {
            let msg = format!(
                "项目“{pname}”的中期资金 {} 万元少于年度资金 {} 万元",
                fmt_decimal(mid.total),
                fmt_decimal(funds.total)
            );
            match m.value.total() {
                Some(t) => cx.emit(&rules::MID_FUNDS_BELOW, t, msg),
                None => cx.emit(&rules::MID_FUNDS_BELOW, m, msg),
            }
        }
        mid
    });
    let who = format!("项目“{pname}”");
    let owner = Owner {
        at: &p.name,
        who: &who,
        each: "每个项目",
    };
    let mut indicators = check_indicators(cx, owner, &p.indicators, style, false);
    let mid_indicators = check_indicators(cx, owner, &p.mid_indicators, style, true);
    let extras = check_extras(
        cx,
        &fields::extras(p, Level::Project),
        &style.style.fields.project,
        style,
        Level::Project,
        &p.name,
    );
    let eval = p
        .eval
        .as_ref()
        .map(|e| check_eval(cx, owner, &mut indicators, e, style));
    Proj {
        src: p,
        indicators,
        funds,
        mid_indicators,
        mid_funds,
        eval,
        extras,
    }
}
