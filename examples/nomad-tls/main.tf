# Nomad mTLS material for CircleCI Server: what the installer's Nomad fields take, and what
# circleciserver_nomad_client_group writes onto each Nomad client.

provider "circleciserver" {}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = [var.nomad_load_balancer_name]
}
