variable "name" {
  description = "Prefix of every name: the network, the GKE cluster and what modules/gcp makes."
  type        = string
  default     = "circleci"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,9}$", var.name))
    error_message = "The name must be 1-10 lower-case letters, digits or dashes, starting with a letter (it prefixes GCP names with length limits)."
  }
}

variable "project" {
  description = "GCP project of everything (its billing must be on; this module turns on the APIs it uses)."
  type        = string
}

variable "region" {
  description = "GCP region of everything: the cluster and its node pool span the region's zones."
  type        = string
}

variable "domain" {
  description = "Domain name of the install (installer: Domain Name)."
  type        = string
}

variable "github_client_id" {
  description = "Client id of the GitHub OAuth app."
  type        = string
}

variable "github_client_secret" {
  description = "Client secret of the GitHub OAuth app."
  type        = string
  sensitive   = true
}

variable "license" {
  description = "The license CircleCI sends you."
  type        = string
  sensitive   = true
  default     = null
}

variable "image_registry_username" {
  description = "User of CircleCI's image registry (sent with the license); null to pull without."
  type        = string
  default     = null
}

variable "image_registry_password" {
  description = "Password of image_registry_username."
  type        = string
  sensitive   = true
  default     = null
}

variable "subnetwork_cidr" {
  description = "Primary range of the subnetwork: the cluster's nodes, the Nomad clients, the internal load balancers and the VM service's VMs."
  type        = string
  default     = "10.0.0.0/20"
  validation {
    condition     = can(cidrnetmask(var.subnetwork_cidr))
    error_message = "The subnetwork_cidr must be an IPv4 CIDR block such as 10.0.0.0/20."
  }
}

variable "pods_cidr" {
  description = "Secondary range of the subnetwork for the cluster's pods."
  type        = string
  default     = "10.16.0.0/14"
  validation {
    condition     = can(cidrnetmask(var.pods_cidr))
    error_message = "The pods_cidr must be an IPv4 CIDR block such as 10.16.0.0/14."
  }
}

variable "services_cidr" {
  description = "Secondary range of the subnetwork for the cluster's Services."
  type        = string
  default     = "10.20.0.0/20"
  validation {
    condition     = can(cidrnetmask(var.services_cidr))
    error_message = "The services_cidr must be an IPv4 CIDR block such as 10.20.0.0/20."
  }
}

variable "control_plane_cidr" {
  description = "The /28 GKE gives the private cluster's control plane; it must not overlap the other ranges."
  type        = string
  default     = "172.16.0.0/28"
  validation {
    condition     = can(cidrnetmask(var.control_plane_cidr)) && can(regex("/28$", var.control_plane_cidr))
    error_message = "The control_plane_cidr must be an IPv4 /28 block such as 172.16.0.0/28."
  }
}

variable "api_authorized_cidrs" {
  description = "Who may reach the GKE API server's public endpoint (where Terraform runs from); an empty list keeps the endpoint private."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for cidr in var.api_authorized_cidrs : can(cidrnetmask(cidr))])
    error_message = "Each api_authorized_cidrs entry must be an IPv4 CIDR block such as 203.0.113.0/24."
  }
}

variable "nat_min_ports_per_vm" {
  description = "Cloud NAT ports each node and Nomad client gets at least: CI jobs open many connections at once, and Cloud NAT's default of 64 drops the rest."
  type        = number
  default     = 1024
  validation {
    condition     = var.nat_min_ports_per_vm >= 64 && var.nat_min_ports_per_vm <= 65536
    error_message = "The nat_min_ports_per_vm must be 64 to 65536."
  }
}

variable "release_channel" {
  description = "GKE release channel of the cluster (its Kubernetes version follows it)."
  type        = string
  default     = "REGULAR"
  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "The release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "node_machine_type" {
  description = "Machine type of the cluster's nodes (CircleCI Server asks for about 32 vCPUs and 64 GiB across the cluster)."
  type        = string
  default     = "n2-standard-16"
}

variable "node_count_per_zone" {
  description = "Nodes in each of the region's zones (a regional node pool: three zones in most regions)."
  type        = number
  default     = 1
  validation {
    condition     = var.node_count_per_zone >= 1
    error_message = "The node_count_per_zone must be 1 or more."
  }
}

variable "deletion_protection" {
  description = "GKE refuses to delete the cluster (destroy fails) until this is set false and applied."
  type        = bool
  default     = true
}

variable "nomad_source_image" {
  description = "Ubuntu 22.04 (or newer) image of the Nomad clients: projects/P/global/images/NAME or .../images/family/F."
  type        = string
  default     = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"
}

variable "vm_source_image" {
  description = "Image the VM service's Linux machine image is copied from; null to skip machine executors."
  type        = string
  default     = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"
}

variable "labels" {
  description = "Labels on everything made that takes them (beside the providers' default labels)."
  type        = map(string)
  default     = {}
}

variable "delete_data" {
  description = "Destroy also deletes the data stores' volumes, the generated keysets and the bucket's objects."
  type        = bool
  default     = false
}
