//! A record's value by catalogue key: how the writer (`yaml_out`) and `diff` read a field the
//! catalogue defines without a list of their own. Each level's record answers
//! [`Record::get`] for every key of its level (a test holds them equal), a text kept by key
//! ([`super::Store::Texts`]) through [`crate::model::Texts::text`]; a field added to the
//! catalogue is then written and compared in the catalogue's order, by its [`super::Shape`].

use serde_saphyr::Spanned;

use super::{Level, Store};
use crate::model::{
    Department, DeptWide, Entries, EvalAmounts, FundRow, Goals, Indicator, IndicatorEval, Num,
    Project, SelfEval, Sources, Task, Text, Texts,
};

/// The value of one field of a record, by the field's shape.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// Not written (an optional field left out).
    Absent,
    /// [`super::Shape::Text`] and [`super::Shape::Rate`].
    Text(&'a Text),
    /// [`super::Shape::Year`].
    Year(&'a Spanned<u32>),
    /// [`super::Shape::Number`].
    Number(&'a Num),
    /// [`super::Shape::TextList`].
    Texts(&'a [Text]),
    /// [`super::Shape::Goals`].
    Goals(&'a Spanned<Goals>),
    /// [`super::Shape::Money`].
    Money(&'a Spanned<Sources<Num>>),
    /// [`super::Shape::EvalMoney`].
    EvalMoney(&'a Spanned<Sources<EvalAmounts>>),
    /// [`super::Shape::Names`].
    Names(&'a Entries<Text>),
    /// [`super::Shape::Records`] of projects.
    Projects(&'a [Project]),
    /// [`super::Shape::Records`] of indicators.
    Indicators(&'a [Indicator]),
    /// [`super::Shape::Records`] of self-evaluation results.
    Results(&'a [IndicatorEval]),
    /// [`super::Shape::Records`] of tasks.
    Tasks(&'a [Task]),
    /// [`super::Shape::Records`] of income or spending rows.
    FundRows(&'a [FundRow]),
    /// [`super::Shape::Record`] of a self-evaluation.
    Eval(&'a SelfEval),
    /// [`super::Shape::Record`] of the department-wide part.
    Wide(&'a DeptWide),
}

/// A record of one level of the data format.
pub trait Record {
    /// Its level.
    const LEVEL: Level;

    /// The value of `key`; `None` for a key the level does not have.
    fn get(&self, key: &str) -> Option<Value<'_>>;

    /// The level of this record ([`Self::LEVEL`], but for a type read at more than one level).
    fn level(&self) -> Level {
        Self::LEVEL
    }

    /// Its fields in the catalogue's order, with their values.
    fn fields(&self) -> impl Iterator<Item = (&'static super::Field, Value<'_>)> {
        super::of(self.level()).filter_map(move |f| self.get(f.key).map(|v| (f, v)))
    }
}

fn text(t: Option<&Text>) -> Value<'_> {
    t.map_or(Value::Absent, Value::Text)
}

fn number(n: Option<&Num>) -> Value<'_> {
    n.map_or(Value::Absent, Value::Number)
}

fn goals(g: Option<&Spanned<Goals>>) -> Value<'_> {
    g.map_or(Value::Absent, Value::Goals)
}

/// A text kept by key, when the catalogue keeps `key` at `level` so.
fn kept<'a, T: Texts>(r: &'a T, level: Level, key: &str) -> Option<Value<'a>> {
    super::find(level, key)
        .filter(|f| f.store == Store::Texts)
        .map(|_| text(r.text(key)))
}

impl Record for Department {
    const LEVEL: Level = Level::Department;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "部门" => Value::Text(&self.name),
            "年度" => Value::Year(&self.year),
            "样式" => Value::Text(&self.style),
            "签字" => Value::Names(&self.signatures),
            "备注" => Value::Texts(&self.notes),
            "项目" => Value::Projects(&self.projects),
            "部门整体" => self.wide.as_ref().map_or(Value::Absent, Value::Wide),
            _ => return None,
        })
    }
}

impl Record for Project {
    const LEVEL: Level = Level::Project;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "名称" => Value::Text(&self.name),
            "资金" => Value::Money(&self.funds),
            "总体目标" => goals(self.goals.as_ref()),
            "指标" => Value::Indicators(&self.indicators),
            "中期目标" => goals(self.mid_goals.as_ref()),
            "中期资金" => self.mid_funds.as_ref().map_or(Value::Absent, Value::Money),
            "中期指标" => Value::Indicators(&self.mid_indicators),
            "自评" => self.eval.as_ref().map_or(Value::Absent, Value::Eval),
            k => return kept(self, Level::Project, k),
        })
    }
}

impl Record for Indicator {
    const LEVEL: Level = Level::Indicator;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "一级" => Value::Text(&self.level1),
            "二级" => text(self.level2.as_ref()),
            "三级" => Value::Text(&self.name),
            "指标值" => Value::Text(&self.target),
            "依据" => text(self.basis.as_ref()),
            "上年完成值" => text(self.last_year.as_ref()),
            "权重" => number(self.weight.as_ref()),
            "赋分规则" => text(self.scoring.as_ref()),
            "佐证资料" => Value::Texts(&self.evidence),
            k => return kept(self, Level::Indicator, k),
        })
    }
}

impl Record for SelfEval {
    const LEVEL: Level = Level::Eval;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "资金" => Value::EvalMoney(&self.funds),
            "执行率" => text(self.stated_rate.as_ref()),
            "执行得分" => number(self.stated_exec_score.as_ref()),
            "执行得分调整理由" => text(self.exec_override.as_ref()),
            "实际完成情况" => Value::Text(&self.outcome),
            "总分" => number(self.stated_total.as_ref()),
            "等级" => text(self.stated_grade.as_ref()),
            "指标" => Value::Results(&self.indicators),
            k => return kept(self, Level::Eval, k),
        })
    }
}

impl Record for IndicatorEval {
    const LEVEL: Level = Level::Result;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "指标" => Value::Text(&self.indicator),
            "实际完成值" => text(self.actual.as_ref()),
            "得分" => number(self.score.as_ref()),
            "等级" => text(self.grade.as_ref()),
            "偏差原因" => text(self.reason.as_ref()),
            "得分调整理由" => text(self.score_override.as_ref()),
            _ => return None,
        })
    }
}

impl Record for EvalAmounts {
    const LEVEL: Level = Level::Amounts;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "年初预算" => number(self.initial.as_ref()),
            "全年预算" => Value::Number(&self.budget),
            "全年执行" => Value::Number(&self.executed),
            _ => return None,
        })
    }
}

impl Record for DeptWide {
    const LEVEL: Level = Level::DeptWide;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "部门职能" => text(self.functions.as_ref()),
            "资金" => Value::Money(&self.funds),
            "基本支出" => number(self.basic.as_ref()),
            "项目支出" => number(self.project_spending.as_ref()),
            "收入" => Value::FundRows(&self.income),
            "支出" => Value::FundRows(&self.spending),
            "拨付结余" => Value::FundRows(&self.allocation),
            "年度主要任务" => Value::Tasks(&self.tasks),
            "年度总体目标" => goals(self.goals.as_ref()),
            "指标" => Value::Indicators(&self.indicators),
            "自评" => self.eval.as_ref().map_or(Value::Absent, Value::Eval),
            _ => return None,
        })
    }
}

impl Record for Task {
    const LEVEL: Level = Level::Task;

    fn get(&self, key: &str) -> Option<Value<'_>> {
        Some(match key {
            "任务名称" => Value::Text(&self.name),
            "部门职能" => text(self.function.as_ref()),
            "主要内容" => text(self.content.as_ref()),
            "支出项目" => Value::Texts(&self.projects),
            "资金" => self.funds.as_ref().map_or(Value::Absent, Value::Money),
            _ => return None,
        })
    }
}

impl Record for FundRow {
    const LEVEL: Level = Level::FundRow;

    fn level(&self) -> Level {
        self.level
    }

    fn get(&self, key: &str) -> Option<Value<'_>> {
        let field = super::find(self.level, key)?;
        Some(match key {
            "名称" => Value::Text(&self.name),
            "分组" => text(self.group.as_ref()),
            "汇总" => text(self.sum.as_ref()),
            _ if field.shape == super::Shape::Rate => text(self.rate(key)),
            _ if field.shape == super::Shape::Number => number(self.figure(key)),
            _ => return None,
        })
    }
}

/// Whether a value fits a shape (the test that holds the accessors to the catalogue).
pub fn fits(shape: super::Shape, v: &Value) -> bool {
    use super::Shape as S;
    match v {
        Value::Absent => true,
        Value::Text(_) => matches!(shape, S::Text | S::Rate),
        Value::Year(_) => shape == S::Year,
        Value::Number(_) => shape == S::Number,
        Value::Texts(_) => shape == S::TextList,
        Value::Goals(_) => shape == S::Goals,
        Value::Money(_) => shape == S::Money,
        Value::EvalMoney(_) => shape == S::EvalMoney,
        Value::Names(_) => shape == S::Names,
        Value::Projects(_) => shape == S::Records(Level::Project),
        Value::Indicators(_) => shape == S::Records(Level::Indicator),
        Value::Results(_) => shape == S::Records(Level::Result),
        Value::Tasks(_) => shape == S::Records(Level::Task),
        Value::FundRows(rows) => {
            shape == S::Records(Level::FundRow) && rows.iter().all(|r| r.level == Level::FundRow)
                || shape == S::Records(Level::Allocation)
                    && rows.iter().all(|r| r.level == Level::Allocation)
        }
        Value::Eval(_) => shape == S::Record(Level::Eval),
        Value::Wide(_) => shape == S::Record(Level::DeptWide),
    }
}

impl crate::model::FundRow {
    /// Writes (or, with `None`, removes) the amount of `key`, kept in the catalogue's order;
    /// `false` when `key` is no amount of the row's level.
    pub fn set_figure(&mut self, key: &str, n: Option<Num>) -> bool {
        let order: Vec<&'static str> = super::figures(self.level)
            .filter(|f| f.shape == super::Shape::Number)
            .map(|f| f.key)
            .collect();
        let Some(at) = order.iter().position(|k| *k == key) else {
            return false;
        };
        self.figures.retain(|(k, _)| *k != key);
        if let Some(n) = n {
            let i = self
                .figures
                .iter()
                .position(|(k, _)| order.iter().position(|o| o == k) > Some(at))
                .unwrap_or(self.figures.len());
            self.figures.insert(i, (order[at], n));
        }
        true
    }
}
