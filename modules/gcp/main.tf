# CircleCI Server on an existing VPC network and GKE cluster: Nomad mTLS, object storage,
# the VM service's image and access, the Nomad clients, the five load balancers, and the
# install itself wired to all of them. The calling module configures the circleciserver provider (its
# `gcp` block for this project and region, its `kubernetes` block for the cluster).

locals {
  access = var.workload_identity ? "workload_identity" : "key"
  # Our load balancers sit on fixed node ports; the Kubernetes strategy lets GKE make them,
  # and the Nomad clients then find the control plane by DNS.
  own_load_balancers   = var.load_balancer_strategy == "circleci"
  nomad_server_address = local.own_load_balancers ? circleciserver_load_balancer.this["nomad"].hostname : "nomad.${var.domain}"
  # Bucket names are global: the domain makes the default one the install's own.
  bucket_name = coalesce(var.bucket_name, substr("${var.name}-${replace(var.domain, ".", "-")}", 0, 63))
  # Who may reach each load balancer: anyone for the front end, the VPC's ranges for the rest.
  source_ranges = {
    frontend         = var.frontend_source_ranges
    api              = var.frontend_source_ranges
    nomad            = var.cluster_cidrs
    output_processor = var.cluster_cidrs
    vm_service       = var.cluster_cidrs
  }
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = concat([local.nomad_server_address], var.nomad_tls_extra_server_sans)
  key_algorithm     = var.nomad_tls_key_algorithm
  validity_hours    = var.nomad_tls_validity_hours
  ca_validity_hours = var.nomad_tls_ca_validity_hours
}

resource "circleciserver_load_balancer" "this" {
  for_each = local.own_load_balancers ? var.node_ports : {}

  # NAME-ROLE-lb: the client group is NAME-nomad, and both name their firewall rules after themselves.
  name = "${var.name}-${replace(each.key, "_", "-")}-lb"
  role = each.key
  tags = var.labels
  gcp {
    network         = var.network
    subnetwork      = var.subnetwork
    instance_groups = var.cluster_instance_groups
    node_ports      = each.value
    target_tags     = var.cluster_node_tags
    source_ranges   = local.source_ranges[each.key]
  }
}

resource "circleciserver_object_storage" "this" {
  name          = local.bucket_name
  expiry_days   = var.object_storage_expiry_days
  access        = local.access
  force_destroy = var.delete_data
  tags          = var.labels
  gcp {
    location  = var.bucket_location
    namespace = var.namespace
  }
}

resource "circleciserver_vm_service_image" "linux" {
  count = var.vm_source_image == null ? 0 : 1

  name = "${var.name}-vm-linux"
  tags = var.labels
  gcp {
    source_image = var.vm_source_image
    family       = "${var.name}-vm-linux"
  }
}

resource "circleciserver_vm_service_access" "this" {
  name          = "${var.name}-vm-service"
  cluster_cidrs = var.cluster_cidrs
  nomad_cidrs   = var.cluster_cidrs
  access        = local.access
  gcp {
    network   = var.network
    namespace = var.namespace
  }
}

resource "circleciserver_nomad_client_group" "this" {
  name                 = "${var.name}-nomad"
  nomad_server_address = local.nomad_server_address
  blocked_cidrs        = var.cluster_cidrs
  min_size             = var.nomad_min_size
  max_size             = var.nomad_max_size
  tags                 = var.labels
  tls = {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }
  gcp {
    network           = var.network
    subnetwork        = var.subnetwork
    source_image      = var.nomad_source_image
    machine_type      = var.nomad_machine_type
    autoscaler_access = local.access
    namespace         = var.namespace
  }
}

resource "circleciserver_server" "this" {
  version   = var.server_version
  domain    = var.domain
  namespace = var.namespace
  cloud     = "gcp"

  github {
    url       = var.github_url
    client_id = var.github_client_id
  }
  github_client_secret = var.github_client_secret

  object_storage {
    bucket              = circleciserver_object_storage.this.bucket
    region              = circleciserver_object_storage.this.region
    gcp_service_account = circleciserver_object_storage.this.gcp.service_account_email
  }
  object_storage_service_account_key = circleciserver_object_storage.this.gcp.service_account_key

  nomad_tls {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    server_cert_pem = circleciserver_nomad_tls.this.server_cert_pem
    http_mtls       = true
  }
  nomad_server_key_pem = circleciserver_nomad_tls.this.server_key_pem

  vm_service {
    provider            = "gce"
    project             = var.project
    region              = var.region
    zone                = var.vm_zone
    subnet              = var.subnetwork
    network_tag         = circleciserver_vm_service_access.this.gcp.network_tag
    linux_image         = one(circleciserver_vm_service_image.linux[*].image_id)
    gcp_service_account = circleciserver_vm_service_access.this.gcp.service_account_email
  }
  vm_service_service_account_key = circleciserver_vm_service_access.this.gcp.service_account_key

  nomad_autoscaler {
    enabled             = true
    provider            = "gcp"
    project             = var.project
    region              = var.region
    group               = circleciserver_nomad_client_group.this.gcp.instance_group_manager
    min                 = var.nomad_min_size
    max                 = var.nomad_max_size
    gcp_service_account = circleciserver_nomad_client_group.this.gcp.autoscaler_service_account_email
  }
  nomad_autoscaler_service_account_key = circleciserver_nomad_client_group.this.gcp.autoscaler_service_account_key

  # Both sides take the same node ports, so neither waits for the other.
  node_ports              = local.own_load_balancers ? var.node_ports : null
  load_balancer_hostnames = local.own_load_balancers ? { for role, lb in circleciserver_load_balancer.this : role => lb.hostname } : null

  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  delete_data             = var.delete_data
}
