//! The formula of a `fund` block's column (`formula: ① + ②`, `⑤ / ④`, `(本年 - 上年) / 上年`):
//! names of the block's columns joined by `+`, `-` (or `−`), `/` (or `÷`) and parentheses. One
//! parser and one evaluator, used by the style check (the names), the plan (the printed value
//! and the workbook's formula) and `check` (the stated figures against it).

use rust_decimal::Decimal;

/// A parsed formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A column, by the name the formula gives it.
    Name(String),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
}

/// The most operators a formula may have (a printed header states a handful).
const MAX_TERMS: usize = 32;

impl Expr {
    /// Parses `text`; the error says what is wrong, in Chinese.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let tokens = tokens(text)?;
        if tokens.len() > MAX_TERMS * 2 {
            return Err(format!("公式太长（最多 {MAX_TERMS} 项）"));
        }
        let mut p = Parser { tokens, at: 0 };
        let e = p.sum()?;
        match p.tokens.get(p.at) {
            None => Ok(e),
            Some(t) => Err(format!("公式中“{}”的位置不对", t.text())),
        }
    }

    /// The names it reads, in order of appearance.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Expr::Name(n) => vec![n.as_str()],
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Div(a, b) => {
                let mut v = a.names();
                v.extend(b.names());
                v
            }
        }
    }

    /// Whether the result is a ratio (printed as a percentage): the outermost operation is a
    /// division.
    pub fn is_ratio(&self) -> bool {
        matches!(self, Expr::Div(..))
    }

    /// Its value, the names' values given by `value`; `None` when a name has no value, a
    /// divisor is 0 or the arithmetic overflows.
    pub fn eval(&self, value: &mut dyn FnMut(&str) -> Option<Decimal>) -> Option<Decimal> {
        match self {
            Expr::Name(n) => value(n),
            Expr::Add(a, b) => a.eval(value)?.checked_add(b.eval(value)?),
            Expr::Sub(a, b) => a.eval(value)?.checked_sub(b.eval(value)?),
            Expr::Div(a, b) => {
                let (a, b) = (a.eval(value)?, b.eval(value)?);
                if b.is_zero() { None } else { a.checked_div(b) }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Name(String),
    Op(char),
    Open,
    Close,
}

impl Token {
    fn text(&self) -> String {
        match self {
            Token::Name(n) => n.clone(),
            Token::Op(c) => c.to_string(),
            Token::Open => "(".into(),
            Token::Close => ")".into(),
        }
    }
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut name = String::new();
    let flush = |name: &mut String, out: &mut Vec<Token>| {
        if !name.is_empty() {
            out.push(Token::Name(std::mem::take(name)));
        }
    };
    for c in text.chars() {
        let t = match c {
            '+' | '＋' => Some(Token::Op('+')),
            '-' | '−' | '－' => Some(Token::Op('-')),
            '/' | '÷' | '／' => Some(Token::Op('/')),
            '(' | '（' => Some(Token::Open),
            ')' | '）' => Some(Token::Close),
            '*' | '×' | '=' => return Err(format!("公式只能用 + − ÷ 和括号，不能用“{c}”")),
            c if c.is_whitespace() => None,
            c => {
                name.push(c);
                continue;
            }
        };
        flush(&mut name, &mut out);
        out.extend(t);
    }
    flush(&mut name, &mut out);
    if out.is_empty() {
        return Err("公式为空".into());
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn sum(&mut self) -> Result<Expr, String> {
        let mut e = self.quotient()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.tokens.get(self.at).cloned() {
            self.at += 1;
            let r = Box::new(self.quotient()?);
            e = if op == '+' {
                Expr::Add(Box::new(e), r)
            } else {
                Expr::Sub(Box::new(e), r)
            };
        }
        Ok(e)
    }

    fn quotient(&mut self) -> Result<Expr, String> {
        let mut e = self.atom()?;
        while let Some(Token::Op('/')) = self.tokens.get(self.at) {
            self.at += 1;
            e = Expr::Div(Box::new(e), Box::new(self.atom()?));
        }
        Ok(e)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        match t {
            Some(Token::Name(n)) => Ok(Expr::Name(n)),
            Some(Token::Open) => {
                let e = self.sum()?;
                match self.tokens.get(self.at) {
                    Some(Token::Close) => {
                        self.at += 1;
                        Ok(e)
                    }
                    _ => Err("公式的括号不成对".into()),
                }
            }
            Some(t) => Err(format!("公式中“{}”的位置不对", t.text())),
            None => Err("公式不完整（运算符后缺少栏名）".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_evaluates_the_printed_formulas() {
        let mut v = |n: &str| match n {
            "①" => Some(d("100")),
            "②" => Some(d("20")),
            "④" => Some(d("120")),
            "⑤" => Some(d("90")),
            _ => None,
        };
        let sum = Expr::parse("① + ②").unwrap();
        assert_eq!(sum.eval(&mut v), Some(d("120")));
        assert!(!sum.is_ratio());
        let rate = Expr::parse("⑤÷④").unwrap();
        assert_eq!(rate.eval(&mut v), Some(d("0.75")));
        assert!(rate.is_ratio());
        let rest = Expr::parse("（④ − ⑤）/ ④").unwrap();
        assert_eq!(rest.eval(&mut v), Some(d("0.25")));
        assert_eq!(rest.names(), ["④", "⑤", "④"]);
        assert_eq!(
            Expr::parse("① - ② - ①").unwrap().eval(&mut v),
            Some(d("-20"))
        );
        assert_eq!(Expr::parse("① / ③").unwrap().eval(&mut v), None);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in ["", "① +", "(① + ②", "① × ②", "① ② +", ")"] {
            assert!(Expr::parse(bad).is_err(), "{bad}");
        }
    }
}
