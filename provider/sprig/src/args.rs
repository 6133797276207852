//! Argument checking as Go's `text/template` does it before calling a function through
//! `reflect`: the count (`wrong number of args for NAME: want N got M`) and each parameter's
//! Go type (`wrong type for value; expected string; got int`, `invalid value; expected int`
//! for a nil where a non-nillable type is wanted).

use circleci_gotemplate::fmt::type_name;
use circleci_gotemplate::{Map, Value};

/// The arguments of one call, with the function's name for Go's messages.
pub(crate) struct Args<'a> {
    pub name: &'static str,
    pub v: &'a [Value],
}

/// A function's body: checks its arguments through [`Args`] and returns the value or Go's error.
pub(crate) type Body = fn(&Args) -> Result<Value, String>;

impl<'a> Args<'a> {
    /// Exactly `n` arguments.
    pub fn exact(&self, n: usize) -> Result<(), String> {
        if self.v.len() != n {
            return Err(format!(
                "wrong number of args for {}: want {n} got {}",
                self.name,
                self.v.len()
            ));
        }
        Ok(())
    }

    /// At least `n` arguments (a variadic Go function).
    pub fn at_least(&self, n: usize) -> Result<(), String> {
        if self.v.len() < n {
            return Err(format!(
                "wrong number of args for {}: want at least {n} got {}",
                self.name,
                self.v.len()
            ));
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.v.len()
    }

    /// An `interface{}` parameter: anything, nil included.
    pub fn any(&self, i: usize) -> &'a Value {
        &self.v[i]
    }

    /// A `string` parameter.
    pub fn str(&self, i: usize) -> Result<&'a str, String> {
        match &self.v[i] {
            Value::String(s) => Ok(s),
            other => Err(wrong("string", other)),
        }
    }

    /// An `int` (or `int64`) parameter. Go refuses a float64 here, as it refuses Helm's
    /// float64 values: the template language does not convert.
    pub fn int(&self, i: usize) -> Result<i64, String> {
        match &self.v[i] {
            Value::Int(n) => Ok(*n),
            other => Err(wrong("int", other)),
        }
    }

    /// A `uint32` parameter (an int constant that fits).
    pub fn uint32(&self, i: usize) -> Result<u32, String> {
        match &self.v[i] {
            Value::Int(n) if (0..=u32::MAX as i64).contains(n) => Ok(*n as u32),
            Value::Int(n) => Err(format!("{n} overflows uint32")),
            other => Err(wrong("uint32", other)),
        }
    }

    /// A `float64` parameter (an int is taken too, as Go takes an int constant there).
    pub fn float(&self, i: usize) -> Result<f64, String> {
        match &self.v[i] {
            Value::Float(f) => Ok(*f),
            Value::Int(n) => Ok(*n as f64),
            other => Err(wrong("float64", other)),
        }
    }

    /// A `bool` parameter.
    pub fn bool(&self, i: usize) -> Result<bool, String> {
        match &self.v[i] {
            Value::Bool(b) => Ok(*b),
            other => Err(wrong("bool", other)),
        }
    }

    /// A `map[string]interface{}` parameter; nil is Go's nil map (`None`).
    pub fn map(&self, i: usize) -> Result<Option<&'a Map>, String> {
        match &self.v[i] {
            Value::Map(m) => Ok(Some(m)),
            Value::Nil => Ok(None),
            other => Err(wrong("map[string]interface {}", other)),
        }
    }

    /// A `[]interface{}` parameter; nil is Go's nil slice (`None`).
    #[allow(dead_code)] // for the certificate functions, not yet written
    pub fn list(&self, i: usize) -> Result<Option<&'a Vec<Value>>, String> {
        match &self.v[i] {
            Value::List(l) => Ok(Some(l)),
            Value::Nil => Ok(None),
            other => Err(wrong("[]interface {}", other)),
        }
    }
}

/// Go's message for an argument of the wrong type.
pub(crate) fn wrong(expected: &str, got: &Value) -> String {
    match got {
        Value::Nil => format!("invalid value; expected {expected}"),
        other => format!("wrong type for value; expected {expected}; got {}", type_name(other)),
    }
}
