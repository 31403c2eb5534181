//! `jixiao new`: a department's data file with every field its style needs, commented in
//! Chinese, with placeholders `jixiao check` reports until they are filled.

use super::*;

/// The data file name of a department: `<年度>-<部门>.yaml`.
pub fn file_name(name: &str, year: u32) -> String {
    format!("{year}-{}.yaml", crate::write::safe_component(name))
}

/// The variable paths a style's documents read (`项目.负责人`, `指标.依据`, `自评.资金`, …).
pub fn used_paths(style: &LoadedStyle) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let pats = &style.patterns;
    let pattern = |p: &str, out: &mut BTreeSet<String>| {
        out.extend(pats.variables(p).iter().map(|v| v.as_str().to_string()));
    };
    for doc in &style.style.documents {
        let page = [
            Some(&doc.title),
            doc.heading.as_ref(),
            doc.subtitle.as_ref(),
            doc.unit_line.as_ref(),
            doc.unit_note.as_ref(),
            doc.preamble.as_ref(),
        ];
        for p in page.into_iter().flatten().chain(&doc.notes) {
            pattern(&p.value, &mut out);
        }
        for s in &doc.signature {
            pattern(&s.label.value, &mut out);
            if let Some(t) = &s.text {
                pattern(&t.value, &mut out);
            }
        }
        for block in &doc.blocks {
            if let Some(rows) = &block.rows {
                for row in &rows.value {
                    for c in &row.value {
                        if let Some(f) = &c.field {
                            out.insert(f.value.clone());
                        }
                        for p in [&c.label, &c.text].into_iter().flatten() {
                            pattern(&p.value, &mut out);
                        }
                    }
                }
            }
            if let Some(m) = &block.money {
                // Whose money the block prints: the project's, its 中期资金, or 部门整体's.
                let (budget, eval) = match m.value.source {
                    IndicatorSource::Project => ("项目.资金", Some("自评.资金")),
                    IndicatorSource::MidTerm => ("项目.中期资金", None),
                    IndicatorSource::DepartmentWide => {
                        ("部门整体.资金", Some("部门整体.自评.资金"))
                    }
                };
                for measure in &m.value.measures {
                    match measure.field.as_ref().map(|f| f.value.as_str()) {
                        Some("预算") => {
                            out.insert(budget.into());
                        }
                        Some("年初预算" | "全年预算" | "全年执行" | "执行率" | "执行得分") =>
                        {
                            out.extend(eval.map(String::from));
                        }
                        _ => {}
                    }
                    if let Some(t) = &measure.text {
                        pattern(&t.value, &mut out);
                    }
                }
            }
            let halves = block
                .grid
                .iter()
                .flat_map(|g| std::iter::successors(Some(&g.value), |s| s.beside.as_deref()));
            for g in halves {
                if g.source == IndicatorSource::MidTerm {
                    out.insert("项目.中期指标".into());
                }
                for c in &g.columns {
                    if let Some(f) = &c.field {
                        out.insert(f.value.clone());
                    }
                    if let Some(t) = &c.text {
                        pattern(&t.value, &mut out);
                    }
                }
                if let Some(gr) = &g.group {
                    out.insert(gr.by.value.clone());
                }
            }
        }
    }
    out
}

/// Whether `used` reads `prefix` or something below it.
pub(super) fn reads(used: &BTreeSet<String>, prefix: &str) -> bool {
    used.iter()
        .any(|p| p == prefix || p.starts_with(&format!("{prefix}.")))
}

/// A line `key: value  # comment` at `indent`.
pub(super) fn line(out: &mut String, indent: usize, key: &str, value: &str, comment: &str) {
    let pad = " ".repeat(indent);
    let sep = if value.is_empty() { "" } else { " " };
    if comment.is_empty() {
        let _ = writeln!(out, "{pad}{key}:{sep}{value}");
    } else {
        let _ = writeln!(out, "{pad}{key}:{sep}{value}  # {comment}");
    }
}

/// One placeholder indicator per 一级 the style requires (or every 一级 of its taxonomy),
/// repeated until the style's minimum count: `(一级, 二级, 权重)`.
pub(super) fn placeholder_indicators(
    style: &LoadedStyle,
) -> Vec<(String, Option<String>, Option<Decimal>)> {
    let s = &style.style;
    let mut levels: Vec<String> = s.required_level1.iter().map(|l| l.value.clone()).collect();
    if levels.is_empty() {
        levels = style
            .taxonomy
            .levels
            .iter()
            .map(|l| l.name.clone())
            .collect();
    }
    if levels.is_empty() {
        return Vec::new();
    }
    let n = levels.len().max(s.min_indicators).max(1);
    let picked: Vec<String> = (0..n).map(|i| levels[i % levels.len()].clone()).collect();
    // Weights that satisfy the style's rules: each 一级's points (fixed, or an equal share of
    // the total), split over its placeholders, the remainder on the last.
    let weights: Vec<Option<Decimal>> = match &s.weights {
        Some(w) => {
            let mut out = vec![None; n];
            let distinct: Vec<&String> = {
                let mut v: Vec<&String> = Vec::new();
                for l in &picked {
                    if !v.contains(&l) {
                        v.push(l);
                    }
                }
                v
            };
            let total = w.total.map(|t| t.0);
            let fixed: Decimal = distinct
                .iter()
                .filter_map(|l| w.per_level1.get(*l).map(|d| d.0))
                .sum();
            let open: Vec<&&String> = distinct
                .iter()
                .filter(|l| !w.per_level1.contains_key(**l))
                .collect();
            for l in &distinct {
                let points = match w.per_level1.get(*l) {
                    Some(p) => Some(p.0),
                    None => total.map(|t| {
                        let rest = t - fixed;
                        let share = (rest / Decimal::from(open.len().max(1))).floor();
                        if open.last().is_some_and(|x| **x == *l) {
                            rest - share * Decimal::from(open.len().max(1) - 1)
                        } else {
                            share
                        }
                    }),
                };
                let Some(points) = points else { continue };
                let at: Vec<usize> = (0..n).filter(|&i| picked[i] == **l).collect();
                let share = (points / Decimal::from(at.len())).floor();
                for (j, &i) in at.iter().enumerate() {
                    out[i] = Some(if j + 1 == at.len() {
                        points - share * Decimal::from(at.len() - 1)
                    } else {
                        share
                    });
                }
            }
            out
        }
        None => vec![None; n],
    };
    picked
        .into_iter()
        .zip(weights)
        .map(|(l1, w)| {
            let l2 = if s.level2 {
                style
                    .taxonomy
                    .levels
                    .iter()
                    .find(|l| l.name == l1)
                    .and_then(|l| l.level2.first().cloned())
            } else {
                None
            };
            (l1, l2, w)
        })
        .collect()
}

/// The text of a new department file of `style`.
pub fn new_department(style: &LoadedStyle, name: &str, year: u32, schema: &str) -> String {
    let s = &style.style;
    let used = used_paths(style);
    let required = |k: &str| style.requires(k);
    let mut o = String::new();
    let _ = writeln!(o, "{}", crate::schema::modeline(schema));
    let _ = writeln!(
        o,
        "# {name} {year} 年度绩效数据（样式 {}：{}）",
        style.key, s.name
    );
    let _ = writeln!(
        o,
        "# 由 jixiao new 生成。请把每个 \"\" 换成实际内容、把金额 0 改成实际金额（万元），"
    );
    let _ = writeln!(
        o,
        "# 再运行 jixiao check：还没填的地方都会作为错误列出（文件:行:列）。格式见 docs/data-format.md。"
    );
    let _ = writeln!(
        o,
        "# 以 > < 开头的值要加引号（\">=90%\"）；≥ ≤ = 开头的不必。以 # 开头的行是说明，可删。"
    );
    line(&mut o, 0, "部门", &scalar(name, false), "");
    line(&mut o, 0, "年度", &year.to_string(), "");
    line(&mut o, 0, "样式", &style.key, "");
    if !s.signatures.is_empty() {
        line(&mut o, 0, "签字", "", "签字栏");
        for f in &s.signatures {
            let key = scalar(&f.key.value, false);
            if f.required {
                line(&mut o, 2, &key, "\"\"", "必填");
            } else {
                let _ = writeln!(o, "  # {key}: \"\"  # 可选");
            }
        }
    }
    if used.contains("备注") {
        let _ = writeln!(o, "# 备注:            # 表下方的备注，每行一条（可选）");
        let _ = writeln!(o, "#   - \"\"");
    }
    let _ = writeln!(o, "项目:");
    let _ = writeln!(
        o,
        "  # 每个项目一项：复制从“- 名称”起的整段，粘贴在后面再改。"
    );
    let _ = writeln!(o, "  - 名称: \"\"  # {}", describe(Level::Project, "名称"));
    for k in fields::stored_texts(Level::Project).map(|f| f.key) {
        let d = describe(Level::Project, k);
        if required(k) {
            line(&mut o, 4, k, "\"\"", &format!("{d}（必填）"));
        } else if reads(&used, &format!("项目.{k}")) {
            let _ = writeln!(o, "    # {k}: \"\"  # {d}（可选）");
        }
    }
    for f in &s.fields.project {
        let key = scalar(&f.key.value, false);
        let mut note = "扩展字段".to_string();
        if !f.values.is_empty() {
            note = format!("可选：{}", f.values.join("、"));
        }
        if f.required || required(&f.key.value) {
            line(&mut o, 4, &key, "\"\"", &format!("{note}（必填）"));
        } else {
            let _ = writeln!(o, "    # {key}: \"\"  # {note}（可选）");
        }
    }
    let sources: Vec<&str> = style.source_keys().collect();
    if sources.is_empty() {
        line(&mut o, 4, "资金", "", "本样式只印合计（万元）");
        line(&mut o, 6, "合计", "0", "");
    } else {
        line(
            &mut o,
            4,
            "资金",
            "",
            "万元，精确小数（如 37.76）；合计由工具相加",
        );
        for k in &sources {
            line(&mut o, 6, &scalar(k, false), "0", "");
        }
    }
    line(&mut o, 4, "总体目标", "", "一段文字，或每行一个“目标N”");
    let _ = writeln!(o, "      - \"\"");
    let names: Vec<&str> = style
        .taxonomy
        .levels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    line(
        &mut o,
        4,
        "指标",
        "",
        &format!("一条三级指标一项；一级指标：{}", names.join("、")),
    );
    // The indicator's keys after 一级, 二级, 三级 and 指标值 (written above for each row).
    let indicator_keys: Vec<&str> = fields::keys(Level::Indicator)
        .skip(4)
        .filter(|k| {
            required(k)
                || reads(&used, &format!("指标.{k}"))
                || (*k == "权重" && (reads(&used, "一级.分值") || s.weights.is_some()))
        })
        .collect();
    let vocab = &style.vocabulary;
    let placeholders = placeholder_indicators(style);
    for (l1, l2, weight) in &placeholders {
        let _ = writeln!(o, "      - 一级: {}", scalar(l1, false));
        if s.level2 {
            let choices = style
                .taxonomy
                .levels
                .iter()
                .find(|l| l.name == *l1)
                .map(|l| l.level2.join("、"))
                .unwrap_or_default();
            let v = l2
                .as_deref()
                .map(|x| scalar(x, false))
                .unwrap_or("\"\"".into());
            line(&mut o, 8, "二级", &v, &format!("可选：{choices}"));
        }
        line(
            &mut o,
            8,
            "三级",
            "\"\"",
            describe(Level::Indicator, "三级"),
        );
        line(
            &mut o,
            8,
            "指标值",
            "\"\"",
            "如 \">=90%\"、≥2380.4平方米、=236人，或定性的“有效提高”",
        );
        for k in &indicator_keys {
            let optional = !required(k);
            let (value, note) = match *k {
                "依据" => (
                    "\"\"".to_string(),
                    format!("可选：{}", vocab.basis.join("、")),
                ),
                "赋分规则" => (
                    "\"\"".to_string(),
                    format!("可选：{}", vocab.scoring.join("、")),
                ),
                "佐证资料" => (
                    "[]".to_string(),
                    format!("列表，可选：{}", vocab.evidence.join("、")),
                ),
                "权重" => {
                    let rule = match &s.weights {
                        Some(w) => {
                            let mut parts = Vec::new();
                            if let Some(t) = w.total {
                                parts.push(format!("每个项目合计 {} 分", t.0));
                            }
                            if let Some(p) = w.per_level1.get(l1) {
                                parts.push(format!("{l1}共 {} 分", p.0));
                            }
                            parts.join("，")
                        }
                        None => "分".to_string(),
                    };
                    (
                        weight
                            .map(|w| w.normalize().to_string())
                            .unwrap_or("0".into()),
                        rule,
                    )
                }
                _ => (
                    "\"\"".to_string(),
                    describe(Level::Indicator, k).to_string(),
                ),
            };
            if optional {
                let _ = writeln!(o, "        # {k}: {value}  # {note}（可选）");
            } else {
                line(&mut o, 8, k, &value, &note);
            }
        }
        for f in &s.fields.indicator {
            let key = scalar(&f.key.value, false);
            let note = if f.values.is_empty() {
                "扩展字段".to_string()
            } else {
                format!("可选：{}", f.values.join("、"))
            };
            if f.required || required(&f.key.value) {
                line(&mut o, 8, &key, "\"\"", &note);
            } else {
                let _ = writeln!(o, "        # {key}: \"\"  # {note}（可选）");
            }
        }
    }
    // The medium-term block, where the style requires or prints it: written out where required,
    // otherwise commented out.
    let mid_keys = ["中期目标", "中期资金", "中期指标"];
    let prints_mid = mid_keys.iter().any(|k| reads(&used, &format!("项目.{k}")))
        || reads(&used, "项目.中期目标列表");
    if prints_mid || mid_keys.iter().any(|k| required(k)) {
        for k in mid_keys {
            let mut m = String::new();
            match k {
                "中期目标" => {
                    line(&mut m, 4, k, "", "中期（或长期）目标，每行一个“目标N”");
                    let _ = writeln!(m, "      - \"\"");
                }
                "中期资金" => {
                    line(&mut m, 4, k, "", "中期资金总额，万元，写法与 资金 相同");
                    for src in if sources.is_empty() {
                        vec!["合计"]
                    } else {
                        sources.clone()
                    } {
                        line(&mut m, 6, &scalar(src, false), "0", "");
                    }
                }
                _ => {
                    line(&mut m, 4, k, "", "中期指标，写法与 指标 相同，不写权重");
                    let l1 = names.first().copied().unwrap_or_default();
                    let l2 = if s.level2 { "二级: \"\", " } else { "" };
                    let _ = writeln!(
                        m,
                        "      - {{一级: {}, {l2}三级: \"\", 指标值: \"\"}}",
                        scalar(l1, false)
                    );
                }
            }
            if required(k) {
                o.push_str(&m);
            } else {
                for l in m.lines() {
                    let _ = writeln!(o, "    # {}", l.strip_prefix("    ").unwrap_or(l));
                }
            }
        }
    }
    // The self-evaluation: written out where every document needs it; otherwise a commented
    // block to fill in at year end.
    let evaluated = s.documents.iter().all(|d| d.only() == Only::Evaluated);
    let reads_eval = reads(&used, "自评")
        || ["完成值", "得分", "偏差原因", "等级"]
            .iter()
            .any(|k| reads(&used, &format!("指标.{k}")));
    if reads_eval {
        let mut e = String::new();
        line(&mut e, 4, "自评", "", "年度结束后的自评");
        line(
            &mut e,
            6,
            "资金",
            "",
            "按来源：年初预算、全年预算（A）、全年执行（B），万元",
        );
        let rows: Vec<&str> = if sources.is_empty() {
            vec!["合计"]
        } else {
            sources.clone()
        };
        for k in rows {
            let _ = writeln!(
                e,
                "        {}: {{年初预算: 0, 全年预算: 0, 全年执行: 0}}",
                scalar(k, false)
            );
        }
        line(
            &mut e,
            6,
            "实际完成情况",
            "\"\"",
            "年度总体目标的实际完成情况",
        );
        for f in &s.fields.eval {
            let key = scalar(&f.key.value, false);
            if f.required || required(&f.key.value) {
                line(&mut e, 6, &key, "\"\"", "扩展字段（必填）");
            } else {
                let _ = writeln!(e, "      # {key}: \"\"  # 扩展字段（可选）");
            }
        }
        line(
            &mut e,
            6,
            "指标",
            "",
            "每条指标一项：指标 写它的三级名称（同名时写“二级/三级”）",
        );
        for _ in &placeholders {
            let _ = writeln!(e, "        - {{指标: \"\", 实际完成值: \"\", 得分: 0}}");
        }
        if evaluated {
            o.push_str(&e);
        } else {
            let _ = writeln!(
                o,
                "    # 年度结束后填写自评：去掉下面各行开头的“# ”（保留缩进）。"
            );
            for l in e.lines() {
                let _ = writeln!(o, "    # {}", l.strip_prefix("    ").unwrap_or(l));
            }
        }
    }
    // The department-wide part, where a document of the style prints it: written out where
    // the style requires it, otherwise a commented block.
    let prints_wide = s.documents.iter().any(|d| d.only().prints_wide());
    if s.department.required || prints_wide {
        let mut w = String::new();
        line(
            &mut w,
            0,
            "部门整体",
            "",
            "部门整体支出绩效目标（见 docs/data-format.md 的“部门整体”）",
        );
        line(&mut w, 2, "资金", "", describe(Level::DeptWide, "资金"));
        let rows: Vec<&str> = if sources.is_empty() {
            vec!["合计"]
        } else {
            sources.clone()
        };
        for k in &rows {
            let _ = writeln!(w, "    {}: 0", scalar(k, false));
        }
        allocation(&mut w, s);
        line(
            &mut w,
            2,
            "年度主要任务",
            "",
            "每项任务一项，各任务金额相加应等于部门资金",
        );
        line(&mut w, 4, "- 任务名称", "\"\"", "");
        line(&mut w, 6, "主要内容", "\"\"", "");
        line(
            &mut w,
            6,
            "支出项目",
            "[]",
            describe(Level::Task, "支出项目"),
        );
        line(&mut w, 6, "资金", "", "");
        for k in &rows {
            let _ = writeln!(w, "        {}: 0", scalar(k, false));
        }
        line(
            &mut w,
            2,
            "年度总体目标",
            "\"\"",
            describe(Level::DeptWide, "年度总体目标"),
        );
        line(
            &mut w,
            2,
            "指标",
            "[]",
            "部门整体的绩效指标，写法与项目的“指标”相同（可复制项目的指标行再改）",
        );
        if s.department.required {
            o.push_str(&w);
        } else {
            let _ = writeln!(
                o,
                "# 要印部门整体支出绩效表时填写：去掉下面各行开头的“# ”（保留缩进）。"
            );
            for l in w.lines() {
                let _ = writeln!(o, "# {l}");
            }
        }
    }
    o
}

/// `拨付结余`, where a `fund` block of the style prints it: one row per funding level with the
/// figures the style's columns read (the ones it computes by a formula left out).
fn allocation(w: &mut String, s: &crate::style::Style) {
    use crate::style::Breakdown;
    let columns: Vec<&crate::style::FundColumn> = s
        .documents
        .iter()
        .flat_map(|d| &d.blocks)
        .filter_map(|b| b.fund.as_ref())
        .filter(|f| f.value.source == Breakdown::Allocation)
        .flat_map(|f| &f.value.columns)
        .map(|c| &c.value)
        .collect();
    if columns.is_empty() {
        return;
    }
    let mut keys: Vec<&str> = Vec::new();
    for f in fields::figures(Level::Allocation) {
        let read = columns
            .iter()
            .any(|c| c.figure() == Some(f.key) && c.formula.is_none());
        if read && !keys.contains(&f.key) {
            keys.push(f.key);
        }
    }
    line(w, 2, "拨付结余", "", describe(Level::DeptWide, "拨付结余"));
    for level in ["中央及省级", "市级", "县级"] {
        let figures: String = keys.iter().map(|k| format!(", {k}: 0")).collect();
        let _ = writeln!(w, "    - {{名称: {level}{figures}}}");
    }
}
