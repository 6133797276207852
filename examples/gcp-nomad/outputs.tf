output "nomad_load_balancer" {
  description = "The Nomad control plane's internal address (circleciserver_server's load_balancer_hostnames.nomad)."
  value       = circleciserver_load_balancer.nomad.hostname
}

output "vm_service_image" {
  description = "For circleciserver_server's vm_service.linux_image."
  value       = circleciserver_vm_service_image.linux.image_id
}

output "nomad_instance_group" {
  description = "The group nomad-autoscaler scales (circleciserver_server's nomad_autoscaler.group)."
  value       = circleciserver_nomad_client_group.this.gcp.instance_group
}

output "nomad_instance_template" {
  value = circleciserver_nomad_client_group.this.gcp.instance_template
}
