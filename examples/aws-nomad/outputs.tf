output "load_balancers" {
  description = "DNS names of the five load balancers (the installer's hostnames)."
  value       = { for role, lb in circleciserver_load_balancer.this : role => lb.hostname }
}

output "storage" {
  value = {
    bucket   = circleciserver_object_storage.this.bucket
    region   = circleciserver_object_storage.this.region
    endpoint = circleciserver_object_storage.this.endpoint
  }
}

output "vm_service" {
  value = {
    linux_image_id    = circleciserver_vm_service_image.linux.image_id
    security_group_id = circleciserver_vm_service_access.this.aws.security_group_id
  }
}

output "nomad_client_group" {
  value = {
    name                    = circleciserver_nomad_client_group.linux.id
    launch_template_version = circleciserver_nomad_client_group.linux.aws.launch_template_version
  }
}

output "installer_secrets" {
  description = "Credentials and certificates for the installer (terraform output -json installer_secrets)."
  sensitive   = true
  value = {
    storage_access_key_id     = circleciserver_object_storage.this.aws.access_key_id
    storage_secret_access_key = circleciserver_object_storage.this.aws.secret_access_key
    vm_service_access_key_id  = circleciserver_vm_service_access.this.aws.access_key_id
    vm_service_secret_key     = circleciserver_vm_service_access.this.aws.secret_access_key
    nomad_server_cert_base64  = circleciserver_nomad_tls.this.nomad_server_cert_base64
    nomad_server_key_base64   = circleciserver_nomad_tls.this.nomad_server_key_base64
    nomad_tls_ca_base64       = circleciserver_nomad_tls.this.nomad_tls_ca_base64
  }
}
