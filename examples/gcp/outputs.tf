output "load_balancers" {
  description = "The five load balancers, by role."
  value       = module.circleci_server.load_balancers
}

output "nomad_server_endpoint" {
  value = module.circleci_server.nomad_server_endpoint
}

output "services" {
  description = "Readiness of every service."
  value       = module.circleci_server.service_status
}

output "bucket" {
  value = module.circleci_server.bucket
}

output "service_accounts" {
  description = "What each part of the server acts as in GCP."
  value       = module.circleci_server.service_accounts
}
