//! Loading a chart as Helm's `loader` does: from a directory (honouring `.helmignore`), from a
//! `.tgz` archive, or from files in memory; subcharts under `charts/` as directories or
//! archives.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::{Chart, File, Metadata};
use crate::error::LoadError;
use crate::glob;
use crate::yaml;

/// Loads the chart in directory `dir`, skipping what its `.helmignore` names (Helm's `LoadDir`).
pub fn load_dir(dir: &Path) -> Result<Chart, LoadError> {
    let io = |path: &Path, e: std::io::Error| LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut rules = Ignore::default();
    // Helm always hides dot files in templates/ (editor swap files, .DS_Store).
    rules.add("templates/.?*");
    let ignore_file = dir.join(".helmignore");
    if ignore_file.is_file() {
        let text = std::fs::read_to_string(&ignore_file).map_err(|e| io(&ignore_file, e))?;
        for line in text.trim_start_matches('\u{feff}').lines() {
            rules.add(line);
        }
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&current)
            .map_err(|e| io(&current, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| io(&current, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let is_dir = path.is_dir();
            if rules.ignored(&rel, is_dir) {
                continue;
            }
            if is_dir {
                stack.push(path);
            } else {
                let data = std::fs::read(&path).map_err(|e| io(&path, e))?;
                files.push(File { name: rel, data });
            }
        }
    }
    if !files.iter().any(|f| f.name == "Chart.yaml") {
        return Err(LoadError::NotAChart {
            origin: dir.display().to_string(),
            reason: "Chart.yaml file is missing".into(),
        });
    }
    load_files(files)
}

/// Loads a chart archive (`helm package`'s `.tgz`): one top directory holding the chart.
pub fn load_archive(bytes: &[u8]) -> Result<Chart, LoadError> {
    let not_archive = |reason: String| LoadError::NotAChart {
        origin: "the archive".into(),
        reason,
    };
    let mut gz = flate2::read::GzDecoder::new(bytes);
    let mut tar_bytes = Vec::new();
    gz.read_to_end(&mut tar_bytes).map_err(|e| {
        not_archive(format!(
            "not a gzip archive ({e}); a chart archive is what `helm package` makes"
        ))
    })?;
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    let mut files = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| not_archive(format!("not a tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| not_archive(format!("a damaged tar entry: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| not_archive(format!("an entry with a bad path: {e}")))?
            .to_string_lossy()
            .replace('\\', "/");
        // Helm drops the top directory (the chart's name) and refuses paths that climb out.
        let Some((_, name)) = path.split_once('/') else {
            continue;
        };
        if name.split('/').any(|p| p == "..") || name.starts_with('/') {
            return Err(not_archive(format!(
                "chart illegally references a path outside its directory: {path}"
            )));
        }
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| not_archive(format!("cannot read {path}: {e}")))?;
        files.push(File {
            name: name.to_string(),
            data,
        });
    }
    if !files.iter().any(|f| f.name == "Chart.yaml") {
        return Err(not_archive("Chart.yaml file is missing".into()));
    }
    load_files(files)
}

/// Builds a chart from its files, named relative to its root (Helm's `LoadFiles`).
pub fn load_files(files: Vec<File>) -> Result<Chart, LoadError> {
    let mut chart = Chart::default();
    let chart_yaml = files
        .iter()
        .find(|f| f.name == "Chart.yaml")
        .ok_or_else(|| LoadError::NotAChart {
            origin: "the chart's files".into(),
            reason: "Chart.yaml file is missing".into(),
        })?;
    chart.metadata = parse_metadata(&chart_yaml.data)?;
    let v1 = chart.metadata.api_version == super::ApiVersion::V1;
    let mut subcharts: BTreeMap<String, Vec<File>> = BTreeMap::new();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" | "requirements.lock" => {
                let lock = yaml::parse(&String::from_utf8_lossy(&f.data)).map_err(|e| LoadError::File {
                    file: f.name.clone(),
                    message: e.to_string(),
                })?;
                chart.lock = Some(crate::convert::to_json(&lock));
                if v1 && f.name == "requirements.lock" {
                    chart.files.push(f);
                }
            }
            "values.yaml" => {
                chart.values = yaml::parse_values(&String::from_utf8_lossy(&f.data)).map_err(|e| LoadError::File {
                    file: "values.yaml".into(),
                    message: format!("cannot load values.yaml: {e}"),
                })?;
            }
            "values.schema.json" => chart.schema = Some(f.data),
            "requirements.yaml" => {
                let req = yaml::parse(&String::from_utf8_lossy(&f.data)).map_err(|e| LoadError::File {
                    file: f.name.clone(),
                    message: e.to_string(),
                })?;
                if let Some(deps) = crate::convert::to_json(&req).get("dependencies") {
                    chart.metadata.dependencies =
                        serde_json::from_value(deps.clone()).map_err(|e| LoadError::File {
                            file: f.name.clone(),
                            message: format!("cannot load requirements.yaml: {e}"),
                        })?;
                }
                if v1 {
                    chart.files.push(f);
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(f),
            name if name.starts_with("charts/") && !name.ends_with(".prov") => {
                let rest = &name["charts/".len()..];
                let top = rest.split('/').next().unwrap_or(rest).to_string();
                subcharts.entry(top).or_default().push(File {
                    name: rest.to_string(),
                    data: f.data,
                });
            }
            _ => chart.files.push(f),
        }
    }
    for (top, files) in subcharts {
        if top.starts_with(['_', '.']) {
            continue;
        }
        let sub = if top.ends_with(".tgz") || top.ends_with(".tar.gz") {
            load_archive(&files[0].data)
        } else {
            let files = files
                .into_iter()
                .filter_map(|f| {
                    let (_, name) = f.name.split_once('/')?;
                    Some(File {
                        name: name.to_string(),
                        data: f.data,
                    })
                })
                .collect();
            load_files(files)
        };
        let sub = sub.map_err(|e| LoadError::Subchart {
            subchart: top.clone(),
            chart: chart.metadata.name.clone(),
            source: Box::new(e),
        })?;
        chart.dependencies.push(sub);
    }
    Ok(chart)
}

/// `Chart.yaml`, checked as Helm's `Metadata.Validate` does.
fn parse_metadata(data: &[u8]) -> Result<Metadata, LoadError> {
    let bad = |message: String| LoadError::File {
        file: "Chart.yaml".into(),
        message,
    };
    let value = yaml::parse(&String::from_utf8_lossy(data)).map_err(|e| bad(e.to_string()))?;
    let mut json = crate::convert::to_json(&value);
    if let Some(map) = json.as_object_mut() {
        // Helm's loader: a Chart.yaml without apiVersion is a v1 chart.
        map.entry("apiVersion").or_insert_with(|| "v1".into());
        if map.get("version").is_none() {
            return Err(bad("validation: chart.metadata.version is required".into()));
        }
    }
    let metadata: Metadata = serde_json::from_value(json).map_err(|e| bad(format!("cannot load Chart.yaml: {e}")))?;
    if metadata.name.is_empty() {
        return Err(bad("validation: chart.metadata.name is required".into()));
    }
    if metadata.name.contains(['/', '\\']) {
        return Err(bad(format!(
            "validation: chart.metadata.name {:?} is invalid: names cannot contain path separators",
            metadata.name
        )));
    }
    if metadata.version.is_empty() {
        return Err(bad("validation: chart.metadata.version is required".into()));
    }
    if !circleci_sprig::semver_is_valid(&metadata.version) {
        return Err(bad(format!(
            "validation: chart.metadata.version {:?} is invalid",
            metadata.version
        )));
    }
    Ok(metadata)
}

/// `.helmignore` rules (Helm's `ignore.Rules`): gitignore-like, `filepath.Match` patterns
/// against the base name (no `/` in the pattern) or the relative path, `!` to negate, a
/// trailing `/` for directories only.
#[derive(Default)]
struct Ignore {
    rules: Vec<Rule>,
}

struct Rule {
    pattern: String,
    negate: bool,
    dir_only: bool,
    whole_path: bool,
}

impl Ignore {
    fn add(&mut self, line: &str) {
        let mut rule = line.trim();
        // Helm refuses `**` patterns; skip them rather than fail the load.
        if rule.is_empty() || rule.starts_with('#') || rule.contains("**") {
            return;
        }
        let negate = rule.starts_with('!');
        if negate {
            rule = &rule[1..];
        }
        let dir_only = rule.ends_with('/');
        let rule = rule.trim_end_matches('/');
        let whole_path = rule.contains('/');
        self.rules.push(Rule {
            pattern: rule.trim_start_matches('/').to_string(),
            negate,
            dir_only,
            whole_path,
        });
    }

    /// Helm's `Rules.Ignore`, including its reading of negation: a negated rule that does
    /// not match ignores the path.
    fn ignored(&self, path: &str, is_dir: bool) -> bool {
        for r in &self.rules {
            let name = if r.whole_path {
                path
            } else {
                path.rsplit('/').next().unwrap_or(path)
            };
            let matched = glob::path_match(&r.pattern, name);
            if r.negate {
                if r.dir_only && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if r.dir_only && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}
