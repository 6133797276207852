# The whole of CircleCI Server 3.x on an existing VPC and EKS cluster, through modules/aws:
# Nomad mTLS, object storage, the VM service's image and access, the Nomad clients, the five
# load balancers, and the install in the cluster, wired together with nothing copied by hand.
#
# `scripts/run-example aws` applies it against local emulators (moto for AWS, the project's
# fake Kubernetes API server for the cluster). Against a real account: leave aws_endpoint_url
# and kubernetes_host unset, set kubeconfig_path (or host and token from your EKS module) and
# pass your VPC, subnets, node groups, OIDC provider, AMIs, domain and GitHub OAuth app.

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
  description = "AWS region of the cluster."
  type        = string
  default     = "eu-west-1"
}

variable "aws_endpoint_url" {
  description = "One endpoint for every AWS API, e.g. an emulator. Null means AWS itself."
  type        = string
  default     = null
}

variable "kubernetes_host" {
  description = "API server URL of the cluster; null to use kubeconfig_path."
  type        = string
  default     = null
}

variable "kubernetes_token" {
  description = "Bearer token for kubernetes_host."
  type        = string
  sensitive   = true
  default     = null
}

variable "kubernetes_insecure" {
  description = "Skip TLS verification of the API server (emulators only)."
  type        = bool
  default     = false
}

variable "kubeconfig_path" {
  description = "kubeconfig of the cluster, when kubernetes_host is null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags on every AWS object (the provider adds its owner tag)."
  type        = map(string)
  default     = { project = "circleci-server" }
}

variable "domain" {
  type    = string
  default = "circleci.example.com"
}

variable "github_client_id" {
  type    = string
  default = "Iv1.example"
}

variable "github_client_secret" {
  type      = string
  sensitive = true
  default   = "example-secret"
}

variable "license" {
  type      = string
  sensitive = true
  default   = null
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "Private subnets of the cluster."
  type        = list(string)
}

variable "cluster_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/16"]
}

variable "node_group_names" {
  description = "Autoscaling groups of the EKS node groups."
  type        = list(string)
}

variable "oidc_provider_arn" {
  description = "The EKS cluster's IAM OIDC provider (IRSA); null for IAM users with keys."
  type        = string
  default     = null
}

variable "nomad_image_id" {
  description = "Ubuntu 22.04 AMI of the Nomad clients."
  type        = string
}

variable "vm_source_image_id" {
  description = "AMI the VM service's machine image is copied from."
  type        = string
  default     = null
}

variable "delete_data" {
  description = "Destroy also deletes the data (volumes, keysets, the bucket's objects)."
  type        = bool
  default     = false
}

provider "circleciserver" {
  aws {
    region       = var.region
    endpoint_url = var.aws_endpoint_url
    default_tags = var.tags
  }
  kubernetes {
    host        = var.kubernetes_host
    token       = var.kubernetes_token
    insecure    = var.kubernetes_insecure
    config_path = var.kubeconfig_path
  }
}

module "circleci_server" {
  source = "../../modules/aws"

  region               = var.region
  domain               = var.domain
  github_client_id     = var.github_client_id
  github_client_secret = var.github_client_secret
  license              = var.license
  vpc_id               = var.vpc_id
  subnet_ids           = var.subnet_ids
  cluster_cidrs        = var.cluster_cidrs
  node_group_names     = var.node_group_names
  oidc_provider_arn    = var.oidc_provider_arn
  nomad_image_id       = var.nomad_image_id
  vm_source_image_id   = var.vm_source_image_id
  delete_data          = var.delete_data
}

output "load_balancers" {
  description = "The five load balancers, by role."
  value       = module.circleci_server.load_balancers
}

output "nomad_server_endpoint" {
  value = module.circleci_server.nomad_server_endpoint
}

output "services" {
  description = "Readiness of every service."
  value       = module.circleci_server.service_status
}

output "bucket" {
  value = module.circleci_server.bucket
}
