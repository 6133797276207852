# CircleCI Server 3.x installed into Kubernetes by Terraform. `scripts/run-example
# server-install` runs it against an in-repo fake Kubernetes API server; against a real
# cluster, set kubeconfig_path (or use host/token from your EKS or GKE module) and the real
# storage and GitHub inputs.

terraform {
  required_version = ">= 1.0"
  required_providers {
    circleciserver = {
      source  = "circleci-server/circleciserver"
      version = "~> 0.1"
    }
  }
}

variable "kubernetes_host" {
  description = "API server URL; null to use kubeconfig_path."
  type        = string
  default     = null
}

variable "kubernetes_insecure" {
  description = "Skip TLS verification of the API server (tests only)."
  type        = bool
  default     = false
}

variable "kubeconfig_path" {
  type    = string
  default = null
}

variable "domain" {
  type    = string
  default = "circleci.example.com"
}

variable "server_version" {
  type    = string
  default = "3.4.0"
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

variable "image_registry_username" {
  description = "User of CircleCI's image registry, from the credentials CircleCI sends with the license; null to pull without."
  type        = string
  default     = null
}

variable "image_registry_password" {
  description = "Its password."
  type        = string
  sensitive   = true
  default     = null
}

variable "license" {
  description = "The license CircleCI sends you; null here, since the example runs against a fake cluster."
  type        = string
  sensitive   = true
  default     = null
}

variable "delete_data" {
  description = "Destroy also deletes the data stores' volumes and the kept inputs (keysets)."
  type        = bool
  default     = false
}

provider "circleciserver" {
  kubernetes {
    host        = var.kubernetes_host
    insecure    = var.kubernetes_insecure
    token       = var.kubernetes_host == null ? null : "example-token"
    config_path = var.kubeconfig_path
  }
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = ["nomad.${var.domain}"]
}

resource "circleciserver_server" "this" {
  version = var.server_version
  domain  = var.domain

  github {
    client_id = var.github_client_id
  }
  github_client_secret = var.github_client_secret

  object_storage {
    bucket   = "circleci-server-data"
    region   = "eu-west-1"
    role_arn = "arn:aws:iam::123456789012:role/circleci-storage-circleci-server-data"
  }

  nomad_tls {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    server_cert_pem = circleciserver_nomad_tls.this.server_cert_pem
    # Nomad's HTTP API requires client certificates too, not only its RPC port.
    http_mtls = true
  }
  nomad_server_key_pem = circleciserver_nomad_tls.this.server_key_pem

  # Keysets, API token, session cookie key and passwords are generated and kept in state
  # (sensitive); give them to take over an existing install.
  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  delete_data             = var.delete_data
}

output "load_balancers" {
  description = "The five load balancer addresses (the installer's hostnames)."
  value       = circleciserver_server.this.load_balancer_addresses
}

output "nomad_server_endpoint" {
  value = circleciserver_server.this.nomad_server_endpoint
}

output "services" {
  value = circleciserver_server.this.service_status
}
