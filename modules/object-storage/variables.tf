variable "cloud" {
  description = "`aws` (S3) or `gcp` (Cloud Storage)."
  type        = string
  validation {
    condition     = contains(["aws", "gcp"], var.cloud)
    error_message = "The cloud must be \"aws\" or \"gcp\"."
  }
}

variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "The bucket name must be 3-63 lower-case letters, digits, dots or dashes, starting and ending with a letter or digit."
  }
}

variable "access" {
  description = "How the server reaches the bucket. AWS: `irsa` (the default with oidc_provider_arn), `iam_user` (the default without) or `none`. GCP: `workload_identity` (the default), `key` or `none`."
  type        = string
  default     = null
}

variable "versioning" {
  description = "Keep object versions; Docker layer caching needs it."
  type        = bool
  default     = true
}

variable "expiry_days" {
  description = "Delete objects (and old versions) this many days after they are written; null keeps them."
  type        = number
  default     = null
}

variable "force_destroy" {
  description = "Delete every object when destroying (AWS). Without it, destroying a non-empty bucket fails and keeps it."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of the bucket and its IAM identity (AWS), or labels of the bucket (GCP: lowercase keys and values)."
  type        = map(string)
  default     = {}
}

variable "kms_key" {
  description = "Encrypt with this key instead of the cloud's managed keys: a KMS key ARN (AWS) or a Cloud KMS key name (GCP)."
  type        = string
  default     = null
}

variable "oidc_provider_arn" {
  description = "AWS: the EKS cluster's IAM OIDC provider, for `irsa`."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Kubernetes namespace of the server (IRSA or workload identity)."
  type        = string
  default     = "circleci-server"
}

variable "location" {
  description = "GCP: a region or multi-region; the provider's region when null."
  type        = string
  default     = null
}

variable "gcp_service_account_id" {
  description = "GCP: id of the server's service account; `cci-` and the bucket name when null."
  type        = string
  default     = null
}
