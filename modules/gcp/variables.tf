variable "name" {
  description = "Prefix of every name this module gives (load balancers, bucket, client group, images, service accounts)."
  type        = string
  default     = "circleci"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,9}$", var.name))
    error_message = "The name must be 1-10 lower-case letters, digits or dashes, starting with a letter (it prefixes GCP names with length limits)."
  }
}

variable "project" {
  description = "GCP project of the cluster (the provider's): the VM service and nomad-autoscaler work in it."
  type        = string
}

variable "region" {
  description = "GCP region of the cluster (the provider's)."
  type        = string
}

variable "vm_zone" {
  description = "Zone the VM service starts its VMs in; null lets it choose in the region."
  type        = string
  default     = null
}

variable "domain" {
  description = "Domain name of the install (installer: Domain Name)."
  type        = string
}

variable "server_version" {
  description = "CircleCI Server version."
  type        = string
  default     = "3.4.0"
}

variable "github_url" {
  description = "https://github.com or your GitHub Enterprise URL."
  type        = string
  default     = "https://github.com"
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

variable "network" {
  description = "VPC network of the GKE cluster: a name in the project or a self link (shared VPC). The load balancers, the Nomad clients and the VM service's VMs go there."
  type        = string
}

variable "subnetwork" {
  description = "Subnetwork of the Nomad clients, the internal load balancers and the VMs (self link for shared VPC); null for the network's own in the region."
  type        = string
  default     = null
}

variable "cluster_cidrs" {
  description = "Address ranges of the cluster's nodes and pods and of the Nomad clients' subnetwork: the internal load balancers and the VM service's VMs accept them only, and jobs may not reach them."
  type        = list(string)
  validation {
    condition     = length(var.cluster_cidrs) > 0 && alltrue([for cidr in var.cluster_cidrs : can(cidrnetmask(cidr))])
    error_message = "Give at least one cluster_cidrs entry, each an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "frontend_source_ranges" {
  description = "Who may reach the front end and API load balancers."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "cluster_instance_groups" {
  description = "The GKE node pools' instance groups (instance_group_urls) that receive the load balancers' traffic (load_balancer_strategy = \"circleci\")."
  type        = list(string)
  default     = []
}

variable "cluster_node_tags" {
  description = "Network tags of the GKE nodes: the load balancers' firewall rules open them only."
  type        = list(string)
  validation {
    condition     = length(var.cluster_node_tags) > 0
    error_message = "Give the GKE nodes' network tags (a rule for no tags would open every VM in the network)."
  }
}

variable "workload_identity" {
  description = "The server's storage users, the VM service and nomad-autoscaler act as their GCP service accounts through GKE workload identity (the cluster needs it on). False gives them service-account key files instead."
  type        = bool
  default     = true
}

variable "namespace" {
  description = "Kubernetes namespace of the install."
  type        = string
  default     = "circleci-server"
}

variable "nomad_source_image" {
  description = "Ubuntu 22.04 (or newer) image of the Nomad clients: projects/P/global/images/NAME or .../images/family/F."
  type        = string
  default     = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"
}

variable "nomad_machine_type" {
  description = "Machine type of the Nomad clients."
  type        = string
  default     = "n2-standard-8"
}

variable "nomad_min_size" {
  description = "Fewest Nomad clients."
  type        = number
  default     = 1
  validation {
    condition     = var.nomad_min_size >= 1
    error_message = "The nomad_min_size must be 1 or more: nomad-autoscaler needs at least one client to scale from."
  }
}

variable "nomad_max_size" {
  description = "Most Nomad clients."
  type        = number
  default     = 4
}

variable "vm_source_image" {
  description = "Image the VM service's Linux machine image is copied from (projects/P/global/images/NAME or .../family/F); null to skip machine executors."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "Name of the object storage bucket (globally unique); null for NAME-DOMAIN with dots as dashes."
  type        = string
  default     = null
}

variable "bucket_location" {
  description = "Location of the bucket: a region or multi-region; null for the provider's region."
  type        = string
  default     = null
}

variable "object_storage_expiry_days" {
  description = "Delete artifacts, job output and audit logs this many days after they are written; null keeps them."
  type        = number
  default     = null
}

variable "load_balancer_strategy" {
  description = "\"circleci\": five circleciserver_load_balancer passthrough load balancers on fixed node ports (the default); \"kubernetes\": Kubernetes LoadBalancer services that GKE turns into load balancers (Nomad clients then reach nomad.DOMAIN, a DNS record you make)."
  type        = string
  default     = "circleci"
  validation {
    condition     = contains(["circleci", "kubernetes"], var.load_balancer_strategy)
    error_message = "The load_balancer_strategy must be \"circleci\" or \"kubernetes\"."
  }
}

variable "node_ports" {
  description = "Node port of each load balancer role and port (load_balancer_strategy = \"circleci\"): both the Kubernetes services and the load balancers take them."
  type        = map(map(number))
  default = {
    frontend         = { "80" = 30080, "443" = 30443 }
    api              = { "80" = 30081, "443" = 30444 }
    nomad            = { "4647" = 30647 }
    output_processor = { "8585" = 30585 }
    vm_service       = { "3000" = 30300 }
  }
}

variable "labels" {
  description = "Labels of the load balancers, bucket, images and client group (beside the provider's default_labels)."
  type        = map(string)
  default     = {}
}

variable "delete_data" {
  description = "Destroy also deletes the data stores' volumes and the generated keysets, and empties the bucket."
  type        = bool
  default     = false
}

# The Nomad mTLS material's inputs; null keeps the provider's defaults. To keep certificates
# imported from CircleCI-Public/server-terraform (docs/guides/migrate-from-server-terraform.md),
# state what they were made with: RSA_2048, 876600 hours, 876600 hours, ["127.0.0.1"].
variable "nomad_tls_key_algorithm" {
  description = "Key algorithm of the Nomad CA and certificates (circleciserver_nomad_tls key_algorithm); null for the provider's default."
  type        = string
  default     = null
}

variable "nomad_tls_validity_hours" {
  description = "Lifetime of the Nomad server and client certificates, in hours; null for the provider's default."
  type        = number
  default     = null
}

variable "nomad_tls_ca_validity_hours" {
  description = "Lifetime of the Nomad CA, in hours; null for the provider's default."
  type        = number
  default     = null
}

variable "nomad_tls_extra_server_sans" {
  description = "Names on the Nomad server certificate besides the defaults and the control plane's address."
  type        = list(string)
  default     = []
}
