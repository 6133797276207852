terraform {
  required_providers {
    circleciserver = {
      source  = "circleci-server/circleciserver"
      version = "~> 0.1"
    }
  }
}

provider "circleciserver" {
  aws {
    region       = "us-east-1"
    default_tags = { team = "ci-platform" }
  }
  gcp {
    project        = "my-project"
    region         = "us-east1"
    default_labels = { team = "ci-platform" }
  }
  kubernetes {
    host                   = var.cluster_endpoint
    cluster_ca_certificate = var.cluster_ca_certificate
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", var.cluster_name]
    }
  }
}
