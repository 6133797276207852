variable "project" {
  description = "GCP project of the cluster."
  type        = string
}

variable "region" {
  description = "GCP region of the cluster."
  type        = string
  default     = "us-east1"
}

variable "kubeconfig_path" {
  description = "kubeconfig of the cluster (its current context is used), e.g. from `aws eks update-kubeconfig --kubeconfig PATH` or `gcloud container clusters get-credentials`."
  type        = string
}

variable "labels" {
  description = "Labels on every GCP object that takes them (the provider adds its managed-by label)."
  type        = map(string)
  default     = { project = "circleci-server" }
}

variable "domain" {
  description = "Domain name of the server (global.domainName), e.g. circleci.example.com."
  type        = string
}

variable "github_client_id" {
  description = "Client ID of the GitHub OAuth app the server signs in with."
  type        = string
}

variable "github_client_secret" {
  description = "Client secret of that OAuth app."
  type        = string
  sensitive   = true
}

variable "license" {
  description = "The license CircleCI sends you."
  type        = string
  sensitive   = true
  default     = null
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
