//! docs/ mirrors the resource list one to one, and each page's schema section matches the code.

use circleci_tfplugin::Provider;
use circleci_tfplugin::docs::{BEGIN, END, render};
use terraform_provider_circleciserver::CircleCiProvider;

/// Resources that cannot be imported (their secrets cannot be read back), so have no import.sh.
const NOT_IMPORTABLE: &[&str] = &["circleciserver_nomad_tls"];

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
        let name = type_name.strip_prefix("circleciserver_").unwrap();
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
        "docs out of date (run UPDATE_DOCS=1 cargo test --test acceptance docs::): {stale:?}"
    );
}

/// One block of a `terraform fmt`-clean file: its label (`variable "NAME"`, `module "NAME"`;
/// empty for `locals`) and its top-level arguments, a multi-line value joined on one line.
/// Not an HCL parser: our modules' and examples' own files are all it reads (and
/// `modules_and_examples_are_terraform_fmt_clean` has Terraform parse them).
struct Block {
    name: String,
    arguments: Vec<(String, String)>,
}

impl Block {
    fn argument(&self, key: &str) -> Option<&str> {
        self.arguments.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The `keyword` blocks (`variable`, `output`, `module`, `locals`) of a file.
fn blocks(text: &str, keyword: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut lines = text.lines();
    let depth_change =
        |line: &str| line.matches(['{', '[', '(']).count() as i64 - line.matches(['}', ']', ')']).count() as i64;
    while let Some(line) = lines.next() {
        let name = if keyword == "locals" {
            if line != "locals {" {
                continue;
            }
            ""
        } else {
            let Some(name) = line
                .strip_prefix(&format!("{keyword} \""))
                .and_then(|rest| rest.strip_suffix("\" {"))
            else {
                continue;
            };
            name
        };
        let mut block = Block {
            name: name.to_string(),
            arguments: Vec::new(),
        };
        let mut depth = 1;
        while depth > 0 {
            let line = lines.next().expect("unterminated block");
            let trimmed = line.trim();
            if depth == 1
                && !trimmed.starts_with('#')
                && let Some((key, value)) = trimmed.split_once(" = ")
            {
                let mut value = value.to_string();
                let mut inner = depth_change(&value);
                while inner > 0 {
                    let more = lines.next().expect("unterminated value").trim();
                    inner += depth_change(more);
                    value = format!("{value} {more}");
                }
                block.arguments.push((key.trim().to_string(), value));
                continue;
            }
            depth += depth_change(trimmed);
        }
        found.push(block);
    }
    found
}

/// One `variable` or `output` block of a module, as its README lists it.
struct Item {
    name: String,
    description: String,
    type_: String,
    default: Option<String>,
    sensitive: bool,
}

fn items(text: &str, keyword: &str) -> Vec<Item> {
    blocks(text, keyword)
        .into_iter()
        .map(|block| Item {
            description: block
                .argument("description")
                .map(|d| serde_json::from_str(d).expect("description is one string"))
                .unwrap_or_default(),
            type_: block.argument("type").unwrap_or_default().to_string(),
            default: block.argument("default").map(str::to_string),
            sensitive: block.argument("sensitive") == Some("true"),
            name: block.name,
        })
        .collect()
}

fn module_docs(dir: &std::path::Path) -> String {
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    let cell = |text: &str| text.replace('|', "\\|");
    let mut out =
        String::from("## Inputs\n\n| Name | Description | Type | Default | Required |\n|---|---|---|---|---|\n");
    for v in items(&read("variables.tf"), "variable") {
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
    for o in items(&read("outputs.tf"), "output") {
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
        "module READMEs out of date (run UPDATE_DOCS=1 cargo test --test acceptance docs::): {stale:?}"
    );
}

/// What is wrong with one call (`caller` shown) of one of our modules (`module` shown, with its
/// `variables`): arguments it does not declare, and variables it requires that are not passed.
fn module_call_problems(call: &Block, variables: &[Item], caller: &str, module: &str) -> Vec<String> {
    const META_ARGUMENTS: &[&str] = &["source", "version", "providers", "depends_on", "count", "for_each"];
    let mut problems = Vec::new();
    for (key, _) in &call.arguments {
        if !META_ARGUMENTS.contains(&key.as_str()) && !variables.iter().any(|v| &v.name == key) {
            problems.push(format!(
                "{caller}: module {:?} passes {key}, which {module} does not declare",
                call.name
            ));
        }
    }
    for required in variables.iter().filter(|v| v.default.is_none()) {
        if call.argument(&required.name).is_none() {
            problems.push(format!(
                "{caller}: module {:?} does not pass {}, which {module} requires",
                call.name, required.name
            ));
        }
    }
    problems
}

/// Every module in modules/ and every root module in examples/ (a folder with a main.tf): each
/// `var.NAME`, `local.NAME` and `module.NAME.OUTPUT` it uses is declared, and each call of one
/// of our modules (`source = "../…"`) passes only variables that module declares and every one
/// it requires. `terraform validate` checks this too, but only where every provider a module
/// uses can be installed: hashicorp/google cannot be here, so for modules/gcp-cluster and
/// examples/gcp-complete this (and `terraform fmt`) is the whole check.
#[test]
fn module_calls_and_references_match_what_they_name() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The module's *.tf files as one text, comment lines left out.
    let read_module = |dir: &std::path::Path| -> String {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        files
            .iter()
            .flat_map(|f| {
                std::fs::read_to_string(f)
                    .unwrap()
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .filter(|line| !line.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let names =
        |text: &str, keyword: &str| -> Vec<String> { blocks(text, keyword).into_iter().map(|b| b.name).collect() };
    let reference =
        |prefix: &str| regex::Regex::new(&format!(r"\b{prefix}\.([a-z_][a-z0-9_]*)(?:\.([a-z_][a-z0-9_]*))?")).unwrap();
    let (var_ref, local_ref, module_ref) = (reference("var"), reference("local"), reference("module"));

    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(repo.join("modules")).unwrap().flatten() {
        dirs.push(entry.path());
    }
    for entry in std::fs::read_dir(repo.join("examples")).unwrap().flatten() {
        if entry.path().join("main.tf").exists() {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    let mut problems = Vec::new();
    let mut calls_checked = 0;
    for dir in &dirs {
        let text = read_module(dir);
        let shown = dir.strip_prefix(&repo).unwrap().display().to_string();
        let variables = names(&text, "variable");
        let locals: Vec<String> = blocks(&text, "locals")
            .into_iter()
            .flat_map(|b| b.arguments.into_iter().map(|(key, _)| key))
            .collect();
        for name in var_ref.captures_iter(&text).map(|c| c[1].to_string()) {
            if !variables.contains(&name) {
                problems.push(format!("{shown}: var.{name} is not declared"));
            }
        }
        for name in local_ref.captures_iter(&text).map(|c| c[1].to_string()) {
            if !locals.contains(&name) {
                problems.push(format!("{shown}: local.{name} is not declared"));
            }
        }
        let calls = blocks(&text, "module");
        for capture in module_ref.captures_iter(&text) {
            let (name, output) = (&capture[1], capture.get(2).map_or("", |m| m.as_str()));
            let Some(call) = calls.iter().find(|c| c.name == name) else {
                problems.push(format!("{shown}: module.{name} is not called"));
                continue;
            };
            let source: String = serde_json::from_str(call.argument("source").unwrap_or("\"\"")).unwrap();
            if source.starts_with("../")
                && !names(&read_module(&dir.join(&source)), "output")
                    .iter()
                    .any(|o| o == output)
            {
                problems.push(format!("{shown}: module.{name}.{output}: {source} has no such output"));
            }
        }
        for call in &calls {
            let source: String = serde_json::from_str(call.argument("source").expect("module has a source")).unwrap();
            if !source.starts_with("../") {
                continue;
            }
            calls_checked += 1;
            let variables = items(&read_module(&dir.join(&source)), "variable");
            problems.extend(module_call_problems(call, &variables, &shown, &source));
        }
    }
    assert!(
        calls_checked >= 6,
        "only {calls_checked} module calls found in {dirs:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// docs/index.md and the guides: each `<!-- example: PATH -->` holds the file at PATH as it is
/// (the provider snippets are files under examples/provider/ that `examples.rs` validates), and
/// each call of one of our modules in a guide's code passes only variables the module declares
/// and every one it requires.
#[test]
fn provider_page_and_guides_show_real_files_and_modules_as_they_are() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let mut pages = vec![docs.join("index.md")];
    pages.extend(
        std::fs::read_dir(docs.join("guides"))
            .unwrap()
            .flatten()
            .map(|e| e.path()),
    );
    pages.sort();
    let mut stale = Vec::new();
    let mut problems = Vec::new();
    let mut calls_checked = 0;
    for path in &pages {
        let page = std::fs::read_to_string(path).unwrap();
        let fresh = fill_examples(&page, path, &mut problems);
        if fresh != page {
            if std::env::var_os("UPDATE_DOCS").is_some() {
                std::fs::write(path, &fresh).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
        let code: String = fresh
            .split("```hcl\n")
            .skip(1)
            .filter_map(|block| block.split_once("```").map(|(code, _)| code))
            .collect();
        for call in blocks(&code, "module") {
            let source: String = serde_json::from_str(call.argument("source").unwrap_or("\"\"")).unwrap();
            let Some((_, module)) = source.split_once("//modules/") else {
                continue;
            };
            calls_checked += 1;
            let variables = items(
                &std::fs::read_to_string(docs.join("../modules").join(module).join("variables.tf")).unwrap(),
                "variable",
            );
            let shown = path.file_name().unwrap().to_string_lossy();
            problems.extend(module_call_problems(
                &call,
                &variables,
                &shown,
                &format!("modules/{module}"),
            ));
        }
    }
    assert!(
        calls_checked >= 2,
        "only {calls_checked} module calls found in the guides"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        stale.is_empty(),
        "pages out of date (run UPDATE_DOCS=1 cargo test --test acceptance docs::): {stale:?}"
    );
}
