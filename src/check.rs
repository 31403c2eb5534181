//! Validation: every rule of RULES.md as a small function over one department and its style,
//! each finding a located diagnostic with a stable code. Checking also resolves the data into
//! what the planner needs (canonical levels in taxonomy order, parsed targets, computed figures),
//! so the figures that are checked are exactly the figures that are printed.

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

mod wide;
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
    diagnostics.extend(crate::continuity::check(&loaded.sources, &departments));
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

/// The longest output directory name accepted, in bytes (most file systems allow 255; the
/// rest is left for a name's marks, and Windows paths are short).
pub const MAX_DIR_NAME_BYTES: usize = crate::write::policy::MAX_NAME_BYTES;

/// How a file system compares output directory names: `safe_component`'s name, without the
/// trailing dots and spaces Windows drops, in one case and one Unicode normalization (Windows
/// and macOS ignore case; macOS ignores composition).
pub fn output_dir_key(name: &str) -> String {
    let c = crate::write::safe_component(name);
    crate::write::policy::folded_name(c.trim_end_matches(['.', ' ']))
}

/// Why the name `what` (`部门名称`, `地区名称`) cannot be an output directory's name as
/// `safe_component` makes it — only dots, a Windows device name, too long — as a message and
/// what to do; `None` when it can.
pub fn dir_name_problem(what: &str, name: &str) -> Option<(String, String)> {
    let dir = crate::write::safe_component(name);
    if name.chars().all(|c| c == '.' || c.is_whitespace()) {
        return Some((
            format!("{what}“{name}”只有点号，不能用作目录名"),
            "写出全称".to_string(),
        ));
    }
    if crate::write::policy::reserved_on_windows(&dir) {
        return Some((
            format!("{what}“{name}”是 Windows 保留的设备名，不能用作目录名"),
            "写出全称；CON、PRN、AUX、NUL、COM1–COM9、LPT1–LPT9（含带扩展名的形式）不能作目录名"
                .to_string(),
        ));
    }
    if dir.len() > MAX_DIR_NAME_BYTES {
        return Some((
            format!(
                "{what}用作目录名有 {} 字节（UTF-8），最多 {MAX_DIR_NAME_BYTES} 字节",
                dir.len()
            ),
            format!(
                "写简短些的{what}（汉字每个 3 字节，即约 {} 个汉字）",
                MAX_DIR_NAME_BYTES / 3
            ),
        ));
    }
    None
}

/// The department's output directory `out/<年度>/<部门>/`: a name the file system would refuse
/// or alter (JX112), or one that is another department's directory, or the `reserved` one, on
/// some file system (JX111, at this department's name, naming the other's file).
fn check_output_dir<'a>(
    cx: &mut Cx,
    dept: &'a Department,
    reserved: Option<&str>,
    dirs: &mut HashMap<(String, u32), (FileId, &'a str)>,
) {
    let name = dept.name.value.trim();
    if name.is_empty() {
        return; // JX103
    }
    let dir = crate::write::safe_component(name);
    if let Some((message, help)) = dir_name_problem("部门名称", name) {
        cx.emit_help(&rules::BAD_DEPARTMENT_NAME, &dept.name, message, help);
        return;
    }
    let key = (output_dir_key(name), dept.year.value);
    // With a region, `out/<年度>/index.html` is the year's publication index.
    if reserved.is_some() && output_dir_key(crate::write::layout::INDEX_FILE) == key.0 {
        cx.emit_help(
            &rules::OUTPUT_COLLISION,
            &dept.name,
            format!(
                "部门“{name}”的输出目录 {}/{dir}/ 就是该年度发布索引页的文件名",
                dept.year.value
            ),
            "写出部门全称",
        );
        return;
    }
    if let Some(reserved) = reserved.filter(|r| output_dir_key(r) == key.0) {
        cx.emit_help(
            &rules::OUTPUT_COLLISION,
            &dept.name,
            format!(
                "部门“{name}”的输出目录 {}/{dir}/ 就是地区汇总表的目录",
                dept.year.value
            ),
            format!("写出部门全称；“{reserved}”是地区汇总表的目录名"),
        );
        return;
    }
    match dirs.get(&key) {
        Some(&(other, other_name)) => {
            let here = crate::diag::display_path(cx.sources.path(cx.file));
            let there = crate::diag::display_path(cx.sources.path(other));
            cx.emit(
                &rules::OUTPUT_COLLISION,
                &dept.name,
                format!(
                    "{here} 的部门“{name}”与 {there} 的部门“{other_name}”输出到同一目录 {}/{dir}/",
                    dept.year.value
                ),
            );
        }
        None => {
            dirs.insert(key, (dept.file, name));
        }
    }
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
        &p.extras(Level::Project),
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

fn money_sources_allowed(style: &LoadedStyle) -> String {
    let keys: Vec<&str> = style.source_keys().collect();
    if keys.is_empty() {
        "本样式只印合计".to_string()
    } else {
        format!("本样式的资金栏：{}、合计", keys.join("、"))
    }
}

/// The style's key of a source the data names, or a located error.
fn source_key(cx: &mut Cx, key: &Text, style: &LoadedStyle) -> Option<String> {
    let k = key.value.trim();
    if style.source_keys().any(|s| s == k) {
        Some(k.to_string())
    } else {
        cx.emit_help(
            &rules::MONEY_SOURCE,
            key,
            format!("样式“{}”没有“{k}”栏", style.key),
            money_sources_allowed(style),
        );
        None
    }
}

/// Adds exactly; an overflow is reported once at `at` and the sum saturates.
fn checked_sum<T>(
    cx: &mut Cx,
    values: impl IntoIterator<Item = Decimal>,
    at: &Spanned<T>,
) -> Decimal {
    let mut sum = Decimal::ZERO;
    for v in values {
        match sum.checked_add(v) {
            Some(s) => sum = s,
            None => {
                cx.emit(&rules::MONEY_RANGE, at, "金额相加超出了可计算的范围");
                return Decimal::MAX;
            }
        }
    }
    sum
}

/// A project budget from which on (万元, i.e. 10 亿元) an amount is more likely 元 than 万元.
pub const PLAUSIBLE_PROJECT_WAN: i64 = 100_000;

/// Money by source: the sources the style has, none negative, the stated total their sum.
/// `what` (`项目`, `部门`) names a budget whose amounts are also judged plausible in 万元 and
/// non-zero; a part of a budget (a task's amounts) is not.
fn check_funds(
    cx: &mut Cx,
    funds: &Spanned<Money<Num>>,
    style: &LoadedStyle,
    what: Option<&str>,
) -> Funds {
    let m = &funds.value;
    let mut sources = Vec::new();
    for (key, v) in m.filled() {
        let Some(k) = source_key(cx, key, style) else {
            continue;
        };
        if v.value.0 < Decimal::ZERO {
            cx.emit(&rules::MONEY_NEGATIVE, v, format!("{k} 为负数"));
        }
        sources.push((k, v.value.0));
    }
    // The style's order, whatever order the data wrote them in.
    sources.sort_by_key(|(k, _)| style.source_keys().position(|s| s == k));
    let sum = checked_sum(cx, sources.iter().map(|(_, v)| *v), funds);
    let total = match (m.total(), sources.is_empty()) {
        (Some(t), true) => t.value.0,
        (Some(t), false) => {
            if t.value.0 != sum {
                cx.emit_help(
                    &rules::MONEY_SUM,
                    t,
                    format!(
                        "合计写的是 {}，各来源相加是 {}",
                        fmt_decimal(t.value.0),
                        fmt_decimal(sum)
                    ),
                    "核对各来源金额，或改正合计",
                );
            }
            sum
        }
        (None, false) => sum,
        (None, true) => {
            cx.emit(&rules::MONEY_MISSING, funds, "资金下没有任何金额");
            Decimal::ZERO
        }
    };
    if total < Decimal::ZERO
        && let Some(t) = m.total()
    {
        cx.emit(&rules::MONEY_NEGATIVE, t, "合计为负数");
    }
    let Some(what) = what else {
        return Funds { sources, total };
    };
    // Amounts entered in 元 where the data is 万元: ten thousand times too much.
    let at_total = |cx: &mut Cx, rule: &'static rules::Rule, msg: String| match m.total() {
        Some(t) => cx.emit(rule, t, msg),
        None => cx.emit(rule, funds, msg),
    };
    if total >= Decimal::from(PLAUSIBLE_PROJECT_WAN) {
        at_total(
            cx,
            &rules::MONEY_UNIT,
            format!(
                "{what}预算 {} 万元（{} 亿元），一个{what}通常远少于此，可能是把元写成了万元",
                fmt_decimal(total),
                fmt_decimal(total / Decimal::from(10_000))
            ),
        );
    } else if let Some((k, v)) = sources
        .iter()
        .chain([&("合计".to_string(), total)])
        .find(|(_, v)| *v > Decimal::from(10_000) && (*v % Decimal::from(10_000)).is_zero())
    {
        at_total(
            cx,
            &rules::MONEY_UNIT,
            format!(
                "{k} {} 万元正好是 10000 的倍数，可能是以元计的金额（{} 元 = {} 万元）",
                fmt_decimal(*v),
                fmt_decimal(*v),
                fmt_decimal(*v / Decimal::from(10_000))
            ),
        );
    }
    if total.is_zero() && !sources.is_empty() || total.is_zero() && m.total().is_some() {
        at_total(cx, &rules::MONEY_ZERO, format!("{what}预算合计为 0"));
    }
    Funds { sources, total }
}

/// The extra fields of one level: declared ones kept (in the style's order), undeclared ones
/// reported at their key, required ones missing reported at `owner`.
fn check_extras<T>(
    cx: &mut Cx,
    given: &[&(Text, Text)],
    declared: &[crate::style::ExtraField],
    style: &LoadedStyle,
    at: Level,
    owner: &Spanned<T>,
) -> Vec<(String, String)> {
    let level = at.name_zh();
    let mut out = Vec::new();
    for (k, v) in given.iter().map(|e| (&e.0, &e.1)) {
        let key = k.value.trim();
        match declared.iter().find(|f| f.key.value == key) {
            Some(f) => {
                if !f.values.is_empty() && !f.values.iter().any(|x| x == v.value.trim()) {
                    cx.emit_help(
                        &rules::BAD_CHOICE,
                        v,
                        format!(
                            "“{key}”不能是“{}”{}",
                            v.value.trim(),
                            fields::did_you_mean(&v.value, f.values.iter().map(String::as_str))
                        ),
                        format!("可选：{}", f.values.join("、")),
                    );
                }
                out.push((key.to_string(), v.value.trim().to_string()));
            }
            None => {
                let names: Vec<&str> = declared.iter().map(|f| f.key.value.as_str()).collect();
                let tail = if names.is_empty() {
                    String::new()
                } else {
                    format!(
                        "；样式“{}”为{level}声明的扩展字段：{}",
                        style.key,
                        names.join("、")
                    )
                };
                let mut known: Vec<&str> = fields::keys(at).collect();
                known.extend(declared.iter().map(|f| f.key.value.as_str()));
                let near = fields::did_you_mean(key, known);
                cx.emit_help(
                    &rules::UNKNOWN_KEY,
                    k,
                    format!("未知字段“{key}”{near}{tail}"),
                    "可能是拼写错误；可用的字段见 docs/data-format.md，样式的扩展字段见其 style.yaml 的 fields",
                );
            }
        }
    }
    // Required by the field's own `required`, or listed in the style's `required_fields`.
    for f in declared
        .iter()
        .filter(|f| f.required || style.requires(&f.key.value))
    {
        if !out.iter().any(|(k, v)| *k == f.key.value && !v.is_empty()) {
            cx.emit_help(
                &rules::MISSING_FIELD,
                owner,
                format!("缺少“{}”（样式“{}”要求填写）", f.key.value, style.key),
                format!("在这一{level}下写 {}: …", f.key.value),
            );
        }
    }
    out.sort_by_key(|(k, _)| declared.iter().position(|f| f.key.value == *k));
    out
}

fn is_cost(level1: &str, level2: Option<&str>) -> bool {
    level1 == "成本指标" || level2.is_some_and(|l| l.contains("成本指标"))
}

/// Checks a block of indicators against the taxonomy and the style. `mid`: the 中期 (or 长期)
/// block, which carries no weights (one written is JX216) and is not held to the style's
/// required 一级, minimum count or weight totals, which are the 年度 block's.
fn check_indicators<'a>(
    cx: &mut Cx,
    owner: Owner,
    indicators: &'a [Indicator],
    style: &LoadedStyle,
    mid: bool,
) -> Vec<Ind<'a>> {
    let Owner { at, who, each } = owner;
    let math = style.style.math_symbols;
    let vocab = &style.vocabulary;
    let mut out: Vec<(usize, usize, Ind<'a>)> = Vec::new();
    let mut seen_names: HashSet<(String, Option<String>, String)> = HashSet::new();
    for ind in indicators {
        cx.non_empty(&ind.name, "三级指标");
        cx.non_empty(&ind.target, "指标值");
        let l1_pos = style
            .taxonomy
            .levels
            .iter()
            .position(|l| l.name == style.canonical(&ind.level1.value));
        let (level1, order1) = match l1_pos {
            Some(i) => (style.taxonomy.levels[i].name.clone(), i),
            None => {
                let names: Vec<&str> = style
                    .taxonomy
                    .levels
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect();
                cx.emit_help(
                    &rules::UNKNOWN_LEVEL1,
                    &ind.level1,
                    format!(
                        "一级指标“{}”不在样式“{}”的指标体系（{}）中{}",
                        ind.level1.value,
                        style.key,
                        style.style.taxonomy.value,
                        fields::did_you_mean(
                            &style.canonical(&ind.level1.value),
                            names.iter().copied()
                        )
                    ),
                    format!("可用的一级指标：{}", names.join("、")),
                );
                (ind.level1.value.trim().to_string(), usize::MAX)
            }
        };
        let mut order2 = 0;
        let level2 = match (&ind.level2, style.style.level2) {
            (Some(l2), true) => match l1_pos.map(|i| &style.taxonomy.levels[i]) {
                Some(l1) => match style.level2(l1, &l2.value) {
                    Some(name) => {
                        order2 = l1.level2.iter().position(|n| n == name).unwrap_or(0);
                        Some(name.to_string())
                    }
                    None => {
                        cx.emit_help(
                            &rules::UNKNOWN_LEVEL2,
                            l2,
                            format!(
                                "二级指标“{}”不属于一级指标“{}”（指标体系 {}）{}",
                                l2.value,
                                level1,
                                style.style.taxonomy.value,
                                fields::did_you_mean(
                                    &style.canonical(&l2.value),
                                    l1.level2.iter().map(String::as_str)
                                )
                            ),
                            format!("“{level1}”下可用的二级指标：{}", l1.level2.join("、")),
                        );
                        order2 = usize::MAX;
                        Some(l2.value.trim().to_string())
                    }
                },
                None => Some(l2.value.trim().to_string()),
            },
            (None, true) => {
                cx.emit_help(
                    &rules::LEVEL2_MISSING,
                    &ind.name,
                    format!("指标“{}”没有填写二级指标", ind.name.value),
                    "在这一条指标中写 二级: …",
                );
                None
            }
            (Some(l2), false) => {
                cx.emit(
                    &rules::UNUSED_FIELD,
                    l2,
                    format!("样式“{}”没有二级指标栏，“{}”不会印出", style.key, l2.value),
                );
                None
            }
            (None, false) => None,
        };
        let key = (
            level1.clone(),
            level2.clone(),
            ind.name.value.trim().to_string(),
        );
        if !key.2.is_empty() && !seen_names.insert(key) {
            cx.emit(
                &rules::DUPLICATE_INDICATOR,
                &ind.name,
                format!(
                    "“{}”在{}下出现了不止一次",
                    ind.name.value.trim(),
                    level2.as_deref().unwrap_or(&level1)
                ),
            );
        }
        for key in style.style.required_fields.iter().map(|k| k.value.as_str()) {
            if mid && key == "权重" {
                continue;
            }
            if indicator_field(ind, key) == Some(false) {
                cx.emit_help(
                    &rules::MISSING_FIELD,
                    &ind.name,
                    format!(
                        "指标“{}”缺少“{key}”（样式“{}”要求填写）",
                        ind.name.value, style.key
                    ),
                    format!("在这一条指标中写 {key}: …"),
                );
            }
        }
        if let Some(b) = &ind.basis {
            if b.value.trim().is_empty() {
                cx.emit(&rules::EMPTY_TEXT, b, "指标值设置依据为空");
            } else if !vocab.basis.iter().any(|x| x == b.value.trim()) {
                cx.emit(
                    &rules::BAD_BASIS,
                    b,
                    format!(
                        "“{}”不是规定的设置依据{}",
                        b.value,
                        fields::did_you_mean(&b.value, vocab.basis.iter().map(String::as_str))
                    ),
                );
            } else if vocab.cost_only_basis.iter().any(|x| x == b.value.trim())
                && !is_cost(&level1, level2.as_deref())
            {
                cx.emit(
                    &rules::BUDGET_BASIS_NOT_COST,
                    b,
                    format!("“{}”不是成本指标，不能以预算支出标准为依据", ind.name.value),
                );
            }
        }
        if let Some(s) = &ind.scoring
            && !vocab.scoring.iter().any(|x| x == s.value.trim())
        {
            cx.emit(
                &rules::BAD_SCORING_RULE,
                s,
                format!(
                    "“{}”不是规定的赋分规则{}",
                    s.value,
                    fields::did_you_mean(&s.value, vocab.scoring.iter().map(String::as_str))
                ),
            );
        }
        for e in &ind.evidence {
            if !vocab.evidence.iter().any(|x| x == e.value.trim()) {
                cx.emit(
                    &rules::BAD_EVIDENCE,
                    e,
                    format!(
                        "“{}”不是规定的佐证资料{}",
                        e.value,
                        fields::did_you_mean(&e.value, vocab.evidence.iter().map(String::as_str))
                    ),
                );
            }
        }
        let tv = target::parse(&ind.target.value);
        if let Value::Quantity { op, unit, .. } = &tv {
            if unit.is_empty() {
                cx.emit(
                    &rules::UNIT_MISSING,
                    &ind.target,
                    format!(
                        "指标值“{}”只有数字，没有计量单位",
                        target::display(&ind.target.value, math)
                    ),
                );
            }
            check_weak_target(cx, ind, *op, &tv);
        }
        if mid && let Some(w) = &ind.weight {
            cx.emit(
                &rules::MID_WEIGHT,
                w,
                format!(
                    "中期指标“{}”写了权重 {}",
                    ind.name.value.trim(),
                    fmt_decimal(w.value.0)
                ),
            );
        }
        let weight = ind.weight.as_ref().map(|w| w.value.0).filter(|_| !mid);
        if let Some(w) = &ind.weight
            && !mid
            && w.value.0 <= Decimal::ZERO
        {
            cx.emit(
                &rules::WEIGHT_NOT_POSITIVE,
                w,
                format!("权重 {} 不大于 0", fmt_decimal(w.value.0)),
            );
        }
        let extras = check_extras(
            cx,
            &ind.extras(Level::Indicator),
            &style.style.fields.indicator,
            style,
            Level::Indicator,
            &ind.name,
        );
        out.push((
            order1,
            order2,
            Ind {
                src: ind,
                level1,
                level2,
                target: tv,
                weight,
                result: None,
                extras,
            },
        ));
    }
    // Print order: the taxonomy's, stable within a level (sort_by_key is stable), unless the
    // style keeps the order the department wrote.
    if style.style.order == crate::style::Order::Taxonomy {
        out.sort_by_key(|(a, b, _)| (*a, *b));
    }
    let inds: Vec<Ind<'a>> = out.into_iter().map(|(_, _, i)| i).collect();
    if mid {
        return inds;
    }

    // Required 一级 levels and minimum count.
    for l1 in style.style.required_level1.iter().map(|l| &l.value) {
        if !inds.iter().any(|i| &i.level1 == l1) {
            cx.emit_help(
                &rules::MISSING_LEVEL1,
                at,
                format!("{who}没有“{l1}”下的指标"),
                format!("样式“{}”要求{each}至少有一条{l1}", style.key),
            );
        }
    }
    if inds.len() < style.style.min_indicators {
        cx.emit_help(
            &rules::TOO_FEW_INDICATORS,
            at,
            format!("{who}只有 {} 条指标", inds.len()),
            format!(
                "样式“{}”要求{each}至少 {} 条指标",
                style.key, style.style.min_indicators
            ),
        );
    }
    if let Some(wr) = &style.style.weights {
        let total = checked_sum(cx, inds.iter().filter_map(|i| i.weight), at);
        if let Some(expected) = wr.total
            && !inds.is_empty()
            && inds.iter().all(|i| i.weight.is_some())
            && total != expected.0
        {
            cx.emit_help(
                &rules::WEIGHT_TOTAL,
                at,
                format!(
                    "{who}的指标权重合计 {}，应为 {}",
                    fmt_decimal(total),
                    fmt_decimal(expected.0)
                ),
                "调整各指标权重，使合计等于规定分值",
            );
        }
        for (l1, points) in &wr.per_level1 {
            let sum = checked_sum(
                cx,
                inds.iter()
                    .filter(|i| &i.level1 == l1)
                    .filter_map(|i| i.weight),
                at,
            );
            if inds.iter().any(|i| &i.level1 == l1) && sum != points.0 {
                cx.emit(
                    &rules::WEIGHT_LEVEL1_TOTAL,
                    at,
                    format!(
                        "{who}的{l1}权重合计 {}，应为 {} 分",
                        fmt_decimal(sum),
                        fmt_decimal(points.0)
                    ),
                );
            }
        }
        // Ranges per 一级 or 二级, for a level with indicators.
        for (name, _) in wr.ranges.iter() {
            let level = style.canonical(&name.value);
            let Some((lo, hi)) = style.weight_range(&level) else {
                continue;
            };
            let of_level = |i: &&Ind| i.level1 == level || i.level2.as_deref() == Some(&level);
            if !inds.iter().any(|i| of_level(&i)) {
                continue;
            }
            let sum = checked_sum(
                cx,
                inds.iter().filter(of_level).filter_map(|i| i.weight),
                at,
            );
            if sum < lo || sum > hi {
                cx.emit_help(
                    &rules::WEIGHT_RANGE,
                    at,
                    format!(
                        "{who}的{level}权重合计 {}，应在 {}–{} 分之间",
                        fmt_decimal(sum),
                        fmt_decimal(lo),
                        fmt_decimal(hi)
                    ),
                    format!(
                        "样式“{}”规定{level}的分值区间；调整其下指标的权重",
                        style.key
                    ),
                );
            }
        }
    }
    inds
}

/// 正向 target below last year's actual value.
fn check_weak_target(cx: &mut Cx, ind: &Indicator, op: Option<target::Op>, tv: &Value) {
    let (Some(last), Some(op), Value::Quantity { number, unit, .. }) = (&ind.last_year, op, tv)
    else {
        return;
    };
    if op.direction() != Direction::Positive {
        return;
    }
    if let Value::Quantity {
        op: None,
        number: ln,
        unit: lu,
    } = target::parse(&last.value)
        && &lu == unit
        && ln > *number
    {
        cx.emit(
            &rules::WEAK_TARGET,
            &ind.target,
            format!(
                "“{}”的指标值 {} 低于上年完成值 {}",
                ind.name.value,
                target::display(&ind.target.value, true),
                last.value
            ),
        );
    }
}

/// One money row of the self-evaluation, reporting any negative amount in it.
fn eval_row(cx: &mut Cx, source: Option<String>, a: &EvalAmounts) -> EvalRow {
    for n in [a.initial.as_ref(), Some(&a.budget), Some(&a.executed)]
        .into_iter()
        .flatten()
    {
        if n.value.0 < Decimal::ZERO {
            cx.emit(&rules::MONEY_NEGATIVE, n, "金额为负数");
        }
    }
    EvalRow {
        source,
        initial: a.initial.as_ref().map(|n| n.value.0),
        budget: a.budget.value.0,
        executed: a.executed.value.0,
    }
}

fn check_eval<'a>(
    cx: &mut Cx,
    owner: Owner,
    indicators: &mut [Ind<'a>],
    e: &'a SelfEval,
    style: &LoadedStyle,
) -> Eval<'a> {
    let who = owner.who;
    cx.non_empty(&e.outcome, "实际完成情况");
    // Money: rows by source, totals computed.
    let m = &e.funds.value;
    let mut rows = Vec::new();
    for (key, a) in m.filled() {
        let Some(k) = source_key(cx, key, style) else {
            continue;
        };
        rows.push(eval_row(cx, Some(k), a));
    }
    rows.sort_by_key(|r| {
        r.source
            .as_deref()
            .and_then(|k| style.source_keys().position(|s| s == k))
    });
    let total = match (m.total(), rows.is_empty()) {
        (Some(t), true) => eval_row(cx, None, t),
        (t, false) => {
            let initial = if rows.iter().any(|r| r.initial.is_some()) {
                Some(checked_sum(
                    cx,
                    rows.iter().filter_map(|r| r.initial),
                    &e.funds,
                ))
            } else {
                None
            };
            let computed = EvalRow {
                source: None,
                initial,
                budget: checked_sum(cx, rows.iter().map(|r| r.budget), &e.funds),
                executed: checked_sum(cx, rows.iter().map(|r| r.executed), &e.funds),
            };
            if let Some(t) = t {
                let pairs = [
                    ("年初预算", t.initial.as_ref(), computed.initial),
                    ("全年预算", Some(&t.budget), Some(computed.budget)),
                    ("全年执行", Some(&t.executed), Some(computed.executed)),
                ];
                for (what, stated, comp) in pairs {
                    if let (Some(s), Some(c)) = (stated, comp)
                        && s.value.0 != c
                    {
                        cx.emit(
                            &rules::MONEY_SUM,
                            s,
                            format!(
                                "自评资金合计的{what}写的是 {}，各来源相加是 {}",
                                fmt_decimal(s.value.0),
                                fmt_decimal(c)
                            ),
                        );
                    }
                }
            }
            computed
        }
        (None, true) => {
            cx.emit(&rules::MONEY_MISSING, &e.funds, "自评资金下没有任何金额");
            EvalRow {
                source: None,
                initial: None,
                budget: Decimal::ZERO,
                executed: Decimal::ZERO,
            }
        }
    };
    let rate = if total.budget > Decimal::ZERO {
        match total.rate() {
            Some(r) => r,
            None => {
                cx.emit(&rules::MONEY_RANGE, &e.funds, "执行率超出了可计算的范围");
                Decimal::ZERO
            }
        }
    } else {
        cx.emit(
            &rules::BUDGET_ZERO,
            &e.funds,
            format!("{who}的全年预算数为 0"),
        );
        Decimal::ZERO
    };
    if total.executed > total.budget {
        cx.emit(
            &rules::EXECUTED_OVER_BUDGET,
            &e.funds,
            format!(
                "全年执行数 {} 超过全年预算数 {}",
                fmt_decimal(total.executed),
                fmt_decimal(total.budget)
            ),
        );
    }
    if let Some(stated) = &e.stated_rate {
        match compute::parse_percent(&stated.value) {
            Some(s) => {
                // Compare at the precision the user wrote (`93.90%` has two decimals).
                let written = stated.value.trim().trim_end_matches(['%', '％']);
                let dp = written.split_once('.').map_or(0, |(_, f)| f.len() as u32);
                let percent =
                    |f: Decimal| f.checked_mul(Decimal::ONE_HUNDRED).map(|p| round(p, dp));
                if percent(rate) != percent(s) {
                    cx.emit_help(
                        &rules::RATE_MISMATCH,
                        stated,
                        format!(
                            "执行率写的是 {}，全年执行数 {} ÷ 全年预算数 {} = {}",
                            stated.value.trim(),
                            fmt_decimal(total.executed),
                            fmt_decimal(total.budget),
                            fmt_percent(rate, 2)
                        ),
                        "表中印计算值；请改正填报的执行率",
                    );
                }
            }
            None => cx.emit(
                &rules::BAD_PERCENT,
                stated,
                format!("“{}”不是百分数", stated.value),
            ),
        }
    }
    let ex = &style.style.execution;
    let tiers: Vec<(Decimal, Decimal)> = ex.tiers.iter().map(|t| (t.from.0, t.score.0)).collect();
    let exec_computed = compute::execution_score_tiered(
        rate,
        ex.points.0,
        ex.decimals,
        ex.full_marks_from.map(|d| d.0),
        &tiers,
    );
    let mut exec_score = exec_computed;
    if let Some(stated) = &e.stated_exec_score
        && stated.value.0 != exec_computed
    {
        if has_text(&e.exec_override) {
            exec_score = stated.value.0;
        } else {
            let how = if ex.is_proportional() {
                format!(
                    "{} 分 × min(执行率, 100%)，保留 {} 位小数",
                    fmt_score(ex.points.0),
                    ex.decimals
                )
            } else {
                format!("按样式“{}”的执行得分规则", style.key)
            };
            cx.emit_help(
                &rules::EXEC_SCORE_MISMATCH,
                stated,
                format!(
                    "预算执行得分写的是 {}，按执行率 {} 计算应为 {}（{how}）",
                    fmt_score(stated.value.0),
                    fmt_percent(rate, 2),
                    fmt_score(exec_computed),
                ),
                "表中印计算值；如确需采用填报值，写 执行得分调整理由: …",
            );
        }
    }
    if exec_score > ex.points.0
        && let Some(s) = &e.stated_exec_score
    {
        cx.emit(
            &rules::SCORE_OVER_WEIGHT,
            s,
            format!("预算执行得分超过 {} 分", fmt_score(ex.points.0)),
        );
    }

    check_indicator_results(cx, owner, indicators, e, style);

    // 总分 needs every score; a blank one (allowed by the style) leaves it blank too.
    let scores: Vec<Option<Decimal>> = indicators
        .iter()
        .map(|i| i.result.as_ref().and_then(|r| r.score))
        .collect();
    let complete = scores.iter().all(Option::is_some);
    let ind_sum = checked_sum(cx, scores.iter().flatten().copied(), &e.outcome);
    let total_score = complete.then(|| exec_score.checked_add(ind_sum)).flatten();
    if let (Some(stated), Some(total)) = (&e.stated_total, total_score)
        && stated.value.0 != total
    {
        cx.emit_help(
            &rules::TOTAL_MISMATCH,
            stated,
            format!(
                "总分写的是 {}，预算执行得分 {} 加各指标得分 {} 为 {}",
                fmt_score(stated.value.0),
                fmt_score(exec_score),
                fmt_score(ind_sum),
                fmt_score(total)
            ),
            "表中印计算值",
        );
    }
    if let Some(g) = &e.stated_grade {
        let written = g.value.trim();
        if !fields::OVERALL_GRADES.contains(&written) {
            cx.emit_help(
                &rules::BAD_CHOICE,
                g,
                format!(
                    "等级“{written}”不是规定的评价等级{}",
                    fields::did_you_mean(written, fields::OVERALL_GRADES.iter().copied())
                ),
                format!("可选：{}", fields::OVERALL_GRADES.join("、")),
            );
        } else if let Some(total) = total_score
            && compute::grade(total) != written
        {
            cx.emit(
                &rules::GRADE_MISMATCH,
                g,
                format!(
                    "等级写的是“{written}”，总分 {} 评定为“{}”",
                    fmt_score(total),
                    compute::grade(total)
                ),
            );
        }
    }
    let points_total = checked_sum(
        cx,
        std::iter::once(ex.points.0).chain(level1_points(indicators, style)),
        &e.outcome,
    );
    let extras = check_extras(
        cx,
        &e.extras(Level::Eval),
        &style.style.fields.eval,
        style,
        Level::Eval,
        &e.outcome,
    );
    Eval {
        src: e,
        rows,
        total,
        rate,
        exec_score,
        exec_overridden: exec_score != exec_computed,
        total_score,
        points_total,
        grade: total_score.map(compute::grade),
        extras,
    }
}

/// The points of every 一级 among `inds`: fixed by the style, or its weights' sum.
fn level1_points(inds: &[Ind], style: &LoadedStyle) -> Vec<Decimal> {
    level1s(inds)
        .into_iter()
        .map(|l1| points_of_level1(style, l1, inds))
        .collect()
}

/// The 一级 of `inds`, canonical, in print order.
pub fn level1s<'i>(inds: &'i [Ind]) -> Vec<&'i str> {
    let mut levels: Vec<&str> = Vec::new();
    for i in inds {
        if !levels.contains(&i.level1.as_str()) {
            levels.push(&i.level1);
        }
    }
    levels
}

/// The points of a 一级: fixed by the style, or the sum of the weights of its indicators among
/// `inds`. The one rule the check's 总分值, the 一级 label of a grid and `项目.分值` share.
pub fn points_of_level1<'i, 'a: 'i>(
    style: &LoadedStyle,
    level1: &str,
    inds: impl IntoIterator<Item = &'i Ind<'a>>,
) -> Decimal {
    let fixed = style.style.weights.as_ref().map(|w| &w.per_level1);
    match fixed.and_then(|m| m.get(level1)) {
        Some(points) => points.0,
        None => inds
            .into_iter()
            .filter(|i| i.level1 == level1)
            .filter_map(|i| i.weight)
            .fold(Decimal::ZERO, |a, w| a.checked_add(w).unwrap_or(a)),
    }
}

impl Proj<'_> {
    /// The project's 一级, canonical, in print order.
    pub fn level1s(&self) -> Vec<&str> {
        level1s(&self.indicators)
    }
}

/// Matches each result with its approved indicator and scores it.
fn check_indicator_results<'a>(
    cx: &mut Cx,
    owner: Owner,
    indicators: &mut [Ind<'a>],
    e: &'a SelfEval,
    style: &LoadedStyle,
) {
    let mut by_ref: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, ind) in indicators.iter().enumerate() {
        let name = ind.src.name.value.trim().to_string();
        if let Some(l2) = &ind.src.level2 {
            by_ref
                .entry(format!("{}/{}", l2.value.trim(), name))
                .or_default()
                .push(i);
            if let Some(c) = &ind.level2
                && c != l2.value.trim()
            {
                by_ref.entry(format!("{c}/{name}")).or_default().push(i);
            }
        }
        by_ref.entry(name).or_default().push(i);
    }
    for r in &e.indicators {
        let key = r.indicator.value.trim();
        let idx = match by_ref.get(key).map(Vec::as_slice) {
            Some([i]) => *i,
            Some(_) => {
                cx.emit_help(
                    &rules::EVAL_UNKNOWN_INDICATOR,
                    &r.indicator,
                    format!("“{key}”对应不止一条指标"),
                    "写成 二级/三级 以区分同名指标",
                );
                continue;
            }
            None => {
                cx.emit(
                    &rules::EVAL_UNKNOWN_INDICATOR,
                    &r.indicator,
                    format!("{}没有名为“{key}”的指标", owner.who),
                );
                continue;
            }
        };
        let ind = &mut indicators[idx];
        if ind.result.is_some() {
            cx.emit(
                &rules::EVAL_DUPLICATE,
                &r.indicator,
                format!("指标“{key}”已经自评过"),
            );
            continue;
        }
        let score = score_indicator(cx, ind, r, style);
        ind.result = Some(IndResult { src: r, score });
    }
    let missing: Vec<String> = indicators
        .iter()
        .filter(|i| i.result.is_none())
        .map(|i| i.src.name.value.trim().to_string())
        .collect();
    if !missing.is_empty() && style.style.results.required {
        let at = e
            .indicators
            .first()
            .map(|r| &r.indicator)
            .unwrap_or(&e.outcome);
        cx.emit(
            &rules::EVAL_MISSING_INDICATOR,
            at,
            format!("以下指标没有自评结果：{}", missing.join("、")),
        );
    }
}

/// Scores one indicator result, reporting every discrepancy; returns the printed score.
fn score_indicator(
    cx: &mut Cx,
    ind: &Ind,
    r: &IndicatorEval,
    style: &LoadedStyle,
) -> Option<Decimal> {
    let name = ind.src.name.value.trim();
    let w = ind.weight.unwrap_or(Decimal::ZERO);
    let results = &style.style.results;
    let actual_text = r.actual.as_ref().map_or("", |a| a.value.as_str());
    if r.actual.is_none() && results.actual_required {
        cx.emit_help(
            &rules::MISSING_FIELD,
            &r.indicator,
            format!("“{name}”缺少实际完成值"),
            "在这一条自评中写 实际完成值: …",
        );
    }
    let actual = match &r.actual {
        Some(a) => target::parse(&a.value),
        None => target::Value::Free,
    };
    let at_actual = r.actual.as_ref().unwrap_or(&r.indicator);
    // A blank 完成值 (a form the style allows to be filled in by hand) compares with nothing.
    let cmp = if r.actual.is_some() {
        compute::compare(&ind.target, &actual)
    } else {
        Comparison::NotQuantitative
    };
    let stated = r.score.as_ref().map(|s| s.value.0);
    let grade = match &r.grade {
        Some(g) => match Grade::parse(&g.value) {
            Some(gr) => Some(gr),
            None => {
                cx.emit(
                    &rules::BAD_GRADE,
                    g,
                    format!(
                        "“{}”不是规定的等级{}",
                        g.value,
                        fields::did_you_mean(&g.value, fields::GRADES.iter().copied())
                    ),
                );
                None
            }
        },
        None => None,
    };
    let computed = match &cmp {
        Comparison::Comparable { op, target, actual } => {
            if ind.weight.is_some() {
                let s = compute::quantitative_score(*op, w, *target, *actual);
                if s.is_none() {
                    cx.emit(
                        &rules::MONEY_RANGE,
                        at_actual,
                        format!("“{name}”的得分超出了可计算的范围"),
                    );
                }
                s.map(|s| round(s, results.score_decimals))
            } else {
                None
            }
        }
        Comparison::PercentVsPhrase => {
            cx.emit(
                &rules::PERCENT_VS_PHRASE,
                at_actual,
                format!(
                    "“{name}”的指标值是 {}，完成值却是“{}”",
                    target::display(&ind.src.target.value, true),
                    actual_text
                ),
            );
            None
        }
        Comparison::UnitMismatch {
            target: tu,
            actual: au,
        } => {
            let show = |u: &str| {
                if u.is_empty() {
                    "无单位".to_string()
                } else {
                    format!("“{u}”")
                }
            };
            cx.emit(
                &rules::UNIT_MISMATCH,
                at_actual,
                format!(
                    "“{name}”的指标值 {}（{}）与完成值“{}”（{}）不可比",
                    target::display(&ind.src.target.value, true),
                    show(tu),
                    actual_text,
                    show(au)
                ),
            );
            None
        }
        Comparison::NotQuantitative => None,
    };
    // Over-achievement (10号's deviation clause).
    if let Comparison::Comparable {
        op: Some(op),
        target: t,
        actual: a,
    } = &cmp
        && op.direction() == Direction::Positive
        && *t > Decimal::ZERO
        && t.checked_mul(Decimal::new(12, 1))
            .is_some_and(|limit| *a >= limit)
    {
        let need = if r.reason.is_none() {
            "，须填写偏差原因说明"
        } else {
            ""
        };
        let ratio = a
            .checked_div(*t)
            .map_or_else(|| "很多倍".to_string(), |q| fmt_percent(q, 0));
        cx.emit(
            &rules::OVER_ACHIEVED,
            at_actual,
            format!(
                "“{name}”完成值 {} 达到指标值 {} 的 {ratio}{need}",
                actual_text,
                target::display(&ind.src.target.value, true),
            ),
        );
    }
    let printed = match (computed, stated) {
        (Some(c), Some(s)) if c != s => {
            if has_text(&r.score_override) {
                Some(s)
            } else {
                cx.emit_help(
                    &rules::SCORE_MISMATCH,
                    r.score.as_ref().expect("stated"),
                    format!(
                        "“{name}”得分写的是 {}，按完成值 {} 对指标值 {} 计算应为 {}",
                        fmt_score(s),
                        actual_text,
                        target::display(&ind.src.target.value, true),
                        fmt_score(c)
                    ),
                    "表中印计算值；如确需采用填报值，写 得分调整理由: …",
                );
                Some(c)
            }
        }
        (Some(c), _) => Some(c),
        (None, Some(s)) => Some(s),
        (None, None) => match grade {
            Some(Grade::Achieved) => Some(w),
            _ if !results.score_required => None,
            _ => {
                cx.emit(
                    &rules::SCORE_MISSING,
                    &r.indicator,
                    format!("“{name}”需要填写得分"),
                );
                Some(Decimal::ZERO)
            }
        },
    };
    let printed = printed?;
    if let (Some(s), true) = (&r.score, ind.weight.is_some()) {
        if s.value.0 > w {
            cx.emit(
                &rules::SCORE_OVER_WEIGHT,
                s,
                format!(
                    "“{name}”得分 {} 超过分值 {}",
                    fmt_score(s.value.0),
                    fmt_score(w)
                ),
            );
        }
        if s.value.0 < Decimal::ZERO {
            cx.emit(&rules::SCORE_OVER_WEIGHT, s, format!("“{name}”得分为负数"));
        }
    }
    if let (Some(g), Some(gs)) = (grade, &r.grade)
        && !g.contains(printed, w)
    {
        cx.emit(
            &rules::SCORE_GRADE_RANGE,
            gs,
            format!(
                "“{name}”等级为“{}”，得分 {} 不在其区间内（分值 {}）",
                gs.value,
                fmt_score(printed),
                fmt_score(w)
            ),
        );
    }
    if printed < w && !has_text(&r.reason) {
        cx.emit(
            &rules::REASON_MISSING,
            &r.indicator,
            format!(
                "“{name}”得分 {}，低于分值 {}，没有偏差原因分析",
                fmt_score(printed),
                fmt_score(w)
            ),
        );
    }
    Some(printed)
}

/// Whether an optional text is given and not blank.
fn has_text(t: &Option<Text>) -> bool {
    t.as_ref().is_some_and(|t| !t.value.trim().is_empty())
}
