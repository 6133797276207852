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
