//! Prints the provider's speed and memory figures (see docs/benchmarks.md):
//! launch to handshake, GetProviderSchema latency, peak RSS, and `terraform plan`/`apply` wall
//! time for 1 and 200 `circleciserver_nomad_tls` beside Terraform's own floor, with the share spent
//! in the provider (its launches plus its RPC handlers, from its own log spans). Where the
//! machine has a filesystem mirror holding hashicorp/aws, its launch, schema time and RSS are
//! printed as the peer row.
//!
//! With `--aws`, it also applies, plans and destroys the same bucket + Nomad client group +
//! NLB set against moto with this provider and, where a mirror holds it, with hashicorp/aws
//! (the equivalent resources), with each Terraform version, and again behind the fault proxy
//! failing a fifth of all requests, printing wall times and AWS API request counts side by side.
//!
//! With `--gcp`, it applies, plans and destroys examples/gcp-nomad against the fake Compute
//! Engine API with each Terraform version, printing wall times and API request counts.
//!
//! Usage: benchmark [--provider PATH] [--quick] [--aws] [--gcp]   (scripts/benchmark builds release first)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use acceptance_tests::plugin_client::{self, ClientIdentity};
use acceptance_tests::{
    EMULATORS_OVERRIDE, example_config, gcp_emulators_override, hashicorp_mirror, terraforms, workspace_root,
    write_mirror,
};
use circleci_tfplugin::proto::tfplugin6 as pb;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Launch-to-handshake times of `launches` fresh processes, each with its own client identity.
fn launch_times(binary: &Path, launches: usize) -> Vec<f64> {
    (0..launches)
        .map(|_| {
            let identity = ClientIdentity::generate();
            let mut plugin = plugin_client::launch(binary, Some(&identity), &[]);
            let _ = plugin.child.kill();
            let _ = plugin.child.wait();
            ms(plugin.launch)
        })
        .collect()
}

struct LaunchFigures {
    launch_ms: f64,
    schema_ms: f64,
    schema_bytes: usize,
    rss_mb: f64,
}

/// Launch-to-handshake (median of `launches`), then schema latency and peak RSS on one process.
fn measure_our_provider(binary: &Path, launches: usize, runtime: &tokio::runtime::Runtime) -> LaunchFigures {
    let launch = launch_times(binary, launches);
    let identity = ClientIdentity::generate();
    let mut plugin = plugin_client::launch(binary, Some(&identity), &[]);
    let (schema_ms, schema_bytes) = runtime.block_on(async {
        let channel = plugin_client::connect(&plugin.handshake, Some(&identity))
            .await
            .expect("connect");
        let mut client = plugin_client::provider_client(channel.clone());
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..200 {
            let started = Instant::now();
            let schema = client
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .expect("schema");
            times.push(ms(started.elapsed()));
            bytes = prost::Message::encoded_len(schema.get_ref());
        }
        drive_nomad_tls(&mut client, 200).await;
        (median(times), bytes)
    });
    let rss_mb = plugin_client::peak_rss_kib(plugin.child.id()).unwrap_or(0) as f64 / 1024.0;
    let _ = plugin.child.kill();
    let _ = plugin.child.wait();
    LaunchFigures {
        launch_ms: median(launch),
        schema_ms,
        schema_bytes,
        rss_mb,
    }
}

/// Plans and applies `count` nomad_tls resources over gRPC in one process (for peak RSS).
async fn drive_nomad_tls(
    client: &mut circleci_tfplugin::proto::tfplugin6::provider_client::ProviderClient<tonic::transport::Channel>,
    count: usize,
) {
    use circleci_cty::{Type, Value, msgpack};
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let block = schema.resource_schemas["circleciserver_nomad_tls"]
        .block
        .clone()
        .unwrap();
    let ty = Type::Object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Type::from_json_bytes(&a.r#type).unwrap()))
            .collect(),
    );
    let config = Value::Object(block.attributes.iter().map(|a| (a.name.clone(), Value::Null)).collect());
    let dv = |v: &Value| {
        Some(pb::DynamicValue {
            msgpack: msgpack::encode(v, &ty).unwrap(),
            json: vec![],
        })
    };
    client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.0.3".into(),
            config: dv(&Value::Object(Default::default())),
        })
        .await
        .unwrap();
    for _ in 0..count {
        let plan = client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: "circleciserver_nomad_tls".into(),
                prior_state: dv(&Value::Null),
                proposed_new_state: dv(&config),
                config: dv(&config),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "circleciserver_nomad_tls".into(),
                prior_state: dv(&Value::Null),
                planned_state: plan.planned_state,
                config: dv(&config),
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

/// A gRPC codec that passes raw bytes: enough to call the peer's protocol-5 GetSchema.
#[derive(Default, Clone)]
struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut tonic::codec::DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        let mut out = vec![0; src.remaining()];
        src.copy_to_slice(&mut out);
        Ok(Some(out))
    }
}

fn measure_peer(binary: &Path, launches: usize, runtime: &tokio::runtime::Runtime) -> LaunchFigures {
    let launch = launch_times(binary, launches);
    let identity = ClientIdentity::generate();
    let mut plugin = plugin_client::launch(binary, Some(&identity), &[]);
    let path = if plugin.handshake.protocol_version == "5" {
        "/tfplugin5.Provider/GetSchema"
    } else {
        "/tfplugin6.Provider/GetProviderSchema"
    };
    let (schema_ms, schema_bytes) = runtime.block_on(async {
        let channel = plugin_client::connect(&plugin.handshake, Some(&identity))
            .await
            .expect("connect peer");
        let mut grpc = tonic::client::Grpc::new(channel).max_decoding_message_size(1 << 30);
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..3 {
            grpc.ready().await.unwrap();
            let started = Instant::now();
            let resp = grpc
                .unary(
                    tonic::Request::new(Vec::new()),
                    http::uri::PathAndQuery::from_static(path),
                    RawCodec,
                )
                .await
                .expect("peer schema");
            times.push(ms(started.elapsed()));
            bytes = resp.get_ref().len();
        }
        (median(times), bytes)
    });
    let rss_mb = plugin_client::peak_rss_kib(plugin.child.id()).unwrap_or(0) as f64 / 1024.0;
    let _ = plugin.child.kill();
    let _ = plugin.child.wait();
    LaunchFigures {
        launch_ms: median(launch),
        schema_ms,
        schema_bytes,
        rss_mb,
    }
}

struct TerraformRun {
    wall_ms: f64,
    provider_ms: f64,
}

fn terraform(tf: &Path, dir: &Path, config: &Path, args: &[&str], log: Option<&Path>) -> Duration {
    let mut cmd = Command::new(tf);
    cmd.args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", config)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_LOG")
        .stdout(std::process::Stdio::null());
    if let Some(log) = log {
        cmd.env("TF_LOG_PROVIDER", "debug").env("TF_LOG_PATH", log);
    }
    let started = Instant::now();
    let out = cmd.output().expect("terraform");
    assert!(
        out.status.success(),
        "terraform {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

/// Time the provider spent: its launches (count of listening lines times the measured launch)
/// plus its RPC handler time (sum of its `rpc done` spans).
fn provider_time_from_log(log: &Path, launch_ms: f64) -> f64 {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let launches = text.lines().filter(|l| l.contains("plugin server listening")).count() as f64;
    let handlers_us: f64 = text
        .lines()
        .filter(|l| l.contains("rpc done"))
        .filter_map(|l| l.split("elapsed_us=").nth(1))
        .filter_map(|v| {
            v.split_whitespace()
                .next()?
                .trim_matches(|c: char| !c.is_ascii_digit())
                .parse::<f64>()
                .ok()
        })
        .sum();
    launches * launch_ms + handlers_us / 1000.0
}

fn config_with(count: usize) -> String {
    let mut text = String::from(
        "terraform {\n  required_providers {\n    circleciserver = { source = \"circleci-server/circleciserver\" }\n  }\n}\n",
    );
    if count > 0 {
        text.push_str(&format!(
            "resource \"circleciserver_nomad_tls\" \"n\" {{\n  count = {count}\n}}\n"
        ));
    }
    text
}

/// Median wall time of `plan` and `apply` for `count` resources, and the provider's share.
fn measure_terraform(
    tf: &Path,
    cli_config: &Path,
    count: usize,
    reps: usize,
    launch_ms: f64,
) -> (TerraformRun, TerraformRun) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), config_with(count)).unwrap();
    terraform(tf, dir.path(), cli_config, &["init", "-input=false"], None);
    let log = dir.path().join("tf.log");
    let mut apply = Vec::new();
    let mut plan = Vec::new();
    for _ in 0..reps {
        let _ = std::fs::remove_file(dir.path().join("terraform.tfstate"));
        apply.push(ms(terraform(
            tf,
            dir.path(),
            cli_config,
            &["apply", "-auto-approve", "-input=false"],
            None,
        )));
        plan.push(ms(terraform(
            tf,
            dir.path(),
            cli_config,
            &["plan", "-input=false"],
            None,
        )));
    }
    // One more of each with provider logs on, for the provider's own time.
    let _ = std::fs::remove_file(dir.path().join("terraform.tfstate"));
    let _ = std::fs::remove_file(&log);
    terraform(
        tf,
        dir.path(),
        cli_config,
        &["apply", "-auto-approve", "-input=false"],
        Some(&log),
    );
    let apply_provider = provider_time_from_log(&log, launch_ms);
    let _ = std::fs::remove_file(&log);
    terraform(tf, dir.path(), cli_config, &["plan", "-input=false"], Some(&log));
    let plan_provider = provider_time_from_log(&log, launch_ms);
    (
        TerraformRun {
            wall_ms: median(plan),
            provider_ms: plan_provider,
        },
        TerraformRun {
            wall_ms: median(apply),
            provider_ms: apply_provider,
        },
    )
}

#[cfg(feature = "aws")]
mod aws_comparison {
    use std::path::Path;

    use acceptance_tests::faults::{FaultProxy, Faults};
    use acceptance_tests::fixtures;
    use acceptance_tests::moto::Moto;

    struct Inputs {
        vpc: String,
        subnets: Vec<String>,
        image: String,
    }

    fn inputs(moto: &Moto) -> Inputs {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let aws = fixtures::clients(moto, &rt);
        let net = fixtures::network(&aws, &rt);
        Inputs {
            vpc: net.vpc_id,
            subnets: net.subnet_ids,
            image: fixtures::amazon_image(&aws, &rt),
        }
    }

    fn ours(endpoint: &str, i: &Inputs) -> String {
        format!(
            r#"terraform {{
  required_providers {{
    circleciserver = {{ source = "circleci-server/circleciserver" }}
  }}
}}
provider "circleciserver" {{
  aws {{
    region       = "{region}"
    endpoint_url = "{endpoint}"
  }}
}}
resource "circleciserver_object_storage" "this" {{
  name = "bench-bucket"
  aws {{}}
}}
resource "circleciserver_nomad_tls" "this" {{}}
resource "circleciserver_nomad_client_group" "this" {{
  name                 = "bench-nomad"
  nomad_server_address = circleciserver_load_balancer.this.hostname
  tls = {{
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }}
  aws {{
    vpc_id     = "{vpc}"
    subnet_ids = ["{s0}", "{s1}"]
    image_id   = "{image}"
  }}
}}
resource "circleciserver_load_balancer" "this" {{
  name = "bench-nomad"
  role = "nomad"
  aws {{
    vpc_id     = "{vpc}"
    subnet_ids = ["{s0}", "{s1}"]
    node_ports = {{ "4647" = 30647 }}
  }}
}}
"#,
            region = fixtures::REGION,
            vpc = i.vpc,
            s0 = i.subnets[0],
            s1 = i.subnets[1],
            image = i.image
        )
    }

    fn peer(endpoint: &str, i: &Inputs) -> String {
        format!(
            r##"terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws" }}
  }}
}}
provider "aws" {{
  region                      = "{region}"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true
  endpoints {{
    s3          = "{endpoint}"
    ec2         = "{endpoint}"
    autoscaling = "{endpoint}"
    elbv2       = "{endpoint}"
    iam         = "{endpoint}"
    sts         = "{endpoint}"
  }}
}}
resource "aws_s3_bucket" "this" {{
  bucket = "bench-bucket"
}}
resource "aws_s3_bucket_public_access_block" "this" {{
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {{
  bucket = aws_s3_bucket.this.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "AES256"
    }}
  }}
}}
resource "aws_s3_bucket_versioning" "this" {{
  bucket = aws_s3_bucket.this.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
resource "aws_s3_bucket_policy" "this" {{
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.this.arn, "${{aws_s3_bucket.this.arn}}/*"]
      Condition = {{ Bool = {{ "aws:SecureTransport" = "false" }} }}
    }}]
  }})
}}
resource "aws_launch_template" "this" {{
  name          = "bench-nomad"
  image_id      = "{image}"
  instance_type = "t3a.2xlarge"
  user_data     = base64encode("#!/bin/bash\necho nomad client")
  metadata_options {{
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }}
}}
resource "aws_autoscaling_group" "this" {{
  name                = "bench-nomad"
  min_size            = 1
  max_size            = 4
  vpc_zone_identifier = ["{s0}", "{s1}"]
  launch_template {{
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }}
}}
resource "aws_lb" "this" {{
  name               = "bench-nomad"
  load_balancer_type = "network"
  internal           = true
  subnets            = ["{s0}", "{s1}"]
}}
resource "aws_lb_target_group" "this" {{
  name     = "bench-nomad-4647"
  port     = 30647
  protocol = "TCP"
  vpc_id   = "{vpc}"
}}
resource "aws_lb_listener" "this" {{
  load_balancer_arn = aws_lb.this.arn
  port              = 4647
  protocol          = "TCP"
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }}
}}
"##,
            region = fixtures::REGION,
            vpc = i.vpc,
            s0 = i.subnets[0],
            s1 = i.subnets[1],
            image = i.image
        )
    }

    /// apply, plan (after apply) and destroy, each timed and counted, on a fresh moto; with
    /// `fail_fraction`, behind the fault proxy failing that fraction of all requests
    /// (throttling or 5xx) before they reach moto. Also answers how many the proxy failed.
    pub fn run(tf: &Path, cli_config: &Path, ours_side: bool, fail_fraction: f64) -> (super::Phases, usize) {
        let moto = Moto::start();
        let i = inputs(&moto);
        let proxy = (fail_fraction > 0.0).then(|| {
            FaultProxy::start(
                moto.port,
                Faults {
                    fail_fraction,
                    seed: 1,
                    ..Faults::default()
                },
            )
        });
        let endpoint = proxy.as_ref().map_or(&moto.endpoint, |p| &p.endpoint);
        let dir = tempfile::tempdir().unwrap();
        let config = if ours_side {
            ours(endpoint, &i)
        } else {
            peer(endpoint, &i)
        };
        std::fs::write(dir.path().join("main.tf"), config).unwrap();
        let phases = super::phases(tf, dir.path(), cli_config, &[], || moto.request_count());
        let failed = proxy.map_or(0, |p| p.answers().iter().filter(|a| a.get("failed").is_some()).count());
        (phases, failed)
    }
}

/// Wall time and API requests of `apply`, `plan` (after apply) and `destroy`.
pub struct Phases {
    pub apply_ms: f64,
    pub plan_ms: f64,
    pub destroy_ms: f64,
    pub requests: [usize; 3],
}

impl Phases {
    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {:.1} s | {:.1} s | {:.1} s | {} / {} / {} |",
            self.apply_ms / 1000.0,
            self.plan_ms / 1000.0,
            self.destroy_ms / 1000.0,
            self.requests[0],
            self.requests[1],
            self.requests[2]
        )
    }
}

/// Runs init, then times apply, plan and destroy in `dir`, counting the emulator's requests.
fn phases(tf: &Path, dir: &Path, cli_config: &Path, vars: &[(&str, String)], requests: impl Fn() -> usize) -> Phases {
    let var_args: Vec<String> = vars.iter().map(|(k, v)| format!("-var={k}={v}")).collect();
    terraform(tf, dir, cli_config, &["init", "-input=false"], None);
    let mut times = [0.0; 3];
    let mut counts = [0; 3];
    let mut last = requests();
    for (n, command) in [
        &["apply", "-auto-approve", "-input=false"][..],
        &["plan", "-input=false"][..],
        &["destroy", "-auto-approve", "-input=false"][..],
    ]
    .iter()
    .enumerate()
    {
        let mut args: Vec<&str> = command.to_vec();
        args.extend(var_args.iter().map(String::as_str));
        let started = Instant::now();
        terraform(tf, dir, cli_config, &args, None);
        times[n] = started.elapsed().as_secs_f64() * 1000.0;
        let now = requests();
        counts[n] = now - last;
        last = now;
    }
    Phases {
        apply_ms: times[0],
        plan_ms: times[1],
        destroy_ms: times[2],
        requests: counts,
    }
}

/// examples/gcp-nomad (Nomad TLS, a VM service image, a Nomad client group: template, regional
/// group, autoscaler, health check, firewall) against a fresh fake Compute Engine API.
fn gcp_stack(tf: &Path, cli_config: &Path) -> Phases {
    let fake = acceptance_tests::fake_gcp::FakeGcp::start();
    fake.seed_image("ubuntu-os-cloud", "ubuntu-2204-jammy-v1", "ubuntu-2204-lts");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), example_config("gcp-nomad")).unwrap();
    std::fs::write(
        dir.path().join(EMULATORS_OVERRIDE),
        gcp_emulators_override(&fake.url, &fake.storage_url),
    )
    .unwrap();
    let vars = [("project", "bench-project".to_string())];
    phases(tf, dir.path(), cli_config, &vars, || fake.request_count())
}

/// examples/object-storage with `cloud = "gcp"` (a Cloud Storage bucket over gRPC, a service
/// account with object admin on it, workload identity for the server's storage users) against
/// a fresh fake GCP; requests are REST and gRPC together.
fn gcp_storage(tf: &Path, cli_config: &Path) -> Phases {
    let fake = acceptance_tests::fake_gcp::FakeGcp::start();
    // Beside examples/ (in .work/), so that the example's `../../modules/...` resolves.
    let dir = workspace_root().join(".work/benchmark-object-storage");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), example_config("object-storage")).unwrap();
    std::fs::write(
        dir.join(EMULATORS_OVERRIDE),
        gcp_emulators_override(&fake.url, &fake.storage_url),
    )
    .unwrap();
    let vars = [
        ("cloud", "gcp".to_string()),
        ("project", "bench-project".to_string()),
        ("region", "us-east1".to_string()),
    ];
    phases(tf, &dir, cli_config, &vars, || fake.request_count())
}

/// The binary as built and as shipped (debug info split out with `strip --strip-debug
/// --strip-unneeded`, as scripts/dist does).
fn print_binary_size(provider: &Path) {
    let mb = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| m.len() as f64 / 1_048_576.0)
            .unwrap_or(0.0)
    };
    let dir = tempfile::tempdir().unwrap();
    let stripped = dir.path().join("stripped");
    let status = Command::new("strip")
        .args(["--strip-debug", "--strip-unneeded", "-o"])
        .arg(&stripped)
        .arg(provider)
        .status();
    let shipped = match status {
        Ok(s) if s.success() => format!("{:.1} MB", mb(&stripped)),
        _ => "not taken (no `strip` on this machine)".into(),
    };
    println!("\n| binary | as built | shipped (debug info split out) |");
    println!("|---|---|---|");
    println!("| {} | {:.1} MB | {shipped} |", provider.display(), mb(provider));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let provider = args
        .iter()
        .position(|a| a == "--provider")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/release/terraform-provider-circleciserver"));
    assert!(
        provider.exists(),
        "{} not found: build it (scripts/benchmark does)",
        provider.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let reps = if quick { 1 } else { 3 };

    println!("# Provider: {}", provider.display());
    let ours = measure_our_provider(&provider, if quick { 5 } else { 20 }, &runtime);
    println!(
        "\n| provider | launch to handshake (median) | GetProviderSchema (median round trip) | schema size | peak RSS |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| circleciserver (this) | {:.2} ms | {:.3} ms | {} KB | {:.1} MB (after 200 schema calls + 200 nomad_tls plan/apply) |",
        ours.launch_ms,
        ours.schema_ms,
        ours.schema_bytes / 1024,
        ours.rss_mb
    );
    if let Some(mirror) = hashicorp_mirror() {
        let peer = std::fs::read_dir(mirror.join("registry.terraform.io/hashicorp/aws"))
            .ok()
            .and_then(|mut versions| versions.next())
            .and_then(|v| v.ok())
            .and_then(|v| std::fs::read_dir(v.path().join("linux_amd64")).ok())
            .and_then(|files| {
                files.flatten().map(|f| f.path()).find(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("terraform-provider-aws"))
                })
            });
        if let Some(peer) = peer {
            let figures = measure_peer(&peer, if quick { 2 } else { 5 }, &runtime);
            println!(
                "| peer: {} | {:.1} ms | {:.1} ms | {} KB | {:.1} MB (after GetSchema) |",
                peer.file_name().unwrap().to_string_lossy(),
                figures.launch_ms,
                figures.schema_ms,
                figures.schema_bytes / 1024,
                figures.rss_mb
            );
        }
    }

    print_binary_size(&provider);

    let mirror_dir = tempfile::tempdir().unwrap();
    let cli_config = write_mirror(&provider, mirror_dir.path());

    #[cfg(feature = "aws")]
    if args.iter().any(|a| a == "--aws") {
        println!(
            "\n# AWS against moto: bucket (+ encryption, versioning, public access block, TLS policy) + Nomad client group (launch template + ASG) + NLB (target group + listener); \"20% failing\": behind the fault proxy failing a fifth of all requests (throttling or 5xx) before they reach moto"
        );
        println!(
            "\n| Terraform | provider | apply | plan | destroy | AWS API requests reaching moto (apply / plan / destroy) |"
        );
        println!("|---|---|---|---|---|---|");
        for tf in terraforms() {
            for fail_fraction in [0.0, 0.2] {
                let sides: &[(bool, &str)] = if hashicorp_mirror().is_some() {
                    &[(true, "circleciserver (this)"), (false, "hashicorp/aws")]
                } else {
                    &[(true, "circleciserver (this)")]
                };
                for (ours_side, name) in sides {
                    let (phases, failed) = aws_comparison::run(&tf.path, &cli_config, *ours_side, fail_fraction);
                    let name = if fail_fraction > 0.0 {
                        format!("{name}, 20% failing ({failed} failed)")
                    } else {
                        name.to_string()
                    };
                    println!("| {} {}", tf.version, phases.row(&name));
                }
            }
        }
        if hashicorp_mirror().is_none() {
            println!("(hashicorp/aws rows not taken: no filesystem mirror holding it on this machine)");
        }
    }
    if args.iter().any(|a| a == "--gcp") {
        println!(
            "\n# GCP against the fake Compute Engine API: examples/gcp-nomad (Nomad TLS, VM service image, Nomad client group: template, regional group, autoscaler, health check, firewall)"
        );
        println!("\n| Terraform | apply | plan | destroy | API requests (apply / plan / destroy) |");
        println!("|---|---|---|---|---|");
        for tf in terraforms() {
            println!("{}", gcp_stack(&tf.path, &cli_config).row(&tf.version));
        }
        println!(
            "\n# GCP against the fake IAM, Resource Manager and Cloud Storage (gRPC) APIs: examples/object-storage with cloud = \"gcp\" (bucket, service account, bucket and account policies)"
        );
        println!("\n| Terraform | apply | plan | destroy | API requests (apply / plan / destroy) |");
        println!("|---|---|---|---|---|");
        for tf in terraforms() {
            println!("{}", gcp_storage(&tf.path, &cli_config).row(&tf.version));
        }
    }
    println!("\n| Terraform | resources | plan (floor) | apply (floor) | provider share of plan / apply |");
    println!("|---|---|---|---|---|");
    for tf in terraforms() {
        let (floor_plan, floor_apply) = measure_terraform(&tf.path, &cli_config, 0, reps, ours.launch_ms);
        for count in [1, 200] {
            let (plan, apply) = measure_terraform(&tf.path, &cli_config, count, reps, ours.launch_ms);
            println!(
                "| {} | {} | {:.0} ms ({:.0} ms) | {:.0} ms ({:.0} ms) | {:.1}% / {:.1}% |",
                tf.version,
                count,
                plan.wall_ms,
                floor_plan.wall_ms,
                apply.wall_ms,
                floor_apply.wall_ms,
                100.0 * plan.provider_ms / plan.wall_ms,
                100.0 * apply.provider_ms / apply.wall_ms
            );
        }
    }
}
