"""Reads one Arc machine through Azure's Python SDK (Debian's python3-azure) on the hybridcompute
client's own default api-version and prints what the agent reported as the SDK deserialised it.

Reads ARCLINK_ARM, ARCLINK_TENANT, ARCLINK_CLIENT_ID, ARCLINK_CLIENT_SECRET, ARCLINK_SUBSCRIPTION,
ARCLINK_RG and ARCLINK_MACHINE; the caller trusts ArcLink's CA with REQUESTS_CA_BUNDLE.
"""
import json
import os

from azure.identity import ClientSecretCredential
from azure.mgmt.hybridcompute import HybridComputeManagementClient

ARM = os.environ["ARCLINK_ARM"].rstrip("/")


def main():
    cred = ClientSecretCredential(
        os.environ["ARCLINK_TENANT"],
        os.environ["ARCLINK_CLIENT_ID"],
        os.environ["ARCLINK_CLIENT_SECRET"],
        authority=ARM,
        instance_discovery=False,
    )
    hc = HybridComputeManagementClient(
        cred,
        os.environ["ARCLINK_SUBSCRIPTION"],
        base_url=ARM,
        credential_scopes=["https://management.azure.com/.default"],
    )
    m = hc.machines.get(os.environ["ARCLINK_RG"], os.environ["ARCLINK_MACHINE"])
    ac = m.agent_configuration
    ss = m.service_statuses
    print(
        json.dumps(
            {
                "apiVersion": hc._config.api_version,
                "status": m.status,
                "agentVersion": m.agent_version,
                "osName": m.os_name,
                "osType": m.os_type,
                "computerName": m.os_profile.computer_name if m.os_profile else None,
                "incomingConnectionsPorts": ac.incoming_connections_ports if ac else None,
                "configMode": ac.config_mode if ac else None,
                "extensionService": ss.extension_service.status if ss and ss.extension_service else None,
                "detectedProperties": m.detected_properties,
            }
        )
    )


main()
