variable "cloud" {
  description = "`aws` or `gcp`."
  type        = string
  default     = "aws"
  validation {
    condition     = contains(["aws", "gcp"], var.cloud)
    error_message = "The cloud variable must be \"aws\" or \"gcp\"."
  }
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


variable "tags" {
  description = "AWS: tags on every object (the provider adds its owner tag)."
  type        = map(string)
  default     = { project = "circleci-server" }
}

variable "labels" {
  description = "GCP: labels on every object that takes them (the provider adds its managed-by label)."
  type        = map(string)
  default     = { project = "circleci-server" }
}
