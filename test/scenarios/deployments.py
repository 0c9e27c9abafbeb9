# Deployments through Debian's Python SDK (azure-mgmt-resource, its default api-version): the
# symbolic rollout, validate, what-if, operations, export, a failing deployment's error, cancel,
# Complete mode, a subscription-scope deployment that creates a resource group and deploys into
# it, and delete. Prints one JSON line the test asserts on.
import json
import os
import re
import time

import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resource import ResourceManagementClient

READY = json.loads(os.environ["ARCLINK_READY"])
DIR = os.environ["ARCLINK_TEMPLATES"]


class ArcLinkCredential:
    """Client credentials from ArcLink's token endpoint (the form MSAL posts)."""

    def get_token(self, *scopes, **kwargs):
        r = requests.post(
            f"{READY['authorityHost'].rstrip('/')}/{READY['tenantId']}/oauth2/v2.0/token",
            data={
                "client_id": READY["clientId"],
                "client_secret": READY["clientSecret"],
                "grant_type": "client_credentials",
                "scope": "https://management.core.windows.net//.default",
            },
            verify=READY["caCert"],
            timeout=30,
        )
        r.raise_for_status()
        body = r.json()
        return AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))


def read(name):
    with open(os.path.join(DIR, name), encoding="utf8") as f:
        return json.loads(re.sub(r"^\s*//.*$", "", f.read(), flags=re.M))


client = ResourceManagementClient(
    ArcLinkCredential(),
    READY["subscriptionId"],
    base_url=READY["arm"],
    credential_scopes=["https://management.azure.com/.default"],
    connection_verify=READY["caCert"],
    polling_interval=0,
)
d = client.deployments
out = {"apiVersion": client._config.api_version if hasattr(client._config, "api_version") else None}
client.resource_groups.create_or_update("rg-py", {"location": "eastus"})
rollout = read("rollout-symbolic.json")

valid = d.begin_validate("rg-py", "sym", {"properties": {"mode": "Incremental", "template": rollout}}).result()
out["validated"] = len(valid.properties.validated_resources)

wi = d.begin_what_if("rg-py", "sym", {"properties": {"mode": "Incremental", "template": rollout}}).result()
out["whatIf"] = {"status": wi.status, "creates": len([c for c in wi.changes if c.change_type == "Create"])}

dep = d.begin_create_or_update(
    "rg-py",
    "sym",
    {"properties": {"mode": "Incremental", "template": rollout, "parameters": {"scopeName": {"value": "pls-py"}}}},
).result()
out["created"] = {
    "state": dep.properties.provisioning_state,
    "outputs": dep.properties.outputs,
    "resources": len(dep.properties.output_resources),
    "parameters": dep.properties.parameters,
}
ops = list(client.deployment_operations.list("rg-py", "sym"))
out["operations"] = len(ops)
one = client.deployment_operations.get("rg-py", "sym", ops[0].operation_id)
out["operation"] = {"id": one.operation_id, "target": one.properties.target_resource.resource_type}
out["exportedLanguageVersion"] = d.export_template("rg-py", "sym").template.get("languageVersion")
out["listed"] = [x.name for x in d.list_by_resource_group("rg-py")]

try:
    d.begin_create_or_update("rg-py", "refused", {"properties": {"mode": "Incremental", "template": read("refused.json")}}).result()
    out["refused"] = "no error"
except HttpResponseError as e:
    out["refused"] = {"code": e.error.code if e.error else None, "message": str(e)[:400]}
failed = d.get("rg-py", "refused")
out["failed"] = {"state": failed.properties.provisioning_state, "error": failed.properties.error.as_dict()}

try:
    d.cancel("rg-py", "sym")
    out["cancel"] = "no error"
except HttpResponseError as e:
    out["cancel"] = {"status": e.status_code, "code": e.error.code if e.error else None}

client.resource_groups.create_or_update("rg-complete", {"location": "eastus"})


def zones(names):
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": n, "location": "global"}
            for n in names
        ],
    }


d.begin_create_or_update("rg-complete", "first", {"properties": {"mode": "Incremental", "template": zones(["a.internal", "b.internal"])}}).result()
wic = d.begin_what_if("rg-complete", "second", {"properties": {"mode": "Complete", "template": zones(["a.internal"])}}).result()
out["completeWhatIf"] = [f"{c.change_type} {c.resource_id.split('/')[-1]}" for c in wic.changes]
d.begin_create_or_update("rg-complete", "second", {"properties": {"mode": "Complete", "template": zones(["a.internal"])}}).result()
out["completeLeft"] = [r.name for r in client.resources.list_by_resource_group("rg-complete")]

sub = d.begin_create_or_update_at_subscription_scope(
    "sub-rollout", {"location": "eastus", "properties": {"mode": "Incremental", "template": read("subscription.json")}}
).result()
out["subscription"] = {"state": sub.properties.provisioning_state, "outputs": sub.properties.outputs}
rg = client.resource_groups.get("rg-from-template")
out["subscriptionGroup"] = {"location": rg.location, "tags": rg.tags}

d.begin_delete("rg-py", "sym").result()
out["afterDelete"] = [x.name for x in d.list_by_resource_group("rg-py")]
print(json.dumps(out))
