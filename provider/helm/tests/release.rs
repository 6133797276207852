//! Helm 3's release record: the JSON, its base64+gzip container, the Secret, the history rules.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use circleci_gotemplate::Value as TValue;
use circleci_helm::chart::{Chart, File, Metadata};
use circleci_helm::release::{
    ChartFile, DecodeError, Error, History, Hook, HookDeletePolicy, HookEvent, HookExecution, HookOutputLogPolicy,
    HookPhase, Info, Release, ReleaseChart, Stamp, Status, Timestamp, decode, encode, from_secret, secret_name,
    to_secret,
};
use serde_json::{Value, json};
use time::macros::datetime;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn sample() -> Release {
    Release {
        name: "circleci-server".into(),
        namespace: "circleci".into(),
        version: 3,
        info: Info {
            first_deployed: ts("2024-05-01T10:20:30.123456789Z"),
            last_deployed: ts("2024-05-03T09:00:00.1+02:00"),
            description: "Upgrade complete".into(),
            status: Status::Deployed,
            notes: "Log in at <https://ci.example.com> & enjoy".into(),
            ..Info::default()
        },
        chart: ReleaseChart {
            metadata: Metadata {
                name: "server".into(),
                version: "4.7.1".into(),
                app_version: "4.7.1".into(),
                ..Metadata::default()
            },
            templates: vec![ChartFile {
                name: "templates/cm.yaml".into(),
                data: b"kind: ConfigMap\n".to_vec(),
            }],
            values: json!({"replicas": 2, "global": {"domainName": "example.com"}})
                .as_object()
                .unwrap()
                .clone(),
            schema: Some(br#"{"type":"object"}"#.to_vec()),
            ..ReleaseChart::default()
        },
        config: json!({"global": {"domainName": "ci.example.com"}})
            .as_object()
            .unwrap()
            .clone(),
        manifest: "---\n# Source: server/templates/cm.yaml\nkind: ConfigMap\n".into(),
        hooks: vec![Hook {
            name: "migrate".into(),
            kind: "Job".into(),
            path: "server/templates/migrate.yaml".into(),
            manifest: "kind: Job\n".into(),
            events: vec![HookEvent::PreInstall, HookEvent::PreUpgrade],
            last_run: HookExecution {
                started_at: ts("2024-05-03T07:00:01Z"),
                completed_at: ts("2024-05-03T07:00:09.5Z"),
                phase: HookPhase::Succeeded,
            },
            weight: -5,
            delete_policies: vec![
                HookDeletePolicy::BeforeHookCreation,
                HookDeletePolicy::Other("typo-policy".into()),
            ],
            output_log_policies: vec![HookOutputLogPolicy::HookFailed],
            ..Hook::default()
        }],
        labels: BTreeMap::from([("team".to_string(), "platform".to_string())]),
        ..Release::default()
    }
}

/// The JSON inside a base64(gzip(json)) string, read with flate2 directly.
fn inner_json(encoded: &str) -> Value {
    let gz = STANDARD.decode(encoded).unwrap();
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 0x08], "gzip magic");
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut json).unwrap();
    serde_json::from_slice(&json).unwrap()
}

#[test]
fn a_record_round_trips_field_by_field() {
    let r = sample();
    let encoded = encode(&r).unwrap();
    let back = decode(&encoded).unwrap();
    assert_eq!(back.name, "circleci-server");
    assert_eq!(back.namespace, "circleci");
    assert_eq!(back.version, 3);
    assert_eq!(back.info, r.info);
    assert_eq!(back.info.last_deployed.to_string(), "2024-05-03T09:00:00.1+02:00");
    assert_eq!(back.chart, r.chart);
    assert_eq!(back.config, r.config);
    assert_eq!(back.manifest, r.manifest);
    assert_eq!(back.hooks, r.hooks);
    assert_eq!(
        back.hooks[0].delete_policies[1],
        HookDeletePolicy::Other("typo-policy".into())
    );
    // Labels live in the Secret, never in the JSON.
    assert!(back.labels.is_empty());
    assert_eq!(
        Release {
            labels: BTreeMap::new(),
            ..r
        },
        back
    );
}

#[test]
fn the_json_has_helms_names_and_omissions() {
    let j = inner_json(&encode(&sample()).unwrap());
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "chart",
            "config",
            "hooks",
            "info",
            "manifest",
            "name",
            "namespace",
            "version"
        ]
    );
    // Helm's time.Time writes the zero time as "" and omitempty never drops it (a struct).
    assert_eq!(j["info"]["deleted"], "");
    assert_eq!(j["info"]["first_deployed"], "2024-05-01T10:20:30.123456789Z");
    assert_eq!(j["info"]["status"], "deployed");
    assert!(j["info"].get("resources").is_none());
    let c = &j["chart"];
    assert_eq!(c["lock"], Value::Null, "chart.Lock has no omitempty");
    assert_eq!(c["files"], Value::Null, "a nil []*File is null");
    assert_eq!(
        c["templates"][0],
        json!({"name": "templates/cm.yaml", "data": "a2luZDogQ29uZmlnTWFwCg=="})
    );
    assert_eq!(c["schema"], "eyJ0eXBlIjoib2JqZWN0In0=");
    assert_eq!(c["metadata"]["appVersion"], "4.7.1");
    let h = &j["hooks"][0];
    assert_eq!(h["events"], json!(["pre-install", "pre-upgrade"]));
    assert_eq!(h["weight"], -5);
    assert_eq!(
        h["last_run"],
        json!({"started_at": "2024-05-03T07:00:01Z", "completed_at": "2024-05-03T07:00:09.5Z", "phase": "Succeeded"})
    );
    assert_eq!(h["delete_policies"], json!(["before-hook-creation", "typo-policy"]));
    assert_eq!(h["output_log_policies"], json!(["hook-failed"]));

    // An empty release: only the always-written parts remain.
    let j = inner_json(&encode(&Release::default()).unwrap());
    assert_eq!(
        j,
        json!({
            "info": {"first_deployed": "", "last_deployed": "", "deleted": "", "status": "unknown"},
            "chart": {"metadata": {"name": "", "version": "", "apiVersion": "v2"}, "lock": null, "templates": null, "values": {}, "schema": null, "files": null}
        })
    );
    let j = inner_json(
        &encode(&Release {
            hooks: vec![Hook::default()],
            ..Release::default()
        })
        .unwrap(),
    );
    assert_eq!(
        j["hooks"][0],
        json!({"last_run": {"started_at": "", "completed_at": "", "phase": ""}})
    );
}

/// `helm-v3-record.json` is written by hand as Helm 3.21's `json.Marshal` of a
/// `release.Release` would be, in Go's field order and with its HTML escapes (`\u0026`):
/// `Release` `name,info,chart,config,manifest,hooks,version,namespace` (all omitempty,
/// `Labels` is `json:"-"`); `Info` `first_deployed,last_deployed,deleted` (pkg/time.Time:
/// zero is `""`), `description,status,notes` (omitempty); `chart.Chart`
/// `metadata,lock,templates,values,schema,files` (no omitempty, `[]byte` as base64);
/// `chart.File` `name,data`; `Hook` `name,kind,path,manifest,events,last_run,weight,
/// delete_policies,output_log_policies`; `HookExecution` `started_at,completed_at,phase`
/// (phase not omitempty). `helm-v3-record.b64` is that JSON through Python's
/// `gzip.compress(level 9)` and `base64.b64encode`, as `encodeRelease` stores it.
#[test]
fn helms_record_decodes_field_by_field() {
    let r = decode(fixture("helm-v3-record.b64").trim()).unwrap();
    assert_eq!(r.name, "circleci-server");
    assert_eq!(r.namespace, "circleci-server");
    assert_eq!(r.version, 2);
    assert_eq!(r.info.status, Status::Deployed);
    assert_eq!(r.info.description, "Upgrade complete");
    assert_eq!(r.info.notes, "Visit https://ci.example.com & log in <admin>");
    assert_eq!(
        r.info.first_deployed.get(),
        Some(datetime!(2024-05-01 10:20:30.123456789 UTC))
    );
    assert_eq!(
        r.info.last_deployed.get(),
        Some(datetime!(2024-05-02 08:00:00.5 +02:00))
    );
    assert!(r.info.deleted.is_zero());

    let m = &r.chart.metadata;
    assert_eq!(
        (m.name.as_str(), m.version.as_str(), m.app_version.as_str()),
        ("server", "4.7.1", "4.7.1")
    );
    assert_eq!(m.kube_version, ">=1.27.0-0");
    assert_eq!(m.maintainers[0].email, "ops@circleci.com");
    assert_eq!(m.dependencies[0].condition, "postgresql.enabled");
    assert_eq!(r.chart.lock.as_ref().unwrap()["digest"], "sha256:0123abcd");
    assert_eq!(r.chart.templates.len(), 2);
    assert_eq!(r.chart.templates[1].name, "templates/migrate.yaml");
    assert!(
        String::from_utf8(r.chart.templates[0].data.clone())
            .unwrap()
            .contains("{{ .Values.global.domainName | quote }}")
    );
    assert_eq!(r.chart.values["replicas"], 2);
    assert_eq!(r.chart.schema.as_deref(), Some(&br#"{"type":"object"}"#[..]));
    assert_eq!(
        r.chart.files,
        vec![ChartFile {
            name: "README.md".into(),
            data: b"# CircleCI Server\n".to_vec()
        }]
    );

    assert_eq!(
        Value::Object(r.config.clone()),
        json!({"global": {"domainName": "ci.example.com"}, "replicas": 3})
    );
    assert!(
        r.manifest
            .starts_with("---\n# Source: server/templates/configmap.yaml\n")
    );

    let migrate = &r.hooks[0];
    assert_eq!(migrate.events, [HookEvent::PreUpgrade, HookEvent::PreInstall]);
    assert_eq!(migrate.weight, -5);
    assert_eq!(migrate.last_run.phase, HookPhase::Succeeded);
    assert_eq!(migrate.last_run.started_at.to_string(), "2024-05-02T06:00:01.25Z");
    assert_eq!(
        migrate.delete_policies,
        [HookDeletePolicy::BeforeHookCreation, HookDeletePolicy::HookSucceeded]
    );
    let test = &r.hooks[1];
    assert_eq!(test.events, [HookEvent::Test]);
    assert_eq!(test.last_run, HookExecution::default());
    assert_eq!(test.output_log_policies, [HookOutputLogPolicy::HookFailed]);

    // Written back, it is Helm's JSON again, but for Chart.yaml's `type: application`,
    // which our Metadata leaves out (the default; Helm reads both the same).
    let mut expected: Value = serde_json::from_str(&fixture("helm-v3-record.json")).unwrap();
    expected["chart"]["metadata"].as_object_mut().unwrap().remove("type");
    assert_eq!(inner_json(&encode(&r).unwrap()), expected);
}

#[test]
fn a_plain_json_record_from_before_compression_decodes() {
    let plain = STANDARD.encode(r#"{"name":"old","info":{"first_deployed":"2019-11-13T10:00:00Z","last_deployed":"2019-11-13T10:00:00Z","deleted":"","description":"Install complete","status":"superseded"},"chart":{"metadata":{"name":"old","version":"0.1.0","apiVersion":"v1"}},"version":1,"namespace":"default"}"#);
    let r = decode(&plain).unwrap();
    assert_eq!(r.name, "old");
    assert_eq!(r.version, 1);
    assert_eq!(r.info.status, Status::Superseded);
    assert_eq!(r.chart.metadata.api_version, circleci_helm::chart::ApiVersion::V1);
    assert!(r.config.is_empty() && r.hooks.is_empty() && r.chart.templates.is_empty());
}

#[test]
fn times_are_written_as_go_writes_them() {
    assert_eq!(Timestamp::ZERO.to_string(), "");
    assert_eq!(
        Timestamp::from(datetime!(2024-01-02 03:04:05 UTC)).to_string(),
        "2024-01-02T03:04:05Z"
    );
    assert_eq!(
        Timestamp::from(datetime!(2024-01-02 03:04:05.120 UTC)).to_string(),
        "2024-01-02T03:04:05.12Z"
    );
    assert_eq!(
        Timestamp::from(datetime!(2024-01-02 03:04:05.000000001 -05:30)).to_string(),
        "2024-01-02T03:04:05.000000001-05:30"
    );
    // Go's zero time, however written, is zero (and is written back as "").
    assert!(ts("0001-01-01T00:00:00Z").is_zero());
    assert!(ts("").is_zero());
    let info: Info = serde_json::from_str(
        r#"{"first_deployed":null,"last_deployed":"2024-01-02T03:04:05Z","deleted":"0001-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    assert!(info.first_deployed.is_zero() && info.deleted.is_zero());
    assert_eq!(info.last_deployed.unix_timestamp(), 1_704_164_645);
    assert!(serde_json::from_str::<Info>(r#"{"deleted":"yesterday"}"#).is_err());
}

#[test]
fn unknown_fields_of_a_later_helm_are_kept() {
    let json = r#"{"name":"x","info":{"first_deployed":"","last_deployed":"","deleted":"","status":"deployed","rollback_revision":2},"chart":{"metadata":{"name":"x","version":"1.0.0","apiVersion":"v2"},"lock":null,"templates":null,"values":{},"schema":null,"files":null},"version":3,"apply_method":"ssa"}"#;
    let r = decode(&STANDARD.encode(json)).unwrap();
    assert_eq!(r.extra["apply_method"], "ssa");
    let back = inner_json(&encode(&r).unwrap());
    assert_eq!(back, serde_json::from_str::<Value>(json).unwrap());
}

#[test]
fn the_engines_chart_becomes_the_records_chart() {
    let chart = Chart {
        metadata: Metadata {
            name: "server".into(),
            version: "1.0.0".into(),
            ..Metadata::default()
        },
        templates: vec![File {
            name: "templates/a.yaml".into(),
            data: b"a: 1\n".to_vec(),
        }],
        values: BTreeMap::from([
            ("replicas".to_string(), TValue::Int(2)),
            (
                "image".to_string(),
                TValue::Map(BTreeMap::from([("tag".to_string(), TValue::String("v1".into()))]).into()),
            ),
        ]),
        dependencies: vec![Chart {
            metadata: Metadata {
                name: "sub".into(),
                ..Metadata::default()
            },
            ..Chart::default()
        }],
        ..Chart::default()
    };
    let rc = ReleaseChart::from(&chart);
    assert_eq!(
        Value::Object(rc.values.clone()),
        json!({"replicas": 2, "image": {"tag": "v1"}})
    );
    assert_eq!(rc.templates[0].data, b"a: 1\n");
    let j = serde_json::to_value(&rc).unwrap();
    // Subcharts are not part of Helm's JSON (an unexported field in Go).
    assert_eq!(
        j.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["files", "lock", "metadata", "schema", "templates", "values"]
    );
    assert_eq!(j["templates"][0]["data"], "YTogMQo=");
    let back = rc.to_chart();
    assert_eq!(back.templates, chart.templates);
    assert!(matches!(back.values["replicas"], TValue::Float(f) if f == 2.0));
    assert!(back.dependencies.is_empty());
}

#[test]
fn the_secret_is_named_labelled_and_typed_as_helms() {
    let r = sample();
    let s = to_secret(&r, Stamp::Create(datetime!(2024-05-03 07:00:00 UTC))).unwrap();
    assert_eq!(s["apiVersion"], "v1");
    assert_eq!(s["kind"], "Secret");
    assert_eq!(s["type"], "helm.sh/release.v1");
    assert_eq!(s["metadata"]["name"], "sh.helm.release.v1.circleci-server.v3");
    assert_eq!(
        secret_name("circleci-server", 3),
        "sh.helm.release.v1.circleci-server.v3"
    );
    assert_eq!(s["metadata"]["namespace"], "circleci");
    assert_eq!(
        s["metadata"]["labels"],
        json!({"name": "circleci-server", "owner": "helm", "status": "deployed", "version": "3", "createdAt": "1714719600", "team": "platform"})
    );
    // data.release is base64 of Helm's string, itself base64(gzip(json)).
    let inner = String::from_utf8(STANDARD.decode(s["data"]["release"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(
        decode(&inner).unwrap(),
        Release {
            labels: BTreeMap::new(),
            ..r.clone()
        }
    );

    let back = from_secret(&s).unwrap();
    assert_eq!(
        back,
        Release {
            labels: BTreeMap::from([
                ("createdAt".into(), "1714719600".into()),
                ("team".into(), "platform".into())
            ]),
            ..r
        }
    );
    assert_eq!(
        back.custom_labels(),
        BTreeMap::from([("team".into(), "platform".into())])
    );
}

#[test]
fn helms_secret_reads_back_and_an_update_keeps_created_at() {
    let secret: Value = serde_json::from_str(&fixture("helm-v3-secret.json")).unwrap();
    let mut r = from_secret(&secret).unwrap();
    assert_eq!(r.name, "circleci-server");
    assert_eq!(r.version, 2);
    assert_eq!(r.labels["createdAt"], "1714629600");
    assert_eq!(r.custom_labels(), BTreeMap::from([("team".into(), "platform".into())]));

    r.info.status = Status::Superseded;
    let s = to_secret(&r, Stamp::Update(datetime!(2024-06-01 00:00:00 UTC))).unwrap();
    let labels = &s["metadata"]["labels"];
    assert_eq!(labels["createdAt"], "1714629600");
    assert_eq!(labels["modifiedAt"], "1717200000");
    assert_eq!(labels["status"], "superseded");
    assert_eq!(labels["team"], "platform");
    assert_eq!(s["metadata"]["name"], secret["metadata"]["name"]);
}

#[test]
fn an_install_starts_as_helms_does() {
    let now = ts("2024-05-01T10:00:00Z");
    let mut r = Release::install("app", "ns", now);
    assert_eq!(
        (r.version, r.info.status, r.info.description.as_str()),
        (1, Status::PendingInstall, "Initial install underway")
    );
    assert_eq!((r.info.first_deployed, r.info.last_deployed), (now, now));
    assert!(r.info.deleted.is_zero());
    r.set_status(Status::Deployed, "Install complete");
    let s = to_secret(&r, Stamp::Update(datetime!(2024-05-01 10:00:05 UTC))).unwrap();
    assert_eq!(s["metadata"]["name"], "sh.helm.release.v1.app.v1");
    assert_eq!(s["metadata"]["labels"]["status"], "deployed");
    assert_eq!(from_secret(&s).unwrap().info.description, "Install complete");
}

fn stored(version: i64, status: Status) -> Value {
    let r = Release {
        name: "app".into(),
        namespace: "ns".into(),
        version,
        info: Info {
            first_deployed: ts("2024-01-01T00:00:00Z"),
            last_deployed: Timestamp::from(datetime!(2024-01-01 00:00:00 UTC) + time::Duration::hours(version)),
            status,
            description: format!("revision {version}"),
            ..Info::default()
        },
        config: json!({"rev": version}).as_object().unwrap().clone(),
        ..Release::default()
    };
    to_secret(&r, Stamp::Create(datetime!(2024-01-01 00:00:00 UTC))).unwrap()
}

#[test]
fn history_on_upgrade_supersedes_numbers_and_prunes() {
    use Status::*;
    let mut other = stored(9, Deployed);
    other["metadata"]["labels"]["name"] = json!("another");
    let secrets = [stored(3, Deployed), stored(1, Superseded), stored(2, Superseded), other];
    let h = History::from_secrets("app", &secrets).unwrap();
    assert_eq!(
        h.releases().iter().map(|r| r.version).collect::<Vec<_>>(),
        [1, 2, 3],
        "sorted, other releases left out"
    );
    assert_eq!(h.latest().unwrap().version, 3);
    assert_eq!(h.deployed().unwrap().version, 3);
    assert_eq!(h.next_version(), 4);

    let plan = h.plan_upgrade().unwrap();
    assert_eq!(plan.revision, 4);
    assert_eq!(plan.current.version, 3);
    assert_eq!(plan.superseded.version, 3);
    assert_eq!(plan.superseded.info.status, Superseded);
    assert_eq!(
        plan.superseded.info.description, "revision 3",
        "Helm changes only the status"
    );
    let next = plan.next_release(ts("2024-02-01T00:00:00Z"));
    assert_eq!(
        (next.version, next.namespace.as_str(), next.info.status),
        (4, "ns", PendingUpgrade)
    );
    assert_eq!(next.info.first_deployed, ts("2024-01-01T00:00:00Z"));
    assert_eq!(next.secret_name(), "sh.helm.release.v1.app.v4");

    // --history-max 2: room for one more means keeping one, and the deployed one stays.
    assert_eq!(h.prune_before_create(2), [1, 2]);
    assert_eq!(h.prune_before_create(3), [1]);
    assert_eq!(h.prune_before_create(10), Vec::<i64>::new());
    assert_eq!(h.prune_before_create(0), Vec::<i64>::new(), "0 is no limit");
    // --history-max 1 keeps nothing but never the deployed revision.
    assert_eq!(h.prune_before_create(1), [1, 2]);

    // The deployed revision is kept even when it is the oldest.
    let h = History::from_secrets("app", &[stored(1, Deployed), stored(2, Failed), stored(3, Failed)]).unwrap();
    assert_eq!(h.prune_before_create(2), [2, 3]);
    // After failures the upgrade still starts from the deployed one, numbered after the latest.
    let plan = h.plan_upgrade().unwrap();
    assert_eq!((plan.current.version, plan.revision), (1, 4));
    // With nothing deployed and the latest failed, the failed one is the base.
    let h = History::from_secrets("app", &[stored(1, Superseded), stored(2, Failed)]).unwrap();
    assert_eq!(h.plan_upgrade().unwrap().current.version, 2);
    assert_eq!(h.prune_before_create(2), [1]);
}

#[test]
fn upgrades_helm_refuses_are_refused() {
    let h = History::from_secrets("app", &[stored(1, Status::Deployed), stored(2, Status::PendingUpgrade)]).unwrap();
    let e = h.plan_upgrade().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Pending {
                version: 2,
                status: Status::PendingUpgrade,
                ..
            }
        ),
        "{e}"
    );
    let h = History::from_secrets("app", &[stored(1, Status::Uninstalled)]).unwrap();
    assert!(matches!(h.plan_upgrade(), Err(Error::NoDeployed { .. })));
    let h = History::from_secrets("app", &[]).unwrap();
    assert!(h.is_empty());
    assert_eq!(h.next_version(), 1);
    assert!(matches!(h.plan_upgrade(), Err(Error::NoDeployed { .. })));
}

#[test]
fn uninstall_records_and_purges_as_helm() {
    let now = ts("2024-03-01T00:00:00Z");
    let h = History::from_secrets("app", &[stored(1, Status::Deployed), stored(2, Status::Failed)]).unwrap();
    let plan = h.plan_uninstall(false, now).unwrap();
    assert_eq!(plan.delete, ["sh.helm.release.v1.app.v1", "sh.helm.release.v1.app.v2"]);
    let uninstalling = plan.uninstalling.unwrap();
    assert_eq!(
        (uninstalling.version, uninstalling.info.status),
        (2, Status::Uninstalling)
    );
    assert_eq!(uninstalling.info.deleted, now);
    assert_eq!(
        uninstalling.info.description,
        "Deletion in progress (or silently failed)"
    );
    assert!(plan.supersede.is_empty());

    let plan = h.plan_uninstall(true, now).unwrap();
    assert!(plan.delete.is_empty());
    let uninstalled = plan.uninstalled.unwrap();
    assert_eq!(
        (uninstalled.info.status, uninstalled.info.description.as_str()),
        (Status::Uninstalled, "Uninstallation complete")
    );
    assert_eq!(
        plan.supersede
            .iter()
            .map(|r| (r.version, r.info.status))
            .collect::<Vec<_>>(),
        [(1, Status::Superseded)]
    );

    let h = History::from_secrets("app", &[stored(1, Status::Superseded), stored(2, Status::Uninstalled)]).unwrap();
    assert!(matches!(
        h.plan_uninstall(true, now),
        Err(Error::AlreadyUninstalled { .. })
    ));
    let plan = h.plan_uninstall(false, now).unwrap();
    assert_eq!((plan.uninstalling, plan.delete.len()), (None, 2));
    assert!(matches!(
        History::default().plan_uninstall(false, now),
        Err(Error::NotFound { .. })
    ));
}

fn with_data(data: &str) -> Value {
    let mut s = stored(1, Status::Deployed);
    s["data"]["release"] = json!(STANDARD.encode(data));
    s
}

#[test]
fn bad_records_name_the_secret() {
    let name = "sh.helm.release.v1.app.v1";
    type Is = fn(&Error) -> bool;
    let cases: [(Value, Is); 4] = [
        (with_data("not base64 !"), |e| {
            matches!(
                e,
                Error::Decode {
                    source: DecodeError::Base64(_),
                    ..
                }
            )
        }),
        (with_data(&STANDARD.encode("{not json")), |e| {
            matches!(
                e,
                Error::Decode {
                    source: DecodeError::Json(_),
                    ..
                }
            )
        }),
        // gzip's magic, then garbage.
        (with_data(&STANDARD.encode([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5])), |e| {
            matches!(
                e,
                Error::Decode {
                    source: DecodeError::Gzip(_),
                    ..
                }
            )
        }),
        (
            {
                let mut s = stored(1, Status::Deployed);
                s["data"]["release"] = json!("%%%");
                s
            },
            |e| {
                matches!(
                    e,
                    Error::Decode {
                        source: DecodeError::Base64(_),
                        ..
                    }
                )
            },
        ),
    ];
    for (secret, is) in cases {
        let e = from_secret(&secret).unwrap_err();
        assert!(is(&e), "{e:?}");
        assert!(e.to_string().contains(name), "{e}");
    }

    let mut s = stored(1, Status::Deployed);
    s["metadata"]["labels"].as_object_mut().unwrap().remove("version");
    let e = from_secret(&s).unwrap_err();
    assert!(matches!(e, Error::MissingLabel { label: "version", .. }), "{e:?}");
    assert!(e.to_string().contains(name), "{e}");

    let mut s = stored(1, Status::Deployed);
    s["metadata"]["labels"]["status"] = json!("superseded");
    let e = from_secret(&s).unwrap_err();
    assert!(
        matches!(&e, Error::LabelMismatch { label: "status", label_value, .. } if label_value == "superseded"),
        "{e:?}"
    );
    assert!(e.to_string().contains(name), "{e}");

    let mut s = stored(1, Status::Deployed);
    s["data"] = json!({});
    let e = from_secret(&s).unwrap_err();
    assert!(
        matches!(e, Error::NotARecord { .. }) && e.to_string().contains(name),
        "{e}"
    );

    // A bad record stops the history rather than being skipped.
    let e = History::from_secrets("app", &[stored(2, Status::Deployed), with_data("!")]).unwrap_err();
    assert!(e.to_string().contains(name), "{e}");
}

/// Python's gzip, base64 and json (a second implementation of the container) read what we write.
#[test]
fn python_reads_our_record() {
    let Ok(mut child) = Command::new("python3")
        .args(["-c", "import base64,gzip,json,sys; r=json.loads(gzip.decompress(base64.b64decode(sys.stdin.read(), validate=True))); print(r['name'], r['version'], r['info']['status'], r['info']['deleted']=='', r['config']['global']['domainName'], r['hooks'][0]['events'])"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        eprintln!("python3 not found: skipping the cross-check");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(encode(&sample()).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "circleci-server 3 deployed True ci.example.com ['pre-install', 'pre-upgrade']\n"
    );
}
