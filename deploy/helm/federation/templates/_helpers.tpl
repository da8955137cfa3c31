{{/*
A manifest shared with deploy/ (files/ links to it), moved into the release's namespace. deploy/base and
deploy/components name the namespace federation-system; every object there sets it explicitly. A Namespace
it declares (federation-oauth-clients, where the platform team keeps each department's OAuth client Secret)
is kept on uninstall, as the CRDs are: deleting it would delete those Secrets.
*/}}
{{- define "federation.shared" -}}
{{- $text := .root.Files.Get .file | replace "namespace: federation-system" (printf "namespace: %s" .root.Release.Namespace) }}
{{- range $doc := regexSplit "(?m)^---\\s*$" $text -1 }}
{{- $object := fromYaml $doc }}
{{- if $object }}
{{- if eq $object.kind "Namespace" }}
{{- $_ := set $object.metadata "annotations" (merge (dict "helm.sh/resource-policy" "keep") ($object.metadata.annotations | default dict)) }}
{{- end }}
---
{{ toYaml $object }}
{{- end }}
{{- end }}
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
