//! Bad charts and values give diagnostics, never a panic: arbitrary text as Chart.yaml, as
//! values, as a template, and as an archive.

use circleci_helm::chart::{File, load_archive, load_files};
use circleci_helm::{RenderOptions, render, user_values};
use proptest::prelude::*;

fn chart(chart_yaml: &str, values: &str, template: &str) -> Vec<File> {
    vec![
        File {
            name: "Chart.yaml".into(),
            data: chart_yaml.as_bytes().to_vec(),
        },
        File {
            name: "values.yaml".into(),
            data: values.as_bytes().to_vec(),
        },
        File {
            name: "templates/t.yaml".into(),
            data: template.as_bytes().to_vec(),
        },
    ]
}

const GOOD_CHART: &str = "apiVersion: v2\nname: c\nversion: 1.0.0\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_template_text_renders_or_fails_cleanly(t in "(\\{\\{|\\}\\}|[ -~\\n]|include|tpl|\\.Values|range|end|define|\"){0,40}") {
        let c = load_files(chart(GOOD_CHART, "a: 1\n", &t)).unwrap();
        let _ = render(&c, &Default::default(), &RenderOptions::default());
    }

    #[test]
    fn any_chart_yaml_loads_or_fails_cleanly(y in "([ -~\\n]|: |- |name|version|dependencies|\\{|\\[){0,60}") {
        if let Ok(c) = load_files(chart(&y, "", "kind: A\n")) {
            let _ = render(&c, &Default::default(), &RenderOptions::default());
        }
    }

    #[test]
    fn any_values_text_is_a_map_or_a_clear_error(v in "([ -~\\n]|: |- |&a|\\*a|<<|\\{|\\[){0,60}") {
        if let Ok(vals) = user_values(std::slice::from_ref(&v), &Default::default()) {
            let c = load_files(chart(GOOD_CHART, &v, "x: {{ toYaml .Values }}\n")).unwrap_or_else(|_| load_files(chart(GOOD_CHART, "", "x: 1\n")).unwrap());
            let _ = render(&c, &vals, &RenderOptions::default());
        }
    }

    #[test]
    fn any_bytes_as_an_archive_fail_cleanly(b in proptest::collection::vec(any::<u8>(), 0..200)) {
        prop_assert!(load_archive(&b).is_err());
    }
}

#[test]
fn runaway_include_recursion_is_an_error_not_a_stack_overflow() {
    let c = load_files(chart(
        GOOD_CHART,
        "",
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
    ))
    .unwrap();
    let err = render(&c, &Default::default(), &RenderOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nested reference name: loop") || err.contains("exceeded maximum template depth"),
        "{err}"
    );
}
