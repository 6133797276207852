# CircleCI Server's object storage on either cloud, through modules/object-storage: the bucket
# and the server's access to it.
#
# Against AWS: `terraform apply -var cloud=aws -var name=BUCKET` (the standard credential chain;
# give oidc_provider_arn for IRSA). Against GCP: `-var cloud=gcp -var project=PROJECT` after
# `gcloud auth application-default login`. The tests apply it against moto and the project's
# fake GCP by setting the endpoint variables.

terraform {
  required_version = ">= 1.0"
  required_providers {
    circleciserver = {
      source  = "circleci-server/circleciserver"
      version = "~> 0.1"
    }
  }
}

variable "cloud" {
  description = "`aws` or `gcp`."
  type        = string
  default     = "aws"
}

variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
  default     = "circleci-example-data"
}

variable "region" {
  description = "AWS region, or GCP region (the bucket's location)."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "GCP project."
  type        = string
  default     = null
}

variable "oidc_provider_arn" {
  description = "AWS: the EKS cluster's IAM OIDC provider, for IRSA; an IAM user key without it."
  type        = string
  default     = null
}

variable "aws_endpoint_url" {
  description = "One endpoint for every AWS API, e.g. an emulator. Null means AWS itself."
  type        = string
  default     = null
}

variable "gcp_endpoints" {
  description = "GCP endpoints by API (compute, iam, resourcemanager, storage), e.g. an emulator's. Empty means Google itself."
  type        = map(string)
  default     = {}
}

provider "circleciserver" {
  dynamic "aws" {
    for_each = var.cloud == "aws" ? [1] : []
    content {
      region       = var.region
      endpoint_url = var.aws_endpoint_url
    }
  }
  dynamic "gcp" {
    for_each = var.cloud == "gcp" ? [1] : []
    content {
      project   = var.project
      region    = var.region
      anonymous = length(var.gcp_endpoints) > 0
      endpoints {
        compute         = lookup(var.gcp_endpoints, "compute", null)
        iam             = lookup(var.gcp_endpoints, "iam", null)
        resourcemanager = lookup(var.gcp_endpoints, "resourcemanager", null)
        storage         = lookup(var.gcp_endpoints, "storage", null)
      }
    }
  }
}

module "object_storage" {
  source = "../../modules/object-storage"

  cloud             = var.cloud
  name              = var.name
  expiry_days       = 90
  oidc_provider_arn = var.oidc_provider_arn
}

output "bucket" {
  value = module.object_storage.bucket
}

output "region" {
  value = module.object_storage.region
}

output "access" {
  value = module.object_storage.access
}

output "server_identity" {
  description = "What circleciserver_server's object_storage block takes: the IRSA role (AWS) or the service account (GCP)."
  value       = coalesce(module.object_storage.role_arn, module.object_storage.gcp_service_account, "an IAM user key")
}
