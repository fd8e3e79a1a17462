from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    """Also DIRECTORY_PATH (the resource directory: HSDS 3.0, a folder of CSV tables or a JSON file),
    DIRECTORY_EXTENSION_PATH (its extension file; empty: referral-extension.yaml beside it) and
    POLICY_PATH (the partnership policy)."""

    http_port: int = 8002
    directory_path: str = "deploy/demo/hsds"
    directory_extension_path: str = ""
    policy_path: str = "deploy/demo/policy.yaml"
