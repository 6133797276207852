# AWS: by the autoscaling group's name.
terraform import circleciserver_nomad_client_group.linux circleci-nomad
# GCP: by the managed instance group's path.
terraform import circleciserver_nomad_client_group.linux projects/my-project/regions/us-east1/instanceGroupManagers/circleci-nomad
