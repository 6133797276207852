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
