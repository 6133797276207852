# Nomad clients for CircleCI Server on GCP: the mTLS material, the VM service's machine image
# and the Nomad client group (a regional managed instance group with auto-healing and an
# ONLY_SCALE_OUT autoscaler). `scripts/run-example gcp-nomad` runs it against the project's
# fake Compute Engine API; against a real project, set `project` and `region`, leave
# `compute_endpoint` null and `anonymous` false, and log in with
# `gcloud auth application-default login` (or set `credentials`).

terraform {
  required_version = ">= 1.0"
  required_providers {
    circleci = {
      source = "circleci-server/circleci"
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

variable "nomad_server_address" {
  description = "The Nomad control plane's internal load balancer (circleci_server.nomad_server_endpoint)."
  type        = string
  default     = "nomad.circleci.internal"
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

provider "circleci" {
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

resource "circleci_nomad_tls" "this" {
  extra_server_sans = [var.nomad_server_address]
}

resource "circleci_vm_service_image" "linux" {
  name = "${var.name}-vm-linux"
  gcp {
    source_image = var.ubuntu_image
    family       = "circleci-vm"
  }
}

resource "circleci_nomad_client_group" "this" {
  name                 = "${var.name}-nomad"
  nomad_server_address = var.nomad_server_address
  tls = {
    ca_cert_pem     = circleci_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleci_nomad_tls.this.client_cert_pem
    client_key_pem  = circleci_nomad_tls.this.client_key_pem
  }
  min_size = 1
  max_size = 4
  gcp {
    network      = var.network
    source_image = var.ubuntu_image
  }
}

output "vm_service_image" {
  description = "For circleci_server's vm_service.linux_image."
  value       = circleci_vm_service_image.linux.image_id
}

output "nomad_instance_group" {
  description = "The group nomad-autoscaler scales (circleci_server's nomad_autoscaler.group)."
  value       = circleci_nomad_client_group.this.gcp.instance_group
}

output "nomad_instance_template" {
  value = circleci_nomad_client_group.this.gcp.instance_template
}
