//! Render time of the chart engine (run by `scripts/benchmark`, release build): a chart of
//! ~30 templates with two subcharts and shared helpers, and a chart of 300 objects. Prints the
//! median and slowest of repeated renders, each from a loaded chart to sorted documents.

use std::time::{Duration, Instant};

use circleci_helm::chart::{File, load_files};
use circleci_helm::{RenderOptions, render, user_values};

fn file(name: &str, text: String) -> File {
    File {
        name: name.to_string(),
        data: text.into_bytes(),
    }
}

const HELPERS: &str = r#"{{- define "app.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
{{- define "app.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | trunc 63 | trimSuffix "-" }}
{{- end -}}
"#;

fn workload(i: usize) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "app.fullname" . }}}}-svc{i}
  labels:
    {{{{- include "app.labels" . | nindent 4 }}}}
spec:
  replicas: {{{{ .Values.replicas | default 1 }}}}
  template:
    spec:
      containers:
      - name: svc{i}
        image: "{{{{ .Values.image.registry }}}}/svc{i}:{{{{ .Values.image.tag | default .Chart.AppVersion }}}}"
        env:
        {{{{- range $k, $v := .Values.env }}}}
        - name: {{{{ $k | upper }}}}
          value: {{{{ $v | quote }}}}
        {{{{- end }}}}
        resources: {{{{ toYaml .Values.resources | nindent 10 }}}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{{{ include "app.fullname" . }}}}-svc{i}
spec:
  ports:
  - port: {{{{ add 8000 {i} }}}}
"#
    )
}

fn values() -> String {
    "replicas: 2\nimage:\n  registry: registry.example.com\nenv:\n  log_level: info\n  region: us-east-1\n  feature_x: \"on\"\nresources:\n  requests:\n    cpu: 100m\n    memory: 128Mi\n".into()
}

fn chart_with_subcharts() -> Vec<File> {
    let mut files = vec![
        file("Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\nappVersion: \"4.10\"\ndependencies:\n- name: db\n  version: 1.x\n- name: cache\n  version: 1.x\n".into()),
        file("values.yaml", values()),
        file("templates/_helpers.tpl", HELPERS.into()),
        file("templates/NOTES.txt", "Installed {{ .Release.Name }}".into()),
    ];
    for i in 0..24 {
        files.push(file(&format!("templates/svc{i}.yaml"), workload(i)));
    }
    for sub in ["db", "cache"] {
        files.push(file(
            &format!("charts/{sub}/Chart.yaml"),
            format!("apiVersion: v2\nname: {sub}\nversion: 1.2.0\nappVersion: \"7\"\n"),
        ));
        files.push(file(&format!("charts/{sub}/values.yaml"), values()));
        files.push(file(&format!("charts/{sub}/templates/_helpers.tpl"), HELPERS.into()));
        for i in 0..3 {
            files.push(file(&format!("charts/{sub}/templates/w{i}.yaml"), workload(i)));
        }
    }
    files
}

fn chart_of_300_objects() -> Vec<File> {
    let mut items = String::from("items:\n");
    for i in 0..300 {
        items.push_str(&format!("- name: item{i}\n  port: {}\n", 1000 + i));
    }
    vec![
        file(
            "Chart.yaml",
            "apiVersion: v2\nname: many\nversion: 1.0.0\nappVersion: \"1\"\n".into(),
        ),
        file("values.yaml", format!("{}{items}", values())),
        file("templates/_helpers.tpl", HELPERS.into()),
        file(
            "templates/objects.yaml",
            r#"{{- range .Values.items }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "app.fullname" $ }}-{{ .name }}
  labels:
    {{- include "app.labels" $ | nindent 4 }}
data:
  port: {{ .port | quote }}
  settings: |
    {{- toYaml $.Values.resources | nindent 4 }}
{{- end }}
"#
            .into(),
        ),
    ]
}

fn measure(label: &str, files: Vec<File>, expect: usize) {
    let chart = load_files(files).expect("benchmark chart loads");
    let values = user_values(&[], &Default::default()).expect("no user values");
    let options = RenderOptions::default();
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let out = render(&chart, &values, &options).expect("benchmark chart renders");
        times.push(started.elapsed());
        assert_eq!(out.manifests.len(), expect, "{label}: documents");
    }
    times.sort();
    println!(
        "chart render, {label}: median {:.1} ms, slowest {:.1} ms (30 renders)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    measure(
        "30 templates with 2 subcharts (54 documents)",
        chart_with_subcharts(),
        24 * 2 + 2 * 3 * 2,
    );
    measure("300 objects from one template", chart_of_300_objects(), 300);
}
