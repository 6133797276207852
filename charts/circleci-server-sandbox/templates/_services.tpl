{{/*
The services CircleCI Server 4.10 runs as Deployments, each with:
  name    the Deployment (and ClusterIP Service) name, as the values reference's
          "Number of replicas to deploy for the NAME deployment" and the 4.10 overview's
          service list name it; where one key holds several deployments
          (authentication_service.*, ciam_gateway.*, ciam_service.*, lock_job_provider.*),
          the docs' service name with the sub-key, hyphenated
  values  the dotted values key of its block (replicas, resources)
  when    a dotted values key that turns it off when false (optional)
  image   a dotted values key holding {repository, tag} for images CircleCI does not make;
          without it, global.container.registry/org/NAME:appVersion
  port    the container port `http` (default 8080), or
  ports   [{name, port}] for several
  service false for no ClusterIP Service (nginx: circleci-proxy is its Service)
*/}}
{{- define "circleci.services" -}}
- {name: api-service, values: api_service}
- {name: authentication-service-auth-api, values: authentication_service.auth_api}
- {name: authentication-service-internal-api, values: authentication_service.internal_api}
- {name: authentication-service-login-api, values: authentication_service.login_api}
- {name: authentication-service-users-bff, values: authentication_service.users_bff}
- {name: authentication-service-worker, values: authentication_service.worker}
- {name: audit-log-batcher, values: notifications.audit_log_batcher}
- {name: audit-log-enricher, values: notifications.audit_log_enricher}
- {name: branch-service, values: branch_service}
- {name: builds-service, values: builds_service}
- {name: ciam-gateway-service-internal-api, values: ciam_gateway.internal_api}
- {name: ciam-gateway-service-outgoing-api, values: ciam_gateway.outgoing_api}
- {name: ciam-gateway-service-public-api, values: ciam_gateway.public_api}
- {name: ciam-service-internal-admin-api, values: ciam_service.internal_admin_api}
- {name: contexts-service, values: contexts_service}
- {name: cron-service, values: cron_service}
- {name: distributor-cleaner, values: distributor_cleaner}
- {name: distributor-dispatcher, values: distributor_dispatcher}
- {name: distributor-external, values: distributor_external}
- {name: distributor-internal, values: distributor_internal}
- {name: docker-provisioner-externalapi, values: docker_provisioner.external, when: docker_provisioner.enabled}
- {name: docker-provisioner-internalapi, values: docker_provisioner.internal, when: docker_provisioner.enabled}
- {name: docker-provisioner-provisioner, values: docker_provisioner.provisioner, when: docker_provisioner.enabled}
- {name: domain-service, values: domain_service}
- {name: execution-gateway-api, values: execution_gateway.api}
- {name: execution-gateway-public-api, values: execution_gateway.public_api}
- {name: frontend, values: frontend}
- {name: insights-service, values: insights_service, when: insights_service.isEnabled}
- {name: kong, values: kong, image: kong.image, port: 8000}
- {name: legacy-notifier, values: legacy_notifier}
- {name: lock-job-provider-consumer, values: lock_job_provider.consumer}
- {name: lock-job-provider-internalapi, values: lock_job_provider.internalapi}
- {name: machine-provisioner-externalapi, values: machine_provisioner.external, when: machine_provisioner.enabled}
- {name: machine-provisioner-internalapi, values: machine_provisioner.internal, when: machine_provisioner.enabled}
- {name: machine-provisioner-leader, values: machine_provisioner.leader, when: machine_provisioner.enabled}
- {name: machine-provisioner-provisioner, values: machine_provisioner.provisioner, when: machine_provisioner.enabled}
- {name: nginx, values: nginx, image: nginx.image, service: false, ports: [{name: http, port: 8080}, {name: https, port: 8443}, {name: tcp-3000, port: 3000}, {name: nomad-rpc, port: 4647}, {name: tcp-8585, port: 8585}]}
- {name: no-op-job-provider, values: no_op_job_provider}
- {name: nomad-autoscaler, values: nomad.auto_scaler, when: nomad.auto_scaler.enabled, image: nomad.auto_scaler.image}
- {name: oidc-service, values: oidc_service, when: oidc_service.isEnabled}
- {name: oidc-tasks-service, values: oidc_tasks_service, when: oidc_service.isEnabled}
- {name: orb-service, values: orb_service}
- {name: otel-collector, values: opentelemetry-collector, image: opentelemetry-collector.image, port: 4317}
- {name: output-internal, values: output.internal}
- {name: output-public, values: output.public}
- {name: output-receiver, values: output.receiver}
- {name: permissions-service, values: permissions_service}
- {name: policy-service, values: policy_service}
- {name: policy-service-internal, values: policy_service_internal}
- {name: public-api-service, values: public_api_service}
- {name: radm-cleaner, values: runner_admin.cleaner}
- {name: radm-external, values: runner_admin.external}
- {name: radm-internal, values: runner_admin.internal}
- {name: soketi, values: soketi, image: soketi.image, port: 6001}
- {name: step-internal, values: step.internal}
- {name: step-receiver, values: step.receiver}
- {name: web-ui, values: web_ui}
- {name: web-ui-server-admin, values: web_ui_server_admin}
- {name: webhook-service, values: webhook_service, when: webhook_service.isEnabled}
- {name: workflows-conductor-event-consumer, values: workflows_conductor_event_consumer}
- {name: workflows-conductor-grpc, values: workflows_conductor_grpc}
{{- end -}}
