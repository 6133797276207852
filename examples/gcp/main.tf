# The whole of CircleCI Server on an existing VPC network and GKE cluster, through
# modules/gcp: Nomad mTLS, object storage, the VM service's image and access, the Nomad clients
# (nomad-autoscaler's access included), the five load balancers, and the install in the
# cluster, wired together with nothing copied by hand.
#
# Against a real project: `gcloud auth application-default login`, kubeconfig_path naming your
# GKE cluster's kubeconfig (workload identity on), and your network, the node pools' instance
# groups and network tags, domain and GitHub OAuth app in a tfvars file.
# `scripts/run-example gcp` applies a copy against local fakes, with an emulators_override.tf
# beside it that points the provider's gcp block at them; this file holds nothing of them.

provider "circleciserver" {
  gcp {
    project        = var.project
    region         = var.region
    default_labels = var.labels
  }
  kubernetes {
    config_path = var.kubeconfig_path
  }
}

module "circleci_server" {
  source = "../../modules/gcp"

  project                 = var.project
  region                  = var.region
  domain                  = var.domain
  github_client_id        = var.github_client_id
  github_client_secret    = var.github_client_secret
  license                 = var.license
  network                 = var.network
  cluster_cidrs           = var.cluster_cidrs
  cluster_instance_groups = var.cluster_instance_groups
  cluster_node_tags       = var.cluster_node_tags
  workload_identity       = var.workload_identity
  vm_source_image         = var.vm_source_image
  delete_data             = var.delete_data
}
