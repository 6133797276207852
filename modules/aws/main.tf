# CircleCI Server on an existing VPC and EKS cluster: Nomad mTLS, object storage, the VM
# service's image and access, the Nomad clients, the five load balancers, and the install
# itself wired to all of them. The calling module configures the circleciserver provider (its `aws`
# block for this account and region, its `kubernetes` block for the cluster).

locals {
  # IRSA roles trust the cluster's OIDC provider. Terraform 1.0 has neither preconditions nor
  # validations that see two variables: a missing one fails here, this message as the error.
  oidc_provider_arn = var.access == "iam_user" ? null : var.oidc_provider_arn != null ? var.oidc_provider_arn : tobool("The access is \"irsa\" but oidc_provider_arn is null: give oidc_provider_arn (the EKS cluster's IAM OIDC provider), or set access = \"iam_user\" for IAM users whose access keys are kept in state.")
  # Our load balancers sit on fixed node ports; the Kubernetes strategy lets the cloud's
  # controller make them, and the Nomad clients then find the control plane by DNS.
  own_load_balancers   = var.load_balancer_strategy == "circleci"
  nomad_server_address = local.own_load_balancers ? circleciserver_load_balancer.this["nomad"].hostname : "nomad.${var.domain}"
  client_group_name    = "${var.name}-nomad"
  # Bucket names are global: the domain makes the default one the install's own.
  bucket_name = coalesce(var.bucket_name, substr("${var.name}-${replace(var.domain, ".", "-")}", 0, 63))
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = concat([local.nomad_server_address], var.nomad_tls_extra_server_sans)
  key_algorithm     = var.nomad_tls_key_algorithm
  validity_hours    = var.nomad_tls_validity_hours
  ca_validity_hours = var.nomad_tls_ca_validity_hours
}

resource "circleciserver_load_balancer" "this" {
  for_each = local.own_load_balancers ? var.node_ports : {}

  name = "${var.name}-${replace(each.key, "_", "-")}"
  role = each.key
  tags = var.tags
  aws {
    vpc_id                         = var.vpc_id
    subnet_ids                     = var.subnet_ids
    target_autoscaling_group_names = var.node_group_names
    node_ports                     = each.value
  }
}

resource "circleciserver_object_storage" "this" {
  name          = local.bucket_name
  expiry_days   = var.object_storage_expiry_days
  access        = var.access
  force_destroy = var.delete_data
  tags          = var.tags
  aws {
    oidc_provider_arn = local.oidc_provider_arn
    namespace         = var.namespace
  }
}

resource "circleciserver_vm_service_image" "linux" {
  count = var.vm_source_image_id == null ? 0 : 1

  name = "${var.name}-vm-linux"
  tags = var.tags
  aws {
    source_image_id = var.vm_source_image_id
  }
}

resource "circleciserver_vm_service_access" "this" {
  name          = "${var.name}-vm-service"
  cluster_cidrs = var.cluster_cidrs
  nomad_cidrs   = var.cluster_cidrs
  access        = var.access
  tags          = var.tags
  aws {
    vpc_id            = var.vpc_id
    oidc_provider_arn = local.oidc_provider_arn
    namespace         = var.namespace
  }
}

resource "circleciserver_nomad_client_group" "this" {
  name                 = local.client_group_name
  nomad_server_address = local.nomad_server_address
  blocked_cidrs        = var.cluster_cidrs
  min_size             = var.nomad_min_size
  max_size             = var.nomad_max_size
  tags                 = var.tags
  tls = {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }
  aws {
    vpc_id            = var.vpc_id
    subnet_ids        = var.subnet_ids
    image_id          = var.nomad_image_id
    instance_type     = var.nomad_instance_type
    autoscaler_access = var.access
    oidc_provider_arn = local.oidc_provider_arn
    namespace         = var.namespace
  }
}

resource "circleciserver_server" "this" {
  version   = var.server_version
  domain    = var.domain
  namespace = var.namespace
  cloud     = "aws"

  github {
    url       = var.github_url
    client_id = var.github_client_id
  }
  github_client_secret = var.github_client_secret

  object_storage {
    bucket        = circleciserver_object_storage.this.bucket
    region        = circleciserver_object_storage.this.region
    role_arn      = circleciserver_object_storage.this.aws.role_arn
    access_key_id = circleciserver_object_storage.this.aws.access_key_id
  }
  object_storage_secret_access_key = circleciserver_object_storage.this.aws.secret_access_key

  nomad_tls {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    server_cert_pem = circleciserver_nomad_tls.this.server_cert_pem
    http_mtls       = true
  }
  nomad_server_key_pem = circleciserver_nomad_tls.this.server_key_pem

  vm_service {
    provider       = "ec2"
    region         = var.region
    subnet         = var.subnet_ids[0]
    security_group = circleciserver_vm_service_access.this.id
    linux_image    = one(circleciserver_vm_service_image.linux[*].image_id)
    role_arn       = circleciserver_vm_service_access.this.aws.role_arn
    access_key_id  = circleciserver_vm_service_access.this.aws.access_key_id
  }
  vm_service_secret_access_key = circleciserver_vm_service_access.this.aws.secret_access_key

  nomad_autoscaler {
    enabled       = true
    provider      = "aws"
    region        = var.region
    group         = circleciserver_nomad_client_group.this.id
    min           = var.nomad_min_size
    max           = var.nomad_max_size
    role_arn      = circleciserver_nomad_client_group.this.aws.autoscaler_role_arn
    access_key_id = circleciserver_nomad_client_group.this.aws.autoscaler_access_key_id
  }
  nomad_autoscaler_secret_access_key = circleciserver_nomad_client_group.this.aws.autoscaler_secret_access_key

  # Both sides take the same node ports, so neither waits for the other.
  node_ports              = local.own_load_balancers ? var.node_ports : null
  load_balancer_hostnames = local.own_load_balancers ? { for role, lb in circleciserver_load_balancer.this : role => lb.hostname } : null

  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  delete_data             = var.delete_data
}
