# The whole of CircleCI Server on an existing VPC and EKS cluster, through modules/aws:
# Nomad mTLS, object storage, the VM service's image and access, the Nomad clients, the five
# load balancers, and the install in the cluster, wired together with nothing copied by hand.
#
# Against a real account: the standard AWS credential chain, kubeconfig_path naming your EKS
# cluster's kubeconfig (`aws eks update-kubeconfig`), and your VPC, subnets, node groups, OIDC
# provider, AMIs, domain and GitHub OAuth app in a tfvars file.
# `scripts/run-example aws` applies a copy against local emulators (moto, with AWS_ENDPOINT_URL,
# and the project's fake Kubernetes API server, through a kubeconfig it writes).

provider "circleciserver" {
  aws {
    region       = var.region
    default_tags = var.tags
  }
  kubernetes {
    config_path = var.kubeconfig_path
  }
}

module "circleci_server" {
  source = "../../modules/aws"

  region               = var.region
  domain               = var.domain
  github_client_id     = var.github_client_id
  github_client_secret = var.github_client_secret
  license              = var.license
  vpc_id               = var.vpc_id
  subnet_ids           = var.subnet_ids
  cluster_cidrs        = var.cluster_cidrs
  node_group_names     = var.node_group_names
  access               = var.access
  oidc_provider_arn    = var.oidc_provider_arn
  nomad_image_id       = var.nomad_image_id
  vm_source_image_id   = var.vm_source_image_id
  delete_data          = var.delete_data
}
