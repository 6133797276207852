# AWS: by the load balancer's ARN.
terraform import circleciserver_load_balancer.nomad arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/circleci-nomad/0123456789abcdef
# GCP: by the forwarding rule's path.
terraform import circleciserver_load_balancer.nomad_gcp projects/my-project/regions/us-east1/forwardingRules/circleci-nomad
