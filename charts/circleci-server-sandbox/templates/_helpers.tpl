{{/*
Helpers of the sandbox chart. Each takes the root context or a fresh `dict`, and none relies
on `set`, `unset` or `merge` changing a map in place: what a helper makes it prints (as YAML
where a caller needs a map back, through `fromYaml`).
*/}}

{{/* helm.sh/chart: NAME-VERSION, `+` made `_`, at most 63 characters. */}}
{{- define "circleci.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels of every object: dict "root" $ "name" NAME, optionally "app" (the `app` label when it
is not NAME, as the data stores' labels in the values reference have it).
*/}}
{{- define "circleci.labels" -}}
app: {{ .app | default .name }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: circleci-server
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ include "circleci.chart" .root }}
{{- end -}}

{{/* The labels a workload selects its pods by: dict "root" $ "name" NAME ["app" APP]. */}}
{{- define "circleci.selectorLabels" -}}
app: {{ .app | default .name }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/*
A CircleCI image: REGISTRY/ORG/NAME:APPVERSION, or REGISTRY/NAME:APPVERSION when
global.container.org is empty. dict "root" $ "name" NAME.
*/}}
{{- define "circleci.image" -}}
{{- $container := .root.Values.global.container -}}
{{- $registry := required "global.container.registry is required: the registry to pull CircleCI's images from" $container.registry | trimSuffix "/" -}}
{{- $org := $container.org | default "" | trimAll "/" -}}
{{- if $org -}}
{{- printf "%s/%s/%s:%s" $registry $org .name .root.Chart.AppVersion -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry .name .root.Chart.AppVersion -}}
{{- end -}}
{{- end -}}

{{/* An image the values name as {registry?, repository, tag}: the argument is that map. */}}
{{- define "circleci.thirdPartyImage" -}}
{{- if .registry -}}
{{- printf "%s/%s:%v" .registry .repository .tag -}}
{{- else -}}
{{- printf "%s:%v" .repository .tag -}}
{{- end -}}
{{- end -}}

{{/* `imagePullSecrets:` from global.imagePullSecrets (names, or maps with `name`); root context. */}}
{{- define "circleci.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ if kindIs "map" . }}{{ .name }}{{ else }}{{ . }}{{ end }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* The pod spec lines every workload shares (pull secrets, node selector); root context. */}}
{{- define "circleci.podCommon" -}}
{{- include "circleci.imagePullSecrets" . }}
{{- with .Values.global.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The value at a dotted path under a map, as YAML (`null` when a step is missing):
dict "root" MAP "path" "a.b.c". Callers read maps back with `fromYaml` and compare scalars
as text.
*/}}
{{- define "circleci.at" -}}
{{- $v := .root -}}
{{- range (splitList "." .path) -}}
{{- if kindIs "map" $v -}}
{{- $v = index $v . -}}
{{- else -}}
{{- $v = "" -}}
{{- end -}}
{{- end -}}
{{- toYaml $v -}}
{{- end -}}

{{/*
Which cloud the install is on, for the load balancer annotations: a machine provisioner
provider first (they are cloud-specific), then object storage (GCS is Google's; S3 is taken
as AWS), then nomad autoscaler; `aws` when nothing says.
*/}}
{{- define "circleci.cloud" -}}
{{- $providers := .Values.machine_provisioner.providers -}}
{{- $storage := .Values.object_storage -}}
{{- if $providers.ec2.enabled -}}aws
{{- else if $providers.gcp.enabled -}}gcp
{{- else if $storage.gcs.enabled -}}gcp
{{- else if $storage.s3.enabled -}}aws
{{- else if .Values.nomad.auto_scaler.gcp.enabled -}}gcp
{{- else -}}aws
{{- end -}}
{{- end -}}

{{/* The annotations that keep a load balancer inside the VPC (nginx.private_load_balancers), as YAML. */}}
{{- define "circleci.internalLoadBalancerAnnotations" -}}
{{- if .Values.nginx.private_load_balancers -}}
{{- if eq (include "circleci.cloud" .) "gcp" -}}
networking.gke.io/load-balancer-type: Internal
{{- else -}}
service.beta.kubernetes.io/aws-load-balancer-internal: "true"
service.beta.kubernetes.io/aws-load-balancer-scheme: internal
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The front end load balancer's annotations: the internal ones when private, then
nginx.annotations for every key they do not set. Built in a fresh dict whose merged result
is used, so it renders the same whether `merge` changes its first argument or returns a copy.
*/}}
{{- define "circleci.loadBalancerAnnotations" -}}
{{- $internal := include "circleci.internalLoadBalancerAnnotations" . | fromYaml -}}
{{- $annotations := merge (dict) $internal (.Values.nginx.annotations | default (dict)) -}}
{{- with $annotations -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/* A Secret's metadata: dict "root" $ "name" NAME ["keep" true: kept on uninstall]. */}}
{{- define "circleci.secretMeta" -}}
metadata:
  name: {{ .name }}
  labels:
    {{- include "circleci.labels" (dict "root" .root "name" .name) | nindent 4 }}
  {{- if .keep }}
  annotations:
    helm.sh/resource-policy: keep
  {{- end }}
{{- end -}}

{{/* Whether the GCP service account at this map was given (not the reference's placeholder). */}}
{{- define "circleci.gcpKeyGiven" -}}
{{- if and (kindIs "map" .) (ne (.project_id | default "") "... ...") (gt (len .) 0) -}}true{{- end -}}
{{- end -}}

{{/*
The keys every install must set, checked with `required` (Helm's schema check names them
first; this is for renders that skip it). Prints nothing.
*/}}
{{- define "circleci.validate" -}}
{{- $_ := required "global.domainName is required: the domain name of your CircleCI install" .Values.global.domainName -}}
{{- $_ = required "global.license is required: the license CircleCI gave you" .Values.global.license -}}
{{- $_ = required "sessionCookieKey is required: 16 characters that sign session cookies" .Values.sessionCookieKey -}}
{{- $_ = required "keyset.signing is required: generate it with `docker run circleci/server-keysets:latest generate signing -a stdout`" .Values.keyset.signing -}}
{{- $_ = required "keyset.encryption is required: generate it with `docker run circleci/server-keysets:latest generate encryption -a stdout`" .Values.keyset.encryption -}}
{{- $_ = required "object_storage.bucketName is required: the bucket for artifacts, logs and caches" .Values.object_storage.bucketName -}}
{{- $_ = required "github.clientId is required: the client ID of your GitHub OAuth app" .Values.github.clientId -}}
{{- $_ = required "github.clientSecret is required: the client secret of your GitHub OAuth app" .Values.github.clientSecret -}}
{{- $server := .Values.nomad.server -}}
{{- if $server.internal -}}
{{- if $server.gossip.encryption.enabled -}}
{{- $key := required "nomad.server.gossip.encryption.key is required: 32 characters that encrypt Nomad's gossip" $server.gossip.encryption.key -}}
{{- if ne (len $key) 32 -}}
{{- fail (printf "nomad.server.gossip.encryption.key must be exactly 32 characters, not %d" (len $key)) -}}
{{- end -}}
{{- end -}}
{{- if $server.rpc.mTLS.enabled -}}
{{- $_ = required "nomad.server.rpc.mTLS.CACertificate is required when nomad.server.rpc.mTLS.enabled: the CA, base64 PEM" $server.rpc.mTLS.CACertificate -}}
{{- $_ = required "nomad.server.rpc.mTLS.certificate is required when nomad.server.rpc.mTLS.enabled: the server certificate, base64 PEM" $server.rpc.mTLS.certificate -}}
{{- $_ = required "nomad.server.rpc.mTLS.privateKey is required when nomad.server.rpc.mTLS.enabled: the server key, base64 PEM" $server.rpc.mTLS.privateKey -}}
{{- end -}}
{{- end -}}
{{- if not (or .Values.object_storage.s3.enabled .Values.object_storage.gcs.enabled) -}}
{{- fail "object_storage.s3.enabled or object_storage.gcs.enabled must be true" -}}
{{- end -}}
{{- end -}}
