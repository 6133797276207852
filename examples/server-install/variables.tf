variable "kubeconfig_path" {
  description = "kubeconfig of the cluster (its current context is used), e.g. from `aws eks update-kubeconfig --kubeconfig PATH` or `gcloud container clusters get-credentials`."
  type        = string
}

variable "domain" {
  description = "Domain name of the server (global.domainName), e.g. circleci.example.com."
  type        = string
}

variable "server_version" {
  description = "CircleCI Server version to install."
  type        = string
  default     = "3.4.0"
}

variable "github_client_id" {
  description = "Client ID of the GitHub OAuth app the server signs in with."
  type        = string
}

variable "github_client_secret" {
  description = "Client secret of that OAuth app."
  type        = string
  sensitive   = true
}

variable "image_registry_username" {
  description = "User of CircleCI's image registry, from the credentials CircleCI sends with the license; null to pull without."
  type        = string
  default     = null
}

variable "image_registry_password" {
  description = "Its password."
  type        = string
  sensitive   = true
  default     = null
}

variable "license" {
  description = "The license CircleCI sends you; null here, since the example runs against a fake cluster."
  type        = string
  sensitive   = true
  default     = null
}

variable "delete_data" {
  description = "Destroy also deletes the data stores' volumes and the kept inputs (keysets)."
  type        = bool
  default     = false
}
