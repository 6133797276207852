# Preview what CircleCI Server's chart makes with your values, before installing it.
data "circleciserver_chart_template" "server" {
  chart               = "oci://cciserver.azurecr.io/circleci-server"
  version             = "4.10.0"
  repository_username = var.registry_username
  repository_password = var.registry_password
  release_name        = "circleci-server"
  namespace           = "circleci-server"
  kube_version        = "v1.31.0"
  values = [yamlencode({
    global = { domainName = var.domain }
  })]
}

output "objects" {
  value = [for o in data.circleciserver_chart_template.server.objects : "${o.kind}/${o.name}"]
}
