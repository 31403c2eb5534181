//! A style's patterns, compiled once when the style is checked: every printed word of a table
//! comes from a minijinja pattern of the style, rendered by the planner with the data as
//! variables ([`crate::plan::context`]). Execution is bounded by minijinja's fuel.

use std::borrow::Cow;
use std::collections::HashMap;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::fields::VarPath;

/// Upper bound on the work of one pattern (minijinja fuel units), so that a style cannot make
/// the planner spin.
const FUEL: u64 = 200_000;

/// The compiled patterns of a style, looked up by their source text, with the variables each
/// reads and the style's `field:` paths, parsed once ([`VarPath`]) when the style is checked.
#[derive(Debug)]
pub struct Patterns {
    env: Environment<'static>,
    /// The variables each compiled pattern reads, in the order of their text.
    variables: HashMap<String, Vec<VarPath>>,
    /// Why a variable a compiled pattern reads is no path (too deep), by pattern.
    malformed: HashMap<String, Vec<String>>,
    /// The style's `field:` paths, by their text as written.
    fields: HashMap<String, VarPath>,
}

impl Default for Patterns {
    fn default() -> Self {
        Patterns::new()
    }
}

impl Patterns {
    pub fn new() -> Patterns {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_fuel(Some(FUEL));
        Patterns {
            env,
            variables: HashMap::new(),
            malformed: HashMap::new(),
            fields: HashMap::new(),
        }
    }

    /// Compiles `src` and parses the variables it reads (idempotent).
    pub fn add(&mut self, src: &str) -> Result<(), minijinja::Error> {
        if self.env.get_template(src).is_ok() {
            return Ok(());
        }
        self.env
            .add_template_owned(src.to_string(), src.to_string())?;
        let mut names: Vec<String> = self
            .env
            .get_template(src)
            .map(|t| t.undeclared_variables(true).into_iter().collect())
            .unwrap_or_default();
        names.sort();
        let (mut vars, mut bad) = (Vec::new(), Vec::new());
        for n in names {
            match VarPath::parse(&n) {
                Ok(v) => vars.push(v),
                Err(e) => bad.push(e),
            }
        }
        self.variables.insert(src.to_string(), vars);
        if !bad.is_empty() {
            self.malformed.insert(src.to_string(), bad);
        }
        Ok(())
    }

    /// Parses a `field:` path of the style (idempotent); `Err` is the message for its author.
    pub fn add_field(&mut self, written: &str) -> Result<&VarPath, String> {
        if !self.fields.contains_key(written) {
            let path = VarPath::parse(written)?;
            self.fields.insert(written.to_string(), path);
        }
        self.fields
            .get(written)
            .ok_or_else(|| format!("“{written}”无法识别"))
    }

    /// The parsed `field:` path `written` (parsed now if the style check has not).
    pub fn field(&self, written: &str) -> Option<Cow<'_, VarPath>> {
        match self.fields.get(written) {
            Some(p) => Some(Cow::Borrowed(p)),
            None => VarPath::parse(written).ok().map(Cow::Owned),
        }
    }

    /// The variables (with attribute paths, `项目.名称`) a compiled pattern reads, in the order
    /// of their text; none for a pattern not compiled.
    pub fn variables(&self, src: &str) -> &[VarPath] {
        self.variables.get(src).map_or(&[], Vec::as_slice)
    }

    /// Why variables of a compiled pattern are no paths (a name nested too deep).
    pub fn malformed(&self, src: &str) -> &[String] {
        self.malformed.get(src).map_or(&[], Vec::as_slice)
    }

    /// Renders a compiled pattern (compiling it first if the style check has not).
    pub fn render(&self, src: &str, ctx: &Value) -> Result<String, minijinja::Error> {
        match self.env.get_template(src) {
            Ok(t) => t.render(ctx),
            Err(_) => self.env.render_str(src, ctx),
        }
    }
}
