variable "name" {
  description = "Prefix of every name: the VPC, the EKS cluster and what modules/aws makes."
  type        = string
  default     = "circleci"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,9}$", var.name))
    error_message = "The name must be 1-10 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of everything."
  type        = string
}

variable "domain" {
  description = "Domain name of the install (installer: Domain Name)."
  type        = string
}

variable "github_client_id" {
  description = "Client id of the GitHub OAuth app."
  type        = string
}

variable "github_client_secret" {
  description = "Client secret of the GitHub OAuth app."
  type        = string
  sensitive   = true
}

variable "license" {
  description = "The license CircleCI sends you."
  type        = string
  sensitive   = true
  default     = null
}

variable "image_registry_username" {
  description = "User of CircleCI's image registry (sent with the license); null to pull without."
  type        = string
  default     = null
}

variable "image_registry_password" {
  description = "Password of image_registry_username."
  type        = string
  sensitive   = true
  default     = null
}

variable "vpc_cidr" {
  description = "Address range of the new VPC: a /16 is split into public and private subnets per zone."
  type        = string
  default     = "10.0.0.0/16"
  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "The vpc_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "zone_count" {
  description = "Availability zones to spread the cluster over."
  type        = number
  default     = 2
  validation {
    condition     = var.zone_count >= 2 && var.zone_count <= 4
    error_message = "The zone_count must be 2 to 4: EKS needs subnets in two zones at least."
  }
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway in each zone, each zone's private subnet leaving through its own: a zone's failure then cuts no other zone's egress, and no traffic crosses zones to reach a NAT gateway. Each gateway costs about 33 USD a month in us-east-1 (0.045 USD an hour, and 0.045 USD per GB it processes) plus its Elastic IP's 3.65 USD; false makes one gateway, in the first zone, for test installs."
  type        = bool
  default     = true
}

variable "kubernetes_version" {
  description = "Kubernetes version of the EKS cluster."
  type        = string
  default     = "1.31"
}

variable "ebs_csi_driver_version" {
  description = "Version of the aws-ebs-csi-driver EKS add-on (e.g. v1.38.1-eksbuild.1); null for EKS's default for the cluster's Kubernetes version. Its default StorageClass needs v1.31 or newer."
  type        = string
  default     = null
}

variable "ebs_encryption_by_default" {
  description = "Turn on EBS encryption by default for this account and region (with the aws/ebs key), so the volumes the EBS CSI driver's default StorageClass provisions are encrypted: that class sets no encrypted parameter. Destroy turns it off again; false where the account manages the setting itself (keep it on there)."
  type        = bool
  default     = true
}

variable "node_instance_type" {
  description = "Instance type of the cluster's nodes (CircleCI Server asks for about 32 vCPUs and 64 GiB across the cluster)."
  type        = string
  default     = "m6i.2xlarge"
}

variable "node_count" {
  description = "Nodes of the cluster's node group."
  type        = number
  default     = 4
  validation {
    condition     = var.node_count >= 2
    error_message = "The node_count must be 2 or more: CircleCI Server does not fit on one node."
  }
}

variable "api_public_cidrs" {
  description = "Who may reach the EKS API server's public endpoint; an empty list keeps it private."
  type        = list(string)
  default     = []
}

variable "nomad_image_id" {
  description = "AMI of the Nomad clients and source of the VM service image; null for the newest Ubuntu 22.04 of Canonical."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags on everything made (beside the providers' default tags)."
  type        = map(string)
  default     = {}
}

variable "delete_data" {
  description = "Destroy also deletes the data stores' volumes, the generated keysets and the bucket's objects."
  type        = bool
  default     = false
}
