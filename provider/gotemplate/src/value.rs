//! The data a template sees, modelled on the Go types Helm puts there (`interface{}` holding
//! `map[string]interface{}`, `[]interface{}`, `string`, `float64`, `int`, `bool`, nil) and the
//! structs with methods (`.Capabilities.APIVersions.Has`, `.Files.Get`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A value as Go's `reflect` would see it inside an `interface{}`.
///
/// Maps are sorted by key, as Go's template `range` and `fmt` visit them.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's nil interface: a missing key under `missingkey=zero`, a null in YAML.
    #[default]
    Nil,
    Bool(bool),
    /// Go's `int` / `int64` (what `len`, `add`, `atoi` return).
    Int(i64),
    /// Go's `float64` (every number decoded from YAML or JSON by Helm).
    Float(f64),
    String(String),
    /// `[]interface{}`.
    List(Vec<Value>),
    /// `map[string]interface{}`: a reference, as in Go (cloning the value shares the map).
    Map(Map),
    /// A Go struct or named type with fields and methods (e.g. `.Release`, `.Files`).
    Object(Arc<dyn Object>),
}

/// A Go struct (or other named type) seen from a template: fields read by `.Name`, methods
/// called by `.Name arg…`.
pub trait Object: Send + Sync {
    /// The Go type name, as `printf "%T"` shows it (e.g. `chartutil.Capabilities`).
    fn type_name(&self) -> &str;
    /// A field or a method with no arguments; `None` when the type has no such field or method.
    fn field(&self, name: &str) -> Option<Value>;
    /// A method called with arguments; `None` when there is no such method.
    fn call_method(&self, name: &str, args: Vec<Value>) -> Option<Result<Value, String>> {
        let _ = (name, args);
        None
    }
    /// For a Go map type with methods (Helm's `.Files`): its entries, which `range` and
    /// `len` see; `None` for a struct.
    fn entries(&self) -> Option<BTreeMap<String, Value>> {
        None
    }
    /// What `{{ . }}` prints for this value (Go's `%v` of the struct).
    fn display(&self) -> String {
        format!("{{{}}}", self.type_name())
    }
}

/// A function a template can call. It gets the evaluated arguments; an `Err` aborts execution
/// with Go's `error calling NAME: MESSAGE`.
pub type Function = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// Functions by name, as Go's `template.FuncMap`.
pub type FuncMap = HashMap<String, Function>;

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(l) => f.debug_list().entries(l).finish(),
            Value::Map(m) => m.fmt(f),
            Value::Object(o) => write!(f, "Object({})", o.type_name()),
        }
    }
}

impl PartialEq for Value {
    /// Contents compared (maps by their entries, objects by identity or type and display).
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => {
                Arc::ptr_eq(a, b) || (a.type_name() == b.type_name() && a.display() == b.display())
            }
            _ => false,
        }
    }
}

impl Value {
    /// A copy sharing nothing with `self`: maps and lists copied all the way down (Sprig's
    /// `deepCopy`); objects are immutable and stay shared.
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::List(l.iter().map(Value::deep_copy).collect()),
            Value::Map(m) => Value::Map(m.deep_copy()),
            v => v.clone(),
        }
    }
}

impl From<BTreeMap<String, Value>> for Value {
    fn from(m: BTreeMap<String, Value>) -> Value {
        Value::Map(Map::from(m))
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Map(m)
    }
}

/// Go's `map[string]interface{}`: one map shared by every value holding it, changed in
/// place (Sprig's `set`, `unset`, `merge`), its entries sorted by key.
///
/// Reads hand out clones of the entries (a nested map's clone is the same nested map) and
/// no lock is held once a method returns, so a template may change a map while it ranges
/// over it or pass one map twice (`merge $d $d`).
#[derive(Clone, Default)]
pub struct Map(Arc<RwLock<BTreeMap<String, Value>>>);

impl Map {
    /// A new empty map.
    pub fn new() -> Map {
        Map::default()
    }

    fn r(&self) -> RwLockReadGuard<'_, BTreeMap<String, Value>> {
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    fn w(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Value>> {
        self.0.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry for `key`, cloned.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.r().get(key).cloned()
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.r().contains_key(key)
    }

    /// Sets `key` (Go's `m[key] = v`), returning the entry it replaced.
    pub fn insert(&self, key: impl Into<String>, v: Value) -> Option<Value> {
        self.w().insert(key.into(), v)
    }

    /// Deletes `key` (Go's `delete(m, key)`), returning its entry.
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.w().remove(key)
    }

    pub fn len(&self) -> usize {
        self.r().len()
    }

    pub fn is_empty(&self) -> bool {
        self.r().is_empty()
    }

    /// The keys, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.r().keys().cloned().collect()
    }

    /// The entries' values, in key order.
    pub fn values(&self) -> Vec<Value> {
        self.r().values().cloned().collect()
    }

    /// The entries as they are now, in key order (what `range` visits).
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.r().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// The entries as they are now; nested maps are still shared.
    pub fn to_btree(&self) -> BTreeMap<String, Value> {
        self.r().clone()
    }

    /// The entries, taken without a copy when no other value holds this map.
    pub fn into_btree(self) -> BTreeMap<String, Value> {
        match Arc::try_unwrap(self.0) {
            Ok(lock) => lock.into_inner().unwrap_or_else(|p| p.into_inner()),
            Err(shared) => Map(shared).to_btree(),
        }
    }

    /// A new map sharing nothing with this one (nested maps and lists copied too).
    pub fn deep_copy(&self) -> Map {
        let entries = self.entries();
        entries.into_iter().map(|(k, v)| (k, v.deep_copy())).collect()
    }

    /// Whether both are the same map (Go's `reflect.Value.Pointer` equality).
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Reads the entries in place, without cloning them. `f` must not change this map (the
    /// lock is held while it runs).
    pub fn read<T>(&self, f: impl FnOnce(&BTreeMap<String, Value>) -> T) -> T {
        f(&self.r())
    }

    /// Changes the entries in place. `f` must not read or change this map through another
    /// handle (the lock is held while it runs).
    pub fn update<T>(&self, f: impl FnOnce(&mut BTreeMap<String, Value>) -> T) -> T {
        f(&mut self.w())
    }
}

impl From<BTreeMap<String, Value>> for Map {
    fn from(m: BTreeMap<String, Value>) -> Map {
        Map(Arc::new(RwLock::new(m)))
    }
}

impl<K: Into<String>, const N: usize> From<[(K, Value); N]> for Map {
    fn from(entries: [(K, Value); N]) -> Map {
        entries.into_iter().collect()
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Map {
        Map::from(iter.into_iter().map(|(k, v)| (k.into(), v)).collect::<BTreeMap<_, _>>())
    }
}

impl PartialEq for Map {
    /// Same map, or the same entries.
    fn eq(&self, other: &Map) -> bool {
        self.ptr_eq(other) || self.to_btree() == other.to_btree()
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries()).finish()
    }
}
