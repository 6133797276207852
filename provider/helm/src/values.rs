//! Values as Helm computes them: subcharts switched by `condition` and `tags`, `alias`es,
//! `import-values`, then the user's values coalesced over the chart's defaults (maps merge,
//! scalars and lists replace, `null` deletes, `global` copied down to every subchart).
//!
//! Values are worked on as tables of their own: what comes in (the user's values, the charts'
//! defaults) is deep-copied first, as Helm copies it (`copystructure`), so the shared maps
//! inside [`Value`] are changed in place only where this module made them.

use std::collections::BTreeMap;

use circleci_gotemplate::{Map, Value};

use crate::chart::Chart;
use crate::error::RenderError;

/// A values map (Go's `map[string]interface{}`); the maps inside it are shared [`Map`]s.
pub type Table = BTreeMap<String, Value>;

/// A copy of `t` sharing no map with it.
pub fn deep_copy(t: &Table) -> Table {
    t.iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()
}

/// The reserved key copied from parent to subcharts.
const GLOBAL: &str = "global";

/// Helm's `CoalesceValues`: `user` over the chart's defaults and its subcharts', nulls deleting.
pub fn coalesce_values(chart: &Chart, user: &Table) -> Result<Table, RenderError> {
    let mut dest = deep_copy(user);
    coalesce(chart, &mut dest, false)?;
    Ok(dest)
}

/// Helm's `MergeValues`: as [`coalesce_values`], but nulls are kept.
pub fn merge_values(chart: &Chart, user: &Table) -> Result<Table, RenderError> {
    let mut dest = deep_copy(user);
    coalesce(chart, &mut dest, true)?;
    Ok(dest)
}

fn coalesce(chart: &Chart, dest: &mut Table, merge: bool) -> Result<(), RenderError> {
    coalesce_chart_values(chart, dest, merge);
    coalesce_deps(chart, dest, merge)
}

fn coalesce_deps(chart: &Chart, dest: &mut Table, merge: bool) -> Result<(), RenderError> {
    for sub in &chart.dependencies {
        let name = &sub.metadata.name;
        match dest.get(name) {
            None => {
                dest.insert(name.clone(), Value::Map(Map::new()));
            }
            Some(Value::Map(_)) => {}
            Some(other) => {
                return Err(RenderError::Values(format!(
                    "type mismatch on {name}: %!t({}={})",
                    circleci_gotemplate::fmt::type_name(other),
                    circleci_gotemplate::fmt::sprint_value(other)
                )));
            }
        }
        let Some(Value::Map(sub_values)) = dest.remove(name) else {
            unreachable!()
        };
        let mut sub_values = sub_values.into_btree();
        coalesce_globals(&mut sub_values, dest);
        coalesce(sub, &mut sub_values, merge)?;
        dest.insert(name.clone(), Value::Map(sub_values.into()));
    }
    Ok(())
}

/// Copies the parent's `global` into the subchart's: the parent's keys win, maps merge.
fn coalesce_globals(dest: &mut Table, parent: &Table) {
    let mut dg = match dest.get(GLOBAL) {
        None => Table::new(),
        Some(Value::Map(m)) => m.to_btree(),
        Some(_) => return,
    };
    let sg = match parent.get(GLOBAL) {
        None => Table::new(),
        Some(Value::Map(m)) => m.to_btree(),
        Some(_) => return,
    };
    for (key, val) in sg {
        match (&val, dg.get(&key)) {
            (Value::Map(pm), None) => {
                dg.insert(key, Value::Map(pm.deep_copy()));
            }
            (Value::Map(pm), Some(Value::Map(cm))) => {
                let mut vv = pm.deep_copy().into_btree();
                coalesce_tables(&mut vv, cm.to_btree(), true);
                dg.insert(key, Value::Map(vv.into()));
            }
            (Value::Map(_), Some(_)) => {}
            (_, Some(Value::Map(_))) => {}
            _ => {
                dg.insert(key, val.deep_copy());
            }
        }
    }
    dest.insert(GLOBAL.into(), Value::Map(dg.into()));
}

/// The chart's own defaults under `v` (Helm's `coalesceValues`).
fn coalesce_chart_values(chart: &Chart, v: &mut Table, merge: bool) {
    for (key, val) in &chart.values {
        match v.get(key) {
            Some(Value::Nil) if !merge => {
                v.remove(key);
            }
            Some(Value::Map(dest)) => {
                if let Value::Map(src) = val {
                    let merge = merge || chart.dependencies.iter().any(|d| &d.metadata.name == key);
                    let src = src.deep_copy().into_btree();
                    dest.update(|dest| coalesce_tables(dest, src, merge));
                }
            }
            Some(_) => {}
            None => {
                v.insert(key.clone(), val.deep_copy());
            }
        }
    }
}

/// Helm's `coalesceTablesFullKey`: `src`'s keys into `dst`, `dst` winning; a null in `dst`
/// deletes the key (unless merging) when `src` had a value for it. `src`'s entries move into
/// `dst` (its maps, no copy of them, become `dst`'s).
pub(crate) fn coalesce_tables(dst: &mut Table, mut src: Table, merge: bool) {
    let src_non_nil: Vec<String> = src
        .iter()
        .filter(|(_, v)| !matches!(v, Value::Nil))
        .map(|(k, _)| k.clone())
        .collect();
    for (k, v) in dst.iter() {
        if matches!(v, Value::Nil) {
            src.insert(k.clone(), Value::Nil);
        }
    }
    for (key, val) in src {
        match dst.get(&key) {
            Some(Value::Nil) if !merge && src_non_nil.contains(&key) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, val);
            }
            Some(Value::Map(d)) => {
                if let Value::Map(s) = val {
                    let s = s.into_btree();
                    d.update(|d| coalesce_tables(d, s, merge));
                }
            }
            Some(_) => {}
        }
    }
}

/// Helm's `ProcessDependenciesWithMerge` (what `helm install` and `helm template` run):
/// drops the subcharts `condition`/`tags` switch off, renames aliased ones, then imports
/// their `import-values` into the parent's defaults.
pub fn process_dependencies(chart: &mut Chart, user: &Table) -> Result<(), RenderError> {
    process_enabled(chart, user, "")?;
    process_import_values(chart, true)
}

fn compatible(constraint: &str, version: &str) -> bool {
    constraint.is_empty() || circleci_sprig::semver_compare(constraint, version).unwrap_or(false)
}

fn process_enabled(chart: &mut Chart, v: &Table, path: &str) -> Result<(), RenderError> {
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let reqs = chart.metadata.dependencies.clone();
    // Subcharts no dependency entry names stay; each entry takes its chart (renamed by alias).
    let mut deps: Vec<Chart> = chart
        .dependencies
        .iter()
        .filter(|c| {
            !reqs
                .iter()
                .any(|r| r.name == c.metadata.name && compatible(&r.version, &c.metadata.version))
        })
        .cloned()
        .collect();
    for req in &mut chart.metadata.dependencies {
        if let Some(found) = chart
            .dependencies
            .iter()
            .find(|c| c.metadata.name == req.name && compatible(&req.version, &c.metadata.version))
        {
            let mut copy = found.clone();
            if !req.alias.is_empty() {
                copy.metadata.name = req.alias.clone();
            }
            deps.push(copy);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
        req.enabled = true;
    }
    chart.dependencies = deps;
    let cvals = coalesce_values(chart, v)?;
    // Tags first; a condition that resolves to a bool overrides them.
    if let Some(Value::Map(tags)) = cvals.get("tags") {
        for req in &mut chart.metadata.dependencies {
            let (mut has_true, mut has_false) = (false, false);
            for t in &req.tags {
                match tags.get(t) {
                    Some(Value::Bool(true)) => has_true = true,
                    Some(Value::Bool(false)) => has_false = true,
                    _ => {}
                }
            }
            req.enabled = has_true || !has_false;
        }
    }
    for req in &mut chart.metadata.dependencies {
        for cond in req.condition.trim().split(',') {
            if cond.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(&cvals, &format!("{path}{cond}")) {
                req.enabled = b;
                break;
            }
        }
    }
    let disabled: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    chart.dependencies.retain(|c| !disabled.contains(&c.metadata.name));
    chart.metadata.dependencies.retain(|r| !disabled.contains(&r.name));
    for sub in &mut chart.dependencies {
        let subpath = format!("{path}{}.", sub.metadata.name);
        process_enabled(sub, &cvals, &subpath)?;
    }
    Ok(())
}

/// `Values.PathValue("a.b.c")`.
pub(crate) fn path_value(values: &Table, path: &str) -> Option<Value> {
    let mut parts = path.split('.');
    let mut cur = values.get(parts.next()?)?.clone();
    for p in parts {
        let next = match &cur {
            Value::Map(m) => m.get(p)?,
            _ => return None,
        };
        cur = next;
    }
    Some(cur)
}

/// `Values.Table("a.b")`: a copy of the map at a path.
fn table_at(values: &Table, path: &str) -> Option<Table> {
    match path_value(values, path)? {
        Value::Map(m) => Some(m.deep_copy().into_btree()),
        _ => None,
    }
}

fn process_import_values(chart: &mut Chart, merge: bool) -> Result<(), RenderError> {
    for sub in &mut chart.dependencies {
        process_import_values(sub, merge)?;
    }
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let empty = Table::new();
    let cvals = if merge {
        merge_values(chart, &empty)?
    } else {
        coalesce_values(chart, &empty)?
    };
    let mut imported = Table::new();
    for req in &mut chart.metadata.dependencies {
        let mut normalised = vec![];
        for iv in &req.import_values {
            let (child, parent) = match iv {
                serde_json::Value::Object(m) => (go_string(m.get("child")), go_string(m.get("parent"))),
                serde_json::Value::String(s) => (format!("exports.{s}"), ".".to_string()),
                _ => continue,
            };
            normalised.push(serde_json::json!({"child": child, "parent": parent}));
            let Some(found) = table_at(&cvals, &format!("{}.{child}", req.name)) else {
                continue;
            };
            let placed = if parent == "." {
                found
            } else {
                parent.split('.').rev().fold(found, |inner, key| {
                    Table::from([(key.to_string(), Value::Map(inner.into()))])
                })
            };
            coalesce_tables(&mut imported, placed, merge);
        }
        req.import_values = normalised;
    }
    let mut values = cvals;
    if !merge {
        trim_nils(&mut values);
    }
    coalesce_tables(&mut values, imported, merge);
    chart.values = values;
    Ok(())
}

/// `fmt.Sprintf("%v", x)` of an import-values field.
fn go_string(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "<nil>".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn trim_nils(t: &mut Table) {
    t.retain(|_, v| !matches!(v, Value::Nil));
    for v in t.values() {
        if let Value::Map(m) = v {
            m.update(trim_nils);
        }
    }
}

/// Helm's `CheckDependencies`: every Chart.yaml dependency is in `charts/`.
pub fn check_dependencies(chart: &Chart) -> Result<(), RenderError> {
    let missing: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !chart.dependencies.iter().any(|c| c.metadata.name == r.name))
        .map(|r| r.name.clone())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RenderError::MissingDependencies { missing })
    }
}
