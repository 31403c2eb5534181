//! The documents of a style and their blocks, as `style.yaml` writes them: which documents a
//! style makes (each, only, attach), their page settings, and the blocks of their tables
//! (rows, money, grid, tasks, fund) with their cells, columns, totals and groups.

use super::*;

/// What a document is made of: one section per project, or one for the whole department.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Each {
    #[default]
    Project,
    Department,
}

/// Which projects a document includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Only {
    #[default]
    All,
    /// Projects with a self-evaluation.
    Evaluated,
    /// Departments whose file carries the department-wide part (`部门整体`); the other
    /// departments get no such document.
    DepartmentWide,
    /// Departments whose department-wide part has a self-evaluation (`部门整体.自评`).
    DepartmentWideEvaluated,
}

impl Only {
    /// Whether documents of this kind print the department-wide part (`部门整体`).
    pub fn prints_wide(self) -> bool {
        matches!(self, Only::DepartmentWide | Only::DepartmentWideEvaluated)
    }
}

/// One document a style produces: page furniture and the table's blocks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    /// A free name of the table kind (`target`, `self_eval`, …), kept in the plan.
    pub kind: String,
    /// The minijinja template (relative to the style directory) that produces Typst source.
    pub template: SText,
    /// Output base name, e.g. `项目支出绩效目标表` (a pattern).
    pub file: SText,
    /// One section per project (the default) or one per department; where written, kept
    /// with its place (a records document refuses it there). Read through [`DocumentSpec::each`].
    #[serde(default, rename = "each")]
    pub each_written: Option<Spanned<Each>>,
    /// Which projects or departments get the document (all unless written); where written,
    /// kept with its place (the change table refuses it there). Read through
    /// [`DocumentSpec::only`].
    #[serde(default, rename = "only")]
    pub only_written: Option<Spanned<Only>>,
    /// Table title printed on each section (a pattern).
    pub title: SText,
    /// A line above the title (`附件1-{{ n }}：`).
    #[serde(default)]
    pub heading: Option<SText>,
    /// The line under the title (`({{ 年度 }}年)`).
    #[serde(default)]
    pub subtitle: Option<SText>,
    /// Left-hand line above the grid (`填报部门（盖章）{{ 部门 }}`).
    #[serde(default)]
    pub unit_line: Option<SText>,
    /// Right-hand line above the grid (`单位：万元`).
    #[serde(default)]
    pub unit_note: Option<SText>,
    /// Text before the first section (`附件 2：…`).
    #[serde(default)]
    pub preamble: Option<SText>,
    /// Paragraphs under each section's table; one that renders empty is left out.
    #[serde(default)]
    pub notes: Vec<SText>,
    /// The signature line under the table.
    #[serde(default)]
    pub signature: Vec<SignatureSpec>,
    /// PDF metadata: subject and keywords (patterns).
    #[serde(default)]
    pub subject: Option<SText>,
    #[serde(default)]
    pub keywords: Vec<SText>,
    #[serde(default)]
    pub landscape: bool,
    /// Allow a slightly tighter cell padding when that keeps a section on one page.
    #[serde(default)]
    pub fit_page: bool,
    /// Relative column widths of the table.
    pub columns: Spanned<Vec<f64>>,
    /// The table, top to bottom.
    pub blocks: Vec<Block>,
    /// Other documents of the style (by `kind`) whose tables follow this one's in the same
    /// file: 附件一 and 附件二 in one PDF, one sheet each in the xlsx.
    #[serde(default)]
    pub attach: Vec<SText>,
    /// `false`: built only where another document attaches it, not as a file of its own.
    #[serde(default = "yes")]
    pub alone: bool,
}

impl DocumentSpec {
    /// What a section is: one per project unless `each: department` is written.
    pub fn each(&self) -> Each {
        self.each_written
            .as_ref()
            .map_or(Each::default(), |e| e.value)
    }

    /// Which projects or departments get the document: all unless `only` is written.
    pub fn only(&self) -> Only {
        self.only_written
            .as_ref()
            .map_or(Only::default(), |o| o.value)
    }
}

/// One item of the signature line: a label and its value (both patterns).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureSpec {
    pub label: SText,
    #[serde(default)]
    pub text: Option<SText>,
}

/// A block of the table: exactly one of `rows`, `money`, `grid`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// Label/value rows: each row a list of cells that fill the table's width.
    #[serde(default)]
    pub rows: Option<Spanned<Vec<Spanned<Vec<CellSpec>>>>>,
    /// What the rows are: ordinary, repeated column header, or a total.
    #[serde(default)]
    pub kind: RowKindSpec,
    /// Fund sources × measures.
    #[serde(default)]
    pub money: Option<Spanned<MoneySpec>>,
    /// The indicator grid (or, in a department document, the project list).
    #[serde(default)]
    pub grid: Option<Spanned<GridSpec>>,
    /// The department's tasks (`部门整体.年度主要任务`), a row each.
    #[serde(default)]
    pub tasks: Option<Spanned<TasksSpec>>,
    /// A fund table: the rows of `部门整体.收入` or `支出`, numeric columns with formulas.
    #[serde(default)]
    pub fund: Option<Spanned<FundSpec>>,
    /// A table of one row per record (a summary's departments), with a total row.
    #[serde(default)]
    pub records: Option<Spanned<RecordsSpec>>,
    /// Lines under the table, one per item of a list of the records (a summary's 低分项目).
    #[serde(default)]
    pub list: Option<Spanned<ListSpec>>,
    /// A bar chart of one numeric column of the `records` block above.
    #[serde(default)]
    pub chart: Option<Spanned<ChartSpec>>,
}

impl Block {
    /// How many of the block kinds it writes (exactly one is right).
    pub fn kinds(&self) -> usize {
        [
            self.rows.is_some(),
            self.money.is_some(),
            self.grid.is_some(),
            self.tasks.is_some(),
            self.fund.is_some(),
            self.records.is_some(),
            self.list.is_some(),
            self.chart.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// The block's kind and settings: the first it writes (the style check refuses a block
    /// that writes none or more than one), `None` for none.
    pub fn kind(&self) -> Option<BlockKind<'_>> {
        Some(if let Some(r) = &self.rows {
            BlockKind::Rows(&r.value, self.kind)
        } else if let Some(m) = &self.money {
            BlockKind::Money(&m.value)
        } else if let Some(t) = &self.tasks {
            BlockKind::Tasks(&t.value)
        } else if let Some(f) = &self.fund {
            BlockKind::Fund(&f.value)
        } else if let Some(g) = &self.grid {
            BlockKind::Grid(&g.value)
        } else if let Some(r) = &self.records {
            BlockKind::Records(&r.value)
        } else if let Some(l) = &self.list {
            BlockKind::List(&l.value)
        } else if let Some(c) = &self.chart {
            BlockKind::Chart(&c.value)
        } else {
            return None;
        })
    }
}

/// What a block is, with its settings: the department's blocks (`rows` … `grid`) and the
/// blocks over records (`records`, `list`, `chart`).
#[derive(Clone, Copy)]
pub enum BlockKind<'b> {
    Rows(&'b [Spanned<Vec<CellSpec>>], RowKindSpec),
    Money(&'b MoneySpec),
    Tasks(&'b TasksSpec),
    Fund(&'b FundSpec),
    Grid(&'b GridSpec),
    Records(&'b RecordsSpec),
    List(&'b ListSpec),
    Chart(&'b ChartSpec),
}

/// A table of one row per record — a region's departments in a summary style: a column per
/// field or text pattern (`common::ColumnSpec`), an optional total row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsSpec {
    pub columns: Vec<common::ColumnSpec>,
    /// The label of the total row, printed in the first text column; no total row without it.
    #[serde(default)]
    pub total: Option<SText>,
    /// The one row printed when there are no records.
    #[serde(default)]
    pub empty: Option<SText>,
}

/// Lines under the table, one per item of a list the records offer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    /// What is listed (a summary: `低分项目`, the projects scoring below 60).
    pub of: SText,
    /// The heading line, printed only when the list has items.
    pub title: SText,
    /// One line per item (a pattern over the item's variables and `n`).
    pub item: SText,
    /// Printed instead when the list is empty.
    #[serde(default)]
    pub empty: Option<SText>,
}

/// A bar chart of one numeric column of the records, a bar per record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub title: SText,
    /// The column whose figures are drawn (a numeric field of the `records` block).
    pub field: SText,
    /// Reference lines (e.g. the grade limits 90, 80, 60).
    #[serde(default)]
    pub lines: Vec<Decimal>,
    /// The end of the scale.
    pub max: Decimal,
}

/// Which composition a `fund` block prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Breakdown {
    #[serde(rename = "收入")]
    Income,
    #[serde(rename = "支出")]
    Spending,
    /// 拨付结余: the money by funding level.
    #[serde(rename = "拨付结余")]
    Allocation,
}

impl Breakdown {
    /// The data key of the rows (under `部门整体`).
    pub fn key(self) -> &'static str {
        match self {
            Breakdown::Income => "收入",
            Breakdown::Spending => "支出",
            Breakdown::Allocation => "拨付结余",
        }
    }

    /// The level of the rows, whose figures the columns may name.
    pub fn level(self) -> crate::fields::Level {
        match self {
            Breakdown::Income | Breakdown::Spending => crate::fields::Level::FundRow,
            Breakdown::Allocation => crate::fields::Level::Allocation,
        }
    }
}

/// A fund table: a row per row of the department's income or spending composition (grouped,
/// with a subtotal row per group, and a total row), a column per figure or formula.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundSpec {
    /// `收入` or `支出`.
    pub source: Breakdown,
    /// A label in the first column(s), merged down over every row of the block.
    #[serde(default)]
    pub label: Option<SText>,
    #[serde(default = "one")]
    pub label_span: usize,
    /// Columns of each row's name.
    #[serde(default = "one")]
    pub name_span: usize,
    /// A heading row of the columns' labels (default true).
    #[serde(default = "yes")]
    pub header: bool,
    /// The heading row's text above the names.
    #[serde(default)]
    pub corner: Option<SText>,
    /// The subtotal row of each group (pattern, `分组`), printed above the group's rows; rows
    /// without a group follow ungrouped. Absent: no subtotals, rows in the written order.
    #[serde(default)]
    pub group: Option<SText>,
    /// The label of the total row (pattern), printed last; absent: no total row.
    #[serde(default)]
    pub total: Option<SText>,
    pub columns: Vec<Spanned<FundColumn>>,
}

/// One column of a fund table: exactly one of `sum`, `difference`, `ratio`, `share`; or a
/// declared column — `field` (the rows' figure), `formula` (over other columns, by `name` or
/// `field`), or both (the formula is printed, the stated figure checked against it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundColumn {
    pub label: SText,
    #[serde(default = "one")]
    pub span: usize,
    /// The name formulas call this column by (`①`); absent: its `field`.
    #[serde(default)]
    pub name: Option<SText>,
    /// The rows' figure printed here (`年初预算`, `拨付率`); subtotal and total rows sum an
    /// amount and leave a percentage to the formula.
    #[serde(default)]
    pub field: Option<SText>,
    /// Computed from other columns of the block (`① + ②`, `⑤ / ④`); a division prints a
    /// percentage.
    #[serde(default)]
    pub formula: Option<SText>,
    /// The rows' figure (`本年`, `上年`, `前年`); subtotal and total rows sum it.
    #[serde(default)]
    pub sum: Option<SText>,
    /// `[a, b]`: a − b.
    #[serde(default)]
    pub difference: Option<Vec<SText>>,
    /// `[a, b]`: (a − b) ÷ b, a percentage (增长率).
    #[serde(default)]
    pub ratio: Option<Vec<SText>>,
    /// The row's figure ÷ the total's, a percentage (占比).
    #[serde(default)]
    pub share: Option<SText>,
    #[serde(default)]
    pub blank: Option<String>,
}

impl FundColumn {
    /// The rows' figure it prints: `field`, or the older `sum`.
    pub fn figure(&self) -> Option<&str> {
        self.field
            .as_ref()
            .or(self.sum.as_ref())
            .map(|t| t.value.trim())
    }

    /// Whether formulas may call it `n`: its `name` or its figure.
    pub fn called(&self, n: &str) -> bool {
        self.name.as_ref().is_some_and(|m| m.value.trim() == n) || self.figure() == Some(n)
    }

    /// Its parsed formula (the style check reports one that does not parse).
    pub fn expr(&self) -> Option<super::formula::Expr> {
        self.formula
            .as_ref()
            .and_then(|f| super::formula::Expr::parse(&f.value).ok())
    }
}

impl FundSpec {
    /// The column formulas call `n` (the first such).
    pub fn column_called(&self, n: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.value.called(n))
    }

    /// Column `c`'s value in a row, as the table prints it: its formula over the other
    /// columns' values (each by this same rule) where every operand has one, else
    /// `fallback(c, depth)` (the stated figure; the plan's subtotal sums). `depth` is how many
    /// formulas deep the value is asked for; past the block's width there is none (the style
    /// check refuses a formula that reaches itself). The one rule of the printed table and of
    /// `check`'s comparison with the stated figures.
    pub fn column_value(
        &self,
        c: usize,
        depth: usize,
        fallback: &dyn Fn(usize, usize) -> Option<Decimal>,
    ) -> Option<Decimal> {
        if depth > self.columns.len() {
            return None;
        }
        let col = &self.columns.get(c)?.value;
        col.expr()
            .and_then(|e| self.formula_value(&e, depth, fallback))
            .or_else(|| fallback(c, depth))
    }

    /// The formula `e`'s value over the columns' values ([`FundSpec::column_value`], each one
    /// level deeper than `depth`).
    pub fn formula_value(
        &self,
        e: &super::formula::Expr,
        depth: usize,
        fallback: &dyn Fn(usize, usize) -> Option<Decimal>,
    ) -> Option<Decimal> {
        e.eval(&mut |n| self.column_value(self.column_called(n)?, depth + 1, fallback))
    }

    /// The block's width in columns.
    pub fn width(&self) -> usize {
        let label = if self.label.is_some() {
            self.label_span
        } else {
            0
        };
        self.columns.iter().fold(label + self.name_span, |w, c| {
            w.saturating_add(c.value.span)
        })
    }
}

/// A block with a row per task of the department-wide part, between heading rows and total
/// rows, beside a label merged down over the whole block. Rows are written as in a `rows`
/// block; in `row`, `任务` is the task and `n` its number.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TasksSpec {
    /// A label in the first column(s), merged down over every row of the block.
    #[serde(default)]
    pub label: Option<SText>,
    #[serde(default = "one")]
    pub label_span: usize,
    /// Heading rows above the tasks.
    #[serde(default)]
    pub header: Vec<Spanned<Vec<CellSpec>>>,
    /// The row of one task.
    pub row: Spanned<Vec<CellSpec>>,
    /// Task rows at least (blank rows after the tasks, for a form filled by hand).
    #[serde(default)]
    pub min_rows: usize,
    /// Rows after the tasks (`金额合计`).
    #[serde(default)]
    pub total: Vec<Spanned<Vec<CellSpec>>>,
}

/// The most blank task rows a `tasks` block may ask for (`min_rows`): a printed form has a
/// handful; more is a slip, refused by the style check (JX503).
pub const MAX_TASK_PAD_ROWS: usize = 200;

impl TasksSpec {
    /// The block as a `rows` block for `tasks` task rows: the heading rows, the task row
    /// repeated, the total rows, and the label (if any) merged down over them all in front of
    /// the first row. Each row with its kind and, for a task row, the task's index.
    pub fn rows(&self, tasks: usize) -> Vec<(Spanned<Vec<CellSpec>>, RowKindSpec, Option<usize>)> {
        let mut out = Vec::new();
        // The heading rows are ordinary rows: the label beside them merges down over the task
        // rows, which a repeated table header cannot.
        for r in &self.header {
            out.push((r.clone(), RowKindSpec::Body, None));
        }
        let pad = self.min_rows.min(MAX_TASK_PAD_ROWS);
        for i in 0..tasks.max(pad).max(1) {
            out.push((
                self.row.clone(),
                RowKindSpec::Body,
                (i < tasks).then_some(i),
            ));
        }
        for r in &self.total {
            out.push((r.clone(), RowKindSpec::Total, None));
        }
        if let Some(l) = &self.label {
            let n = out.len();
            let label = CellSpec {
                label: Some(l.clone()),
                text: None,
                field: None,
                span: self.label_span.max(1),
                rows: n,
                align: None,
                vertical: false,
                blank: None,
            };
            if let Some((first, _, _)) = out.first_mut() {
                first.value.insert(0, label);
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKindSpec {
    #[default]
    Body,
    Header,
    Total,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlignSpec {
    Left,
    Center,
    Right,
}

/// One cell of a `rows` block: a printed label, a text pattern, or a data field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSpec {
    /// A form label (pattern), printed in the label font, centred.
    #[serde(default)]
    pub label: Option<SText>,
    /// A text pattern, printed as data.
    #[serde(default)]
    pub text: Option<SText>,
    /// A data field (`项目.名称`, `项目.资金.合计`, `自评.总分`…): numbers stay numbers.
    #[serde(default)]
    pub field: Option<SText>,
    /// Columns spanned.
    #[serde(default = "one")]
    pub span: usize,
    /// Rows spanned (a label merged down over the following rows).
    #[serde(default = "one")]
    pub rows: usize,
    #[serde(default)]
    pub align: Option<AlignSpec>,
    /// Written top to bottom, one character a line.
    #[serde(default)]
    pub vertical: bool,
    /// Printed when the value is empty (e.g. `/`).
    #[serde(default)]
    pub blank: Option<String>,
}

/// Money block: a row per fund source (and a total row), a column per measure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneySpec {
    /// A label in the first column(s), merged down over the whole block.
    #[serde(default)]
    pub label: Option<SText>,
    #[serde(default = "one")]
    pub label_span: usize,
    /// Columns of each row's label (the source's printed name).
    #[serde(default = "one")]
    pub row_label_span: usize,
    /// A first row with the measures' headings.
    #[serde(default = "yes")]
    pub header: bool,
    /// Text of the header row above the row labels.
    #[serde(default)]
    pub corner: Option<SText>,
    /// The total row.
    #[serde(default)]
    pub total: Option<MoneyTotal>,
    /// Every source of the style, or only those the project fills.
    #[serde(default)]
    pub sources: SourceRows,
    /// Row labels of this block by source key, where they differ from the style's
    /// `funds.sources` labels (`其中：当年财政拨款` here, `其中：财政拨款` elsewhere).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub measures: Vec<Measure>,
    /// Whose money the rows are: the section's project (default), or the department-wide
    /// part's (`部门整体`: its 资金 and its 自评's money).
    #[serde(default)]
    pub source: IndicatorSource,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceRows {
    #[default]
    All,
    Filled,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneyTotal {
    pub label: SText,
    #[serde(default)]
    pub position: TotalPosition,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TotalPosition {
    #[default]
    First,
    Last,
}

/// A measure column of the money block.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub label: SText,
    /// `预算`, `年初预算`, `全年预算`, `全年执行`, `执行率`, `执行分值`, `执行得分`; or a text
    /// pattern with `text`.
    #[serde(default)]
    pub field: Option<SText>,
    #[serde(default)]
    pub text: Option<SText>,
    #[serde(default = "one")]
    pub span: usize,
    /// Which rows show it: every row, only the total row, only the source rows.
    #[serde(default)]
    pub rows: MeasureRows,
    /// Printed where the measure does not apply or is empty (e.g. `/`).
    #[serde(default)]
    pub blank: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureRows {
    #[default]
    All,
    Total,
    Sources,
}

/// The indicator grid: a column per field, 一级/二级 merged over their rows. In a department
/// document it lists every project, project cells merged over the project's rows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Print the column headings (they repeat on every page).
    #[serde(default = "yes")]
    pub header: bool,
    pub columns: Vec<GridColumn>,
    /// Print the taxonomy's 二级 without indicators (default: the style's setting).
    #[serde(default)]
    pub empty_level2: Option<bool>,
    /// Rows per 二级 at least (padded with numbered blank rows).
    #[serde(default)]
    pub min_rows_per_level2: usize,
    /// A last row in every 二级 with this text (`……`).
    #[serde(default)]
    pub ellipsis: Option<SText>,
    /// Body rows at least (padded with blank rows).
    #[serde(default)]
    pub min_rows: usize,
    /// Department documents: a row naming each group of projects (e.g. by 实施单位).
    #[serde(default)]
    pub group: Option<GroupSpec>,
    /// A total row after the grid: money and score columns summed.
    #[serde(default)]
    pub total: Option<TotalSpec>,
    /// Whose indicators the rows are: each project's (default), each project's medium-term
    /// ones (`中期`), or the department-wide part's (`部门整体`).
    #[serde(default)]
    pub source: IndicatorSource,
    /// A second grid printed to the right of this one (中期 beside 年度): its own source and
    /// columns, planned as a grid of its own; the halves' rows pair by position.
    #[serde(default)]
    pub beside: Option<Box<GridSpec>>,
}

/// Whose data a block prints: a grid's indicators, a money block's money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum IndicatorSource {
    #[default]
    #[serde(rename = "项目")]
    Project,
    #[serde(rename = "部门整体")]
    DepartmentWide,
    /// A project's medium- (or long-) term block: a grid prints its `中期指标`, a money block
    /// its `中期资金`.
    #[serde(rename = "中期")]
    MidTerm,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridColumn {
    /// Column heading (pattern).
    pub label: SText,
    /// A heading over several adjacent columns (`资金安排`).
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub field: Option<SText>,
    #[serde(default)]
    pub text: Option<SText>,
    #[serde(default = "one")]
    pub span: usize,
    #[serde(default)]
    pub align: Option<AlignSpec>,
    /// Merge the cell over the rows below its level (default); `false` prints it on every row.
    #[serde(default = "yes")]
    pub merge: bool,
    #[serde(default)]
    pub vertical: bool,
    /// Printed when the value is empty.
    #[serde(default)]
    pub blank: Option<String>,
    /// Label cells (form wording) rather than data: label font, centred.
    #[serde(default)]
    pub label_cells: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// The project field that groups (`项目.实施单位`).
    pub by: SText,
    /// The group row's text (pattern; `分组` is the group's value).
    #[serde(default)]
    pub text: Option<SText>,
    /// 1-based grid column of the group row's text.
    #[serde(default = "one")]
    pub column: usize,
    /// A subtotal row after each group.
    #[serde(default)]
    pub subtotal: Option<TotalSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalSpec {
    pub label: SText,
    /// 1-based grid column of the label.
    #[serde(default = "one")]
    pub column: usize,
    /// Decimals of the summed money (absent: as money is printed — `funds.decimals`, or the
    /// largest scale among the addends).
    #[serde(default)]
    pub decimals: Option<u32>,
    /// A note printed under the table when rounding changed the total, one per summed column
    /// that rounds (`精确合计`: the exact sum in the printed unit, `小数位数`, `列名`: the
    /// column's heading).
    #[serde(default)]
    pub rounding_note: Option<SText>,
    /// `first`: the row is printed above the rows it sums (a department's total above its
    /// projects, a group's subtotal under its heading); default `last`, below them.
    #[serde(default)]
    pub position: Option<TotalPosition>,
}

impl TotalSpec {
    /// Whether the row goes above the rows it sums.
    pub fn first(&self) -> bool {
        self.position == Some(TotalPosition::First)
    }
}
