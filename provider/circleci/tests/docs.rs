//! docs/ mirrors the resource list one to one, and each page's schema section matches the code.

use circleci_tfplugin::Provider;
use circleci_tfplugin::docs::{BEGIN, END, render};
use terraform_provider_circleci::CircleCiProvider;

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
