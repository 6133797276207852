//! Execution with Go's semantics (exec.go, funcs.go): Go's distinction between an invalid
//! value (a missing key) and an `interface{}` holding nil, the error contexts, the builtins.
//! Data is borrowed where it can be (lists, the data itself); a map's entry is a clone (a
//! nested map's clone is the same map, shared as Go's maps are), as are function arguments.

use std::collections::HashMap;
use std::sync::Arc;

use crate::MissingKey;
use crate::error::Error;
use crate::fmt as gofmt;
use crate::parse::{Arg, Command, Control, Node, Number, Pipe, Tree};
use crate::value::{FuncMap, Value};

/// How deep `{{template}}` calls may nest (Go allows 100000; a Rust stack does not).
pub(crate) const MAX_EXEC_DEPTH: usize = 1000;

thread_local! {
    /// Template nesting on this thread (`{{template}}` levels and re-entrant `execute` calls).
    static LEVEL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f` one template level deeper; every 32 levels it continues on a fresh thread with a
/// large stack, so deep (or runaway) nesting ends in the depth error, never a stack overflow.
fn deeper<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let level = LEVEL.get() + 1;
    if level.is_multiple_of(32) {
        let r = std::thread::scope(|s| {
            let h = std::thread::Builder::new()
                .stack_size(16 << 20)
                .spawn_scoped(s, move || {
                    LEVEL.set(level);
                    f()
                });
            match h {
                Ok(h) => h.join(),
                Err(e) => std::panic::resume_unwind(Box::new(e.to_string())),
            }
        });
        return r.unwrap_or_else(|p| std::panic::resume_unwind(p));
    }
    LEVEL.set(level);
    let r = f();
    LEVEL.set(level - 1);
    r
}

/// A `reflect.Value` as Go's executor sees it.
#[derive(Clone)]
pub(crate) enum R<'a> {
    /// The invalid (zero) reflect.Value: a missing key, nil data.
    Missing,
    /// A borrowed value; `true` when its static type is `interface{}` (a map or list element).
    Ref(&'a Value, bool),
    /// A computed value; `true` when its static type is `interface{}`.
    Own(Arc<Value>, bool),
}

impl<'a> R<'a> {
    fn own(v: Value) -> R<'a> {
        R::Own(Arc::new(v), false)
    }
    fn get(&self) -> Option<&Value> {
        match self {
            R::Missing => None,
            R::Ref(v, _) => Some(v),
            R::Own(v, _) => Some(v),
        }
    }
    fn iface(&self) -> bool {
        matches!(self, R::Ref(_, true) | R::Own(_, true))
    }
    /// `indirectInterface`: an interface holding nil becomes the invalid value.
    fn indirect(&self) -> Option<&Value> {
        match self.get() {
            Some(Value::Nil) | None => None,
            Some(v) => Some(v),
        }
    }
    /// `reflect.ValueOf(v.Interface())`: drop the interface type.
    fn concrete(self) -> R<'a> {
        match self {
            R::Ref(Value::Nil, _) => R::Missing,
            R::Own(v, _) if matches!(*v, Value::Nil) => R::Missing,
            R::Ref(v, _) => R::Ref(v, false),
            R::Own(v, _) => R::Own(v, false),
            R::Missing => R::Missing,
        }
    }
    /// The value an `interface{}` parameter receives.
    fn to_value(&self) -> Value {
        self.get().cloned().unwrap_or(Value::Nil)
    }
    /// `reflect.Value.Type().String()`.
    fn type_string(&self) -> String {
        if self.iface() {
            return "interface {}".into();
        }
        self.get().map(gofmt::type_name).unwrap_or_else(|| "<nil>".into())
    }
}

/// What the set gives execution.
pub(crate) struct Env<'a> {
    pub trees: &'a HashMap<String, Arc<Tree>>,
    pub funcs: &'a FuncMap,
    pub missing: MissingKey,
}

enum Flow {
    Err(Error),
    Break,
    Continue,
}

impl From<Error> for Flow {
    fn from(e: Error) -> Flow {
        Flow::Err(e)
    }
}

type X<T> = Result<T, Flow>;

#[derive(Clone, Copy)]
enum Cur<'a> {
    None,
    Arg(&'a Arg),
    Cmd(&'a Command),
    Pipe(&'a Pipe),
    Node(&'a Node, usize),
}

struct State<'a, 'e> {
    env: &'e Env<'a>,
    name: &'a str,
    tree: &'a Tree,
    vars: Vec<(&'a str, R<'a>)>,
    depth: usize,
    node: Cur<'a>,
}

/// Executes template `tree` (named `name`) with `data`.
pub(crate) fn execute<'a>(env: &Env<'a>, name: &'a str, tree: &'a Tree, data: &'a Value) -> Result<String, Error> {
    let dot = match data {
        Value::Nil => R::Missing,
        v => R::Ref(v, false),
    };
    let mut s = State {
        env,
        name,
        tree,
        vars: vec![("$", dot.clone())],
        depth: 0,
        node: Cur::None,
    };
    let mut out = String::new();
    let r = deeper(|| s.walk_list(&dot, &tree.root, &mut out));
    match r {
        Ok(()) => Ok(out),
        Err(Flow::Err(e)) => Err(e),
        Err(_) => Ok(out),
    }
}

fn builtin_exists(name: &str) -> bool {
    matches!(
        name,
        "and"
            | "call"
            | "html"
            | "index"
            | "slice"
            | "js"
            | "len"
            | "not"
            | "or"
            | "print"
            | "printf"
            | "println"
            | "urlquery"
            | "eq"
            | "ge"
            | "gt"
            | "le"
            | "lt"
            | "ne"
    )
}

/// Whether `name` is a function a template may call (builtin or in `funcs`).
pub(crate) fn has_function(funcs: &FuncMap, name: &str) -> bool {
    funcs.contains_key(name) || builtin_exists(name)
}

impl<'a, 'e> State<'a, 'e> {
    fn at_arg(&mut self, a: &'a Arg) {
        self.node = Cur::Arg(a);
    }

    fn errorf<T>(&self, msg: impl Into<String>) -> X<T> {
        let message = msg.into();
        let (pos, context) = match self.node {
            Cur::None => {
                return Err(Flow::Err(Error::Template {
                    name: self.name.to_string(),
                    message,
                }));
            }
            Cur::Arg(a) => (a.pos(), a.to_string()),
            Cur::Cmd(c) => (c.pos, c.to_string()),
            Cur::Pipe(p) => (p.pos, p.to_string()),
            Cur::Node(n, pos) => (pos, n.to_string()),
        };
        let text = &self.tree.text[..pos.min(self.tree.text.len())];
        let col = match text.rfind('\n') {
            None => pos,
            Some(i) => pos - (i + 1),
        };
        let line = 1 + text.matches('\n').count();
        Err(Flow::Err(Error::Exec {
            file: self.tree.parse_name.to_string(),
            line,
            col,
            name: self.name.to_string(),
            context,
            message,
        }))
    }

    fn walk_list(&mut self, dot: &R<'a>, list: &'a [Node], out: &mut String) -> X<()> {
        for n in list {
            self.walk(dot, n, out)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &R<'a>, node: &'a Node, out: &mut String) -> X<()> {
        match node {
            Node::Text { text } => {
                out.push_str(text);
                Ok(())
            }
            Node::Action { pos, pipe } => {
                self.node = Cur::Node(node, *pos);
                let v = self.eval_pipeline(dot, Some(pipe))?;
                if pipe.decl.is_empty() {
                    self.node = Cur::Node(node, *pos);
                    match v.get() {
                        None => out.push_str("<no value>"),
                        Some(v) => out.push_str(&gofmt::sprint_value(v)),
                    }
                }
                Ok(())
            }
            Node::Break => Err(Flow::Break),
            Node::Continue => Err(Flow::Continue),
            Node::If(c) => self.walk_if_or_with(false, dot, node, c, out),
            Node::With(c) => self.walk_if_or_with(true, dot, node, c, out),
            Node::Range(c) => self.walk_range(dot, node, c, out),
            Node::Template { pos, name, pipe } => {
                self.node = Cur::Node(node, *pos);
                let Some(tree) = self.env.trees.get(name) else {
                    return self.errorf(format!("template {} not defined", gofmt::quote(name)));
                };
                if self.depth >= MAX_EXEC_DEPTH {
                    return self.errorf(format!("exceeded maximum template depth ({MAX_EXEC_DEPTH})"));
                }
                let newdot = self.eval_pipeline(dot, pipe.as_ref())?;
                let mut ns = State {
                    env: self.env,
                    name: tree.name.as_str(),
                    tree,
                    vars: vec![("$", newdot.clone())],
                    depth: self.depth + 1,
                    node: Cur::None,
                };
                deeper(move || ns.walk_list(&newdot, &tree.root, out))
            }
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &R<'a>, node: &'a Node, c: &'a Control, out: &mut String) -> X<()> {
        self.node = Cur::Node(node, c.pos);
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, Some(&c.pipe))?;
            if truth(val.indirect()) {
                if with {
                    self.walk_list(&val, &c.list, out)
                } else {
                    self.walk_list(dot, &c.list, out)
                }
            } else if let Some(e) = &c.else_list {
                self.walk_list(dot, e, out)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &R<'a>, node: &'a Node, c: &'a Control, out: &mut String) -> X<()> {
        self.node = Cur::Node(node, c.pos);
        let mark0 = self.vars.len();
        let r = self.walk_range_inner(dot, c, out);
        self.vars.truncate(mark0);
        match r {
            Err(Flow::Break) => Ok(()),
            r => r,
        }
    }

    fn one_iteration(&mut self, c: &'a Control, index: R<'a>, elem: R<'a>, out: &mut String) -> X<()> {
        let mark = self.vars.len();
        if !c.pipe.decl.is_empty() {
            let n = self.vars.len();
            self.vars[n - 1].1 = elem.clone();
        }
        if c.pipe.decl.len() > 1 {
            let n = self.vars.len();
            self.vars[n - 2].1 = index;
        }
        let r = self.walk_list(&elem, &c.list, out);
        self.vars.truncate(mark);
        match r {
            Err(Flow::Continue) => Ok(()),
            r => r,
        }
    }

    fn walk_range_inner(&mut self, dot: &R<'a>, c: &'a Control, out: &mut String) -> X<()> {
        let mut val = self.eval_pipeline(dot, Some(&c.pipe))?;
        if let Some(Value::Object(o)) = val.indirect()
            && let Some(entries) = o.entries()
        {
            val = R::own(Value::Map(entries.into()));
        }
        match val.indirect() {
            Some(Value::List(items)) if !items.is_empty() => {
                // Elements are borrowed from data when the list is borrowed.
                match &val {
                    R::Ref(Value::List(items), _) => {
                        for (i, e) in items.iter().enumerate() {
                            self.one_iteration(c, R::own(Value::Int(i as i64)), R::Ref(e, true), out)?;
                        }
                    }
                    _ => {
                        for (i, e) in items.clone().into_iter().enumerate() {
                            self.one_iteration(c, R::own(Value::Int(i as i64)), R::Own(Arc::new(e), true), out)?;
                        }
                    }
                }
                return Ok(());
            }
            Some(Value::Map(m)) if !m.is_empty() => {
                // Go's fmtsort snapshot: the entries as they were when the range began.
                for (k, e) in m.entries() {
                    self.one_iteration(c, R::own(Value::String(k)), R::Own(Arc::new(e), true), out)?;
                }
                return Ok(());
            }
            Some(Value::List(_)) | Some(Value::Map(_)) | None => {}
            Some(v) => {
                let s = gofmt::sprint_value(v);
                return self.errorf(format!("range can't iterate over {s}"));
            }
        }
        if let Some(e) = &c.else_list {
            self.walk_list(dot, e, out)?;
        }
        Ok(())
    }

    fn eval_pipeline(&mut self, dot: &R<'a>, pipe: Option<&'a Pipe>) -> X<R<'a>> {
        let Some(pipe) = pipe else { return Ok(R::Missing) };
        self.node = Cur::Pipe(pipe);
        let mut value: Option<R<'a>> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.concrete());
        }
        let value = value.unwrap_or(R::Missing);
        for var in &pipe.decl {
            if pipe.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == var) {
                    Some(slot) => slot.1 = value.clone(),
                    None => return self.errorf(format!("undefined variable: {var}")),
                }
            } else {
                self.vars.push((var.as_str(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &'a [Arg], fin: &Option<R<'a>>) -> X<()> {
        if args.len() > 1 || fin.is_some() {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &R<'a>, cmd: &'a Command, fin: Option<R<'a>>) -> X<R<'a>> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { ident, .. } => {
                self.at_arg(first);
                return self.eval_field_chain(dot, dot.clone(), first, ident, Some(&cmd.args), fin);
            }
            Arg::Chain { node, field, .. } => return self.eval_chain(dot, first, node, field, Some(&cmd.args), fin),
            Arg::Identifier { name, .. } => return self.eval_function(dot, first, name, Cur::Cmd(cmd), &cmd.args, fin),
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, Some(p));
            }
            Arg::Variable { ident, .. } => return self.eval_variable(dot, first, ident, Some(&cmd.args), fin),
            _ => {}
        }
        self.at_arg(first);
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { val, .. } => Ok(R::own(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.errorf("nil is not a command"),
            Arg::Number { num, .. } => self.ideal_constant(first, num),
            Arg::String { text, .. } => Ok(R::own(Value::String(text.clone()))),
            _ => self.errorf(format!("can't evaluate command {}", gofmt::quote(&first.to_string()))),
        }
    }

    fn ideal_constant(&mut self, node: &'a Arg, n: &Number) -> X<R<'a>> {
        self.at_arg(node);
        if n.is_complex {
            return self.errorf(format!("complex constant {} is not supported", n.text));
        }
        let is_hex_int = n.text.len() > 2
            && n.text.starts_with('0')
            && matches!(n.text.as_bytes()[1], b'x' | b'X')
            && !n.text.contains(['p', 'P']);
        let is_rune = n.text.starts_with('\'');
        if n.is_float && !is_hex_int && !is_rune && n.text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(R::own(Value::Float(n.float)));
        }
        if n.is_int {
            return Ok(R::own(Value::Int(n.int)));
        }
        if n.is_uint {
            return self.errorf(format!("{} overflows int", n.text));
        }
        Ok(R::Missing)
    }

    fn eval_chain(
        &mut self,
        dot: &R<'a>,
        chain: &'a Arg,
        node: &'a Arg,
        field: &'a [String],
        args: Option<&'a [Arg]>,
        fin: Option<R<'a>>,
    ) -> X<R<'a>> {
        self.at_arg(chain);
        if let Arg::Nil { .. } = node {
            return self.errorf(format!("indirection through explicit nil in {chain}"));
        }
        let pipe = self.eval_arg_any(dot, node)?;
        self.eval_field_chain(dot, pipe, chain, field, args, fin)
    }

    fn eval_variable(
        &mut self,
        dot: &R<'a>,
        node: &'a Arg,
        ident: &'a [String],
        args: Option<&'a [Arg]>,
        fin: Option<R<'a>>,
    ) -> X<R<'a>> {
        self.at_arg(node);
        let value = match self.vars.iter().rev().find(|(n, _)| *n == ident[0]) {
            Some((_, v)) => v.clone(),
            None => return self.errorf(format!("undefined variable: {}", ident[0])),
        };
        if ident.len() == 1 {
            if let Some(a) = args {
                self.not_a_function(a, &fin)?;
            } else if fin.is_some() {
                return self.errorf(format!("can't give argument to non-function {node}"));
            }
            return Ok(value);
        }
        self.eval_field_chain(dot, value, node, &ident[1..], args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &R<'a>,
        mut receiver: R<'a>,
        node: &'a Arg,
        ident: &'a [String],
        args: Option<&'a [Arg]>,
        fin: Option<R<'a>>,
    ) -> X<R<'a>> {
        let n = ident.len();
        for name in &ident[..n - 1] {
            receiver = self.eval_field(dot, name, node, None, None, receiver)?;
        }
        self.eval_field(dot, &ident[n - 1], node, args, fin, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &R<'a>,
        name: &str,
        node: &'a Arg,
        args: Option<&'a [Arg]>,
        fin: Option<R<'a>>,
        receiver: R<'a>,
    ) -> X<R<'a>> {
        let recv = match receiver.get() {
            None => {
                if self.env.missing == MissingKey::Error {
                    return self.errorf(format!("nil data; no entry for key {}", gofmt::quote(name)));
                }
                return Ok(R::Missing);
            }
            Some(Value::Nil) if receiver.iface() => {
                return self.errorf(format!("nil pointer evaluating interface {{}}.{name}"));
            }
            Some(Value::Nil) => return Ok(R::Missing),
            Some(v) => v,
        };
        let has_args = args.is_some_and(|a| a.len() > 1) || fin.is_some();
        match recv {
            Value::Object(o) => {
                let o = o.clone();
                if has_args {
                    let mut argv = Vec::new();
                    if let Some(a) = args {
                        for arg in &a[1..] {
                            argv.push(self.eval_arg_any(dot, arg)?.to_value());
                        }
                    }
                    if let Some(f) = &fin {
                        argv.push(f.to_value());
                    }
                    return match o.call_method(name, argv) {
                        Some(Ok(v)) => Ok(func_result(v)),
                        Some(Err(e)) => {
                            self.at_arg(node);
                            self.errorf(format!("error calling {name}: {e}"))
                        }
                        None => {
                            if o.field(name).is_some() {
                                self.errorf(format!("{name} has arguments but cannot be invoked as function"))
                            } else {
                                self.errorf(format!(
                                    "can't evaluate field {name} in type {}",
                                    receiver.type_string()
                                ))
                            }
                        }
                    };
                }
                if let Some(v) = o.field(name) {
                    return Ok(func_result(v));
                }
                match o.call_method(name, Vec::new()) {
                    Some(Ok(v)) => Ok(func_result(v)),
                    Some(Err(e)) => {
                        self.at_arg(node);
                        self.errorf(format!("error calling {name}: {e}"))
                    }
                    None => self.errorf(format!(
                        "can't evaluate field {name} in type {}",
                        receiver.type_string()
                    )),
                }
            }
            Value::Map(m) => {
                if has_args {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                let found = m.get(name).map(|v| R::Own(Arc::new(v), true));
                match found {
                    Some(v) => Ok(v),
                    None => match self.env.missing {
                        MissingKey::Default => Ok(R::Missing),
                        MissingKey::Zero => Ok(R::Own(Arc::new(Value::Nil), true)),
                        MissingKey::Error => self.errorf(format!("map has no entry for key {}", gofmt::quote(name))),
                    },
                }
            }
            _ => self.errorf(format!(
                "can't evaluate field {name} in type {}",
                receiver.type_string()
            )),
        }
    }

    /// evalArg with an `interface{}` / `reflect.Value` / nil parameter type.
    fn eval_arg_any(&mut self, dot: &R<'a>, n: &'a Arg) -> X<R<'a>> {
        self.at_arg(n);
        match n {
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Ok(R::Missing),
            Arg::Field { ident, .. } => {
                self.eval_field_chain(dot, dot.clone(), n, ident, Some(std::slice::from_ref(n)), None)
            }
            Arg::Variable { ident, .. } => self.eval_variable(dot, n, ident, None, None),
            Arg::Pipe(p) => self.eval_pipeline(dot, Some(p)),
            Arg::Identifier { name, .. } => self.eval_function(dot, n, name, Cur::Arg(n), &[], None),
            Arg::Chain { node, field, .. } => self.eval_chain(dot, n, node, field, None, None),
            Arg::Bool { val, .. } => Ok(R::own(Value::Bool(*val))),
            Arg::Number { num, .. } => self.ideal_constant(n, num),
            Arg::String { text, .. } => Ok(R::own(Value::String(text.clone()))),
        }
    }

    /// evalArg with a `string` parameter (printf's format).
    fn eval_arg_string(&mut self, dot: &R<'a>, n: &'a Arg) -> X<String> {
        self.at_arg(n);
        match n {
            Arg::String { text, .. } => Ok(text.clone()),
            Arg::Bool { .. } | Arg::Number { .. } => self.errorf(format!("expected string; found {n}")),
            Arg::Nil { .. } => self.errorf("cannot assign nil to string"),
            _ => {
                let v = self.eval_arg_any(dot, n)?;
                self.validate_string(v)
            }
        }
    }

    fn validate_string(&self, v: R<'a>) -> X<String> {
        match v.get() {
            None => self.errorf("invalid value; expected string"),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Nil) => self.errorf("wrong type for value; expected string; got interface {}"),
            Some(other) => self.errorf(format!(
                "wrong type for value; expected string; got {}",
                gofmt::type_name(other)
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_function(
        &mut self,
        dot: &R<'a>,
        ident: &'a Arg,
        name: &'a str,
        call_node: Cur<'a>,
        args: &'a [Arg],
        fin: Option<R<'a>>,
    ) -> X<R<'a>> {
        self.at_arg(ident);
        let rest: &'a [Arg] = if args.is_empty() { args } else { &args[1..] };
        if let Some(f) = self.env.funcs.get(name) {
            let f = f.clone();
            let mut argv = Vec::with_capacity(rest.len() + 1);
            for a in rest {
                argv.push(self.eval_arg_any(dot, a)?.to_value());
            }
            if let Some(v) = &fin {
                argv.push(v.to_value());
            }
            return match f(&argv) {
                Ok(v) => Ok(func_result(v)),
                Err(e) => {
                    self.at_arg(ident);
                    if e.starts_with("wrong number of args for ")
                        || e.starts_with("wrong type for value; ")
                        || e.starts_with("invalid value; expected ")
                        || e.starts_with("expected ")
                    {
                        return self.errorf(e);
                    }
                    self.node = call_node;
                    self.errorf(format!("error calling {name}: {e}"))
                }
            };
        }
        if !builtin_exists(name) {
            return self.errorf(format!("{} is not a defined function", gofmt::quote(name)));
        }
        let num_in = rest.len() + usize::from(fin.is_some());
        // (fixed parameters, variadic)
        let (fixed, variadic) = match name {
            "and" | "or" | "call" | "index" | "slice" | "eq" | "printf" => (1, true),
            "html" | "js" | "urlquery" | "print" | "println" => (0, true),
            "len" | "not" => (1, false),
            _ => (2, false),
        };
        if variadic {
            if num_in < fixed {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {fixed} got {}",
                    rest.len()
                ));
            }
        } else if num_in != fixed {
            return self.errorf(format!("wrong number of args for {name}: want {fixed} got {num_in}"));
        }
        if name == "and" || name == "or" {
            let mut v = R::Missing;
            for a in rest {
                v = self.eval_arg_any(dot, a)?;
                if truth(v.indirect()) == (name == "or") {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        let result = if name == "printf" {
            let format = match rest.first() {
                Some(a) => self.eval_arg_string(dot, a)?,
                None => match &fin {
                    Some(f) => self.validate_string(f.clone())?,
                    None => String::new(),
                },
            };
            let mut argv = Vec::new();
            for a in rest.iter().skip(1) {
                argv.push(self.eval_arg_any(dot, a)?.to_value());
            }
            if let Some(f) = &fin
                && !rest.is_empty()
            {
                argv.push(f.to_value());
            }
            Ok(R::own(Value::String(gofmt::sprintf(&format, &argv))))
        } else {
            let mut argv: Vec<R<'a>> = Vec::with_capacity(num_in);
            for a in rest {
                argv.push(self.eval_arg_any(dot, a)?);
            }
            if let Some(f) = fin {
                argv.push(f);
            }
            call_builtin(name, argv)
        };
        match result {
            Ok(v) => Ok(v),
            Err(e) => {
                self.node = call_node;
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }
}

/// A function's result: an `interface{}` result holding nil stays an interface.
fn func_result<'a>(v: Value) -> R<'a> {
    match v {
        Value::Nil => R::Own(Arc::new(Value::Nil), true),
        v => R::own(v),
    }
}

/// Go's `isTrue` of an indirected value.
pub(crate) fn truth(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Nil) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(i)) => *i != 0,
        Some(Value::Float(f)) => *f != 0.0,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::List(l)) => !l.is_empty(),
        Some(Value::Map(m)) => !m.is_empty(),
        Some(Value::Object(_)) => true,
    }
}

fn eval_args_string(args: &[R<'_>]) -> String {
    if args.len() == 1
        && let Some(Value::String(s)) = args[0].get()
    {
        return s.clone();
    }
    let vals: Vec<Value> = args
        .iter()
        .map(|a| match a.indirect() {
            None => Value::String("<no value>".into()),
            Some(v) => v.clone(),
        })
        .collect();
    gofmt::sprint(&vals)
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if gofmt::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: Option<&Value>) -> Kind {
    match v {
        Some(Value::Bool(_)) => Kind::Bool,
        Some(Value::Int(_)) => Kind::Int,
        Some(Value::Float(_)) => Kind::Float,
        Some(Value::String(_)) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn eq_values(a1: Option<&Value>, a2: Option<&Value>) -> Result<bool, String> {
    let k1 = basic_kind(a1);
    let k2 = basic_kind(a2);
    if k1 != k2 {
        if a1.is_some() && a2.is_some() {
            return Err("incompatible types for comparison".into());
        }
        return Ok(false);
    }
    Ok(match (a1, a2) {
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a == b,
        (Some(Value::Int(a)), Some(Value::Int(b))) => a == b,
        (Some(Value::Float(a)), Some(Value::Float(b))) => a == b,
        (Some(Value::String(a)), Some(Value::String(b))) => a == b,
        (None, None) => true,
        (None, _) | (_, None) => false,
        (Some(x), Some(y)) => {
            let same_kind = std::mem::discriminant(x) == std::mem::discriminant(y);
            if !same_kind {
                return Err(format!(
                    "non-comparable types {}: {}, {}: {}",
                    gofmt::sprintf("%s", std::slice::from_ref(x)),
                    gofmt::type_name(x),
                    gofmt::type_name(y),
                    gofmt::sprint_value(y)
                ));
            }
            match (x, y) {
                (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b) || a.display() == b.display(),
                _ => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        gofmt::sprintf("%s", std::slice::from_ref(y)),
                        gofmt::type_name(y)
                    ));
                }
            }
        }
    })
}

fn lt_values(a1: Option<&Value>, a2: Option<&Value>) -> Result<bool, String> {
    let k1 = basic_kind(a1);
    if k1 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    let k2 = basic_kind(a2);
    if k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err("incompatible types for comparison".into());
    }
    Ok(match (a1, a2) {
        (Some(Value::Int(a)), Some(Value::Int(b))) => a < b,
        (Some(Value::Float(a)), Some(Value::Float(b))) => a < b,
        (Some(Value::String(a)), Some(Value::String(b))) => a < b,
        _ => return Err("invalid type for comparison".into()),
    })
}

fn index_arg(index: Option<&Value>, cap: usize) -> Result<usize, String> {
    let x = match index {
        Some(Value::Int(i)) => *i,
        None => return Err("cannot index slice/array with nil".into()),
        Some(v) => return Err(format!("cannot index slice/array with type {}", gofmt::type_name(v))),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn call_builtin<'a>(name: &str, args: Vec<R<'a>>) -> Result<R<'a>, String> {
    let b = |x: bool| Ok(R::own(Value::Bool(x)));
    match name {
        "not" => b(!truth(args[0].indirect())),
        "print" => Ok(R::own(Value::String(gofmt::sprint(
            &args.iter().map(R::to_value).collect::<Vec<_>>(),
        )))),
        "println" => Ok(R::own(Value::String(gofmt::sprintln(
            &args.iter().map(R::to_value).collect::<Vec<_>>(),
        )))),
        "html" => Ok(R::own(Value::String(html_escape(&eval_args_string(&args))))),
        "js" => Ok(R::own(Value::String(js_escape(&eval_args_string(&args))))),
        "urlquery" => Ok(R::own(Value::String(query_escape(&eval_args_string(&args))))),
        "call" => match args[0].indirect() {
            None => Err("call of nil".into()),
            Some(v) => Err(format!("non-function of type {}", gofmt::type_name(v))),
        },
        "len" => match args[0].get() {
            None => Err("reflect: call of reflect.Value.Type on zero Value".into()),
            Some(Value::Nil) => Err("len of nil pointer".into()),
            Some(Value::String(s)) => Ok(R::own(Value::Int(s.len() as i64))),
            Some(Value::List(l)) => Ok(R::own(Value::Int(l.len() as i64))),
            Some(Value::Map(m)) => Ok(R::own(Value::Int(m.len() as i64))),
            Some(Value::Object(o)) if o.entries().is_some() => {
                Ok(R::own(Value::Int(o.entries().map_or(0, |e| e.len()) as i64)))
            }
            Some(v) => Err(format!("len of type {}", gofmt::type_name(v))),
        },
        "eq" => {
            if args.len() < 2 {
                return Err("missing argument for comparison".into());
            }
            let a1 = args[0].indirect();
            for a in &args[1..] {
                if eq_values(a1, a.indirect())? {
                    return b(true);
                }
            }
            b(false)
        }
        "ne" => b(!eq_values(args[0].indirect(), args[1].indirect())?),
        "lt" => b(lt_values(args[0].indirect(), args[1].indirect())?),
        "le" => {
            let (x, y) = (args[0].indirect(), args[1].indirect());
            b(lt_values(x, y)? || eq_values(x, y)?)
        }
        "gt" => {
            let (x, y) = (args[0].indirect(), args[1].indirect());
            b(!(lt_values(x, y)? || eq_values(x, y)?))
        }
        "ge" => b(!lt_values(args[0].indirect(), args[1].indirect())?),
        "index" => {
            let mut item = args[0].clone();
            if item.indirect().is_none() {
                return Err("index of untyped nil".into());
            }
            for idx in &args[1..] {
                let index = idx.indirect();
                item = match item.get() {
                    None | Some(Value::Nil) => return Err("index of nil pointer".into()),
                    Some(Value::List(l)) => {
                        let x = index_arg(index, l.len())?;
                        if x >= l.len() {
                            return Err("reflect: slice index out of range".into());
                        }
                        match &item {
                            R::Ref(Value::List(l), _) => R::Ref(&l[x], true),
                            _ => R::Own(Arc::new(l[x].clone()), true),
                        }
                    }
                    Some(Value::String(s)) => {
                        let x = index_arg(index, s.len())?;
                        if x >= s.len() {
                            return Err("reflect: string index out of range".into());
                        }
                        R::own(Value::Int(s.as_bytes()[x] as i64))
                    }
                    Some(Value::Map(m)) => {
                        let key = match index {
                            None => return Err("value is nil; should be of type string".into()),
                            Some(Value::String(k)) => k,
                            Some(v) => return Err(format!("value has type {}; should be string", gofmt::type_name(v))),
                        };
                        R::Own(Arc::new(m.get(key).unwrap_or(Value::Nil)), true)
                    }
                    Some(v) => return Err(format!("can't index item of type {}", gofmt::type_name(v))),
                };
            }
            Ok(item)
        }
        "slice" => {
            let Some(item) = args[0].indirect() else {
                return Err("slice of untyped nil".into());
            };
            let indexes = &args[1..];
            if indexes.len() > 3 {
                return Err(format!("too many slice indexes: {}", indexes.len()));
            }
            let (len, cap) = match item {
                Value::String(s) => {
                    if indexes.len() == 3 {
                        return Err("cannot 3-index slice a string".into());
                    }
                    (s.len(), s.len())
                }
                Value::List(l) => (l.len(), l.len()),
                v => return Err(format!("can't slice item of type {}", gofmt::type_name(v))),
            };
            let mut idx = [0, len, 0];
            for (i, ix) in indexes.iter().enumerate() {
                idx[i] = index_arg(ix.indirect(), cap)?;
            }
            if idx[0] > idx[1] {
                return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
            }
            if indexes.len() == 3 && idx[1] > idx[2] {
                return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
            }
            match item {
                Value::String(s) => Ok(R::own(Value::String(
                    String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned(),
                ))),
                Value::List(l) => Ok(R::own(Value::List(l[idx[0]..idx[1]].to_vec()))),
                _ => Err("can't slice".into()),
            }
        }
        _ => Err(format!("{name} is not a builtin")),
    }
}
