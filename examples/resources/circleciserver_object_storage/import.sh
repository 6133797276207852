# AWS: by the bucket's name.
terraform import circleciserver_object_storage.this acme-circleci-data
# GCP: by the bucket's resource name.
terraform import circleciserver_object_storage.gcp projects/_/buckets/acme-circleci-data-gcp
