# CircleCI Server's object storage (artifacts, job output, audit logs) on either cloud, with
# the server's access to it: an S3 bucket and an IRSA role or IAM user on AWS, a Cloud Storage
# bucket and a service account (workload identity or key) on GCP. The calling module configures
# the circleciserver provider's `aws` or `gcp` block.

locals {
  default_access = {
    aws = var.oidc_provider_arn != null ? "irsa" : "iam_user"
    gcp = "workload_identity"
  }
  access = coalesce(var.access, local.default_access[var.cloud])
}

resource "circleciserver_object_storage" "this" {
  name          = var.name
  versioning    = var.versioning
  expiry_days   = var.expiry_days
  access        = local.access
  force_destroy = var.force_destroy
  tags          = var.tags

  dynamic "aws" {
    for_each = var.cloud == "aws" ? [1] : []
    content {
      kms_key_arn       = var.kms_key
      oidc_provider_arn = var.oidc_provider_arn
      namespace         = var.namespace
    }
  }

  dynamic "gcp" {
    for_each = var.cloud == "gcp" ? [1] : []
    content {
      location           = var.location
      kms_key_name       = var.kms_key
      namespace          = var.namespace
      service_account_id = var.gcp_service_account_id
    }
  }
}
