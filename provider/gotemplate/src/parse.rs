//! The parser of Go's `text/template/parse` (parse.go, node.go): the same tree, the same node
//! positions (they feed execution errors' `LINE:COL`), the same error messages and lines.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::error::Error;
use crate::lex::{Item, ItemType, lex};

/// One parsed template: Go's `parse.Tree`.
#[derive(Debug)]
pub(crate) struct Tree {
    pub name: String,
    /// The name given to `parse` for the text this tree came from (errors name it).
    pub parse_name: Arc<str>,
    /// That whole text (errors compute line and column from it).
    pub text: Arc<str>,
    pub root: Vec<Node>,
}

#[derive(Debug)]
pub(crate) enum Node {
    Text {
        text: String,
    },
    Action {
        pos: usize,
        pipe: Pipe,
    },
    If(Control),
    Range(Control),
    With(Control),
    Template {
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

#[derive(Debug)]
pub(crate) struct Control {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// A parsed number: Go's `parse.NumberNode`.
#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub is_int: bool,
    pub int: i64,
    pub is_uint: bool,
    pub is_float: bool,
    pub float: f64,
    pub is_complex: bool,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Field {
        pos: usize,
        ident: Vec<String>,
    },
    Variable {
        pos: usize,
        ident: Vec<String>,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        field: Vec<String>,
    },
    Identifier {
        pos: usize,
        name: String,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        val: bool,
    },
    Number {
        pos: usize,
        num: Number,
    },
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

// ---- Go's node String() methods, for error contexts ----

impl std::fmt::Display for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arg::Field { ident, .. } => {
                for i in ident {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { ident, .. } => write!(f, "{}", ident.join(".")),
            Arg::Chain { node, field, .. } => {
                if let Arg::Pipe(_) = **node {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for x in field {
                    write!(f, ".{x}")?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => write!(f, "{name}"),
            Arg::Dot { .. } => write!(f, "."),
            Arg::Nil { .. } => write!(f, "nil"),
            Arg::Bool { val, .. } => write!(f, "{val}"),
            Arg::Number { num, .. } => write!(f, "{}", num.text),
            Arg::String { quoted, .. } => write!(f, "{quoted}"),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            if let Arg::Pipe(_) = a {
                write!(f, "({a})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{} := ", self.decl.join(", "))?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut std::fmt::Formatter<'_>, l: &[Node]) -> std::fmt::Result {
    for n in l {
        write!(f, "{n}")?;
    }
    Ok(())
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Text { text } => f.write_str(text),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::If(c) | Node::Range(c) | Node::With(c) => {
                let kw = match self {
                    Node::If(_) => "if",
                    Node::Range(_) => "range",
                    _ => "with",
                };
                write!(f, "{{{{{kw} {}}}}}", c.pipe)?;
                write_list(f, &c.list)?;
                if let Some(e) = &c.else_list {
                    f.write_str("{{else}}")?;
                    write_list(f, e)?;
                }
                f.write_str("{{end}}")
            }
            Node::Template { name, pipe, .. } => match pipe {
                None => write!(f, "{{{{template {}}}}}", crate::fmt::quote(name)),
                Some(p) => write!(f, "{{{{template {} {p}}}}}", crate::fmt::quote(name)),
            },
            Node::Break => f.write_str("{{break}}"),
            Node::Continue => f.write_str("{{continue}}"),
        }
    }
}

/// Go's `parse.IsEmptyTree`: only blank text and comments.
pub(crate) fn is_empty_tree(l: &[Node]) -> bool {
    l.iter().all(|n| match n {
        Node::Text { text } => text.trim_matches(|c: char| c.is_whitespace()).is_empty(),
        _ => false,
    })
}

// ---- Go's strconv.Unquote / UnquoteChar ----

/// `strconv.UnquoteChar`: one (possibly escaped) character of a quoted literal; the rest.
fn unquote_char(s: &str, quote: char) -> Result<(Vec<u8>, &str), ()> {
    let mut chars = s.chars();
    let c = chars.next().ok_or(())?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(());
    }
    if c != '\\' {
        let mut b = [0u8; 4];
        return Ok((c.encode_utf8(&mut b).as_bytes().to_vec(), chars.as_str()));
    }
    let c = chars.next().ok_or(())?;
    let rest = chars.as_str();
    let simple = |b: u8| Ok((vec![b], rest));
    match c {
        'a' => simple(7),
        'b' => simple(8),
        'f' => simple(12),
        'n' => simple(b'\n'),
        'r' => simple(b'\r'),
        't' => simple(b'\t'),
        'v' => simple(11),
        'x' | 'u' | 'U' => {
            let n = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            if rest.len() < n || !rest.is_char_boundary(n) {
                return Err(());
            }
            let v = u32::from_str_radix(&rest[..n], 16).map_err(|_| ())?;
            if !rest[..n].bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(());
            }
            if c == 'x' {
                if quote == '\'' {
                    // a byte value as a rune
                    let ch = char::from_u32(v).ok_or(())?;
                    let mut b = [0u8; 4];
                    return Ok((ch.encode_utf8(&mut b).as_bytes().to_vec(), &rest[n..]));
                }
                return Ok((vec![v as u8], &rest[n..]));
            }
            let ch = char::from_u32(v).ok_or(())?;
            let mut b = [0u8; 4];
            Ok((ch.encode_utf8(&mut b).as_bytes().to_vec(), &rest[n..]))
        }
        '0'..='7' => {
            if rest.len() < 2 {
                return Err(());
            }
            let digits = format!("{c}{}", &rest[..2]);
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(());
            }
            let v = u32::from_str_radix(&digits, 8).map_err(|_| ())?;
            if v > 255 {
                return Err(());
            }
            if quote == '\'' {
                let ch = char::from_u32(v).ok_or(())?;
                let mut b = [0u8; 4];
                return Ok((ch.encode_utf8(&mut b).as_bytes().to_vec(), &rest[2..]));
            }
            Ok((vec![v as u8], &rest[2..]))
        }
        '\\' => simple(b'\\'),
        '\'' | '"' => {
            if c != quote {
                return Err(());
            }
            simple(c as u8)
        }
        _ => Err(()),
    }
}

/// `strconv.Unquote` for a string literal token (interpreted or raw).
fn unquote(s: &str) -> Result<String, ()> {
    if s.len() < 2 {
        return Err(());
    }
    let q = s.as_bytes()[0];
    if q != s.as_bytes()[s.len() - 1] {
        return Err(());
    }
    let body = &s[1..s.len() - 1];
    match q {
        b'`' => {
            if body.contains('`') {
                return Err(());
            }
            Ok(body.replace('\r', ""))
        }
        b'"' => {
            if body.contains('\n') {
                return Err(());
            }
            let mut out: Vec<u8> = Vec::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (b, r) = unquote_char(rest, '"')?;
                out.extend(b);
                rest = r;
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        _ => Err(()),
    }
}

// ---- numbers: strconv.ParseInt / ParseUint / ParseFloat with base 0 ----

fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let b = if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        &b[1..]
    } else {
        b
    };
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let (base, digits) = if b[0] == b'0' {
        if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
            (2, &s[2..])
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
            (8, &s[2..])
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
            (16, &s[2..])
        } else {
            (8, &s[1..])
        }
    } else {
        (10, s)
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for c in digits.chars() {
        if c == '_' {
            underscores = true;
            continue;
        }
        let d = c.to_digit(base)?;
        n = n.checked_mul(base as u64)?.checked_add(d as u64)?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body)?;
    if neg {
        if u > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).ok()
    }
}

fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let t = s.replace('_', "");
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, &t[..]),
    };
    let lower = body.to_ascii_lowercase();
    let v = if let Some(hex) = lower.strip_prefix("0x") {
        // hexadecimal mantissa, mandatory binary exponent
        let (mant, exp) = hex.split_once('p')?;
        let exp: i32 = exp.parse().ok()?;
        let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
        if ip.is_empty() && fp.is_empty() {
            return None;
        }
        let mut v = 0f64;
        for c in ip.chars() {
            v = v * 16.0 + c.to_digit(16)? as f64;
        }
        let mut scale = 1.0 / 16.0;
        for c in fp.chars() {
            v += c.to_digit(16)? as f64 * scale;
            scale /= 16.0;
        }
        v * 2f64.powi(exp)
    } else {
        if !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

fn new_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        is_int: false,
        int: 0,
        is_uint: false,
        is_float: false,
        float: 0.0,
        is_complex: false,
    };
    match typ {
        ItemType::CharConstant => {
            let (bytes, tail) = unquote_char(&text[1..], '\'').map_err(|_| "invalid syntax".to_string())?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            let r = String::from_utf8_lossy(&bytes)
                .chars()
                .next()
                .map(|c| c as i64)
                .unwrap_or(0);
            n.is_int = true;
            n.int = r;
            n.is_uint = true;
            n.is_float = true;
            n.float = r as f64;
            return Ok(n);
        }
        ItemType::Complex => {
            n.is_complex = true;
            return Ok(n);
        }
        _ => {}
    }
    if let Some(stripped) = text.strip_suffix('i')
        && parse_float(stripped).is_some()
    {
        n.is_complex = true;
        return Ok(n);
    }
    let u = parse_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.float = u as f64;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::fmt::quote(text)));
        }
        n.is_float = true;
        n.float = f;
        if f.fract() == 0.0 && (-9.223372036854776e18..9.223372036854776e18).contains(&f) {
            n.is_int = true;
            n.int = f as i64;
        }
        if f.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&f) {
            n.is_uint = true;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", crate::fmt::quote(text)));
    }
    Ok(n)
}

// ---- the parser ----

/// Per-tree parser state (Go gives each `define` and `block` its own `Tree` over one lexer).
struct TreeState {
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    range_depth: usize,
    action_line: usize,
}

fn eof_item() -> Item {
    Item {
        typ: ItemType::Eof,
        pos: 0,
        val: String::new(),
        line: 0,
    }
}

impl TreeState {
    fn new() -> TreeState {
        TreeState {
            token: [eof_item(), eof_item(), eof_item()],
            peek_count: 0,
            vars: vec!["$".into()],
            range_depth: 0,
            action_line: 0,
        }
    }
}

struct Parser<'a> {
    items: Vec<Item>,
    cursor: usize,
    parse_name: Arc<str>,
    text: Arc<str>,
    has_func: &'a dyn Fn(&str) -> bool,
    st: TreeState,
    /// Trees by name, in Go's `treeSet`.
    set: HashMap<String, Tree>,
}

type PResult<T> = Result<T, Error>;

/// A node the item list stopped at: `{{end}}` or `{{else}}`.
enum Stop {
    End,
    Else,
}

/// What `textOrAction` yields.
enum Parsed {
    Node(Node),
    End,
    Else,
}

/// Parses `text` (named `name`) into its trees: the named one and every `define`/`block`,
/// as Go's `parse.Parse` does.
pub(crate) fn parse(
    name: &str,
    text: &str,
    left: &str,
    right: &str,
    has_func: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, Error> {
    let items = lex(text, left, right, !has_func("break"), !has_func("continue"));
    let mut p = Parser {
        items,
        cursor: 0,
        parse_name: Arc::from(name),
        text: Arc::from(text),
        has_func,
        st: TreeState::new(),
        set: HashMap::new(),
    };
    let root = p.parse_top()?;
    p.add(name.to_string(), root)?;
    Ok(p.set)
}

impl Parser<'_> {
    fn lex_next(&mut self) -> Item {
        match self.items.get(self.cursor) {
            Some(i) => {
                self.cursor += 1;
                i.clone()
            }
            None => Item {
                typ: ItemType::Error,
                pos: 0,
                val: String::new(),
                line: 0,
            },
        }
    }

    fn next(&mut self) -> Item {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
        } else {
            self.st.token[0] = self.lex_next();
        }
        self.st.token[self.st.peek_count].clone()
    }

    fn backup(&mut self) {
        self.st.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.st.token[1] = t1;
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.st.token[1] = t1;
        self.st.token[2] = t2;
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.st.peek_count > 0 {
            return self.st.token[self.st.peek_count - 1].clone();
        }
        self.st.peek_count = 1;
        self.st.token[0] = self.lex_next();
        self.st.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, msg: String) -> PResult<T> {
        Err(Error::Parse {
            name: self.parse_name.to_string(),
            line: self.st.token[0].line,
            message: msg,
        })
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.st.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, typ: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.typ != typ {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn add(&mut self, name: String, root: Vec<Node>) -> PResult<()> {
        if let Some(old) = self.set.get(&name)
            && !is_empty_tree(&old.root)
        {
            if !is_empty_tree(&root) {
                return self.errorf(format!(
                    "template: multiple definition of template {}",
                    crate::fmt::quote(&name)
                ));
            }
            return Ok(());
        }
        let tree = Tree {
            name: name.clone(),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        };
        self.set.insert(name, tree);
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let saved = std::mem::replace(&mut self.st, TreeState::new());
                    let r = self.parse_definition();
                    self.st = saved;
                    r?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                Parsed::End => return self.errorf("unexpected {{end}}".into()),
                Parsed::Else => return self.errorf("unexpected {{else}}".into()),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let tok = self.next_non_space();
        if tok.typ != ItemType::String && tok.typ != ItemType::RawString {
            return self.unexpected(&tok, context);
        }
        let name = match unquote(&tok.val) {
            Ok(n) => n,
            Err(()) => return self.errorf("invalid syntax".into()),
        };
        self.expect(ItemType::RightDelim, context)?;
        let (list, end) = self.item_list()?;
        if let Stop::Else = end {
            return self.errorf(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add(name, list)
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Stop)> {
        let mut list = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::End => return Ok((list, Stop::End)),
                Parsed::Else => return Ok((list, Stop::Else)),
            }
        }
        self.errorf("unexpected EOF".into())
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text { text: token.val })),
            ItemType::LeftDelim => {
                self.st.action_line = token.line;
                let r = self.action();
                self.st.action_line = 0;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let is_break = token.typ == ItemType::Break;
                let t = self.next_non_space();
                let kw = if is_break { "{{break}}" } else { "{{continue}}" };
                if t.typ != ItemType::RightDelim {
                    return self.unexpected(&t, kw);
                }
                if self.st.range_depth == 0 {
                    return self.errorf(format!("{kw} outside {{{{range}}}}"));
                }
                return Ok(Parsed::Node(if is_break { Node::Break } else { Node::Continue }));
            }
            ItemType::Else => {
                let peek = self.peek_non_space();
                if peek.typ == ItemType::If {
                    return Ok(Parsed::Else);
                }
                self.expect(ItemType::RightDelim, "else")?;
                return Ok(Parsed::Else);
            }
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.if_control().map(Parsed::Node),
            ItemType::Range => {
                let c = self.parse_control("range")?;
                return Ok(Parsed::Node(Node::Range(c)));
            }
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => {
                let c = self.parse_control("with")?;
                return Ok(Parsed::Node(Node::With(c)));
            }
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, pipe }))
    }

    fn if_control(&mut self) -> PResult<Node> {
        Ok(Node::If(self.parse_control("if")?))
    }

    fn parse_control(&mut self, context: &str) -> PResult<Control> {
        let nvars = self.st.vars.len();
        let r = self.parse_control_inner(context);
        self.st.vars.truncate(nvars);
        r
    }

    fn parse_control_inner(&mut self, context: &str) -> PResult<Control> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        if let Stop::Else = next {
            if context == "if" && self.peek().typ == ItemType::If {
                self.next();
                let inner = self.if_control()?;
                else_list = Some(vec![inner]);
            } else {
                let (l, n) = self.item_list()?;
                if let Stop::Else = n {
                    return self.errorf("expected end; found {{else}}".into());
                }
                else_list = Some(l);
            }
        }
        Ok(Control {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn parse_template_name(&mut self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Ok(s) => Ok(s),
                Err(()) => self.errorf("invalid syntax".into()),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let saved = std::mem::replace(&mut self.st, TreeState::new());
        let r = self.item_list();
        let inner_line = self.st.token[0].line;
        self.st = saved;
        let (list, end) = r?;
        if let Stop::Else = end {
            // reported by the outer tree
            let _ = inner_line;
            return self.errorf(format!("unexpected {{{{else}}}} in {context}"));
        }
        {
            let saved = std::mem::replace(&mut self.st, TreeState::new());
            self.st.token[0].line = inner_line;
            let r = self.add(name.clone(), list);
            self.st = saved;
            r?;
        }
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ == ItemType::Variable {
                self.next();
                let token_after = self.peek();
                let next = self.peek_non_space();
                if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.st.vars.push(v.val.clone());
                } else if next.typ == ItemType::Char && next.val == "," {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.st.vars.push(v.val.clone());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => continue 'decls,
                            _ => return self.errorf("range can only initialize variables".into()),
                        }
                    }
                    return self.errorf(format!("too many declarations in {context}"));
                } else if token_after.typ == ItemType::Space {
                    self.backup3(v, token_after);
                } else {
                    self.backup2(v);
                }
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number { .. } | Arg::String { .. }
            ) {
                return self.errorf(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if args.is_empty() {
            return self.errorf("empty command".into());
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else { return Ok(None) };
        if self.peek().typ == ItemType::Field {
            let chain_pos = self.peek().pos;
            let mut fields: Vec<String> = Vec::new();
            while self.peek().typ == ItemType::Field {
                let f = self.next().val;
                fields.push(f[1..].to_string());
            }
            return match node {
                Arg::Field { mut ident, .. } => {
                    ident.extend(fields);
                    Ok(Some(Arg::Field { pos: chain_pos, ident }))
                }
                Arg::Variable { mut ident, .. } => {
                    ident.extend(fields);
                    Ok(Some(Arg::Variable { pos: chain_pos, ident }))
                }
                Arg::Bool { .. } | Arg::String { .. } | Arg::Number { .. } | Arg::Nil { .. } | Arg::Dot { .. } => self
                    .errorf(format!(
                        "unexpected . after term {}",
                        crate::fmt::quote(&node.to_string())
                    )),
                other => Ok(Some(Arg::Chain {
                    pos: chain_pos,
                    node: Box::new(other),
                    field: fields,
                })),
            };
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        let arg = match token.typ {
            ItemType::Identifier => {
                if !(self.has_func)(&token.val) {
                    return self.errorf(format!("function {} not defined", crate::fmt::quote(&token.val)));
                }
                Arg::Identifier { pos, name: token.val }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let ident: Vec<String> = token.val.split('.').map(str::to_string).collect();
                if !self.st.vars.iter().any(|v| *v == ident[0]) {
                    return self.errorf(format!("undefined variable {}", crate::fmt::quote(&ident[0])));
                }
                Arg::Variable { pos, ident }
            }
            ItemType::Field => Arg::Field {
                pos,
                ident: vec![token.val[1..].to_string()],
            },
            ItemType::Bool => Arg::Bool {
                pos,
                val: token.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => match new_number(&token.val, token.typ) {
                Ok(num) => Arg::Number { pos, num },
                Err(e) => return self.errorf(e),
            },
            ItemType::LeftParen => {
                let p = self.pipeline("parenthesized pipeline", ItemType::RightParen)?;
                Arg::Pipe(Box::new(p))
            }
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Ok(text) => Arg::String {
                    pos,
                    quoted: token.val,
                    text,
                },
                Err(()) => return self.errorf("invalid syntax".into()),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<HashMap<String, Tree>, Error> {
        parse("t", text, "", "", &|n| matches!(n, "printf" | "len" | "eq"))
    }

    #[test]
    fn parses_and_reports_like_go() {
        let set = p("a{{if .x}}b{{else if .y}}c{{else}}d{{end}}{{define \"x\"}}X{{end}}").unwrap_or_default();
        assert!(set.contains_key("t") && set.contains_key("x"));
        let e = p("{{foo}}").err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("template: t:1: function \"foo\" not defined"));
        let e = p("\n{{if .x}}").err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("template: t:2: unexpected EOF"));
        let e = p("{{$x}}").err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("template: t:1: undefined variable \"$x\""));
    }

    #[test]
    fn numbers() {
        let n = new_number("0x1F", ItemType::Number).ok();
        assert_eq!(n.map(|n| n.int), Some(31));
        let n = new_number("1e3", ItemType::Number).ok();
        assert!(n.is_some_and(|n| n.is_int && n.int == 1000 && n.is_float));
        assert!(new_number("99999999999999999999", ItemType::Number).is_err());
    }
}
