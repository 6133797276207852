//! docs/ mirrors the resource list one to one, and each page's schema section matches the code.

use circleci_tfplugin::Provider;
use circleci_tfplugin::docs::{BEGIN, END, render};
use terraform_provider_circleci::CircleCiProvider;

/// Resources that cannot be imported (their secrets cannot be read back), so have no import.sh.
const NOT_IMPORTABLE: &[&str] = &["circleci_nomad_tls"];

const EXAMPLE_END: &str = "<!-- end example -->";

/// `text` with each `<!-- example: PATH -->` ... `<!-- end example -->` holding the file at PATH
/// (from the repository root) in a fenced block; a missing file is recorded in `problems`.
fn fill_examples(text: &str, page: &std::path::Path, problems: &mut Vec<String>) -> String {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!-- example: ") {
        let (before, from_marker) = rest.split_at(start);
        out += before;
        let line_end = from_marker.find(" -->\n").expect("example marker ends with -->");
        let path = &from_marker["<!-- example: ".len()..line_end];
        let after_marker = &from_marker[line_end + " -->\n".len()..];
        let Some(end) = after_marker.find(EXAMPLE_END) else {
            panic!("{}: {path} has no {EXAMPLE_END}", page.display());
        };
        let language = if path.ends_with(".sh") { "sh" } else { "hcl" };
        match std::fs::read_to_string(repo.join(path)) {
            Ok(file) => out += &format!("<!-- example: {path} -->\n```{language}\n{file}```\n"),
            Err(_) => problems.push(format!("{}: {path} is missing", page.display())),
        }
        rest = &after_marker[end..];
    }
    out + rest
}

#[test]
fn every_resource_has_a_page_matching_its_schema() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let provider = CircleCiProvider;
    let pages = provider
        .resources()
        .iter()
        .map(|r| ("resources", r.type_name(), r.schema()))
        .chain(
            provider
                .data_sources()
                .iter()
                .map(|d| ("data-sources", d.type_name(), d.schema())),
        )
        .collect::<Vec<_>>();
    let mut stale = Vec::new();
    for (kind, type_name, schema) in pages {
        let name = type_name.strip_prefix("circleci_").unwrap();
        let path = root.join(kind).join(format!("{name}.md"));
        let page = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        let (head, rest) = page
            .split_once(BEGIN)
            .unwrap_or_else(|| panic!("{} has no schema marker", path.display()));
        let tail = rest.split_once(END).map(|(_, t)| t).unwrap_or("");
        let head = fill_examples(head, &path, &mut stale);
        let example = format!(
            "<!-- example: examples/{kind}/{type_name}/{} -->",
            if kind == "resources" {
                "resource.tf"
            } else {
                "data-source.tf"
            }
        );
        assert!(head.contains(&example), "{} does not show {example}", path.display());
        let import = root.join("../examples/resources").join(type_name).join("import.sh");
        if import.exists() {
            let marker = format!("<!-- example: examples/resources/{type_name}/import.sh -->");
            assert!(head.contains(&marker), "{} does not show {marker}", path.display());
        } else {
            assert!(
                kind != "resources" || NOT_IMPORTABLE.contains(&type_name),
                "{type_name} has no examples/resources/{type_name}/import.sh"
            );
        }
        let fresh = format!("{head}{}{}", render(&schema.block), tail.trim_start_matches('\n'));
        if fresh != page {
            if std::env::var_os("UPDATE_DOCS").is_some() {
                std::fs::write(&path, fresh).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs out of date (run UPDATE_DOCS=1 cargo test --test docs): {stale:?}"
    );
}

/// One `variable` or `output` block of a module, as its README lists it.
#[derive(Default)]
struct Item {
    name: String,
    description: String,
    type_: String,
    default: Option<String>,
    sensitive: bool,
}

/// The `variable` or `output` blocks (by `keyword`) of a `terraform fmt`-clean file: their
/// top-level `description`, `type`, `default` (a multi-line default joined on one line) and
/// `sensitive`. Not an HCL parser: our modules' own files are all it reads.
fn blocks(text: &str, keyword: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut lines = text.lines();
    let depth_change =
        |line: &str| line.matches(['{', '[', '(']).count() as i64 - line.matches(['}', ']', ')']).count() as i64;
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix(&format!("{keyword} \""))
            .and_then(|rest| rest.strip_suffix("\" {"))
        else {
            continue;
        };
        let mut item = Item {
            name: name.to_string(),
            ..Item::default()
        };
        let mut depth = 1;
        while depth > 0 {
            let line = lines.next().expect("unterminated block");
            let trimmed = line.trim();
            if depth == 1
                && let Some((key, value)) = trimmed.split_once(" = ")
            {
                let key = key.trim();
                let mut value = value.to_string();
                let mut inner = depth_change(&value);
                while inner > 0 {
                    let more = lines.next().expect("unterminated value").trim();
                    inner += depth_change(more);
                    value = format!("{value} {more}");
                }
                match key {
                    "description" => {
                        item.description = serde_json::from_str(&value).expect("description is one string")
                    }
                    "type" => item.type_ = value,
                    "default" => item.default = Some(value),
                    "sensitive" => item.sensitive = value == "true",
                    _ => {}
                }
                continue;
            }
            depth += depth_change(trimmed);
        }
        items.push(item);
    }
    items
}

fn module_docs(dir: &std::path::Path) -> String {
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    let cell = |text: &str| text.replace('|', "\\|");
    let mut out =
        String::from("## Inputs\n\n| Name | Description | Type | Default | Required |\n|---|---|---|---|---|\n");
    for v in blocks(&read("variables.tf"), "variable") {
        let default = v
            .default
            .as_deref()
            .map(|d| format!("`{}`", cell(&d.split_whitespace().collect::<Vec<_>>().join(" "))))
            .unwrap_or_default();
        let sensitive = if v.sensitive { " (sensitive)" } else { "" };
        out += &format!(
            "| `{}` | {}{sensitive} | `{}` | {default} | {} |\n",
            v.name,
            cell(&v.description),
            cell(&v.type_),
            if v.default.is_none() { "yes" } else { "no" }
        );
    }
    out += "\n## Outputs\n\n| Name | Description |\n|---|---|\n";
    for o in blocks(&read("outputs.tf"), "output") {
        out += &format!("| `{}` | {} |\n", o.name, cell(&o.description));
    }
    out
}

/// Each module's README lists its inputs and outputs as its variables.tf and outputs.tf say.
#[test]
fn module_readmes_list_every_input_and_output() {
    const BEGIN_MODULE: &str = "<!-- BEGIN_TF_DOCS -->\n";
    const END_MODULE: &str = "<!-- END_TF_DOCS -->";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../modules");
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let path = entry.path().join("README.md");
        let page = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
        let (head, rest) = page
            .split_once(BEGIN_MODULE)
            .unwrap_or_else(|| panic!("{} has no {BEGIN_MODULE:?} marker", path.display()));
        let tail = rest.split_once(END_MODULE).map(|(_, t)| t).unwrap_or("\n");
        let docs = module_docs(&entry.path());
        assert!(
            docs.contains("| yes |") || docs.contains("| no |"),
            "{}: no inputs read",
            path.display()
        );
        let fresh = format!("{head}{BEGIN_MODULE}{docs}{END_MODULE}{tail}");
        if fresh != page {
            if std::env::var_os("UPDATE_DOCS").is_some() {
                std::fs::write(&path, fresh).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "module READMEs out of date (run UPDATE_DOCS=1 cargo test --test docs): {stale:?}"
    );
}
