//! Runs a template tree over `vars` as Go's `text/template` would.

use super::parse::{Expr, ExprKind, Func, Node};
use super::{NO_VALUE, Rendered, TemplateError, Value, Vars};

/// Renders `nodes`.
pub(super) fn run(nodes: &[Node], vars: &Vars) -> Result<Rendered, TemplateError> {
    let mut out = Rendered {
        text: String::new(),
        no_value: Vec::new(),
    };
    walk(nodes, vars, &mut out)?;
    Ok(out)
}

fn walk(nodes: &[Node], vars: &Vars, out: &mut Rendered) -> Result<(), TemplateError> {
    for node in nodes {
        match node {
            Node::Text(t) => out.text.push_str(t),
            Node::Print(e) => match eval(e, vars)? {
                Some(v) => out.text.push_str(&show(&v)),
                None => {
                    out.text.push_str(NO_VALUE);
                    out.no_value.push((e.at, missing_name(e)));
                }
            },
            Node::If(branches, otherwise) => {
                let mut taken = None;
                for (condition, body) in branches {
                    if truth(&eval(condition, vars)?) {
                        taken = Some(body);
                        break;
                    }
                }
                walk(taken.unwrap_or(otherwise), vars, out)?;
            }
        }
    }
    Ok(())
}

/// The name of the field that gave no value (for a note).
fn missing_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Field(name) => name.clone(),
        ExprKind::Call(_, args) => args.last().map(missing_name).unwrap_or_default(),
        ExprKind::Lit(_) => String::new(),
    }
}

/// A value as Go prints it.
fn show(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

/// Go's truth: false, 0, "" and no value are false.
fn truth(v: &Option<Value>) -> bool {
    match v {
        None => false,
        Some(Value::Text(t)) => !t.is_empty(),
        Some(Value::Int(n)) => *n != 0,
        Some(Value::Bool(b)) => *b,
    }
}

/// An expression's value; `None` is a key that is not in the data.
fn eval(e: &Expr, vars: &Vars) -> Result<Option<Value>, TemplateError> {
    match &e.kind {
        ExprKind::Field(name) => Ok(vars.get(name).cloned()),
        ExprKind::Lit(v) => Ok(Some(v.clone())),
        ExprKind::Call(Func::Not, args) => Ok(Some(Value::Bool(!truth(&eval(&args[0], vars)?)))),
        ExprKind::Call(Func::And, args) => {
            // Go returns the first false argument, or the last one.
            let mut last = None;
            for a in args {
                last = eval(a, vars)?;
                if !truth(&last) {
                    break;
                }
            }
            Ok(last)
        }
        ExprKind::Call(Func::Or, args) => {
            let mut last = None;
            for a in args {
                last = eval(a, vars)?;
                if truth(&last) {
                    break;
                }
            }
            Ok(last)
        }
        ExprKind::Call(Func::Eq, args) => {
            let first = comparable(&args[0], vars)?;
            for other in &args[1..] {
                if equal(&first, &comparable(other, vars)?, other.at)? {
                    return Ok(Some(Value::Bool(true)));
                }
            }
            Ok(Some(Value::Bool(false)))
        }
        ExprKind::Call(Func::Ne, args) => {
            let a = comparable(&args[0], vars)?;
            let b = comparable(&args[1], vars)?;
            Ok(Some(Value::Bool(!equal(&a, &b, args[1].at)?)))
        }
    }
}

/// An argument of `eq`/`ne`: Go refuses to compare a missing key.
fn comparable(e: &Expr, vars: &Vars) -> Result<Value, TemplateError> {
    eval(e, vars)?.ok_or_else(|| {
        TemplateError::new(
            e.at,
            format!(
                "`eq`/`ne` compares `.{}`, which is not in `vars` (Go stops with \"invalid type for comparison\")",
                missing_name(e)
            ),
            "add it under `vars:` (of the process or of the file)",
        )
    })
}

/// Go's `eq` on two basic values: values of different kinds cannot be compared.
fn equal(a: &Value, b: &Value, at: usize) -> Result<bool, TemplateError> {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => Ok(x == y),
        (Value::Int(x), Value::Int(y)) => Ok(x == y),
        (Value::Bool(x), Value::Bool(y)) => Ok(x == y),
        _ => Err(TemplateError::new(
            at,
            format!(
                "`eq`/`ne` compares {} with {} (Go stops with \"incompatible types for comparison\")",
                kind(a),
                kind(b)
            ),
            "compare values of one kind: a quoted string with a string var, a number with a number var",
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Text(_) => "a string",
        Value::Int(_) => "a number",
        Value::Bool(_) => "a boolean",
    }
}
