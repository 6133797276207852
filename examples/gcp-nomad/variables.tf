variable "project" {
  description = "GCP project that holds everything."
  type        = string
}

variable "region" {
  description = "Region of the Nomad client group."
  type        = string
  default     = "us-east1"
}

variable "name" {
  description = "Prefix of every name."
  type        = string
  default     = "circleci"
}

variable "labels" {
  description = "Labels on every GCP object."
  type        = map(string)
  default     = { app = "circleci-server" }
}

variable "network" {
  description = "VPC network of the Nomad clients (a name or a shared-VPC self link)."
  type        = string
  default     = "default"
}

variable "cluster_instance_groups" {
  description = "The GKE node pools' instance groups (instance_group_urls) behind the Nomad load balancer."
  type        = list(string)
  default     = []
}

variable "cluster_node_tags" {
  description = "Network tags of the GKE nodes: the load balancer's firewall rules open them only."
  type        = list(string)
  default     = ["gke-circleci-node"]
}

variable "cluster_cidrs" {
  description = "Ranges that reach the Nomad control plane: the Nomad clients' subnetwork and the cluster's."
  type        = list(string)
  default     = ["10.0.0.0/8"]
}

variable "nomad_node_port" {
  description = "Node port of the Nomad server's Service (circleciserver_server's node_ports.nomad)."
  type        = number
  default     = 30647
}

variable "ubuntu_image" {
  description = "Image of the Nomad clients and source of the VM service image."
  type        = string
  default     = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"

  validation {
    condition     = can(regex("^projects/[^/]+/global/images/", var.ubuntu_image))
    error_message = "The ubuntu_image value must be projects/PROJECT/global/images/NAME or .../images/family/FAMILY."
  }
}
