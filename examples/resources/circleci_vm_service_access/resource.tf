resource "circleci_vm_service_access" "this" {
  name          = "circleci-vm-service"
  cluster_cidrs = var.private_subnet_cidrs
  nomad_cidrs   = var.private_subnet_cidrs
  access        = "irsa"
  aws {
    vpc_id            = var.vpc_id
    oidc_provider_arn = var.oidc_provider_arn
  }
}
