"""The seed's portal flow through Azure's Python SDK (Debian's python3-azure), on each client's own
default api-version: resource group, VNet and subnet, Arc Private Link Scope, private endpoint,
private DNS zones with VNet links and a zone group, a machine associated with the scope, both
validation-details calls, then deletion.

Reads ARCLINK_ARM, ARCLINK_TENANT, ARCLINK_CLIENT_ID, ARCLINK_CLIENT_SECRET and
ARCLINK_SUBSCRIPTION; the caller trusts ArcLink's CA with REQUESTS_CA_BUNDLE. Prints one JSON
object: what each client sent (method, path, api-version, status) and what the flow saw.
"""
import json
import os
import sys
from urllib.parse import parse_qs, urlparse

from azure.identity import ClientSecretCredential
from azure.mgmt.hybridcompute import HybridComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource import ResourceManagementClient

ARM = os.environ["ARCLINK_ARM"].rstrip("/")
SUB = os.environ["ARCLINK_SUBSCRIPTION"]
SCOPES = ["https://management.azure.com/.default"]

calls = []


def record(client_name):
    def hook(response):
        req = response.http_request
        url = urlparse(req.url)
        version = parse_qs(url.query).get("api-version", [None])[0]
        calls.append(
            {
                "client": client_name,
                "method": req.method,
                "path": url.path,
                "apiVersion": version,
                "status": response.http_response.status_code,
            }
        )

    return hook


def main():
    cred = ClientSecretCredential(
        os.environ["ARCLINK_TENANT"],
        os.environ["ARCLINK_CLIENT_ID"],
        os.environ["ARCLINK_CLIENT_SECRET"],
        authority=ARM,
        instance_discovery=False,
    )
    common = {"base_url": ARM, "credential_scopes": SCOPES, "polling_interval": 0}
    resources = ResourceManagementClient(cred, SUB, raw_response_hook=record("resource"), **common)
    network = NetworkManagementClient(cred, SUB, raw_response_hook=record("network"), **common)
    dns = PrivateDnsManagementClient(cred, SUB, raw_response_hook=record("privatedns"), **common)
    hc = HybridComputeManagementClient(cred, SUB, raw_response_hook=record("hybridcompute"), **common)
    rg = "rg-arc-py"
    resources.resource_groups.create_or_update(rg, {"location": "eastus"})

    vnet = network.virtual_networks.begin_create_or_update(
        rg,
        "vnet-hub",
        {
            "location": "eastus",
            "address_space": {"address_prefixes": ["10.20.0.0/16"]},
            "subnets": [
                {
                    "name": "snet-pe",
                    "address_prefix": "10.20.1.0/24",
                    "private_endpoint_network_policies": "Disabled",
                }
            ],
        },
    ).result()
    assert vnet.provisioning_state == "Succeeded", vnet.provisioning_state
    subnet_id = vnet.subnets[0].id

    scope = hc.private_link_scopes.create_or_update(
        rg, "pls-arc", {"location": "eastus", "properties": {"public_network_access": "Disabled"}}
    )
    scope_guid = scope.properties.private_link_scope_id
    assert scope.properties.public_network_access == "Disabled"
    tagged = hc.private_link_scopes.update_tags(rg, "pls-arc", {"tags": {"team": "platform"}})
    assert tagged.tags == {"team": "platform"}, tagged.tags
    groups = [r.properties.group_id for r in hc.private_link_resources.list_by_private_link_scope(rg, "pls-arc")]

    pe = network.private_endpoints.begin_create_or_update(
        rg,
        "pe-arc",
        {
            "location": "eastus",
            "subnet": {"id": subnet_id},
            "private_link_service_connections": [
                # Group ids in the wild are written in any case: Azure matches them case-insensitively.
                {"name": "pe-arc-conn", "private_link_service_id": scope.id, "group_ids": ["hybridCompute"]}
            ],
        },
    ).result()
    assert pe.provisioning_state == "Succeeded"
    state = pe.private_link_service_connections[0].private_link_service_connection_state.status
    dns_configs = [{"fqdn": c.fqdn, "ip": c.ip_addresses[0]} for c in pe.custom_dns_configs]

    manual = network.private_endpoints.begin_create_or_update(
        rg,
        "pe-manual",
        {
            "location": "eastus",
            "subnet": {"id": subnet_id},
            "manual_private_link_service_connections": [
                {
                    "name": "m",
                    "private_link_service_id": scope.id,
                    "group_ids": ["hybridcompute"],
                    "request_message": "please",
                }
            ],
        },
    ).result()
    pending = [
        c
        for c in hc.private_endpoint_connections.list_by_private_link_scope(rg, "pls-arc")
        if c.properties.private_endpoint.id.lower() == manual.id.lower()
    ]
    assert len(pending) == 1, pending
    approved = hc.private_endpoint_connections.begin_create_or_update(
        rg,
        "pls-arc",
        pending[0].name,
        {"properties": {"private_link_service_connection_state": {"status": "Approved", "description": "ok"}}},
    ).result()
    manual_now = network.private_endpoints.get(rg, "pe-manual")
    manual_state = manual_now.manual_private_link_service_connections[0].private_link_service_connection_state.status
    network.private_endpoints.begin_delete(rg, "pe-manual").result()

    zones = [
        "privatelink.his.arc.azure.com",
        "privatelink.guestconfiguration.azure.com",
        "privatelink.dp.kubernetesconfiguration.azure.com",
    ]
    zone_ids = []
    for z in zones:
        zone = dns.private_zones.begin_create_or_update(rg, z, {"location": "Global"}).result()
        zone_ids.append(zone.id)
        dns.virtual_network_links.begin_create_or_update(
            rg,
            z,
            "link-hub",
            {"location": "Global", "virtual_network": {"id": vnet.id}, "registration_enabled": False},
        ).result()
    network.private_dns_zone_groups.begin_create_or_update(
        rg,
        "pe-arc",
        "default",
        {
            "private_dns_zone_configs": [
                {"name": z.replace(".", "-"), "private_dns_zone_id": zid} for z, zid in zip(zones, zone_ids)
            ]
        },
    ).result()
    records = {}
    for z in zones:
        for r in dns.record_sets.list_by_type(rg, z, "A"):
            records[r.fqdn.rstrip(".")] = r.a_records[0].ipv4_address

    # The Python SDK has no Machines_CreateOrUpdate: the machine is written by id through the
    # generic resources client, at the hybridcompute client's own api-version.
    machine_id = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/srv01"
    resources.resources.begin_create_or_update_by_id(
        machine_id,
        hc._config.api_version,
        {"location": "eastus", "properties": {"privateLinkScopeResourceId": scope.id}},
    ).result()
    machine = hc.machines.get(rg, "srv01")
    by_guid = hc.private_link_scopes.get_validation_details("eastus", scope_guid)
    by_machine = hc.private_link_scopes.get_validation_details_for_machine(rg, "srv01")
    machines = [m.name for m in hc.machines.list_by_resource_group(rg)]
    hc.machines.delete(rg, "srv01")
    machines_after = [m.name for m in hc.machines.list_by_resource_group(rg)]

    network.private_endpoints.begin_delete(rg, "pe-arc").result()
    left = {z: [r.name for r in dns.record_sets.list_by_type(rg, z, "A")] for z in zones}
    hc.private_link_scopes.begin_delete(rg, "pls-arc").result()
    resources.resource_groups.begin_delete(rg).result()
    rg_exists = resources.resource_groups.check_existence(rg)

    print(
        json.dumps(
            {
                "defaults": {"hybridcompute": hc._config.api_version, "privatedns": dns._config.api_version},
                "calls": calls,
                "scopeGuid": scope_guid,
                "groups": groups,
                "peState": state,
                "peGroupIds": pe.private_link_service_connections[0].group_ids,
                "peIpConfigurations": [c.name for c in (pe.ip_configurations or [])],
                "dnsConfigs": dns_configs,
                "approved": approved.properties.private_link_service_connection_state.status,
                "manualState": manual_state,
                "records": records,
                "machineScope": machine.private_link_scope_resource_id,
                "byGuid": by_guid.as_dict(),
                "byMachine": by_machine.as_dict(),
                "machines": machines,
                "machinesAfter": machines_after,
                "recordsLeft": left,
                "rgExists": rg_exists,
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report the SDK's own error text to the test
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        raise
