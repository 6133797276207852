# Nomad mTLS material for CircleCI Server: what the installer's Nomad fields take, and what
# circleci_nomad_client_group writes onto each Nomad client.

terraform {
  required_providers {
    circleci = {
      source = "circleci-server/circleci"
    }
  }
}

provider "circleci" {}

variable "nomad_load_balancer_name" {
  description = "DNS name of the Nomad control plane's load balancer, added to the server certificate."
  type        = string
  default     = "nomad.circleci.example.com"
}

resource "circleci_nomad_tls" "this" {
  extra_server_sans = [var.nomad_load_balancer_name]
}

output "fingerprint" {
  description = "SHA-256 fingerprint of the Nomad CA."
  value       = circleci_nomad_tls.this.id
}

output "valid_until" {
  value = circleci_nomad_tls.this.validity_end_time
}

output "ca_certificate" {
  description = "The CA certificate is public; keys stay sensitive."
  value       = circleci_nomad_tls.this.ca_cert_pem
}

output "installer_fields" {
  description = "Nomad Server Certificate / Private Key / CA, base64-encoded for the installer."
  sensitive   = true
  value = {
    nomad_server_cert_base64 = circleci_nomad_tls.this.nomad_server_cert_base64
    nomad_server_key_base64  = circleci_nomad_tls.this.nomad_server_key_base64
    nomad_tls_ca_base64      = circleci_nomad_tls.this.nomad_tls_ca_base64
  }
}
