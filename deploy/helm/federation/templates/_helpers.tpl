{{/*
A manifest shared with deploy/ (files/ links to it), moved into the release's namespace. deploy/base and
deploy/components name the namespace federation-system; every object there sets it explicitly.
*/}}
{{- define "federation.shared" -}}
{{ .root.Files.Get .file | replace "namespace: federation-system" (printf "namespace: %s" .root.Release.Namespace) }}
{{- end -}}

{{- define "federation.image" -}}
{{ .image.repository }}:{{ .image.tag | default .root.Chart.AppVersion }}
{{- end -}}

{{- define "federation.labels" -}}
app.kubernetes.io/name: {{ . }}
app.kubernetes.io/part-of: federation
{{- end -}}

{{/* The pod security context the restricted Pod Security Standard admits (deploy/base). */}}
{{- define "federation.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
