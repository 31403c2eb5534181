//! The figures of each department that a region's summaries print: counts, money by source,
//! and after the year end the self-evaluation results. Exact decimals, computed once from the
//! checked departments, so every summary, its chart and the publication index agree.

use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::check::Dept;

/// One department file's figures.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeptFigures {
    pub name: String,
    pub year: u32,
    pub file: PathBuf,
    /// Errors and warnings found in its file.
    pub errors: usize,
    pub warnings: usize,
    /// Refused by the check: its money and results are not summed.
    pub refused: bool,
    pub projects: usize,
    pub indicators: usize,
    /// Budget money by the style's source key, in the style's order.
    pub money: Vec<(String, Decimal)>,
    pub money_total: Decimal,
    /// Self-evaluation results, when any project has them.
    pub eval: Option<EvalFigures>,
    /// The department-wide part (`部门整体`), where the file has one.
    #[serde(default)]
    pub wide: Option<WideFigures>,
}

/// The figures of a department's `部门整体`: its money and, after the year end, its
/// self-evaluation's money, total score and grade.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct WideFigures {
    /// The department's money (资金合计).
    pub money_total: Decimal,
    /// Its self-evaluation, where written.
    pub eval: Option<WideEval>,
}

/// A department-wide self-evaluation's figures.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct WideEval {
    /// 全年预算数 and 全年执行数 of its 合计 row.
    pub budget: Decimal,
    pub executed: Decimal,
    /// 总分 and 等级; none while a score is blank.
    pub score: Option<Decimal>,
    pub grade: Option<String>,
}

/// Self-evaluation results of a department (or of the whole region).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EvalFigures {
    /// Projects evaluated, and those of them with a total score.
    pub projects: usize,
    pub scored: usize,
    /// 全年预算数 and 全年执行数, summed.
    pub budget: Decimal,
    pub executed: Decimal,
    /// Sum of the total scores, and of score × 全年预算数 (for the budget-weighted average).
    pub score_sum: Decimal,
    pub weighted_sum: Decimal,
    /// 全年预算数 of the scored projects.
    pub scored_budget: Decimal,
    /// Projects per grade: 优, 良, 中, 差.
    pub grades: [usize; 4],
    /// Projects scoring below 60: (project, score).
    pub low: Vec<(String, Decimal)>,
}

/// The grade names in the order of [`EvalFigures::grades`] (RULES.md).
pub const GRADES: [&str; 4] = ["优", "良", "中", "差"];

/// The score below which a project is listed.
pub const LOW_SCORE: Decimal = Decimal::from_parts(60, 0, 0, false, 0);

impl EvalFigures {
    /// 全年执行数 / 全年预算数.
    pub fn rate(&self) -> Option<Decimal> {
        (!self.budget.is_zero())
            .then(|| self.executed.checked_div(self.budget))
            .flatten()
    }

    /// The simple average of the total scores.
    pub fn average(&self) -> Option<Decimal> {
        (self.scored > 0)
            .then(|| self.score_sum.checked_div(Decimal::from(self.scored)))
            .flatten()
    }

    /// The average of the total scores weighted by 全年预算数.
    pub fn weighted_average(&self) -> Option<Decimal> {
        (!self.scored_budget.is_zero())
            .then(|| self.weighted_sum.checked_div(self.scored_budget))
            .flatten()
    }

    /// Adds another department's results (for the region's total).
    pub fn add(&mut self, o: &EvalFigures) -> Option<()> {
        self.projects += o.projects;
        self.scored += o.scored;
        self.budget = self.budget.checked_add(o.budget)?;
        self.executed = self.executed.checked_add(o.executed)?;
        self.score_sum = self.score_sum.checked_add(o.score_sum)?;
        self.weighted_sum = self.weighted_sum.checked_add(o.weighted_sum)?;
        self.scored_budget = self.scored_budget.checked_add(o.scored_budget)?;
        for (a, b) in self.grades.iter_mut().zip(o.grades) {
            *a += b;
        }
        self.low.extend(o.low.iter().cloned());
        Some(())
    }
}

/// The figures of a checked department. `None` when a sum overflows (the check reports
/// such values already).
pub fn of(
    dept: &Dept,
    file: PathBuf,
    errors: usize,
    warnings: usize,
    refused: bool,
) -> Option<DeptFigures> {
    let mut money: Vec<(String, Decimal)> = dept
        .style
        .style
        .funds
        .sources
        .iter()
        .map(|s| (s.key.value.clone(), Decimal::ZERO))
        .collect();
    let mut money_total = Decimal::ZERO;
    let mut indicators = 0;
    let mut eval: Option<EvalFigures> = None;
    for p in &dept.projects {
        indicators += p.indicators.len();
        money_total = money_total.checked_add(p.funds.total)?;
        for (key, amount) in &p.funds.sources {
            if let Some(slot) = money.iter_mut().find(|(k, _)| k == key) {
                slot.1 = slot.1.checked_add(*amount)?;
            }
        }
        let Some(e) = &p.eval else { continue };
        let f = eval.get_or_insert_with(EvalFigures::default);
        f.projects += 1;
        f.budget = f.budget.checked_add(e.total.budget)?;
        f.executed = f.executed.checked_add(e.total.executed)?;
        if let Some(score) = e.total_score {
            f.scored += 1;
            f.score_sum = f.score_sum.checked_add(score)?;
            f.weighted_sum = f
                .weighted_sum
                .checked_add(score.checked_mul(e.total.budget)?)?;
            f.scored_budget = f.scored_budget.checked_add(e.total.budget)?;
            let g = crate::compute::grade(score);
            if let Some(i) = GRADES.iter().position(|x| *x == g) {
                f.grades[i] += 1;
            }
            if score < LOW_SCORE {
                f.low.push((p.src.name.value.trim().to_string(), score));
            }
        }
    }
    let wide = dept.wide.as_ref().map(|w| WideFigures {
        money_total: w.funds.total,
        eval: w.eval.as_ref().map(|e| WideEval {
            budget: e.total.budget,
            executed: e.total.executed,
            score: e.total_score,
            grade: e.grade.map(str::to_string),
        }),
    });
    Some(DeptFigures {
        name: dept.src.name.value.trim().to_string(),
        year: dept.src.year.value,
        file,
        errors,
        warnings,
        refused,
        projects: dept.projects.len(),
        indicators,
        money,
        money_total,
        eval,
        wide,
    })
}
