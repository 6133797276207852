# CircleCI Server from an empty GCP project in one apply: modules/gcp-cluster turns on the
# APIs and makes the network, Cloud NAT and a private GKE cluster with its node pool, then the
# whole server on them. The circleciserver provider's kubernetes block points at the cluster made in
# the same apply: its values are unknown at the first plan, and the provider waits for apply
# rather than guess a cluster. Needs Application Default Credentials
# (`gcloud auth application-default login`) and gke-gcloud-auth-plugin on PATH.

provider "google" {
  project        = var.project
  region         = var.region
  default_labels = var.labels
}

provider "circleciserver" {
  gcp {
    project        = var.project
    region         = var.region
    default_labels = var.labels
  }
  kubernetes {
    host                   = module.circleci_server.cluster_endpoint
    cluster_ca_certificate = module.circleci_server.cluster_ca_certificate
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "gke-gcloud-auth-plugin"
    }
  }
}

module "circleci_server" {
  source = "../../modules/gcp-cluster"

  project                 = var.project
  region                  = var.region
  domain                  = var.domain
  github_client_id        = var.github_client_id
  github_client_secret    = var.github_client_secret
  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  api_authorized_cidrs    = var.api_authorized_cidrs
}
