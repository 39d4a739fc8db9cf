{{- define "ocfs2iscsi.name" -}}iscsi-ocfs2-operator{{- end -}}

{{- define "ocfs2iscsi.labels" -}}
app.kubernetes.io/name: {{ include "ocfs2iscsi.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "ocfs2iscsi.image" -}}
{{ .root.Values.image.repositoryPrefix }}/{{ .name }}:{{ .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- end -}}

{{/* Namespaces where volumes' CHAP Secrets may live, comma-separated: operator.chapSecretNamespaces, else the
release namespace. */}}
{{- define "ocfs2iscsi.chapSecretNamespaces" -}}
{{- join "," (.Values.operator.chapSecretNamespaces | default (list .Release.Namespace)) -}}
{{- end -}}

{{/* Secret holding the operator's client certificate (ca.crt, tls.crt, tls.key). */}}
{{- define "ocfs2iscsi.operatorTlsSecret" -}}
{{- if eq .Values.tls.mode "existingSecret" -}}{{ .Values.tls.existingSecret }}{{- else -}}{{ .Release.Name }}-operator-tls{{- end -}}
{{- end -}}

{{/* Secret holding the node agents' server certificate (ca.crt, tls.crt, tls.key). */}}
{{- define "ocfs2iscsi.agentTlsSecret" -}}
{{- if eq .Values.tls.mode "existingSecret" -}}{{ .Values.tls.existingSecret }}{{- else -}}{{ .Release.Name }}-node-agent-tls{{- end -}}
{{- end -}}

{{/*
Node agents are dialled by node IP, which is unknown at install time, so their certificate names this fixed
authority and the operator verifies against it (gRPC overrideAuthority).
*/}}
{{- define "ocfs2iscsi.agentAuthority" -}}node-agent.{{ .Release.Namespace }}.ocfs2iscsi.io{{- end -}}
