"""A Log Analytics workspace and an Azure Monitor Private Link Scope holding it, through Azure's
Python SDK (Debian's python3-azure: azure-mgmt-loganalytics, azure-mgmt-monitor) on each client's
own default api-version. The generated clients check every status code against the spec.

Reads ARCLINK_ARM, ARCLINK_TENANT, ARCLINK_CLIENT_ID, ARCLINK_CLIENT_SECRET, ARCLINK_SUBSCRIPTION
and ARCLINK_RG (an existing resource group); the caller trusts ArcLink's CA with REQUESTS_CA_BUNDLE.
Prints one JSON line with what it saw.
"""
import json
import os

from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import Workspace, WorkspaceSku
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.monitor.models import AzureMonitorPrivateLinkScope, ScopedResource

ARM = os.environ["ARCLINK_ARM"].rstrip("/")
RG = os.environ["ARCLINK_RG"]
SCOPES = ["https://management.azure.com/.default"]


def main():
    cred = ClientSecretCredential(
        os.environ["ARCLINK_TENANT"],
        os.environ["ARCLINK_CLIENT_ID"],
        os.environ["ARCLINK_CLIENT_SECRET"],
        authority=ARM,
        instance_discovery=False,
    )
    sub = os.environ["ARCLINK_SUBSCRIPTION"]
    la = LogAnalyticsManagementClient(cred, sub, base_url=ARM, credential_scopes=SCOPES)
    mon = MonitorManagementClient(cred, sub, base_url=ARM, credential_scopes=SCOPES)
    out = {}

    versions = set()
    ws = la.workspaces.begin_create_or_update(
        RG,
        "law-py",
        Workspace(location="eastus", sku=WorkspaceSku(name="PerGB2018"), retention_in_days=45),
        raw_response_hook=lambda r: versions.add(r.http_request.query.get("api-version")),
    ).result()
    out["loganalyticsVersions"] = sorted(v for v in versions if v)
    out["customerId"] = ws.customer_id
    out["provisioningState"] = ws.provisioning_state
    out["retention"] = la.workspaces.get(RG, "law-py").retention_in_days
    out["listed"] = [w.name for w in la.workspaces.list_by_resource_group(RG)]

    scope = mon.private_link_scopes.create_or_update(
        RG, "ampls-py", AzureMonitorPrivateLinkScope(location="global")
    )
    out["scopeLocation"] = scope.location
    scoped = mon.private_link_scoped_resources.begin_create_or_update(
        RG, "ampls-py", "law-py", ScopedResource(linked_resource_id=ws.id)
    ).result()
    out["linked"] = scoped.linked_resource_id
    try:
        la.workspaces.begin_delete(RG, "law-py").result()
        out["deleteWhileScoped"] = "deleted"
    except HttpResponseError as e:
        out["deleteWhileScoped"] = e.status_code
    mon.private_link_scoped_resources.begin_delete(RG, "ampls-py", "law-py").result()
    la.workspaces.begin_delete(RG, "law-py").result()
    out["listedAfter"] = [w.name for w in la.workspaces.list_by_resource_group(RG)]
    print(json.dumps(out))


main()
