# CircleCI Server installed into Kubernetes by Terraform: kubeconfig_path names the cluster,
# and the object storage and GitHub inputs are yours. `scripts/run-example server-install`
# applies a copy against the project's fake Kubernetes API server, through a kubeconfig it
# writes.

provider "circleciserver" {
  kubernetes {
    config_path = var.kubeconfig_path
  }
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = ["nomad.${var.domain}"]
}

resource "circleciserver_server" "this" {
  version = var.server_version
  domain  = var.domain

  github {
    client_id = var.github_client_id
  }
  github_client_secret = var.github_client_secret

  object_storage {
    bucket   = "circleci-server-data"
    region   = "eu-west-1"
    role_arn = "arn:aws:iam::123456789012:role/circleci-storage-circleci-server-data"
  }

  nomad_tls {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    server_cert_pem = circleciserver_nomad_tls.this.server_cert_pem
    # Nomad's HTTP API requires client certificates too, not only its RPC port.
    http_mtls = true
  }
  nomad_server_key_pem = circleciserver_nomad_tls.this.server_key_pem

  # Keysets, API token, session cookie key and passwords are generated and kept in state
  # (sensitive); give them to take over an existing install.
  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  delete_data             = var.delete_data
}
