# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Connection options of the es_* modules; mirrors elasticsearch_argument_spec() in
    # plugins/module_utils/_elasticsearch.py option for option.
    DOCUMENTATION = r"""
options:
  hosts:
    description:
      - Elasticsearch nodes to talk to, as URLs with scheme, for example V(https://es1.example.com:9200).
      - A URL without port uses the scheme's default port (80 or 443).
      - With several nodes the client spreads requests over them and retries failed requests on another node.
      - If not set, the comma-separated list in the E(ELASTICSEARCH_ENDPOINTS) environment variable is used,
        and without that V(http://localhost:9200).
      - Prefer O(username) and O(password) over credentials written into the URL (V(https://user:pass@host:9200)).
      - Mutually exclusive with O(cloud_id). A value from E(ELASTICSEARCH_ENDPOINTS) counts as set.
    type: list
    elements: str
    default: [http://localhost:9200]
  cloud_id:
    description:
      - Cloud ID of an Elastic Cloud deployment, used instead of O(hosts).
      - Mutually exclusive with O(hosts).
    type: str
  username:
    description:
      - User name for HTTP basic authentication, sent together with O(password).
      - If not set, the value of the E(ELASTICSEARCH_USERNAME) environment variable is used.
      - Mutually exclusive with O(api_key) and O(bearer_token); a value from the environment counts as set.
    type: str
  password:
    description:
      - Password for O(username).
      - If not set, the value of the E(ELASTICSEARCH_PASSWORD) environment variable is used.
      - Required together with O(username).
    type: str
  api_key:
    description:
      - "Elasticsearch API key, sent as C(Authorization: ApiKey <api_key>)."
      - Use the base64 V(encoded) value that the create API key API returns.
      - If not set, the value of the E(ELASTICSEARCH_API_KEY) environment variable is used.
      - Mutually exclusive with O(username) and O(bearer_token).
    type: str
  bearer_token:
    description:
      - "Bearer token (for example an OAuth2 access token, a JWT or a service account token),
        sent as C(Authorization: Bearer <bearer_token>)."
      - If not set, the value of the E(ELASTICSEARCH_BEARER_TOKEN) environment variable is used.
      - Mutually exclusive with O(username) and O(api_key).
    type: str
  ca_path:
    description:
      - PEM file with the CA certificate(s) used to verify the cluster's certificate instead of the
        system's default CA bundle.
      - If not set, the value of the E(ELASTICSEARCH_CA_FILE) environment variable is used.
      - Applies to V(https://) hosts and O(cloud_id); ignored when all O(hosts) use V(http://).
    type: path
  client_cert:
    description:
      - PEM file with a client certificate for TLS client authentication.
      - The file may also contain the private key; otherwise set O(client_key).
      - Applies to V(https://) hosts and O(cloud_id); ignored when all O(hosts) use V(http://).
    type: path
  client_key:
    description:
      - PEM file with the unencrypted private key of O(client_cert).
      - Requires O(client_cert).
    type: path
  validate_certs:
    description:
      - Whether to verify the cluster's TLS certificate and host name.
      - Set to V(false) only for tests against clusters with self-signed certificates; prefer O(ca_path).
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each HTTP request to complete.
      - A request that times out is not retried.
    type: float
    default: 30
  retries:
    description:
      - How many times the client repeats a request after a connection error (including a failed TLS
        handshake), a timeout (see O(request_timeout)) or an HTTP 429, 500, 502, 503 or 504 response, whatever
        the HTTP method. Every request these modules send may be repeated safely, reads and writes of one
        watch by id (a repeated conditional update meets a version conflict, and the module reads again).
      - Retries are sent immediately, without delay or backoff, and C(Retry-After) headers are ignored.
        A failing node is set aside for a while, so with several O(hosts) a retry normally goes to another node.
      - Other errors are not retried.
      - When all attempts fail, the module reports the last error.
      - V(0) disables retries.
    type: int
    default: 3
notes:
  - Options taken from environment variables count as set for the mutually exclusive checks,
    for example E(ELASTICSEARCH_USERNAME) together with O(api_key) is an error.
  - Elasticsearch 8.x clusters refuse the REST API compatibility headers of the 9.x Python client;
    install C(elasticsearch>=8,<9) on the host that runs the module for 8.x clusters.
requirements:
  - elasticsearch (the Python client, 8.x for Elasticsearch 8.x clusters, 8.x or 9.x for 9.x clusters)
"""
