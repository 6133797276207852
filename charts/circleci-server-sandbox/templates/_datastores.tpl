{{/*
An in-cluster data store: a ClusterIP Service, a StatefulSet, and the volume of each of its
pods as a PersistentVolumeClaim kept when the release is uninstalled (helm.sh/resource-policy:
keep). The claims are named as the StatefulSet's volumeClaimTemplates name them
(VOLUME-NAME-ORDINAL: data-postgresql-0, datadir-mongodb-0, redis-data-redis-master-0, the
names the 4.10 docs use), so the StatefulSet takes them as its own; with an existing claim
(the values' persistence.existingClaim) it mounts that one and no claim is made.

dict: root, name, app, layer, image ({registry, repository, tag}, or the whole reference), replicas, volume, size,
existingClaim, podAnnotations, ports ([{name, port}]), resources, mountPath.
*/}}
{{- define "circleci.dataStore" -}}
{{- $labels := dict "root" .root "name" .name "app" .app -}}
{{- $replicas := 1 -}}
{{- if not (kindIs "invalid" .replicas) -}}
{{- $replicas = int .replicas -}}
{{- end -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    {{- include "circleci.labels" $labels | nindent 4 }}
    layer: {{ .layer }}
spec:
  type: ClusterIP
  selector:
    {{- include "circleci.selectorLabels" $labels | nindent 4 }}
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
    {{- end }}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .name }}
  labels:
    {{- include "circleci.labels" $labels | nindent 4 }}
    layer: {{ .layer }}
spec:
  serviceName: {{ .name }}
  replicas: {{ $replicas }}
  selector:
    matchLabels:
      {{- include "circleci.selectorLabels" $labels | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "circleci.labels" $labels | nindent 8 }}
        layer: {{ .layer }}
      {{- with .podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      {{- include "circleci.podCommon" .root | nindent 6 }}
      containers:
        - name: {{ .name }}
          image: {{ if kindIs "string" .image }}{{ .image }}{{ else }}{{ include "circleci.thirdPartyImage" .image }}{{ end }}
          ports:
            {{- range .ports }}
            - name: {{ .name }}
              containerPort: {{ .port }}
            {{- end }}
          volumeMounts:
            - name: {{ .volume }}
              mountPath: {{ .mountPath }}
          {{- with .resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
      {{- if .existingClaim }}
      volumes:
        - name: {{ .volume }}
          persistentVolumeClaim:
            claimName: {{ .existingClaim }}
      {{- end }}
  {{- if not .existingClaim }}
  volumeClaimTemplates:
    - metadata:
        name: {{ .volume }}
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: {{ .size }}
  {{- end }}
{{- if not .existingClaim }}
{{- range $i := until $replicas }}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ printf "%s-%s-%d" $.volume $.name $i }}
  labels:
    {{- include "circleci.labels" $labels | nindent 4 }}
    layer: {{ $.layer }}
  annotations:
    helm.sh/resource-policy: keep
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: {{ $.size }}
{{- end }}
{{- end }}
{{- end -}}
