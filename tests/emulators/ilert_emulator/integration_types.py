# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The integration types the emulator accepts, and what the server derives from the type.

iLert validates `integrationType` on the server and keeps adding types, so clients should not
hard-code this list; the emulator needs one to answer 400 for a type iLert would refuse."""

from __future__ import annotations

# `IntegrationType` of iLert's OpenAPI document v2.2026.5-r.3 (151 values) ...
CURRENT = (
    "NAGIOS", "ICINGA", "EMAIL2", "SMS", "API", "HEARTBEAT2", "PRTG", "PINGDOM", "CLOUDWATCH", "AWSPHD", "STACKDRIVER", "INSTANA",
    "ZABBIX", "SOLARWINDS", "PROMETHEUS", "NEWRELIC", "GRAFANA", "GITHUB", "DATADOG", "UPTIMEROBOT", "APPDYNAMICS", "DYNATRACE",
    "TOPDESK", "STATUSCAKE", "MONITOR", "TOOL", "CHECKMK", "AUTOTASK", "AWSBUDGET", "SYSDIG", "SERVERDENSITY", "ZAPIER",
    "KENTIXAM", "JIRA", "CONSUL", "ZAMMAD", "SPLUNK", "SERVICENOW", "SEARCHGUARD", "KUBERNETES", "SIGNALFX", "AZUREALERTS",
    "TERRAFORMCLOUD", "SENTRY", "SEMATEXT", "SUMOLOGIC", "RAYGUN", "MXTOOLBOX", "ESWATCHER", "AMAZONSNS", "KAPACITOR",
    "CORTEXXSOAR", "ZENDESK", "AUVIK", "SENSU", "NCENTRAL", "JUMPCLOUD", "SALESFORCE", "GUARDDUTY", "STATUSHUB", "IXON",
    "APIFORTRESS", "FRESHSERVICE", "APPSIGNAL", "LIGHTSTEP", "IBMCLOUDFUNCTIONS", "CROWDSTRIKE", "HUMIO", "OHDEAR",
    "MONGODBATLAS", "GITLAB", "HYPERPING", "PAPRISMACLOUD", "SAMSARA", "PANDORAFMS", "MSSCOM", "TWILIO", "CISCOMERAKI", "CHECKLY",
    "POSTHOG", "GOOGLESCC", "SLACK", "MSTEAMS", "UPTIMEKUMA", "TWILIOERRORS", "PARTICLE", "CLOUDFLARE", "TULIP", "GRAYLOG",
    "CATCHPOINT", "LOKI", "CORTEX", "MIMIR", "HALOPSA", "INFLUXDB", "CALLFLOW", "HALOITSM", "KIBANA", "VICTORIAMETRICS",
    "HONEYCOMB", "FOURME", "KEEP", "UBIDOTS", "HETRIXTOOLS", "POSTMAN", "CLUSTERCONTROL", "NETDATA", "AWX", "KAFKA", "MQTT",
    "RAPIDSPIKE", "HONEYBADGER", "HEALTHCHECKSIO", "MEZMO", "SERVERGUARD24", "CISCOTHOUSANDEYES", "SITE24X7", "ITCONDUCTOR",
    "SAPFRUN", "APICA", "DASH0", "ROLLBAR", "GATUS", "LIBRENMS", "PANTHER", "TEAMCITY", "ALIBABACLOUD", "FLEETDM",
    "CONNECTWISEPSA", "DEADMANSSNITCH", "FORTISOAR", "OPMANAGER", "CRONITOR", "DOMOTZ", "LIVEWATCH", "AZUREDEVOPS", "LEVELIO",
    "EKARA", "SYSAID", "PHAREIO", "OPSGENIE", "WHATAP", "SIGNOZ", "GOOGLECHAT", "DOTCOMMONITOR", "UPTIME", "HELPSCOUT",
    "SCIENCELOGIC", "PULSETIC", "WAZUH", "SEKOIA",
)
# ... and the legacy values clients still send (EMAIL -> EMAIL2, HEARTBEAT -> HEARTBEAT2, call routing numbers).
LEGACY = ("EMAIL", "HEARTBEAT", "CRN")
KNOWN = frozenset(CURRENT + LEGACY)

# For e-mail sources the integration key *is* the e-mail address (and a PUT may change it).
EMAIL_TYPES = frozenset(("EMAIL", "EMAIL2"))


def icon_urls(integration_type: str) -> dict:
    """Server-set icon URLs; the host is deliberately not resolvable (nothing fetches them)."""
    name = integration_type.lower()
    base = "https://icons.ilert-emulator.invalid/alert-sources/"
    return {
        "iconUrl": base + name + ".png",
        "lightIconUrl": base + "light/" + name + ".svg",
        "darkIconUrl": base + "dark/" + name + ".svg",
    }
