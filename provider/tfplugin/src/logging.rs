//! Logs in go-hclog's JSON line format on stderr: Terraform's plugin client parses these and
//! re-emits them at their own level, so `TF_LOG=debug terraform apply` shows them.

use std::io::Write;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The filter: `TF_LOG_PROVIDER`, else `TF_LOG`, else warnings only. Dependency crates (gRPC,
/// HTTP, TLS) log at most warnings unless trace is asked for: their trace holds wire data.
fn filter() -> EnvFilter {
    let level = std::env::var("TF_LOG_PROVIDER")
        .or_else(|_| std::env::var("TF_LOG"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let ours = match level.as_str() {
        "trace" | "json" => "trace",
        "debug" => "debug",
        "info" => "info",
        "error" => "error",
        "off" => "off",
        _ => "warn",
    };
    let deps = if ours == "trace" { "debug" } else { "warn" };
    EnvFilter::new(format!(
        "{deps},circleci={ours},circleci_tfplugin={ours},terraform_provider_circleciserver={ours}"
    ))
}

struct HclogLayer;

#[derive(Default)]
struct Fields {
    message: String,
    extra: serde_json::Map<String, serde_json::Value>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.extra.insert(field.name().to_string(), value.into());
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.extra.insert(field.name().to_string(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.extra.insert(field.name().to_string(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.extra.insert(field.name().to_string(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.extra.insert(field.name().to_string(), text.into());
        }
    }
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = match *event.metadata().level() {
            Level::TRACE => "trace",
            Level::DEBUG => "debug",
            Level::INFO => "info",
            Level::WARN => "warn",
            Level::ERROR => "error",
        };
        let mut line = fields.extra;
        line.insert("@level".into(), level.into());
        line.insert("@message".into(), fields.message.into());
        line.insert("@module".into(), event.metadata().target().replace("::", ".").into());
        if let Ok(mut text) = serde_json::to_vec(&line) {
            text.push(b'\n');
            // One write per line so lines from several threads never interleave.
            let _ = std::io::stderr().lock().write_all(&text);
        }
    }
}

/// Installs the logger; call once at start-up.
pub fn init() {
    let _ = tracing_subscriber::registry()
        .with(filter())
        .with(HclogLayer)
        .try_init();
}
