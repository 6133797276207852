//! Acceptance tests of `data "circleciserver_chart_template"` (the provider's `helm template`),
//! driven by Terraform: a chart written here, rendered with values, `set` and a release name;
//! an archive's digest; bad input named by attribute, file and line.

use std::path::{Path, PathBuf};

use acceptance_tests::{Workdir, for_each_terraform, provider_block};

fn provider() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-circleciserver"))
}

/// A chart with a subchart, a helper, a hook and NOTES, written under `dir`.
fn write_chart(dir: &Path) -> PathBuf {
    let root = dir.join("web");
    let files: &[(&str, &str)] = &[
        (
            "Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.3.0\nappVersion: \"2.1\"\ndependencies:\n- name: cache\n  version: 1.x\n  condition: cache.enabled\n",
        ),
        (
            "values.yaml",
            "replicas: 1\nimage:\n  repository: nginx\n  tag: \"1.27\"\ncache:\n  enabled: true\n",
        ),
        (
            "templates/_names.tpl",
            "{{- define \"web.fullname\" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}\n",
        ),
        (
            "templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"web.fullname\" . }}\n  namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n      - image: {{ .Values.image.repository }}:{{ .Values.image.tag }}\n",
        ),
        (
            "templates/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"web.fullname\" . }}\ndata:\n  domain: {{ required \"set domain\" .Values.domain | quote }}\n",
        ),
        (
            "templates/migrate.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n",
        ),
        ("templates/NOTES.txt", "Open https://{{ .Values.domain }}/"),
        (
            "charts/cache/Chart.yaml",
            "apiVersion: v2\nname: cache\nversion: 1.4.0\n",
        ),
        (
            "charts/cache/templates/svc.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-cache\n",
        ),
    ];
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

/// `helm package` of the chart [`write_chart`] wrote under `dir`: its path and bytes.
fn package(dir: &Path) -> (PathBuf, Vec<u8>) {
    let archive = dir.join("web-0.3.0.tgz");
    let status = std::process::Command::new("tar")
        .args(["czf", archive.to_str().unwrap(), "-C", dir.to_str().unwrap(), "web"])
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&archive).unwrap();
    (archive, bytes)
}

fn config(body: &str) -> String {
    format!(
        "{}data \"circleciserver_chart_template\" \"this\" {{\n{body}\n}}\n\
         output \"manifest\" {{ value = data.circleciserver_chart_template.this.manifest }}\n\
         output \"notes\" {{ value = data.circleciserver_chart_template.this.notes }}\n\
         output \"objects\" {{ value = jsonencode(data.circleciserver_chart_template.this.objects) }}\n\
         output \"versions\" {{ value = \"${{data.circleciserver_chart_template.this.chart_version}}/${{data.circleciserver_chart_template.this.app_version}}/${{coalesce(data.circleciserver_chart_template.this.digest, \"none\")}}\" }}\n",
        provider_block("")
    )
}

#[test]
fn renders_a_chart_directory_as_helm_template_prints_it() {
    for_each_terraform(|tf| {
        let charts = tempfile::tempdir().unwrap();
        let chart = write_chart(charts.path());
        let mut wd = Workdir::new(tf, provider());
        wd.step(&config(&format!(
            "  chart        = \"{}\"\n  release_name = \"prod\"\n  namespace    = \"ci\"\n  values       = [\"domain: ci.example.com\\nreplicas: 2\\n\", yamlencode({{ image = {{ tag = \"1.28\" }} }})]\n  set          = {{ \"cache.enabled\" = \"true\" }}",
            chart.display()
        )));
        let manifest = wd.output("manifest");
        assert_eq!(
            manifest,
            "---\n# Source: web/templates/config.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prod-web\ndata:\n  domain: \"ci.example.com\"\n\
             ---\n# Source: web/charts/cache/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: prod-cache\n\
             ---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-web\n  namespace: ci\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - image: nginx:1.28\n\
             ---\n# Source: web/templates/migrate.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n"
        );
        assert_eq!(wd.output("notes"), "Open https://ci.example.com/");
        assert_eq!(wd.output("versions"), "0.3.0/2.1/none");
        let objects: serde_json::Value = serde_json::from_str(&wd.output("objects")).unwrap();
        let kinds: Vec<String> = objects
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                format!(
                    "{}/{}:{}",
                    o["kind"].as_str().unwrap(),
                    o["name"].as_str().unwrap(),
                    o["hook"]
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "ConfigMap/prod-web:false",
                "Service/prod-cache:false",
                "Deployment/prod-web:false",
                "Job/migrate:true"
            ]
        );

        // The subchart switched off by its condition, through `set`.
        wd.step(&config(&format!(
            "  chart  = \"{}\"\n  values = [\"domain: d\"]\n  set    = {{ \"cache.enabled\" = \"false\" }}",
            chart.display()
        )));
        assert!(
            !wd.output("manifest").contains("cache"),
            "the cache subchart is disabled"
        );
    });
}

#[test]
fn an_archive_reports_its_digest() {
    for_each_terraform(|tf| {
        let charts = tempfile::tempdir().unwrap();
        write_chart(charts.path());
        let (archive, bytes) = package(charts.path());
        let hex = acceptance_tests::oci_registry::digest(&bytes);
        let hex = hex.trim_start_matches("sha256:");
        let mut wd = Workdir::new(tf, provider());
        wd.step(&config(&format!(
            "  chart   = \"{}\"\n  version = \"0.3.0\"\n  values  = [\"domain: d\"]",
            archive.display()
        )));
        assert_eq!(wd.output("versions"), format!("0.3.0/2.1/sha256:{hex}"));
        wd.step_expect_error(
            &config(&format!(
                "  chart   = \"{}\"\n  version = \"9.9.9\"\n  values  = [\"domain: d\"]",
                archive.display()
            )),
            r"(?s)holds chart web version 0\.3\.0, not\s+version\s+9\.9\.9",
        );
    });
}

#[test]
fn bad_input_names_the_attribute_the_template_file_or_the_line() {
    for_each_terraform(|tf| {
        let charts = tempfile::tempdir().unwrap();
        let chart = write_chart(charts.path());
        let chart = chart.display();
        let mut wd = Workdir::new(tf, provider());
        let cases = [
            // Checked at plan time, before anything is read.
            (
                format!("  chart  = \"{chart}\"\n  values = [\"domain: d\", \"- not\\n- a map\"]"),
                r"(?s)Values are not a YAML map.*values\[1\]",
            ),
            (
                "  chart = \"oci://registry.example.com/charts/web\"".to_string(),
                r"(?s)Missing chart version.*set version",
            ),
            (
                "  chart = \"oci://registry.example.com/Charts/web\"\n  version = \"1.0.0\"".to_string(),
                r"(?s)Invalid chart reference.*not a repository path",
            ),
            (
                format!("  chart = \"{chart}\"\n  repository_username = \"u\""),
                r"(?s)Incomplete registry credentials.*repository_password",
            ),
            (
                format!("  chart        = \"{chart}\"\n  release_name = \"Prod\""),
                r"(?s)Invalid release name",
            ),
            (
                format!("  chart        = \"{chart}\"\n  kube_version = \"latest\""),
                r"(?s)Invalid Kubernetes version",
            ),
            // Rendering: Helm's own words, naming the template file, line and column.
            (
                format!("  chart = \"{chart}\""),
                r"(?s)execution error at \(web/templates/config\.yaml:6:13\): set domain",
            ),
            (
                format!("  chart = \"{}/nowhere\"", charts.path().display()),
                r"(?s)Cannot load the chart.*nowhere",
            ),
        ];
        for (body, pattern) in cases {
            wd.step_expect_error(&config(&body), pattern);
        }
    });
}

/// The data source's block for the chart pushed as `charts/web:0.3.0` to `host`.
fn oci_config(host: &str, password: &str) -> String {
    config(&format!(
        "  chart               = \"oci://{host}/charts/web\"\n  version             = \"0.3.0\"\n  repository_username = \"{}\"\n  repository_password = \"{password}\"\n  plain_http          = true\n  values              = [\"domain: d\"]",
        acceptance_tests::oci_registry::USERNAME
    ))
}

#[test]
fn pulls_a_chart_from_an_oci_registry_with_basic_auth() {
    use acceptance_tests::oci_registry::{OciRegistry, PASSWORD};
    let registry = OciRegistry::start();
    let charts = tempfile::tempdir().unwrap();
    write_chart(charts.path());
    let pushed = registry.push_chart("charts/web", "0.3.0", &package(charts.path()).1);
    for_each_terraform(|tf| {
        let cache = tempfile::tempdir().unwrap();
        let mut wd = Workdir::new(tf, provider()).env("XDG_CACHE_HOME", cache.path().to_str().unwrap());
        wd.step(&oci_config(&registry.host, PASSWORD));
        assert_eq!(wd.output("versions"), format!("0.3.0/2.1/{}", pushed.chart_digest));
        assert!(
            wd.output("manifest").contains("name: release-name-web"),
            "{}",
            wd.output("manifest")
        );
        let cached = cache
            .path()
            .join("circleciserver/charts/blobs/sha256")
            .join(pushed.chart_digest.trim_start_matches("sha256:"));
        assert!(
            cached.is_file(),
            "the pulled chart is cached by digest at {}",
            cached.display()
        );
        wd.step_expect_error(
            &oci_config(&registry.host, "wrong-password"),
            &format!(
                r"(?s)refused\s+access\s+to\s+oci://{}/charts/web:0\.3\.0.*check\s+the\s+username",
                registry.host
            ),
        );
    });
}

#[test]
fn pulls_a_chart_through_a_bearer_token_exchange() {
    use acceptance_tests::oci_registry::{OciRegistry, PASSWORD, TokenField};
    let registry = OciRegistry::start();
    let charts = tempfile::tempdir().unwrap();
    write_chart(charts.path());
    let pushed = registry.push_chart("charts/web", "0.3.0", &package(charts.path()).1);
    let front = registry.bearer_front(TokenField::AccessToken, false);
    for_each_terraform(|tf| {
        let cache = tempfile::tempdir().unwrap();
        let mut wd = Workdir::new(tf, provider()).env("XDG_CACHE_HOME", cache.path().to_str().unwrap());
        wd.step(&oci_config(&front.host, PASSWORD));
        assert_eq!(wd.output("versions"), format!("0.3.0/2.1/{}", pushed.chart_digest));
    });
}
