//! `helm template`: a chart and values in, the release's documents, hooks and notes out.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use circleci_gotemplate::{Error as TemplateError, Map, MissingKey, Templates, Value};

use crate::capabilities::{Capabilities, DEFAULT_KUBE_VERSION, KubeVersion};
use crate::chart::{Chart, ChartType, File};
use crate::error::RenderError;
use crate::files::Files;
use crate::funcs::{self, Lookup, WARN_END, WARN_START};
use crate::manifest::{self, Hook, Manifest};
use crate::values::{self, Table};

/// What `helm template`'s flags set.
#[derive(Clone)]
pub struct RenderOptions {
    /// `.Release.Name` (`helm template`'s default: `release-name`).
    pub release_name: String,
    /// `.Release.Namespace` (default `default`).
    pub namespace: String,
    /// `.Release.Revision` (1 for an install).
    pub revision: i64,
    /// `.Release.IsUpgrade` (and `IsInstall` its negation).
    pub is_upgrade: bool,
    pub capabilities: Capabilities,
    /// Keep every subchart's NOTES.txt, not only the root chart's (`--render-subchart-notes`).
    pub subchart_notes: bool,
    /// Answers `lookup`; `None` renders it as an empty map, as `helm template` does.
    pub lookup: Option<Arc<dyn Lookup>>,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            capabilities: Capabilities::new(
                KubeVersion::parse(DEFAULT_KUBE_VERSION).expect("the default parses"),
                &[],
            ),
            subchart_notes: false,
            lookup: None,
        }
    }
}

/// A rendered chart.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The CRDs under `crds/` of the chart and its enabled subcharts, untemplated.
    pub crds: Vec<Manifest>,
    /// The release's documents, in install order.
    pub manifests: Vec<Manifest>,
    /// Hooks, by kind in install order (run order is by weight).
    pub hooks: Vec<Hook>,
    /// The root chart's rendered NOTES.txt.
    pub notes: String,
    /// The values templates saw (`.Values`): the user's over the charts' defaults.
    pub values: Table,
}

impl Rendered {
    /// The release's manifest as Helm stores it: CRDs (when included), then the documents,
    /// each as `---\n# Source: PATH\nDOC\n`.
    pub fn manifest(&self, include_crds: bool) -> String {
        let mut out = String::new();
        if include_crds {
            for c in &self.crds {
                out.push_str(&format!("---\n# Source: {}\n{}\n", c.source, c.content));
            }
        }
        for m in &self.manifests {
            out.push_str(&format!("---\n# Source: {}\n{}\n", m.source, m.content));
        }
        out
    }

    /// Exactly what `helm template` prints (without `--show-only`/`--output-dir`).
    pub fn template_output(&self, include_crds: bool, skip_tests: bool) -> String {
        let mut out = format!("{}\n", self.manifest(include_crds).trim());
        for h in &self.hooks {
            if skip_tests && h.is_test() {
                continue;
            }
            out.push_str(&format!(
                "---\n# Source: {}\n{}\n",
                h.manifest.source, h.manifest.content
            ));
        }
        out
    }
}

/// The user's values as `helm template -f A -f B --set k=v` merges them: each document a
/// map, later ones winning key by key (maps merge), then each `set` path (dots nest).
pub fn user_values(documents: &[String], set: &BTreeMap<String, String>) -> Result<Table, RenderError> {
    let mut base = Table::new();
    for (i, doc) in documents.iter().enumerate() {
        let m = crate::yaml::parse_values(doc).map_err(|e| RenderError::UserValues {
            index: i,
            message: e.to_string(),
        })?;
        merge_maps(&mut base, m);
    }
    for (key, value) in set {
        set_path(&mut base, key, typed(value));
    }
    Ok(base)
}

/// Helm's `mergeMaps`: `b` over `a`, maps merging.
fn merge_maps(a: &mut Table, b: Table) {
    for (k, v) in b {
        match (a.get(&k), v) {
            (Some(Value::Map(am)), Value::Map(bm)) => {
                let bm = bm.into_btree();
                am.update(|am| merge_maps(am, bm));
            }
            (_, v) => {
                a.insert(k, v);
            }
        }
    }
}

/// `--set`'s typing of a value: `true`/`false`, `null`, integers (no leading zero), else
/// the string; unlike `--set`, the value is taken whole (commas do not split it).
fn typed(v: &str) -> Value {
    if v.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if v == "0" {
        return Value::Int(0);
    }
    if !v.starts_with('0')
        && let Ok(i) = v.parse::<i64>()
    {
        return Value::Int(i);
    }
    Value::String(v.to_string())
}

fn set_path(t: &mut Table, path: &str, v: Value) {
    match path.split_once('.') {
        None => {
            t.insert(path.to_string(), v);
        }
        Some((head, rest)) => {
            let entry = t.entry(head.to_string()).or_insert_with(|| Value::Map(Map::new()));
            if !matches!(entry, Value::Map(_)) {
                *entry = Value::Map(Map::new());
            }
            if let Value::Map(m) = entry {
                m.update(|m| set_path(m, rest, v));
            }
        }
    }
}

/// `.Chart`: the metadata with Go's field names, and `IsRoot`.
fn chart_value(chart: &Chart, is_root: bool) -> Value {
    let md = &chart.metadata;
    let s = |v: &str| Value::String(v.to_string());
    let list = |v: &[String]| Value::List(v.iter().map(|x| s(x)).collect());
    let mut m = Table::new();
    m.insert("Name".into(), s(&md.name));
    m.insert("Home".into(), s(&md.home));
    m.insert("Sources".into(), list(&md.sources));
    m.insert("Version".into(), s(&md.version));
    m.insert("Description".into(), s(&md.description));
    m.insert("Keywords".into(), list(&md.keywords));
    m.insert(
        "Maintainers".into(),
        Value::List(
            md.maintainers
                .iter()
                .map(|x| {
                    Value::Map(Map::from([
                        ("Name", s(&x.name)),
                        ("Email", s(&x.email)),
                        ("URL", s(&x.url)),
                    ]))
                })
                .collect(),
        ),
    );
    m.insert("Icon".into(), s(&md.icon));
    m.insert(
        "APIVersion".into(),
        s(match md.api_version {
            crate::chart::ApiVersion::V1 => "v1",
            crate::chart::ApiVersion::V2 => "v2",
        }),
    );
    m.insert("Condition".into(), s(&md.condition));
    m.insert("Tags".into(), s(&md.tags));
    m.insert("AppVersion".into(), s(&md.app_version));
    m.insert("Deprecated".into(), Value::Bool(md.deprecated));
    m.insert(
        "Annotations".into(),
        Value::Map(md.annotations.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
    );
    m.insert("KubeVersion".into(), s(&md.kube_version));
    m.insert(
        "Dependencies".into(),
        Value::List(
            md.dependencies
                .iter()
                .map(|d| {
                    Value::Map(Map::from([
                        ("Name", s(&d.name)),
                        ("Version", s(&d.version)),
                        ("Repository", s(&d.repository)),
                        ("Condition", s(&d.condition)),
                        ("Tags", list(&d.tags)),
                        ("Enabled", Value::Bool(d.enabled)),
                        ("Alias", s(&d.alias)),
                    ]))
                })
                .collect(),
        ),
    );
    m.insert(
        "Type".into(),
        s(match md.chart_type {
            ChartType::Application => "application",
            ChartType::Library => "library",
        }),
    );
    m.insert("IsRoot".into(), Value::Bool(is_root));
    Value::Map(m.into())
}

struct Renderable {
    text: String,
    /// The chart's scope, one map shared by all its templates (and its parent's `.Subcharts`).
    scope: Map,
    base_path: String,
}

/// Helm's `recAllTpls`: every template of `chart` and its subcharts under its full path,
/// each with the scope (`.Values`, `.Chart`, …) of its own chart. Returns the chart's scope.
///
/// As in Helm, these are Go maps shared, not copies: a subchart's `.Values` is its parent's
/// `.Values.NAME`, and every template of a chart gets the same scope, so what one template
/// sets there (`set $ …`, `set .Values …`) the templates rendered after it see.
fn collect(
    chart: &Chart,
    full_path: &str,
    is_root: bool,
    parent_values: &Value,
    top: &Table,
    out: &mut BTreeMap<String, Renderable>,
) -> Map {
    let values = if is_root {
        parent_values.clone()
    } else {
        match parent_values {
            Value::Map(m) => match m.get(&chart.metadata.name) {
                Some(v @ Value::Map(_)) => v,
                _ => Value::Map(Map::new()),
            },
            _ => Value::Map(Map::new()),
        }
    };
    let subcharts = Map::new();
    for sub in &chart.dependencies {
        let sub_path = format!("{full_path}/charts/{}", sub.metadata.name);
        let scope = collect(sub, &sub_path, false, &values, top, out);
        subcharts.insert(sub.metadata.name.clone(), Value::Map(scope));
    }
    let scope = Map::new();
    scope.insert("Chart", chart_value(chart, is_root));
    scope.insert("Files", Value::Object(Arc::new(Files::new(&chart.files))));
    scope.insert("Release", top["Release"].clone());
    scope.insert("Capabilities", top["Capabilities"].clone());
    scope.insert("Values", values);
    scope.insert("Subcharts", Value::Map(subcharts));
    let library = chart.metadata.chart_type == ChartType::Library;
    for t in &chart.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        // A library chart only lends its named templates.
        if library && !base.starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full_path}/{}", t.name),
            Renderable {
                text: String::from_utf8_lossy(&t.data).into_owned(),
                scope: scope.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    scope
}

/// Helm's `sortTemplates`: deepest paths first, then reverse name order, so a parent's
/// `define` (parsed later) replaces a subchart's of the same name.
fn parse_order(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = names.collect();
    v.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
    v
}

/// Helm's `cleanupParseError`.
fn parse_error(file: &str, e: &TemplateError) -> RenderError {
    let text = e.to_string();
    let tokens: Vec<&str> = text.split(": ").collect();
    if tokens.len() == 1 {
        return RenderError::Exec {
            file: file.into(),
            line: e.line(),
            message: format!("parse error in ({file}): {text}"),
        };
    }
    let location = tokens[1];
    let (loc_file, loc_line) = location.rsplit_once(':').unwrap_or((location, ""));
    RenderError::Parse {
        file: loc_file.to_string(),
        line: loc_line.parse().unwrap_or(0),
        message: tokens[tokens.len() - 1].to_string(),
    }
}

/// Helm's `cleanupExecError`: `required` and `fail` become `execution error at (LOC): MSG`.
fn exec_error(file: &str, e: &TemplateError) -> RenderError {
    let text = e.to_string();
    let message = match e {
        TemplateError::Exec { .. } => {
            let tokens: Vec<&str> = text.splitn(3, ": ").collect();
            if tokens.len() != 3 {
                format!("execution error in ({file}): {text}")
            } else {
                match tokens[2].find(WARN_START).and_then(|s| {
                    let rest = &tokens[2][s + WARN_START.len()..];
                    rest.find(WARN_END).map(|e| &rest[..e])
                }) {
                    Some(warn) => format!("execution error at ({}): {warn}", tokens[1]),
                    None => text.clone(),
                }
            }
        }
        _ => text.clone(),
    };
    RenderError::Exec {
        file: e.file().to_string(),
        line: e.line(),
        message,
    }
}

fn chart_full_crds(chart: &Chart, full_path: &str, out: &mut Vec<Manifest>) {
    for f in &chart.files {
        let lower = f.name.to_lowercase();
        if f.name.starts_with("crds/") && [".yaml", ".yml", ".json"].iter().any(|e| lower.ends_with(e)) {
            out.push(crd_manifest(full_path, f));
        }
    }
    for sub in &chart.dependencies {
        chart_full_crds(sub, &format!("{full_path}/charts/{}", sub.metadata.name), out);
    }
}

fn crd_manifest(full_path: &str, f: &File) -> Manifest {
    let content = String::from_utf8_lossy(&f.data).into_owned();
    let head = crate::yaml::parse(&content).unwrap_or(Value::Nil);
    let get = |k: &str| match &head {
        Value::Map(m) => match m.get(k) {
            Some(Value::String(s)) => s,
            _ => String::new(),
        },
        _ => String::new(),
    };
    let name = match &head {
        Value::Map(m) => match m.get("metadata") {
            Some(Value::Map(md)) => match md.get("name") {
                Some(Value::String(s)) => s,
                _ => String::new(),
            },
            _ => String::new(),
        },
        _ => String::new(),
    };
    Manifest {
        source: format!("{full_path}/{}", f.name),
        api_version: get("apiVersion"),
        kind: get("kind"),
        name,
        namespace: String::new(),
        content,
    }
}

/// Renders `chart` with the user's `values` as `helm template` does: dependencies checked and
/// switched, values coalesced and checked against each `values.schema.json`, `kubeVersion`
/// checked, every template executed, documents split, hooks set apart and all sorted.
pub fn render(chart: &Chart, values: &Table, options: &RenderOptions) -> Result<Rendered, RenderError> {
    match chart.metadata.chart_type {
        ChartType::Application => {}
        ChartType::Library => return Err(RenderError::NotInstallable("library".into())),
    }
    values::check_dependencies(chart)?;
    let mut chart = chart.clone();
    values::process_dependencies(&mut chart, values)?;
    let coalesced = values::coalesce_values(&chart, values)?;
    validate_schemas(&chart, &coalesced)?;
    let kube = &options.capabilities.kube_version;
    if !chart.metadata.kube_version.is_empty()
        && !circleci_sprig::semver_compare(&chart.metadata.kube_version, &kube.version).unwrap_or(false)
    {
        return Err(RenderError::KubeVersion {
            required: chart.metadata.kube_version.clone(),
            actual: kube.version.clone(),
        });
    }

    let mut top = Table::new();
    top.insert(
        "Release".into(),
        Value::Map(Map::from([
            ("Name", Value::String(options.release_name.clone())),
            ("Namespace", Value::String(options.namespace.clone())),
            ("IsUpgrade", Value::Bool(options.is_upgrade)),
            ("IsInstall", Value::Bool(!options.is_upgrade)),
            ("Revision", Value::Int(options.revision)),
            ("Service", Value::String("Helm".into())),
        ])),
    );
    top.insert("Capabilities".into(), options.capabilities.value());
    let root = chart.metadata.name.clone();
    let mut renderables = BTreeMap::new();
    // The templates' `.Values`: one map through the render, which templates may change; a
    // copy, so `coalesced` stays what they were given.
    collect(
        &chart,
        &root,
        true,
        &Value::Map(values::deep_copy(&coalesced).into()),
        &top,
        &mut renderables,
    );

    let cell: funcs::SetCell = Arc::new(OnceLock::new());
    let included: funcs::Included = Arc::new(Mutex::new(Default::default()));
    let mut set = Templates::new()
        .with_name("gotpl")
        .missing_key(MissingKey::Zero)
        .with_funcs(circleci_sprig::functions());
    set.add_funcs(funcs::helm_functions(cell.clone(), included, options.lookup.clone()));
    let order = parse_order(renderables.keys().cloned());
    for name in &order {
        set.parse(name, &renderables[name].text)
            .map_err(|e| parse_error(name, &e))?;
    }
    let _ = cell.set(set.clone());

    let mut rendered = BTreeMap::new();
    for name in &order {
        if name.rsplit('/').next().is_some_and(|b| b.starts_with('_')) {
            continue;
        }
        let r = &renderables[name];
        // Helm sets `.Template` in the chart's shared scope before each template.
        r.scope.insert(
            "Template",
            Value::Map(Map::from([
                ("Name", Value::String(name.clone())),
                ("BasePath", Value::String(r.base_path.clone())),
            ])),
        );
        let out = set
            .execute(name, &Value::Map(r.scope.clone()))
            .map_err(|e| exec_error(name, &e))?;
        rendered.insert(name.clone(), out.replace("<no value>", ""));
    }

    let root_notes = format!("{root}/templates/NOTES.txt");
    let mut notes = String::new();
    let note_files: Vec<String> = rendered.keys().filter(|k| k.ends_with("NOTES.txt")).cloned().collect();
    for k in note_files {
        let text = rendered.remove(&k).unwrap_or_default();
        if options.subchart_notes || k == root_notes {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(&text);
        }
    }
    let (hooks, manifests) = manifest::sort_manifests(&rendered)?;
    let mut crds = Vec::new();
    chart_full_crds(&chart, &root, &mut crds);
    Ok(Rendered {
        crds,
        manifests,
        hooks,
        notes,
        values: coalesced,
    })
}

/// Helm's `ValidateAgainstSchema`, over the chart and its enabled subcharts.
fn validate_schemas(chart: &Chart, values: &Table) -> Result<(), RenderError> {
    let mut report = String::new();
    schema_report(chart, values, &mut report);
    if report.is_empty() {
        Ok(())
    } else {
        Err(RenderError::Schema(report))
    }
}

fn schema_report(chart: &Chart, values: &Table, out: &mut String) {
    if let Some(schema) = &chart.schema {
        let json = crate::convert::to_json(&Value::Map(values.clone().into()));
        if let Err(e) = crate::schema::validate(schema, &json) {
            out.push_str(&format!("{}:\n{e}", chart.metadata.name));
        }
    }
    for sub in &chart.dependencies {
        match values.get(&sub.metadata.name) {
            None | Some(Value::Nil) => {}
            Some(Value::Map(m)) => schema_report(sub, &m.to_btree(), out),
            Some(other) => out.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.metadata.name,
                circleci_gotemplate::fmt::type_name(other)
            )),
        }
    }
}
