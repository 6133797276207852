# Nomad clients for CircleCI Server on GCP: the mTLS material, the Nomad control plane's
# internal load balancer, the VM service's machine image and the Nomad client group (a
# regional managed instance group with auto-healing and an ONLY_SCALE_OUT autoscaler) that
# joins the control plane through that load balancer. Against a real project: set `project`
# and `region` and log in with `gcloud auth application-default login`.
# `scripts/run-example gcp-nomad` applies a copy against the project's fake Compute Engine API,
# with an emulators_override.tf beside it that points the provider's gcp block there.

provider "circleciserver" {
  gcp {
    project        = var.project
    region         = var.region
    default_labels = var.labels
  }
}

resource "circleciserver_load_balancer" "nomad" {
  name = "${var.name}-nomad-lb"
  role = "nomad"
  gcp {
    network         = var.network
    instance_groups = var.cluster_instance_groups
    node_ports      = { "4647" = var.nomad_node_port }
    target_tags     = var.cluster_node_tags
    source_ranges   = var.cluster_cidrs
  }
}

resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = [circleciserver_load_balancer.nomad.hostname]
}

resource "circleciserver_vm_service_image" "linux" {
  name = "${var.name}-vm-linux"
  gcp {
    source_image = var.ubuntu_image
    family       = "circleci-vm"
  }
}

resource "circleciserver_nomad_client_group" "this" {
  name                 = "${var.name}-nomad"
  nomad_server_address = circleciserver_load_balancer.nomad.hostname
  tls = {
    ca_cert_pem     = circleciserver_nomad_tls.this.ca_cert_pem
    client_cert_pem = circleciserver_nomad_tls.this.client_cert_pem
    client_key_pem  = circleciserver_nomad_tls.this.client_key_pem
  }
  min_size = 1
  max_size = 4
  gcp {
    network      = var.network
    source_image = var.ubuntu_image
  }
}
