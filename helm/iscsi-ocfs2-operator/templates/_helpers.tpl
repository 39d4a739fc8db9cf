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

{{/*
The CA of the agent channel (tls.crt, tls.key): made by the certgen Job (generate), yours (existingSecret) or
cert-manager's (certManager). Mounted by the operator only: it signs each node's own certificate.
*/}}
{{- define "ocfs2iscsi.caSecret" -}}
{{- if eq .Values.tls.mode "existingSecret" -}}{{ .Values.tls.existingSecret }}{{- else -}}{{ .Release.Name }}-mtls-ca{{- end -}}
{{- end -}}

{{/* Secret holding the operator's client certificate (ca.crt, tls.crt, tls.key), made by the certgen Job. */}}
{{- define "ocfs2iscsi.operatorTlsSecret" -}}{{ .Release.Name }}-operator-tls{{- end -}}

{{/* ConfigMap with the CA certificate alone (ca.crt): what the nodes trust the operator by. */}}
{{- define "ocfs2iscsi.trustConfigMap" -}}{{ .Release.Name }}-mtls-trust{{- end -}}

{{/*
Who is who on the agent channel (URI subject alternative names): the operator, and each node as this prefix followed
by its Node name. Agents are dialled by IP; the operator checks the node's name instead.
*/}}
{{- define "ocfs2iscsi.operatorIdentity" -}}spiffe://ocfs2iscsi.io/ns/{{ .Release.Namespace }}/operator{{- end -}}
{{- define "ocfs2iscsi.nodeIdentityPrefix" -}}spiffe://ocfs2iscsi.io/ns/{{ .Release.Namespace }}/node/{{- end -}}
