# The whole of CircleCI Server 3.x on an existing VPC network and GKE cluster, through
# modules/gcp: Nomad mTLS, object storage, the VM service's image and access, the Nomad clients
# (nomad-autoscaler's access included), the five load balancers, and the install in the
# cluster, wired together with nothing copied by hand.
#
# `scripts/run-example gcp` applies it against local fakes (the project's fake GCP APIs and
# fake Kubernetes API server). Against a real project: leave gcp_endpoints empty and
# kubernetes_host unset, log in with `gcloud auth application-default login`, set
# kubeconfig_path (or host and token from your GKE module; workload identity on), and pass your
# network, the node pools' instance groups and network tags, domain and GitHub OAuth app.

terraform {
  required_version = ">= 1.0"
  required_providers {
    circleciserver = {
      source  = "circleci-server/circleciserver"
      version = "~> 0.1"
    }
  }
}

variable "project" {
  description = "GCP project of the cluster."
  type        = string
}

variable "region" {
  description = "GCP region of the cluster."
  type        = string
  default     = "us-east1"
}

variable "gcp_endpoints" {
  description = "API base URLs by API (compute, iam, resourcemanager, storage) for emulators; empty for Google's (then credentials come from Application Default Credentials)."
  type        = map(string)
  default     = {}
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

variable "labels" {
  description = "Labels on every GCP object that takes them (the provider adds its managed-by label)."
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

variable "network" {
  description = "VPC network of the cluster."
  type        = string
  default     = "default"
}

variable "cluster_cidrs" {
  description = "Ranges of the cluster's nodes and pods and the Nomad clients' subnetwork."
  type        = list(string)
  default     = ["10.0.0.0/8"]
}

variable "cluster_instance_groups" {
  description = "The GKE node pools' instance groups (instance_group_urls)."
  type        = list(string)
}

variable "cluster_node_tags" {
  description = "Network tags of the GKE nodes."
  type        = list(string)
  default     = ["gke-circleci-node"]
}

variable "workload_identity" {
  description = "GKE workload identity for the server's cloud access; false for key files."
  type        = bool
  default     = true
}

variable "vm_source_image" {
  description = "Image the VM service's machine image is copied from; null for none."
  type        = string
  default     = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"
}

variable "delete_data" {
  description = "Destroy also deletes the data (volumes, keysets, the bucket's objects)."
  type        = bool
  default     = false
}

provider "circleciserver" {
  gcp {
    project        = var.project
    region         = var.region
    anonymous      = length(var.gcp_endpoints) > 0
    default_labels = var.labels
    endpoints {
      compute         = lookup(var.gcp_endpoints, "compute", null)
      iam             = lookup(var.gcp_endpoints, "iam", null)
      resourcemanager = lookup(var.gcp_endpoints, "resourcemanager", null)
      storage         = lookup(var.gcp_endpoints, "storage", null)
    }
  }
  kubernetes {
    host        = var.kubernetes_host
    token       = var.kubernetes_token
    insecure    = var.kubernetes_insecure
    config_path = var.kubeconfig_path
  }
}

module "circleci_server" {
  source = "../../modules/gcp"

  project                 = var.project
  region                  = var.region
  domain                  = var.domain
  github_client_id        = var.github_client_id
  github_client_secret    = var.github_client_secret
  license                 = var.license
  network                 = var.network
  cluster_cidrs           = var.cluster_cidrs
  cluster_instance_groups = var.cluster_instance_groups
  cluster_node_tags       = var.cluster_node_tags
  workload_identity       = var.workload_identity
  vm_source_image         = var.vm_source_image
  delete_data             = var.delete_data
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

output "service_accounts" {
  description = "What each part of the server acts as in GCP."
  value       = module.circleci_server.service_accounts
}
