# Everything of CircleCI Server that lives outside Kubernetes, on AWS: Nomad mTLS, the Nomad
# clients, object storage, the VM service's image and access, and the five load balancers.
# Against a real account: the standard AWS credential chain and your VPC, subnets, node groups
# and OIDC provider. `scripts/run-example aws-nomad` applies a copy against moto, with
# AWS_ENDPOINT_URL set.

provider "circleciserver" {
  aws {
    region       = var.region
    default_tags = var.tags
  }
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = [circleciserver_load_balancer.this["nomad"].hostname]
}

resource "circleciserver_load_balancer" "this" {
  for_each = var.node_ports

  name = "${var.name}-${replace(each.key, "_", "-")}"
  role = each.key
  aws {
    vpc_id                         = var.vpc_id
    subnet_ids                     = var.subnet_ids
    target_autoscaling_group_names = var.node_group_names
    node_ports                     = each.value
  }
}

resource "circleciserver_object_storage" "this" {
  name        = "${var.name}-server-data"
  expiry_days = 90
  access      = "iam_user"
  aws {}
}

resource "circleciserver_vm_service_image" "linux" {
  name = "${var.name}-vm-linux"
  aws {
    source_image_id = var.vm_source_image_id
  }
}

resource "circleciserver_vm_service_access" "this" {
  name          = "${var.name}-vm-service"
  cluster_cidrs = var.cluster_cidrs
  nomad_cidrs   = var.cluster_cidrs
  access        = "iam_user"
  aws {
    vpc_id = var.vpc_id
  }
}

resource "circleciserver_nomad_client_group" "linux" {
  name                 = "${var.name}-nomad"
  nomad_server_address = circleciserver_load_balancer.this["nomad"].hostname
  blocked_cidrs        = var.cluster_cidrs
  min_size             = 1
  max_size             = 4
  tls = {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }
  aws {
    vpc_id            = var.vpc_id
    subnet_ids        = var.subnet_ids
    image_id          = var.nomad_image_id
    autoscaler_access = "iam_user"
  }
}
