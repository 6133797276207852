resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = ["nomad.circleci.example.com"]
}

resource "circleciserver_server" "this" {
  version = "3.4.0"
  domain  = "circleci.example.com"
  github {
    client_id = var.github_client_id
  }
  github_client_secret = var.github_client_secret
  object_storage {
    bucket   = var.bucket
    region   = "us-east-1"
    role_arn = var.storage_role_arn
  }
  nomad_tls {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    server_cert_pem = circleciserver_nomad_tls.this.server_cert_pem
    http_mtls       = true
  }
  nomad_server_key_pem = circleciserver_nomad_tls.this.server_key_pem
  license              = var.license
}
