# CircleCI Server from an empty AWS account in one apply: modules/aws-cluster makes the VPC,
# the EKS cluster, its node group and OIDC provider, then the whole server on them. The
# circleciserver provider's kubernetes block points at the cluster made in the same apply: its values
# are unknown at the first plan, and the provider waits for apply rather than guess a cluster.
# Needs AWS credentials (standard chain) and the aws CLI for `aws eks get-token`.

provider "aws" {
  region = var.region
  default_tags {
    tags = var.tags
  }
}

provider "circleciserver" {
  aws {
    region       = var.region
    default_tags = var.tags
  }
  kubernetes {
    host                   = module.circleci_server.cluster_endpoint
    cluster_ca_certificate = module.circleci_server.cluster_ca_certificate
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.circleci_server.cluster_name, "--region", var.region]
    }
  }
}

module "circleci_server" {
  source = "../../modules/aws-cluster"

  region                  = var.region
  domain                  = var.domain
  github_client_id        = var.github_client_id
  github_client_secret    = var.github_client_secret
  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  api_public_cidrs        = var.api_public_cidrs
  nomad_image_id          = var.nomad_image_id
}
