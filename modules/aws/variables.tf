variable "name" {
  description = "Prefix of every name this module gives (load balancers, bucket, client group, images, roles)."
  type        = string
  default     = "circleci"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,9}$", var.name))
    error_message = "The name must be 1-10 lower-case letters, digits or dashes, starting with a letter (it prefixes AWS names with length limits)."
  }
}

variable "region" {
  description = "AWS region of the cluster."
  type        = string
}

variable "domain" {
  description = "Domain name of the install (installer: Domain Name)."
  type        = string
}

variable "server_version" {
  description = "CircleCI Server version."
  type        = string
  default     = "3.4.0"
}

variable "github_url" {
  description = "https://github.com or your GitHub Enterprise URL."
  type        = string
  default     = "https://github.com"
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

variable "vpc_id" {
  description = "VPC of the EKS cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the cluster: the load balancers, the Nomad clients and the VM service's VMs go there."
  type        = list(string)
  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "Give at least one subnet."
  }
}

variable "cluster_cidrs" {
  description = "Address ranges of the cluster's nodes and pods: the VM service's VMs accept SSH and Docker from them, and jobs may not reach them."
  type        = list(string)
  validation {
    condition     = alltrue([for cidr in var.cluster_cidrs : can(cidrnetmask(cidr))])
    error_message = "Each cluster_cidrs entry must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "node_group_names" {
  description = "Autoscaling groups of the EKS node groups that receive the load balancers' traffic (load_balancer_strategy = \"circleci\")."
  type        = list(string)
  default     = []
}

variable "access" {
  description = "How the server (the bucket), the VM service and nomad-autoscaler get AWS credentials: \"irsa\", IAM roles for their Kubernetes service accounts trusted through oidc_provider_arn, with no keys; or \"iam_user\", IAM users whose long-lived access keys are kept in Terraform state (sensitive), for clusters without an IAM OIDC provider."
  type        = string
  default     = "irsa"
  validation {
    condition     = contains(["irsa", "iam_user"], var.access)
    error_message = "The access must be \"irsa\" (IAM roles for service accounts; needs oidc_provider_arn) or \"iam_user\" (IAM users with access keys kept in state)."
  }
}

variable "oidc_provider_arn" {
  description = "ARN of the EKS cluster's IAM OIDC provider, which the IRSA roles trust; required with access = \"irsa\", unused with \"iam_user\"."
  type        = string
  default     = null
  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$", var.oidc_provider_arn))
    error_message = "The oidc_provider_arn must be an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE."
  }
}

variable "namespace" {
  description = "Kubernetes namespace of the install."
  type        = string
  default     = "circleci-server"
}

variable "nomad_image_id" {
  description = "Ubuntu 22.04 (or newer) AMI of the Nomad clients."
  type        = string
}

variable "nomad_instance_type" {
  description = "Instance type of the Nomad clients."
  type        = string
  default     = "t3a.2xlarge"
}

variable "nomad_min_size" {
  description = "Fewest Nomad clients."
  type        = number
  default     = 1
  validation {
    condition     = var.nomad_min_size >= 1
    error_message = "The nomad_min_size must be 1 or more: nomad-autoscaler needs at least one client to scale from."
  }
}

variable "nomad_max_size" {
  description = "Most Nomad clients."
  type        = number
  default     = 4
}

variable "vm_source_image_id" {
  description = "AMI the VM service's Linux machine image is copied from; null to skip machine executors."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "Name of the object storage bucket (globally unique); null for NAME-DOMAIN with dots as dashes."
  type        = string
  default     = null
}

variable "object_storage_expiry_days" {
  description = "Delete artifacts, job output and audit logs this many days after they are written; null keeps them."
  type        = number
  default     = null
}

variable "load_balancer_strategy" {
  description = "\"circleci\": five circleciserver_load_balancer network load balancers on fixed node ports (the default); \"kubernetes\": Kubernetes LoadBalancer services that the AWS Load Balancer Controller turns into load balancers (Nomad clients then reach nomad.DOMAIN, a DNS record you make)."
  type        = string
  default     = "circleci"
  validation {
    condition     = contains(["circleci", "kubernetes"], var.load_balancer_strategy)
    error_message = "The load_balancer_strategy must be \"circleci\" or \"kubernetes\"."
  }
}

variable "node_ports" {
  description = "Node port of each load balancer role and port (load_balancer_strategy = \"circleci\"): both the Kubernetes services and the load balancers take them."
  type        = map(map(number))
  default = {
    frontend         = { "80" = 30080, "443" = 30443 }
    api              = { "80" = 30081, "443" = 30444 }
    nomad            = { "4647" = 30647 }
    output_processor = { "8585" = 30585 }
    vm_service       = { "3000" = 30300 }
  }
}

variable "tags" {
  description = "Tags of the load balancers, bucket, images, client group and identities (beside the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "delete_data" {
  description = "Destroy also deletes the data stores' volumes and the generated keysets, and empties the bucket."
  type        = bool
  default     = false
}

# The Nomad mTLS material's inputs; null keeps the provider's defaults. To keep certificates
# imported from CircleCI-Public/server-terraform (docs/guides/migrate-from-server-terraform.md),
# state what they were made with: RSA_2048, 876600 hours, 876600 hours, ["127.0.0.1"].
variable "nomad_tls_key_algorithm" {
  description = "Key algorithm of the Nomad CA and certificates (circleciserver_nomad_tls key_algorithm); null for the provider's default."
  type        = string
  default     = null
}

variable "nomad_tls_validity_hours" {
  description = "Lifetime of the Nomad server and client certificates, in hours; null for the provider's default."
  type        = number
  default     = null
}

variable "nomad_tls_ca_validity_hours" {
  description = "Lifetime of the Nomad CA, in hours; null for the provider's default."
  type        = number
  default     = null
}

variable "nomad_tls_extra_server_sans" {
  description = "Names on the Nomad server certificate besides the defaults and the control plane's address."
  type        = list(string)
  default     = []
}
