output "load_balancers" {
  value = module.circleci_server.load_balancers
}

output "nomad_server_endpoint" {
  value = module.circleci_server.nomad_server_endpoint
}

output "services" {
  value = module.circleci_server.service_status
}

output "bucket" {
  value = module.circleci_server.bucket
}

output "service_accounts" {
  value = module.circleci_server.service_accounts
}
