//! The start-up script of a Nomad client VM (cloud-init user data), shared by the clouds.
//!
//! It installs Docker CE (userns-remap, a default address pool, the `ci-privileged` network, a
//! docker-gc timer) and Nomad from HashiCorp's apt repository at a pinned version, writes the
//! mTLS files and the client configuration with `retry_join` to the control plane, and keeps
//! job containers away from the instance metadata range and any `blocked_cidrs` (DNS stays
//! reachable). apt is retried while another process holds the dpkg lock, which is common at
//! first boot.
//!
//! Every value is validated before rendering (see [`ClientSettings::problems`]), and PEM blocks
//! go through quoted heredocs, so nothing in the inputs can change the script's meaning.

use circleci_cty::AttributePath;
use circleci_tfplugin::validators::{is_dns_name, parse_cidr};

use crate::Cloud;

/// What a Nomad client needs to join the control plane.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSettings {
    /// host:port of the Nomad control plane's load balancer (port 4647 when left out).
    pub server_address: String,
    pub ca_cert_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    pub nomad_version: String,
    pub docker_network_cidr: String,
    pub blocked_cidrs: Vec<String>,
    pub node_class: String,
    /// Where the client runs: decides where the DNS resolver lives in link-local space.
    pub cloud: Cloud,
}

/// The Nomad CircleCI pins on Server 4.x's clients: CircleCI-Public/server-terraform's nomad-aws and
/// nomad-gcp default `nomad_client_version` to "1.7.7-1" (HashiCorp's apt package of 1.7.7). The
/// chart's own Nomad server version is not published (its images list is private); the 1.11.3 of
/// server-terraform's `nomad_server_version` is for the external servers of 4.8+, not the chart's.
pub const DEFAULT_NOMAD_VERSION: &str = "1.7.7";
pub const DEFAULT_DOCKER_NETWORK_CIDR: &str = "10.10.0.0/16";
pub const DEFAULT_NODE_CLASS: &str = "linux-64bit";
pub const NOMAD_RPC_PORT: u16 = 4647;

/// Splits `host[:port]`, defaulting the port to 4647.
pub fn split_server_address(address: &str) -> Option<(String, u16)> {
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (address, NOMAD_RPC_PORT),
    };
    let ok = is_dns_name(host) || host.parse::<std::net::IpAddr>().is_ok();
    (ok && port > 0).then(|| (host.to_string(), port))
}

impl ClientSettings {
    /// Problems with the inputs, each with the attribute (relative to `base`) it is about.
    pub fn problems(&self, base: &AttributePath) -> Vec<(AttributePath, String)> {
        let mut out = Vec::new();
        if split_server_address(&self.server_address).is_none() {
            out.push((
                base.attr("nomad_server_address"),
                format!(
                    "{:?} is not host or host:port (e.g. nomad.example.com:4647)",
                    self.server_address
                ),
            ));
        }
        let version_ok = !self.nomad_version.is_empty()
            && self
                .nomad_version
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !version_ok {
            out.push((
                base.attr("nomad_version"),
                format!("{:?} is not a version such as 1.7.7", self.nomad_version),
            ));
        }
        if !matches!(parse_cidr(&self.docker_network_cidr), Some((std::net::IpAddr::V4(_), len)) if len <= 24) {
            out.push((
                base.attr("docker_network_cidr"),
                format!(
                    "{:?} is not an IPv4 CIDR block of /24 or larger",
                    self.docker_network_cidr
                ),
            ));
        }
        for (i, cidr) in self.blocked_cidrs.iter().enumerate() {
            if parse_cidr(cidr).is_none() {
                out.push((
                    base.attr("blocked_cidrs").index(i as i64),
                    format!("{cidr:?} is not a CIDR block"),
                ));
            }
        }
        if self.node_class.is_empty()
            || !self
                .node_class
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            out.push((
                base.attr("node_class"),
                format!("{:?} may hold only letters, digits, - and _", self.node_class),
            ));
        }
        out
    }

    /// The Nomad client configuration (HCL).
    pub fn client_hcl(&self) -> String {
        let (host, port) =
            split_server_address(&self.server_address).unwrap_or((self.server_address.clone(), NOMAD_RPC_PORT));
        format!(
            r#"# Nomad client for CircleCI Server (rendered by terraform-provider-circleciserver)
log_level  = "INFO"
data_dir   = "/opt/nomad"
datacenter = "default"

advertise {{
  http = "{{{{ GetPrivateIP }}}}"
  rpc  = "{{{{ GetPrivateIP }}}}"
  serf = "{{{{ GetPrivateIP }}}}"
}}

client {{
  enabled    = true
  node_class = "{node_class}"

  server_join {{
    retry_join = ["{host}:{port}"]
  }}
}}

plugin "raw_exec" {{
  config {{
    enabled = true
  }}
}}

plugin "docker" {{
  config {{
    allow_privileged = true
    volumes {{
      enabled = true
    }}
  }}
}}

tls {{
  http = false
  rpc  = true

  ca_file   = "/etc/ssl/nomad/ca.pem"
  cert_file = "/etc/ssl/nomad/client.pem"
  key_file  = "/etc/ssl/nomad/key.pem"

  verify_server_hostname = true
}}
"#,
            node_class = self.node_class,
        )
    }

    /// The whole start-up script.
    pub fn script(&self) -> String {
        let blocked = std::iter::once("169.254.0.0/16".to_string())
            .chain(self.blocked_cidrs.iter().cloned())
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(" ");
        // The VPC resolver answers on a link-local address: 169.254.169.253 on AWS, the metadata
        // server on GCP. DNS to it stays open while the rest of the range is dropped.
        let resolver = if self.cloud == Cloud::Gcp {
            "169.254.169.254"
        } else {
            "169.254.169.253"
        };
        let pool = &self.docker_network_cidr;
        format!(
            r#"#!/usr/bin/env bash
# Nomad client for CircleCI Server (rendered by terraform-provider-circleciserver).
set -euo pipefail
exec > >(tee -a /var/log/circleci-nomad-startup.log) 2>&1

readonly NOMAD_VERSION='{version}'
readonly DOCKER_POOL='{pool}'
readonly DNS_RESOLVER='{resolver}'
readonly BLOCKED_CIDRS=({blocked})
export DEBIAN_FRONTEND=noninteractive

# apt at first boot races unattended-upgrades for the dpkg lock: wait for it, and retry.
apt_retry() {{
  local attempt
  for attempt in $(seq 1 20); do
    if apt-get -o DPkg::Lock::Timeout=300 "$@"; then
      return 0
    fi
    echo "apt-get $* failed (attempt ${{attempt}}); retrying in 15s" >&2
    sleep 15
  done
  return 1
}}

apt_retry update -q
apt_retry install -y -q ca-certificates curl gnupg chrony iptables
systemctl enable --now chrony

install -m 0755 -d /etc/apt/keyrings
. /etc/os-release
curl -fsSL --retry 5 https://download.docker.com/linux/ubuntu/gpg | gpg --dearmor --yes -o /etc/apt/keyrings/docker.gpg
curl -fsSL --retry 5 https://apt.releases.hashicorp.com/gpg | gpg --dearmor --yes -o /etc/apt/keyrings/hashicorp.gpg
echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu ${{VERSION_CODENAME}} stable" \
  > /etc/apt/sources.list.d/docker.list
echo "deb [signed-by=/etc/apt/keyrings/hashicorp.gpg] https://apt.releases.hashicorp.com ${{VERSION_CODENAME}} main" \
  > /etc/apt/sources.list.d/hashicorp.list
apt_retry update -q
apt_retry install -y -q docker-ce docker-ce-cli containerd.io "nomad=${{NOMAD_VERSION}}-1"
apt-mark hold nomad

# Docker: user namespaces for jobs, and an address pool that does not collide with the VPC.
mkdir -p /etc/docker
cat > /etc/docker/daemon.json <<EOF
{{
  "userns-remap": "default",
  "default-address-pools": [{{ "base": "${{DOCKER_POOL}}", "size": 24 }}],
  "log-driver": "json-file",
  "log-opts": {{ "max-size": "10m", "max-file": "3" }}
}}
EOF
systemctl restart docker
docker network inspect ci-privileged >/dev/null 2>&1 || docker network create --driver=bridge ci-privileged

cat > /etc/systemd/system/docker-gc.service <<'EOF'
[Unit]
Description=Remove Docker data that CI jobs left behind
[Service]
Type=oneshot
ExecStart=/usr/bin/docker system prune --all --force --filter until=24h
EOF
cat > /etc/systemd/system/docker-gc.timer <<'EOF'
[Unit]
Description=Run docker-gc hourly
[Timer]
OnCalendar=hourly
Persistent=true
[Install]
WantedBy=timers.target
EOF
systemctl daemon-reload
systemctl enable --now docker-gc.timer

# Job containers: DNS to the resolver stays open; metadata and blocked ranges are dropped.
iptables -N CIRCLECI-BLOCK 2>/dev/null || iptables -F CIRCLECI-BLOCK
iptables -A CIRCLECI-BLOCK -d "${{DNS_RESOLVER}}" -p udp --dport 53 -j RETURN
iptables -A CIRCLECI-BLOCK -d "${{DNS_RESOLVER}}" -p tcp --dport 53 -j RETURN
for cidr in "${{BLOCKED_CIDRS[@]}}"; do
  iptables -A CIRCLECI-BLOCK -d "${{cidr}}" -j DROP
done
iptables -C DOCKER-USER -j CIRCLECI-BLOCK 2>/dev/null || iptables -I DOCKER-USER 1 -j CIRCLECI-BLOCK

# mTLS material for the control plane.
install -d -m 0750 /etc/ssl/nomad
cat > /etc/ssl/nomad/ca.pem <<'EOF'
{ca}EOF
cat > /etc/ssl/nomad/client.pem <<'EOF'
{cert}EOF
( umask 077; cat > /etc/ssl/nomad/key.pem <<'EOF'
{key}EOF
)

install -d -m 0755 /etc/nomad /opt/nomad
cat > /etc/nomad/client.hcl <<'EOF'
{hcl}EOF

# The package's own unit would start a server too: run only the client configuration.
systemctl disable --now nomad.service 2>/dev/null || true
cat > /etc/systemd/system/nomad-client.service <<'EOF'
[Unit]
Description=Nomad client for CircleCI Server
Wants=network-online.target docker.service
After=network-online.target docker.service
[Service]
ExecStart=/usr/bin/nomad agent -config /etc/nomad/client.hcl
ExecReload=/bin/kill -HUP $MAINPID
KillMode=process
KillSignal=SIGINT
Restart=on-failure
RestartSec=5
LimitNOFILE=65536
[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable --now nomad-client.service
echo "Nomad client started"
"#,
            version = self.nomad_version,
            ca = with_newline(&self.ca_cert_pem),
            cert = with_newline(&self.client_cert_pem),
            key = with_newline(&self.client_key_pem),
            hcl = self.client_hcl(),
        )
    }
}

impl ClientSettings {
    /// Reads the settings back from a script this module rendered (for import and drift
    /// detection from a launch template's user data). `None` for any other script.
    pub fn parse(script: &str) -> Option<ClientSettings> {
        let quoted = |name: &str| -> Option<String> {
            let start = script.find(&format!("readonly {name}='"))? + name.len() + 11;
            let end = script[start..].find('\'')? + start;
            Some(script[start..end].to_string())
        };
        let heredoc = |path: &str| -> Option<String> {
            let marker = format!("cat > {path} <<'EOF'\n");
            let start = script.find(&marker)? + marker.len();
            // The heredoc ends at a line that is exactly EOF (a base64 line may end in "EOF").
            let end = script[start..].find("\nEOF\n")? + start + 1;
            Some(script[start..end].to_string())
        };
        let hcl_value = |key: &str| -> Option<String> {
            let line = script.lines().find(|l| l.trim_start().starts_with(key))?;
            let start = line.find('"')? + 1;
            let end = line[start..].find('"')? + start;
            Some(line[start..end].to_string())
        };
        let blocked_line = script.lines().find(|l| l.starts_with("readonly BLOCKED_CIDRS=("))?;
        let inner = blocked_line
            .strip_prefix("readonly BLOCKED_CIDRS=(")?
            .strip_suffix(')')?;
        let blocked_cidrs = inner
            .split_whitespace()
            .map(|c| c.trim_matches('\'').to_string())
            .filter(|c| c != "169.254.0.0/16")
            .collect();
        Some(ClientSettings {
            server_address: hcl_value("retry_join")?,
            ca_cert_pem: heredoc("/etc/ssl/nomad/ca.pem")?,
            client_cert_pem: heredoc("/etc/ssl/nomad/client.pem")?,
            client_key_pem: heredoc("/etc/ssl/nomad/key.pem")?,
            nomad_version: quoted("NOMAD_VERSION")?,
            docker_network_cidr: quoted("DOCKER_POOL")?,
            blocked_cidrs,
            node_class: hcl_value("node_class")?,
            cloud: if quoted("DNS_RESOLVER")? == "169.254.169.254" {
                Cloud::Gcp
            } else {
                Cloud::Aws
            },
        })
    }
}

fn with_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> ClientSettings {
        ClientSettings {
            server_address: "nomad.circleci.internal".into(),
            ca_cert_pem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n".into(),
            client_cert_pem: "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----".into(),
            client_key_pem: "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n".into(),
            nomad_version: DEFAULT_NOMAD_VERSION.into(),
            docker_network_cidr: DEFAULT_DOCKER_NETWORK_CIDR.into(),
            blocked_cidrs: vec!["10.0.0.0/8".into()],
            node_class: DEFAULT_NODE_CLASS.into(),
            cloud: Cloud::Aws,
        }
    }

    #[test]
    fn a_base64_line_ending_in_eof_does_not_end_the_heredoc() {
        let mut settings = sample();
        settings.client_key_pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49EOF\nAwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n".into();
        let parsed = ClientSettings::parse(&settings.script()).expect("parses");
        assert_eq!(parsed.client_key_pem, settings.client_key_pem);
    }

    #[test]
    fn server_address_defaults_to_4647() {
        assert_eq!(
            split_server_address("nomad.example.com"),
            Some(("nomad.example.com".into(), 4647))
        );
        assert_eq!(split_server_address("10.0.0.5:4700"), Some(("10.0.0.5".into(), 4700)));
        assert_eq!(split_server_address("bad host:1"), None);
    }

    #[test]
    fn script_carries_settings() {
        let s = sample().script();
        assert!(s.contains("retry_join = [\"nomad.circleci.internal:4647\"]"));
        assert!(s.contains("verify_server_hostname = true"));
        assert!(s.contains("readonly BLOCKED_CIDRS=('169.254.0.0/16' '10.0.0.0/8')"));
        assert!(
            s.contains("-----END CERTIFICATE-----\nEOF"),
            "PEM without trailing newline still ends its heredoc"
        );
        assert!(s.contains("DPkg::Lock::Timeout"));
    }

    #[test]
    fn parse_reads_back_what_script_wrote() {
        let settings = sample();
        let parsed = ClientSettings::parse(&settings.script()).expect("parse");
        assert_eq!(parsed.server_address, "nomad.circleci.internal:4647");
        assert_eq!(parsed.blocked_cidrs, settings.blocked_cidrs);
        assert_eq!(parsed.nomad_version, settings.nomad_version);
        assert_eq!(parsed.node_class, settings.node_class);
        assert_eq!(parsed.ca_cert_pem, settings.ca_cert_pem);
        assert_eq!(parsed.client_cert_pem.trim_end(), settings.client_cert_pem.trim_end());
        assert_eq!(parsed.client_key_pem, settings.client_key_pem);
        assert!(ClientSettings::parse("#!/bin/sh\necho hi\n").is_none());
    }

    #[test]
    fn bad_inputs_are_named() {
        let mut s = sample();
        s.nomad_version = "1.4; rm -rf /".into();
        s.blocked_cidrs = vec!["10.0.0.0/8".into(), "nope".into()];
        let problems = s.problems(&AttributePath::root());
        let paths: Vec<String> = problems.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(paths, vec!["nomad_version", "blocked_cidrs[1]"]);
    }
}
