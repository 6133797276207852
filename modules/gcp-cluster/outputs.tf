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

output "cluster_id" {
  description = "Id of the GKE cluster (projects/P/locations/L/clusters/NAME)."
  value       = google_container_cluster.this.id
}

output "workload_identity_pool" {
  description = "The cluster's workload identity pool, for workload identity bindings of your own."
  value       = "${var.project}.svc.id.goog"
}

output "node_service_account" {
  description = "Email of the nodes' service account (roles/container.defaultNodeServiceAccount only): grant it reads of a registry of your own."
  value       = google_service_account.nodes.email
}

output "node_network_tag" {
  description = "Network tag of the cluster's nodes, which the load balancers' firewall rules open: target it with firewall rules of your own."
  value       = local.node_tag
}

output "nat_router" {
  description = "Cloud Router of the network's Cloud NAT (self link)."
  value       = google_compute_router.this.self_link
}

output "secrets_kms_key" {
  description = "The Cloud KMS key that encrypts the cluster's Kubernetes secrets."
  value       = google_kms_crypto_key.secrets.id
}

output "load_balancer_forwarding_rules" {
  description = "Forwarding rule of each of the five load balancers, by role."
  value       = module.circleci.load_balancer_forwarding_rules
}

output "vm_service_network_tag" {
  description = "Network tag the VM service's VMs carry, for firewall rules of your own."
  value       = module.circleci.vm_service_network_tag
}

output "nomad_client_instance_group" {
  description = "The Nomad clients' instance group."
  value       = module.circleci.nomad_client_instance_group
}
