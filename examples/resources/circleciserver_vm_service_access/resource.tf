# On AWS: a security group for the VMs and a tag-scoped EC2 policy, through IRSA.
resource "circleciserver_vm_service_access" "this" {
  name          = "circleci-vm-service"
  cluster_cidrs = var.private_subnet_cidrs
  nomad_cidrs   = var.private_subnet_cidrs
  access        = "irsa"
  aws {
    vpc_id            = var.vpc_id
    oidc_provider_arn = var.oidc_provider_arn
  }
}

# On GCP: a service account (instance admin on the project) through workload identity, and
# firewall rules on the VMs' network tag.
resource "circleciserver_vm_service_access" "gcp" {
  name          = "circleci-vm-service"
  cluster_cidrs = var.cluster_cidrs
  nomad_cidrs   = var.nomad_cidrs
  access        = "workload_identity"
  gcp {
    network = var.network
  }
}
