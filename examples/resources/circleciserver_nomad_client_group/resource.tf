resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = [var.nomad_load_balancer_hostname]
}

resource "circleciserver_nomad_client_group" "linux" {
  name                 = "circleci-nomad"
  nomad_server_address = var.nomad_load_balancer_hostname
  blocked_cidrs        = ["10.0.0.0/8"]
  min_size             = 1
  max_size             = 4
  tls = {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }
  aws {
    vpc_id            = var.vpc_id
    subnet_ids        = var.private_subnet_ids
    image_id          = var.ubuntu_ami_id
    autoscaler_access = "irsa"
    oidc_provider_arn = var.oidc_provider_arn
  }
}
