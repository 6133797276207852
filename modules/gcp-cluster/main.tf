# CircleCI Server from an empty GCP project: the APIs it needs, a VPC network (one
# subnetwork with ranges for pods and services, Cloud NAT for the private nodes), a private
# regional GKE cluster (secrets encrypted with its own Cloud KMS key, workload identity on), a
# node pool sized for the server (its own least-privilege service account, shielded VMs, the
# GKE metadata server only), then modules/gcp on top. The calling module configures the
# providers: hashicorp/google for this project and region, and circleci with the same project
# and region and a `kubernetes` block for this cluster (see examples/gcp-complete).

data "google_project" "this" {
  project_id = var.project
}

locals {
  cluster = "${var.name}-server"
  # The load balancers' firewall rules open the nodes by this tag only.
  node_tag = "${local.cluster}-node"
  # Given to both the load balancers and the install's Services (modules/gcp).
  node_ports = {
    frontend         = { "80" = 30080, "443" = 30443 }
    api              = { "80" = 30081, "443" = 30444 }
    nomad            = { "4647" = 30647 }
    output_processor = { "8585" = 30585 }
    vm_service       = { "3000" = 30300 }
  }
  # GKE encrypts secrets through its service agent, which must be let use the key.
  gke_service_agent = "serviceAccount:service-${data.google_project.this.number}@container-engine-robot.iam.gserviceaccount.com"
}

resource "google_project_service" "this" {
  for_each = toset([
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "storage.googleapis.com",
  ])
  project = var.project
  service = each.key
  # Other things in the project may use them: destroy leaves them on.
  disable_on_destroy = false
}

resource "google_compute_network" "this" {
  project                 = var.project
  name                    = var.name
  auto_create_subnetworks = false
  depends_on              = [google_project_service.this]
}

resource "google_compute_subnetwork" "this" {
  project                  = var.project
  name                     = "${var.name}-${var.region}"
  region                   = var.region
  network                  = google_compute_network.this.id
  ip_cidr_range            = var.subnetwork_cidr
  private_ip_google_access = true
  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = var.pods_cidr
  }
  secondary_ip_range {
    range_name    = "services"
    ip_cidr_range = var.services_cidr
  }
}

# The nodes and the Nomad clients have no public addresses: they reach the internet (image
# registries, GitHub) through Cloud NAT.
resource "google_compute_router" "this" {
  project = var.project
  name    = var.name
  region  = var.region
  network = google_compute_network.this.id
}

resource "google_compute_router_nat" "this" {
  project                            = var.project
  name                               = var.name
  region                             = var.region
  router                             = google_compute_router.this.name
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
  # CI jobs open many connections at once (image pulls, package mirrors): the default 64
  # ports per VM runs out and drops them.
  min_ports_per_vm = var.nat_min_ports_per_vm
  # Dropped connections (port exhaustion) show in Cloud Logging.
  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

resource "google_kms_key_ring" "this" {
  project    = var.project
  name       = local.cluster
  location   = var.region
  depends_on = [google_project_service.this]
}

resource "google_kms_crypto_key" "secrets" {
  name            = "${local.cluster}-secrets"
  key_ring        = google_kms_key_ring.this.id
  rotation_period = "7776000s"
  labels          = var.labels
}

resource "google_kms_crypto_key_iam_member" "gke_secrets" {
  crypto_key_id = google_kms_crypto_key.secrets.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = local.gke_service_agent
}

# The nodes run as their own service account with GKE's minimal node role, not as the
# project's default Compute service account (Editor).
resource "google_service_account" "nodes" {
  project      = var.project
  account_id   = "${local.cluster}-nodes"
  display_name = "GKE nodes of ${local.cluster}"
  depends_on   = [google_project_service.this]
}

resource "google_project_iam_member" "nodes" {
  project = var.project
  role    = "roles/container.defaultNodeServiceAccount"
  member  = "serviceAccount:${google_service_account.nodes.email}"
}

resource "google_container_cluster" "this" {
  project             = var.project
  name                = local.cluster
  location            = var.region
  network             = google_compute_network.this.id
  subnetwork          = google_compute_subnetwork.this.id
  networking_mode     = "VPC_NATIVE"
  deletion_protection = var.deletion_protection
  resource_labels     = var.labels

  # The node pool below is managed on its own; GKE still needs a first pool to create a cluster.
  remove_default_node_pool = true
  initial_node_count       = 1
  node_config {
    service_account = google_service_account.nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    shielded_instance_config {
      enable_secure_boot = true
    }
  }

  release_channel {
    channel = var.release_channel
  }

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = length(var.api_authorized_cidrs) == 0
    master_ipv4_cidr_block  = var.control_plane_cidr
  }

  master_authorized_networks_config {
    dynamic "cidr_blocks" {
      for_each = var.api_authorized_cidrs
      content {
        cidr_block = cidr_blocks.value
      }
    }
  }

  workload_identity_config {
    workload_pool = "${var.project}.svc.id.goog"
  }

  database_encryption {
    state    = "ENCRYPTED"
    key_name = google_kms_crypto_key.secrets.id
  }

  depends_on = [google_kms_crypto_key_iam_member.gke_secrets, google_project_iam_member.nodes]
}

resource "google_container_node_pool" "this" {
  project    = var.project
  name       = "${local.cluster}-nodes"
  cluster    = google_container_cluster.this.id
  location   = var.region
  node_count = var.node_count_per_zone

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = var.node_machine_type
    disk_size_gb    = 100
    disk_type       = "pd-balanced"
    service_account = google_service_account.nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    tags            = [local.node_tag]
    labels          = var.labels
    metadata = {
      disable-legacy-endpoints = "true"
    }
    # Pods see only the GKE metadata server: their own workload identity, not the node's.
    workload_metadata_config {
      mode = "GKE_METADATA"
    }
    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }
}

module "circleci" {
  source = "../gcp"

  name                    = var.name
  project                 = var.project
  region                  = var.region
  domain                  = var.domain
  github_client_id        = var.github_client_id
  github_client_secret    = var.github_client_secret
  license                 = var.license
  image_registry_username = var.image_registry_username
  image_registry_password = var.image_registry_password
  network                 = google_compute_network.this.self_link
  subnetwork              = google_compute_subnetwork.this.self_link
  cluster_cidrs           = [var.subnetwork_cidr, var.pods_cidr]
  cluster_instance_groups = google_container_node_pool.this.instance_group_urls
  cluster_node_tags       = [local.node_tag]
  workload_identity       = true
  nomad_source_image      = var.nomad_source_image
  vm_source_image         = var.vm_source_image
  node_ports              = local.node_ports
  labels                  = var.labels
  delete_data             = var.delete_data

  # Workload identity bindings name PROJECT.svc.id.goog, which exists once the cluster does.
  depends_on = [google_container_node_pool.this]
}
