from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    """Also DIRECTORY_PATH (the resource directory) and POLICY_PATH (the partnership policy)."""

    http_port: int = 8002
    directory_path: str = "deploy/demo/hsds"
    policy_path: str = "deploy/demo/policy.yaml"
