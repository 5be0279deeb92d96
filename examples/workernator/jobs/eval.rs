//! `eval <expression>`: arithmetic on decimal numbers with `+ - * / % ^`,
//! parentheses and unary minus. A syntax error or a division by zero is the
//! job's own, permanent failure, and its message points at the column.
//!
//! Precedence, loosest first: `+ -`, then `* / %`, then unary minus, then `^`
//! (right-associative, so `2^3^2` is 512 and `-2^2` is -4). `%` is the remainder
//! of truncating division, with the sign of the dividend (`-7 % 3` is -1).

use crate::kinds::{ArgsError, Kind};
use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

/// Longest expression accepted, in characters.
const MAX_LEN: usize = 10_000;
/// Deepest nesting of parentheses, unary minus and powers.
const MAX_DEPTH: usize = 200;

/// Evaluate a mathematical expression.
#[derive(Debug, Clone, PartialEq, Eq, Job, Serialize, Deserialize)]
#[job(name = "eval")]
pub(crate) struct Evaluate {
    /// The expression, e.g. `(1 + 2.5) * -3 ^ 2`.
    pub(crate) expression: String,
}

impl Run for Evaluate {
    type Output = f64;

    fn run(self, _ctx: &JobContext) -> Result<f64, JobError> {
        let value = evaluate(&self.expression).map_err(|error| JobError::new(error.to_string()))?;
        println!("{} = {}", self.expression, format_number(value));
        Ok(value)
    }
}

impl Kind for Evaluate {
    const TITLE: &'static str = "Expression Evaluator";
    const ARGS: &'static str = "<expression>";

    /// The arguments joined by spaces, so both `eval '1 + 2'` and `eval 1 + 2`
    /// work; the expression itself is checked by the job.
    fn from_args(args: &[String]) -> Result<Self, ArgsError> {
        if args.is_empty() {
            return Err(ArgsError::Count {
                expected: 1,
                received: 0,
            });
        }
        Ok(Evaluate {
            expression: args.join(" "),
        })
    }

    fn describe(&self) -> Vec<(&'static str, String)> {
        vec![("Expression", self.expression.clone())]
    }
}

/// Why an expression has no value. Columns count characters, from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EvalError {
    /// Nothing to evaluate.
    #[error("the expression is empty")]
    Empty,
    /// Too long to be worth evaluating.
    #[error("the expression is longer than {MAX_LEN} characters")]
    TooLong,
    /// A character that is no part of the syntax.
    #[error("unexpected character '{found}' at column {column}")]
    UnexpectedCharacter { found: char, column: usize },
    /// Digits and points that are not a number.
    #[error("invalid number '{text}' at column {column}")]
    InvalidNumber { text: String, column: usize },
    /// A token where it cannot be.
    #[error("unexpected '{found}' at column {column}")]
    UnexpectedToken { found: String, column: usize },
    /// The expression stops early.
    #[error("unexpected end of the expression at column {column}: expected {expected}")]
    UnexpectedEnd {
        column: usize,
        expected: &'static str,
    },
    /// An opening parenthesis never closed.
    #[error("missing ')' for the '(' at column {column}")]
    Unclosed { column: usize },
    /// Nested too deeply.
    #[error("the expression nests deeper than {MAX_DEPTH} levels at column {column}")]
    TooDeep { column: usize },
    /// `x / 0`, or `0 ^ -n`.
    #[error("division by zero at column {column}")]
    DivisionByZero { column: usize },
    /// `x % 0`.
    #[error("remainder of a division by zero at column {column}")]
    RemainderByZero { column: usize },
    /// A result too large for a 64-bit float.
    #[error("overflow at column {column}: the result is too large")]
    Overflow { column: usize },
    /// A power with no real value, like `(-8) ^ 0.5`.
    #[error("'^' at column {column} has no real result")]
    NotReal { column: usize },
}

/// Evaluates `expression`.
pub(crate) fn evaluate(expression: &str) -> Result<f64, EvalError> {
    let tokens = tokenize(expression)?;
    let end_column = expression.chars().count() + 1;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
        end_column,
        steps: Vec::with_capacity(tokens.len()),
    };
    parser.expression()?;
    if let Some(extra) = parser.peek() {
        return Err(extra.unexpected());
    }
    run(&parser.steps)
}

/// A number for people: whole numbers without a fraction, others as the
/// shortest decimal that reads back exactly.
pub(crate) fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Symbol {
    Number(f64),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Open,
    Close,
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    symbol: Symbol,
    text: String,
    column: usize,
}

impl Token {
    fn unexpected(&self) -> EvalError {
        EvalError::UnexpectedToken {
            found: self.text.clone(),
            column: self.column,
        }
    }
}

fn tokenize(expression: &str) -> Result<Vec<Token>, EvalError> {
    if expression.chars().count() > MAX_LEN {
        return Err(EvalError::TooLong);
    }
    let mut tokens = Vec::new();
    let mut chars = expression.chars().enumerate().peekable();
    while let Some((index, c)) = chars.next() {
        let column = index + 1;
        let symbol = match c {
            ' ' | '\t' | '\n' | '\r' => continue,
            '+' => Symbol::Plus,
            '-' => Symbol::Minus,
            '*' => Symbol::Star,
            '/' => Symbol::Slash,
            '%' => Symbol::Percent,
            '^' => Symbol::Caret,
            '(' => Symbol::Open,
            ')' => Symbol::Close,
            '0'..='9' | '.' => {
                let mut text = String::from(c);
                while let Some(&(_, next)) = chars.peek() {
                    if !(next.is_ascii_digit() || next == '.') {
                        break;
                    }
                    text.push(next);
                    chars.next();
                }
                let number = parse_number(&text, column)?;
                tokens.push(Token {
                    symbol: Symbol::Number(number),
                    text,
                    column,
                });
                continue;
            }
            found => return Err(EvalError::UnexpectedCharacter { found, column }),
        };
        tokens.push(Token {
            symbol,
            text: c.to_string(),
            column,
        });
    }
    if tokens.is_empty() {
        return Err(EvalError::Empty);
    }
    Ok(tokens)
}

fn parse_number(text: &str, column: usize) -> Result<f64, EvalError> {
    let invalid = || EvalError::InvalidNumber {
        text: text.to_owned(),
        column,
    };
    if text == "." || text.matches('.').count() > 1 {
        return Err(invalid());
    }
    let value: f64 = text.parse().map_err(|_| invalid())?;
    if !value.is_finite() {
        return Err(EvalError::Overflow { column });
    }
    Ok(value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Power,
}

/// One step of the compiled expression, in postfix order: the syntax is
/// checked in full before anything is computed, and computing needs no
/// recursion however long the expression.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Push(f64),
    Negate,
    Apply { operator: Operator, column: usize },
}

/// Runs the steps on a stack.
fn run(steps: &[Step]) -> Result<f64, EvalError> {
    let mut stack: Vec<f64> = Vec::new();
    for step in steps {
        let value = match *step {
            Step::Push(value) => value,
            Step::Negate => -stack.pop().unwrap_or_default(),
            Step::Apply { operator, column } => {
                let right = stack.pop().unwrap_or_default();
                let left = stack.pop().unwrap_or_default();
                apply(operator, column, left, right)?
            }
        };
        stack.push(value);
    }
    // The parser emits exactly one value's worth of steps.
    Ok(stack.pop().unwrap_or_default())
}

fn apply(operator: Operator, column: usize, left: f64, right: f64) -> Result<f64, EvalError> {
    let result = match operator {
        Operator::Add => left + right,
        Operator::Subtract => left - right,
        Operator::Multiply => left * right,
        Operator::Divide if right == 0.0 => return Err(EvalError::DivisionByZero { column }),
        Operator::Divide => left / right,
        Operator::Remainder if right == 0.0 => return Err(EvalError::RemainderByZero { column }),
        Operator::Remainder => left % right,
        Operator::Power if left == 0.0 && right < 0.0 => {
            return Err(EvalError::DivisionByZero { column });
        }
        Operator::Power => left.powf(right),
    };
    if result.is_nan() {
        return Err(EvalError::NotReal { column });
    }
    if result.is_infinite() {
        return Err(EvalError::Overflow { column });
    }
    Ok(result)
}

/// Recursive descent over the tokens, one method per precedence level,
/// emitting postfix steps.
struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    depth: usize,
    end_column: usize,
    steps: Vec<Step>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// The next token if it is one of `operators`, consumed.
    fn next_operator(&mut self, operators: &[(Symbol, Operator)]) -> Option<(Operator, usize)> {
        let token = self.peek()?;
        let (_, operator) = operators
            .iter()
            .find(|(symbol, _)| *symbol == token.symbol)?;
        let found = (*operator, token.column);
        self.at += 1;
        Some(found)
    }

    fn deeper(&mut self, column: usize) -> Result<(), EvalError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(EvalError::TooDeep { column });
        }
        Ok(())
    }

    /// sum := product (('+' | '-') product)*
    fn expression(&mut self) -> Result<(), EvalError> {
        self.product()?;
        while let Some((operator, column)) = self.next_operator(&[
            (Symbol::Plus, Operator::Add),
            (Symbol::Minus, Operator::Subtract),
        ]) {
            self.product()?;
            self.steps.push(Step::Apply { operator, column });
        }
        Ok(())
    }

    /// product := unary (('*' | '/' | '%') unary)*
    fn product(&mut self) -> Result<(), EvalError> {
        self.unary()?;
        while let Some((operator, column)) = self.next_operator(&[
            (Symbol::Star, Operator::Multiply),
            (Symbol::Slash, Operator::Divide),
            (Symbol::Percent, Operator::Remainder),
        ]) {
            self.unary()?;
            self.steps.push(Step::Apply { operator, column });
        }
        Ok(())
    }

    /// unary := '-' unary | power
    fn unary(&mut self) -> Result<(), EvalError> {
        match self.peek() {
            Some(token) if token.symbol == Symbol::Minus => {
                let column = token.column;
                self.at += 1;
                self.deeper(column)?;
                self.unary()?;
                self.depth -= 1;
                self.steps.push(Step::Negate);
                Ok(())
            }
            _ => self.power(),
        }
    }

    /// power := primary ('^' unary)?   (right-associative through `unary`)
    fn power(&mut self) -> Result<(), EvalError> {
        self.primary()?;
        if let Some((operator, column)) = self.next_operator(&[(Symbol::Caret, Operator::Power)]) {
            self.deeper(column)?;
            self.unary()?;
            self.depth -= 1;
            self.steps.push(Step::Apply { operator, column });
        }
        Ok(())
    }

    /// primary := number | '(' sum ')'
    fn primary(&mut self) -> Result<(), EvalError> {
        let Some(token) = self.peek() else {
            return Err(EvalError::UnexpectedEnd {
                column: self.end_column,
                expected: "a number or '('",
            });
        };
        match token.symbol {
            Symbol::Number(value) => {
                self.at += 1;
                self.steps.push(Step::Push(value));
                Ok(())
            }
            Symbol::Open => {
                let open = token.column;
                self.at += 1;
                self.deeper(open)?;
                self.expression()?;
                self.depth -= 1;
                match self.peek() {
                    Some(token) if token.symbol == Symbol::Close => {
                        self.at += 1;
                        Ok(())
                    }
                    Some(token) => Err(token.unexpected()),
                    None => Err(EvalError::Unclosed { column: open }),
                }
            }
            _ => Err(token.unexpected()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(expression: &str) -> String {
        evaluate(expression).unwrap_err().to_string()
    }

    #[test]
    fn arithmetic_and_precedence() {
        let cases = [
            ("1 + 2 * 3", 7.0),
            ("(1 + 2) * 3", 9.0),
            ("10 - 4 - 3", 3.0),
            ("2 ^ 3 ^ 2", 512.0),
            ("-2 ^ 2", -4.0),
            ("(-2) ^ 2", 4.0),
            ("2 ^ -1", 0.5),
            ("--3", 3.0),
            ("7 % 3", 1.0),
            ("-7 % 3", -1.0),
            ("7.5 / 2.5", 3.0),
            (".5 + 1.", 1.5),
            ("2 * -3", -6.0),
            ("1 - -1", 2.0),
            ("8 / 4 / 2", 1.0),
            ("  42  ", 42.0),
        ];
        for (expression, expected) in cases {
            assert_eq!(evaluate(expression), Ok(expected), "{expression}");
        }
    }

    #[test]
    fn syntax_errors_point_at_their_column() {
        assert_eq!(error("(1 + 2))"), "unexpected ')' at column 8");
        assert_eq!(error("1 + * 2"), "unexpected '*' at column 5");
        assert_eq!(error("(1 + 2"), "missing ')' for the '(' at column 1");
        assert_eq!(error("(1 + 2 3"), "unexpected '3' at column 8");
        assert_eq!(
            error("1 +"),
            "unexpected end of the expression at column 4: expected a number or '('"
        );
        assert_eq!(error("2 x 3"), "unexpected character 'x' at column 3");
        assert_eq!(error("1.2.3 + 1"), "invalid number '1.2.3' at column 1");
        assert_eq!(error("  "), "the expression is empty");
        assert_eq!(error("()"), "unexpected ')' at column 2");
        assert_eq!(error("é + )"), "unexpected character 'é' at column 1");
        assert_eq!(error("1 + é"), "unexpected character 'é' at column 5");
    }

    #[test]
    fn arithmetic_errors_point_at_the_operator() {
        assert_eq!(error("1 + 4 / (2 - 2)"), "division by zero at column 7");
        assert_eq!(
            error("5 % 0"),
            "remainder of a division by zero at column 3"
        );
        assert_eq!(error("0 ^ -1"), "division by zero at column 3");
        assert_eq!(
            error("10 ^ 400"),
            "overflow at column 4: the result is too large"
        );
        assert_eq!(error("(-8) ^ 0.5"), "'^' at column 6 has no real result");
    }

    #[test]
    fn syntax_is_checked_before_arithmetic() {
        assert_eq!(
            error("1 / 0 +"),
            "unexpected end of the expression at column 8: expected a number or '('"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert_eq!(
            error(&deep),
            "the expression nests deeper than 200 levels at column 201"
        );
        let minus = format!("{}1", "-".repeat(300));
        assert!(error(&minus).contains("nests deeper"));
        let long_sum = vec!["1"; 4000].join("+");
        assert_eq!(evaluate(&long_sum), Ok(4000.0));
        assert_eq!(
            error(&"1+".repeat(6000)),
            "the expression is longer than 10000 characters"
        );
    }

    #[test]
    fn numbers_print_without_needless_fractions() {
        assert_eq!(format_number(7.0), "7");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_number(1e20), "100000000000000000000");
    }
}
