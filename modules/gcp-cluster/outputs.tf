output "cluster_name" {
  description = "Name of the GKE cluster."
  value       = google_container_cluster.this.name
}

output "cluster_endpoint" {
  description = "API server URL of the GKE cluster, for the circleciserver provider's kubernetes block."
  value       = "https://${google_container_cluster.this.endpoint}"
}

output "cluster_ca_certificate" {
  description = "The API server's CA (PEM), for the circleciserver provider's kubernetes block."
  value       = base64decode(google_container_cluster.this.master_auth[0].cluster_ca_certificate)
}

output "network" {
  description = "The VPC network made for the cluster (self link)."
  value       = google_compute_network.this.self_link
}

output "subnetwork" {
  description = "Its subnetwork (self link): nodes, Nomad clients, internal load balancers, VMs."
  value       = google_compute_subnetwork.this.self_link
}

output "load_balancers" {
  description = "Where each of the five load balancers is reached, by role. Point DNS for the domain at frontend and api."
  value       = module.circleci.load_balancers
}

output "nomad_server_endpoint" {
  description = "host:4647 of the Nomad control plane."
  value       = module.circleci.nomad_server_endpoint
}

output "service_status" {
  description = "Readiness of each service of the install."
  value       = module.circleci.service_status
}

output "bucket" {
  description = "The object storage bucket."
  value       = module.circleci.bucket
}

output "service_accounts" {
  description = "The GCP service accounts of the server's storage users, the VM service and nomad-autoscaler."
  value       = module.circleci.service_accounts
}
