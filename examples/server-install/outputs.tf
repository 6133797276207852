output "load_balancers" {
  description = "The five load balancer addresses (the installer's hostnames)."
  value       = circleciserver_server.this.load_balancer_addresses
}

output "nomad_server_endpoint" {
  value = circleciserver_server.this.nomad_server_endpoint
}

output "services" {
  value = circleciserver_server.this.service_status
}
