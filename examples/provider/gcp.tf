provider "circleciserver" {
  gcp {
    project        = "my-project"
    region         = "us-east1"
    default_labels = { team = "ci-platform" }
    # credentials = file("key.json")          # else Application Default Credentials
    # impersonate_service_account = "terraform@my-project.iam.gserviceaccount.com"
  }
}
