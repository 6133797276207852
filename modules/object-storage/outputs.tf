output "bucket" {
  description = "The bucket's name (installer: Storage Bucket Name)."
  value       = circleciserver_object_storage.this.bucket
}

output "region" {
  description = "Region (AWS) or location (GCP) of the bucket (installer: Storage Region)."
  value       = circleciserver_object_storage.this.region
}

output "endpoint" {
  description = "Storage endpoint URL."
  value       = circleciserver_object_storage.this.endpoint
}

output "access" {
  description = "The kind of access the server has."
  value       = circleciserver_object_storage.this.access
}

output "role_arn" {
  description = "AWS: the IRSA role of the server's service accounts."
  value       = try(circleciserver_object_storage.this.aws.role_arn, null)
}

output "access_key_id" {
  description = "AWS: the IAM user's access key id (`iam_user`)."
  value       = try(circleciserver_object_storage.this.aws.access_key_id, null)
}

output "secret_access_key" {
  description = "AWS: the IAM user's secret key (`iam_user`)."
  value       = try(circleciserver_object_storage.this.aws.secret_access_key, null)
  sensitive   = true
}

output "gcp_service_account" {
  description = "GCP: the server's service account (`circleciserver_server`'s object_storage.gcp_service_account)."
  value       = try(circleciserver_object_storage.this.gcp.service_account_email, null)
}

output "gcp_service_account_key" {
  description = "GCP: the service account's key file (`key`)."
  value       = try(circleciserver_object_storage.this.gcp.service_account_key, null)
  sensitive   = true
}
