# Nomad clients for CircleCI Server on GCP: the mTLS material, the Nomad control plane's
# internal load balancer, the VM service's machine image and the Nomad client group (a
# regional managed instance group with auto-healing and an ONLY_SCALE_OUT autoscaler) that
# joins the control plane through that load balancer. `scripts/run-example gcp-nomad` runs it against the project's
# fake Compute Engine API; against a real project, set `project` and `region`, leave
# `compute_endpoint` null and `anonymous` false, and log in with
# `gcloud auth application-default login` (or set `credentials`).

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

variable "compute_endpoint" {
  description = "Compute Engine API base URL for an emulator; null for Google's."
  type        = string
  default     = null
}

variable "anonymous" {
  description = "Send no credentials (emulators only)."
  type        = bool
  default     = false
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

provider "circleciserver" {
  gcp {
    project        = var.project
    region         = var.region
    anonymous      = var.anonymous
    default_labels = var.labels
    endpoints {
      compute = var.compute_endpoint
    }
  }
}

resource "circleciserver_load_balancer" "nomad" {
  name = "${var.name}-nomad-lb"
  role = "nomad"
  gcp {
    network         = var.network
    instance_groups = var.cluster_instance_groups
    node_ports      = { "4647" = var.nomad_node_port }
    target_tags     = var.cluster_node_tags
    source_ranges   = var.cluster_cidrs
  }
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = [circleciserver_load_balancer.nomad.hostname]
}

resource "circleciserver_vm_service_image" "linux" {
  name = "${var.name}-vm-linux"
  gcp {
    source_image = var.ubuntu_image
    family       = "circleci-vm"
  }
}

resource "circleciserver_nomad_client_group" "this" {
  name                 = "${var.name}-nomad"
  nomad_server_address = circleciserver_load_balancer.nomad.hostname
  tls = {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }
  min_size = 1
  max_size = 4
  gcp {
    network      = var.network
    source_image = var.ubuntu_image
  }
}

output "nomad_load_balancer" {
  description = "The Nomad control plane's internal address (circleciserver_server's load_balancer_hostnames.nomad)."
  value       = circleciserver_load_balancer.nomad.hostname
}

output "vm_service_image" {
  description = "For circleciserver_server's vm_service.linux_image."
  value       = circleciserver_vm_service_image.linux.image_id
}

output "nomad_instance_group" {
  description = "The group nomad-autoscaler scales (circleciserver_server's nomad_autoscaler.group)."
  value       = circleciserver_nomad_client_group.this.gcp.instance_group
}

output "nomad_instance_template" {
  value = circleciserver_nomad_client_group.this.gcp.instance_template
}
