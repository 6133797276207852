output "load_balancers" {
  description = "Where each of the five load balancers is reached, by role (the installer's hostnames). Point DNS for the domain at frontend and api."
  value       = circleciserver_server.this.load_balancer_addresses
}

output "nomad_server_endpoint" {
  description = "host:4647 of the Nomad control plane, as the Nomad clients reach it."
  value       = "${local.nomad_server_address}:4647"
}

output "service_status" {
  description = "Readiness of each service of the install (`ready` or `not ready`)."
  value       = circleciserver_server.this.service_status
}

output "bucket" {
  description = "The object storage bucket (artifacts, job output, audit logs)."
  value       = circleciserver_object_storage.this.bucket
}

output "nomad_client_group" {
  description = "The Nomad clients' regional managed instance group."
  value       = circleciserver_nomad_client_group.this.gcp.instance_group_manager
}

output "vm_service_image" {
  description = "The VM service's Linux machine image (null when vm_source_image is)."
  value       = one(circleciserver_vm_service_image.linux[*].image_id)
}

output "service_accounts" {
  description = "The GCP service accounts of the server's storage users, the VM service and nomad-autoscaler."
  value = {
    storage          = circleciserver_object_storage.this.gcp.service_account_email
    vm_service       = circleciserver_vm_service_access.this.gcp.service_account_email
    nomad_autoscaler = circleciserver_nomad_client_group.this.gcp.autoscaler_service_account_email
  }
}

output "nomad_tls_ca_cert_pem" {
  description = "CA of the Nomad mTLS material, for Nomad clients outside this module."
  value       = circleciserver_nomad_tls.this.ca_cert_pem
}

output "load_balancer_forwarding_rules" {
  description = "Forwarding rule of each load balancer, by role (empty with load_balancer_strategy = \"kubernetes\")."
  value       = { for role, lb in circleciserver_load_balancer.this : role => lb.gcp.forwarding_rule }
}

output "load_balancer_backend_services" {
  description = "Backend service of each load balancer, by role: add instance groups made outside cluster_instance_groups to them (empty with load_balancer_strategy = \"kubernetes\")."
  value       = { for role, lb in circleciserver_load_balancer.this : role => lb.gcp.backend_service }
}

output "vm_service_network_tag" {
  description = "Network tag the VM service's VMs carry, for firewall rules of your own."
  value       = circleciserver_vm_service_access.this.gcp.network_tag
}

output "nomad_client_instance_group" {
  description = "The Nomad clients' instance group (nomad-autoscaler's target)."
  value       = circleciserver_nomad_client_group.this.gcp.instance_group
}
