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
  description = "Name of the Nomad clients' autoscaling group."
  value       = circleciserver_nomad_client_group.this.id
}

output "vm_service_image_id" {
  description = "The VM service's Linux machine image (null when vm_source_image_id is)."
  value       = one(circleciserver_vm_service_image.linux[*].image_id)
}

output "nomad_tls_ca_cert_pem" {
  description = "CA of the Nomad mTLS material, for Nomad clients outside this module."
  value       = circleciserver_nomad_tls.this.ca_cert_pem
}

output "role_arns" {
  description = "IRSA role ARN of each identity, by name: object_storage (the server's bucket users), vm_service and nomad_autoscaler; null with access = \"iam_user\"."
  value = {
    object_storage   = circleciserver_object_storage.this.aws.role_arn
    vm_service       = circleciserver_vm_service_access.this.aws.role_arn
    nomad_autoscaler = circleciserver_nomad_client_group.this.aws.autoscaler_role_arn
  }
}

output "bucket_arn" {
  description = "ARN of the object storage bucket, for bucket policies or backups outside this module."
  value       = circleciserver_object_storage.this.aws.arn
}

output "load_balancer_arns" {
  description = "ARN of each load balancer, by role (empty with load_balancer_strategy = \"kubernetes\")."
  value       = { for role, lb in circleciserver_load_balancer.this : role => lb.aws.arn }
}

output "load_balancer_zone_ids" {
  description = "Route 53 hosted zone id of each load balancer, by role, for alias records beside load_balancers (empty with load_balancer_strategy = \"kubernetes\")."
  value       = { for role, lb in circleciserver_load_balancer.this : role => lb.aws.zone_id }
}

output "load_balancer_target_group_arns" {
  description = "Target group ARN of each load balancer's ports, by role then port: attach node groups made outside node_group_names to them (empty with load_balancer_strategy = \"kubernetes\")."
  value       = { for role, lb in circleciserver_load_balancer.this : role => lb.aws.target_group_arns }
}

output "vm_service_security_group_id" {
  description = "Security group of the VM service's VMs (SSH and Docker from cluster_cidrs only)."
  value       = circleciserver_vm_service_access.this.aws.security_group_id
}

output "nomad_client_security_group_id" {
  description = "Security group of the Nomad clients, for rules that let them reach services of yours."
  value       = circleciserver_nomad_client_group.this.aws.security_group_id
}

output "nomad_client_role_arn" {
  description = "IAM role of the Nomad clients' instances (no policies): attach a policy for jobs that need AWS access."
  value       = circleciserver_nomad_client_group.this.aws.iam_role_arn
}

output "nomad_client_group_arn" {
  description = "ARN of the Nomad clients' autoscaling group."
  value       = circleciserver_nomad_client_group.this.aws.autoscaling_group_arn
}
