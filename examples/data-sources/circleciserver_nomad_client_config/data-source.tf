resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = [var.nomad_load_balancer_hostname]
}

# The start-up script of a Nomad client, for a group you run yourself.
data "circleciserver_nomad_client_config" "this" {
  nomad_server_address = var.nomad_load_balancer_hostname
  blocked_cidrs        = ["10.0.0.0/8"]
  tls = {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }
}
