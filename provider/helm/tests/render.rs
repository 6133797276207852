//! `helm template` behaviour, chart by chart: each test writes a small chart exercising one
//! of Helm's rules and checks what the engine prints, reasoned from Helm's documented
//! behaviour (and its source, v3.21).

use std::collections::BTreeMap;
use std::path::Path;

use circleci_helm::{RenderError, RenderOptions, chart, render, user_values};

fn write_chart(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn template(files: &[(&str, &str)], values: &[&str]) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    write_chart(dir.path(), files);
    let chart = chart::load_dir(dir.path()).map_err(|e| e.to_string())?;
    let docs: Vec<String> = values.iter().map(|s| s.to_string()).collect();
    let vals = user_values(&docs, &BTreeMap::new()).map_err(|e| e.to_string())?;
    let out = render(&chart, &vals, &RenderOptions::default()).map_err(|e| e.to_string())?;
    Ok(out.template_output(false, false))
}

const CHART: &str = "apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: \"9.9\"\n";

#[test]
fn documents_are_printed_with_their_source_in_install_order() {
    let out = template(
        &[
            ("Chart.yaml", CHART),
            ("templates/a-deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\n"),
            ("templates/b-sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n"),
            ("templates/_helpers.tpl", "{{ define \"x\" }}unused{{ end }}"),
            ("templates/empty.yaml", "{{- if false }}\nkind: Never\n{{- end }}\n"),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        out,
        "---\n# Source: app/templates/b-sa.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n\
         ---\n# Source: app/templates/b-sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n\
         ---\n# Source: app/templates/a-deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: release-name-web\n"
    );
}

#[test]
fn release_chart_and_template_objects_are_as_helm_sets_them() {
    let out = template(
        &[
            ("Chart.yaml", CHART),
            (
                "templates/cm.yaml",
                "kind: ConfigMap\ndata:\n  r: {{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Release.Revision }}/{{ .Release.IsInstall }}/{{ .Release.Service }}\n  c: {{ .Chart.Name }}-{{ .Chart.Version }}-{{ .Chart.AppVersion }}-{{ .Chart.IsRoot }}\n  t: {{ .Template.Name }} {{ .Template.BasePath }}\n  k: {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.APIVersions.Has \"apps/v1\" }} {{ .Capabilities.APIVersions.Has \"nope/v9\" }}\n  missing: \"{{ .Values.nothing }}\"\n",
            ),
        ],
        &[],
    )
    .unwrap();
    assert!(out.contains("r: release-name/default/1/true/Helm\n"), "{out}");
    assert!(out.contains("c: app-1.2.3-9.9-true\n"), "{out}");
    assert!(out.contains("t: app/templates/cm.yaml app/templates\n"), "{out}");
    assert!(out.contains("k: v1.20.0 true false\n"), "{out}");
    // missingkey=zero prints <no value>, which Helm removes.
    assert!(out.contains("missing: \"\"\n"), "{out}");
}

#[test]
fn user_values_coalesce_over_defaults_maps_merge_lists_replace_and_null_deletes() {
    let out = template(
        &[
            ("Chart.yaml", CHART),
            ("values.yaml", "image:\n  repo: nginx\n  tag: \"1.0\"\nports: [80, 443]\ndrop: me\nenabled: yes\n"),
            (
                "templates/cm.yaml",
                "kind: ConfigMap\ndata:\n  image: {{ .Values.image.repo }}:{{ .Values.image.tag }}\n  ports: {{ .Values.ports }}\n  drop: {{ hasKey .Values \"drop\" }}\n  enabled: {{ .Values.enabled }}\n  big: {{ .Values.big }}\n",
            ),
        ],
        &["image:\n  tag: \"2.0\"\nports: [8080]\ndrop: null\n", "big: 1000000\n"],
    )
    .unwrap();
    assert!(out.contains("image: nginx:2.0\n"), "{out}");
    assert!(out.contains("ports: [8080]\n"), "{out}");
    assert!(out.contains("drop: false\n"), "{out}");
    // YAML 1.1: `yes` is a boolean; numbers are float64, so a million prints as Go prints it.
    assert!(out.contains("enabled: true\n"), "{out}");
    assert!(out.contains("big: 1e+06\n"), "{out}");
}

#[test]
fn subcharts_get_their_values_the_parents_globals_and_their_own_source_paths() {
    let out = template(
        &[
            ("Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: db\n  version: \">=0.1.0\"\n"),
            ("values.yaml", "global:\n  domain: example.com\ndb:\n  size: 10\n"),
            ("templates/cm.yaml", "kind: ConfigMap\nmetadata:\n  name: parent\ndata:\n  dbsize: \"{{ .Values.db.size }}\"\n  sub: {{ .Subcharts.db.Chart.Name }}\n"),
            ("charts/db/Chart.yaml", "apiVersion: v2\nname: db\nversion: 0.2.0\n"),
            ("charts/db/values.yaml", "size: 1\nuser: admin\nglobal:\n  domain: db.local\n  own: kept\n"),
            (
                "charts/db/templates/svc.yaml",
                "kind: Service\nmetadata:\n  name: {{ .Chart.Name }}\ndata:\n  size: \"{{ .Values.size }}\"\n  user: {{ .Values.user }}\n  domain: {{ .Values.global.domain }}\n  own: {{ .Values.global.own }}\n  root: {{ .Chart.IsRoot }}\n",
            ),
        ],
        &["db:\n  user: root\n"],
    )
    .unwrap();
    assert!(out.contains("# Source: app/charts/db/templates/svc.yaml\n"), "{out}");
    assert!(
        out.contains("size: \"10\"\n  user: root\n  domain: example.com\n  own: kept\n  root: false\n"),
        "{out}"
    );
    assert!(out.contains("dbsize: \"10\"\n  sub: db\n"), "{out}");
    // ConfigMap before Service (install order), whatever the chart.
    assert!(out.find("kind: ConfigMap").unwrap() < out.find("kind: Service").unwrap());
}

#[test]
fn conditions_and_tags_switch_subcharts_and_alias_renames_them() {
    let files = [
        (
            "Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 0.1.0\n  condition: sub.enabled\n- name: sub\n  version: 0.1.0\n  alias: second\n  tags: [extra]\n",
        ),
        ("values.yaml", "sub:\n  enabled: false\ntags:\n  extra: true\n"),
        ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
        (
            "charts/sub/templates/cm.yaml",
            "kind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n",
        ),
    ];
    let out = template(&files, &[]).unwrap();
    assert!(!out.contains("app/charts/sub/templates"), "{out}");
    assert!(
        out.contains("# Source: app/charts/second/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: second\n"),
        "{out}"
    );
    let out = template(&files, &["sub:\n  enabled: true\ntags:\n  extra: false\n"]).unwrap();
    assert!(out.contains("app/charts/sub/templates/cm.yaml"), "{out}");
    assert!(!out.contains("second"), "{out}");
}

#[test]
fn import_values_bring_a_subcharts_exports_into_the_parent() {
    let out = template(
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: lib\n  version: 0.1.0\n  import-values:\n  - data\n  - child: settings\n    parent: imported\n",
            ),
            ("charts/lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 0.1.0\n"),
            ("charts/lib/values.yaml", "exports:\n  data:\n    port: 5432\nsettings:\n  mode: fast\n"),
            ("templates/cm.yaml", "kind: ConfigMap\ndata:\n  port: \"{{ .Values.port }}\"\n  mode: {{ .Values.imported.mode }}\n"),
        ],
        &[],
    )
    .unwrap();
    assert!(out.contains("port: \"5432\"\n  mode: fast\n"), "{out}");
}

#[test]
fn a_parents_define_wins_over_a_subcharts_and_library_charts_only_lend_templates() {
    let out = template(
        &[
            ("Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: common\n  version: 0.1.0\n"),
            ("templates/_names.tpl", "{{ define \"common.name\" }}from-parent{{ end }}"),
            ("templates/cm.yaml", "kind: ConfigMap\ndata:\n  name: {{ include \"common.name\" . }}\n  label: {{ include \"common.label\" . | trim }}\n"),
            ("charts/common/Chart.yaml", "apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n"),
            ("charts/common/templates/_names.tpl", "{{ define \"common.name\" }}from-library{{ end }}\n{{ define \"common.label\" }}  lib-{{ .Chart.Name }}  {{ end }}"),
            ("charts/common/templates/cm.yaml", "kind: ConfigMap\nmetadata:\n  name: never-rendered\n"),
        ],
        &[],
    )
    .unwrap();
    assert!(out.contains("name: from-parent\n  label: lib-app\n"), "{out}");
    assert!(!out.contains("never-rendered"), "{out}");
}

#[test]
fn tpl_renders_values_as_templates_and_can_include() {
    let out = template(
        &[
            ("Chart.yaml", CHART),
            ("values.yaml", "host: \"{{ .Release.Name }}.{{ .Values.domain }}\"\ndomain: example.com\n"),
            ("templates/_h.tpl", "{{ define \"h\" }}[{{ . }}]{{ end }}"),
            ("templates/cm.yaml", "kind: ConfigMap\ndata:\n  host: {{ tpl .Values.host . }}\n  inc: {{ tpl \"{{ include \\\"h\\\" .Values.domain }}\" . }}\n"),
        ],
        &[],
    )
    .unwrap();
    assert!(
        out.contains("host: release-name.example.com\n  inc: [example.com]\n"),
        "{out}"
    );
}

#[test]
fn to_yaml_and_to_toml_write_values_as_helm_does() {
    let out = template(
        &[
            ("Chart.yaml", CHART),
            ("values.yaml", "cfg:\n  b: [1, two]\n  a: \"yes\"\n"),
            ("templates/cm.yaml", "kind: ConfigMap\ndata:\n  y: |\n    {{- toYaml .Values.cfg | nindent 4 }}\n  t: |\n    {{- toToml .Values.cfg | nindent 4 }}\n"),
        ],
        &[],
    )
    .unwrap();
    // go-yaml quotes a string YAML 1.1 would read as a boolean; lists sit under their key.
    assert!(
        out.contains("  y: |\n    a: \"yes\"\n    b:\n    - 1\n    - two\n"),
        "{out}"
    );
    // Values are float64, which TOML writes with a fraction.
    assert!(
        out.contains("  t: |\n    a = \"yes\"\n    b = [1.0, \"two\"]\n"),
        "{out}"
    );
}

#[test]
fn files_are_read_globbed_and_turned_into_config() {
    let out = template(
        &[
            ("Chart.yaml", CHART),
            ("files/a.conf", "alpha\n"),
            ("files/b.conf", "beta"),
            ("files/sub/c.txt", "one\ntwo\n"),
            (
                "templates/cm.yaml",
                "kind: ConfigMap\ndata:\n  a: {{ .Files.Get \"files/a.conf\" | trim }}\n  none: \"{{ .Files.Get \"missing\" }}\"\n  lines: {{ .Files.Lines \"files/sub/c.txt\" | join \",\" }}\n  globbed: {{ range $p, $_ := .Files.Glob \"files/*.conf\" }}{{ $p }} {{ end }}\n  deep: {{ len (.Files.Glob \"files/**\") }}\n",
            ),
        ],
        &[],
    )
    .unwrap();
    assert!(
        out.contains("a: alpha\n  none: \"\"\n  lines: one,two\n  globbed: files/a.conf files/b.conf \n  deep: 3\n"),
        "{out}"
    );
}

#[test]
fn hooks_are_kept_apart_after_the_release_documents_and_tests_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write_chart(
        dir.path(),
        &[
            ("Chart.yaml", CHART),
            (
                "templates/job.yaml",
                "kind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,Hook-Succeeded\n",
            ),
            (
                "templates/tests/t.yaml",
                "kind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\n",
            ),
            (
                "templates/odd.yaml",
                "kind: Pod\nmetadata:\n  name: odd\n  annotations:\n    helm.sh/hook: sometime\n",
            ),
            (
                "templates/svc.yaml",
                "kind: Service\nmetadata:\n  name: web\n  annotations:\n    other: x\n",
            ),
            ("templates/NOTES.txt", "Installed {{ .Release.Name }}."),
        ],
    );
    let chart = chart::load_dir(dir.path()).unwrap();
    let out = render(&chart, &Default::default(), &RenderOptions::default()).unwrap();
    assert_eq!(out.manifests.len(), 1);
    assert_eq!(out.manifests[0].name, "web");
    assert_eq!(out.notes, "Installed release-name.");
    let migrate = out.hooks.iter().find(|h| h.manifest.name == "migrate").unwrap();
    assert_eq!(migrate.weight, -5);
    assert_eq!(migrate.delete_policies, vec!["before-hook-creation", "hook-succeeded"]);
    assert_eq!(migrate.events.len(), 2);
    // A hook for an unknown event is dropped, as Helm does.
    assert!(!out.hooks.iter().any(|h| h.manifest.name == "odd"));
    let printed = out.template_output(false, false);
    assert!(
        printed.starts_with("---\n# Source: app/templates/svc.yaml\n"),
        "{printed}"
    );
    assert!(printed.contains("# Source: app/templates/tests/t.yaml\n"), "{printed}");
    assert!(!printed.contains("Installed"), "notes are not printed: {printed}");
    assert!(!out.template_output(false, true).contains("smoke"));
    // As the release record stores it (Helm's field names; not yet run).
    let record = serde_json::to_value(migrate.to_record()).unwrap();
    assert_eq!(record["name"], "migrate");
    assert_eq!(record["kind"], "Job");
    assert_eq!(record["path"], "app/templates/job.yaml");
    assert_eq!(record["events"], serde_json::json!(["pre-install", "pre-upgrade"]));
    assert_eq!(record["weight"], -5);
    assert_eq!(
        record["delete_policies"],
        serde_json::json!(["before-hook-creation", "hook-succeeded"])
    );
}

#[test]
fn crds_are_not_templated_and_come_first_only_when_included() {
    let dir = tempfile::tempdir().unwrap();
    write_chart(
        dir.path(),
        &[
            ("Chart.yaml", CHART),
            (
                "crds/thing.yaml",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com # {{ not templated }}\n",
            ),
            ("templates/cm.yaml", "kind: ConfigMap\nmetadata:\n  name: c\n"),
        ],
    );
    let chart = chart::load_dir(dir.path()).unwrap();
    let out = render(&chart, &Default::default(), &RenderOptions::default()).unwrap();
    assert_eq!(out.crds.len(), 1);
    assert_eq!(out.crds[0].name, "things.example.com");
    let with = out.template_output(true, false);
    assert!(
        with.starts_with("---\n# Source: app/crds/thing.yaml\napiVersion: apiextensions.k8s.io/v1\n"),
        "{with}"
    );
    assert!(with.contains("{{ not templated }}"));
    assert!(!out.template_output(false, false).contains("things.example.com"));
}

#[test]
fn required_and_fail_name_the_template_file_line_and_column() {
    let err = template(
        &[
            ("Chart.yaml", CHART),
            (
                "templates/cm.yaml",
                "kind: ConfigMap\ndata:\n  x: {{ required \"set .Values.x\" .Values.x }}\n",
            ),
        ],
        &[],
    )
    .unwrap_err();
    assert_eq!(err, "execution error at (app/templates/cm.yaml:3:8): set .Values.x");
    let err = template(
        &[
            ("Chart.yaml", CHART),
            ("templates/cm.yaml", "\n{{ if true }}{{ fail \"nope\" }}{{ end }}\n"),
        ],
        &[],
    )
    .unwrap_err();
    assert_eq!(err, "execution error at (app/templates/cm.yaml:2:16): nope");
}

#[test]
fn a_template_that_does_not_parse_names_its_file_and_line() {
    let err = template(
        &[
            ("Chart.yaml", CHART),
            ("templates/cm.yaml", "kind: ConfigMap\n\n{{ nosuchfunc 1 }}\n"),
        ],
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err,
        "parse error at (app/templates/cm.yaml:3): function \"nosuchfunc\" not defined"
    );
}

#[test]
fn values_refused_by_the_schema_name_the_chart_and_key() {
    let err = template(
        &[
            ("Chart.yaml", CHART),
            ("values.schema.json", r#"{"type":"object","required":["domain"],"properties":{"replicas":{"type":"integer","minimum":1},"domain":{"type":"string"}}}"#),
            ("templates/cm.yaml", "kind: ConfigMap\n"),
        ],
        &["replicas: two\n"],
    )
    .unwrap_err();
    assert_eq!(
        err,
        "values don't meet the specifications of the schema(s) in the following chart(s):\napp:\n- at '': missing property 'domain'\n- at '/replicas': got string, want integer\n"
    );
}

#[test]
fn a_chart_yaml_without_version_a_missing_dependency_and_kube_version_are_refused() {
    let err = template(&[("Chart.yaml", "apiVersion: v2\nname: app\n")], &[]).unwrap_err();
    assert_eq!(err, "Chart.yaml: validation: chart.metadata.version is required");
    let err = template(
        &[(
            "Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: redis\n  version: 1.x\n",
        )],
        &[],
    )
    .unwrap_err();
    assert!(
        err.ends_with("found in Chart.yaml, but missing in charts/ directory: redis"),
        "{err}"
    );
    let err = template(
        &[(
            "Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\nkubeVersion: \">=1.25.0-0\"\n",
        )],
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err,
        "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.20.0"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = chart::load_dir(dir.path()).unwrap_err().to_string();
    assert!(
        err.ends_with("is not a Helm chart: Chart.yaml file is missing"),
        "{err}"
    );
}

#[test]
fn an_archive_loads_as_the_directory_does_with_archived_subcharts() {
    fn tgz(top: &str, files: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (name, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, format!("{top}/{name}"), text.as_bytes())
                .unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }
    let sub = tgz(
        "db",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: db\nversion: 0.1.0\n"),
            ("templates/s.yaml", "kind: Service\nmetadata:\n  name: db\n"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    write_chart(
        dir.path(),
        &[
            ("Chart.yaml", CHART),
            ("templates/cm.yaml", "kind: ConfigMap\nmetadata:\n  name: c\n"),
        ],
    );
    std::fs::create_dir_all(dir.path().join("charts")).unwrap();
    std::fs::write(dir.path().join("charts/db-0.1.0.tgz"), &sub).unwrap();
    let from_dir = chart::load_dir(dir.path()).unwrap();
    let out = render(&from_dir, &Default::default(), &RenderOptions::default()).unwrap();
    assert_eq!(
        out.manifests.iter().map(|m| m.source.as_str()).collect::<Vec<_>>(),
        vec!["app/templates/cm.yaml", "app/charts/db/templates/s.yaml"]
    );

    let archive = tgz(
        "app",
        &[
            ("Chart.yaml", CHART),
            ("templates/cm.yaml", "kind: ConfigMap\nmetadata:\n  name: c\n"),
        ],
    );
    let from_archive = chart::load_archive(&archive).unwrap();
    assert_eq!(from_archive.metadata.name, "app");
    assert_eq!(from_archive.templates.len(), 1);
    let err = chart::load_archive(b"not gzip").unwrap_err().to_string();
    assert!(
        err.starts_with("the archive is not a Helm chart: not a gzip archive"),
        "{err}"
    );
}

#[test]
fn set_values_nest_by_dots_and_are_typed_as_helm_types_them() {
    let set = BTreeMap::from([
        ("image.tag".to_string(), "v2,with,commas".to_string()),
        ("replicas".to_string(), "3".to_string()),
        ("debug".to_string(), "true".to_string()),
        ("zip".to_string(), "007".to_string()),
    ]);
    let v = user_values(&["image:\n  repo: r\n".to_string()], &set).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_chart(
        dir.path(),
        &[
            ("Chart.yaml", CHART),
            (
                "templates/cm.yaml",
                "kind: ConfigMap\ndata:\n  x: {{ .Values.image.repo }}:{{ .Values.image.tag }} {{ add .Values.replicas 1 }} {{ kindOf .Values.debug }} {{ kindOf .Values.zip }}\n",
            ),
        ],
    );
    let chart = chart::load_dir(dir.path()).unwrap();
    let out = render(&chart, &v, &RenderOptions::default()).unwrap();
    assert!(
        out.manifests[0].content.contains("x: r:v2,with,commas 4 bool string"),
        "{}",
        out.manifests[0].content
    );
    assert!(matches!(
        user_values(&["- a list".to_string()], &BTreeMap::new()),
        Err(RenderError::UserValues { index: 0, .. })
    ));
}

// Go's maps are references, and Helm hands templates its maps themselves: the chart's scope
// (`$`) is one map for all the chart's templates, `.Values` one map through the render (a
// subchart's is its parent's `.Values.NAME`), and `include`/`tpl` pass their argument on.

#[test]
fn set_on_a_map_passed_to_include_or_tpl_is_seen_by_the_caller() {
    let out = template(
        &[
            ("Chart.yaml", CHART),
            ("values.yaml", "image:\n  tag: v1\n"),
            (
                "templates/_helpers.tpl",
                "{{ define \"app.init\" }}{{ $_ := set . \"initialized\" \"yes\" }}{{ $_ := set .Values \"computed\" (printf \"%s-x\" .Release.Name) }}{{ $_ := set .Values.image \"full\" (printf \"nginx:%s\" .Values.image.tag) }}{{ end }}\
                 {{ define \"app.bump\" }}{{ $_ := set . \"n\" (add .n 1) }}{{ $_ := unset . \"gone\" }}{{ end }}",
            ),
            (
                "templates/cm.yaml",
                "{{- include \"app.init\" . -}}\n{{- $ctx := dict \"n\" 1 \"gone\" true -}}\n{{- include \"app.bump\" $ctx -}}{{- include \"app.bump\" $ctx -}}\n{{- tpl \"{{ $_ := set . \\\"viaTpl\\\" 1 }}\" .Values -}}\n\
                 kind: ConfigMap\ndata:\n  init: {{ .initialized }}\n  computed: {{ .Values.computed }}\n  full: {{ .Values.image.full }}\n  n: \"{{ $ctx.n }} {{ hasKey $ctx \"gone\" }}\"\n  tpl: \"{{ .Values.viaTpl }}\"\n",
            ),
        ],
        &[],
    )
    .unwrap();
    assert!(
        out.contains(
            "data:\n  init: yes\n  computed: release-name-x\n  full: nginx:v1\n  n: \"3 false\"\n  tpl: \"1\"\n"
        ),
        "{out}"
    );
}

#[test]
fn set_on_dollar_and_values_is_seen_by_the_templates_rendered_later_in_helms_order() {
    // Helm renders deepest paths first, then in reverse name order: the subchart's svc.yaml,
    // then z-set.yaml, then a-read.yaml.
    let out = template(
        &[
            ("Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: db\n  version: \">=0.1.0\"\n"),
            ("values.yaml", "db:\n  size: 10\n"),
            (
                "templates/z-set.yaml",
                "{{- $_ := set $ \"x\" 1 -}}{{- $_ := set .Values \"fromZ\" \"set by z\" -}}\nkind: ConfigMap\nmetadata:\n  name: z\ndata:\n  x: \"{{ $.x }}\"\n  early: \"{{ .early }}\"\n",
            ),
            (
                "templates/a-read.yaml",
                "kind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: \"{{ $.x }}\"\n  fromZ: {{ .Values.fromZ }}\n  fromSub: {{ .Values.db.fromSub }}\n  subScope: {{ .Subcharts.db.mark }}\n  subValues: {{ .Subcharts.db.Values.fromSub }}\n  template: {{ .Template.Name }}\n",
            ),
            ("charts/db/Chart.yaml", "apiVersion: v2\nname: db\nversion: 0.2.0\n"),
            (
                "charts/db/templates/svc.yaml",
                "{{- $_ := set .Values \"fromSub\" (printf \"size %v\" .Values.size) -}}{{- $_ := set $ \"mark\" \"db scope\" -}}\nkind: Service\nmetadata:\n  name: db\ndata:\n  fromZ: \"{{ .Values.fromZ }}\"\n",
            ),
        ],
        &[],
    )
    .unwrap();
    assert!(out.contains("name: z\ndata:\n  x: \"1\"\n  early: \"\"\n"), "{out}");
    assert!(
        out.contains(
            "name: a\ndata:\n  x: \"1\"\n  fromZ: set by z\n  fromSub: size 10\n  subScope: db scope\n  subValues: size 10\n  template: app/templates/a-read.yaml\n"
        ),
        "{out}"
    );
    // The subchart rendered first, before z set anything.
    assert!(out.contains("name: db\ndata:\n  fromZ: \"\"\n"), "{out}");
}

#[test]
fn what_templates_change_stays_in_their_render() {
    let dir = tempfile::tempdir().unwrap();
    write_chart(
        dir.path(),
        &[
            ("Chart.yaml", CHART),
            ("values.yaml", "count: 1\nimage:\n  tag: v1\n"),
            (
                "templates/cm.yaml",
                "{{- $_ := set .Values \"count\" (add1 .Values.count) -}}{{- $_ := set .Values.image \"tag\" (printf \"%s-x\" .Values.image.tag) -}}{{- $_ := set .Values.user \"seen\" true -}}\nkind: ConfigMap\ndata:\n  v: {{ .Values.count }} {{ .Values.image.tag }} {{ .Values.user.seen }}\n",
            ),
        ],
    );
    let chart = chart::load_dir(dir.path()).unwrap();
    let vals = user_values(&["user:\n  name: me\n".to_string()], &BTreeMap::new()).unwrap();
    for _ in 0..2 {
        let out = render(&chart, &vals, &RenderOptions::default()).unwrap();
        assert!(
            out.manifests[0].content.contains("v: 2 v1-x true"),
            "{}",
            out.manifests[0].content
        );
        // `values` is what the templates were given.
        assert_eq!(out.values["count"], circleci_gotemplate::Value::Float(1.0));
        let circleci_gotemplate::Value::Map(user) = &out.values["user"] else {
            panic!("{:?}", out.values)
        };
        assert!(!user.contains_key("seen"));
    }
    let circleci_gotemplate::Value::Map(user) = &vals["user"] else {
        panic!("{vals:?}")
    };
    assert_eq!(user.keys(), ["name"]);
}
