# Nomad mTLS material for CircleCI Server: what the installer's Nomad fields take, and what
# circleciserver_nomad_client_group writes onto each Nomad client.

terraform {
  required_providers {
    circleciserver = {
      source  = "circleci-server/circleciserver"
      version = "~> 0.1"
    }
  }
}

provider "circleciserver" {}

variable "nomad_load_balancer_name" {
  description = "DNS name of the Nomad control plane's load balancer, added to the server certificate."
  type        = string
  default     = "nomad.circleci.example.com"
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = [var.nomad_load_balancer_name]
}

output "fingerprint" {
  description = "SHA-256 fingerprint of the Nomad CA."
  value       = circleciserver_nomad_tls.this.id
}

output "valid_until" {
  value = circleciserver_nomad_tls.this.validity_end_time
}

output "ca_certificate" {
  description = "The CA certificate is public; keys stay sensitive."
  value       = circleciserver_nomad_tls.this.ca_cert_pem
}

output "installer_fields" {
  description = "Nomad Server Certificate / Private Key / CA, base64-encoded for the installer."
  sensitive   = true
  value = {
    nomad_server_cert_base64 = circleciserver_nomad_tls.this.nomad_server_cert_base64
    nomad_server_key_base64  = circleciserver_nomad_tls.this.nomad_server_key_base64
    nomad_tls_ca_base64      = circleciserver_nomad_tls.this.nomad_tls_ca_base64
  }
}
