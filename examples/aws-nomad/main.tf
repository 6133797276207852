# Everything of CircleCI Server 3.x that lives outside Kubernetes, on AWS: Nomad mTLS, the
# Nomad clients, object storage, the VM service's image and access, and the five load
# balancers. `scripts/run-example aws-nomad` applies it against moto; against real AWS, leave
# aws_endpoint_url unset and pass your VPC, subnets, node groups and OIDC provider.

terraform {
  required_version = ">= 1.0"
  required_providers {
    circleciserver = {
      source  = "circleci-server/circleciserver"
      version = "~> 0.1"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "aws_endpoint_url" {
  description = "One endpoint for every AWS API, e.g. an emulator. Null means AWS itself."
  type        = string
  default     = null
}

variable "name" {
  description = "Prefix of every name."
  type        = string
  default     = "circleci"
}

variable "tags" {
  description = "Tags on every AWS object (the provider adds its owner tag)."
  type        = map(string)
  default     = { project = "circleci-server" }
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "Private subnets of the cluster and the Nomad clients."
  type        = list(string)
}

variable "cluster_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/16"]
}

variable "node_group_names" {
  description = "Autoscaling groups of the EKS node groups that receive load balancer traffic."
  type        = list(string)
}

variable "nomad_image_id" {
  description = "Ubuntu 22.04 AMI of the Nomad clients."
  type        = string
}

variable "vm_source_image_id" {
  description = "AMI the VM service's machine image is copied from."
  type        = string
}

variable "node_ports" {
  description = "Node ports of the five Kubernetes services, per role and port."
  type        = map(map(number))
  default = {
    frontend         = { "80" = 30080, "443" = 30443 }
    api              = { "80" = 30081, "443" = 30444 }
    nomad            = { "4647" = 30647 }
    output_processor = { "8585" = 30585 }
    vm_service       = { "3000" = 30300 }
  }
}

provider "circleciserver" {
  aws {
    region       = var.region
    endpoint_url = var.aws_endpoint_url
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

output "load_balancers" {
  description = "DNS names of the five load balancers (the installer's hostnames)."
  value       = { for role, lb in circleciserver_load_balancer.this : role => lb.hostname }
}

output "storage" {
  value = {
    bucket   = circleciserver_object_storage.this.bucket
    region   = circleciserver_object_storage.this.region
    endpoint = circleciserver_object_storage.this.endpoint
  }
}

output "vm_service" {
  value = {
    linux_image_id    = circleciserver_vm_service_image.linux.image_id
    security_group_id = circleciserver_vm_service_access.this.aws.security_group_id
  }
}

output "nomad_client_group" {
  value = {
    name                    = circleciserver_nomad_client_group.linux.id
    launch_template_version = circleciserver_nomad_client_group.linux.aws.launch_template_version
  }
}

output "installer_secrets" {
  description = "Credentials and certificates for the installer (terraform output -json installer_secrets)."
  sensitive   = true
  value = {
    storage_access_key_id     = circleciserver_object_storage.this.aws.access_key_id
    storage_secret_access_key = circleciserver_object_storage.this.aws.secret_access_key
    vm_service_access_key_id  = circleciserver_vm_service_access.this.aws.access_key_id
    vm_service_secret_key     = circleciserver_vm_service_access.this.aws.secret_access_key
    nomad_server_cert_base64  = circleciserver_nomad_tls.this.nomad_server_cert_base64
    nomad_server_key_base64   = circleciserver_nomad_tls.this.nomad_server_key_base64
    nomad_tls_ca_base64       = circleciserver_nomad_tls.this.nomad_tls_ca_base64
  }
}
